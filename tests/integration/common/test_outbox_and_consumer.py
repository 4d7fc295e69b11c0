"""The kit's delivery guarantees, on a real broker and both databases, with two small services of
its own: a producer that writes a row and emits ``thing_made`` through the outbox, and a consumer
whose idempotent handler records what it applied."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid

import eventlet
import pytest
from kombu import Connection
from marshmallow import Schema, fields
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, func, insert, select, update
from sqlalchemy.pool import NullPool

from services.common import config as cfg
from services.common.consumer import event_handler
from services.common.db import Database, make_engine
from services.common.entrypoints import rpc
from services.common.errors import Conflict
from services.common.metrics import DEAD_LETTERED, EVENTS_HANDLED, MetricsServer
from services.common.outbox import Outbox, OutboxRelay, event_exchange
from services.common.tables import add_kit_tables
from tests.support.waiting import queue_depth, wait_for

producer_md = MetaData()
things = Table("things", producer_md, Column("id", String(36), primary_key=True), Column("name", String(100)))
add_kit_tables(producer_md)

consumer_md = MetaData()
applied = Table("applied", consumer_md, Column("n", Integer, primary_key=True, autoincrement=True),
                Column("event_id", String(36)), Column("name", String(100)))
add_kit_tables(consumer_md)


class ThingMade(Schema):
    id = fields.String()
    name = fields.String()


OUTBOX = Outbox("kitprod", producer_md, {"thing_made": ThingMade()})


class Producer:
    name = "kitprod"
    db = Database(producer_md)
    metrics = MetricsServer()
    relay = OutboxRelay(OUTBOX)

    @rpc(write=True)
    def make_thing(self, name, fail=False):
        thing = {"id": str(uuid.uuid4()), "name": name}
        self.db.execute(insert(things).values(**thing))
        OUTBOX.emit(self.db, "thing_made", thing["id"], thing)
        if fail:
            raise Conflict("refused after the event was written")
        return thing


class Consumer:
    name = "kitcons"
    db = Database(consumer_md)
    metrics = MetricsServer()

    @rpc
    def ping(self):
        return "pong"

    @event_handler("kitprod", "thing_made")
    def on_thing_made(self, envelope):
        self.db.execute(insert(applied).values(event_id=envelope["id"], name=envelope["data"]["name"]))
        if envelope["data"]["name"].startswith("poison"):
            raise RuntimeError("this handler cannot apply a poison thing")


@pytest.fixture
def service_name():
    return "kit"


@pytest.fixture
def urls(empty_database):
    urls = {"producer": empty_database("kitprod"), "consumer": empty_database("kitcons")}
    for url, md in ((urls["producer"], producer_md), (urls["consumer"], consumer_md)):
        engine = make_engine(url)
        md.create_all(engine)
        engine.dispose()
    return urls


def config_for(rabbit_config, url, **extra):
    config = cfg.service_config("kit", env={})
    config.update(AMQP_URI=rabbit_config["AMQP_URI"], DATABASE_URL=url, METRICS_PORT=0,
                  OUTBOX_POLL_SECONDS=0.1, CONSUMER_MAX_TRIES=3, CONSUMER_RETRY_DELAY_MS=50, **extra)
    return config


def reader(url):
    """An engine for the test's own reads: plain pysqlite (a deferred read in WAL mode takes no
    write lock), not the service's make_engine, whose BEGIN IMMEDIATE would block this process's
    one OS thread while a green thread of the service holds the write lock."""
    return create_engine(url, poolclass=NullPool)


def rows(url, table):
    """``table``'s rows in primary-key order (the outbox's: ``seq``): PostgreSQL returns an
    unordered read in heap order, which the relay's stamping ``UPDATE`` reshuffles."""
    engine = reader(url)
    with engine.connect() as conn:
        result = conn.execute(select(table).order_by(*table.primary_key.columns)).mappings().all()
    engine.dispose()
    return [dict(r) for r in result]


@pytest.fixture
def consumer(container_factory, rabbit_config, urls):
    container = container_factory(Consumer, config_for(rabbit_config, urls["consumer"]))
    container.start()
    return container


