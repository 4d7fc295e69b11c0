"""What the registry use cases share: the outbox, ids, the active-designation condition."""
from __future__ import annotations


from sqlalchemy import exists

from services.common.outbox import Outbox
from services.common.query import new_id  # noqa: F401 (the use cases import it from here)

from ..models import Venue, VenueDesignation, metadata
from ..schemas import EVENT_SCHEMAS

OUTBOX = Outbox("registry", metadata, EVENT_SCHEMAS)



def active_designation(designation: str):
    return exists().where(VenueDesignation.venue_id == Venue.id, VenueDesignation.designation == designation,
                          VenueDesignation.revoked_at.is_(None))
