"""Venues 职工文化阵地: registration, updates, the status life cycle and designations."""
from __future__ import annotations

from sqlalchemy.orm import Session, object_session

from services.common.auth import Caller
from services.common.clock import utcnow
from services.common.errors import NotFound
from services.common.orgpath import ancestors
from services.common.query import get_or_not_found

from .. import domain
from ..models import Org, Space, Venue, VenueArtField, VenueDesignation
from . import documents
from .documents import VENUE_OUT  # noqa: F401 (service.py and search.py import it from here)
from .shared import OUTBOX, new_id


def _apply_spaces(venue: Venue, spaces: list[dict]) -> None:
    """Replace the venue's spaces: an entry with a known ``id`` keeps it, others are new."""
    current = {s.id: s for s in venue.spaces}
    unknown = [s["id"] for s in spaces if s.get("id") and s["id"] not in current]
    if unknown:
        raise NotFound(f"no space {', '.join(unknown)} in this venue")
    wanted = {item["id"]: item for item in spaces if item.get("id")}
    session = object_session(venue)
    if session is not None:
        # Free the names first: omitted spaces go, kept spaces that change name take a placeholder,
        # so no final name meets an old one mid-flush (two spaces swapping names, a removed
        # space's name given to a new one).
        venue.spaces = [s for s in venue.spaces if s.id in wanted]
        for space in venue.spaces:
            if space.name != wanted[space.id]["name"]:
                space.name = f"~{space.id}"
        session.flush()
    kept = []
    for position, item in enumerate(spaces):
        space = current.get(item.get("id")) or Space(id=new_id())
        space.name, space.capacity, space.position = item["name"], item["capacity"], position
        kept.append(space)
    venue.spaces = kept


def _apply_art_fields(venue: Venue, art_fields: list[str]) -> None:
    venue.art_fields = art_fields
    venue.art_field_rows = [VenueArtField(art_field=f) for f in art_fields]


def register_venue(session: Session, caller: Caller, data: dict) -> Venue:
    org = get_or_not_found(session, Org, data["org_id"], "organisation")
    caller.require_org(org.ancestors)
    now = utcnow()
    venue = Venue(id=new_id(), name=data["name"], type=data["type"], org_id=org.id, org_path=org.path,
                  district=data["district"], address=data["address"], lat=data["location"]["lat"],
                  lon=data["location"]["lon"], opening_hours=data["opening_hours"],
                  facilities=data["facilities"], book_count=data["book_count"], status=data["status"],
                  version=1, created_at=now, updated_at=now)
    _apply_spaces(venue, data["spaces"])
    _apply_art_fields(venue, data["art_fields"])
    session.add(venue)
    session.flush()
    documents.refresh(session, [venue.id])
    OUTBOX.emit(session, "venue_registered", venue.id, venue)
    return venue


def _changed(session: Session, venue: Venue) -> None:
    """Every change of a registered venue ends here: a new version, flushed, its document rebuilt."""
    venue.version += 1
    venue.updated_at = utcnow()
    session.flush()
    documents.refresh(session, [venue.id])


def _venue_for_write(session: Session, caller: Caller, venue_id: str) -> Venue:
    venue = get_or_not_found(session, Venue, venue_id, "venue")
    caller.require_org(ancestors(venue.org_path))
    return venue


class _Updated:
    """A venue with the names of the fields an update changed: the ``venue_updated`` event's data."""

    def __init__(self, venue: Venue, changed: list[str]):
        self._venue, self.changed = venue, changed

    def __getattr__(self, name):
        return getattr(self._venue, name)


def update_venue(session: Session, caller: Caller, venue_id: str, changes: dict) -> Venue:
    venue = _venue_for_write(session, caller, venue_id)
    if "book_count" in changes and changes["book_count"] is not None and venue.type != "book_room":
        raise domain.validation("book_count", "only a book room has a book count")
    for key in ("name", "district", "address", "opening_hours", "facilities", "book_count"):
        if key in changes:
            setattr(venue, key, changes[key])
    if "location" in changes:
        venue.lat, venue.lon = changes["location"]["lat"], changes["location"]["lon"]
    if "spaces" in changes:
        _apply_spaces(venue, changes["spaces"])
    if "art_fields" in changes:
        _apply_art_fields(venue, changes["art_fields"])
    _changed(session, venue)
    OUTBOX.emit(session, "venue_updated", venue.id, _Updated(venue, sorted(changes)))
    return venue


def set_venue_status(session: Session, caller: Caller, venue_id: str, status: str, reason: str) -> Venue:
    venue = _venue_for_write(session, caller, venue_id)
    previous = venue.status
    domain.check_transition(previous, status)
    venue.status = status
    _changed(session, venue)
    OUTBOX.emit(session, "venue_status_changed", venue.id, {
        "venue_id": venue.id, "previous_status": previous, "status": status, "reason": reason, "venue": venue})
    return venue


def _active(designations) -> dict:
    return {d.designation: d for d in designations if d.revoked_at is None}


def designate_venue(session: Session, venue_id: str, designation: str, year: int, *, source: str,
                    caller: Caller | None = None) -> Venue:
    """Grant a designation; ``caller`` None means it comes from an award (not from an RPC)."""
    venue = get_or_not_found(session, Venue, venue_id, "venue") if caller is None else _venue_for_write(session, caller, venue_id)
    active = _active(venue.designations)
    if caller is None and designation in active:
        return venue  # the award was applied already (a replayed award_granted)
    domain.check_can_designate(designation, venue.status, set(active), by_award=caller is None)
    venue.designations.append(VenueDesignation(designation=designation, year=year, source=source,
                                               granted_at=utcnow()))
    _changed(session, venue)
    OUTBOX.emit(session, "venue_designated", venue.id,
                {"venue_id": venue.id, "designation": designation, "year": year, "source": source})
    return venue


def revoke_designation(session: Session, caller: Caller, venue_id: str, designation: str, reason: str) -> Venue:
    venue = _venue_for_write(session, caller, venue_id)
    active = _active(venue.designations)
    domain.check_can_revoke(designation, set(active), by_award=False)
    held = active[designation]
    held.revoked_at, held.revoke_reason = utcnow(), reason
    _changed(session, venue)
    OUTBOX.emit(session, "venue_designation_revoked", venue.id, {
        "venue_id": venue.id, "designation": designation, "reason": reason, "source": f"rpc:{caller.sub}"})
    return venue


def get_venue(session: Session, venue_id: str) -> dict:
    """The venue as ``get_venue`` answers it: its stored document (``documents.py``)."""
    return documents.venue_document(session, venue_id)
