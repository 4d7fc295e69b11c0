"""Activities as an iCalendar feed, and the input schemas' own rules: no database, no broker
(the models are built in memory, never added to a session)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from icalendar import Calendar
from marshmallow import ValidationError

from services.events import calendar, schemas
from services.events.domain import LOCAL
from services.events.models import Activity, Booking, Venue

UTC = timezone.utc


def venue(id_: str, name: str, address: str) -> Venue:
    return Venue(id=id_, name=name, type="centre", org_id="org-1", district="黄浦区", address=address,
                 lat=31.23, lon=121.47, status="open", opening_hours={}, version=1)


def activity(id_: str, starts_at: datetime, *, status="published", version=1, venue_ids=("v-1",),
             cancel_reason=None, address=None) -> Activity:
    ends_at = starts_at + timedelta(hours=2)
    return Activity(
        id=id_, title=f"活动 {id_}", kind="performance", org_id="org-1", org_path="/org-1/", capacity=100,
        audience_open=True, status=status, starts_at=starts_at, ends_at=ends_at, flags=[],
        cancel_reason=cancel_reason, address=address, version=version, created_at=starts_at,
        updated_at=starts_at,
        bookings=[Booking(id=f"{id_}-b{i}", activity_id=id_, venue_id=v, space_id=f"{v}-hall",
                          starts_at=starts_at, ends_at=ends_at, active=status != "cancelled")
                  for i, v in enumerate(venue_ids)])


VENUES = {"v-1": venue("v-1", "工人文化宫", "西藏中路120号"), "v-2": venue("v-2", "职工剧场", "延安东路1号")}


@pytest.fixture
def feed():
    activities = [
        activity("a-1", datetime(2025, 6, 2, 1, 0, tzinfo=UTC), version=3),  # 09:00 in Shanghai
        activity("a-2", datetime(2025, 6, 3, 19, 30, tzinfo=timezone(timedelta(hours=8))), version=1,
                 venue_ids=("v-1", "v-2")),
        activity("a-3", datetime(2025, 6, 4, 6, 0, tzinfo=UTC), status="cancelled", version=5,
                 cancel_reason="场馆维修"),
    ]
    return activities, Calendar.from_ical(calendar.to_ical(activities, VENUES))


def events_by_uid(cal: Calendar) -> dict:
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_the_feed_parses_back_with_one_event_per_activity(feed):
    activities, cal = feed
    assert set(events_by_uid(cal)) == {f"{a.id}@culture-events" for a in activities}
    assert len(cal.walk("VEVENT")) == len(activities)


def test_an_event_starts_and_ends_at_the_activitys_times_in_shanghai(feed):
    activities, cal = feed
    events = events_by_uid(cal)
    for a in activities:
        event = events[f"{a.id}@culture-events"]
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
        assert start.utcoffset() == timedelta(hours=8)
        assert start == a.starts_at and end == a.ends_at
    assert events["a-1@culture-events"].decoded("DTSTART").replace(tzinfo=None) == datetime(2025, 6, 2, 9, 0)


def test_an_events_sequence_is_the_activitys_version(feed):
    activities, cal = feed
    events = events_by_uid(cal)
    for a in activities:
        assert int(events[f"{a.id}@culture-events"]["SEQUENCE"]) == a.version


def test_a_cancelled_activity_is_a_cancelled_event_with_its_reason(feed):
    _, cal = feed
    events = events_by_uid(cal)
    assert str(events["a-3@culture-events"]["STATUS"]) == "CANCELLED"
    assert "场馆维修" in str(events["a-3@culture-events"]["DESCRIPTION"])
    assert str(events["a-1@culture-events"]["STATUS"]) == "CONFIRMED"


def test_an_events_location_names_its_venues(feed):
    _, cal = feed
    events = events_by_uid(cal)
    assert "工人文化宫" in str(events["a-1@culture-events"]["LOCATION"])
    both = str(events["a-2@culture-events"]["LOCATION"])
    assert "工人文化宫" in both and "职工剧场" in both and "延安东路1号" in both


def test_the_feed_carries_the_shanghai_timezone_with_a_standard_observance(feed):
    _, cal = feed
    zones = cal.walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == ["Asia/Shanghai"]
    assert zones[0].walk("STANDARD")


def test_an_empty_feed_is_still_a_valid_calendar():
    cal = Calendar.from_ical(calendar.to_ical([], {}))
    assert cal.walk("VEVENT") == [] and cal.walk("VTIMEZONE")


def test_an_activity_at_an_address_without_a_venue_is_located_there():
    a = activity("a-9", datetime(2025, 6, 2, 2, 0, tzinfo=UTC), venue_ids=(), address="某某厂职工之家")
    cal = Calendar.from_ical(calendar.to_ical([a], VENUES))
    assert str(cal.walk("VEVENT")[0]["LOCATION"]) == "某某厂职工之家"


# --- input schemas ----------------------------------------------------------------------------

def activity_input(**changes) -> dict:
    data = {"title": "夏季歌会", "kind": "performance", "org_id": "org-1", "capacity": 200,
            "bookings": [{"venue_id": "v-1", "space_id": "v-1-hall", "starts_at": "2025-06-02T09:00:00+08:00",
                          "ends_at": "2025-06-02T11:00:00+08:00"}]}
    data.update(changes)
    return data


def test_a_well_formed_activity_input_loads_with_aware_times():
    loaded = schemas.ActivityInput().load(activity_input())
    assert loaded["bookings"][0]["starts_at"] == datetime(2025, 6, 2, 1, 0, tzinfo=UTC)
    assert loaded["audience"] == {"open": True, "org_id": None}


def test_an_activity_input_refuses_times_without_an_offset():
    bookings = [{"venue_id": "v-1", "space_id": "s-1", "starts_at": "2025-06-02T09:00:00",
                 "ends_at": "2025-06-02T11:00:00+08:00"}]
    with pytest.raises(ValidationError) as refused:
        schemas.ActivityInput().load(activity_input(bookings=bookings))
    assert set(refused.value.messages["bookings"][0]) == {"starts_at"}
    with pytest.raises(ValidationError) as refused:
        schemas.ActivityInput().load(activity_input(registration_opens_at="2025-06-01T09:00:00"))
    assert "registration_opens_at" in refused.value.messages


def test_a_closed_audience_names_its_organisation():
    with pytest.raises(ValidationError) as refused:
        schemas.ActivityInput().load(activity_input(audience={"open": False}))
    assert "org_id" in refused.value.messages["audience"]
    loaded = schemas.ActivityInput().load(activity_input(audience={"open": False, "org_id": "org-7"}))
    assert loaded["audience"] == {"open": False, "org_id": "org-7"}


def test_an_open_audience_names_no_organisation():
    with pytest.raises(ValidationError) as refused:
        schemas.ActivityInput().load(activity_input(audience={"open": True, "org_id": "org-7"}))
    assert "org_id" in refused.value.messages["audience"]


@pytest.mark.parametrize("closes", ["2025-05-31T09:00:00+08:00", "2025-06-01T09:00:00+08:00",
                                    "2025-06-01T01:00:00Z"])  # before, or the same instant as, the opening
def test_registration_cannot_close_before_it_opens(closes):
    with pytest.raises(ValidationError) as refused:
        schemas.ActivityInput().load(activity_input(registration_opens_at="2025-06-01T09:00:00+08:00",
                                                    registration_closes_at=closes))
    assert "registration_closes_at" in refused.value.messages


def test_registration_may_close_after_it_opens():
    loaded = schemas.ActivityInput().load(activity_input(registration_opens_at="2025-06-01T09:00:00+08:00",
                                                         registration_closes_at="2025-06-01T02:00:00Z"))
    assert loaded["registration_closes_at"] - loaded["registration_opens_at"] == timedelta(hours=1)


@pytest.mark.parametrize("site", [{"venue_id": "v-1", "space_id": "s-1"}, {"address": "某某厂职工之家"}])
def test_a_site_is_a_venue_space_or_an_address(site):
    loaded = schemas.SiteInput().load(site)
    assert {k for k, v in loaded.items() if v is not None} == set(site)


@pytest.mark.parametrize("site", [
    {},
    {"venue_id": "v-1", "space_id": "s-1", "address": "某某厂职工之家"},
    {"venue_id": "v-1", "address": "某某厂职工之家"},
    {"venue_id": "v-1"},
    {"space_id": "s-1"},
])
def test_a_site_is_exactly_one_kind_of_site(site):
    with pytest.raises(ValidationError):
        schemas.SiteInput().load(site)


def test_every_time_is_shown_in_shanghai():
    a = activity("a-1", datetime(2025, 6, 2, 1, 0, tzinfo=UTC))
    shown = schemas.ActivityOut().dump(a)
    assert shown["starts_at"] == "2025-06-02T09:00:00+08:00"
    assert datetime.fromisoformat(shown["ends_at"]).astimezone(LOCAL).hour == 11


def test_a_flag_keeps_its_time_in_utc_and_shows_it_in_shanghai():
    a = activity("a-1", datetime(2025, 6, 2, 1, 0, tzinfo=UTC))
    a.flags = [{"venue_id": "v-1", "status": "suspended", "reason": "工人文化宫 is suspended",
                "at": "2025-06-01T02:00:00+00:00"}]
    assert schemas.ActivityOut().dump(a)["flags"] == [
        {"venue_id": "v-1", "status": "suspended", "reason": "工人文化宫 is suspended",
         "at": "2025-06-01T10:00:00+08:00"}]