def test_a_committed_change_publishes_its_event_once(container_factory, rabbit_config, urls, consumer, client):
    container_factory(Producer, config_for(rabbit_config, urls["producer"])).start()
    thing = client.call("kitprod", "make_thing", "书法展")
    wait_for(lambda: rows(urls["consumer"], applied), what="the event to be applied")
    eventlet.sleep(0.5)
    assert [(r["event_id"], r["name"]) for r in rows(urls["consumer"], applied)] == [
        (rows(urls["producer"], OUTBOX.table)[0]["id"], "书法展")]
    assert rows(urls["producer"], OUTBOX.table)[0]["sent_at"] is not None
    assert rows(urls["producer"], OUTBOX.table)[0]["subject"] == thing["id"]


def test_a_rolled_back_change_sends_nothing(container_factory, rabbit_config, urls, consumer, client):
    container_factory(Producer, config_for(rabbit_config, urls["producer"])).start()
    with pytest.raises(Exception) as err:
        client.call("kitprod", "make_thing", "never", fail=True)
    assert err.value.exc_type == "Conflict"
    client.call("kitprod", "make_thing", "after")
    wait_for(lambda: rows(urls["consumer"], applied), what="the second event")
    eventlet.sleep(0.3)
    assert [r["name"] for r in rows(urls["consumer"], applied)] == ["after"]
    assert [r["name"] for r in rows(urls["producer"], things)] == ["after"]
    assert len(rows(urls["producer"], OUTBOX.table)) == 1


def test_an_event_survives_the_relay_killed_between_commit_and_publish(container_factory, rabbit_config, urls,
                                                                         consumer, client, tmp_path):
    # The producer runs as its own process with the relay off, so the commit happens and the
    # publish cannot; then the process is killed with SIGKILL: no clean shutdown of anything.
    script = tmp_path / "producer.py"
    script.write_text(
        "import services.common, eventlet\neventlet.monkey_patch()\n"
        "import sys, os\nsys.path.insert(0, os.environ['TEST_DIR'])\n"
        "from nameko.containers import ServiceContainer\n"
        "from test_outbox_and_consumer import Producer, config_for\n"
        "c = ServiceContainer(Producer, config_for({'AMQP_URI': os.environ['AMQP_URI']}, os.environ['URL'],"
        " OUTBOX_RELAY='off'))\nc.start()\nprint('ready', flush=True)\nc.wait()\n")
    env = dict(os.environ, TEST_DIR=os.path.dirname(__file__), AMQP_URI=rabbit_config["AMQP_URI"],
               URL=urls["producer"], PYTHONPATH=os.getcwd())
    proc = subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.PIPE)
    try:
        assert proc.stdout.readline().strip() == b"ready"
        client.call("kitprod", "make_thing", "断电前")
        assert [r["sent_at"] for r in rows(urls["producer"], OUTBOX.table)] == [None]
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    eventlet.sleep(0.5)
    assert rows(urls["consumer"], applied) == []  # nothing was published before the kill

    container_factory(Producer, config_for(rabbit_config, urls["producer"])).start()  # restart
    wait_for(lambda: rows(urls["consumer"], applied), what="the resent event")
    eventlet.sleep(0.5)
    assert [r["name"] for r in rows(urls["consumer"], applied)] == ["断电前"], (
        rows(urls["consumer"], applied), rows(urls["consumer"], consumer_md.tables["inbox"]),
        rows(urls["producer"], OUTBOX.table))
    assert rows(urls["producer"], OUTBOX.table)[0]["sent_at"] is not None


def test_the_same_event_delivered_twice_is_applied_once(container_factory, rabbit_config, urls, consumer, client):
    producer = container_factory(Producer, config_for(rabbit_config, urls["producer"]))
    producer.start()
    client.call("kitprod", "make_thing", "重复")
    wait_for(lambda: rows(urls["consumer"], applied), what="the first delivery")
    # As if the relay had crashed after the publish and before stamping sent_at: it sends again.
    engine = reader(urls["producer"])
    with engine.begin() as conn:
        conn.execute(update(OUTBOX.table).values(sent_at=None))
    engine.dispose()
    producer.stop()
    container_factory(Producer, config_for(rabbit_config, urls["producer"])).start()
    wait_for(lambda: all(r["sent_at"] for r in rows(urls["producer"], OUTBOX.table)), what="the resend")
    # And a third copy straight onto the exchange, the way a broker redelivery would look.
    envelope = dict(rows(urls["producer"], OUTBOX.table)[0]["envelope"], seq=1)
    with Connection(rabbit_config["AMQP_URI"]) as conn:
        conn.Producer().publish(envelope, exchange=event_exchange("kitprod"), routing_key="thing_made",
                                serializer="json")
    eventlet.sleep(1.0)
    assert [r["name"] for r in rows(urls["consumer"], applied)] == ["重复"]
    assert len(rows(urls["consumer"], consumer_md.tables["inbox"])) == 1


