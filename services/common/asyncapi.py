"""The AsyncAPI 3.0 document of each service's events, generated from the service's own code.

``python -m services.common.asyncapi`` writes ``docs/asyncapi/<service>.json`` for every service;
``--check`` writes nothing and exits 1 when a checked-in file differs from what the code gives.

What a document holds, and where it comes from:
- every event type the service publishes, and the marshmallow schema that dumps its ``data``: the
  ``schemas`` of the service's ``Outbox`` (``services/<service>/usecases/shared.py``);
- ``components.schemas["<type>.v<N>"]``: that schema as JSON Schema (apispec's
  ``MarshmallowPlugin``), ``$id`` the URN the envelope's ``dataschema`` names
  (``urn:culture:schema:<service>:<type>:<N>``). A dump schema writes every field it declares, so
  each object requires all its properties and allows no others; the kit's fields are mapped to
  what they write (``Money``: a string with two decimals; ``When``: a date-time with ``+08:00``);
- ``components.messages["<type>"]``: the CloudEvents 1.0 envelope in structured mode (content type
  ``application/cloudevents+json``): every attribute required, ``specversion``, ``type``,
  ``source``, ``datacontenttype``, ``dataschema`` and ``schemaversion`` constants, ``time`` with
  ``+08:00``, ``data`` a ``$ref`` to the payload schema;
- ``channels["<type>"]``: one per event type, address = the routing key, the AMQP binding naming
  the topic exchange ``<service>.events`` (``is: routingKey``); ``operations["publish_<type>"]``:
  the service sends it there.

Deterministic: keys sorted, no timestamps, so a regenerate-and-compare test can keep it true.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter
from apispec.ext.marshmallow.common import resolve_schema_instance
from marshmallow import fields

from . import VERSION
from .envelope import CLOUDEVENTS_JSON, DATACONTENTTYPE, dataschema_uri
from .fields import Money, When

SERVICES = ("registry", "events", "talent", "awards")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "asyncapi"
AMQP_BINDING = "0.3.0"
CONTENT_TYPE = CLOUDEVENTS_JSON
WIRE_TIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?\+08:00$"
MONEY = r"^[0-9]+\.[0-9]{2}$"
SCHEMA_VERSION = 1  # every payload is at its first schemaversion; a v2 published beside it goes here


class _DumpConverter(OpenAPIConverter):
    """A schema as what it dumps: the fields written (not ``load_only``), each always present,
    nothing else."""

    def schema2jsonschema(self, schema):
        instance = resolve_schema_instance(schema)
        jsonschema = self.fields2jsonschema(instance.dump_fields)
        jsonschema["required"] = sorted(jsonschema["properties"])
        jsonschema["additionalProperties"] = False
        return jsonschema

    def field2property(self, field):
        prop = super().field2property(field)
        prop.pop("readOnly", None)  # every field of a dump schema is written: the flag says nothing
        return prop


class _Plugin(MarshmallowPlugin):
    Converter = _DumpConverter


def _kit_fields(self, field, **_) -> dict:
    if isinstance(field, fields.Constant):
        return {"const": field.constant}
    if isinstance(field, Money):
        return {"pattern": MONEY}
    if isinstance(field, When):
        return {"pattern": WIRE_TIME}
    return {}


def _converter() -> _DumpConverter:
    plugin = _Plugin(schema_name_resolver=lambda schema: None)  # nested schemas inline: self-contained
    APISpec("culture", VERSION, openapi_version="3.1.0", plugins=[plugin])
    plugin.map_to_openapi_type(Money, "string", None)
    plugin.converter.add_attribute_function(_kit_fields)
    return plugin.converter


def outbox_of(service: str):
    """The service's ``Outbox`` (importing its use cases starts nothing)."""
    return importlib.import_module(f"services.{service}.usecases.shared").OUTBOX


