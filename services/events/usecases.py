"""The events service's use cases: one function each, taking a session, the caller and loaded input.

Each loads what it needs, asks the domain, writes, and emits its events into the outbox in the same
session. Entry points commit; nothing here commits. Writes that must not interleave (the
registrations of one activity) lock the activity row first (``FOR UPDATE`` on PostgreSQL; SQLite
serialises writers anyway).
"""
from __future__ import annotations

import uuid
import zlib
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import func, or_, select, text
from marshmallow import ValidationError
from sqlalchemy.orm import Session

from services.common.auth import ADMIN_ROLES, Caller
from services.common.db import is_postgres
from services.common.errors import Conflict, CultureError, Forbidden, InvalidState, NotFound, ValidationFailed
from services.common.outbox import Outbox
from services.common.pagination import Pager
from services.common.query import contains, get_or_not_found

from . import domain
from .domain import Slot, utcnow
from .models import (Activity, Booking, Brand, Lecture, LectureOrder, LecturerSlot, Org, Registration, Space,
                     Tour, Venue, metadata)
from .schemas import (EVENT_SCHEMAS, ActivityOut, BrandOut, LectureOrderOut, LectureOut, RegistrationOut,
                      TourOut, VenueCopyOut)

OUTBOX = Outbox("events", metadata, EVENT_SCHEMAS)
ACTIVITY_OUT, BRAND_OUT, LECTURE_OUT, ORDER_OUT, REGISTRATION_OUT, TOUR_OUT, VENUE_COPY_OUT = (
    ActivityOut(), BrandOut(), LectureOut(), LectureOrderOut(), RegistrationOut(), TourOut(), VenueCopyOut())
LECTURE_SITE_CAPACITY = 100  # a lecture at a unit's own address: places offered when no space says


def _new_id() -> str:
    return str(uuid.uuid4())


def _org(session: Session, org_id: str) -> Org:
    org = session.get(Org, org_id)
    if org is None:
        raise NotFound(f"no organisation {org_id} (the events service knows organisations from registry events)")
    return org


def _activity_for_write(session: Session, caller: Caller | None, activity_id: str) -> Activity:
    """The activity, its row locked for this transaction, after checking the caller's subtree."""
    activity = session.scalars(select(Activity).where(Activity.id == activity_id).with_for_update()).first()
    if activity is None:
        raise NotFound(f"no activity with id {activity_id}")
    if caller is not None:
        caller.require_org([p for p in activity.org_path.split("/") if p])
    return activity


def _touch(activity: Activity) -> None:
    activity.version += 1
    activity.updated_at = utcnow()


def _can_see(caller: Caller | None, activity: Activity) -> bool:
    if activity.status in domain.PUBLIC_STATUSES:
        return True
    return (caller is not None and caller.has_any(ADMIN_ROLES)
            and caller.acts_on([p for p in activity.org_path.split("/") if p]))


def get_venue_copy(session: Session, venue_id: str) -> Venue:
    return get_or_not_found(session, Venue, venue_id, "venue (not known from registry events yet)")


# --- brands ----------------------------------------------------------------------------------

def create_brand(session: Session, data: dict) -> Brand:
    if session.scalar(select(Brand.id).where(Brand.name == data["name"])):
        raise Conflict(f"the brand {data['name']} exists already")
    brand = Brand(id=_new_id(), name=data["name"], description=data["description"], created_at=utcnow())
    session.add(brand)
    session.flush()
    return brand


def list_brands(session: Session) -> dict:
    brands = session.scalars(select(Brand).order_by(Brand.name)).all()
    return {"items": [BRAND_OUT.dump(b) for b in brands], "next_cursor": None}


# --- scheduling ------------------------------------------------------------------------------

