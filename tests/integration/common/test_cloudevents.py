"""CloudEvents 1.0, exactly, on a real RabbitMQ and both databases, checked with the CloudEvents
Python SDK (``cloudevents`` 2.x, its ``cloudevents.core`` API).

The strict reader is ``cloudevents.core.bindings.amqp.from_amqp(message, JSONFormat(), CloudEvent)``
with the v1.0 ``CloudEvent`` given as the factory: it picks structured mode from the content type
(a message published with another content type would be read as binary mode and fail), and the v1.0
class refuses a missing required attribute, a ``specversion`` other than ``1.0``, a wrongly typed
optional attribute and an illegal extension name (``schema_version``). The older
``cloudevents.http`` / ``cloudevents.conversion`` readers live on in 2.x as the deprecated
``cloudevents.v1``; they do not check extension names. The SDK fills in a missing ``time``, so each
attribute is asserted here besides.

- Every event type each service publishes (every key of its ``Outbox`` schemas, with data made from
  the schema's fields) is emitted into the service's migrated database, published by the real
  ``OutboxRelay`` and read off the broker.
- Events the SDK builds, structured and binary mode, with and without our extensions, are fed to the
  kit's idempotent consumer: each is applied once or dead-lettered and counted; none is lost.
"""
from __future__ import annotations

import importlib
import json
import re
import uuid
from datetime import datetime, timezone
from decimal import Decimal

import eventlet
import pytest
from cloudevents.core.bindings import amqp
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v03.event import CloudEvent as CloudEvent03
from cloudevents.core.v1.event import CloudEvent
from kombu import Connection, Queue
from marshmallow import fields
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from services.common.clock import WIRE_OFFSET, to_wire
from services.common.consumer import event_handler
from services.common.db import Database, make_engine
from services.common.fields import Money, When
from services.common.metrics import DEAD_LETTERED, EVENTS_HANDLED
from services.common.outbox import OutboxRelay, event_exchange

from .test_outbox_and_consumer import Consumer, applied, config_for, consumer_md, queue_depth, rows, wait_for

SERVICES = ("registry", "events", "talent", "awards")
ATTRIBUTES = {"specversion", "id", "source", "type", "time", "subject", "datacontenttype", "dataschema", "seq",
              "schemaversion"}
RFC3339_PLUS8 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+08:00$")


# --- every event type, off the broker -------------------------------------------------------

class Row(dict):
    """Sample data that a schema can dump: keys for its fields, attributes for its ``Function``s."""

    def __getattr__(self, name):
        return self.get(name)


def sample(schema) -> Row:
    return Row({field.attribute or name: value_for(name, field) for name, field in schema.fields.items()
                if not field.load_only})


def value_for(name, field):
    if isinstance(field, fields.Nested):
        return [sample(field.schema)] if field.many else sample(field.schema)
    if isinstance(field, fields.List):
        return [value_for(name, field.inner)]
    if isinstance(field, (When, fields.DateTime)):
        return datetime(2026, 5, 1, 11, 30, tzinfo=timezone.utc)
    if isinstance(field, fields.Function):  # reads the row's other attributes; one reads a time
        return to_wire(datetime(2026, 5, 1, 11, 30, tzinfo=timezone.utc))
    if isinstance(field, Money):
        return Decimal("12.50")
    if isinstance(field, fields.Boolean):
        return True
    if isinstance(field, fields.Integer):
        return 3
    if isinstance(field, fields.Float):
        return 87.5
    if isinstance(field, fields.Dict):
        return {"key": "value"}
    return f"{name}-1"


def take(amqp_uri, queue: str, count: int, timeout: float = 20) -> list:
    """``count`` messages off ``queue`` as the broker holds them (bytes and properties)."""
    taken = []
    with Connection(amqp_uri) as conn:
        channel = conn.default_channel

        def more():
            while (raw := channel.basic_get(queue, no_ack=True)) is not None:
                taken.append(raw)
            return len(taken) >= count

        wait_for(more, timeout=timeout, what=f"{count} messages on {queue}")
    return taken


