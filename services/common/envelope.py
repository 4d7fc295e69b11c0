"""The event envelope: CloudEvents 1.0, JSON format, exactly.

```
{"specversion": "1.0", "id": "<uuid>", "source": "culture/<service>", "type": "<event type>",
 "time": "<RFC 3339, +08:00>", "subject": "<entity id>", "datacontenttype": "application/json",
 "dataschema": "urn:culture:schema:<service>:<event type>:<schemaversion>",
 "seq": <per-service sequence>, "schemaversion": 1, "data": {...}}
```

``seq`` and ``schemaversion`` are the platform's extension attributes. ``new_envelope`` writes
every attribute above, ``time`` as every time on the wire is written (``clock.to_wire``);
``dataschema_uri`` is the ``$id`` of the payload's JSON Schema in ``docs/asyncapi/``.

``ENVELOPE.load`` decides what a consumer or follower accepts (a refused envelope is
dead-lettered): the required attributes (``specversion`` exactly ``1.0``, ``id`` of 1..36
characters, ``source`` ``culture/<service>``, ``type`` an event type) and ``data``, a JSON object;
the optional ones when present (``time`` with any offset, ``subject`` 1..64 characters,
``datacontenttype`` a JSON media type, ``dataschema``); ``seq`` (an integer ≥ 1 or null) and
``schemaversion`` (an integer ≥ 1) when present; any other extension attribute whose name is
lowercase letters and digits and whose value is a string, an integer, a boolean or null. Refused:
any other name (``schema_version``, ``data_base64``, ``Seq``), an object or a float as an
extension's value. ``with_defaults`` gives a handler what it may rely on: ``seq`` None when the
producer sent none (the event is applied by its ``id``), ``schemaversion`` 1 when absent.
"""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone

from marshmallow import INCLUDE, Schema, ValidationError, fields, validate, validates_schema

from .clock import to_wire, utcnow  # noqa: F401 - utcnow: kit modules still import it from here

DATACONTENTTYPE = "application/json"
CLOUDEVENTS_JSON = "application/cloudevents+json"  # structured mode
ATTRIBUTE_NAME = re.compile(r"^[a-z0-9]+$")
JSON_MEDIA_TYPE = re.compile(r"^(application|text)/([a-zA-Z0-9.+-]+\+)?json(\s*;.*)?$")
EXTENSION_VALUE_TYPES = (str, int, bool, type(None))  # CloudEvents' String, Integer, Boolean; null: absent


def dataschema_uri(service: str, event_type: str, version: int = 1) -> str:
    """The ``dataschema`` of ``service``'s ``event_type`` at ``version``: the ``$id`` of its JSON Schema."""
    return f"urn:culture:schema:{service}:{event_type}:{version}"


class EnvelopeSchema(Schema):
    class Meta:
        unknown = INCLUDE  # extension attributes: checked below

    specversion = fields.String(required=True, validate=validate.Equal("1.0"))
    id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    source = fields.String(required=True, validate=validate.Regexp(r"^culture/[a-z_]+$"))
    type = fields.String(required=True, validate=validate.Regexp(r"^[a-z]+(_[a-z]+)+$"))
    time = fields.AwareDateTime(format="iso")
    subject = fields.String(validate=validate.Length(min=1, max=64))
    datacontenttype = fields.String(validate=validate.Regexp(JSON_MEDIA_TYPE))
    dataschema = fields.String(validate=validate.Length(min=1, max=1000))
    seq = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1))
    schemaversion = fields.Integer(strict=True, validate=validate.Range(min=1))
    data = fields.Dict(required=True)

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _extensions(self, data, original, **kwargs):
        if not isinstance(original, dict):
            return
        errors = {}
        for name, value in original.items():
            if name in self.fields:
                continue
            if not ATTRIBUTE_NAME.match(name):
                errors[name] = ["Not a CloudEvents attribute name (lowercase letters and digits only)."]
            elif not isinstance(value, EXTENSION_VALUE_TYPES):
                errors[name] = ["An extension attribute is a string, an integer or a boolean."]
        if errors:
            raise ValidationError(errors)