def test_a_poison_message_is_dead_lettered_and_the_service_keeps_serving(
        container_factory, rabbit_config, urls, consumer, client):
    container_factory(Producer, config_for(rabbit_config, urls["producer"])).start()
    queue = "evt-kitprod-thing_made--kitcons.on_thing_made"
    before = DEAD_LETTERED.labels("kitcons", f"{queue}.dlq")._value.get()
    client.call("kitprod", "make_thing", "poison pill")
    with Connection(rabbit_config["AMQP_URI"]) as conn:  # and one that is not an envelope at all
        conn.Producer().publish({"hello": "world"}, exchange=event_exchange("kitprod"),
                                routing_key="thing_made", serializer="json")
    client.call("kitprod", "make_thing", "良品")
    wait_for(lambda: queue_depth(rabbit_config["AMQP_URI"], f"{queue}.dlq") == 2, timeout=15,
             what="two dead-lettered messages")
    # The poison thing's writes were rolled back each time; the good one was applied.
    assert [r["name"] for r in rows(urls["consumer"], applied)] == ["良品"]
    assert client.call("kitcons", "ping") == "pong"
    assert DEAD_LETTERED.labels("kitcons", f"{queue}.dlq")._value.get() - before == 2
    with Connection(rabbit_config["AMQP_URI"]) as conn:
        message = conn.SimpleQueue(f"{queue}.dlq").get(timeout=2)
        assert "x-culture-error" in message.headers
        assert (message.headers.get("x-culture-tries") == 3
                or "not a valid event envelope" in message.headers["x-culture-error"])
    assert queue_depth(rabbit_config["AMQP_URI"], queue) == 0
    assert queue_depth(rabbit_config["AMQP_URI"], f"{queue}.retry") == 0


def test_the_outbox_doubles_as_the_event_log(container_factory, rabbit_config, urls, client):
    container = container_factory(Producer, config_for(rabbit_config, urls["producer"], OUTBOX_RELAY="off"))
    container.start()
    for name in ("一", "二", "三"):
        client.call("kitprod", "make_thing", name)
    engine = reader(urls["producer"])
    with engine.connect() as conn:
        from sqlalchemy.orm import Session

        with Session(bind=conn) as session:
            log = OUTBOX.since(session, 0, 2)
            rest = OUTBOX.since(session, log["next_seq"], 10)
            backlog, age = OUTBOX.backlog(session)
    engine.dispose()
    assert [e["data"]["name"] for e in log["items"]] == ["一", "二"]
    assert [e["data"]["name"] for e in rest["items"]] == ["三"]
    assert [e["seq"] for e in log["items"] + rest["items"]] == sorted(e["seq"] for e in log["items"] + rest["items"])
    assert backlog == 3 and age >= 0
    assert func  # (imported for readers: the backlog is a COUNT over unsent rows)


