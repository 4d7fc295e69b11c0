"""The events service's rules, as plain Python: no session, no broker, no framework.

Times are aware datetimes; they are stored in UTC and shown with +08:00 (``services.common.clock``);
opening hours are wall-clock times in Asia/Shanghai (``PLATFORM_TZ``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.common.auth import ADMIN_ROLES, Caller
from services.common.clock import PLATFORM_TZ, to_wire, utcnow  # noqa: F401 (utcnow: for the use cases)
from services.common.errors import Conflict, Forbidden, InvalidState, ValidationFailed
from services.common.lifecycle import Lifecycle
from services.common.orgpath import ancestors, within

LOCAL = PLATFORM_TZ  # the name the use cases, the calendar, the metrics and the seed import
KINDS = ("performance", "lecture", "competition", "exhibition", "training", "showcase", "exchange")
ACTIVITY = Lifecycle("an activity", {
    "draft": ("published", "cancelled"),
    "published": ("in_progress", "cancelled"),
    "in_progress": ("completed",),
    "completed": (),
    "cancelled": (),
})
STATUSES, TRANSITIONS = ACTIVITY.statuses, ACTIVITY.transitions
PUBLIC_STATUSES = ("published", "in_progress", "completed", "cancelled")  # a draft is its organisers' only
REGISTERING_STATUSES = ("published",)  # an activity takes new registrations while published
ATTENDING_STATUSES = ("published", "in_progress")  # registrations cancel and check in until it ends

# A registration: confirmed or waitlisted on arrival; a waitlisted one is promoted in order when a
# confirmed one cancels; a cancelled one may register again (and queues at the end).
NEW_REGISTRATION = "new"
REGISTRATION = Lifecycle("a registration", {
    NEW_REGISTRATION: ("confirmed", "waitlisted"),
    "confirmed": ("cancelled",),
    "waitlisted": ("confirmed", "cancelled"),
    "cancelled": ("confirmed", "waitlisted"),
})
REGISTRATION_STATUSES = tuple(s for s in REGISTRATION.statuses if s != NEW_REGISTRATION)

# A Mobile Lecture Hall order: the federation confirms it (scheduling the lecture), the lecture's
# completion delivers it, cancelling the lecture cancels it. Rated once, after delivery.
LECTURE_ORDER = Lifecycle("a lecture order", {
    "ordered": ("confirmed", "cancelled"),
    "confirmed": ("delivered", "cancelled"),
    "delivered": (),
    "cancelled": (),
})

START_WINDOW = timedelta(hours=1)  # start_activity is allowed from one hour before the first booking
BOOKABLE_VENUE_STATUSES = ("open",)
UNBOOKABLE_VENUE_STATUSES = ("suspended", "closed")  # future activities there are flagged
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_ACTIVITY_LENGTH = timedelta(days=31)


def check_transition(current: str, new: str) -> None:
    """An activity's move along its life cycle, or ``InvalidState`` saying what is allowed."""
    ACTIVITY.check(current, new)


def may_see(caller: Caller | None, status: str, org_path: str) -> bool:
    """Anyone sees a published (or later) activity; a draft only its organising subtree's admins."""
    if status in PUBLIC_STATUSES:
        return True
    return caller is not None and caller.has_any(ADMIN_ROLES) and caller.acts_on(ancestors(org_path))


def in_audience(audience_open: bool, audience_org_path: str | None, worker_org_path: str) -> bool:
    """An open activity takes anyone; a closed one the members of its audience organisation's subtree."""
    if audience_open:
        return True
    return audience_org_path is not None and within(worker_org_path, audience_org_path)


def check_may_act_for_worker(caller: Caller, worker_id: str, worker_org_id: str | None,
                             worker_org_ancestors: list[str] | None, *, joining: bool) -> None:
    """A worker acts for themself (and joins as a member of the organisation its token names, so a
    worker cannot claim another organisation to pass an audience rule); an admin acts for the
    workers of its subtree."""
    if "worker" in caller.roles and caller.sub == worker_id and (not joining or worker_org_id == caller.org_id):
        return
    if caller.has_any(ADMIN_ROLES) and worker_org_ancestors is not None:
        caller.require_org(worker_org_ancestors)
        return
    raise Forbidden("a worker registers themself, as a member of the organisation its token names; "
                    "an admin registers the workers of its subtree")


