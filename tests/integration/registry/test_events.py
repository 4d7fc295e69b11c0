"""What subscribers of the registry receive, and what the registry does with awards' events."""
from __future__ import annotations

import json
import urllib.request
import uuid

import eventlet
from kombu import Connection, Exchange, Queue
from prometheus_client.parser import text_string_to_metric_families

from services.common.envelope import ENVELOPE, new_envelope
from services.common.outbox import event_exchange

from .conftest import venue_data


def subscribe(amqp_uri, *event_types):
    """A plain AMQP subscriber bound to registry.events, as any other service would be."""
    conn = Connection(amqp_uri)
    queue = Queue(f"test-sub-{uuid.uuid4().hex[:8]}", exchange=event_exchange("registry"),
                  routing_key="#", exclusive=True)
    queue(conn.default_channel).declare()
    return conn, conn.SimpleQueue(queue)


def drain(simple, count, timeout=10, skip=("org_registered",)):
    """The next ``count`` events, leaving out ``skip`` types (the fixture's organisations may
    still be on their way from the outbox when the subscriber binds its queue)."""
    got = []
    while len(got) < count:
        message = simple.get(timeout=timeout)
        if message.payload.get("type") not in skip:
            got.append(message.payload)
        message.ack()
    return got


def test_subscribers_receive_each_change_as_a_cloudevents_envelope_in_order(tree, client, rabbit_config):
    conn, simple = subscribe(rabbit_config["AMQP_URI"])
    try:
        venue = client.call("registry", "register_venue", venue_data(tree.port), token=tree.port_admin)
        client.call("registry", "update_venue", venue["id"], {"name": "港湾职工文化中心"}, token=tree.port_admin)
        client.call("registry", "set_venue_status", venue["id"], "suspended", "消防整改", token=tree.port_admin)
        client.call("registry", "set_venue_status", venue["id"], "open", "整改完成", token=tree.port_admin)
        client.call("registry", "designate_venue", venue["id"], "featured_base", 2026, token=tree.fed)
        group = client.call("registry", "register_group", {"name": "港口职工合唱团", "kind": "interest_group",
                                                          "org_id": tree.port, "home_venue_id": venue["id"],
                                                          "art_field": "music", "members": 40},
                            token=tree.port_admin)
        events = drain(simple, 6)
    finally:
        conn.release()
    assert [e["type"] for e in events] == ["venue_registered", "venue_updated", "venue_status_changed",
                                           "venue_status_changed", "venue_designated", "group_registered"]
    for e in events:
        ENVELOPE.load(e)  # valid envelopes
        assert e["source"] == "culture/registry" and e["schemaversion"] == 1
        assert e["dataschema"] == f"urn:culture:schema:registry:{e['type']}:1"
        assert e["time"].endswith("+08:00")  # as every time on the wire
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    assert events[0]["subject"] == venue["id"] and events[0]["data"]["spaces"] == venue["spaces"]
    assert events[0]["data"]["created_at"] == venue["created_at"] and venue["created_at"].endswith("+08:00")
    assert events[1]["data"]["name"] == "港湾职工文化中心" and events[1]["data"]["changed"] == ["name"]
    assert (events[2]["data"]["previous_status"], events[2]["data"]["status"]) == ("open", "suspended")
    assert events[2]["data"]["venue"]["opening_hours"] == venue["opening_hours"]
    assert events[5]["data"]["id"] == group["id"]
    # The same log, replayed from the start by events_since (what a rebuilding subscriber does):
    log = client.call("registry", "events_since", 0, 500)
    replayed = [e for e in log["items"] if e["type"] != "org_registered"]
    assert [e["id"] for e in replayed] == [e["id"] for e in events]


def publish_award(amqp_uri, data):
    envelope = new_envelope("awards", "award_granted", data.get("nominee", {}).get("ref_id") or "x", data)
    envelope["seq"] = 1
    with Connection(amqp_uri) as conn:
        conn.Producer().publish(envelope, exchange=Exchange("awards.events", type="topic", durable=True),
                                routing_key="award_granted", serializer="json", declare=[event_exchange("awards")])
    return envelope


def wait_until(fn, timeout=10):
    for _ in range(int(timeout / 0.1)):
        value = fn()
        if value:
            return value
        eventlet.sleep(0.1)
    raise AssertionError("timed out")