def envelope_schema(service: str, event_type: str, payload_ref: str) -> dict:
    """The JSON Schema of one event type's envelope (the contract's CloudEvents 1.0 event)."""
    def const(value, type_):
        return {"type": type_, "const": value}

    properties = {
        "specversion": const("1.0", "string"),
        "id": {"type": "string", "format": "uuid", "minLength": 1, "maxLength": 36},
        "source": const(f"culture/{service}", "string"),
        "type": const(event_type, "string"),
        "time": {"type": "string", "format": "date-time", "pattern": WIRE_TIME},
        "subject": {"type": "string", "minLength": 1, "maxLength": 64},
        "datacontenttype": const(DATACONTENTTYPE, "string"),
        "dataschema": const(dataschema_uri(service, event_type, SCHEMA_VERSION), "string"),
        "seq": {"type": "integer", "minimum": 1, "description": "the service's event sequence (events_since)"},
        "schemaversion": const(SCHEMA_VERSION, "integer"),
        "data": {"$ref": payload_ref},
    }
    return {"type": "object", "properties": properties, "required": sorted(properties),
            "additionalProperties": False}


def document(service: str) -> dict:
    """The AsyncAPI 3.0.0 document of ``service``'s events."""
    converter = _converter()
    exchange = {"name": f"{service}.events", "type": "topic", "durable": True, "autoDelete": False, "vhost": "/"}
    channels, operations, messages, schemas = {}, {}, {}, {}
    for event_type, schema in sorted(outbox_of(service).schemas.items()):
        schema_key = f"{event_type}.v{SCHEMA_VERSION}"
        payload = converter.schema2jsonschema(schema)
        schemas[schema_key] = {"$id": dataschema_uri(service, event_type, SCHEMA_VERSION),
                               "title": type(schema).__name__, **payload}
        messages[event_type] = {
            "name": event_type,
            "title": event_type,
            "contentType": CONTENT_TYPE,
            "description": f"A CloudEvents 1.0 event in AMQP structured mode; message_id = the envelope's id; "
                           f"data: {type(schema).__name__}.",
            "payload": envelope_schema(service, event_type, f"#/components/schemas/{schema_key}"),
            "bindings": {"amqp": {"messageType": event_type, "bindingVersion": AMQP_BINDING}},
        }
        channels[event_type] = {
            "address": event_type,
            "title": f"{service}.events / {event_type}",
            "messages": {event_type: {"$ref": f"#/components/messages/{event_type}"}},
            "bindings": {"amqp": {"is": "routingKey", "exchange": exchange, "bindingVersion": AMQP_BINDING}},
        }
        operations[f"publish_{event_type}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{event_type}"},
            "messages": [{"$ref": f"#/channels/{event_type}/messages/{event_type}"}],
            "bindings": {"amqp": {"deliveryMode": 2, "bindingVersion": AMQP_BINDING}},
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": f"Workers' Culture Platform: {service} events",
            "version": VERSION,
            "description": f"The events the {service} service publishes on the topic exchange {service}.events "
                           "(routing key = event type), from its outbox. Generated by "
                           "`python -m services.common.asyncapi`; do not edit.",
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {
            "broker": {
                "host": "{host}",
                "protocol": "amqp",
                "protocolVersion": "0.9.1",
                "description": "RabbitMQ (AMQP_URI)",
                "variables": {"host": {"default": "localhost:5672", "description": "host:port of the broker"}},
            },
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def render(service: str) -> str:
    return json.dumps(document(service), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def path_of(service: str, docs: Path = DOCS) -> Path:
    return docs / f"{service}.json"


def stale(docs: Path = DOCS) -> list[str]:
    """The services whose checked-in document differs from what the code gives."""
    return [s for s in SERVICES
            if not path_of(s, docs).exists() or path_of(s, docs).read_text(encoding="utf-8") != render(s)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a document is stale")
    args = parser.parse_args(argv)
    if args.check:
        out = stale()
        for service in out:
            print(f"{path_of(service)} is stale: run `make asyncapi`", file=sys.stderr)
        return 1 if out else 0
    DOCS.mkdir(parents=True, exist_ok=True)
    for service in SERVICES:
        path_of(service).write_text(render(service), encoding="utf-8")
        print(path_of(service))
    return 0


if __name__ == "__main__":
    sys.exit(main())
