"""The AsyncAPI documents under docs/asyncapi/: what the code gives, and sound as AsyncAPI 3.0.

The official AsyncAPI 3.0.0 JSON Schema ships in no Python package, so the structure is checked
here by its invariants: every operation's channel and messages resolve, every ``$ref`` resolves,
every payload schema is a valid JSON Schema whose ``$id`` is its envelope's ``dataschema``.
"""
from __future__ import annotations

import json

import pytest
from jsonschema import Draft7Validator

from services.common import asyncapi

CONTRACT_ATTRIBUTES = ["data", "datacontenttype", "dataschema", "id", "schemaversion", "seq", "source",
                       "specversion", "subject", "time", "type"]


def checked_in(service: str) -> dict:
    return json.loads(asyncapi.path_of(service).read_text(encoding="utf-8"))


def pointer(document: dict, ref: str):
    assert ref.startswith("#/"), f"{ref}: only references inside the document are used"
    node = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"{ref} does not resolve"
        node = node[part]
    return node


def refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def test_the_checked_in_documents_are_what_the_code_generates():
    stale = asyncapi.stale()
    assert not stale, (f"docs/asyncapi/ is stale for {stale}: the event schemas changed. Regenerate with "
                       "`make asyncapi` (python -m services.common.asyncapi) and commit the result.")


def test_generating_twice_gives_the_same_bytes():
    assert [asyncapi.render(s) for s in asyncapi.SERVICES] == [asyncapi.render(s) for s in asyncapi.SERVICES]


@pytest.mark.parametrize("service", asyncapi.SERVICES)
def test_a_document_has_a_channel_operation_and_message_for_every_event_type_it_publishes(service):
    doc = checked_in(service)
    types = sorted(asyncapi.outbox_of(service).schemas)
    assert doc["asyncapi"] == "3.0.0"
    assert sorted(doc["channels"]) == types
    assert sorted(doc["components"]["messages"]) == types
    assert sorted(doc["operations"]) == [f"publish_{t}" for t in types]
    assert doc["servers"]["broker"]["protocol"] == "amqp"
    for event_type, channel in doc["channels"].items():
        assert channel["address"] == event_type  # the routing key
        assert channel["bindings"]["amqp"]["is"] == "routingKey"
        assert channel["bindings"]["amqp"]["exchange"] == {
            "name": f"{service}.events", "type": "topic", "durable": True, "autoDelete": False, "vhost": "/"}


@pytest.mark.parametrize("service", asyncapi.SERVICES)
def test_every_operation_sends_a_message_of_its_own_channel_and_every_reference_resolves(service):
    doc = checked_in(service)
    for name, operation in doc["operations"].items():
        assert operation["action"] == "send", name
        channel_ref = operation["channel"]["$ref"]
        channel = pointer(doc, channel_ref)
        for message in operation["messages"]:
            assert message["$ref"].startswith(channel_ref + "/messages/"), (name, message)
            pointer(doc, message["$ref"])
        for message in channel["messages"].values():
            assert message["$ref"].startswith("#/components/messages/")
    for ref in refs(doc):
        pointer(doc, ref)


@pytest.mark.parametrize("service", asyncapi.SERVICES)
def test_every_message_is_the_contracts_cloudevent_with_its_payload_schema_as_data(service):
    doc = checked_in(service)
    for event_type, message in doc["components"]["messages"].items():
        assert message["contentType"] == "application/cloudevents+json"
        assert message["bindings"]["amqp"]["messageType"] == event_type
        envelope = message["payload"]
        Draft7Validator.check_schema(envelope)
        assert sorted(envelope["required"]) == CONTRACT_ATTRIBUTES
        assert envelope["additionalProperties"] is False
        consts = {k: v.get("const") for k, v in envelope["properties"].items()}
        assert consts["type"] == event_type
        assert consts["source"] == f"culture/{service}"
        assert consts["specversion"] == "1.0"
        assert consts["datacontenttype"] == "application/json"
        payload = pointer(doc, envelope["properties"]["data"]["$ref"])
        assert payload["$id"] == consts["dataschema"] == f"urn:culture:schema:{service}:{event_type}:1"
        Draft7Validator.check_schema(payload)


def test_the_kits_fields_are_described_as_they_are_written():
    schemas = checked_in("events")["components"]["schemas"]
    delivered = schemas["lecture_delivered.v1"]["properties"]
    assert delivered["federation_cost"]["type"] == "string"  # Money: never a float
    Draft7Validator(delivered["federation_cost"]).validate("800.00")
    assert not Draft7Validator(delivered["federation_cost"]).is_valid("800.5")
    starts_at = schemas["activity_scheduled.v1"]["properties"]["starts_at"]
    assert starts_at["format"] == "date-time"
    Draft7Validator(starts_at).validate("2026-05-01T19:30:00+08:00")
    assert not Draft7Validator(starts_at).is_valid("2026-05-01T11:30:00Z")  # the wire writes +08:00
    registration = schemas["registration_confirmed.v1"]
    assert registration["additionalProperties"] is False
    assert registration["required"] == sorted(registration["properties"])