def _check_bookings(session: Session, bookings: list[dict]) -> list[tuple[dict, Venue, Space]]:
    checked = []
    for i, b in enumerate(bookings):
        venue = get_or_not_found(session, Venue, b["venue_id"], "venue")
        space = next((s for s in venue.spaces if s.id == b["space_id"]), None)
        if space is None:
            raise NotFound(f"venue {venue.id} has no space {b['space_id']}")
        if venue.status not in domain.BOOKABLE_VENUE_STATUSES:
            raise InvalidState(f"{venue.name} is {venue.status}: it cannot be booked")
        error = domain.opening_hours_error(venue.opening_hours, b["starts_at"], b["ends_at"])
        if error:
            raise ValidationFailed({"bookings": {str(i): {"starts_at": [error]}}})
        checked.append((b, venue, space))
    domain.check_slots([Slot(b["space_id"], b["starts_at"], b["ends_at"]) for b in bookings])
    for b, venue, space in checked:
        clash = session.scalars(select(Booking).where(
            Booking.space_id == b["space_id"], Booking.active.is_(True),
            Booking.starts_at < b["ends_at"], Booking.ends_at > b["starts_at"])).first()
        if clash is not None:
            raise Conflict(f"{venue.name} {space.name} is booked from {clash.starts_at.astimezone(domain.LOCAL):%Y-%m-%d %H:%M}"
                           f" to {clash.ends_at.astimezone(domain.LOCAL):%H:%M} by activity {clash.activity_id}")
    return checked


def _lock_slots(session: Session, keys) -> None:
    """Serialise the bookings of one space (or one lecturer's slots) across concurrent requests.

    PostgreSQL only (SQLite serialises writers anyway). Without it two transactions inserting
    overlapping rows wait on each other inside the exclusion constraint, and PostgreSQL breaks
    that deadlock with an error the caller would get as ``InternalError`` instead of ``Conflict``.
    With it the second request waits here, then its clash check sees the first one's committed
    booking. Taken in sorted order and before any event is emitted (the outbox's own lock, held to
    the commit, comes after), so these locks never wait in a cycle.
    """
    if not is_postgres(session):
        return
    for key in sorted(set(keys)):
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"),
                        {"k": zlib.crc32(f"culture:events:slot:{key}".encode()) - 2**31})


def _check_lecturer_free(session: Session, lecturer_id: str, starts_at: datetime, ends_at: datetime) -> None:
    clash = session.scalars(select(LecturerSlot).where(
        LecturerSlot.lecturer_id == lecturer_id, LecturerSlot.active.is_(True),
        LecturerSlot.starts_at < ends_at, LecturerSlot.ends_at > starts_at)).first()
    if clash is not None:
        raise Conflict(f"the lecturer is lecturing at activity {clash.activity_id} then")


