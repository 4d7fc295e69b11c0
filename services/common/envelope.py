"""The event envelope, after CloudEvents 1.0, as the contract gives it.

```
{"specversion": "1.0", "id": "<uuid>", "source": "culture/<service>", "type": "<event type>",
 "time": "<ISO 8601>", "subject": "<entity id>", "seq": <per-service sequence>,
 "schema_version": 1, "data": {...}}
```

``time`` is written as every time on the wire is (``clock.to_wire``: ``+08:00``); any offset is
accepted when an envelope is loaded.
"""
from __future__ import annotations

import uuid

from marshmallow import RAISE, Schema, fields, validate

from .clock import to_wire, utcnow  # noqa: F401 - utcnow: kit modules still import it from here


class EnvelopeSchema(Schema):
    class Meta:
        unknown = RAISE

    specversion = fields.String(required=True, validate=validate.Equal("1.0"))
    id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    source = fields.String(required=True, validate=validate.Regexp(r"^culture/[a-z_]+$"))
    type = fields.String(required=True, validate=validate.Regexp(r"^[a-z]+(_[a-z]+)+$"))
    time = fields.AwareDateTime(required=True, format="iso")
    subject = fields.String(required=True, validate=validate.Length(min=1, max=64))
    seq = fields.Integer(required=True, allow_none=True, validate=validate.Range(min=1))
    schema_version = fields.Integer(required=True, validate=validate.Range(min=1))
    data = fields.Dict(required=True)


ENVELOPE = EnvelopeSchema()


def new_envelope(service: str, event_type: str, subject: str, data: dict, *, schema_version: int = 1,
                 time: str | None = None) -> dict:
    """A new envelope without its ``seq``: the outbox numbers it when the row is written. ``time``:
    the event's time as the wire writes it (``to_wire``), default now (``Outbox.prepare_many`` gives
    a batch written at once one time)."""
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": f"culture/{service}",
        "type": event_type,
        "time": to_wire(utcnow()) if time is None else time,
        "subject": str(subject),
        "seq": None,
        "schema_version": schema_version,
        "data": data,
    }
