"""The kit's follower, on a real broker and both databases, with two small services of its own: a
source (``kitsrc``: things made and renamed, through the kit's outbox, with ``events_since``) and a
copy (``kitcopy``: a ``Follower`` of kitsrc's ``thing_made`` and ``thing_renamed``, its live handler
and RPCs to drive it). Every call of the copy's ``apply`` is recorded in ``applications``."""
from __future__ import annotations

import logging
import uuid

import eventlet
import pytest
from kombu import Connection
from marshmallow import Schema, fields
from nameko.exceptions import RemoteError
from nameko.testing.services import get_extension
from prometheus_client import REGISTRY
from sqlalchemy import Column, Integer, MetaData, String, Table, delete, insert, select, text, update

from services.common.base import ServiceBase
from services.common.bulk import upsert_rows
from services.common.db import Database, make_engine
from services.common.entrypoints import rpc
from services.common.follower import Follower, FollowHandler
from services.common.locks import advisory_lock_key
from services.common.metrics import DEAD_LETTERED, MetricsServer
from services.common.outbox import Outbox, OutboxRelay, event_exchange
from services.common.tables import add_kit_tables

from .test_outbox_and_consumer import config_for, queue_depth, reader, rows, wait_for

source_md = MetaData()
things = Table("things", source_md, Column("id", String(36), primary_key=True), Column("name", String(100)),
               Column("version", Integer))
add_kit_tables(source_md)

copy_md = MetaData()
thing_copy = Table("thing_copy", copy_md, Column("id", String(36), primary_key=True), Column("name", String(100)),
                   Column("version", Integer))
applications = Table("applications", copy_md, Column("n", Integer, primary_key=True, autoincrement=True),
                     Column("event_id", String(36)), Column("type", String(64)))
add_kit_tables(copy_md)


class ThingOut(Schema):
    id = fields.String()
    name = fields.String()
    version = fields.Integer()


SOURCE_OUTBOX = Outbox("kitsrc", source_md, {"thing_made": ThingOut(), "thing_renamed": ThingOut(),
                                             "thing_noted": ThingOut()})
FOLLOWED = ("thing_made", "thing_renamed")
LIVE_QUEUE = "evt-kitsrc-follow--kitcopy.on_kitsrc_event"
KEY = advisory_lock_key("kitcopy", "follower:kitsrc")  # the catch-up's lock


class Source(ServiceBase):
    name = "kitsrc"
    session = Database(source_md)
    metrics = MetricsServer()
    relay = OutboxRelay(SOURCE_OUTBOX)
    outbox = SOURCE_OUTBOX

    @rpc(write=True)
    def make_thing(self, name):
        thing = {"id": str(uuid.uuid4()), "name": name, "version": 1}
        self.session.execute(insert(things).values(**thing))
        SOURCE_OUTBOX.emit(self.session, "thing_made", thing["id"], thing)
        return thing

    @rpc(write=True)
    def rename_thing(self, id, name):
        thing = self.session.execute(select(things).where(things.c.id == id)).mappings().one()
        thing = dict(thing, name=name, version=thing["version"] + 1)
        self.session.execute(update(things).where(things.c.id == id).values(name=name, version=thing["version"]))
        SOURCE_OUTBOX.emit(self.session, "thing_renamed", id, thing)
        return thing

    @rpc(write=True)
    def note_thing(self, id):
        """An event type the copy does not follow."""
        thing = self.session.execute(select(things).where(things.c.id == id)).mappings().one()
        SOURCE_OUTBOX.emit(self.session, "thing_noted", id, dict(thing))
        return dict(thing)


def apply_thing(session, envelope):
    """The copy's apply: idempotent (a snapshot not newer than the copy's is ignored)."""
    data = envelope["data"]
    if data["name"].startswith("poison"):
        raise RuntimeError("this copy cannot apply a poison thing")
    session.execute(insert(applications).values(event_id=envelope["id"], type=envelope["type"]))
    # The kit's upsert, as the services' copies write: idempotent even when the live handler and a
    # catch-up apply one event at once (a SELECT ... FOR UPDATE finds no row to lock for a new thing).
    upsert_rows(session, thing_copy, [{"id": data["id"], "name": data["name"], "version": data["version"]}],
                key="id", newer="version")


