"""This service's copy of the registry: organisations, venues and their spaces.

Built from registry events (``org_registered``, ``venue_registered``, ``venue_updated``,
``venue_status_changed``), live through the kit's idempotent consumer and, to catch up or rebuild,
from the registry's ``events_since`` log. Applying an event is idempotent on its own (upserts keyed
by id; a venue snapshot older than the copy's ``version`` is ignored, its row locked while it is
compared), so the live stream and a catch-up may overlap freely, even at the same moment.
``sync_state['registry']`` holds how far the catch-up has read the registry's log; the live stream
does not move it (a live event applied past a gap the stream lost must not make the catch-up skip
that gap).

A venue that becomes suspended or closed flags the future activities booked there
(``activity_flagged``), so their organisers can move or cancel them.
"""
from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from .domain import utcnow
from .models import Activity, Booking, Org, Space, SyncState, Venue
from .schemas import RegistryOrg, RegistryStatusChanged, RegistryVenue
from .usecases import OUTBOX

log = logging.getLogger(__name__)
SOURCE = "registry"
UNBOOKABLE = ("suspended", "closed")
ORG, VENUE, STATUS_CHANGE = RegistryOrg(), RegistryVenue(), RegistryStatusChanged()


def registry_seq(session: Session) -> int:
    state = session.get(SyncState, SOURCE)
    return state.seq if state else 0


def _advance(session: Session, seq: int | None) -> None:
    if seq is None:
        return
    state = session.get(SyncState, SOURCE)
    if state is None:
        session.add(SyncState(source=SOURCE, seq=seq, updated_at=utcnow()))
    elif seq > state.seq:
        state.seq, state.updated_at = seq, utcnow()


def apply(session: Session, envelope: dict) -> None:
    """Apply one registry event to the copy (other types are ignored)."""
    kind = envelope["type"]
    if kind == "org_registered":
        _upsert_org(session, ORG.load(envelope["data"]))
    elif kind in ("venue_registered", "venue_updated"):
        _upsert_venue(session, VENUE.load(envelope["data"]))
    elif kind == "venue_status_changed":
        data = STATUS_CHANGE.load(envelope["data"])
        venue = _upsert_venue(session, data["venue"])
        if venue is not None and venue.status in UNBOOKABLE:
            _flag_future_activities(session, venue, data["reason"])
    session.flush()


def _upsert_org(session: Session, data: dict) -> None:
    org = session.get(Org, data["id"]) or Org(id=data["id"])
    org.name, org.kind, org.parent_id = data["name"], data["kind"], data["parent_id"]
    org.path = "/" + "/".join(data["ancestors"]) + "/"
    session.add(org)


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


def _flag_future_activities(session: Session, venue: Venue, reason: str) -> None:
    now = utcnow()
    affected = session.scalars(select(Activity).where(
        Activity.status.in_(("draft", "published")),
        Activity.bookings.any((Booking.venue_id == venue.id) & Booking.active.is_(True) & (Booking.ends_at > now)))
        .with_for_update()).all()
    for activity in affected:
        note = f"{venue.name} is {venue.status}: {reason}".strip(": ")
        activity.flags = [*activity.flags, {"venue_id": venue.id, "status": venue.status, "reason": note,
                                            "at": now.isoformat()}]
        activity.version += 1
        activity.updated_at = now
        session.flush()
        OUTBOX.emit(session, "activity_flagged", activity.id, {
            "activity_id": activity.id, "org_id": activity.org_id, "venue_id": venue.id, "reason": note})
    if affected:
        log.info("flagged %d future activities at %s (%s)", len(affected), venue.id, venue.status)


def reset(session: Session) -> None:
    """Forget how far the copy goes: the next catch-up re-reads the registry's log from the start."""
    state = session.get(SyncState, SOURCE)
    if state is not None:
        state.seq, state.updated_at = 0, utcnow()
    session.commit()


def catch_up(session: Session, fetch, *, page_size: int = 500) -> int:
    """Apply the registry's log after our ``seq``, one committed transaction a page.

    ``fetch(seq, limit)`` calls the registry's ``events_since``; it runs outside any transaction
    (the registry may be slow, or away: then it raises and what was applied stays applied).
    """
    applied = 0
    while True:
        seq = registry_seq(session)
        session.commit()
        log_page = fetch(seq, page_size)
        for envelope in log_page["items"]:
            apply(session, envelope)
        _advance(session, log_page["next_seq"])
        session.commit()
        applied += len(log_page["items"])
        if len(log_page["items"]) < page_size:
            return applied