def strict_read(raw) -> CloudEvent:
    body = raw.body.encode("utf-8") if isinstance(raw.body, str) else bytes(raw.body)
    message = amqp.AMQPMessage(properties={"content-type": raw.properties.get("content_type")},
                               application_properties=raw.properties.get("application_headers") or {},
                               application_data=body)
    return amqp.from_amqp(message, JSONFormat(), CloudEvent)


@pytest.mark.parametrize("service", SERVICES)
def test_every_event_type_a_service_publishes_is_read_off_the_broker_as_a_cloudevent(
        service, migrated_database, rabbit_config, container_factory):
    outbox = importlib.import_module(f"services.{service}.usecases.shared").OUTBOX
    metadata = outbox.table.metadata
    amqp_uri, url = rabbit_config["AMQP_URI"], migrated_database(service)
    with Connection(amqp_uri) as conn:
        Queue("ce-tap", exchange=event_exchange(service), routing_key="#", durable=True)(conn.default_channel).declare()
    engine = make_engine(url)
    with Session(engine) as session:
        emitted = {t: outbox.emit(session, t, f"{t}:subject", sample(schema)) for t, schema in outbox.schemas.items()}
        session.commit()
    engine.dispose()
    assert len(emitted) == len(outbox.schemas) >= 8

    relay = type("Relay", (), {"name": service, "db": Database(metadata), "relay": OutboxRelay(outbox)})
    container_factory(relay, config_for(rabbit_config, url)).start()
    messages = take(amqp_uri, "ce-tap", len(emitted))

    reader = create_engine(url, poolclass=NullPool)
    with Session(reader) as session:
        log = {e["id"]: e for e in outbox.since(session, 0, 1000)["items"]}  # what events_since returns
    reader.dispose()
    assert sorted(m.delivery_info["routing_key"] for m in messages) == sorted(emitted)
    for raw in messages:
        event_type = raw.delivery_info["routing_key"]
        envelope, body = emitted[event_type], json.loads(raw.body)
        event = strict_read(raw)
        assert raw.delivery_info["exchange"] == f"{service}.events"
        assert raw.properties["content_type"] == "application/cloudevents+json"
        assert raw.properties["message_id"] == event.get_id() == envelope["id"]
        assert raw.properties["delivery_mode"] == 2
        assert set(event.get_attributes()) == ATTRIBUTES and set(body) == ATTRIBUTES | {"data"}
        assert event.get_specversion() == "1.0"
        assert event.get_source() == f"culture/{service}"
        assert event.get_type() == event_type
        assert RFC3339_PLUS8.match(body["time"]) and event.get_time() == datetime.fromisoformat(envelope["time"])
        assert event.get_subject() == f"{event_type}:subject"
        assert event.get_datacontenttype() == "application/json"
        assert event.get_dataschema() == f"urn:culture:schema:{service}:{event_type}:1"
        assert event.get_extension("seq") == envelope["seq"] and isinstance(envelope["seq"], int)
        assert event.get_extension("schemaversion") == 1
        assert event.get_data() == json.loads(json.dumps(outbox.schemas[event_type].dump(sample(
            outbox.schemas[event_type])), default=str))
        assert log[envelope["id"]] == body  # events_since serves the envelope the broker carried


# --- a migrated outbox ------------------------------------------------------------------------

@pytest.mark.parametrize("service, before", [("registry", "0003"), ("events", "0004"), ("talent", "0002"),
                                             ("awards", "0001")])
def test_envelopes_stored_before_are_rewritten_by_the_migration_and_back(service, before, migrated_database):
    from alembic import command

    from services.common.migrate import alembic_config, upgrade

    outbox = importlib.import_module(f"services.{service}.usecases.shared").OUTBOX
    url = migrated_database(service)
    command.downgrade(alembic_config(service, url), before)
    old = {"specversion": "1.0", "id": str(uuid.uuid4()), "source": f"culture/{service}", "type": "thing_done",
           "time": "2026-05-01T19:30:00+08:00", "subject": "s-1", "schema_version": 1,
           "data": {"name": "文化宫", "cost": "12.50", "score": 87.5, "ok": True}}
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(outbox.table.insert().values(id=old["id"], type="thing_done", subject="s-1",
                                                  time=datetime.now(timezone.utc), envelope=old))
    upgrade(service, url)
    with Session(engine) as session:
        [item] = outbox.since(session, 0, 10)["items"]
    stored = rows(url, outbox.table)[0]["envelope"]
    assert stored == {k: v for k, v in item.items() if k != "seq"}  # rewritten, not converted on read
    assert item == {**{k: v for k, v in old.items() if k != "schema_version"}, "seq": 1, "schemaversion": 1,
                    "datacontenttype": "application/json", "dataschema": f"urn:culture:schema:{service}:thing_done:1"}
    CloudEvent({**{k: v for k, v in item.items() if k != "data"}, "time": datetime.fromisoformat(item["time"])})
    command.downgrade(alembic_config(service, url), before)
    assert rows(url, outbox.table)[0]["envelope"] == old
    engine.dispose()