class Copy:
    name = "kitcopy"
    session = Database(copy_md)
    metrics = MetricsServer()
    kitsrc_copy = Follower("kitsrc", apply_thing, FOLLOWED, page_size=2, interval=3600, timeout=2)

    @kitsrc_copy.live
    def on_kitsrc_event(self, envelope):
        self.kitsrc_copy.apply(envelope)

    @rpc
    def ping(self):
        return "pong"

    @rpc
    def position(self):
        return self.kitsrc_copy.position()

    @rpc
    def catch_up(self):
        return self.kitsrc_copy.catch_up()

    @rpc(write=True)
    def rebuild(self):
        return self.kitsrc_copy.rebuild()


class TickingCopy(Copy):
    """The same copy with a catch-up every half second and a short RPC timeout."""
    kitsrc_copy = Follower("kitsrc", apply_thing, FOLLOWED, page_size=2, interval=0.5, timeout=1)


@pytest.fixture
def service_name():
    return "kit"


@pytest.fixture
def urls(empty_database):
    urls = {"source": empty_database("kitsrc"), "copy": empty_database("kitcopy")}
    for url, md in ((urls["source"], source_md), (urls["copy"], copy_md)):
        engine = make_engine(url)
        md.create_all(engine)
        engine.dispose()
    return urls


@pytest.fixture
def start(container_factory, rabbit_config, urls):
    """``start(Source)``, ``start(Copy)``, ``start(Source, OUTBOX_RELAY="off")``: a started container."""

    def run(cls, settle=True, **extra):
        url = urls["source"] if cls is Source else urls["copy"]
        container = container_factory(cls, config_for(rabbit_config, url, **extra))
        container.start()
        if cls is not Source and settle:
            # The start's own catch-up runs in the background: let it finish before the test
            # makes events, so that they reach the copy live (a tick returns None while one runs).
            follower = get_extension(container, Follower)
            wait_for(lambda: follower.tick() is not None, what="the start's catch-up")
        return container

    return run


def copied(url):
    return sorted((r["id"], r["name"], r["version"]) for r in rows(url, thing_copy))


def source_things(url):
    return sorted((r["id"], r["name"], r["version"]) for r in rows(url, things))


def last_seq(url):
    return max(r["seq"] for r in rows(url, SOURCE_OUTBOX.table))


def applied_types(url):
    return [r["type"] for r in rows(url, applications)]


def test_live_events_reach_the_copy_once_and_do_not_move_the_position(start, client, urls, rabbit_config):
    start(Source)
    start(Copy)
    one = client.call("kitsrc", "make_thing", "一")
    client.call("kitsrc", "rename_thing", one["id"], "一改")
    client.call("kitsrc", "make_thing", "二")
    client.call("kitsrc", "note_thing", one["id"])  # not followed: no binding, never applied
    wait_for(lambda: copied(urls["copy"]) == source_things(urls["source"]), what="the live copy")
    # A duplicate delivery (a relay that crashed before stamping sent_at) is skipped by the inbox.
    first = rows(urls["source"], SOURCE_OUTBOX.table)[0]
    with Connection(rabbit_config["AMQP_URI"]) as conn:
        conn.Producer().publish(dict(first["envelope"], seq=first["seq"]), exchange=event_exchange("kitsrc"),
                                routing_key="thing_made", serializer="json")
    eventlet.sleep(0.8)
    assert sorted(applied_types(urls["copy"])) == ["thing_made", "thing_made", "thing_renamed"]
    inbox = rows(urls["copy"], copy_md.tables["inbox"])
    assert len(inbox) == 3 and {r["handler"] for r in inbox} == {"kitcopy.on_kitsrc_event"}
    assert client.call("kitcopy", "position") == 0  # the live stream never moves it
    # One queue for both types, with the kit's .retry and .dlq beside it.
    for name in (LIVE_QUEUE, f"{LIVE_QUEUE}.retry", f"{LIVE_QUEUE}.dlq"):
        assert queue_depth(rabbit_config["AMQP_URI"], name) == 0


