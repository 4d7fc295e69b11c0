"""What the registry use cases share: the outbox, ids, the active-designation condition."""
from __future__ import annotations


from sqlalchemy import select

from services.common.outbox import Outbox
from services.common.query import new_id  # noqa: F401 (the use cases import it from here)

from ..models import Venue, VenueDesignation, metadata
from ..schemas import EVENT_SCHEMAS

OUTBOX = Outbox("registry", metadata, EVENT_SCHEMAS)



def designation_rows(designation: str):
    """The venue's active ``designation`` (correlated to ``venues``), as a query."""
    return select(VenueDesignation.id).where(VenueDesignation.venue_id == Venue.id,
                                             VenueDesignation.designation == designation,
                                             VenueDesignation.revoked_at.is_(None))


def active_designation(designation: str):
    return designation_rows(designation).exists()