# --- SDK events into the kit's consumer -------------------------------------------------------

QUEUE = "evt-kitprod-thing_made--kitcons.on_thing_made"
JSON = "application/json"  # binary mode: the data's content type, the message's


@pytest.fixture
def consumer_url(empty_database):
    url = empty_database("kitcons")
    engine = make_engine(url)
    consumer_md.create_all(engine)
    engine.dispose()
    return url


def publish(amqp_uri, body: bytes, content_type, headers=None, **properties):
    """These bytes and properties, as a producer of the SDK's ``AMQPMessage`` would send them."""
    with Connection(amqp_uri) as conn:
        channel = conn.default_channel
        message = channel.prepare_message(body, content_type=content_type, headers=headers or {},
                                          properties={"delivery_mode": 2, **properties})
        channel.basic_publish(message, exchange="kitprod.events", routing_key="thing_made")


def sdk_event(name, **attributes):
    return CloudEvent({"source": "culture/kitprod", "type": "thing_made", "id": str(uuid.uuid4()),
                       "time": datetime.now(WIRE_OFFSET), **attributes}, {"name": name})


def structured(event, content_type=None):
    message = amqp.to_structured_event(event)
    return message.application_data, content_type or message.properties["content-type"], {}


def binary(event, prefix="cloudEvents_"):
    message = amqp.to_binary_event(event)
    headers = {prefix + k.removeprefix("cloudEvents_"): v for k, v in message.application_properties.items()}
    return message.application_data, message.properties["content-type"], headers