def check_can_start(now: datetime, first_starts_at: datetime) -> None:
    if now < first_starts_at - START_WINDOW:
        raise InvalidState(f"an activity can start from one hour before it begins "
                           f"({to_wire(first_starts_at - START_WINDOW)})")


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open ranges: one ending at 10:00 and another starting at 10:00 do not overlap."""
    return a_start < b_end and b_start < a_end


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def opening_hours_error(hours: dict, starts_at: datetime, ends_at: datetime) -> str | None:
    """Why ``[starts_at, ends_at)`` does not fit the venue's opening hours (None: it fits).

    The range, in Asia/Shanghai time, must lie within one opening range of one day (a range may
    end at 24:00, so a booking may end at midnight).
    """
    start, end = starts_at.astimezone(PLATFORM_TZ), ends_at.astimezone(PLATFORM_TZ)
    day = DAYS[start.weekday()]
    midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
    start_min = (start - midnight).total_seconds() / 60
    end_min = (end - midnight).total_seconds() / 60  # past 1440 when it runs into the next day
    for r in hours.get(day, []):
        if _minutes(r[0]) <= start_min and end_min <= _minutes(r[1]):
            return None
    shown = ", ".join(f"{r[0]}-{r[1]}" for r in hours.get(day, [])) or "closed"
    return (f"{start:%Y-%m-%d %H:%M}-{end:%H:%M} (Asia/Shanghai) is outside the opening hours "
            f"on {day}: {shown}")


@dataclass(frozen=True)
class Slot:
    space_id: str
    starts_at: datetime
    ends_at: datetime


def check_slots(slots: list[Slot]) -> None:
    """An activity's own bookings: each well-formed, none overlapping another of the same space."""
    for i, slot in enumerate(slots):
        if slot.ends_at <= slot.starts_at:
            raise ValidationFailed({"bookings": {str(i): {"ends_at": ["must be after starts_at"]}}})
        if slot.ends_at - slot.starts_at > MAX_ACTIVITY_LENGTH:
            raise ValidationFailed({"bookings": {str(i): {"ends_at": ["a booking lasts at most 31 days"]}}})
    for i, a in enumerate(slots):
        for b in slots[i + 1:]:
            if a.space_id == b.space_id and overlaps(a.starts_at, a.ends_at, b.starts_at, b.ends_at):
                raise Conflict(f"the activity books space {a.space_id} twice for overlapping times")


def check_registration_window(now: datetime, opens: datetime | None, closes: datetime | None) -> None:
    if opens is not None and now < opens:
        raise InvalidState(f"registration opens at {to_wire(opens)}")
    if closes is not None and now >= closes:
        raise InvalidState(f"registration closed at {to_wire(closes)}")


def place_for(confirmed: int, capacity: int) -> str:
    """A new registration is confirmed while places remain, else waitlisted."""
    return "confirmed" if confirmed < capacity else "waitlisted"


def attendance(confirmed: int, checked_in: int) -> dict:
    return {"confirmed": confirmed, "checked_in": checked_in,
            "rate": round(checked_in / confirmed, 4) if confirmed else None}



# --- one scheduling path ---------------------------------------------------------------------

@dataclass
class ActivityDraft:
    """What one ``schedule`` call turns into a draft activity. The RPC builds it from its input; a
    lecture, a tour stop and talent's showcase build theirs, adding what they are."""

    title: str
    kind: str
    org_id: str
    capacity: int
    bookings: list[dict]                 # [{venue_id, space_id, starts_at, ends_at}]
    audience_open: bool = True
    audience_org_id: str | None = None
    brand_id: str | None = None
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    lecturer_id: str | None = None       # a lecture: its lecturer is never in two places at once
    address: str | None = None           # a site without a venue (a lecture at a unit's address)
    span: tuple[datetime, datetime] | None = None  # the time of an activity that books no space
    tour_id: str | None = None
    tour_position: int | None = None
    showcase_id: str | None = None       # talent's request this activity answers

    @classmethod
    def from_input(cls, data: dict) -> "ActivityDraft":
        """The draft of ``schedule_activity``'s loaded input."""
        audience = data["audience"]
        return cls(title=data["title"], kind=data["kind"], org_id=data["org_id"], capacity=data["capacity"],
                   bookings=data["bookings"], audience_open=audience["open"],
                   audience_org_id=None if audience["open"] else audience["org_id"],
                   brand_id=data.get("brand_id"), registration_opens_at=data.get("registration_opens_at"),
                   registration_closes_at=data.get("registration_closes_at"))

    def slot_keys(self) -> list[str]:
        """What two concurrent schedulings must not take at once: the spaces, and the lecturer."""
        keys = [f"space:{b['space_id']}" for b in self.bookings]
        return keys + ([f"lecturer:{self.lecturer_id}"] if self.lecturer_id is not None else [])

    def time_range(self) -> tuple[datetime, datetime]:
        if self.bookings:
            return min(b["starts_at"] for b in self.bookings), max(b["ends_at"] for b in self.bookings)
        if self.span is None:
            raise ValidationFailed({"bookings": ["an activity books at least one space or has a time"]})
        return self.span


def check_capacity(capacity: int, places: int) -> None:
    """An activity offers no more places than its booked spaces hold (each space counted once)."""
    if capacity > places:
        raise ValidationFailed({"capacity": [f"the booked spaces hold {places} people"]})


def first_booking_errors(errors: dict) -> dict | None:
    """The errors about a draft's one booking (``bookings.0``), for callers that made that booking
    from their own input (a lecture's start, a tour's stop): keyed as the caller wrote it."""
    bookings = errors.get("bookings") if isinstance(errors, dict) else None
    booking = bookings.get("0") if isinstance(bookings, dict) else None
    return booking if isinstance(booking, dict) else None
