"""The Mobile Lecture Hall 职工流动大讲堂: the catalogue, a unit's order, the federation's
confirmation (which schedules the lecture as an activity at the unit's site, its lecturer never in
two places at once), delivery with the activity's completion, and the unit's rating."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from services.common.auth import Caller
from services.common.errors import Conflict, InvalidState, NotFound, ValidationFailed
from services.common.pagination import Pager
from services.common.query import contains, get_or_not_found

from ..domain import LECTURE_ORDER, ActivityDraft, first_booking_errors, utcnow
from ..models import Activity, Lecture, LectureOrder
from ..schemas import LectureOrderOut, LectureOut
from . import activities
from .brands import LECTURE_BRAND, brand_id_named
from .shared import OUTBOX, get_org, new_id

LECTURE_OUT, ORDER_OUT = LectureOut(), LectureOrderOut()
LECTURE_SITE_CAPACITY = 100  # a lecture at a unit's own address: places offered when no space says


def add_lecture(session: Session, data: dict) -> Lecture:
    lecture = Lecture(id=new_id(), topic=data["topic"], lecturer_id=data["lecturer"]["id"],
                      lecturer_name=data["lecturer"]["name"], duration_minutes=data["duration_minutes"],
                      field=data["field"], federation_cost=data["federation_cost"],
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
    org = get_org(session, data["org_id"])
    caller.require_org(org.ancestors)
    site = data["site"]
    if site.get("venue_id"):
        activities.venue_space(session, site["venue_id"], site["space_id"])
    now = utcnow()
    order = LectureOrder(id=new_id(), lecture_id=lecture.id, org_id=org.id, site_venue_id=site.get("venue_id"),
                         site_space_id=site.get("space_id"), site_address=site.get("address"),
                         preferred_dates=[d.isoformat() for d in data["preferred_dates"]], status="ordered",
                         created_at=now, updated_at=now)
    session.add(order)
    session.flush()
    OUTBOX.emit(session, "lecture_ordered", order.id, order)
    return order


def _order_for_write(session: Session, order_id: str) -> LectureOrder:
    order = session.scalars(select(LectureOrder).where(LectureOrder.id == order_id).with_for_update()).first()
    if order is None:
        raise NotFound(f"no lecture order with id {order_id}")
    return order


def _move(order: LectureOrder, new: str) -> None:
    LECTURE_ORDER.check(order.status, new)
    order.status, order.updated_at = new, utcnow()


def _draft(session: Session, order: LectureOrder, lecture: Lecture, starts_at: datetime) -> ActivityDraft:
    """The lecture as an activity: at the order's venue space, or at its address for as many as
    ``LECTURE_SITE_CAPACITY``; for the ordering unit's members."""
    ends_at = starts_at + timedelta(minutes=lecture.duration_minutes)
    bookings, capacity = [], LECTURE_SITE_CAPACITY
    if order.site_venue_id:
        venue, space = activities.venue_space(session, order.site_venue_id, order.site_space_id)
        bookings, capacity = [{"venue_id": venue.id, "space_id": space.id, "starts_at": starts_at,
                               "ends_at": ends_at}], space.capacity
    return ActivityDraft(title=lecture.topic, kind="lecture", org_id=order.org_id, capacity=capacity,
                         bookings=bookings, audience_open=False, audience_org_id=order.org_id,
                         brand_id=brand_id_named(session, LECTURE_BRAND), lecturer_id=lecture.lecturer_id,
                         address=order.site_address, span=(starts_at, ends_at))


def confirm_lecture_order(session: Session, caller: Caller, order_id: str, starts_at: datetime) -> LectureOrder:
    order = _order_for_write(session, order_id)
    if order.status != "ordered":
        raise InvalidState(f"the order is {order.status}; only an ordered lecture is confirmed")
    lecture = session.get(Lecture, order.lecture_id)
    try:
        activity = activities.schedule(session, caller, _draft(session, order, lecture, starts_at))
    except ValidationFailed as exc:  # the booking made from starts_at: the caller's field is starts_at
        booking = first_booking_errors(exc.errors) or {"_schema": [str(exc)]}
        raise ValidationFailed({"starts_at": [m for ms in booking.values() for m in ms]}) from None
    activities.transition(session, activity, "published", "activity_published")
    _move(order, "confirmed")
    order.activity_id = activity.id
    session.flush()
    return order


def deliver_order(session: Session, activity: Activity) -> None:
    """The lecture's activity completed: its order is delivered (``lecture_delivered``)."""
    order = session.scalars(select(LectureOrder).where(LectureOrder.activity_id == activity.id)).first()
    if order is None:
        return
    _move(order, "delivered")
    lecture = session.get(Lecture, order.lecture_id)
    session.flush()
    OUTBOX.emit(session, "lecture_delivered", order.id, {
        "order_id": order.id, "lecture_id": lecture.id, "activity_id": activity.id, "org_id": order.org_id,
        "lecturer_id": lecture.lecturer_id, "federation_cost": lecture.federation_cost,
        "attendance": activity.attendance})


def cancel_order(session: Session, activity: Activity) -> None:
    """The lecture's activity was cancelled: so is its order."""
    for order in session.scalars(select(LectureOrder).where(LectureOrder.activity_id == activity.id)):
        _move(order, "cancelled")


def rate_lecture(session: Session, caller: Caller, order_id: str, rating: int, comment: str | None) -> LectureOrder:
    order = get_or_not_found(session, LectureOrder, order_id, "lecture order")
    caller.require_org(get_org(session, order.org_id).ancestors)
    if order.status != "delivered":
        raise InvalidState(f"a lecture is rated after its delivery; this order is {order.status}")
    if order.rating is not None:
        raise Conflict("this lecture has been rated already")
    order.rating, order.comment, order.updated_at = rating, comment, utcnow()
    session.flush()
    return order
