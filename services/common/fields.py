"""marshmallow fields and schema bases every service's schemas use.

- ``Strict``: the base of every input schema: an unknown field is refused, so a typo is never
  silently ignored. ``Lenient``: the base of the schemas of events a service consumes: other keys
  are ignored, so a publisher may add some.
- ``Text``: a string a database can store — no NUL character (PostgreSQL refuses it, SQLite keeps
  it), no lone surrogate (not UTF-8). ``Id``: 1 to 64 such characters. ``Name``: a name or title,
  1 to 200 characters, not blank (``NOT_BLANK``).
- ``Number``: a JSON number, never a numeric string (integers are loaded ``strict`` likewise).
- ``Bool``: a JSON boolean, never 1 or "true".
- ``When``: a time on the wire (``clock``): loaded from ISO 8601 with any offset, from 1900 to
  2999; dumped with ``+08:00``.
- ``Money``: an amount of yuan, never a float: a decimal string with two places on the wire.
- ``load_id(name, value)``: an id given as a plain RPC argument.
- ``schema_of(cls)``: the one instance of a schema class every call shares (a schema keeps no
  state between loads and dumps; making one copies its fields, ~0.04–0.1 ms a call).
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from decimal import Decimal
from functools import cache

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate

from .clock import to_wire

# What an ISO 8601 time is written with: Python's ``fromisoformat`` lets one stray character through
# before the offset ("...10:00:00\x00+08:00" loads as 10:00+08:00).
_TIME_CHARACTERS = re.compile(r"[0-9T:+\-.,ZW ]+")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(text: str) -> bool:
    """True for text no database stores: a NUL character, or a lone surrogate."""
    return _UNSTORABLE.search(text) is not None


class Text(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if unstorable(text):
            raise ValidationError("must not contain NUL characters or lone surrogates")
        return text


NOT_BLANK = validate.Regexp(r"\S", error="must not be blank")


def Id(**kwargs) -> Text:  # noqa: N802 - a field, named like one
    return Text(validate=validate.Length(min=1, max=64), **kwargs)


def Name(**kwargs) -> Text:  # noqa: N802
    return Text(validate=[validate.Length(min=1, max=200), NOT_BLANK], **kwargs)


class Number(fields.Float):
    def _validated(self, value):
        if isinstance(value, (str, bytes)):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


class Bool(fields.Boolean):
    """A JSON boolean only: not 1, not "true"."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


EARLIEST, LATEST = datetime(1900, 1, 1, tzinfo=timezone.utc), datetime(3000, 1, 1, tzinfo=timezone.utc)


class When(fields.AwareDateTime):
    """A time: loaded from ISO 8601 with an offset, from 1900 to 2999 (UTC) — further out,
    converting it, or adding a lecture's length, would overflow Python's datetime; dumped as the
    wire writes every time (``clock.to_wire``: ``+08:00``), whatever it was stored or given in."""

    def __init__(self, **kwargs):
        super().__init__(format="iso", **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else to_wire(value)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and not _TIME_CHARACTERS.fullmatch(value):  # Python's parser
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE)  # skips some (a NUL)
        when = super()._deserialize(value, attr, data, **kwargs)
        try:
            in_range = EARLIEST <= when.astimezone(timezone.utc) < LATEST
        except OverflowError:
            in_range = False
        if not in_range:
            raise ValidationError("must be from 1900 to 2999")
        return when


class Strict(Schema):
    class Meta:
        unknown = RAISE


class Lenient(Schema):
    class Meta:
        unknown = EXCLUDE


@cache
def schema_of(cls: type[Schema]) -> Schema:
    """The shared instance of ``cls`` (made on first use)."""
    return cls()


_ID_ARGUMENT = Id(required=True)


def load_id(name: str, value) -> str:
    """An id passed as its own RPC argument (``get_venue(venue_id)``): a non-empty storable string
    of at most 64 characters, refused as ``ValidationFailed`` under the argument's own name (the
    field's own errors, as a one-field schema would give them, without a schema per call)."""
    try:
        return _ID_ARGUMENT.deserialize(value)
    except ValidationError as exc:
        raise ValidationError({name: exc.messages}) from None


class Money(fields.Decimal):
    """An amount of yuan, never a float: a decimal string with two places on the wire ("800.00"),
    a ``Decimal`` in Python, ``NUMERIC(12, 2)`` in the database. Loaded from such a string or
    from a JSON number; more than two decimal places (below one fen) is refused, not rounded."""

    AMOUNT = re.compile(r"[0-9]{1,16}(\.[0-9]{1,2})?")
    FEN = Decimal("0.01")
    LIMIT = Decimal(10) ** 15

    def __init__(self, **kwargs):
        super().__init__(as_string=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (bytes, bool)) or (isinstance(value, str) and not self.AMOUNT.fullmatch(value)):
            raise self.make_error("invalid")
        amount = super()._deserialize(value, attr, data, **kwargs)
        if abs(amount) >= self.LIMIT:  # quantizing it would overflow the decimal context
            raise ValidationError(f"must be less than {self.LIMIT:,}")
        if amount != amount.quantize(self.FEN):
            raise ValidationError("at most two decimal places (fen)")
        return amount

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(Decimal(value).quantize(self.FEN))