def schedule_activity(session: Session, caller: Caller | None, data: dict, *, tour: Tour | None = None,
                      tour_position: int | None = None, lecturer_id: str | None = None,
                      address: str | None = None, span: tuple[datetime, datetime] | None = None,
                      showcase_id: str | None = None) -> Activity:
    """A new draft activity. ``caller`` None: scheduled by the service itself (a showcase)."""
    org = _org(session, data["org_id"])
    if caller is not None:
        caller.require_org(org.ancestors)
    if data.get("brand_id"):
        get_or_not_found(session, Brand, data["brand_id"], "brand")
    audience = data["audience"]
    audience_org = _org(session, audience["org_id"]) if not audience["open"] else None
    _lock_slots(session, [f"space:{b['space_id']}" for b in data["bookings"]]
                + ([f"lecturer:{lecturer_id}"] if lecturer_id is not None else []))
    checked = _check_bookings(session, data["bookings"])
    if checked:
        places = sum({space.id: space.capacity for _, _, space in checked}.values())
        if data["capacity"] > places:
            raise ValidationFailed({"capacity": [f"the booked spaces hold {places} people"]})
        starts_at = min(b["starts_at"] for b in data["bookings"])
        ends_at = max(b["ends_at"] for b in data["bookings"])
    else:
        starts_at, ends_at = span
    if lecturer_id is not None:
        _check_lecturer_free(session, lecturer_id, starts_at, ends_at)
    now = utcnow()
    activity = Activity(
        id=_new_id(), title=data["title"], brand_id=data.get("brand_id"), kind=data["kind"], org_id=org.id,
        org_path=org.path, capacity=data["capacity"], registration_opens_at=data.get("registration_opens_at"),
        registration_closes_at=data.get("registration_closes_at"), audience_open=audience["open"],
        audience_org_id=audience_org.id if audience_org else None,
        audience_org_path=audience_org.path if audience_org else None, status="draft", starts_at=starts_at,
        ends_at=ends_at, tour_id=tour.id if tour else None, tour_position=tour_position,
        lecturer_id=lecturer_id, address=address, showcase_id=showcase_id, flags=[], version=1,
        created_at=now, updated_at=now,
        bookings=[Booking(id=_new_id(), venue_id=b["venue_id"], space_id=b["space_id"], starts_at=b["starts_at"],
                          ends_at=b["ends_at"], active=True) for b, _, _ in checked])
    session.add(activity)
    if lecturer_id is not None:
        session.add(LecturerSlot(id=_new_id(), lecturer_id=lecturer_id, activity_id=activity.id,
                                 starts_at=starts_at, ends_at=ends_at, active=True))
    session.flush()  # the database's overlap guard speaks here when two replicas raced
    OUTBOX.emit(session, "activity_scheduled", activity.id, activity)
    return activity


def _transition(session: Session, activity: Activity, new: str, event: str) -> Activity:
    domain.check_transition(activity.status, new)
    activity.status = new
    _touch(activity)
    session.flush()
    OUTBOX.emit(session, event, activity.id, activity)
    return activity


def publish_activity(session: Session, caller: Caller, activity_id: str) -> Activity:
    activity = _activity_for_write(session, caller, activity_id)
    return _transition(session, activity, "published", "activity_published")


def start_activity(session: Session, caller: Caller, activity_id: str) -> Activity:
    activity = _activity_for_write(session, caller, activity_id)
    domain.check_transition(activity.status, "in_progress")
    domain.check_can_start(utcnow(), activity.starts_at)
    return _transition(session, activity, "in_progress", "activity_started")


def complete_activity(session: Session, caller: Caller, activity_id: str) -> Activity:
    activity = _activity_for_write(session, caller, activity_id)
    domain.check_transition(activity.status, "completed")
    confirmed, checked_in = session.execute(select(
        func.count(), func.count(Registration.checked_in_at)).where(
        Registration.activity_id == activity.id, Registration.status == "confirmed")).one()
    activity.attendance = domain.attendance(confirmed, checked_in)
    _transition(session, activity, "completed", "activity_completed")
    order = session.scalars(select(LectureOrder).where(LectureOrder.activity_id == activity.id)).first()
    if order is not None:
        order.status, order.updated_at = "delivered", utcnow()
        lecture = session.get(Lecture, order.lecture_id)
        session.flush()
        OUTBOX.emit(session, "lecture_delivered", order.id, {
            "order_id": order.id, "lecture_id": lecture.id, "activity_id": activity.id, "org_id": order.org_id,
            "lecturer_id": lecture.lecturer_id, "federation_cost": lecture.federation_cost,
            "attendance": activity.attendance})
    return activity


def cancel_activity(session: Session, caller: Caller, activity_id: str, reason: str) -> Activity:
    activity = _activity_for_write(session, caller, activity_id)
    domain.check_transition(activity.status, "cancelled")
    activity.cancel_reason = reason
    for booking in activity.bookings:
        booking.active = False
    for slot in session.scalars(select(LecturerSlot).where(LecturerSlot.activity_id == activity.id)):
        slot.active = False
    for order in session.scalars(select(LectureOrder).where(LectureOrder.activity_id == activity.id)):
        order.status, order.updated_at = "cancelled", utcnow()
    return _transition(session, activity, "cancelled", "activity_cancelled")


