"""Talent's showcase requests answered through events, and the participation gauges."""
from __future__ import annotations

import urllib.request
import uuid

from kombu import Connection, Exchange

from services.common.envelope import new_envelope
from services.common.metrics import EVENTS_HANDLED
from services.common.outbox import event_exchange

from .conftest import now_for, on, wait_for


def request_showcase(amqp_uri, w, space, starts, ends, showcase_id=None):
    data = {"showcase_id": showcase_id or str(uuid.uuid4()), "campaign_id": "camp-2026", "org_id": w.city,
            "title": "2026职工才艺展演", "venue_id": w.hall["id"], "space_id": space, "starts_at": starts,
            "ends_at": ends, "candidate_ids": ["c1", "c2"]}
    envelope = dict(new_envelope("talent", "showcase_requested", data["showcase_id"], data), seq=1)
    with Connection(amqp_uri) as conn:
        conn.Producer().publish(envelope, exchange=Exchange("talent.events", type="topic", durable=True),
                                routing_key="showcase_requested", serializer="json",
                                declare=[event_exchange("talent")])
    return data["showcase_id"]


def answers(client, showcase_id):
    log = client.call("events", "events_since", 0, 1000)["items"]
    return [e for e in log if e["type"] in ("showcase_scheduled", "showcase_refused")
            and e["data"]["showcase_id"] == showcase_id]


def test_a_showcase_request_is_scheduled_or_refused_with_a_reason(world, client, rabbit_config):
    w = world
    handled = EVENTS_HANDLED.labels("events", "events.on_showcase_requested", "applied")
    before = handled._value.get()
    granted = request_showcase(rabbit_config["AMQP_URI"], w, w.theatre, on(5, "14:00"), on(5, "16:00"))
    [answer] = wait_for(lambda: answers(client, granted), what="the showcase answer")
    assert answer["type"] == "showcase_scheduled" and answer["data"]["campaign_id"] == "camp-2026"
    activity = client.call("events", "get_activity", answer["data"]["activity_id"])
    assert (activity["kind"], activity["status"], activity["showcase_id"]) == ("showcase", "published", granted)
    # The same slot again: refused, with the reason; asking twice for one showcase answers once.
    clash = request_showcase(rabbit_config["AMQP_URI"], w, w.theatre, on(5, "15:00"), on(5, "17:00"))
    [refusal] = wait_for(lambda: answers(client, clash), what="the refusal")
    assert refusal["type"] == "showcase_refused" and "booked" in refusal["data"]["reason"]
    request_showcase(rabbit_config["AMQP_URI"], w, w.rehearsal, on(6, "14:00"), on(6, "15:00"), showcase_id=granted)
    wait_for(lambda: handled._value.get() - before == 3, what="the third request to be handled")
    assert len(answers(client, granted)) == 1


def test_the_participation_gauges_follow_completed_activities(world, client, platform, token):
    w = world
    events = lambda m, *a, tok=None: client.call("events", m, *a, token=tok)  # noqa: E731
    act = events("schedule_activity", {"title": "读书分享会", "kind": "exchange", "org_id": w.zhongshan,
                                       "capacity": 5, "bookings": [{"venue_id": w.hall["id"], "space_id": w.rehearsal,
                                                                    "starts_at": now_for(60)[0],
                                                                    "ends_at": now_for(60)[1]}]}, tok=w.zs_admin)
    events("publish_activity", act["id"], tok=w.zs_admin)
    for i in range(4):
        events("register", act["id"], {"id": f"g{i}", "name": f"职工{i}", "org_id": w.port}, tok=w.zs_admin)
    for i in range(3):
        events("check_in", act["id"], f"g{i}", tok=w.zs_admin)
    events("start_activity", act["id"], tok=w.zs_admin)
    events("complete_activity", act["id"], tok=w.zs_admin)
    port = next(d for d in platform.events.extensions if type(d).__name__ == "MetricsServer").port
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    assert "culture_events_activities_held 1.0" in text
    assert "culture_events_distinct_participants 3.0" in text
    assert "culture_events_attendance_ratio 0.75" in text
    report = events("participation_report", w.zhongshan, on(-1, "00:00"), on(2, "00:00"), tok=w.zs_admin)
    assert (report["activities_held"], report["distinct_participants"]) == (1, 3)
    assert report["attendance"] == {"confirmed": 4, "checked_in": 3, "rate": 0.75}
