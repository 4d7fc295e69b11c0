"""Messages the kit cannot decode, on a real broker: none is dropped, every RPC request is answered.

A small kit service (``kitpoison``: two RPCs and an idempotent handler of ``kitsrc``'s
``thing_made``) is sent raw AMQP messages, the way an attacker or a broken client would: bodies
that are not JSON, not UTF-8, nested deeper than the JSON decoder goes, 5 MB of garbage, a pickle,
a content type nobody accepts, no content type at all, a compression header that lies. The
decode paths do not touch the database, so these tests run on SQLite only.
"""
from __future__ import annotations

import os

import json
import pickle
import time
import uuid
from types import SimpleNamespace

import eventlet
import pytest
from kombu import Connection, Exchange, Queue
from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from services.common import dlq
from services.common.consumer import event_handler
from services.common.db import Database, make_engine
from services.common.entrypoints import rpc
from services.common.envelope import new_envelope
from services.common.metrics import DEAD_LETTERED, RPC_ERRORS, RPC_REQUESTS, MetricsServer
from services.common.outbox import event_exchange
from services.common.tables import add_kit_tables

from .test_outbox_and_consumer import config_for, queue_depth, rows, wait_for

metadata = MetaData()
applied = Table("applied", metadata, Column("n", Integer, primary_key=True, autoincrement=True),
                Column("event_id", String(36)), Column("name", String(100)))
add_kit_tables(metadata)

QUEUE = "evt-kitsrc-thing_made--kitpoison.on_thing_made"
DLQ = f"{QUEUE}.dlq"


class Poisoned:
    name = "kitpoison"
    db = Database(metadata)
    metrics = MetricsServer()

    @rpc
    def echo(self, value):
        return value

    @rpc(roles=("federation_admin",))
    def guarded(self, value):
        return value

    @event_handler("kitsrc", "thing_made")
    def on_thing_made(self, envelope):
        self.db.execute(insert(applied).values(event_id=envelope["id"], name=envelope["data"]["name"]))


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def url(empty_database):
    url = empty_database("kitpoison")
    engine = make_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    return url


@pytest.fixture
def service(container_factory, rabbit_config, url):
    container = container_factory(Poisoned, config_for(rabbit_config, url))
    container.start()
    return container


def publish_raw(amqp_uri, body: bytes, *, exchange: str, routing_key: str, content_type=None,
                content_encoding=None, headers=None, **properties):
    """Publish exactly these bytes and properties (kombu's Producer would serialize a body
    given no content type)."""
    with Connection(amqp_uri) as conn:
        channel = conn.default_channel
        message = channel.prepare_message(body, content_type=content_type, content_encoding=content_encoding,
                                          headers=headers or {}, properties=properties)
        channel.basic_publish(message, exchange=exchange, routing_key=routing_key)


def take_raw(amqp_uri, queue: str) -> list:
    """Every message in ``queue`` as the broker holds it: (body, content type, headers), undecoded
    (kombu would decode, and fail, or decompress on the way)."""
    taken = []
    with Connection(amqp_uri) as conn:
        channel = conn.default_channel
        while (raw := channel.basic_get(queue, no_ack=True)) is not None:
            body = raw.body  # py-amqp hands over a body it could decode in its content encoding as str
            if isinstance(body, str):
                body = body.encode(raw.properties["content_encoding"])
            taken.append(SimpleNamespace(body=bytes(body), content_type=raw.properties.get("content_type"),
                                         headers=raw.properties.get("application_headers") or {}))
    return taken


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def envelope_bytes(name: str) -> bytes:
    return json.dumps(new_envelope("kitsrc", "thing_made", "s-1", {"name": name}) | {"seq": 1}).encode()


