"""This service's copy of the registry: organisations, venues and their spaces.

The kit's follower (``services.common.follower``) keeps it: registry events live through the
idempotent consumer, and the registry's ``events_since`` log to catch up or rebuild. This module is
only what the follower calls, ``apply(session, envelope)``: idempotent on its own (upserts keyed by
id; a venue snapshot older than the copy's ``version`` is ignored, its row locked while it is
compared), so the live stream and a catch-up may overlap freely, even at the same moment. It never
commits. A venue that becomes suspended or closed is the events use case
``activities.flag_activities_at``'s to react to.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.orgcopy import ORG_REGISTERED, upsert_org

from .models import Org, Space, Venue
from .schemas import RegistryStatusChanged, RegistryVenue
from .usecases import activities

TYPES = ("org_registered", "venue_registered", "venue_updated", "venue_status_changed")
VENUE, STATUS_CHANGE = RegistryVenue(), RegistryStatusChanged()


def apply(session: Session, envelope: dict) -> None:
    """Apply one registry event to the copy (other types are ignored)."""
    kind = envelope["type"]
    if kind == "org_registered":
        upsert_org(session, Org, ORG_REGISTERED.load(envelope["data"]))
    elif kind in ("venue_registered", "venue_updated"):
        _upsert_venue(session, VENUE.load(envelope["data"]))
    elif kind == "venue_status_changed":
        data = STATUS_CHANGE.load(envelope["data"])
        venue = _upsert_venue(session, data["venue"])
        if venue is not None:
            activities.flag_activities_at(session, venue, data["reason"])
    session.flush()


def _upsert_venue(session: Session, data: dict) -> Venue | None:
    """The venue after applying ``data``; None when the copy already holds a newer version."""
    # Locked and re-read (not the session's cached object): two appliers of one snapshot at once
    # (the live stream and a catch-up) must not both find it new (PostgreSQL; SQLite serialises).
    venue = session.scalars(select(Venue).where(Venue.id == data["id"]).with_for_update()
                            .execution_options(populate_existing=True)).first()
    if venue is not None and venue.version >= data["version"]:
        return None
    if venue is None:
        venue = Venue(id=data["id"])
        session.add(venue)
    venue.name, venue.type, venue.org_id = data["name"], data["type"], data["org_id"]
    venue.district, venue.address, venue.status = data["district"], data["address"], data["status"]
    venue.lat, venue.lon = data["location"]["lat"], data["location"]["lon"]
    venue.opening_hours, venue.version = data["opening_hours"], data["version"]
    current = {s.id: s for s in venue.spaces}
    spaces = []
    for position, item in enumerate(data["spaces"]):
        space = current.get(item["id"]) or Space(id=item["id"])
        space.name, space.capacity, space.position = item["name"], item["capacity"], position
        spaces.append(space)
    venue.spaces = spaces
    return venue
