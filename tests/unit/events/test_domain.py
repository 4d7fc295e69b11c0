"""The events service's rules, without I/O: the activity life cycle, when an activity may start,
overlaps, opening hours (kept in Asia/Shanghai), an activity's own bookings, the registration
window, places and attendance."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.common.errors import Conflict, InvalidState, ValidationFailed
from services.events import domain
from services.events.domain import (LOCAL, Slot, attendance, check_can_start, check_registration_window,
                                    check_slots, check_transition, opening_hours_error, overlaps, place_for)

PLUS8 = timezone(timedelta(hours=8))
UTC = timezone.utc


def at(hhmm: str, day: date = date(2025, 6, 2), tz=PLUS8) -> datetime:
    """A time on ``day`` (a Monday unless told) with the given offset."""
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=tz)


EVERY_DAY_9_TO_9 = {d: [["09:00", "21:00"]] for d in domain.DAYS}
LUNCH_BREAK = {d: [["09:00", "12:00"], ["13:30", "21:00"]] for d in domain.DAYS}
ROUND_THE_CLOCK = {d: [["00:00", "24:00"]] for d in domain.DAYS}


# --- the activity life cycle ---------------------------------------------------------------

ALLOWED = {("draft", "published"), ("draft", "cancelled"), ("published", "in_progress"),
           ("published", "cancelled"), ("in_progress", "completed")}


@pytest.mark.parametrize("new", domain.STATUSES)
@pytest.mark.parametrize("current", domain.STATUSES)
def test_an_activity_moves_only_along_its_life_cycle(current, new):
    if (current, new) in ALLOWED:
        check_transition(current, new)
    else:
        with pytest.raises(InvalidState, match=f"from {current} to {new}"):
            check_transition(current, new)


def test_a_refused_transition_says_what_is_allowed_instead():
    with pytest.raises(InvalidState, match="from draft: published, cancelled"):
        check_transition("draft", "completed")
    with pytest.raises(InvalidState, match="from completed: nothing"):
        check_transition("completed", "cancelled")


def test_an_activity_in_progress_can_no_longer_be_cancelled():
    with pytest.raises(InvalidState):
        check_transition("in_progress", "cancelled")


# --- starting ----------------------------------------------------------------------------

def test_an_activity_can_start_exactly_one_hour_before_its_first_booking():
    begins = at("10:00")
    check_can_start(begins - timedelta(hours=1), begins)
    check_can_start(begins - timedelta(minutes=5), begins)
    check_can_start(begins + timedelta(hours=3), begins)  # late is fine


def test_an_activity_cannot_start_earlier_than_one_hour_before():
    begins = at("10:00")
    with pytest.raises(InvalidState, match=r"2025-06-02T09:00:00\+08:00"):
        check_can_start(begins - timedelta(hours=1, microseconds=1), begins)
    with pytest.raises(InvalidState):
        check_can_start(begins - timedelta(days=1), begins)


# --- overlaps -------------------------------------------------------------------------------

def test_touching_ranges_do_not_overlap():
    assert not overlaps(at("09:00"), at("10:00"), at("10:00"), at("11:00"))
    assert not overlaps(at("10:00"), at("11:00"), at("09:00"), at("10:00"))


def test_ranges_sharing_any_time_overlap():
    assert overlaps(at("09:00"), at("10:01"), at("10:00"), at("11:00"))
    assert overlaps(at("09:00"), at("12:00"), at("10:00"), at("11:00"))  # one inside the other
    assert overlaps(at("10:00"), at("11:00"), at("10:00"), at("11:00"))


def test_overlaps_compare_instants_not_wall_clocks():
    # 10:00+08:00 is 02:00Z: these touch, whatever offsets they are written in.
    assert not overlaps(at("09:00"), at("10:00"), at("02:00", tz=UTC), at("03:00", tz=UTC))
    assert overlaps(at("09:00"), at("10:00"), at("01:30", tz=UTC), at("03:00", tz=UTC))


# --- opening hours ----------------------------------------------------------------------------

def test_a_booking_inside_the_opening_hours_fits():
    assert opening_hours_error(EVERY_DAY_9_TO_9, at("09:00"), at("11:00")) is None
    assert opening_hours_error(EVERY_DAY_9_TO_9, at("19:00"), at("21:00")) is None


def test_opening_hours_are_checked_in_shanghai_time_whatever_the_offset_given():
    # 01:00Z-03:00Z is 09:00-11:00 in Shanghai.
    assert opening_hours_error(EVERY_DAY_9_TO_9, at("01:00", tz=UTC), at("03:00", tz=UTC)) is None
    # 09:00Z-11:00Z is 17:00-19:00 in Shanghai: still open. 14:00Z-15:00Z is 22:00-23:00: closed.
    assert opening_hours_error(EVERY_DAY_9_TO_9, at("09:00", tz=UTC), at("11:00", tz=UTC)) is None
    assert opening_hours_error(EVERY_DAY_9_TO_9, at("14:00", tz=UTC), at("15:00", tz=UTC)) is not None


def test_the_day_is_the_shanghai_day_not_the_day_of_the_offset_given():
    # Sunday 20:00Z is Monday 04:00 in Shanghai: the Monday's hours apply.
    hours = {"sun": [["00:00", "24:00"]], "mon": [["09:00", "21:00"]]}
    sunday = date(2025, 6, 1)
    error = opening_hours_error(hours, at("20:00", sunday, UTC), at("21:00", sunday, UTC))
    assert error is not None and "on mon" in error and "2025-06-02 04:00-05:00" in error


def test_a_booking_starting_before_opening_is_refused():
    error = opening_hours_error(EVERY_DAY_9_TO_9, at("08:30"), at("10:00"))
    assert error is not None
    assert "2025-06-02 08:30-10:00" in error and "on mon: 09:00-21:00" in error


def test_a_booking_ending_after_closing_is_refused():
    assert opening_hours_error(EVERY_DAY_9_TO_9, at("20:00"), at("21:30")) is not None


def test_a_booking_inside_the_lunch_break_is_refused():
    assert opening_hours_error(LUNCH_BREAK, at("12:00"), at("13:30")) is not None
    assert opening_hours_error(LUNCH_BREAK, at("12:30"), at("13:00")) is not None


def test_a_booking_spanning_two_opening_ranges_is_refused():
    error = opening_hours_error(LUNCH_BREAK, at("11:00"), at("14:00"))
    assert error is not None and "09:00-12:00, 13:30-21:00" in error


def test_a_booking_in_either_range_of_a_split_day_fits():
    assert opening_hours_error(LUNCH_BREAK, at("09:00"), at("12:00")) is None
    assert opening_hours_error(LUNCH_BREAK, at("13:30"), at("21:00")) is None


def test_a_booking_may_end_at_midnight_when_the_range_ends_at_24_00():
    hours = {d: [["18:00", "24:00"]] for d in domain.DAYS}
    assert opening_hours_error(hours, at("22:00"), at("00:00", date(2025, 6, 3))) is None
    # The same instants in UTC: 14:00Z-16:00Z.
    assert opening_hours_error(hours, at("14:00", tz=UTC), at("16:00", tz=UTC)) is None


def test_a_booking_crossing_midnight_into_the_next_day_is_refused():
    error = opening_hours_error(ROUND_THE_CLOCK, at("23:00"), at("01:00", date(2025, 6, 3)))
    assert error is not None and "on mon" in error


def test_a_booking_on_a_closed_day_is_refused_naming_the_day():
    hours = {**EVERY_DAY_9_TO_9, "wed": []}
    wednesday = date(2025, 6, 4)
    error = opening_hours_error(hours, at("10:00", wednesday), at("11:00", wednesday))
    assert error is not None and "on wed: closed" in error


def test_a_day_missing_from_the_opening_hours_is_closed():
    error = opening_hours_error({"mon": [["09:00", "21:00"]]}, at("10:00", date(2025, 6, 5)),
                                at("11:00", date(2025, 6, 5)))
    assert error is not None and "on thu: closed" in error


@settings(max_examples=300, deadline=None)
@given(starts_at=st.datetimes(min_value=datetime(1992, 1, 1), max_value=datetime(2099, 12, 30),
                              timezones=st.timezones(), allow_imaginary=False),
       length=st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(hours=24)),
       to_midnight=st.booleans())
def test_any_booking_within_one_shanghai_day_fits_round_the_clock_hours(starts_at, length, to_midnight):
    local = starts_at.astimezone(LOCAL)
    next_midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=LOCAL)
    ends_at = next_midnight if to_midnight else min(local + length, next_midnight)
    assert opening_hours_error(ROUND_THE_CLOCK, starts_at, ends_at) is None


# --- an activity's own bookings ------------------------------------------------------------

def test_well_formed_bookings_pass():
    check_slots([Slot("hall", at("09:00"), at("11:00")), Slot("hall", at("11:00"), at("12:00")),
                 Slot("studio", at("09:00"), at("11:00"))])


def test_a_booking_ending_before_it_starts_is_refused():
    with pytest.raises(ValidationFailed) as refused:
        check_slots([Slot("hall", at("09:00"), at("10:00")), Slot("studio", at("11:00"), at("10:00"))])
    assert refused.value.errors == {"bookings": {"1": {"ends_at": ["must be after starts_at"]}}}


def test_an_empty_booking_is_refused():
    with pytest.raises(ValidationFailed):
        check_slots([Slot("hall", at("10:00"), at("10:00"))])


def test_a_booking_lasts_at_most_31_days():
    start = at("09:00")
    check_slots([Slot("hall", start, start + timedelta(days=31))])
    with pytest.raises(ValidationFailed) as refused:
        check_slots([Slot("hall", start, start + timedelta(days=31, seconds=1))])
    assert refused.value.errors == {"bookings": {"0": {"ends_at": ["a booking lasts at most 31 days"]}}}


def test_booking_the_same_space_twice_for_overlapping_times_is_a_conflict():
    with pytest.raises(Conflict, match="hall"):
        check_slots([Slot("hall", at("09:00"), at("11:00")), Slot("studio", at("09:00"), at("10:00")),
                     Slot("hall", at("02:30", tz=UTC), at("04:00", tz=UTC))])  # 10:30-12:00 in Shanghai


def test_different_spaces_may_be_booked_for_the_same_time():
    check_slots([Slot("hall", at("09:00"), at("11:00")), Slot("studio", at("09:00"), at("11:00"))])


# --- registration -------------------------------------------------------------------------

def test_registration_is_open_from_its_opening_until_just_before_its_closing():
    opens, closes = at("09:00"), at("18:00")
    check_registration_window(opens, opens, closes)
    check_registration_window(closes - timedelta(microseconds=1), opens, closes)


def test_registration_before_it_opens_is_refused():
    with pytest.raises(InvalidState, match=r"opens at 2025-06-02T09:00:00\+08:00"):
        check_registration_window(at("08:59"), at("01:00", tz=UTC), None)


def test_registration_at_or_after_its_closing_is_refused():
    with pytest.raises(InvalidState, match="closed at"):
        check_registration_window(at("18:00"), None, at("18:00"))
    with pytest.raises(InvalidState, match="closed at"):
        check_registration_window(at("19:00"), at("09:00"), at("18:00"))


def test_registration_without_a_window_is_always_open():
    check_registration_window(at("03:00"), None, None)


def test_a_registration_is_confirmed_while_places_remain_then_waitlisted():
    assert place_for(0, 1) == "confirmed"
    assert place_for(99, 100) == "confirmed"
    assert place_for(100, 100) == "waitlisted"
    assert place_for(101, 100) == "waitlisted"


# --- attendance -----------------------------------------------------------------------------

def test_attendance_is_the_share_of_confirmed_workers_who_checked_in():
    assert attendance(3, 2) == {"confirmed": 3, "checked_in": 2, "rate": 0.6667}
    assert attendance(4, 4)["rate"] == 1.0


def test_attendance_has_no_rate_when_nobody_was_confirmed():
    assert attendance(0, 0) == {"confirmed": 0, "checked_in": 0, "rate": None}


# --- registrations, lecture orders, audiences and drafts, as tables and pure functions --------

from services.common.auth import Caller  # noqa: E402
from services.events.domain import (LECTURE_ORDER, REGISTRATION, ActivityDraft, in_audience,  # noqa: E402
                                    may_see)

REGISTRATION_MOVES = {("new", "confirmed"), ("new", "waitlisted"), ("confirmed", "cancelled"),
                      ("waitlisted", "confirmed"), ("waitlisted", "cancelled"), ("cancelled", "confirmed"),
                      ("cancelled", "waitlisted")}


@pytest.mark.parametrize("new", REGISTRATION.statuses)
@pytest.mark.parametrize("current", REGISTRATION.statuses)
def test_a_registration_moves_only_along_its_life_cycle(current, new):
    if (current, new) in REGISTRATION_MOVES:
        REGISTRATION.check(current, new)
    else:
        with pytest.raises(InvalidState, match=f"from {current} to {new}"):
            REGISTRATION.check(current, new)


def test_a_confirmed_place_is_never_sent_back_to_the_waitlist():
    with pytest.raises(InvalidState):
        REGISTRATION.check("confirmed", "waitlisted")


@pytest.mark.parametrize("current, new", [("ordered", "delivered"), ("delivered", "cancelled"),
                                          ("cancelled", "confirmed"), ("confirmed", "ordered")])
def test_a_lecture_order_is_confirmed_before_delivery_and_final_after(current, new):
    with pytest.raises(InvalidState):
        LECTURE_ORDER.check(current, new)


def test_an_open_activity_takes_anyone_and_a_closed_one_its_subtree():
    assert in_audience(True, None, "/city/xg/")
    assert in_audience(False, "/city/zs/", "/city/zs/unit-1/")
    assert not in_audience(False, "/city/zs/", "/city/xg/")
    assert not in_audience(False, "/city/zs/", "/city/zs2/")  # a sibling with a longer name


def test_a_draft_is_visible_to_its_subtrees_admins_only():
    admin = Caller(sub="a", name="a", roles=("district_admin",), org_id="zs")
    worker = Caller(sub="w", name="w", roles=("worker",), org_id="zs")
    assert may_see(None, "published", "/city/zs/")
    assert may_see(admin, "draft", "/city/zs/unit/")
    assert not may_see(admin, "draft", "/city/xg/")
    assert not may_see(worker, "draft", "/city/zs/")
    assert not may_see(None, "draft", "/city/zs/")


def test_a_draft_spans_its_bookings_or_its_own_time():
    a, b, c = (datetime(2025, 6, 2, h, tzinfo=timezone.utc) for h in (1, 3, 5))
    draft = ActivityDraft(title="t", kind="lecture", org_id="o", capacity=1,
                          bookings=[{"space_id": "s2", "starts_at": b, "ends_at": c},
                                    {"space_id": "s1", "starts_at": a, "ends_at": b}], lecturer_id="li")
    assert draft.time_range() == (a, c)
    assert draft.slot_keys() == ["space:s2", "space:s1", "lecturer:li"]
    assert ActivityDraft(title="t", kind="lecture", org_id="o", capacity=1, bookings=[], span=(a, b)).time_range() == (a, b)
