"""What the services really publish matches their AsyncAPI documents (docs/asyncapi/).

Every event type of every service is written by the services' own use cases into their outboxes
on SQLite (``tests/support/event_worlds.py``: the demo seeds, then the use cases they do not
reach), published by the kit's real ``OutboxRelay`` to a real RabbitMQ, and read off the broker
from a queue bound to each ``<service>.events`` exchange. Each message must be the document's
message for its routing key: the envelope valid against the message's payload schema (``$ref``
resolved in the document), its ``data`` valid against the schema its ``dataschema`` URN names,
sent in CloudEvents structured mode (``application/cloudevents+json``, ``message_id`` = ``id``).
"""
from __future__ import annotations

import json
from collections import Counter

import pytest
from jsonschema import Draft7Validator
from kombu import Connection, Exchange, Queue
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from services.common import asyncapi
from services.common.db import Database
from services.common.outbox import OutboxRelay

from ...conftest import config_for
from ...support import event_worlds

DOCUMENT_URI = "urn:culture:asyncapi:{service}"


def relay_service(service: str):
    """The service's outbox and the kit's relay, and nothing else of the service."""
    outbox = asyncapi.outbox_of(service)
    return type(f"{service.title()}Relay", (), {"name": f"{service}-relay", "db": Database(outbox.table.metadata),
                                                 "relay": OutboxRelay(outbox)})


def registry_of(documents: dict) -> Registry:
    """Each document by its own URI, and each payload schema by its ``$id`` (the ``dataschema``)."""
    resources = [(DOCUMENT_URI.format(service=s), Resource.from_contents(d, default_specification=DRAFT7))
                 for s, d in documents.items()]
    resources += [(schema["$id"], Resource.from_contents(schema, default_specification=DRAFT7))
                  for d in documents.values() for schema in d["components"]["schemas"].values()]
    return Registry().with_resources(resources)


@pytest.fixture
def service_name():
    return "kit"


@pytest.fixture
def published(tmp_path, container_factory, rabbit_config):
    """``{service: [(message properties, routing key, envelope), ...]}``: everything relayed."""
    urls = event_worlds.build(tmp_path)
    amqp = rabbit_config["AMQP_URI"]
    queues = {s: Queue(f"asyncapi-test-{s}", Exchange(f"{s}.events", type="topic", durable=True), routing_key="#")
              for s in asyncapi.SERVICES}
    with Connection(amqp) as conn:
        for queue in queues.values():
            queue(conn.default_channel).declare()
    for service in asyncapi.SERVICES:
        container_factory(relay_service(service), config_for(service, amqp, urls[service])).start()
    expected = {s: _outbox_size(urls[s], s) for s in asyncapi.SERVICES}
    got = {}
    with Connection(amqp) as conn:
        for service, queue in queues.items():
            simple = conn.SimpleQueue(queue)
            got[service] = []
            while len(got[service]) < expected[service]:
                message = simple.get(timeout=30)  # the relay publishes in batches of 200, confirmed
                got[service].append((message.properties, message.delivery_info["routing_key"],
                                     json.loads(message.body)))
                message.ack()
            simple.close()
    return got


def _outbox_size(url: str, service: str) -> int:
    from sqlalchemy import create_engine, func, select

    engine = create_engine(url)
    with engine.connect() as conn:
        count = conn.scalar(select(func.count()).select_from(asyncapi.outbox_of(service).table))
    engine.dispose()
    return count


def test_every_published_event_is_the_message_its_document_describes(published):
    documents = {s: json.loads(asyncapi.path_of(s).read_text(encoding="utf-8")) for s in asyncapi.SERVICES}
    registry = registry_of(documents)
    problems, seen = Counter(), Counter()  # (service, type, what is wrong) -> how many events
    for service, messages in published.items():
        validators = {t: Draft7Validator({"$ref": f"{DOCUMENT_URI.format(service=service)}#/components/messages/{t}"
                                                  "/payload"}, registry=registry)
                      for t in documents[service]["components"]["messages"]}
        for properties, routing_key, envelope in messages:
            seen[(service, routing_key)] += 1
            for problem in _problems(validators.get(routing_key), registry, properties, envelope):
                problems[(service, routing_key, problem)] += 1
    assert not problems, f"{sum(problems.values())} problems:\n" + "\n".join(
        f"{service} {event_type} (x{n}): {problem}" for (service, event_type, problem), n in list(problems.items())[:60])
    every_type = {(s, t) for s in asyncapi.SERVICES for t in asyncapi.outbox_of(s).schemas}
    assert every_type - set(seen) == set(), "event types never published by the scenario"


def _problems(validator, registry, properties, envelope):
    if validator is None:
        yield "no such channel in the service's document"
        return
    for error in validator.iter_errors(envelope):
        yield f"envelope /{'/'.join(map(str, error.absolute_path))}: {error.message[:300]}"
    urn = envelope.get("dataschema")
    if isinstance(urn, str) and urn not in registry:
        yield f"dataschema {urn} names no schema of the documents"
    elif isinstance(urn, str):
        for error in Draft7Validator(registry.contents(urn), registry=registry).iter_errors(envelope["data"]):
            yield f"data (by dataschema) /{'/'.join(map(str, error.absolute_path))}: {error.message[:300]}"
    if properties.get("content_type") != asyncapi.CONTENT_TYPE:
        yield f"content type {properties.get('content_type')!r}, not CloudEvents structured mode"
    if properties.get("message_id") != envelope.get("id"):
        yield "the AMQP message_id is not the envelope's id"
