"""Registrations: a worker registers once per activity, confirmed while places remain, else
waitlisted; a confirmed cancellation promotes the first waitlisted; check-in records attendance.

Every write locks the activity's row first (``FOR UPDATE`` on PostgreSQL; SQLite serialises writers
anyway), so capacity holds under any number of parallel registrations.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.common.auth import Caller
from services.common.errors import Conflict, Forbidden, InvalidState, NotFound

from .. import domain
from ..domain import REGISTRATION, utcnow
from ..models import Activity, Registration
from ..schemas import RegistrationOut
from .shared import OUTBOX, activity_for_write, get_org, new_id

REGISTRATION_OUT = RegistrationOut()


def _position(session: Session, registration: Registration) -> int | None:
    if registration.status != "waitlisted":
        return None
    return session.scalar(select(func.count()).where(
        Registration.activity_id == registration.activity_id, Registration.status == "waitlisted",
        Registration.queue_seq <= registration.queue_seq))


def _fields(registration: Registration) -> dict:
    return {"activity_id": registration.activity_id, "worker_id": registration.worker_id,
            "worker_org_id": registration.worker_org_id, "status": registration.status}


def _emit(session: Session, event: str, registration: Registration) -> None:
    session.flush()
    OUTBOX.emit(session, event, registration.activity_id,
                {**_fields(registration), "position": _position(session, registration)})


def _move(session: Session, registration: Registration, new: str, event: str) -> None:
    REGISTRATION.check(registration.status or domain.NEW_REGISTRATION, new)
    registration.status = new
    _emit(session, event, registration)


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


def register(session: Session, caller: Caller, activity_id: str, worker: dict) -> dict:
    worker_org = get_org(session, worker["org_id"])
    domain.check_may_act_for_worker(caller, worker["id"], worker_org.id, worker_org.ancestors, joining=True)
    activity = activity_for_write(session, None, activity_id)
    _check_activity_status(activity, domain.REGISTERING_STATUSES,
                           "registration is for published activities; this one is {status}")
    now = utcnow()
    domain.check_registration_window(now, activity.registration_opens_at, activity.registration_closes_at)
    if not domain.in_audience(activity.audience_open, activity.audience_org_path, worker_org.path):
        raise Forbidden("this activity is for the members of another organisation")
    existing = _registration(session, activity, worker["id"])
    if existing is not None and existing.status != "cancelled":
        raise Conflict(f"worker {worker['id']} is already {existing.status} for this activity")
    confirmed = session.scalar(select(func.count()).where(
        Registration.activity_id == activity.id, Registration.status == "confirmed"))
    last = session.scalar(select(func.max(Registration.queue_seq)).where(Registration.activity_id == activity.id))
    registration = existing or Registration(id=new_id(), activity_id=activity.id, worker_id=worker["id"])
    registration.worker_name, registration.worker_org_id = worker["name"], worker_org.id
    registration.queue_seq, registration.registered_at = (last or 0) + 1, now
    registration.cancelled_at = registration.promoted_at = registration.checked_in_at = None
    session.add(registration)
    status = domain.place_for(confirmed, activity.capacity)
    _move(session, registration, status, f"registration_{status}")
    return {"status": registration.status, "position": _position(session, registration)}


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