def test_sdk_events_in_structured_and_binary_mode_are_applied_once_or_dead_lettered_and_counted(
        container_factory, rabbit_config, consumer_url):
    amqp_uri = rabbit_config["AMQP_URI"]
    container_factory(Consumer, config_for(rabbit_config, consumer_url)).start()
    ours = {"subject": "t-1", "datacontenttype": "application/json",
            "dataschema": "urn:culture:schema:kitprod:thing_made:1", "seq": 41, "schemaversion": 1}
    both = sdk_event("两种方式", **ours)  # the same event sent structured and binary: applied once
    applies = {
        "structured": structured(sdk_event("结构化", **ours)),
        "structured-as-json": structured(sdk_event("普通JSON", **ours), "application/json"),
        "binary": binary(sdk_event("二进制", **ours)),
        "binary-colon": binary(sdk_event("冒号前缀", **ours), "cloudEvents:"),
        "no-seq-extensions": structured(sdk_event("外来的", traceparent="00-0af7651916cd43dd8448eb211c80319c-"
                                                  "b7ad6b7169203331-01", partitionkey="p-7", replayed=False)),
        "binary-no-seq": binary(sdk_event("外来二进制", partitionkey="p-8", subject="x", datacontenttype=JSON)),
        "both-structured": structured(both),
    }
    duplicates = {"both-binary": binary(both)}
    bad = json.loads(amqp.to_structured_event(sdk_event("坏的", **ours)).application_data)
    dead = {
        "specversion-0.3": structured(CloudEvent03({"source": "culture/kitprod", "type": "thing_made",
                                                    "id": str(uuid.uuid4())}, {"name": "旧版"})),
        "old-schema_version": (json.dumps({**bad, "schema_version": 1}).encode(), "application/cloudevents+json", {}),
        "illegal-name": (json.dumps({**bad, "id": str(uuid.uuid4()), "Trace-Id": "t"}).encode(),
                         "application/cloudevents+json", {}),
        "data-not-an-object": (json.dumps({**bad, "id": str(uuid.uuid4()), "data": ["x"]}).encode(),
                               "application/cloudevents+json", {}),
        "binary-specversion-2": (lambda b: (b[0], b[1], {**b[2], "cloudEvents_specversion": "2.0"}))(
            binary(sdk_event("二点零", datacontenttype=JSON))),
        "binary-text-data": (lambda b: (b"plain words", "text/plain", b[2]))(binary(sdk_event("文本", datacontenttype=JSON))),
    }
    before = DEAD_LETTERED.labels("kitcons", f"{QUEUE}.dlq")._value.get()
    duplicate_count = EVENTS_HANDLED.labels("kitcons", "kitcons.on_thing_made", "duplicate")
    duplicates_before = duplicate_count._value.get()
    for body, content_type, headers in [*applies.values(), *dead.values()]:
        publish(amqp_uri, body, content_type, headers)
    wait_for(lambda: len(rows(consumer_url, applied)) == len(applies), timeout=20, what="every good event applied")
    for body, content_type, headers in duplicates.values():
        publish(amqp_uri, body, content_type, headers)
    wait_for(lambda: queue_depth(amqp_uri, f"{QUEUE}.dlq") == len(dead), timeout=20, what="the bad ones dead-lettered")
    wait_for(lambda: duplicate_count._value.get() - duplicates_before == len(duplicates), what="the duplicate acked")

    names = sorted(r["name"] for r in rows(consumer_url, applied))
    assert names == sorted(["结构化", "普通JSON", "二进制", "冒号前缀", "外来的", "外来二进制", "两种方式"])
    inbox = {r["event_id"]: r for r in rows(consumer_url, consumer_md.tables["inbox"])}
    assert both.get_id() in inbox and len(inbox) == len(applies)
    dead_lettered = DEAD_LETTERED.labels("kitcons", f"{QUEUE}.dlq")  # counted once moved (after the confirm)
    wait_for(lambda: dead_lettered._value.get() - before == len(dead), what="every dead letter counted")
    assert queue_depth(amqp_uri, QUEUE) == 0 and queue_depth(amqp_uri, f"{QUEUE}.retry") == 0
    with Connection(amqp_uri) as conn:
        errors = []
        while (raw := conn.default_channel.basic_get(f"{QUEUE}.dlq", no_ack=True)) is not None:
            errors.append(raw.properties["application_headers"]["x-culture-error"])
    assert sum("not a valid event envelope" in e for e in errors) == len(dead) - 1
    assert sum("could not be decoded" in e for e in errors) == 1  # text/plain data: not JSON
    assert any("schema_version" in e for e in errors) and any("specversion" in e for e in errors)


SEEN = []


class Recorder:
    name = "kitrec"
    db = Database(consumer_md)

    @event_handler("kitprod", "thing_made")
    def on_thing_made(self, envelope):
        SEEN.append(envelope)


def test_a_binary_event_without_seq_reaches_the_handler_with_seq_none_and_its_attributes(
        container_factory, rabbit_config, consumer_url):
    SEEN.clear()
    container_factory(Recorder, config_for(rabbit_config, consumer_url)).start()
    event = sdk_event("记录", subject="t-9", traceparent="00-ab", datacontenttype=JSON)
    publish(rabbit_config["AMQP_URI"], *binary(event))
    wait_for(lambda: SEEN, what="the handler")
    eventlet.sleep(0.2)
    [envelope] = SEEN
    sent_ms = int(event.get_time().timestamp() * 1000)  # binary mode: an AMQP timestamp, in milliseconds
    assert envelope == {"specversion": "1.0", "id": event.get_id(), "source": "culture/kitprod",
                        "type": "thing_made", "subject": "t-9", "traceparent": "00-ab",
                        "time": to_wire(datetime.fromtimestamp(sent_ms / 1000, tz=timezone.utc)),
                        "datacontenttype": "application/json", "seq": None, "schemaversion": 1,
                        "data": {"name": "记录"}}
    assert [r["event_id"] for r in rows(consumer_url, consumer_md.tables["inbox"])] == [event.get_id()]