def get_activity(session: Session, caller: Caller | None, activity_id: str) -> Activity:
    activity = session.get(Activity, activity_id)
    if activity is None or not _can_see(caller, activity):
        raise NotFound(f"no activity with id {activity_id}")
    return activity


def activity_view(session: Session, activity: Activity) -> dict:
    counts = dict(session.execute(select(Registration.status, func.count()).where(
        Registration.activity_id == activity.id).group_by(Registration.status)).all())
    return {**ACTIVITY_OUT.dump(activity),
            "registrations": {"confirmed": counts.get("confirmed", 0), "waitlisted": counts.get("waitlisted", 0)}}


def _activity_filters(session: Session, caller: Caller | None, filters: dict) -> list:
    conditions = []
    for key in ("brand_id", "kind", "tour_id"):
        if key in filters:
            conditions.append(getattr(Activity, key) == filters[key])
    if "org_id" in filters:
        conditions.append(Activity.org_path.like(_org(session, filters["org_id"]).path + "%"))
    if "venue_id" in filters:
        conditions.append(Activity.bookings.any(Booking.venue_id == filters["venue_id"]))
    if "text" in filters:
        conditions.append(Activity.title.ilike(contains(filters["text"]), escape="\\"))
    if "starts_from" in filters:
        conditions.append(Activity.starts_at >= filters["starts_from"])
    if "starts_before" in filters:
        conditions.append(Activity.starts_at < filters["starts_before"])
    if filters.get("flagged") is not None:
        conditions.append(Activity.flags != [] if filters["flagged"] else Activity.flags == [])
    visible = Activity.status.in_(domain.PUBLIC_STATUSES)
    if caller is not None and caller.has_any(ADMIN_ROLES) and caller.org_id:
        own = session.get(Org, caller.org_id)
        if own is not None:  # an organiser also sees its subtree's drafts
            visible = or_(visible, Activity.org_path.like(own.path + "%"))
    conditions.append(visible)
    if "status" in filters:
        conditions.append(Activity.status == filters["status"])
    return conditions


def _cursor_time(value: str) -> datetime:
    """The start time kept in a search cursor; a cursor holding anything else was not ours."""
    try:
        stamp = datetime.fromisoformat(value)
        if stamp.tzinfo is None:
            raise ValueError("naive")
        stamp.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise ValidationFailed({"cursor": ["not a cursor for this query"]}) from None
    return stamp


def search_activities(session: Session, caller: Caller | None, filters: dict) -> dict:
    pager = Pager("search_activities", filters, str, str, convert=lambda key: [_cursor_time(key[0]), key[1]])
    stmt = select(Activity).where(*_activity_filters(session, caller, filters))
    rows = pager.rows(session, stmt, Activity.starts_at, Activity.id)
    return pager.page(rows, lambda a: [a.starts_at.isoformat(), a.id], ACTIVITY_OUT.dump)


def calendar_activities(session: Session, filters: dict) -> tuple[list[Activity], dict[str, Venue]]:
    """The public activities a calendar shows (as ``search_activities`` finds them, first
    ``limit`` by start), and the venues they book."""
    stmt = select(Activity).where(*_activity_filters(session, None, filters))
    activities = session.scalars(stmt.order_by(Activity.starts_at, Activity.id).limit(filters["limit"])).all()
    venue_ids = {b.venue_id for a in activities for b in a.bookings}
    return activities, {v.id: v for v in session.scalars(select(Venue).where(Venue.id.in_(venue_ids)))}


# --- registrations ---------------------------------------------------------------------------

