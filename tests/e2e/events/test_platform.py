"""The events service in the platform ``make up`` starts, driven as an organiser's UI would."""
from __future__ import annotations

import time
from datetime import datetime, timedelta

from icalendar import Calendar

from services.common.auth import issue_token

from ..conftest import SECRET


def test_an_organiser_schedules_at_a_new_venue_and_workers_register(platform, client):
    call = lambda service, method, *a, token=None: client.call(service, method, *a, token=token)  # noqa: E731
    assert call("events", "health")["database"] == "ok"
    # The demo season: the programme's brands, a lecture catalogue, activities held and coming.
    assert {"五月歌会", "文化快车企业行", "职工流动大讲堂"} <= {b["name"] for b in call("events", "list_brands")["items"]}
    assert call("events", "list_lectures")["items"]
    city = call("registry", "list_orgs")["items"][0]
    fed = issue_token(SECRET, sub="fed", roles=["federation_admin"], org_id=city["id"])
    year = datetime.now().year
    report = call("events", "participation_report", city["id"], f"{year - 1}-01-01T00:00:00+08:00",
                  f"{year + 1}-01-01T00:00:00+08:00", token=fed)
    assert report["activities_held"] > 0 and report["distinct_participants"] > 0
    assert 0 < report["attendance"]["rate"] <= 1

    # A district admin registers a venue in registry; events can book it within seconds.
    districts = {o["name"]: o for o in call("registry", "list_orgs", city["id"], 500)["items"]}
    zhongshan = districts["中山区总工会"]["id"]
    admin = issue_token(SECRET, sub="zs", roles=["district_admin"], org_id=zhongshan)
    venue = call("registry", "register_venue", {
        "name": "青泥洼桥社区职工文化站", "type": "community_centre", "org_id": zhongshan, "district": "中山区",
        "address": "大连市中山区青泥街12号", "location": {"lat": 38.915, "lon": 121.632},
        "spaces": [{"name": "活动室", "capacity": 3}],
        "opening_hours": {d: [["08:00", "22:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}},
        token=admin)
    started = time.monotonic()
    while True:
        try:
            call("events", "get_venue_copy", venue["id"])
            break
        except Exception:  # noqa: BLE001 - not there yet
            assert time.monotonic() - started < 5, "events did not learn the new venue within 5 s"
            time.sleep(0.1)
    day = (datetime.now() + timedelta(days=3)).strftime("%Y-%m-%d")
    activity = call("events", "schedule_activity", {
        "title": "社区读书分享会", "kind": "exchange", "org_id": zhongshan, "capacity": 3,
        "bookings": [{"venue_id": venue["id"], "space_id": venue["spaces"][0]["id"],
                      "starts_at": f"{day}T19:00:00+08:00", "ends_at": f"{day}T21:00:00+08:00"}]}, token=admin)
    call("events", "publish_activity", activity["id"], token=admin)
    places = [call("events", "register", activity["id"], {"id": f"e2e-{i}", "name": f"职工{i}", "org_id": zhongshan},
                   token=admin)["status"] for i in range(4)]
    assert places == ["confirmed", "confirmed", "confirmed", "waitlisted"]
    cal = Calendar.from_ical(call("events", "calendar", {"venue_id": venue["id"]}))
    [event] = cal.walk("VEVENT")
    assert str(event["summary"]) == "社区读书分享会" and "青泥洼桥" in str(event["location"])