def test_emit_many_writes_each_event_as_emit_would_in_order_and_under_the_outbox_lock(urls, backend):
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from services.common.envelope import ENVELOPE
    from services.common.locks import advisory_lock_key
    from services.common.outbox import write_pending

    engine = make_engine(urls["producer"])
    try:
        with Session(engine) as session:
            first = OUTBOX.emit(session, "thing_made", "t0", {"id": "t0", "name": "零"})
            many = OUTBOX.emit_many(session, [("thing_made", f"t{i}", {"id": f"t{i}", "name": f"物{i}", "x": 1})
                                              for i in range(1, 2501)])  # more than one INSERT batch
            write_pending(session)  # written now (else at the commit), under the outbox's lock
            assert [first["seq"], many[0]["seq"]] == sorted({first["seq"], many[0]["seq"]})
            if backend == "postgres":  # held until this transaction ends
                other = create_engine(urls["producer"], poolclass=NullPool)
                with other.connect() as conn:
                    assert not conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"),
                                            {"k": advisory_lock_key("kitprod", "outbox")}).scalar()
                other.dispose()
            assert OUTBOX.emit_many(session, []) == []
            with pytest.raises(KeyError):  # an unknown type writes none of the batch
                OUTBOX.emit_many(session, [("thing_made", "u", {"id": "u", "name": "u"}), ("no_such", "v", {})])
            last = OUTBOX.emit(session, "thing_made", "t2501", {"id": "t2501", "name": "末"})
            session.commit()
    finally:
        engine.dispose()
    seqs = [e["seq"] for e in [first, *many, last]]
    assert seqs == sorted(set(seqs)), "numbered in the order given, after and before the single emits"
    assert len({e["id"] for e in many}) == 2500 and len({e["time"] for e in many}) == 1  # written at once
    stored = {r["seq"]: r for r in rows(urls["producer"], OUTBOX.table)}
    assert sorted(stored) == seqs  # nothing else written
    for envelope in many:
        row = stored[envelope["seq"]]
        assert (row["id"], row["type"], row["subject"]) == (envelope["id"], "thing_made", envelope["subject"])
        assert dict(row["envelope"], seq=row["seq"]) == envelope  # the envelope emit would have written
        assert envelope["data"] == {"id": envelope["subject"], "name": f"物{envelope['subject'][1:]}"}  # dumped
        ENVELOPE.load(envelope)


def test_a_write_request_delivered_twice_is_applied_once_and_answered_twice(
        container_factory, rabbit_config, urls):
    # What RabbitMQ does when a replica dies after replying and before acking: the same request
    # (same correlation id) arrives again. It must not be applied a second time.
    from kombu import Exchange, Queue

    container_factory(Producer, config_for(rabbit_config, urls["producer"])).start()
    request = {"args": ["只一次"], "kwargs": {}}
    with Connection(rabbit_config["AMQP_URI"]) as conn:
        exchange = Exchange("nameko-rpc", type="topic", durable=True)
        name = f"test-replies-{uuid.uuid4().hex[:8]}"
        replies = Queue(name, exchange=exchange, routing_key=name, exclusive=True, auto_delete=True)
        replies(conn.default_channel).declare()
        for _ in range(2):
            conn.Producer().publish(request, exchange=exchange, routing_key="kitprod.make_thing",
                                    serializer="json", reply_to=replies.name, correlation_id="call-1")
        answers = []
        simple = conn.SimpleQueue(replies)
        for _ in range(2):
            message = simple.get(timeout=10)
            answers.append(message.payload)
            message.ack()
    assert answers[0]["error"] is None and answers[0] == answers[1]
    assert [r["name"] for r in rows(urls["producer"], things)] == ["只一次"]
    assert len(rows(urls["producer"], OUTBOX.table)) == 1


def test_dead_letters_can_be_shown_and_replayed_with_the_dlq_tool(
        container_factory, rabbit_config, urls, consumer, client, monkeypatch, capsys):
    from services.common import dlq

    container_factory(Producer, config_for(rabbit_config, urls["producer"])).start()
    queue = "evt-kitprod-thing_made--kitcons.on_thing_made"
    client.call("kitprod", "make_thing", "poison again")
    wait_for(lambda: queue_depth(rabbit_config["AMQP_URI"], f"{queue}.dlq") == 1, timeout=15, what="a dead letter")
    monkeypatch.setenv("AMQP_URI", rabbit_config["AMQP_URI"])
    dlq.main(["show", queue])
    shown = capsys.readouterr().out
    assert "poison again" in shown and "RuntimeError" in shown
    assert queue_depth(rabbit_config["AMQP_URI"], f"{queue}.dlq") == 1  # show leaves it there
    failures = EVENTS_HANDLED.labels("kitcons", "kitcons.on_thing_made", "failed")
    failed_before = failures._value.get()
    dlq.main(["replay", f"{queue}.dlq"])
    assert "replayed 1" in capsys.readouterr().out
    # Still poison: it is tried again from the first try (3 tries) and comes back to the DLQ.
    wait_for(lambda: failures._value.get() - failed_before == 3, timeout=15, what="three more tries")
    wait_for(lambda: queue_depth(rabbit_config["AMQP_URI"], f"{queue}.dlq") == 1, timeout=15, what="the second round")
    assert rows(urls["consumer"], applied) == []