def _require_for_worker(session: Session, caller: Caller, worker_id: str, worker_org_id: str | None, *,
                        joining: bool = False) -> None:
    """A worker acts for themself (and joins as a member of the organisation its token names, so
    a worker cannot claim another organisation to pass an activity's audience rule); an admin
    acts for the workers of its subtree."""
    if "worker" in caller.roles and caller.sub == worker_id and (not joining or worker_org_id == caller.org_id):
        return
    if caller.has_any(ADMIN_ROLES) and worker_org_id is not None:
        caller.require_org(_org(session, worker_org_id).ancestors)
        return
    raise Forbidden("a worker registers themself, as a member of the organisation its token names; "
                    "an admin registers the workers of its subtree")


def _position(session: Session, registration: Registration) -> int | None:
    if registration.status != "waitlisted":
        return None
    return session.scalar(select(func.count()).where(
        Registration.activity_id == registration.activity_id, Registration.status == "waitlisted",
        Registration.queue_seq <= registration.queue_seq))


def _registration_event(session: Session, event: str, registration: Registration) -> None:
    OUTBOX.emit(session, event, registration.activity_id, {
        "activity_id": registration.activity_id, "worker_id": registration.worker_id,
        "worker_org_id": registration.worker_org_id, "status": registration.status,
        "position": _position(session, registration)})


def register(session: Session, caller: Caller, activity_id: str, worker: dict) -> dict:
    worker_org = _org(session, worker["org_id"])
    _require_for_worker(session, caller, worker["id"], worker_org.id, joining=True)
    activity = _activity_for_write(session, None, activity_id)
    if activity.status != "published":
        raise InvalidState(f"registration is for published activities; this one is {activity.status}")
    now = utcnow()
    domain.check_registration_window(now, activity.registration_opens_at, activity.registration_closes_at)
    if not activity.audience_open and not worker_org.path.startswith(activity.audience_org_path):
        raise Forbidden("this activity is for the members of another organisation")
    existing = session.scalars(select(Registration).where(
        Registration.activity_id == activity.id, Registration.worker_id == worker["id"])).first()
    if existing is not None and existing.status != "cancelled":
        raise Conflict(f"worker {worker['id']} is already {existing.status} for this activity")
    confirmed = session.scalar(select(func.count()).where(
        Registration.activity_id == activity.id, Registration.status == "confirmed"))
    last = session.scalar(select(func.max(Registration.queue_seq)).where(Registration.activity_id == activity.id))
    registration = existing or Registration(id=_new_id(), activity_id=activity.id, worker_id=worker["id"])
    registration.worker_name, registration.worker_org_id = worker["name"], worker_org.id
    registration.status = domain.place_for(confirmed, activity.capacity)
    registration.queue_seq, registration.registered_at = (last or 0) + 1, now
    registration.cancelled_at = registration.promoted_at = registration.checked_in_at = None
    session.add(registration)
    session.flush()
    _registration_event(session, f"registration_{registration.status}", registration)
    return {"status": registration.status, "position": _position(session, registration)}


def cancel_registration(session: Session, caller: Caller, activity_id: str, worker_id: str) -> dict:
    activity = _activity_for_write(session, None, activity_id)
    registration = session.scalars(select(Registration).where(
        Registration.activity_id == activity.id, Registration.worker_id == worker_id)).first()
    if registration is None or registration.status == "cancelled":
        raise NotFound(f"worker {worker_id} has no registration for this activity")
    _require_for_worker(session, caller, worker_id, registration.worker_org_id)
    if activity.status not in ("published", "in_progress"):
        raise InvalidState(f"the activity is {activity.status}: its registrations are final")
    was = registration.status
    registration.status, registration.cancelled_at = "cancelled", utcnow()
    session.flush()
    _registration_event(session, "registration_cancelled", registration)
    promoted = None
    if was == "confirmed":
        promoted = session.scalars(select(Registration).where(
            Registration.activity_id == activity.id, Registration.status == "waitlisted")
            .order_by(Registration.queue_seq).limit(1)).first()
        if promoted is not None:
            promoted.status, promoted.promoted_at = "confirmed", utcnow()
            session.flush()
            _registration_event(session, "registration_promoted", promoted)
    return {"status": "cancelled", "promoted_worker_id": promoted.worker_id if promoted else None}