def test_an_award_makes_a_featured_base_a_demonstration_base_once(tree, client, rabbit_config):
    venue = client.call("registry", "register_venue", venue_data(tree.zhongshan), token=tree.zs_admin)
    client.call("registry", "designate_venue", venue["id"], "featured_base", 2025, token=tree.fed)
    award = {"programme": "demonstration_base", "category": "base", "year": 2026,
             "nominee": {"kind": "venue", "ref_id": venue["id"], "name": venue["name"]}}
    envelope = publish_award(rabbit_config["AMQP_URI"], award)

    def demonstration():
        got = client.call("registry", "get_venue", venue["id"])["designations"]
        return [d for d in got if d["designation"] == "demonstration_base"]

    assert [d["year"] for d in wait_until(demonstration)] == [2026]
    # The same award again (a redelivery) and a second award event for the same venue: no change.
    with Connection(rabbit_config["AMQP_URI"]) as conn:
        conn.Producer().publish(envelope, exchange=Exchange("awards.events", type="topic", durable=True),
                                routing_key="award_granted", serializer="json")
    publish_award(rabbit_config["AMQP_URI"], award)
    eventlet.sleep(1.0)
    assert len(demonstration()) == 1
    search = client.call("registry", "search_venues", {"designation": "demonstration_base"})
    assert [v["id"] for v in search["items"]] == [venue["id"]]
    log = client.call("registry", "events_since", 0, 500)["items"]
    assert [e["data"]["designation"] for e in log if e["type"] == "venue_designated"] == [
        "featured_base", "demonstration_base"]


def test_an_award_for_an_unknown_venue_is_dead_lettered_and_the_registry_keeps_serving(
        tree, client, rabbit_config):
    publish_award(rabbit_config["AMQP_URI"], {"programme": "demonstration_base", "year": 2026,
                                              "nominee": {"kind": "venue", "ref_id": "no-such-venue"}})
    dlq = "evt-awards-award_granted--registry.on_award_granted.dlq"

    def depth():
        with Connection(rabbit_config["AMQP_URI"]) as conn:
            return conn.default_channel.queue_declare(dlq, passive=True).message_count

    wait_until(lambda: depth() == 1, timeout=15)
    assert client.call("registry", "health")["database"] == "ok"
    venue = client.call("registry", "register_venue", venue_data(tree.zhongshan), token=tree.zs_admin)
    assert client.call("registry", "get_venue", venue["id"])["id"] == venue["id"]


def test_metrics_show_calls_errors_backlog_and_featured_bases(tree, client, registry):
    venue = client.call("registry", "register_venue", venue_data(tree.zhongshan), token=tree.zs_admin)
    client.call("registry", "designate_venue", venue["id"], "featured_base", 2026, token=tree.fed)
    try:
        client.call("registry", "get_venue", "missing")
    except Exception:  # noqa: BLE001 - NotFound expected; the metric is what matters here
        pass
    port = next(d for d in registry.extensions if type(d).__name__ == "MetricsServer").port
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    assert 'culture_rpc_requests_total{method="register_venue",service="registry"}' in text
    assert 'culture_rpc_errors_total{error="NotFound",method="get_venue",service="registry"}' in text
    assert 'culture_rpc_latency_seconds_bucket{le="0.1",method="get_venue",service="registry"}' in text
    assert "culture_registry_featured_bases 1.0" in text
    assert "culture_registry_featured_bases_target 50.0" in text
    assert 'culture_outbox_backlog{service="registry"}' in text
    health = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).read())
    assert health == {"database": "ok", "broker": "ok"}
    assert client.call("registry", "health") == {"service": "registry", "version": "0.1.0",
                                                 "database": "ok", "broker": "ok"}


def test_every_rpc_and_handler_of_the_registry_has_its_series_before_any_call(registry):
    # An error ratio (errors / requests) must read 0, not nothing, for a method that never failed.
    port = next(d for d in registry.extensions if type(d).__name__ == "MetricsServer").port
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    series = {(s.name, frozenset(s.labels.items())) for f in text_string_to_metric_families(text) for s in f.samples}
    methods = {e.method_name for e in registry.entrypoints if type(e).__name__ == "Rpc"}
    handlers = {e.method_name: e.dead_letter_queue.name for e in registry.entrypoints
                if type(e).__name__ == "IdempotentEventHandler"}
    assert {"register_venue", "get_venue", "health", "events_since"} <= methods and "on_award_granted" in handlers
    for method in methods:
        labels = {"service": "registry", "method": method}
        assert ("culture_rpc_requests_total", frozenset(labels.items())) in series, method
        assert ("culture_rpc_latency_seconds_count", frozenset(labels.items())) in series, method
        for error in ("ValidationFailed", "NotFound", "Conflict", "InvalidState", "Unauthorized", "Forbidden",
                      "InternalError"):
            assert ("culture_rpc_errors_total", frozenset({**labels, "error": error}.items())) in series, (method, error)
    for method, dlq in handlers.items():
        labels = {"service": "registry", "handler": f"registry.{method}"}
        for outcome in ("applied", "duplicate", "failed"):
            assert ("culture_events_handled_total", frozenset({**labels, "outcome": outcome}.items())) in series
        assert ("culture_event_handling_seconds_count", frozenset(labels.items())) in series
        assert ("culture_dead_lettered_total", frozenset({"service": "registry", "queue": dlq}.items())) in series
