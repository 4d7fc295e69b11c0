"""A reply with stored JSON spliced in (``rawjson``) reads, at the caller, exactly as the reply
with that JSON parsed and encoded again would; a caller's string that looks like the splice
marker stays a string; in the process a ``RawJSON`` reads like the dict it encodes."""
from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st
from kombu.utils import json as kombu_json

from services.common import rawjson
from services.common.rawjson import RawJSON

scalars = st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.floats(allow_nan=False) | st.text()
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)
documents = st.dictionaries(st.text(max_size=8), values, max_size=6)


@given(st.lists(documents, max_size=5), st.text())
def test_a_spliced_reply_reads_as_the_reencoded_one(docs, cursor):
    stored = [json.dumps(d) for d in docs]  # as SQLAlchemy's JSON column writes them
    spliced = rawjson.dumps({"result": {"items": [RawJSON(t) for t in stored], "next_cursor": cursor},
                             "error": None})
    reencoded = kombu_json.dumps({"result": {"items": [json.loads(t) for t in stored], "next_cursor": cursor},
                                  "error": None})
    assert json.loads(spliced) == json.loads(reencoded)


def test_a_string_shaped_like_the_marker_is_not_replaced():
    marker_like = f"{rawjson._MARK}:0"
    out = json.loads(rawjson.dumps({"a": RawJSON('{"x": 1}'), "b": marker_like.replace("raw", "RAW"),
                                    "c": "culture-raw-json-0:0"}))
    assert out == {"a": {"x": 1}, "b": marker_like.replace("raw", "RAW"), "c": "culture-raw-json-0:0"}


def test_in_the_process_it_reads_like_its_dict():
    doc = {"id": "v1", "名": "职工书屋", "spaces": [{"id": "s1"}]}
    raw = RawJSON(json.dumps(doc))
    assert raw == doc and doc == raw and raw["spaces"][0]["id"] == "s1" and dict(raw) == doc
    assert rawjson.dumps({"x": 1}) == kombu_json.dumps({"x": 1})  # nothing spliced: kombu's text


@given(documents, st.dictionaries(st.text(max_size=8).map(lambda k: "+" + k), values, max_size=3))
def test_a_document_merged_with_more_keys_stays_text_and_reads_as_the_merged_dict(doc, extra):
    stored = RawJSON(json.dumps(doc))
    merged = rawjson.merged(stored, **extra)
    assert isinstance(merged, RawJSON)
    assert json.loads(merged.text) == {**doc, **extra}  # "+..." keys: none of them the document's
    assert json.loads(rawjson.dumps([merged])) == [{**doc, **extra}]
    assert rawjson.merged(doc, **extra) == {**doc, **extra}  # a dict (a document built from rows) merges as one
