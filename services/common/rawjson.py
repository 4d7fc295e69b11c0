"""JSON stored as text and answered as it is: ``RawJSON``, and the ``dumps`` that splices it.

A reply made of documents the service already stores as JSON (the registry's venue documents:
``get_venue``, a page of ``search_venues``) used to be parsed from the database's text and encoded
again for the reply, which was most of a search page's cost. A use case can instead answer
``RawJSON(text)``: ``dumps`` (the kit's RPC replies, ``queue_consumer.Responder``) writes the text
into the reply unchanged, so the caller receives exactly the JSON it would have received from the
parsed value. In the process, a ``RawJSON`` is a read-only mapping (parsed on first use), so code
and tests that call the use case directly read it like the dict it encodes.
"""
from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping

from kombu.utils import json as kombu_json

_MARK = f"culture-raw-json-{uuid.uuid4().hex}"  # unguessable: no caller's string can equal a placeholder
_PLACEHOLDER = re.compile(f'"{_MARK}:([0-9]+)"')
_KOMBU_DEFAULT = kombu_json.JSONEncoder().default  # what kombu writes for other types (stateless)


class RawJSON(Mapping):
    """A JSON object as text, taken to be valid (the service wrote it)."""

    __slots__ = ("text", "_parsed")

    def __init__(self, text: str):
        self.text = text
        self._parsed = None

    def _value(self) -> dict:
        if self._parsed is None:
            self._parsed = json.loads(self.text)
        return self._parsed

    def __getitem__(self, key):
        return self._value()[key]

    def __iter__(self):
        return iter(self._value())

    def __len__(self) -> int:
        return len(self._value())

    def __repr__(self) -> str:
        return f"RawJSON({self.text[:60]!r}{'...' if len(self.text) > 60 else ''})"


def merged(document: Mapping, **extra) -> Mapping:
    """``{**document, **extra}``; a ``RawJSON`` stays text, ``extra`` written into it (its keys must
    not be the document's: a key twice in one object would be read as the last one)."""
    if not isinstance(document, RawJSON):
        return {**document, **extra}
    head = document.text.rstrip()[:-1].rstrip()  # the object without its closing brace
    tail = kombu_json.dumps(extra)[1:]  # '"key": value, ...}', as the reply would write it
    return RawJSON(head + (tail if head.endswith("{") or tail == "}" else ", " + tail))


def dumps(obj) -> str:
    """``obj`` as JSON, as kombu's ``json`` serializer writes it, with every ``RawJSON`` in it
    written as its text."""
    raws: list[str] = []

    def default(value):
        if isinstance(value, RawJSON):
            raws.append(value.text)
            return f"{_MARK}:{len(raws) - 1}"
        return _KOMBU_DEFAULT(value)

    text = kombu_json.dumps(obj, default=default)
    if not raws:
        return text
    return _PLACEHOLDER.sub(lambda match: raws[int(match.group(1))], text)
