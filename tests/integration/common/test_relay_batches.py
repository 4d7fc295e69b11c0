"""The relay's batches (``services/common/relay.py``): a batch published with its publisher confirms
waited for once, then stamped in one UPDATE; in order, exactly once under normal running; a nack or
a connection lost mid-batch leaves the unconfirmed rows pending and they are sent again (duplicates
allowed, losses not). The kit's own producer (``test_outbox_and_consumer``), a real RabbitMQ, both
databases."""
from __future__ import annotations

import json
import socket

import eventlet
import pytest
from kombu import Connection, Queue
from sqlalchemy.orm import Session

from services.common import relay as relay_module
from services.common.db import make_engine
from services.common.outbox import OutboxRelay, event_exchange
from services.common.relay import _Publisher
from tests.integration.common.test_outbox_and_consumer import (
    OUTBOX, Producer, config_for, producer_md, rows, wait_for)

BATCH = OutboxRelay.batch_size


@pytest.fixture
def service_name():
    return "kit"


@pytest.fixture
def urls(empty_database):
    url = empty_database("kitprod")
    engine = make_engine(url)
    producer_md.create_all(engine)
    engine.dispose()
    return {"producer": url}


def emit(url, count, start=0):
    """``count`` committed thing_made events (relay off or not yet started); their ids in order."""
    engine = make_engine(url)
    try:
        with Session(engine) as session, session.begin():
            envelopes = OUTBOX.emit_many(session, [("thing_made", f"t{i}", {"id": f"t{i}", "name": f"n{i}"})
                                                   for i in range(start, start + count)])
    finally:
        engine.dispose()
    return [e["id"] for e in envelopes]


def tap(amqp_uri, name, **arguments):
    """A durable queue bound to every event of the producer's exchange (declared before the relay runs)."""
    queue = Queue(name, exchange=event_exchange("kitprod"), routing_key="#", durable=True,
                  queue_arguments=arguments or None)
    with Connection(amqp_uri) as conn:
        queue(conn.default_channel).declare()
    return queue


def drain(amqp_uri, queue, expect, timeout=20.0):
    """Every message of ``queue`` (from ``tap``) until ``expect`` distinct ids came (and the queue is empty):
    ``[(seq, id), ...]`` in arrival order, duplicates included."""
    got, ids = [], set()
    with Connection(amqp_uri) as conn:
        simple = conn.SimpleQueue(queue)
        deadline = eventlet.Timeout(timeout, False)
        with deadline:
            while True:
                try:
                    message = simple.get(timeout=0.5)
                except simple.Empty:
                    if len(ids) >= expect:
                        break
                    continue
                body = json.loads(message.body)
                assert message.content_type == "application/cloudevents+json"
                assert message.properties["message_id"] == body["id"]
                assert message.headers["culture.seq"] == body["seq"]
                got.append((body["seq"], body["id"]))
                ids.add(body["id"])
                message.ack()
        simple.close()
    return got


def first_arrivals(got):
    seen, out = set(), []
    for seq, eid in got:
        if eid not in seen:
            seen.add(eid)
            out.append((seq, eid))
    return out


def test_a_backlog_of_several_batches_leaves_in_order_exactly_once(container_factory, rabbit_config, urls):
    amqp = rabbit_config["AMQP_URI"]
    queue = tap(amqp, "tap-all")
    ids = emit(urls["producer"], 2 * BATCH + 57)
    container_factory(Producer, config_for(rabbit_config, urls["producer"])).start()
    got = drain(amqp, queue, len(ids))
    assert [eid for _, eid in got] == ids  # every event once, in seq order
    assert [seq for seq, _ in got] == sorted(seq for seq, _ in got)
    wait_for(lambda: all(r["sent_at"] for r in rows(urls["producer"], OUTBOX.table)), what="every row stamped")


def test_a_nacked_event_stays_pending_and_is_sent_again_in_order(container_factory, rabbit_config, urls):
    # A queue that refuses publishes once it holds 150 messages: the broker nacks the rest of the
    # first batch. The relay stamps the confirmed 150 only, and sends the others again once the
    # queue has room: in order, none lost, none twice (a nacked message was not enqueued).
    amqp = rabbit_config["AMQP_URI"]
    queue = tap(amqp, "tap-small", **{"x-max-length": 150, "x-overflow": "reject-publish"})
    ids = emit(urls["producer"], BATCH + 100)
    container_factory(Producer, config_for(rabbit_config, urls["producer"])).start()
    wait_for(lambda: sum(1 for r in rows(urls["producer"], OUTBOX.table) if r["sent_at"]) >= 150,
             what="the confirmed prefix stamped")
    eventlet.sleep(0.5)  # the relay retries meanwhile and is nacked again
    stamped = sorted(r["seq"] for r in rows(urls["producer"], OUTBOX.table) if r["sent_at"])
    assert stamped == sorted(r["seq"] for r in rows(urls["producer"], OUTBOX.table))[:150]
    got = drain(amqp, queue, len(ids), timeout=30)
    assert [eid for _, eid in got] == ids
    wait_for(lambda: all(r["sent_at"] for r in rows(urls["producer"], OUTBOX.table)), what="every row stamped")


def test_a_connection_lost_mid_batch_loses_nothing(container_factory, rabbit_config, urls, monkeypatch):
    # The relay's socket is shut down after the 120th publish of a batch, the first time only:
    # the batch's confirms never all come; the rows not confirmed stay pending, the relay
    # reconnects and sends them again. Duplicates are allowed, losses and reordering are not.
    amqp = rabbit_config["AMQP_URI"]
    queue = tap(amqp, "tap-drop")
    ids = emit(urls["producer"], 2 * BATCH + 30)
    publish_batch, dropped = _Publisher.publish_batch, []

    def dropping(self, batch):
        if not dropped:
            dropped.append(True)
            real = self.channel.basic_publish
            count = [0]

            def basic_publish(*args, **kwargs):
                count[0] += 1
                if count[0] == 120:
                    self.connection.connection.sock.shutdown(socket.SHUT_RDWR)
                return real(*args, **kwargs)

            self.channel.basic_publish = basic_publish
        return publish_batch(self, batch)

    monkeypatch.setattr(_Publisher, "publish_batch", dropping)
    container_factory(Producer, config_for(rabbit_config, urls["producer"])).start()
    got = drain(amqp, queue, len(ids), timeout=30)
    assert dropped
    assert {eid for _, eid in got} == set(ids)  # nothing lost
    assert [eid for _, eid in first_arrivals(got)] == ids  # first arrivals in seq order
    wait_for(lambda: all(r["sent_at"] for r in rows(urls["producer"], OUTBOX.table)), what="every row stamped")


def test_unconfirmed_rows_are_not_stamped(container_factory, rabbit_config, urls, monkeypatch):
    # relay_once itself: a publisher that confirms only the first 30 of a batch and then fails.
    class HalfPublisher:
        def publish_batch(self, batch):
            return 30, ConnectionError("lost")

    ids = emit(urls["producer"], 80)
    container = container_factory(Producer, config_for(rabbit_config, urls["producer"], OUTBOX_RELAY="off"))
    container.start()
    relay = next(d for d in container.dependencies if isinstance(d, relay_module.OutboxRelay))
    with pytest.raises(ConnectionError):
        relay.relay_once(HalfPublisher())
    by_seq = sorted(rows(urls["producer"], OUTBOX.table), key=lambda r: r["seq"])
    assert [r["id"] for r in by_seq] == ids
    assert [bool(r["sent_at"]) for r in by_seq] == [True] * 30 + [False] * 50
