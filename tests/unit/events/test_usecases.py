"""The events use cases on an in-memory SQLite session: no broker, no service, milliseconds a test.

Each use case takes a session and emits into the outbox in it; these tests read what it wrote
(the rows and the outbox) the way the integration tests read it over RPC.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.auth import Caller
from services.common.db import make_engine
from services.common.errors import Conflict, Forbidden, InvalidState, NotFound, ValidationFailed
from services.common.outbox import write_pending
from services.events import schemas
from services.events.domain import LOCAL
from services.events.models import Activity, LectureOrder, Org, Space, Venue, metadata
from services.events.usecases import activities, lectures, registrations, reports, showcases, tours
from services.events.usecases.shared import OUTBOX

ALL_DAY = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
FED = Caller(sub="fed", name="市总", roles=("federation_admin",), org_id="city")
ZS = Caller(sub="zs", name="中山区", roles=("district_admin",), org_id="zs")
XG = Caller(sub="xg", name="西岗区", roles=("district_admin",), org_id="xg")


@pytest.fixture
def session():
    engine = make_engine("sqlite://")
    metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as s:
        for id_, parent, path in [("city", None, "/city/"), ("zs", "city", "/city/zs/"), ("xg", "city", "/city/xg/"),
                                  ("zs-1", "zs", "/city/zs/zs-1/"), ("xg-1", "xg", "/city/xg/xg-1/")]:
            s.add(Org(id=id_, name=id_, kind="district", parent_id=parent, path=path))
        for venue_id, status in [("hall", "open"), ("shut", "closed")]:
            s.add(Venue(id=venue_id, name=venue_id, type="district_hall", org_id="zs", district="中山区",
                        address="人民路1号", lat=38.9, lon=121.6, status=status, opening_hours=ALL_DAY, version=1,
                        spaces=[Space(id=f"{venue_id}-a", name="A", capacity=3, position=0),
                                Space(id=f"{venue_id}-b", name="B", capacity=200, position=1)]))
        s.commit()
        yield s
    engine.dispose()


def later(hours: float) -> datetime:
    return (datetime.now(LOCAL) + timedelta(hours=hours)).replace(second=0, microsecond=0)


def booking(space="hall-a", start=48, hours=2):
    return {"venue_id": space.split("-")[0], "space_id": space, "starts_at": later(start),
            "ends_at": later(start + hours)}


def activity_input(**over):
    data = {"title": "五月歌会", "kind": "performance", "org_id": "zs", "capacity": 3,
            "bookings": [booking()], "audience": {"open": True, "org_id": None}}
    return {**data, **over}


def published(session, **over):
    activity = activities.schedule_activity(session, ZS, activity_input(**over))
    return activities.publish_activity(session, ZS, activity.id)


def events(session, *types):
    write_pending(session)  # the events the commit would write, in the order emitted
    rows = session.execute(select(OUTBOX.table.c.type, OUTBOX.table.c.envelope).order_by(OUTBOX.table.c.seq)).all()
    return [(r.type, r.envelope["data"]) for r in rows if not types or r.type in types]


def worker(id_, org="zs-1"):
    return {"id": id_, "name": id_, "org_id": org}


# --- scheduling ------------------------------------------------------------------------------

def test_an_activity_is_scheduled_as_a_draft_and_announced(session):
    activity = activities.schedule_activity(session, ZS, activity_input())
    assert activity.status == "draft"
    assert [t for t, _ in events(session)] == ["activity_scheduled"]


def test_a_space_is_never_double_booked(session):
    activities.schedule_activity(session, ZS, activity_input())
    with pytest.raises(Conflict, match="is booked from"):
        activities.schedule_activity(session, ZS, activity_input(bookings=[booking(start=49)]))


def test_a_closed_venue_cannot_be_booked(session):
    with pytest.raises(InvalidState, match="closed"):
        activities.schedule_activity(session, ZS, activity_input(bookings=[booking("shut-a")]))


def test_an_organiser_schedules_only_in_its_subtree(session):
    with pytest.raises(Forbidden):
        activities.schedule_activity(session, XG, activity_input())


def test_capacity_is_bounded_by_the_booked_spaces(session):
    with pytest.raises(ValidationFailed) as err:
        activities.schedule_activity(session, ZS, activity_input(capacity=4))
    assert err.value.errors == {"capacity": ["the booked spaces hold 3 people"]}


def test_a_draft_is_seen_by_its_organisers_only(session):
    draft = activities.schedule_activity(session, ZS, activity_input())
    assert activities.get_activity(session, ZS, draft.id) is draft
    for outsider in (None, XG):
        with pytest.raises(NotFound):
            activities.get_activity(session, outsider, draft.id)


def test_a_venue_that_closes_flags_the_future_activities_booked_there(session):
    activity = published(session)
    venue = session.get(Venue, "hall")
    venue.status = "suspended"
    assert activities.flag_activities_at(session, venue, "renovation") == 1
    assert activity.flags[0]["reason"] == "hall is suspended: renovation"
    assert events(session, "activity_flagged")[0][1]["venue_id"] == "hall"


# --- registrations ---------------------------------------------------------------------------

def test_registrations_fill_the_places_then_wait_in_order(session):
    activity = published(session)
    answers = [registrations.register(session, ZS, activity.id, worker(f"w{i}")) for i in range(5)]
    assert answers == [{"status": "confirmed", "position": None}] * 3 + [
        {"status": "waitlisted", "position": 1}, {"status": "waitlisted", "position": 2}]


def test_a_cancelled_place_goes_to_the_first_waiting(session):
    activity = published(session)
    for i in range(5):
        registrations.register(session, ZS, activity.id, worker(f"w{i}"))
    assert registrations.cancel_registration(session, ZS, activity.id, "w1")["promoted_worker_id"] == "w3"
    assert [d["worker_id"] for _, d in events(session, "registration_promoted")] == ["w3"]


def test_a_worker_registers_once(session):
    activity = published(session)
    registrations.register(session, ZS, activity.id, worker("w0"))
    with pytest.raises(Conflict, match="already confirmed"):
        registrations.register(session, ZS, activity.id, worker("w0"))


def test_a_closed_audience_takes_only_its_organisations_members(session):
    activity = published(session, audience={"open": False, "org_id": "zs"})
    with pytest.raises(Forbidden, match="members of another organisation"):
        registrations.register(session, FED, activity.id, worker("w9", org="xg-1"))


def test_a_worker_cannot_claim_another_organisation(session):
    activity = published(session)
    me = Caller(sub="w7", name="w7", roles=("worker",), org_id="zs-1")
    with pytest.raises(Forbidden):
        registrations.register(session, me, activity.id, worker("w7", org="xg-1"))
    assert registrations.register(session, me, activity.id, worker("w7"))["status"] == "confirmed"


def test_a_draft_takes_no_registrations(session):
    draft = activities.schedule_activity(session, ZS, activity_input())
    with pytest.raises(InvalidState, match="published activities"):
        registrations.register(session, ZS, draft.id, worker("w0"))


def test_only_a_confirmed_registration_checks_in_and_completion_counts_it(session):
    activity = published(session, capacity=1)
    registrations.register(session, ZS, activity.id, worker("w0"))
    registrations.register(session, ZS, activity.id, worker("w1"))
    with pytest.raises(InvalidState, match="waitlisted"):
        registrations.check_in(session, ZS, activity.id, "w1")
    assert registrations.check_in(session, ZS, activity.id, "w0")["checked_in_at"] is not None
    activity.starts_at = later(0.5)
    activities.start_activity(session, ZS, activity.id)
    done = activities.complete_activity(session, ZS, activity.id)
    assert done.attendance == {"confirmed": 1, "checked_in": 1, "rate": 1.0}


# --- the Mobile Lecture Hall -----------------------------------------------------------------

def lecture(session, cost="800.00"):
    data = schemas.LectureInput().load({"topic": "工匠精神", "lecturer": {"id": "li", "name": "李教授"},
                                        "duration_minutes": 90, "field": None, "federation_cost": cost})
    return lectures.add_lecture(session, data)


def order(session, the_lecture, site=None):
    return lectures.order_lecture(session, ZS, {"lecture_id": the_lecture.id, "org_id": "zs-1",
                                                "site": site or {"address": "车间会议室"}, "preferred_dates": []})


def test_money_is_kept_to_the_fen_and_sent_as_a_decimal_string(session):
    the_lecture = lecture(session, "1200.50")
    assert the_lecture.federation_cost == Decimal("1200.50")
    assert lectures.LECTURE_OUT.dump(the_lecture)["federation_cost"] == "1200.50"
    assert schemas.LectureInput().load({"topic": "t", "lecturer": {"id": "l", "name": "n"}, "duration_minutes": 60,
                                        "federation_cost": 800})["federation_cost"] == Decimal("800")


def test_a_lecture_is_delivered_with_its_activity_and_rated_once(session):
    the_order = order(session, lecture(session))
    lectures.confirm_lecture_order(session, FED, the_order.id, later(48))
    activity = session.get(Activity, the_order.activity_id)
    assert (activity.status, activity.kind, activity.address) == ("published", "lecture", "车间会议室")
    activity.starts_at = later(0.5)
    activities.start_activity(session, ZS, activity.id)
    activities.complete_activity(session, ZS, activity.id)
    assert session.get(LectureOrder, the_order.id).status == "delivered"
    assert events(session, "lecture_delivered")[0][1]["federation_cost"] == "800.00"
    lectures.rate_lecture(session, ZS, the_order.id, 5, "好")
    with pytest.raises(Conflict):
        lectures.rate_lecture(session, ZS, the_order.id, 4, None)


def test_a_lecturer_is_never_in_two_places_at_once(session):
    the_lecture = lecture(session)
    first, second = order(session, the_lecture), order(session, the_lecture, {"address": "另一个车间"})
    lectures.confirm_lecture_order(session, FED, first.id, later(48))
    with pytest.raises(Conflict, match="lecturer"):
        lectures.confirm_lecture_order(session, FED, second.id, later(49))


def test_cancelling_a_lecture_cancels_its_order(session):
    the_order = order(session, lecture(session))
    lectures.confirm_lecture_order(session, FED, the_order.id, later(48))
    activities.cancel_activity(session, ZS, the_order.activity_id, "讲师生病")
    assert session.get(LectureOrder, the_order.id).status == "cancelled"
    with pytest.raises(InvalidState, match="after its delivery"):
        lectures.rate_lecture(session, ZS, the_order.id, 5, None)


# --- tours and showcases ---------------------------------------------------------------------

def stop(org, start, space="hall-b"):
    return {**booking(space, start=start), "org_id": org}


def test_a_tour_schedules_one_activity_a_stop_in_order(session):
    tour = tours.create_tour(session, FED, {"title": "文化快车", "stops": [stop("zs-1", 48), stop("xg-1", 72)]})
    assert [(s["tour"]["position"], s["audience"]["org_id"]) for s in tour["stops"]] == [(1, "zs-1"), (2, "xg-1")]


def test_a_tour_stop_that_clashes_is_named_by_its_place_in_the_tour(session):
    activities.schedule_activity(session, ZS, activity_input(bookings=[booking("hall-b", start=72)], capacity=10))
    with pytest.raises(Conflict):
        tours.create_tour(session, FED, {"title": "文化快车", "stops": [stop("zs-1", 48), stop("xg-1", 72)]})
    with pytest.raises(ValidationFailed) as err:
        tours.create_tour(session, FED, {"title": "文化快车", "stops": [stop("zs-1", 48), stop("xg-1", 47)]})
    assert list(err.value.errors["stops"]) == ["1"]


def showcase_request(**over):
    request = {"showcase_id": "sc-1", "campaign_id": "c-1", "title": "才艺展演", "org_id": "city", "venue_id": "hall",
               "space_id": "hall-b", "starts_at": later(48), "ends_at": later(50)}
    return {**request, **over}


def test_a_showcase_request_is_answered_once_with_a_published_activity(session):
    showcases.answer_showcase(session, showcase_request())
    showcases.answer_showcase(session, showcase_request())
    answers = events(session, "showcase_scheduled", "showcase_refused")
    assert [t for t, _ in answers] == ["showcase_scheduled"]
    assert session.get(Activity, answers[0][1]["activity_id"]).status == "published"


def test_a_showcase_that_cannot_be_held_is_refused_with_the_reason(session):
    showcases.answer_showcase(session, showcase_request(venue_id="nowhere"))
    (kind, data), = events(session, "showcase_scheduled", "showcase_refused")
    assert kind == "showcase_refused" and "nowhere" in data["reason"]
    assert session.scalar(select(Activity.id)) is None  # nothing half-scheduled


# --- participation ---------------------------------------------------------------------------

def test_participation_counts_the_subtrees_completed_activities(session):
    activity = published(session)
    registrations.register(session, ZS, activity.id, worker("w0"))
    registrations.check_in(session, ZS, activity.id, "w0")
    activity.starts_at = later(0.5)
    activities.start_activity(session, ZS, activity.id)
    activities.complete_activity(session, ZS, activity.id)
    report = reports.participation_report(session, ZS, "zs", later(-24), later(24))
    assert (report["activities_held"], report["distinct_participants"]) == (1, 1)
    assert reports.participation_report(session, XG, "xg", later(-24), later(24))["activities_held"] == 0
    with pytest.raises(Forbidden):
        reports.participation_report(session, XG, "zs", later(-24), later(24))
