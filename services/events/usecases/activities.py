"""Activities: the one scheduling path every kind of activity takes, the life cycle, what readers
see, and the reaction to a venue that can no longer host what is booked there."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session

from services.common.auth import ADMIN_ROLES, Caller
from services.common.errors import Conflict, InvalidState, NotFound, ValidationFailed
from services.common.orgpath import in_subtree
from services.common.pagination import Pager, cursor_time
from services.common.query import contains, get_or_not_found

from .. import domain
from ..domain import ActivityDraft, Slot, ancestors, utcnow
from ..models import Activity, Booking, Brand, LecturerSlot, Org, Registration, Space, Venue
from ..schemas import ActivityOut
from . import lectures  # a lecture's order follows its activity (and lectures schedule here)
from .shared import OUTBOX, activity_for_write, get_org, lock_slots, new_id, org_path, touch

log = logging.getLogger(__name__)
ACTIVITY_OUT = ActivityOut()
VENUES, SPACES, BOOKINGS = Venue.__table__, Space.__table__, Booking.__table__
# Bounded below by the longest booking: one short range of ix_bookings_live_space_time, however long
# the space's history (an overlapping booking starts after start - 31 days).
_CLASH = (select(BOOKINGS.c.activity_id, BOOKINGS.c.starts_at, BOOKINGS.c.ends_at)
          .where(BOOKINGS.c.space_id == bindparam("space_id"), BOOKINGS.c.active.is_(True),
                 BOOKINGS.c.starts_at > bindparam("after"), BOOKINGS.c.starts_at < bindparam("ends_at"),
                 BOOKINGS.c.ends_at > bindparam("starts_at")).limit(1))
# A booking's checks in one statement, built once with bound parameters: the venue's and the space's
# columns it is checked against, and whether a live booking of the space overlaps it (``clash``: the
# first such activity's id; ``_CLASH`` then reads that booking for the refusal's message).
_BOOKED_SPACE = (select(VENUES.c.name, VENUES.c.status, VENUES.c.opening_hours, SPACES.c.id,
                        SPACES.c.name.label("space_name"), SPACES.c.capacity,
                        _CLASH.with_only_columns(BOOKINGS.c.activity_id).scalar_subquery().label("clash"))
                 .join_from(SPACES, VENUES, VENUES.c.id == SPACES.c.venue_id)
                 .where(SPACES.c.id == bindparam("space_id"), VENUES.c.id == bindparam("venue_id")))


# --- scheduling ------------------------------------------------------------------------------

def venue_space(session: Session, venue_id: str, space_id: str) -> tuple[Venue, Space]:
    venue = get_or_not_found(session, Venue, venue_id, "venue")
    space = next((s for s in venue.spaces if s.id == space_id), None)
    if space is None:
        raise NotFound(f"venue {venue.id} has no space {space_id}")
    return venue, space


def _overlap_params(booking: dict) -> dict:
    """``_CLASH``'s values for ``booking``."""
    return {"space_id": booking["space_id"], "starts_at": booking["starts_at"], "ends_at": booking["ends_at"],
            "after": booking["starts_at"] - domain.MAX_ACTIVITY_LENGTH}


def _booked_space(session: Session, booking: dict):
    """The venue's and the space's columns a booking is checked against and its ``clash``, in one
    Core query (no ORM objects: a venue's ``selectin`` spaces, 20 and more, cost more than the
    check itself)."""
    row = session.execute(_BOOKED_SPACE, {**_overlap_params(booking), "venue_id": booking["venue_id"]}).first()
    if row is None:
        venue_space(session, booking["venue_id"], booking["space_id"])  # raises the NotFound that says which is missing
    return row


def _check_bookings(session: Session, bookings: list[dict]) -> list:
    """The booked spaces (``id``, ``capacity``), after checking each booking against the venue and
    every other booking (the slots are locked: ``lock_slots``)."""
    checked = []
    for i, b in enumerate(bookings):
        space = _booked_space(session, b)
        if space.status not in domain.BOOKABLE_VENUE_STATUSES:
            raise InvalidState(f"{space.name} is {space.status}: it cannot be booked")
        error = domain.opening_hours_error(space.opening_hours, b["starts_at"], b["ends_at"])
        if error:
            raise ValidationFailed({"bookings": {str(i): {"starts_at": [error]}}})
        checked.append((b, space))
    domain.check_slots([Slot(b["space_id"], b["starts_at"], b["ends_at"]) for b in bookings])
    for b, space in checked:
        if space.clash is not None:
            clash = session.execute(_CLASH, _overlap_params(b)).first()
            when = (f"from {clash.starts_at.astimezone(domain.LOCAL):%Y-%m-%d %H:%M}"
                    f" to {clash.ends_at.astimezone(domain.LOCAL):%H:%M}" if clash is not None
                    else "then")  # (that booking was cancelled a moment ago: the refusal stands)
            raise Conflict(f"{space.name} {space.space_name} is booked {when} by activity "
                           f"{clash.activity_id if clash is not None else space.clash}")
    return [space for _, space in checked]


