"""Events and registry as two services: the copy of the registry that events keeps, live and rebuilt.

Each service runs in its own container on its own database; they share only the broker. nameko's
event handler queues are durable and named per service and method
(the kit follower's one queue, ``evt-registry-follow--events.on_registry_event``, bound to every
registry event type the copy needs), so an events container started later in the same vhost
receives what was published while none ran. Registry's ``events_since`` log is the other way in:
the follower's catch-up (at start and on its timer) and the ``rebuild_registry_copy`` RPC read it.
"""
from __future__ import annotations

import copy as deepcopy_module
import time
import uuid

import pytest
from kombu import Connection
from nameko.exceptions import RemoteError
from nameko.testing.utils import get_extension
from sqlalchemy import create_engine, select

from services.common.follower import Follower
from services.common.outbox import event_exchange
from services.events.models import Activity, Org, Space, Venue, metadata as events_md
from services.events.service import Service as Events
from services.registry.service import Service as Registry
from tests.conftest import config_for

from .conftest import ALL_DAY, on, wait_for

QUEUE = "evt-registry-follow--events.on_registry_event"  # one queue, every followed type
HANDLER = "events.on_registry_event"


def venue_input(name, org_id, district="中山区", spaces=(("多功能厅", 200),), type_="district_hall"):
    return {"name": name, "type": type_, "org_id": org_id, "district": district,
            "address": f"大连市{district}{name}", "location": {"lat": 38.9, "lon": 121.6},
            "spaces": [{"name": n, "capacity": c} for n, c in spaces], "opening_hours": ALL_DAY}


def activity(w, venue_id, space_id, day=1, starts="10:00", ends="12:00", capacity=5):
    return {"title": "读书节·分享会", "kind": "exchange", "org_id": w.zhongshan, "capacity": capacity,
            "bookings": [{"venue_id": venue_id, "space_id": space_id, "starts_at": on(day, starts),
                          "ends_at": on(day, ends)}]}


def engine_for(url):
    # Reads only; a plain engine (no BEGIN IMMEDIATE) never waits for the service's writers.
    return create_engine(url, connect_args={"timeout": 0.2}) if url.startswith("sqlite") else create_engine(url)


def query(url, stmt):
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            return conn.execute(stmt).all()
    finally:
        engine.dispose()


def copy_snapshot(url):
    """Events' copy of the registry, as comparable rows."""
    return {
        "orgs": sorted(map(tuple, query(url, select(Org.id, Org.name, Org.kind, Org.parent_id, Org.path)))),
        "venues": sorted((r.id, r.name, r.type, r.org_id, r.district, r.address, r.status, r.version,
                          repr(sorted(r.opening_hours.items())))
                         for r in query(url, select(Venue.__table__))),
        "spaces": sorted(map(tuple, query(url, select(Space.id, Space.venue_id, Space.name, Space.capacity,
                                                      Space.position)))),
    }


def queue_depth(amqp_uri, name):
    with Connection(amqp_uri) as conn:
        return conn.default_channel.queue_declare(name, passive=True).message_count


def registry_log(client):
    return client.call("registry", "events_since", 0, 1000)["items"]


def published(url, subject):
    """Has registry's relay sent its event(s) about ``subject`` to the broker?"""
    outbox = events_md.tables["outbox"]  # the kit's outbox table: the same shape in every service
    rows = query(url, select(outbox.c.sent_at).where(outbox.c.subject == subject))
    return bool(rows) and all(r.sent_at for r in rows)


def test_a_venue_registered_in_registry_is_bookable_in_events_within_two_seconds(world, client, backend):
    w = world
    delays = []
    for i in range(3):
        new = client.call("registry", "register_venue", venue_input(f"社区文化活动中心{i}", w.zhongshan,
                                                                     type_="community_centre"), token=w.zs_admin)
        registered = time.monotonic()
        known = wait_for(lambda: client.call("events", "get_venue_copy", new["id"]), timeout=5,
                         what="events to learn the venue")
        delays.append(time.monotonic() - registered)
        assert known["bookable"] and known["version"] == 1
        assert [s["id"] for s in known["spaces"]] == [s["id"] for s in new["spaces"]]
        booked = client.call("events", "schedule_activity", activity(w, new["id"], new["spaces"][0]["id"]),
                             token=w.zs_admin)
        assert booked["status"] == "draft"
    print(f"\n{backend}: registry -> events delay: " + ", ".join(f"{d * 1000:.0f} ms" for d in delays))
    assert max(delays) < 2.0, delays


