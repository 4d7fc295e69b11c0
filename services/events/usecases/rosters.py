"""Rosters, read only: an activity's registrations for its organisers (the door's check-in list,
``list_registrations``) and a worker's own registrations (``my_registrations``).

The door's order: confirmed, then waitlisted, then cancelled; within each, by arrival
(``queue_seq``, the order of ``registered_at``), so the waitlist reads by position. Pages are
keyset on (status rank, arrival, id): a new registration joins the end of its status's section; one
whose status changes between pages moves to its new section (docs/CONTRACT-ADDITIONS.md). A
worker's own list is by the activity's start, then its id.

The output schemas live here rather than in ``schemas.py`` (which holds the inputs), to keep that
file short enough to read.
"""
from __future__ import annotations

from marshmallow import Schema, fields
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from services.common.auth import Caller
from services.common.errors import NotFound, ValidationFailed
from services.common.fields import When
from services.common.pagination import Pager, cursor_time

from ..domain import ancestors
from ..models import Activity, Registration, Venue

DOOR_ORDER = ("confirmed", "waitlisted", "cancelled")
RANK = case({status: rank for rank, status in enumerate(DOOR_ORDER)}, value=Registration.status, else_=len(DOOR_ORDER))
MAX_SEQ = 2 ** 31 - 1  # queue_seq is an INTEGER column; a larger number is no cursor of ours


class RosterEntryOut(Schema):
    """A registration as its activity's organisers see it."""
    id = fields.String()
    activity_id = fields.String()
    worker_id = fields.String()
    worker_name = fields.String()
    worker_org_id = fields.String()
    status = fields.String()
    position = fields.Integer(allow_none=True)  # the waitlisted only: 1 is next
    checked_in = fields.Function(lambda r: r["checked_in_at"] is not None)
    checked_in_at = When(allow_none=True)
    registered_at = When()
    cancelled_at = When(allow_none=True)


class VenueRefOut(Schema):
    id = fields.String()
    name = fields.String(allow_none=True)
    address = fields.String(allow_none=True)


class ActivitySummaryOut(Schema):
    id = fields.String()
    title = fields.String()
    kind = fields.String()
    status = fields.String()
    starts_at = When()
    ends_at = When()
    venues = fields.List(fields.Nested(VenueRefOut))
    address = fields.String(allow_none=True)


class MyRegistrationOut(RosterEntryOut):
    """A worker's own registration, with the activity it is for."""
    activity = fields.Nested(ActivitySummaryOut)


ROSTER_ENTRY_OUT = RosterEntryOut()
MY_REGISTRATION_OUT = MyRegistrationOut()


def _columns(registration: Registration) -> dict:
    return {c.key: getattr(registration, c.key) for c in Registration.__table__.columns}


def _positions(session: Session, rows: list[Registration]) -> dict[str, int]:
    """The waitlist position of each waitlisted registration in ``rows`` (one query)."""
    waiting = [r.id for r in rows if r.status == "waitlisted"]
    if not waiting:
        return {}
    ahead = aliased(Registration)
    position = (select(func.count()).where(
        ahead.activity_id == Registration.activity_id, ahead.status == "waitlisted",
        ahead.queue_seq <= Registration.queue_seq).correlate(Registration).scalar_subquery())
    return dict(session.execute(select(Registration.id, position).where(Registration.id.in_(waiting))).all())


def _door_key(key: list) -> list:
    rank, seq, _ = key
    if not (0 <= rank <= len(DOOR_ORDER) and 0 <= seq <= MAX_SEQ):
        raise ValidationFailed({"cursor": ["not a cursor for this query"]})
    return key


def list_registrations(session: Session, caller: Caller, activity_id: str, filters: dict) -> dict:
    """The activity's registrations, in the door's order, for an admin of its organising subtree."""
    activity = session.get(Activity, activity_id)
    if activity is None:
        raise NotFound(f"no activity with id {activity_id}")
    caller.require_org(ancestors(activity.org_path))
    pager = Pager("list_registrations", {**filters, "activity_id": activity_id}, int, int, str, convert=_door_key)
    stmt = select(Registration).where(Registration.activity_id == activity_id)
    if "status" in filters:
        stmt = stmt.where(Registration.status == filters["status"])
    if "checked_in" in filters:
        checked = Registration.checked_in_at
        stmt = stmt.where(checked.is_not(None) if filters["checked_in"] else checked.is_(None))
    rows = pager.rows(session, stmt, RANK, Registration.queue_seq, Registration.id)
    positions = _positions(session, rows[:pager.limit])
    return pager.page(rows, lambda r: [DOOR_ORDER.index(r.status), r.queue_seq, r.id],
                      lambda r: ROSTER_ENTRY_OUT.dump({**_columns(r), "position": positions.get(r.id)}))


def _summaries(session: Session, activity_ids: list[str]) -> dict[str, dict]:
    """What a worker's list shows of each activity: its title, status, times and where."""
    activities = session.scalars(select(Activity).where(Activity.id.in_(activity_ids))).all()
    venue_ids = {b.venue_id for a in activities for b in a.bookings}
    venues = {v.id: v for v in session.scalars(select(Venue).where(Venue.id.in_(venue_ids)))}

    def where(activity: Activity) -> list[dict]:
        ids = dict.fromkeys(b.venue_id for b in activity.bookings)  # booking order, each venue once
        return [{"id": v, "name": getattr(venues.get(v), "name", None),
                 "address": getattr(venues.get(v), "address", None)} for v in ids]

    return {a.id: {"id": a.id, "title": a.title, "kind": a.kind, "status": a.status, "starts_at": a.starts_at,
                   "ends_at": a.ends_at, "venues": where(a), "address": a.address} for a in activities}


def my_registrations(session: Session, caller: Caller, filters: dict) -> dict:
    """The caller's own registrations (the worker is the token's ``sub``), by the activity's start."""
    pager = Pager("my_registrations", {**filters, "worker_id": caller.sub}, str, str,
                  convert=lambda key: [cursor_time(key[0]), key[1]])
    stmt = (select(Registration).join(Activity, Activity.id == Registration.activity_id)
            .where(Registration.worker_id == caller.sub))
    if "status" in filters:
        stmt = stmt.where(Registration.status == filters["status"])
    if "starts_from" in filters:
        stmt = stmt.where(Activity.starts_at >= filters["starts_from"])
    if "starts_before" in filters:
        stmt = stmt.where(Activity.starts_at < filters["starts_before"])
    rows = pager.rows(session, stmt, Activity.starts_at, Activity.id)
    page_rows = rows[:pager.limit]
    positions = _positions(session, page_rows)
    summaries = _summaries(session, [r.activity_id for r in page_rows])
    return pager.page(rows, lambda r: [summaries[r.activity_id]["starts_at"].isoformat(), r.activity_id],
                      lambda r: MY_REGISTRATION_OUT.dump({**_columns(r), "position": positions.get(r.id),
                                                          "activity": summaries[r.activity_id]}))
