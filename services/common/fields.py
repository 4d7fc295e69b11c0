"""marshmallow fields every service's input schemas use.

- ``Text``: a string a database can store — no NUL character (PostgreSQL refuses it, SQLite keeps
  it), no lone surrogate (not UTF-8).
- ``Number``: a JSON number, never a numeric string (integers are loaded ``strict`` likewise).
- ``Bool``: a JSON boolean, never 1 or "true".
"""
from __future__ import annotations

import re

from marshmallow import ValidationError, fields

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
