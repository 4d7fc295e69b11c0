"""The events service's rules, as plain Python: no session, no broker, no framework.

Times are aware datetimes; they are stored in UTC and shown in Asia/Shanghai, where the
programme's opening hours are kept.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from services.common.errors import Conflict, InvalidState, ValidationFailed

LOCAL = ZoneInfo("Asia/Shanghai")
KINDS = ("performance", "lecture", "competition", "exhibition", "training", "showcase", "exchange")
STATUSES = ("draft", "published", "in_progress", "completed", "cancelled")
TRANSITIONS = {
    "draft": ("published", "cancelled"),
    "published": ("in_progress", "cancelled"),
    "in_progress": ("completed",),
    "completed": (),
    "cancelled": (),
}
PUBLIC_STATUSES = ("published", "in_progress", "completed", "cancelled")
START_WINDOW = timedelta(hours=1)  # start_activity is allowed from one hour before the first booking
BOOKABLE_VENUE_STATUSES = ("open",)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_ACTIVITY_LENGTH = timedelta(days=31)


def check_transition(current: str, new: str) -> None:
    if new not in TRANSITIONS[current]:
        allowed = ", ".join(TRANSITIONS[current]) or "nothing"
        raise InvalidState(f"an activity cannot go from {current} to {new}; from {current}: {allowed}")


def check_can_start(now: datetime, first_starts_at: datetime) -> None:
    if now < first_starts_at - START_WINDOW:
        raise InvalidState(f"an activity can start from one hour before it begins "
                           f"({(first_starts_at - START_WINDOW).astimezone(LOCAL).isoformat()})")


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
    start, end = starts_at.astimezone(LOCAL), ends_at.astimezone(LOCAL)
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
        raise InvalidState(f"registration opens at {opens.astimezone(LOCAL).isoformat()}")
    if closes is not None and now >= closes:
        raise InvalidState(f"registration closed at {closes.astimezone(LOCAL).isoformat()}")


def place_for(confirmed: int, capacity: int) -> str:
    """A new registration is confirmed while places remain, else waitlisted."""
    return "confirmed" if confirmed < capacity else "waitlisted"


def attendance(confirmed: int, checked_in: int) -> dict:
    return {"confirmed": confirmed, "checked_in": checked_in,
            "rate": round(checked_in / confirmed, 4) if confirmed else None}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
