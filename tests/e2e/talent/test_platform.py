"""The talent service in the platform ``make up`` starts (registry, events, talent, each seeded),
driven as the federation's UI would: the demo campaigns, and a showcase that becomes a published
``showcase`` activity in events and shows on each candidate — or comes back refused."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from services.common.auth import issue_token

from ..conftest import SECRET


def wait(check, timeout=30.0, what="it"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_showcase_request_becomes_an_events_activity_and_a_clash_comes_back_refused(platform, client):
    call = lambda service, method, *a, token=None: client.call(service, method, *a, token=token)  # noqa: E731
    assert call("talent", "health")["database"] == "ok"
    city = call("registry", "list_orgs")["items"][0]
    fed = issue_token(SECRET, sub="fed", roles=["federation_admin"], org_id=city["id"])

    # The demo: last year's campaign finished with a pool; its showcase answered by events.
    pool = call("talent", "search_pool", {}, token=fed)["items"]
    assert pool and {t["tier"] for t in pool} <= {"backbone", "top_talent", "leading_figure"}
    finalist = wait(lambda: (c := call("talent", "get_candidate", pool[0]["candidate_id"], token=fed))["showcase"]
                    and c["showcase"]["status"] != "requested" and c, what="the demo showcase's answer")
    assert finalist["showcase"]["status"] in ("scheduled", "refused")

    # A new showcase for the demo's finalists, at the palace's hall, three weeks and a day out.
    campaign_id = finalist["campaign_id"]
    hall = call("registry", "search_venues", {"type": "palace", "status": "open"})["items"][0]
    space = max(hall["spaces"], key=lambda s: s["capacity"])
    local = timezone(timedelta(hours=8))
    day = (datetime.now(local) + timedelta(days=22)).replace(hour=14, minute=0, second=0, microsecond=0)
    request = {"venue_id": hall["id"], "space_id": space["id"], "starts_at": day.isoformat(),
               "ends_at": (day + timedelta(hours=2)).isoformat(), "candidate_ids": [t["candidate_id"] for t in pool]}
    asked = call("talent", "request_showcase", campaign_id, request, token=fed)
    assert asked["status"] == "requested"

    def answered(showcase_id):
        shown = [call("talent", "get_candidate", t["candidate_id"], token=fed)["showcase"] for t in pool]
        done = all(s["showcase_id"] == showcase_id and s["status"] != "requested" for s in shown)
        return done and shown

    shown = wait(lambda: answered(asked["showcase_id"]), what="events to answer the showcase")
    assert {s["status"] for s in shown} == {"scheduled"}
    activity = call("events", "get_activity", shown[0]["activity_id"])
    assert (activity["kind"], activity["status"]) == ("showcase", "published")

    # The same space at the same time again: refused, with the reason, on each candidate.
    again = call("talent", "request_showcase", campaign_id, request, token=fed)
    refused = wait(lambda: answered(again["showcase_id"]), what="events to refuse the clash")
    assert {s["status"] for s in refused} == {"refused"}
    assert all("booked" in s["reason"] for s in refused)