def _check_lecturer_free(session: Session, lecturer_id: str, starts_at: datetime, ends_at: datetime) -> None:
    clash = session.scalars(select(LecturerSlot).where(
        LecturerSlot.lecturer_id == lecturer_id, LecturerSlot.active.is_(True),
        LecturerSlot.starts_at < ends_at, LecturerSlot.ends_at > starts_at)).first()
    if clash is not None:
        raise Conflict(f"the lecturer is lecturing at activity {clash.activity_id} then")


def schedule(session: Session, caller: Caller | None, draft: ActivityDraft) -> Activity:
    """A new draft activity, whatever built the draft. ``caller`` None: the service's own act (it
    answers talent's showcase request); otherwise the organiser must be in the caller's subtree."""
    org = org_path(session, draft.org_id)
    if caller is not None:
        caller.require_org(ancestors(org.path))
    if draft.brand_id:
        get_or_not_found(session, Brand, draft.brand_id, "brand")
    audience_org = org_path(session, draft.audience_org_id) if not draft.audience_open else None
    lock_slots(session, draft.slot_keys())
    spaces = _check_bookings(session, draft.bookings)
    if spaces:
        domain.check_capacity(draft.capacity, sum({s.id: s.capacity for s in spaces}.values()))
    starts_at, ends_at = draft.time_range()
    if draft.lecturer_id is not None:
        _check_lecturer_free(session, draft.lecturer_id, starts_at, ends_at)
    now = utcnow()
    activity = Activity(
        id=new_id(), title=draft.title, brand_id=draft.brand_id, kind=draft.kind, org_id=org.id,
        org_path=org.path, capacity=draft.capacity, registration_opens_at=draft.registration_opens_at,
        registration_closes_at=draft.registration_closes_at, audience_open=draft.audience_open,
        audience_org_id=audience_org.id if audience_org else None,
        audience_org_path=audience_org.path if audience_org else None, status="draft", starts_at=starts_at,
        ends_at=ends_at, tour_id=draft.tour_id, tour_position=draft.tour_position,
        lecturer_id=draft.lecturer_id, address=draft.address, showcase_id=draft.showcase_id, flags=[],
        version=1, created_at=now, updated_at=now,
        bookings=[Booking(id=new_id(), venue_id=b["venue_id"], space_id=b["space_id"], starts_at=b["starts_at"],
                          ends_at=b["ends_at"], active=True) for b in draft.bookings])
    session.add(activity)
    if draft.lecturer_id is not None:
        session.add(LecturerSlot(id=new_id(), lecturer_id=draft.lecturer_id, activity_id=activity.id,
                                 starts_at=starts_at, ends_at=ends_at, active=True))
    session.flush()  # the database's overlap guard speaks here when two replicas raced
    OUTBOX.emit(session, "activity_scheduled", activity.id, activity)
    return activity


def schedule_activity(session: Session, caller: Caller, data: dict) -> Activity:
    """The ``schedule_activity`` RPC: an organiser's own activity."""
    return schedule(session, caller, ActivityDraft.from_input(data))


# --- the life cycle --------------------------------------------------------------------------

def transition(session: Session, activity: Activity, new: str, event: str) -> Activity:
    domain.check_transition(activity.status, new)
    activity.status = new
    touch(activity)
    session.flush()
    OUTBOX.emit(session, event, activity.id, activity)
    return activity


def publish_activity(session: Session, caller: Caller, activity_id: str) -> Activity:
    activity = activity_for_write(session, caller, activity_id)
    return transition(session, activity, "published", "activity_published")


