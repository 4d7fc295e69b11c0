"""The idempotent consumer's batches (``CONSUMER_BATCH`` > 1), on a real broker and both databases:
the deliveries waiting are applied in one transaction; a failing event makes its batch fall back to
one message at a time (the others applied once, the failing one retried then dead-lettered); an id
twice in a batch is applied once; a crash between the commit and the acks applies nothing twice."""
from __future__ import annotations

import socket

import eventlet
import pytest
from kombu import Connection
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert, select
from sqlalchemy.pool import NullPool

from services.common import config as cfg
from services.common.consumer import IdempotentEventHandler, event_handler
from services.common.db import Database, make_engine
from services.common.envelope import new_envelope
from services.common.metrics import DEAD_LETTERED, EVENTS_HANDLED
from services.common.outbox import event_exchange
from services.common.tables import add_kit_tables
from tests.support.waiting import queue_depth as depth, wait_for

md = MetaData()
applied = Table("applied", md, Column("n", Integer, primary_key=True, autoincrement=True),
                Column("event_id", String(36)), Column("name", String(100)))
add_kit_tables(md)

QUEUE = "evt-kitprod-thing_made--kitbatch.on_thing_made"
HANDLER = "kitbatch.on_thing_made"


class Batcher:
    name = "kitbatch"
    db = Database(md)

    @event_handler("kitprod", "thing_made")
    def on_thing_made(self, envelope):
        self.db.execute(insert(applied).values(event_id=envelope["id"], name=envelope["data"]["name"]))
        if envelope["data"]["name"].startswith("poison"):
            raise RuntimeError("this handler cannot apply a poison thing")


@pytest.fixture
def url(empty_database):
    url = empty_database("kitbatch")
    engine = make_engine(url)
    md.create_all(engine)
    engine.dispose()
    return url


@pytest.fixture
def batches(monkeypatch):
    """The size and outcome of every batch applied together."""
    seen = []
    original = IdempotentEventHandler._apply_together

    def spy(self, todo):
        outcome = original(self, todo)
        seen.append((len(todo), outcome))
        return outcome
    monkeypatch.setattr(IdempotentEventHandler, "_apply_together", spy)
    return seen


@pytest.fixture
def start(container_factory, rabbit_config, url):
    def start_():
        config = cfg.service_config("kitbatch", env={})
        config.update(AMQP_URI=rabbit_config["AMQP_URI"], DATABASE_URL=url, METRICS_PORT=0,
                      CONSUMER_MAX_TRIES=3, CONSUMER_RETRY_DELAY_MS=50, CONSUMER_BATCH=100)
        container = container_factory(Batcher, config)
        container.start()
        return container
    return start_


def backlog(start, amqp_uri, envelopes):
    """``envelopes`` waiting in the queue before the consumer starts: they arrive together."""
    start().stop()  # declares the queue and its bindings
    with Connection(amqp_uri) as conn:
        producer = conn.Producer()
        for envelope in envelopes:
            producer.publish(envelope, exchange=event_exchange("kitprod"), routing_key="thing_made",
                             serializer="json", delivery_mode=2)
    return start()


def things(names):
    return [new_envelope("kitprod", "thing_made", f"t{i}", {"id": f"t{i}", "name": name})
            for i, name in enumerate(names)]


def rows(url, table):
    engine = create_engine(url, poolclass=NullPool)  # plain reads: see test_outbox_and_consumer.reader
    with engine.connect() as conn:
        result = [dict(r) for r in conn.execute(select(table)).mappings()]
    engine.dispose()
    return result


def count(outcome):
    return EVENTS_HANDLED.labels("kitbatch", HANDLER, outcome)._value.get()