def check_in(session: Session, caller: Caller, activity_id: str, worker_id: str) -> dict:
    activity = _activity_for_write(session, caller, activity_id)
    if activity.status not in ("published", "in_progress"):
        raise InvalidState(f"check-in is for published or running activities; this one is {activity.status}")
    registration = session.scalars(select(Registration).where(
        Registration.activity_id == activity.id, Registration.worker_id == worker_id)).first()
    if registration is None or registration.status == "cancelled":
        raise NotFound(f"worker {worker_id} has no registration for this activity")
    if registration.status != "confirmed":
        raise InvalidState(f"only a confirmed registration checks in; this one is {registration.status}")
    if registration.checked_in_at is None:
        registration.checked_in_at = utcnow()
        session.flush()
        _registration_event(session, "registration_checked_in", registration)
    return REGISTRATION_OUT.dump({**_registration_fields(registration), "position": None})


def _registration_fields(r: Registration) -> dict:
    return {"activity_id": r.activity_id, "worker_id": r.worker_id, "worker_org_id": r.worker_org_id,
            "status": r.status, "checked_in_at": r.checked_in_at}


# --- the Mobile Lecture Hall -----------------------------------------------------------------

def add_lecture(session: Session, data: dict) -> Lecture:
    lecture = Lecture(id=_new_id(), topic=data["topic"], lecturer_id=data["lecturer"]["id"],
                      lecturer_name=data["lecturer"]["name"], duration_minutes=data["duration_minutes"],
                      field=data["field"], federation_cost=float(Decimal(data["federation_cost"])),
                      description=data["description"], active=True, created_at=utcnow())
    session.add(lecture)
    session.flush()
    return lecture


def list_lectures(session: Session, filters: dict) -> dict:
    stmt = select(Lecture).where(Lecture.active.is_(True))
    if "field" in filters:
        stmt = stmt.where(Lecture.field == filters["field"])
    if "lecturer_id" in filters:
        stmt = stmt.where(Lecture.lecturer_id == filters["lecturer_id"])
    if "text" in filters:
        pattern = contains(filters["text"])
        stmt = stmt.where(or_(Lecture.topic.ilike(pattern, escape="\\"),
                              Lecture.lecturer_name.ilike(pattern, escape="\\")))
    pager = Pager("list_lectures", filters, str, str)
    return pager.page(pager.rows(session, stmt, Lecture.topic, Lecture.id), lambda l: [l.topic, l.id], LECTURE_OUT.dump)


def order_lecture(session: Session, caller: Caller, data: dict) -> LectureOrder:
    lecture = get_or_not_found(session, Lecture, data["lecture_id"], "lecture")
    org = _org(session, data["org_id"])
    caller.require_org(org.ancestors)
    site = data["site"]
    if site.get("venue_id"):
        venue = get_or_not_found(session, Venue, site["venue_id"], "venue")
        if not any(s.id == site["space_id"] for s in venue.spaces):
            raise NotFound(f"venue {venue.id} has no space {site['space_id']}")
    now = utcnow()
    order = LectureOrder(id=_new_id(), lecture_id=lecture.id, org_id=org.id, site_venue_id=site.get("venue_id"),
                         site_space_id=site.get("space_id"), site_address=site.get("address"),
                         preferred_dates=[d.isoformat() for d in data["preferred_dates"]], status="ordered",
                         created_at=now, updated_at=now)
    session.add(order)
    session.flush()
    OUTBOX.emit(session, "lecture_ordered", order.id, order)
    return order