# name -> (body, content type, extra headers): what cannot be decoded, each for its own reason.
UNDECODABLE = {
    "not-json": (b"this is { not json", "application/json", {}),
    "bad-utf8": (b'{"specversion": "\xff\xfe"}', "application/json", {}),
    "pickle": (pickle.dumps({"specversion": "1.0"}), "application/x-python-serialize", {}),
    "unknown-type": (b"<xml/>", "text/xml", {}),
    "no-type-bad-utf8": (b"\xc3\x28 not utf-8", None, {}),
    "too-deep": (deep(100_000).encode(), "application/json", {}),
    "five-megabytes": (b"\x00garbage" * (5 * 1024 * 1024 // 8), "application/json", {}),
    "lying-compression": (b"not gzip at all", "application/json", {"compression": "application/x-gzip"}),
}


def test_every_undecodable_event_goes_to_the_dlq_counted_and_the_handler_keeps_applying(
        service, rabbit_config, url, client, capsys):
    amqp = rabbit_config["AMQP_URI"]
    before = DEAD_LETTERED.labels("kitpoison", DLQ)._value.get()
    for case, (body, content_type, headers) in UNDECODABLE.items():
        publish_raw(amqp, body, exchange=event_exchange("kitsrc").name, routing_key="thing_made",
                    content_type=content_type, headers={"x-test-case": case, **headers}, delivery_mode=2)
    publish_raw(amqp, envelope_bytes("良品"), exchange=event_exchange("kitsrc").name, routing_key="thing_made",
                content_type="application/json")

    wait_for(lambda: queue_depth(amqp, DLQ) == len(UNDECODABLE), timeout=20, what="every message in the DLQ")
    wait_for(lambda: rows(url, applied), what="the good event after the bad ones")
    assert [r["name"] for r in rows(url, applied)] == ["良品"]
    # counted right after the confirmed move to the DLQ: wait, the move is seen first
    wait_for(lambda: DEAD_LETTERED.labels("kitpoison", DLQ)._value.get() - before == len(UNDECODABLE),
             what="every dead letter counted")
    assert queue_depth(amqp, QUEUE) == 0
    assert client.call("kitpoison", "echo", "still serving") == "still serving"

    # The operator's tool shows them (they cannot be decoded: what they are and how they start),
    # leaves them in place, and purges them.
    os.environ["AMQP_URI"] = amqp
    try:
        dlq.main(["show", DLQ, "--limit", str(len(UNDECODABLE))])
        shown = capsys.readouterr().out
        assert shown.count('"undecodable"') >= len(UNDECODABLE) - 1 and "x-culture-error" in shown
        assert queue_depth(amqp, DLQ) == len(UNDECODABLE)
    finally:
        del os.environ["AMQP_URI"]

    seen = {message.headers["x-test-case"]: message for message in take_raw(amqp, DLQ)}
    assert set(seen) == set(UNDECODABLE)
    for case, (body, content_type, _) in UNDECODABLE.items():
        message = seen[case]
        assert message.body == body, case  # byte for byte, as it was sent
        assert message.content_type == (content_type or "application/data"), case
        assert message.headers["x-culture-error"].startswith("the body could not be decoded"), case
        assert "x-culture-dead-lettered-at" in message.headers
    assert "Refusing to deserialize" in seen["pickle"].headers["x-culture-error"]
    assert "RecursionError" in seen["too-deep"].headers["x-culture-error"]
    assert "UnicodeDecodeError" in seen["bad-utf8"].headers["x-culture-error"]


def test_a_cloudevents_json_event_is_decoded_and_judged_by_the_envelope_schema(service, rabbit_config, url):
    amqp = rabbit_config["AMQP_URI"]
    publish_raw(amqp, envelope_bytes("结构化"), exchange=event_exchange("kitsrc").name, routing_key="thing_made",
                content_type="application/cloudevents+json", content_encoding="utf-8")
    wait_for(lambda: rows(url, applied), what="the CloudEvents-typed event to be applied")
    assert [r["name"] for r in rows(url, applied)] == ["结构化"]

    # A structured-mode CloudEvent that is not the contract's envelope: decoded, then refused by
    # the schema (not "could not be decoded").
    foreign = {"specversion": "1.0", "id": "x-1", "source": "https://example.org", "type": "org.example.thing",
               "datacontenttype": "application/json", "data": {"name": "外来"}}
    publish_raw(amqp, json.dumps(foreign).encode(), exchange=event_exchange("kitsrc").name,
                routing_key="thing_made", content_type="application/cloudevents+json")
    wait_for(lambda: queue_depth(amqp, DLQ) == 1, what="the foreign event in the DLQ")
    [message] = take_raw(amqp, DLQ)
    assert message.headers["x-culture-error"].startswith("not a valid event envelope")
    assert message.content_type == "application/cloudevents+json"
    assert len(rows(url, applied)) == 1


class Replies:
    """A reply queue on the RPC exchange, and raw requests that expect an answer on it."""

    def __init__(self, amqp_uri):
        self.amqp = amqp_uri
        self.conn = Connection(amqp_uri)
        self.exchange = Exchange("nameko-rpc", type="topic", durable=True)
        self.name = f"test-replies-{uuid.uuid4().hex[:8]}"
        self.queue = Queue(self.name, exchange=self.exchange, routing_key=self.name, exclusive=True,
                           auto_delete=True)
        self.queue(self.conn.default_channel).declare()
        self.simple = self.conn.SimpleQueue(self.queue)

    def request(self, routing_key, body: bytes, content_type, correlation_id, headers=None):
        publish_raw(self.amqp, body, exchange="nameko-rpc", routing_key=routing_key, content_type=content_type,
                    headers=headers, reply_to=self.name, correlation_id=correlation_id)

    def get(self, timeout=5.0):
        message = self.simple.get(timeout=timeout)
        message.ack()
        return message

    def close(self):
        self.simple.close()
        self.conn.release()


@pytest.fixture
def replies(rabbit_config, service):
    r = Replies(rabbit_config["AMQP_URI"])
    yield r
    r.close()


def rpc_body(arg_json: str) -> bytes:
    return ('{"args": [' + arg_json + '], "kwargs": {}}').encode()


# name -> (body, content type): requests the service cannot read.
UNREADABLE_REQUESTS = {
    "nested-1000": (rpc_body(deep(1000)), "application/json"),
    "nested-100000": (rpc_body(deep(100_000)), "application/json"),
    "not-json": (b"args=1&kwargs=2", "application/json"),
    "bad-utf8": (b'{"args": ["\xff"], "kwargs": {}}', "application/json"),
    "pickle": (pickle.dumps({"args": [1], "kwargs": {}}), "application/x-python-serialize"),
    "unknown-type": (b"args: [1]", "application/yaml"),
    "no-type-bad-utf8": (b"\xff\xfe\xfd", None),
}


def test_every_unreadable_request_is_answered_validation_failed_at_once(service, replies, client):
    requests = RPC_REQUESTS.labels("kitpoison", "echo")
    errors = RPC_ERRORS.labels("kitpoison", "echo", "ValidationFailed")
    requests_before, errors_before = requests._value.get(), errors._value.get()
    started = time.monotonic()
    for case, (body, content_type) in UNREADABLE_REQUESTS.items():
        replies.request("kitpoison.echo", body, content_type, correlation_id=case)
    answers = {}
    for _ in UNREADABLE_REQUESTS:
        message = replies.get(timeout=5)
        assert message.content_type == "application/json"  # whatever the request claimed to be
        answers[message.properties["correlation_id"]] = message.payload
    assert time.monotonic() - started < 5
    assert set(answers) == set(UNREADABLE_REQUESTS)
    for case, answer in answers.items():
        assert answer["result"] is None, case
        assert answer["error"]["exc_type"] == "ValidationFailed", case
        errors_json = json.loads(answer["error"]["value"])
        assert errors_json["_schema"][0].startswith("the request body could not be read"), case
    assert "RecursionError" in answers["nested-1000"]["error"]["value"]
    assert requests._value.get() - requests_before == len(UNREADABLE_REQUESTS)
    assert errors._value.get() - errors_before == len(UNREADABLE_REQUESTS)
    # ... and it goes on serving.
    assert client.call("kitpoison", "echo", "after") == "after"


def test_an_unreadable_request_is_answered_before_any_token_check(service, replies):
    # What the attacker sent registry.get_venue: no token, a body 1,000 lists deep.
    replies.request("kitpoison.guarded", rpc_body(deep(1000)), "application/json", correlation_id="deep")
    replies.request("kitpoison.no_such_method", b"not json", "application/json", correlation_id="unknown")
    answers = {}
    for _ in range(2):
        message = replies.get(timeout=5)
        answers[message.properties["correlation_id"]] = message.payload["error"]["exc_type"]
    assert answers == {"deep": "ValidationFailed", "unknown": "MethodNotFound"}


def test_a_cloudevents_json_request_is_read_and_answered_in_json(service, replies):
    replies.request("kitpoison.echo", b'{"args": ["\xe4\xbd\xa0\xe5\xa5\xbd"], "kwargs": {}}',
                    "application/cloudevents+json", correlation_id="ce")
    message = replies.get(timeout=5)
    assert message.content_type == "application/json"
    assert message.payload == {"result": "你好", "error": None}


def test_a_request_without_reply_to_does_not_stop_the_service(service, rabbit_config, client):
    amqp = rabbit_config["AMQP_URI"]
    for body in (rpc_body('"nobody listens"'), b"not json either"):
        publish_raw(amqp, body, exchange="nameko-rpc", routing_key="kitpoison.echo",
                    content_type="application/json", correlation_id="no-reply-to")
    eventlet.sleep(0.5)
    assert client.call("kitpoison", "echo", "alive") == "alive"
    assert queue_depth(amqp, "rpc-kitpoison") == 0