def test_events_serves_without_registry_and_catches_up_after_its_own_downtime(
        world, platform, client, token, container_factory, rabbit_config, backend):
    w = world
    amqp = rabbit_config["AMQP_URI"]
    events = lambda m, *a, tok=None: client.call("events", m, *a, token=tok)  # noqa: E731

    # 1. Registry is down: events works from its copy, reads and writes.
    platform.registry.stop()
    assert events("get_venue_copy", w.hall["id"])["bookable"]
    act = events("schedule_activity", activity(w, w.hall["id"], w.theatre, day=2), tok=w.zs_admin)
    assert events("publish_activity", act["id"], tok=w.zs_admin)["status"] == "published"
    assert events("register", act["id"], {"id": "w1", "name": "职工一", "org_id": w.port},
                  tok=token("worker", w.port, sub="w1")) == {"status": "confirmed", "position": None}
    assert events("search_activities", {"venue_id": w.hall["id"]})["items"][0]["id"] == act["id"]

    # 2. Registry is back; now events is down while registry changes.
    container_factory(Registry, config_for("registry", amqp, platform.registry_url)).start()
    platform.events.stop()
    new = client.call("registry", "register_venue", venue_input("职工书屋", w.zhongshan, type_="book_room",
                                                                 spaces=(("阅览室", 40),)), token=w.zs_admin)
    client.call("registry", "set_venue_status", w.hall["id"], "suspended", "消防整改", token=w.zs_admin)
    wait_for(lambda: published(platform.registry_url, new["id"]) and published(platform.registry_url, w.hall["id"]),
             what="registry's relay to publish")
    # The durable queue holds the two events for the events service that is not running.
    assert queue_depth(amqp, QUEUE) == 2

    # 3. Events starts again on its database: the queues deliver, the copy catches up.
    container_factory(Events, config_for("events", amqp, platform.events_url)).start()
    wait_for(lambda: events("get_venue_copy", new["id"]), what="the venue registered while events was down")
    wait_for(lambda: events("get_venue_copy", w.hall["id"])["status"] == "suspended", what="the suspension")
    wait_for(lambda: queue_depth(amqp, QUEUE) == 0,
             what="the queues to drain")
    inbox = events_md.tables["inbox"]
    ids = {e["id"] for e in registry_log(client) if (e["type"], e["subject"]) in {
        ("venue_registered", new["id"]), ("venue_status_changed", w.hall["id"])}}
    assert len(ids) == 2
    # Delivered by the live queues too (the catch-up writes no inbox rows).
    wait_for(lambda: ids <= {r.event_id for r in query(platform.events_url, select(inbox.c.event_id))},
             what="the queued events to be handled")

    booked = events("schedule_activity", activity(w, new["id"], new["spaces"][0]["id"]), tok=w.zs_admin)
    assert booked["status"] == "draft"
    with pytest.raises(RemoteError) as err:
        events("schedule_activity", activity(w, w.hall["id"], w.rehearsal), tok=w.zs_admin)
    assert err.value.exc_type == "InvalidState"
    flags = wait_for(lambda: events("get_activity", act["id"])["flags"], what="the activity to be flagged")
    assert len(flags) == 1 and "消防整改" in flags[0]["reason"]


