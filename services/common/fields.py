"""marshmallow fields every service's input schemas use.

- ``Text``: a string a database can store — no NUL character (PostgreSQL refuses it, SQLite keeps
  it), no lone surrogate (not UTF-8).
- ``Number``: a JSON number, never a numeric string (integers are loaded ``strict`` likewise).
- ``Bool``: a JSON boolean, never 1 or "true".
- ``load_id(name, value)``: an id given as a plain RPC argument.
"""
from __future__ import annotations

import re

from marshmallow import RAISE, Schema, ValidationError, fields, validate

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


_ID_SCHEMAS: dict[str, Schema] = {}


def load_id(name: str, value) -> str:
    """An id passed as its own RPC argument (``get_venue(venue_id)``): a non-empty storable string
    of at most 64 characters, refused as ``ValidationFailed`` under the argument's own name."""
    if name not in _ID_SCHEMAS:
        fields_ = {name: Text(required=True, validate=validate.Length(min=1, max=64))}
        _ID_SCHEMAS[name] = Schema.from_dict(fields_, name=f"{name}Argument")(unknown=RAISE)
    return _ID_SCHEMAS[name].load({name: value})[name]
