"""Registrations: a worker registers once per activity, confirmed while places remain, else
waitlisted; a confirmed cancellation promotes the first waitlisted; check-in records attendance.

Every write locks the activity's row first (``register`` with the ``UPDATE`` that numbers the
newcomer, the others ``FOR UPDATE``; SQLite serialises writers anyway), so capacity holds under any
number of parallel registrations. The activity's counters (``counters.py``) change with the rows.
"""
from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from services.common.auth import Caller
from services.common.errors import Conflict, Forbidden, InvalidState, NotFound
from services.common.query import Prepared, dialect_insert

from .. import domain
from ..domain import REGISTRATION, ancestors, utcnow
from ..models import Activity, Registration
from ..schemas import RegistrationOut
from . import counters
from .shared import OUTBOX, activity_for_write, get_org, new_id, org_path

REGISTRATION_OUT = RegistrationOut()
REGISTRATIONS = Registration.__table__
# What a cancelled registration taken up again gets anew (its id and its worker stay).
REREGISTERED = ("worker_name", "worker_org_id", "status", "queue_seq", "registered_at", "promoted_at",
                "cancelled_at", "checked_in_at")
INSERTED = ("id", "activity_id", "worker_id") + REREGISTERED


def _position(session: Session, registration: Registration) -> int | None:
    if registration.status != "waitlisted":
        return None
    return session.scalar(select(func.count()).where(
        Registration.activity_id == registration.activity_id, Registration.status == "waitlisted",
        Registration.queue_seq <= registration.queue_seq))


def _fields(registration: Registration) -> dict:
    return {"activity_id": registration.activity_id, "worker_id": registration.worker_id,
            "worker_org_id": registration.worker_org_id, "status": registration.status}


def _emit(session: Session, event: str, registration: Registration, position: int | None = None) -> int | None:
    """The event of ``registration``'s new state; its waitlist position (counted unless given)."""
    session.flush()
    if position is None:
        position = _position(session, registration)
    OUTBOX.emit(session, event, registration.activity_id, {**_fields(registration), "position": position})
    return position


def _move(session: Session, registration: Registration, new: str, event: str,
          position: int | None = None) -> int | None:
    REGISTRATION.check(registration.status or domain.NEW_REGISTRATION, new)
    counters.count(session, registration.activity_id, entered=new, left=registration.status)
    registration.status = new
    return _emit(session, event, registration, position)


def _registration(session: Session, activity: Activity, worker_id: str) -> Registration | None:
    return session.scalars(select(Registration).where(
        Registration.activity_id == activity.id, Registration.worker_id == worker_id)).first()


def _live_registration(session: Session, activity: Activity, worker_id: str) -> Registration:
    registration = _registration(session, activity, worker_id)
    if registration is None or registration.status == "cancelled":
        raise NotFound(f"worker {worker_id} has no registration for this activity")
    return registration


def _check_activity_status(activity: Activity, allowed: tuple[str, ...], message: str) -> None:
    if activity.status not in allowed:
        raise InvalidState(message.format(status=activity.status))


def _build_insert(dialect_name: str):
    stmt = dialect_insert(dialect_name)(REGISTRATIONS).values({name: bindparam(name) for name in INSERTED})
    return stmt.on_conflict_do_update(
        index_elements=[REGISTRATIONS.c.activity_id, REGISTRATIONS.c.worker_id],
        set_={name: stmt.excluded[name] for name in REREGISTERED},
        where=REGISTRATIONS.c.status == "cancelled").returning(REGISTRATIONS.c.id)


_INSERT = Prepared(_build_insert)


def _build_insert_counted(status: str):
    """PostgreSQL: the registration's row and the activity's counter of ``status`` in one
    statement (the insert a data-modifying CTE, the counter's ``UPDATE`` returning its id): one
    round trip less while the activity's row is locked. No id back: the worker is live, and the
    ``Conflict`` raised then rolls the counter back with everything else."""
    def build(dialect_name: str):
        inserted = _build_insert(dialect_name).cte("inserted")
        column = counters.ACTIVITIES.c[f"{status}_count"]
        return (update(counters.ACTIVITIES).where(counters.ACTIVITIES.c.id == bindparam("activity_id"))
                .values({column: column + 1}).returning(select(inserted.c.id).scalar_subquery().label("id")))
    return Prepared(build)


_INSERT_COUNTED = {status: _build_insert_counted(status) for status in counters.COUNTED}


def _insert(session: Session, values: dict):
    """The registration's row: a new one, or the worker's cancelled one taken up again (it queues
    at the end), and the activity's counter of its status. No id back: the worker's registration is
    live (confirmed or waitlisted). The statements are compiled once per dialect (``Prepared``:
    SQLAlchemy cannot cache them); on PostgreSQL both go in one (``_build_insert_counted``)."""
    if session.get_bind().dialect.name == "postgresql":
        row = _INSERT_COUNTED[values["status"]].execute(session, values).first()
        counters.forget(session, values["activity_id"])
        return row if row is not None and row.id is not None else None
    row = _INSERT.execute(session, values).first()
    if row is not None:
        counters.count(session, values["activity_id"], entered=values["status"])
    return row


