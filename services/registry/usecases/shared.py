"""What the registry use cases share: the outbox, ids, the active-designation condition."""
from __future__ import annotations

import uuid

from sqlalchemy import exists

from services.common.outbox import Outbox

from ..models import Venue, VenueDesignation, metadata
from ..schemas import EVENT_SCHEMAS

OUTBOX = Outbox("registry", metadata, EVENT_SCHEMAS)


def new_id() -> str:
    return str(uuid.uuid4())


def active_designation(designation: str):
    return exists().where(VenueDesignation.venue_id == Venue.id, VenueDesignation.designation == designation,
                          VenueDesignation.revoked_at.is_(None))
