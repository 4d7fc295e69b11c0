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
from .fields import unstorable

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class PageQuery(Schema):
    """``limit`` (default 50, at most 500) and ``cursor``; list filters extend it."""

    limit = fields.Integer(load_default=DEFAULT_LIMIT, strict=True,
                           validate=validate.Range(min=1, max=MAX_LIMIT))
    cursor = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


def encode_cursor(key: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, *types) -> list | None:
    """The sort key in ``cursor``, each part of the type given for it (a type or a tuple of them).

    Anything else is ``ValidationFailed`` on ``cursor``: a forged or damaged cursor, or one issued
    for a query sorted on other columns, never reaches a comparison in SQL.
    """
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
    except (ValueError, TypeError, RecursionError):
        raise ValidationFailed({"cursor": ["not a cursor this service issued"]}) from None
    if not isinstance(key, list) or len(key) != len(types) or not all(
            _is(part, expected) for part, expected in zip(key, types)):
        raise ValidationFailed({"cursor": ["not a cursor for this query"]})
    return key


def _is(part, expected) -> bool:
    if isinstance(part, bool) or not isinstance(part, expected):
        return False
    return not (isinstance(part, str) and unstorable(part))


def page(rows: list, limit: int, key, dump) -> dict:
    """A page from ``rows`` fetched with ``limit + 1``: ``key(row)`` builds the next cursor."""
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [dump(r) for r in rows],
            "next_cursor": encode_cursor(key(rows[-1])) if more and rows else None}
