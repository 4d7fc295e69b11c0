"""Keyset (cursor) pagination, the contract's ``{"items": [...], "next_cursor": ...}``.

A cursor is the sort key of the last item of a page, opaque to callers (url-safe base64 of JSON),
tagged with the query it belongs to (the RPC and its filters, ``limit`` aside): a cursor handed
to another query, or to the same one with other filters, is ``ValidationFailed``. The next page
starts strictly after the key, so rows inserted meanwhile never shift a page: no item is repeated
or skipped across pages.
"""
from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timezone

from marshmallow import Schema, fields, validate
from sqlalchemy import tuple_

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


def decode_cursor(cursor: str | None, *types, scope: str | None = None) -> list | None:
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
    if scope is not None:
        if not isinstance(key, list) or not key or key[0] != scope:
            raise ValidationFailed({"cursor": ["not a cursor for this query"]})
        key = key[1:]
    if not isinstance(key, list) or len(key) != len(types) or not all(
            _is(part, expected) for part, expected in zip(key, types)):
        raise ValidationFailed({"cursor": ["not a cursor for this query"]})
    return key


def _is(part, expected) -> bool:
    if isinstance(part, bool) or not isinstance(part, expected):
        return False
    return not (isinstance(part, str) and unstorable(part))


def page(rows: list, limit: int, key, dump, scope: str | None = None) -> dict:
    """A page from ``rows`` fetched with ``limit + 1``: ``key(row)`` builds the next cursor."""
    more = len(rows) > limit
    rows = rows[:limit]
    prefix = [scope] if scope is not None else []
    return {"items": [dump(r) for r in rows],
            "next_cursor": encode_cursor(prefix + key(rows[-1])) if more and rows else None}


class Pager:
    """One list query's paging: ``after`` is the given cursor's key (checked: issued for this very
    query, each part of its sort key's type), ``page()`` builds the reply and the next cursor."""

    def __init__(self, query: str, filters: dict, *types, convert=None):
        """``types``: of each sort-key part as JSON holds it; ``convert(key)``: the key as the
        query compares it (a time kept as ISO text, say), raising ``ValidationFailed``."""
        self.limit = filters["limit"]
        criteria = {k: v for k, v in filters.items() if k not in ("limit", "cursor")}
        digest = hashlib.sha256(json.dumps([query, criteria], sort_keys=True, default=str).encode())
        self.scope = digest.hexdigest()[:12]
        self.after = decode_cursor(filters.get("cursor"), *types, scope=self.scope)
        if self.after is not None and convert is not None:
            self.after = convert(self.after)

    def ordered(self, stmt, *columns):
        """``stmt`` ordered by ``columns`` (the sort key; the last one unique), from after the
        cursor, one row more than the limit (that row says whether a next page exists)."""
        if self.after:
            stmt = stmt.where(tuple_(*columns) > tuple_(*self.after))
        return stmt.order_by(*columns).limit(self.limit + 1)

    def rows(self, session, stmt, *columns) -> list:
        """The objects of ``stmt`` (a one-entity ``SELECT``), ``ordered``."""
        return session.scalars(self.ordered(stmt, *columns)).all()

    def page(self, rows: list, key, dump) -> dict:
        return page(rows, self.limit, key, dump, scope=self.scope)


def cursor_time(value) -> datetime:
    """A time kept in a cursor's key (ISO 8601 with an offset); anything else was not our cursor."""
    try:
        stamp = datetime.fromisoformat(value)
        if stamp.tzinfo is None:
            raise ValueError("naive")
        stamp.astimezone(timezone.utc)
    except (TypeError, ValueError, OverflowError):
        raise ValidationFailed({"cursor": ["not a cursor for this query"]}) from None
    return stamp