def test_a_follower_that_missed_events_catches_up_from_events_since_when_it_starts(
        start, client, urls, rabbit_config):
    start(Source)
    made = [client.call("kitsrc", "make_thing", name) for name in ("甲", "乙", "丙", "丁", "戊")]
    client.call("kitsrc", "rename_thing", made[0]["id"], "甲二")
    client.call("kitsrc", "note_thing", made[1]["id"])
    wait_for(lambda: all(r["sent_at"] for r in rows(urls["source"], SOURCE_OUTBOX.table)), what="the relay")

    # The copy never ran: no queue held these events; only the catch-up (pages of 2) can fill it.
    copy = start(Copy, settle=False)
    wait_for(lambda: client.call("kitcopy", "position") == last_seq(urls["source"]), what="the catch-up")
    assert copied(urls["copy"]) == source_things(urls["source"])
    assert sorted(applied_types(urls["copy"])) == ["thing_made"] * 5 + ["thing_renamed"]
    assert rows(urls["copy"], copy_md.tables["inbox"]) == []  # the catch-up is not the inbox's business
    assert REGISTRY.get_sample_value("culture_follower_position",
                                     {"service": "kitcopy", "source": "kitsrc"}) == last_seq(urls["source"])

    # Down again, and its queue lost meanwhile: it goes on from its position, not from the start.
    copy.stop()
    with Connection(rabbit_config["AMQP_URI"]) as conn:
        conn.default_channel.queue_delete(LIVE_QUEUE)
    client.call("kitsrc", "rename_thing", made[2]["id"], "丙二")
    client.call("kitsrc", "make_thing", "己")
    wait_for(lambda: all(r["sent_at"] for r in rows(urls["source"], SOURCE_OUTBOX.table)), what="the relay")
    start(Copy, settle=False)
    wait_for(lambda: client.call("kitcopy", "position") == last_seq(urls["source"]), what="the second catch-up")
    assert copied(urls["copy"]) == source_things(urls["source"])
    assert len(applied_types(urls["copy"])) == 6 + 2


def test_a_rebuild_from_an_empty_copy_reaches_the_live_copy(start, client, urls):
    start(Source)
    start(Copy)
    made = [client.call("kitsrc", "make_thing", name) for name in ("书法", "摄影", "合唱")]
    for thing in made[:2]:
        client.call("kitsrc", "rename_thing", thing["id"], thing["name"] + "展")
        client.call("kitsrc", "rename_thing", thing["id"], thing["name"] + "大展")
    client.call("kitsrc", "note_thing", made[2]["id"])
    wait_for(lambda: copied(urls["copy"]) == source_things(urls["source"]), what="the live copy")
    live_copy = copied(urls["copy"])

    # from 0, but every event was applied live (its id in the live handler's inbox): none again
    assert client.call("kitcopy", "catch_up") == 0
    assert client.call("kitcopy", "position") == last_seq(urls["source"])
    assert copied(urls["copy"]) == live_copy

    engine = reader(urls["copy"])
    with engine.begin() as conn:
        conn.execute(delete(thing_copy))
    engine.dispose()
    assert client.call("kitcopy", "rebuild") == 7  # position back to 0, the whole log again
    assert copied(urls["copy"]) == live_copy
    assert client.call("kitcopy", "position") == last_seq(urls["source"])


