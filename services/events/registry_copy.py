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

from types import SimpleNamespace

from sqlalchemy import bindparam, delete, insert, select, update
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


VENUES, SPACES = Venue.__table__, Space.__table__
_VENUE_COLUMNS = ("name", "type", "org_id", "district", "address", "status", "lat", "lon", "opening_hours", "version")
# Core statements built once (the live stream applies thousands of venue events a second).
# The venue's row is locked while its version is compared: two appliers of one snapshot at once
# (the live stream and a catch-up) must not both find it new (PostgreSQL; SQLite serialises).
_VERSION = select(VENUES.c.version).where(VENUES.c.id == bindparam("venue_id")).with_for_update()
_INSERT_VENUE = insert(VENUES).values({"id": bindparam("venue_id")}
                                      | {name: bindparam(name) for name in _VENUE_COLUMNS})
_UPDATE_VENUE = update(VENUES).where(VENUES.c.id == bindparam("venue_id")).values(
    {name: bindparam(name) for name in _VENUE_COLUMNS})
_SPACES = select(SPACES.c.id, SPACES.c.name, SPACES.c.capacity, SPACES.c.position).where(
    SPACES.c.venue_id == bindparam("venue_id"))
_DELETE_SPACES = delete(SPACES).where(SPACES.c.id.in_(bindparam("ids", expanding=True)))
_INSERT_SPACE = insert(SPACES).values(id=bindparam("space_id"), venue_id=bindparam("venue_id"),
                                      name=bindparam("name"), capacity=bindparam("capacity"),
                                      position=bindparam("position"))
_UPDATE_SPACE = update(SPACES).where(SPACES.c.id == bindparam("space_id")).values(
    name=bindparam("name"), capacity=bindparam("capacity"), position=bindparam("position"))


def _upsert_venue(session: Session, data: dict) -> SimpleNamespace | None:
    """The venue (id, name, status) after applying ``data``; None when the copy already holds
    a newer version. Its spaces become ``data``'s, in order: only the rows that differ are
    written. Core statements: the ORM objects of this session are not used (nor refreshed)."""
    session.flush()  # whatever the ORM holds goes first: the statements below go round it
    venue_id = data["id"]
    held = session.execute(_VERSION, {"venue_id": venue_id}).first()
    if held is not None and held.version >= data["version"]:
        return None
    values = {name: data[name] for name in _VENUE_COLUMNS if name not in ("lat", "lon")}
    values.update(venue_id=venue_id, lat=data["location"]["lat"], lon=data["location"]["lon"])
    session.execute(_INSERT_VENUE if held is None else _UPDATE_VENUE, values)
    current = {row.id: row for row in session.execute(_SPACES, {"venue_id": venue_id})} if held is not None else {}
    wanted = {item["id"]: {"space_id": item["id"], "venue_id": venue_id, "name": item["name"],
                           "capacity": item["capacity"], "position": position}
              for position, item in enumerate(data["spaces"])}
    gone = [space_id for space_id in current if space_id not in wanted]
    if gone:
        session.execute(_DELETE_SPACES, {"ids": gone})
    new = [row for space_id, row in wanted.items() if space_id not in current]
    if new:
        session.execute(_INSERT_SPACE, new)
    changed = [row for space_id, row in wanted.items() if space_id in current
               and tuple(current[space_id])[1:] != (row["name"], row["capacity"], row["position"])]
    if changed:
        session.execute(_UPDATE_SPACE, [{k: row[k] for k in ("space_id", "name", "capacity", "position")}
                                        for row in changed])
    return SimpleNamespace(id=venue_id, name=data["name"], status=data["status"])