def confirm_lecture_order(session: Session, caller: Caller, order_id: str, starts_at: datetime) -> LectureOrder:
    order = session.scalars(select(LectureOrder).where(LectureOrder.id == order_id).with_for_update()).first()
    if order is None:
        raise NotFound(f"no lecture order with id {order_id}")
    if order.status != "ordered":
        raise InvalidState(f"the order is {order.status}; only an ordered lecture is confirmed")
    lecture = session.get(Lecture, order.lecture_id)
    ends_at = starts_at + timedelta(minutes=lecture.duration_minutes)
    bookings, capacity = [], LECTURE_SITE_CAPACITY
    if order.site_venue_id:
        venue = get_or_not_found(session, Venue, order.site_venue_id, "venue")
        space = next((s for s in venue.spaces if s.id == order.site_space_id), None)
        if space is None:
            raise NotFound(f"venue {venue.id} no longer has space {order.site_space_id}")
        bookings, capacity = [{"venue_id": venue.id, "space_id": space.id, "starts_at": starts_at,
                               "ends_at": ends_at}], space.capacity
    try:
        activity = schedule_activity(session, caller, {
            "title": lecture.topic, "brand_id": _lecture_brand_id(session), "kind": "lecture",
            "org_id": order.org_id, "bookings": bookings, "capacity": capacity,
            "audience": {"open": False, "org_id": order.org_id}},
            lecturer_id=lecture.lecturer_id, address=order.site_address, span=(starts_at, ends_at))
    except ValidationFailed as exc:  # the booking made from starts_at: the caller's field is starts_at
        booking = _first_booking_errors(exc.errors) or {"_schema": [str(exc)]}
        raise ValidationFailed({"starts_at": [m for ms in booking.values() for m in ms]}) from None
    _transition(session, activity, "published", "activity_published")
    order.status, order.activity_id, order.updated_at = "confirmed", activity.id, utcnow()
    session.flush()
    return order


def _first_booking_errors(errors: dict) -> dict | None:
    """``schedule_activity``'s errors about its one booking (``bookings.0``), for callers that made
    that booking from their own input (a lecture's start, a tour's stop)."""
    bookings = errors.get("bookings") if isinstance(errors, dict) else None
    booking = bookings.get("0") if isinstance(bookings, dict) else None
    return booking if isinstance(booking, dict) else None


def _lecture_brand_id(session: Session) -> str | None:
    return session.scalar(select(Brand.id).where(Brand.name == "职工流动大讲堂"))


def rate_lecture(session: Session, caller: Caller, order_id: str, rating: int, comment: str | None) -> LectureOrder:
    order = get_or_not_found(session, LectureOrder, order_id, "lecture order")
    caller.require_org(_org(session, order.org_id).ancestors)
    if order.status != "delivered":
        raise InvalidState(f"a lecture is rated after its delivery; this order is {order.status}")
    if order.rating is not None:
        raise Conflict("this lecture has been rated already")
    order.rating, order.comment, order.updated_at = rating, comment, utcnow()
    session.flush()
    return order


# --- Culture Express tours -------------------------------------------------------------------

def create_tour(session: Session, caller: Caller, data: dict) -> dict:
    stops = data["stops"]
    for i, (a, b) in enumerate(zip(stops, stops[1:])):
        if b["starts_at"] < a["ends_at"]:
            raise ValidationFailed({"stops": {str(i + 1): {"starts_at": ["a stop starts after the previous one ends"]}}})
    if data.get("brand_id"):
        get_or_not_found(session, Brand, data["brand_id"], "brand")
    _lock_slots(session, [f"space:{stop['space_id']}" for stop in stops])  # all of them, before stop 1 emits
    tour = Tour(id=_new_id(), title=data["title"], brand_id=data.get("brand_id"), created_at=utcnow())
    session.add(tour)
    session.flush()
    activities = []
    for position, stop in enumerate(stops, start=1):
        org = _org(session, stop["org_id"])
        venue = get_or_not_found(session, Venue, stop["venue_id"], "venue")
        space = next((s for s in venue.spaces if s.id == stop["space_id"]), None)
        if space is None:
            raise NotFound(f"venue {venue.id} has no space {stop['space_id']}")
        try:
            activities.append(schedule_activity(session, caller, {
                "title": f"{data['title']}·{org.name}", "brand_id": data.get("brand_id"), "kind": "performance",
                "org_id": org.id, "capacity": space.capacity, "audience": {"open": False, "org_id": org.id},
                "bookings": [{k: stop[k] for k in ("venue_id", "space_id", "starts_at", "ends_at")}]},
                tour=tour, tour_position=position))
        except ValidationFailed as exc:  # the stop's booking: name the stop, as the caller wrote it
            raise ValidationFailed({"stops": {str(position - 1): _first_booking_errors(exc.errors) or exc.errors}}) \
                from None
    return TOUR_OUT.dump({"id": tour.id, "title": tour.title, "brand_id": tour.brand_id, "stops": activities,
                          "created_at": tour.created_at})