def test_a_source_that_is_down_at_a_tick_leaves_the_follower_running(start, client, urls, caplog):
    caplog.set_level(logging.WARNING, logger="services.common.follower")
    start(TickingCopy, settle=False)  # the source never ran: its RPC queue does not even exist
    wait_for(lambda: "UnknownService" in caplog.text, what="a warning about the unknown source")
    assert client.call("kitcopy", "ping") == "pong"

    source = start(Source, OUTBOX_RELAY="off")  # nothing goes out live: only the catch-up can copy
    client.call("kitsrc", "make_thing", "上")
    client.call("kitsrc", "make_thing", "下")
    wait_for(lambda: len(copied(urls["copy"])) == 2, what="the next tick's catch-up")

    source.stop()  # its queue stays; nobody answers
    caplog.clear()
    wait_for(lambda: "RpcTimeout" in caplog.text, timeout=10, what="a warning about the timeout")
    assert all(r.levelno == logging.WARNING for r in caplog.records if r.name == "services.common.follower")
    assert client.call("kitcopy", "ping") == "pong"

    start(Source, OUTBOX_RELAY="off")
    client.call("kitsrc", "make_thing", "中")
    wait_for(lambda: copied(urls["copy"]) == source_things(urls["source"]), what="the catch-up after the outage")
    assert client.call("kitcopy", "position") == last_seq(urls["source"])


def test_a_failing_apply_is_retried_then_dead_lettered_live_and_rolls_its_page_back_in_a_catch_up(
        start, client, urls, rabbit_config, caplog):
    start(Source)
    copy = start(Copy)
    before = DEAD_LETTERED.labels("kitcopy", f"{LIVE_QUEUE}.dlq")._value.get()
    client.call("kitsrc", "make_thing", "poison pill")
    client.call("kitsrc", "make_thing", "良品")
    wait_for(lambda: queue_depth(rabbit_config["AMQP_URI"], f"{LIVE_QUEUE}.dlq") == 1, timeout=15,
             what="the dead letter")
    wait_for(lambda: [c[1] for c in copied(urls["copy"])] == ["良品"], what="the good event")
    wait_for(lambda: DEAD_LETTERED.labels("kitcopy", f"{LIVE_QUEUE}.dlq")._value.get() - before == 1,
             what="the dead letter counted")  # counted just after the move
    assert client.call("kitcopy", "ping") == "pong"

    # The catch-up meets the same event: its page is rolled back and the position stays.
    with pytest.raises(RemoteError) as err:
        client.call("kitcopy", "catch_up")
    assert err.value.exc_type == "InternalError"
    caplog.set_level(logging.ERROR, logger="services.common.follower")
    assert get_extension(copy, Follower).tick() is None  # a tick logs it and goes on
    assert "catching up with kitsrc failed" in caplog.text
    assert client.call("kitcopy", "position") == 0
    assert applied_types(urls["copy"]) == ["thing_made"]


def test_one_replica_catches_up_at_a_time_on_postgresql(start, client, urls, backend):
    if backend != "postgres":
        pytest.skip("advisory locks are PostgreSQL's; several replicas on SQLite are not supported")
    start(Source, OUTBOX_RELAY="off")  # nothing live: only catch-ups copy
    follower = get_extension(start(Copy), Follower)
    client.call("kitsrc", "make_thing", "锁")
    engine = reader(urls["copy"])
    with engine.connect() as other_replica:
        other_replica.execute(text("SELECT pg_advisory_lock(:k)"), {"k": KEY})
        assert follower.tick() == 0  # another replica is at it: this one leaves the work to it
        assert copied(urls["copy"]) == [] and follower.position() == 0
        other_replica.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": KEY})
    engine.dispose()
    assert follower.tick() == 1
    assert copied(urls["copy"]) == source_things(urls["source"])


def test_the_live_handler_is_one_queue_bound_to_every_followed_type():
    entrypoint = next(iter(Copy.on_kitsrc_event.nameko_entrypoints))
    assert isinstance(entrypoint, FollowHandler)
    assert (entrypoint.source_service, entrypoint.event_types) == ("kitsrc", FOLLOWED)
