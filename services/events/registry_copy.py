"""This service's copy of the registry: organisations, venues and their spaces.

The kit's follower (``services.common.follower``) keeps it: registry events live through the
idempotent consumer, and the registry's ``events_since`` log to catch up or rebuild. This module is
only what the follower calls, ``apply(session, envelope)``: idempotent on its own (upserts keyed by
id; a venue snapshot not newer than the copy's ``version`` is ignored, decided by the upsert
that writes it), so the live stream and a catch-up may overlap freely, even at the same moment. It never
commits. A venue that becomes suspended or closed is the events use case
``activities.flag_activities_at``'s to react to.
"""
from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from services.common.bulk import upsert_rows
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
        _upsert_venues(session, [VENUE.load(envelope["data"])])
    elif kind == "venue_status_changed":
        data = STATUS_CHANGE.load(envelope["data"])
        venue = data["venue"]
        if _upsert_venues(session, [venue]):  # written: the copy did not hold this version yet
            activities.flag_activities_at(session, SimpleNamespace(id=venue["id"], name=venue["name"],
                                                                   status=venue["status"]), data["reason"])
    session.flush()


VENUES, SPACES = Venue.__table__, Space.__table__
_VENUE_COLUMNS = ("name", "type", "org_id", "district", "address", "status", "lat", "lon", "opening_hours", "version")
# Core statements built once (the live stream applies thousands of venue events a second). The
# venues themselves are written by ``bulk.upsert_rows``: one upsert that applies only a newer
# version (on PostgreSQL its row lock, or the unique index for a venue new to the copy, makes a
# second applier of one snapshot at once, the live stream and a catch-up, wait and then find the
# version no longer newer; SQLite serialises writers).
_SPACES_OF = select(SPACES.c.venue_id, SPACES.c.id, SPACES.c.name, SPACES.c.capacity, SPACES.c.position).where(
    SPACES.c.venue_id.in_(bindparam("ids", expanding=True)))
_DELETE_SPACES = delete(SPACES).where(SPACES.c.id.in_(bindparam("ids", expanding=True)))
_INSERT_SPACE = insert(SPACES).values(id=bindparam("space_id"), venue_id=bindparam("venue_id"),
                                      name=bindparam("name"), capacity=bindparam("capacity"),
                                      position=bindparam("position"))
_UPDATE_SPACE = update(SPACES).where(SPACES.c.id == bindparam("space_id")).values(
    name=bindparam("name"), capacity=bindparam("capacity"), position=bindparam("position"))


def _venue_row(data: dict) -> dict:
    row = {name: data[name] for name in _VENUE_COLUMNS if name not in ("lat", "lon")}
    row.update(lat=data["location"]["lat"], lon=data["location"]["lon"])
    return row


def apply_many(session: Session, envelopes: list[dict]) -> None:
    """``apply`` for each of ``envelopes`` in order, to the same copy: a run of venue snapshots
    (``venue_registered`` / ``venue_updated``) is written together, each venue at the newest
    version of the run (what applying them one by one leaves), with a few statements for the
    whole run (``bulk.upsert_rows``, one read of the spaces); any other event is applied alone,
    after the run before it."""
    run: list[dict] = []
    for envelope in envelopes:
        if envelope["type"] in ("venue_registered", "venue_updated"):
            run.append(VENUE.load(envelope["data"]))
            continue
        _upsert_venues(session, run)
        run = []
        apply(session, envelope)
    _upsert_venues(session, run)
    session.flush()


def _upsert_venues(session: Session, snapshots: list[dict]) -> set[str]:
    """Each venue of ``snapshots`` at its newest version among them, where the copy holds an older
    one (or none); its spaces become the snapshot's, in order, writing only the rows that differ.
    Returns the ids of the venues written."""
    newest: dict[str, dict] = {}
    for data in snapshots:
        if data["id"] not in newest or data["version"] > newest[data["id"]]["version"]:
            newest[data["id"]] = data
    written = set(upsert_rows(session, VENUES, [dict(_venue_row(d), id=d["id"]) for d in newest.values()],
                              key="id", newer="version"))
    if not written:
        return written
    current: dict[str, dict] = {venue_id: {} for venue_id in written}
    for row in session.execute(_SPACES_OF, {"ids": sorted(written)}):
        current[row.venue_id][row.id] = row
    _write_spaces(session, [newest[venue_id] for venue_id in sorted(written)], current)
    return written


def _write_spaces(session: Session, venues: list[dict], current: dict[str, dict]) -> None:
    """The spaces of ``venues`` become theirs, in order, given the ``current`` rows of each
    (space id -> row): only the rows that differ are written."""
    gone, new, changed = [], [], []
    for data in venues:
        held = current[data["id"]]
        wanted = {item["id"]: {"space_id": item["id"], "venue_id": data["id"], "name": item["name"],
                               "capacity": item["capacity"], "position": position}
                  for position, item in enumerate(data["spaces"])}
        gone += [space_id for space_id in held if space_id not in wanted]
        for space_id, row in wanted.items():
            if space_id not in held:
                new.append(row)
            elif (held[space_id].name, held[space_id].capacity, held[space_id].position) != (
                    row["name"], row["capacity"], row["position"]):
                changed.append({k: row[k] for k in ("space_id", "name", "capacity", "position")})
    if gone:
        session.execute(_DELETE_SPACES, {"ids": gone})
    if new:
        session.execute(_INSERT_SPACE, new)
    if changed:
        session.execute(_UPDATE_SPACE, changed)