def start_activity(session: Session, caller: Caller, activity_id: str) -> Activity:
    activity = activity_for_write(session, caller, activity_id)
    domain.check_transition(activity.status, "in_progress")
    domain.check_can_start(utcnow(), activity.starts_at)
    return transition(session, activity, "in_progress", "activity_started")


def complete_activity(session: Session, caller: Caller, activity_id: str) -> Activity:
    """Completed, with its attendance; a lecture's order is delivered with it."""
    activity = activity_for_write(session, caller, activity_id)
    domain.check_transition(activity.status, "completed")
    confirmed, checked_in = session.execute(select(
        func.count(), func.count(Registration.checked_in_at)).where(
        Registration.activity_id == activity.id, Registration.status == "confirmed")).one()
    activity.attendance = domain.attendance(confirmed, checked_in)
    transition(session, activity, "completed", "activity_completed")
    lectures.deliver_order(session, activity)
    return activity


def cancel_activity(session: Session, caller: Caller, activity_id: str, reason: str) -> Activity:
    """Cancelled: its spaces (and lecturer) are free again; a lecture's order is cancelled with it."""
    activity = activity_for_write(session, caller, activity_id)
    domain.check_transition(activity.status, "cancelled")
    activity.cancel_reason = reason
    for booking in activity.bookings:
        booking.active = False
    for slot in session.scalars(select(LecturerSlot).where(LecturerSlot.activity_id == activity.id)):
        slot.active = False
    lectures.cancel_order(session, activity)
    return transition(session, activity, "cancelled", "activity_cancelled")


def flag_activities_at(session: Session, venue: Venue, reason: str) -> int:
    """A venue became suspended or closed: flag the future activities booked there
    (``activity_flagged``), so their organisers can move or cancel them. Returns how many."""
    if venue.status not in domain.UNBOOKABLE_VENUE_STATUSES:
        return 0
    now = utcnow()
    affected = session.scalars(select(Activity).where(
        Activity.status.in_(("draft", "published")),
        Activity.bookings.any((Booking.venue_id == venue.id) & Booking.active.is_(True) & (Booking.ends_at > now)))
        .with_for_update()).all()
    note = f"{venue.name} is {venue.status}: {reason}".strip(": ")
    for activity in affected:
        activity.flags = [*activity.flags, {"venue_id": venue.id, "status": venue.status, "reason": note,
                                            "at": now.isoformat()}]
        touch(activity)
        session.flush()
        OUTBOX.emit(session, "activity_flagged", activity.id, {
            "activity_id": activity.id, "org_id": activity.org_id, "venue_id": venue.id, "reason": note})
    if affected:
        log.info("flagged %d future activities at %s (%s)", len(affected), venue.id, venue.status)
    return len(affected)


# --- reading ---------------------------------------------------------------------------------

def get_activity(session: Session, caller: Caller | None, activity_id: str) -> Activity:
    activity = session.get(Activity, activity_id)
    if activity is None or not domain.may_see(caller, activity.status, activity.org_path):
        raise NotFound(f"no activity with id {activity_id}")
    return activity


def activity_view(session: Session, activity: Activity, new: bool = False) -> dict:
    """What readers see of ``activity``; ``new``: scheduled in this transaction, so no one has
    registered yet (no count to ask for)."""
    counts = {} if new else dict(session.execute(select(Registration.status, func.count()).where(
        Registration.activity_id == activity.id).group_by(Registration.status)).all())
    return {**ACTIVITY_OUT.dump(activity),
            "registrations": {"confirmed": counts.get("confirmed", 0), "waitlisted": counts.get("waitlisted", 0)}}


def _activity_filters(session: Session, caller: Caller | None, filters: dict) -> list:
    conditions = []
    for key in ("brand_id", "kind", "tour_id"):
        if key in filters:
            conditions.append(getattr(Activity, key) == filters[key])
    if "org_id" in filters:
        conditions.append(in_subtree(Activity.org_path, get_org(session, filters["org_id"]).path))
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
        if own is not None:  # an organiser also sees its subtree's drafts (domain.may_see, in SQL)
            visible = or_(visible, in_subtree(Activity.org_path, own.path))
    conditions.append(visible)
    if "status" in filters:
        conditions.append(Activity.status == filters["status"])
    return conditions


def search_activities(session: Session, caller: Caller | None, filters: dict) -> dict:
    pager = Pager("search_activities", filters, str, str, convert=lambda key: [cursor_time(key[0]), key[1]])
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
