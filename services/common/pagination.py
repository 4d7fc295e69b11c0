"""Keyset (cursor) pagination, the contract's ``{"items": [...], "next_cursor": ...}``.

A cursor is the sort key of the last item of a page, opaque to callers (url-safe base64 of JSON).
The next page starts strictly after that key, so rows inserted meanwhile never shift a page: no
item is repeated or skipped across pages.
"""
from __future__ import annotations

import base64
import json

from marshmallow import Schema, fields, validate

from .errors import ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class PageQuery(Schema):
    """``limit`` (default 50, at most 500) and ``cursor``; list filters extend it."""

    limit = fields.Integer(load_default=DEFAULT_LIMIT, strict=True,
                           validate=validate.Range(min=1, max=MAX_LIMIT))
    cursor = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


def encode_cursor(key: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, arity: int) -> list | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
    except (ValueError, TypeError):
        raise ValidationFailed({"cursor": ["not a cursor this service issued"]}) from None
    if not isinstance(key, list) or len(key) != arity:
        raise ValidationFailed({"cursor": ["not a cursor for this query"]})
    return key


def page(rows: list, limit: int, key, dump) -> dict:
    """A page from ``rows`` fetched with ``limit + 1``: ``key(row)`` builds the next cursor."""
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [dump(r) for r in rows],
            "next_cursor": encode_cursor(key(rows[-1])) if more and rows else None}