def test_events_rebuilds_its_copy_from_registrys_log_and_the_rebuild_is_idempotent(
        world, platform, client, container_factory, rabbit_config, migrated_database):
    w = world
    amqp = rabbit_config["AMQP_URI"]
    events = lambda m, *a, tok=None: client.call("events", m, *a, token=tok)  # noqa: E731
    xg = client.call("registry", "register_venue", venue_input("西岗区工人文化馆", w.xigang, district="西岗区",
                                                                spaces=(("小剧场", 300), ("舞蹈室", 30))),
                     token=w.xg_admin)
    client.call("registry", "update_venue", xg["id"], {"name": "西岗区职工文化馆"}, token=w.xg_admin)
    act = events("schedule_activity", activity(w, w.hall["id"], w.theatre), tok=w.zs_admin)
    client.call("registry", "set_venue_status", w.hall["id"], "suspended", "消防整改", token=w.zs_admin)
    wait_for(lambda: events("get_venue_copy", xg["id"])["version"] == 2, what="the update")
    wait_for(lambda: events("get_activity", act["id"], tok=w.zs_admin)["flags"], what="the flag")
    before = copy_snapshot(platform.events_url)
    log = registry_log(client)
    assert {v[0] for v in before["venues"]} == {w.hall["id"], xg["id"]}

    # The rebuild RPC: federation only; re-reads the whole log; twice gives the same copy.
    with pytest.raises(RemoteError) as err:
        events("rebuild_registry_copy", tok=w.zs_admin)
    assert err.value.exc_type == "Forbidden"
    first = events("rebuild_registry_copy", tok=w.fed)
    second = events("rebuild_registry_copy", tok=w.fed)
    assert first == second == {"applied": len(log)}
    assert copy_snapshot(platform.events_url) == before
    # Re-reading the suspension did not flag the activity again.
    assert len(events("get_activity", act["id"], tok=w.zs_admin)["flags"]) == 1
    assert [e["type"] for e in events("events_since", 0, 100)["items"]].count("activity_flagged") == 1

    # Events restarted on an EMPTY database: the eager catch-up rebuilds the copy from the log.
    platform.events.stop()
    fresh = migrated_database("events")
    container_factory(Events, config_for("events", amqp, fresh)).start()
    wait_for(lambda: copy_snapshot(fresh) == before, what="the copy rebuilt from registry's log")
    assert events("get_venue_copy", xg["id"])["name"] == "西岗区职工文化馆"
    assert events("get_venue_copy", w.hall["id"])["status"] == "suspended"
    org_ids = {e["subject"] for e in log if e["type"] == "org_registered"}
    assert {o[0] for o in copy_snapshot(fresh)["orgs"]} == org_ids
    assert len(org_ids) == 4
    # The fresh copy books: the grassroots union's district schedules in the Xigang hall.
    booked = events("schedule_activity", {**activity(w, xg["id"], xg["spaces"][1]["id"]), "org_id": w.xigang},
                    tok=w.xg_admin)
    assert booked["status"] == "draft"


def test_an_event_the_live_stream_lost_is_filled_in_by_the_catch_up(world, platform, client, rabbit_config):
    """The catch-up fills a gap even when later events did arrive live (a lost queue, a lost binding)."""
    w = world
    amqp = rabbit_config["AMQP_URI"]
    queue = QUEUE
    exchange = event_exchange("registry").name
    with Connection(amqp) as conn:  # the binding is lost for a moment: a venue_registered goes nowhere
        conn.default_channel.queue_unbind(queue=queue, exchange=exchange, routing_key="venue_registered")
    lost = client.call("registry", "register_venue", venue_input("工人文化宫", w.zhongshan, type_="palace"),
                       token=w.zs_admin)
    wait_for(lambda: published(platform.registry_url, lost["id"]), what="registry's relay to publish")
    with Connection(amqp) as conn:
        conn.default_channel.queue_bind(queue=queue, exchange=exchange, routing_key="venue_registered")
    # A later event does arrive live.
    client.call("registry", "set_venue_status", w.hall["id"], "suspended", "维修", token=w.zs_admin)
    wait_for(lambda: client.call("events", "get_venue_copy", w.hall["id"])["status"] == "suspended",
             what="the live suspension")
    with pytest.raises(RemoteError) as err:
        client.call("events", "get_venue_copy", lost["id"])
    assert err.value.exc_type == "NotFound"  # the live stream never brought it

    get_extension(platform.events, Follower).catch_up()  # what the follower's 30 s timer does
    assert client.call("events", "get_venue_copy", lost["id"])["bookable"]