ENVELOPE = EnvelopeSchema()


def with_defaults(envelope: dict) -> dict:
    """``envelope`` as a handler gets it: ``seq`` None and ``schemaversion`` 1 when absent."""
    return {"seq": None, "schemaversion": 1, **envelope}


def new_envelope(service: str, event_type: str, subject: str, data: dict, *, schemaversion: int = 1,
                 time: str | None = None) -> dict:
    """A new envelope without its ``seq``: the outbox numbers it when the row is written. ``time``:
    the event's time as the wire writes it (``to_wire``), default now (``Outbox.emit_many`` gives a
    batch written at once one time)."""
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": f"culture/{service}",
        "type": event_type,
        "time": to_wire(utcnow()) if time is None else time,
        "subject": str(subject),
        "datacontenttype": DATACONTENTTYPE,
        "dataschema": dataschema_uri(service, event_type, schemaversion),
        "seq": None,
        "schemaversion": schemaversion,
        "data": data,
    }


def from_storage(envelope: dict) -> dict:
    """A stored envelope in the current shape. The services' migrations rewrote every envelope
    stored before CloudEvents 1.0 exactly (``schema_version`` → ``schemaversion``, with
    ``datacontenttype`` and ``dataschema``); this does the same on read for a row that a replica
    of the release before writes while a rolling update runs."""
    if "schema_version" not in envelope:
        return envelope
    current = {k: v for k, v in envelope.items() if k not in ("schema_version", "data")}
    version = envelope["schema_version"]
    service = str(envelope.get("source", "")).removeprefix("culture/")
    current.update(datacontenttype=DATACONTENTTYPE, dataschema=dataschema_uri(service, envelope.get("type"), version),
                   schemaversion=version, data=envelope.get("data"))
    return current


# --- binary mode (the CloudEvents AMQP binding) ----------------------------------------------

BINARY_PREFIXES = ("cloudEvents_", "cloudEvents:")
INTEGER_EXTENSIONS = ("seq", "schemaversion")


def from_message(body, content_type: str | None, headers: dict | None):
    """The envelope an AMQP message carries, to be loaded with ``ENVELOPE``. Structured mode (content
    type ``application/cloudevents+json``, or ``application/json`` without ``cloudEvents_``
    properties): the body. Binary mode (``application/json`` with the attributes as application
    properties ``cloudEvents_<name>`` or ``cloudEvents:<name>``): those attributes,
    ``datacontenttype`` the message's content type, ``data`` the body; ``time`` as an AMQP
    timestamp (milliseconds since the epoch, or the broker's datetime) or a string, ``seq`` and
    ``schemaversion`` as integers or their decimal strings."""
    headers = headers or {}
    binary = {key[len(prefix):]: value for key, value in headers.items() for prefix in BINARY_PREFIXES
              if isinstance(key, str) and key.startswith(prefix)}
    if not binary or (content_type or "").lower().startswith("application/cloudevents"):
        return body
    for name, value in binary.items():
        if isinstance(value, bytes):
            binary[name] = value = value.decode("utf-8", "replace")
        if name == "time" and isinstance(value, datetime):
            binary[name] = to_wire(value if value.tzinfo else value.replace(tzinfo=timezone.utc))
        elif name == "time" and isinstance(value, int) and not isinstance(value, bool):
            try:
                binary[name] = to_wire(datetime.fromtimestamp(value / 1000, tz=timezone.utc))
            except (OverflowError, OSError, ValueError):
                pass  # left as it came: ENVELOPE refuses it
        elif name in INTEGER_EXTENSIONS and isinstance(value, str) and value.isdigit():
            binary[name] = int(value)
    if content_type:
        binary["datacontenttype"] = content_type
    return {**binary, "data": body}