# --- participation ---------------------------------------------------------------------------

def participation(session: Session, org: Org | None, start: datetime, end: datetime) -> dict:
    held = select(Activity.id).where(Activity.status == "completed", Activity.starts_at >= start,
                                     Activity.starts_at < end)
    if org is not None:
        held = held.where(Activity.org_path.like(org.path + "%"))
    held = held.subquery()
    activities = session.scalar(select(func.count()).select_from(held))
    confirmed, checked_in = session.execute(select(func.count(), func.count(Registration.checked_in_at)).where(
        Registration.activity_id.in_(select(held.c.id)), Registration.status == "confirmed")).one()
    participants = session.scalar(select(func.count(func.distinct(Registration.worker_id))).where(
        Registration.activity_id.in_(select(held.c.id)), Registration.checked_in_at.is_not(None)))
    by_kind = dict(session.execute(select(Activity.kind, func.count()).where(
        Activity.id.in_(select(held.c.id))).group_by(Activity.kind)).all())
    return {"org_id": org.id if org else None, "start": start.astimezone(domain.LOCAL).isoformat(),
            "end": end.astimezone(domain.LOCAL).isoformat(), "activities_held": activities,
            "by_kind": by_kind, "distinct_participants": participants,
            "attendance": domain.attendance(confirmed, checked_in)}


def participation_report(session: Session, caller: Caller, org_id: str, start: datetime, end: datetime) -> dict:
    org = _org(session, org_id)
    caller.require_org(org.ancestors)
    return participation(session, org, start, end)


# --- talent's showcases ----------------------------------------------------------------------

def answer_showcase(session: Session, request: dict) -> None:
    """Schedule (and publish) the showcase talent asked for, or say why not: one event either way."""
    existing = session.scalar(select(Activity.id).where(Activity.showcase_id == request["showcase_id"]))
    if existing is not None:
        return  # asked again: answered already
    answer = {"showcase_id": request["showcase_id"], "campaign_id": request["campaign_id"]}
    try:
        with session.begin_nested():
            venue = get_or_not_found(session, Venue, request["venue_id"], "venue")
            space = next((s for s in venue.spaces if s.id == request["space_id"]), None)
            if space is None:
                raise NotFound(f"venue {venue.id} has no space {request['space_id']}")
            activity = schedule_activity(session, None, {
                "title": request["title"], "brand_id": None, "kind": "showcase", "org_id": request["org_id"],
                "capacity": space.capacity, "audience": {"open": True, "org_id": None},
                "bookings": [{k: request[k] for k in ("venue_id", "space_id", "starts_at", "ends_at")}]},
                showcase_id=request["showcase_id"])
            _transition(session, activity, "published", "activity_published")
    except (CultureError, ValidationError) as exc:
        reason = str(exc) if isinstance(exc, CultureError) else str(exc.messages)
        OUTBOX.emit(session, "showcase_refused", request["showcase_id"], {**answer, "reason": reason})
        return
    OUTBOX.emit(session, "showcase_scheduled", request["showcase_id"], {
        **answer, "activity_id": activity.id, "starts_at": activity.starts_at, "ends_at": activity.ends_at})