def register(session: Session, caller: Caller, activity_id: str, worker: dict) -> dict:
    """Core statements, no ORM unit of work: the activity's row locked by the ``UPDATE`` that
    numbers the newcomer (``counters.arrive``: the counts decide the place; the worker's
    organisation read with it), the registration's row (new, or a cancelled one taken up again),
    the counter, the event. Any refusal rolls all of it back; the refusals keep their order."""
    session.flush()  # the statements below go round the ORM: it writes what it holds first
    activity = counters.arrive(session, activity_id, worker["org_id"])
    if activity is None or activity.worker_org_path is None:
        org = org_path(session, worker["org_id"])  # NotFound: no such organisation (said first)
        domain.check_may_act_for_worker(caller, worker["id"], org.id, ancestors(org.path), joining=True)
        raise NotFound(f"no activity with id {activity_id}")
    org = SimpleNamespace(id=worker["org_id"], path=activity.worker_org_path)
    domain.check_may_act_for_worker(caller, worker["id"], org.id, ancestors(org.path), joining=True)
    _check_activity_status(activity, domain.REGISTERING_STATUSES,
                           "registration is for published activities; this one is {status}")
    now = utcnow()
    domain.check_registration_window(now, activity.registration_opens_at, activity.registration_closes_at)
    if not domain.in_audience(activity.audience_open, activity.audience_org_path, org.path):
        raise Forbidden("this activity is for the members of another organisation")
    status = domain.place_for(activity.confirmed_count, activity.capacity)
    REGISTRATION.check(domain.NEW_REGISTRATION, status)  # (a cancelled one may come back the same way)
    inserted = _insert(session, {
        "id": new_id(), "activity_id": activity_id, "worker_id": worker["id"], "worker_name": worker["name"],
        "worker_org_id": org.id, "status": status, "queue_seq": activity.last_queue_seq, "registered_at": now,
        "promoted_at": None, "cancelled_at": None, "checked_in_at": None})
    if inserted is None:
        live = session.scalar(select(REGISTRATIONS.c.status).where(
            REGISTRATIONS.c.activity_id == activity_id, REGISTRATIONS.c.worker_id == worker["id"]))
        raise Conflict(f"worker {worker['id']} is already {live} for this activity")
    held = session.identity_map.get(identity_key(Registration, inserted.id))
    if held is not None:  # a cancelled registration this session loaded: it reads its new state
        session.expire(held)
    # The newcomer arrives last, so a waitlisted one's position is the waitlist's length with it.
    position = activity.waitlisted_count + 1 if status == "waitlisted" else None
    OUTBOX.emit(session, f"registration_{status}", activity_id, {
        "activity_id": activity_id, "worker_id": worker["id"], "worker_org_id": org.id, "status": status,
        "position": position})
    return {"status": status, "position": position}


def cancel_registration(session: Session, caller: Caller, activity_id: str, worker_id: str) -> dict:
    activity = activity_for_write(session, None, activity_id)
    registration = _live_registration(session, activity, worker_id)
    worker_org = get_org(session, registration.worker_org_id)
    domain.check_may_act_for_worker(caller, worker_id, worker_org.id, worker_org.ancestors, joining=False)
    _check_activity_status(activity, domain.ATTENDING_STATUSES,
                           "the activity is {status}: its registrations are final")
    was = registration.status
    registration.cancelled_at = utcnow()
    _move(session, registration, "cancelled", "registration_cancelled")
    promoted = None
    if was == "confirmed":
        promoted = session.scalars(select(Registration).where(
            Registration.activity_id == activity.id, Registration.status == "waitlisted")
            .order_by(Registration.queue_seq).limit(1)).first()
        if promoted is not None:
            promoted.promoted_at = utcnow()
            _move(session, promoted, "confirmed", "registration_promoted")
    return {"status": "cancelled", "promoted_worker_id": promoted.worker_id if promoted else None}


def check_in(session: Session, caller: Caller, activity_id: str, worker_id: str) -> dict:
    activity = activity_for_write(session, caller, activity_id)
    _check_activity_status(activity, domain.ATTENDING_STATUSES,
                           "check-in is for published or running activities; this one is {status}")
    registration = _live_registration(session, activity, worker_id)
    if registration.status != "confirmed":
        raise InvalidState(f"only a confirmed registration checks in; this one is {registration.status}")
    if registration.checked_in_at is None:
        registration.checked_in_at = utcnow()
        _emit(session, "registration_checked_in", registration)
    return REGISTRATION_OUT.dump({**_fields(registration), "checked_in_at": registration.checked_in_at,
                                  "position": None})