def test_waiting_deliveries_are_applied_together_and_an_id_twice_once(start, rabbit_config, url, batches):
    envelopes = things([f"展{i}" for i in range(40)])
    before = {o: count(o) for o in ("applied", "duplicate", "failed")}
    backlog(start, rabbit_config["AMQP_URI"], envelopes[:20] + [envelopes[3]] + envelopes[20:] + [envelopes[30]])
    wait_for(lambda: len(rows(url, md.tables["inbox"])) == 40, what="40 events applied")
    wait_for(lambda: depth(rabbit_config["AMQP_URI"], QUEUE) == 0, what="everything acked")
    eventlet.sleep(0.3)
    assert sorted(r["event_id"] for r in rows(url, applied)) == sorted(e["id"] for e in envelopes)
    assert sum(size for size, _ in batches) == 40 and all(o == "applied" for _, o in batches)
    assert max(size for size, _ in batches) > 1  # batches, not one worker per message
    assert count("applied") - before["applied"] == 40
    assert count("duplicate") - before["duplicate"] == 2
    assert count("failed") == before["failed"]


def test_a_failing_event_falls_back_to_one_by_one_and_is_dead_lettered(start, rabbit_config, url, batches):
    envelopes = things([f"展{i}" for i in range(10)] + ["poison pill"] + [f"展{i}" for i in range(10, 20)])
    poison = envelopes[10]["id"]
    before = {o: count(o) for o in ("applied", "duplicate", "failed")}
    dead = DEAD_LETTERED.labels("kitbatch", f"{QUEUE}.dlq")._value.get()
    backlog(start, rabbit_config["AMQP_URI"], envelopes)
    wait_for(lambda: DEAD_LETTERED.labels("kitbatch", f"{QUEUE}.dlq")._value.get() - dead == 1,
             what="the poison dead-lettered")
    assert depth(rabbit_config["AMQP_URI"], f"{QUEUE}.dlq") == 1
    # every good event applied once; the poison's writes rolled back at each of its 3 tries
    got = [r["event_id"] for r in rows(url, applied)]
    assert sorted(got) == sorted(e["id"] for e in envelopes if e["id"] != poison)
    assert {r["event_id"] for r in rows(url, md.tables["inbox"])} == set(got)
    assert any(o == "failed" for _, o in batches)  # the batch with the poison was rolled back
    assert count("applied") - before["applied"] == 20
    assert count("failed") - before["failed"] == 3  # as with CONSUMER_BATCH=1: one per try
    assert count("duplicate") == before["duplicate"]
    with Connection(rabbit_config["AMQP_URI"]) as conn:
        message = conn.SimpleQueue(f"{QUEUE}.dlq").get(timeout=2)
        assert message.headers["x-culture-tries"] == 3 and "RuntimeError" in message.headers["x-culture-error"]
    assert depth(rabbit_config["AMQP_URI"], QUEUE) == 0
    assert depth(rabbit_config["AMQP_URI"], f"{QUEUE}.retry") == 0


def test_a_crash_between_commit_and_ack_redelivers_and_applies_nothing_twice(
        start, rabbit_config, url, batches, monkeypatch):
    envelopes = things([f"展{i}" for i in range(30)])
    before = count("duplicate")
    killed = []
    from services.common.queue_consumer import QueueConsumer
    original = QueueConsumer.ack_message

    def ack_or_crash(self, message):
        if message.delivery_info.get("redelivered"):
            return original(self, message)
        if not killed:  # the batch is committed: the consumer's connection dies before any ack
            killed.append(message.delivery_tag)
            message.channel.connection.transport.sock.shutdown(socket.SHUT_RDWR)
    monkeypatch.setattr(QueueConsumer, "ack_message", ack_or_crash)
    backlog(start, rabbit_config["AMQP_URI"], envelopes)
    wait_for(lambda: killed, what="the crash")
    wait_for(lambda: count("duplicate") - before == 30, timeout=30, what="the redelivery settled as duplicates")
    wait_for(lambda: depth(rabbit_config["AMQP_URI"], QUEUE) == 0, what="everything acked")
    assert sorted(r["event_id"] for r in rows(url, applied)) == sorted(e["id"] for e in envelopes)
    assert len(rows(url, md.tables["inbox"])) == 30