def test_an_older_venue_snapshot_is_ignored_and_a_poison_one_is_dead_lettered(
        world, platform, client, rabbit_config):
    w = world
    amqp = rabbit_config["AMQP_URI"]
    inbox = events_md.tables["inbox"]
    hall = w.hall["id"]
    act = client.call("events", "schedule_activity", activity(w, hall, w.theatre), token=w.zs_admin)
    client.call("registry", "update_venue", hall, {"name": "中山区职工文化馆"}, token=w.zs_admin)
    wait_for(lambda: client.call("events", "get_venue_copy", hall)["version"] == 2, what="the update")
    update = next(e for e in registry_log(client) if e["type"] == "venue_updated" and e["subject"] == hall)

    def send(envelope, routing_key):
        with Connection(amqp) as conn:
            conn.Producer().publish(envelope, exchange=event_exchange("registry"), routing_key=routing_key,
                                    serializer="json")

    def handled(event_id, handler):
        return query(platform.events_url, select(inbox.c.event_id).where(
            inbox.c.event_id == event_id, inbox.c.handler == handler))

    # A snapshot older than the copy's (a late redelivery, an out-of-order publish): ignored.
    stale = deepcopy_module.deepcopy(update)
    stale.update(id=str(uuid.uuid4()), seq=None)
    stale["data"].update(version=1, name="过时的名称", spaces=[])
    send(stale, "venue_updated")
    # An old status change too: it neither suspends the venue nor flags its activities.
    stale_status = deepcopy_module.deepcopy(stale)
    stale_status.update(id=str(uuid.uuid4()), type="venue_status_changed")
    stale_status["data"] = {"venue_id": hall, "previous_status": "open", "status": "suspended",
                            "reason": "过时的停用", "venue": {**stale["data"], "status": "suspended"}}
    send(stale_status, "venue_status_changed")
    wait_for(lambda: handled(stale["id"], HANDLER), what="the stale update to be handled")
    wait_for(lambda: handled(stale_status["id"], HANDLER), what="the stale status")
    known = client.call("events", "get_venue_copy", hall)
    assert (known["name"], known["version"], known["status"]) == ("中山区职工文化馆", 2, "open")
    assert len(known["spaces"]) == 2
    assert client.call("events", "get_activity", act["id"], token=w.zs_admin)["flags"] == []

    # A poison one (a valid envelope whose data the copy cannot read): retried, then dead-lettered;
    # the copy is untouched and the handler goes on with the next event.
    queue = QUEUE
    poison = deepcopy_module.deepcopy(update)
    poison.update(id=str(uuid.uuid4()), seq=None, data={"id": hall, "name": "毒"})
    send(poison, "venue_updated")
    wait_for(lambda: queue_depth(amqp, f"{queue}.dlq") == 1, timeout=15, what="the poison to be dead-lettered")
    client.call("registry", "update_venue", hall, {"name": "中山区工人文化馆"}, token=w.zs_admin)
    wait_for(lambda: client.call("events", "get_venue_copy", hall)["version"] == 3, what="the next update")
    assert client.call("events", "get_venue_copy", hall)["name"] == "中山区工人文化馆"
    assert queue_depth(amqp, queue) == 0 and queue_depth(amqp, f"{queue}.retry") == 0
    assert not handled(poison["id"], HANDLER)
    assert query(platform.events_url, select(Activity.id)) == [(act["id"],)]


def test_one_status_change_applied_concurrently_flags_an_activity_once(
        world, platform, client, rabbit_config, container_factory):
    """The live stream and a catch-up may apply the same change at the same moment (a restart with
    events queued: the durable queue and the eager catch-up); the activity is flagged once."""
    w = world
    amqp = rabbit_config["AMQP_URI"]
    act = client.call("events", "schedule_activity", activity(w, w.hall["id"], w.theatre), token=w.zs_admin)
    platform.events.stop()
    client.call("registry", "set_venue_status", w.hall["id"], "suspended", "停电检修", token=w.zs_admin)
    wait_for(lambda: published(platform.registry_url, w.hall["id"]), what="registry's relay to publish")
    change = next(e for e in registry_log(client) if e["type"] == "venue_status_changed")
    with Connection(amqp) as conn:  # the same change four more times, as other appliers would bring it
        for _ in range(4):
            conn.Producer().publish(dict(change, id=str(uuid.uuid4())), exchange=event_exchange("registry"),
                                    routing_key="venue_status_changed", serializer="json")
    assert queue_depth(amqp, QUEUE) == 5
    container_factory(Events, config_for("events", amqp, platform.events_url)).start()
    wait_for(lambda: queue_depth(amqp, QUEUE) == 0
             and queue_depth(amqp, QUEUE + ".retry") == 0,
             timeout=15, what="the queue to drain")
    inbox = events_md.tables["inbox"]
    wait_for(lambda: len(query(platform.events_url, select(inbox.c.event_id).where(
        inbox.c.handler == HANDLER, inbox.c.event_type == "venue_status_changed"))) == 5,
        timeout=15, what="all five to be handled")
    flags = client.call("events", "get_activity", act["id"], token=w.zs_admin)["flags"]
    assert len(flags) == 1, flags
    log = client.call("events", "events_since", 0, 100)["items"]
    assert [e["type"] for e in log].count("activity_flagged") == 1
