"""The events service over RPC, beside a real registry, on a real broker and both databases."""
from __future__ import annotations

import pytest
from nameko.exceptions import RemoteError

from .conftest import now_for, on, wait_for


def activity(w, space, starts, ends, capacity=5, **extra):
    return {"title": "五月歌会·中山区专场", "kind": "performance", "org_id": w.zhongshan, "capacity": capacity,
            "bookings": [{"venue_id": w.hall["id"], "space_id": space, "starts_at": starts, "ends_at": ends}],
            **extra}


def test_a_venue_registered_in_registry_becomes_bookable_and_the_life_cycle_runs(world, client, token):
    w = world
    events = lambda m, *a, tok=None: client.call("events", m, *a, token=tok)  # noqa: E731
    act = events("schedule_activity", activity(w, w.rehearsal, *now_for(90), capacity=2), tok=w.zs_admin)
    assert act["status"] == "draft" and act["bookings"][0]["starts_at"].endswith("+08:00")
    with pytest.raises(RemoteError) as err:  # the same space, overlapping: refused
        events("schedule_activity", activity(w, w.rehearsal, *now_for(60)), tok=w.zs_admin)
    assert err.value.exc_type == "Conflict"
    assert events("publish_activity", act["id"], tok=w.zs_admin)["status"] == "published"
    workers = [{"id": f"w{i}", "name": f"职工{i}", "org_id": w.port} for i in range(4)]
    answers = [events("register", act["id"], wk, tok=token("worker", w.port, sub=wk["id"])) for wk in workers]
    assert answers == [{"status": "confirmed", "position": None}, {"status": "confirmed", "position": None},
                       {"status": "waitlisted", "position": 1}, {"status": "waitlisted", "position": 2}]
    with pytest.raises(RemoteError) as err:
        events("register", act["id"], workers[0], tok=token("worker", w.port, sub="w0"))
    assert err.value.exc_type == "Conflict"
    cancelled = events("cancel_registration", act["id"], "w1", tok=token("worker", w.port, sub="w1"))
    assert cancelled == {"status": "cancelled", "promoted_worker_id": "w2"}
    with pytest.raises(RemoteError) as err:  # w3 is still waitlisted
        events("check_in", act["id"], "w3", tok=w.zs_admin)
    assert err.value.exc_type == "InvalidState"
    events("check_in", act["id"], "w0", tok=w.zs_admin)
    assert events("start_activity", act["id"], tok=w.zs_admin)["status"] == "in_progress"
    done = events("complete_activity", act["id"], tok=w.zs_admin)
    assert done["status"] == "completed"
    assert done["attendance"] == {"confirmed": 2, "checked_in": 1, "rate": 0.5}
    log = [e["type"] for e in events("events_since", 0, 100)["items"]]
    assert log == ["activity_scheduled", "activity_published", "registration_confirmed", "registration_confirmed",
                   "registration_waitlisted", "registration_waitlisted", "registration_cancelled",
                   "registration_promoted", "registration_checked_in", "activity_started", "activity_completed"]


def test_a_suspended_venue_cannot_be_booked_and_flags_future_activities(world, client):
    w = world
    events = lambda m, *a, tok=None: client.call("events", m, *a, token=tok)  # noqa: E731
    act = events("schedule_activity", activity(w, w.theatre, on(1, "10:00"), on(1, "12:00")), tok=w.zs_admin)
    client.call("registry", "set_venue_status", w.hall["id"], "suspended", "消防整改", token=w.zs_admin)
    flagged = wait_for(lambda: events("get_activity", act["id"], tok=w.zs_admin)["flags"], what="the flag")
    assert flagged[0]["venue_id"] == w.hall["id"] and "消防整改" in flagged[0]["reason"]
    with pytest.raises(RemoteError) as err:
        events("schedule_activity", activity(w, w.theatre, on(2, "10:00"), on(2, "12:00")), tok=w.zs_admin)
    assert err.value.exc_type == "InvalidState"


def test_calendar_is_icalendar_with_local_times_and_cancellations(world, client):
    from icalendar import Calendar

    w = world
    events = lambda m, *a, tok=None: client.call("events", m, *a, token=tok)  # noqa: E731
    kept = events("schedule_activity", activity(w, w.theatre, on(1, "10:00"), on(1, "12:00")), tok=w.zs_admin)
    dropped = events("schedule_activity", activity(w, w.theatre, on(1, "16:00"), on(1, "17:00")), tok=w.zs_admin)
    draft = events("schedule_activity", activity(w, w.theatre, on(2, "16:00"), on(2, "17:00")), tok=w.zs_admin)
    events("publish_activity", kept["id"], tok=w.zs_admin)
    events("publish_activity", dropped["id"], tok=w.zs_admin)
    events("cancel_activity", dropped["id"], "演员生病", tok=w.zs_admin)
    cal = Calendar.from_ical(events("calendar", {"venue_id": w.hall["id"]}))
    vevents = {str(e["uid"]).split("@")[0]: e for e in cal.walk("VEVENT")}
    assert set(vevents) == {kept["id"], dropped["id"]}  # no draft
    assert draft["id"] not in vevents
    assert str(vevents[dropped["id"]]["status"]) == "CANCELLED"
    start = vevents[kept["id"]].decoded("dtstart")
    assert str(start.tzinfo) == "Asia/Shanghai" and start.isoformat() == kept["starts_at"]
    assert cal.walk("VTIMEZONE")[0]["tzid"] == "Asia/Shanghai"
