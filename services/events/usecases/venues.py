"""What this service's copy of the registry knows of a venue (ops and UIs: is it bookable here yet?)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from services.common.query import get_or_not_found

from ..models import Venue
from ..schemas import VenueCopyOut

VENUE_COPY_OUT = VenueCopyOut()


def get_venue_copy(session: Session, venue_id: str) -> Venue:
    return get_or_not_found(session, Venue, venue_id, "venue (not known from registry events yet)")
