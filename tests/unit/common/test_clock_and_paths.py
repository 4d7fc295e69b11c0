"""The kit's time on the wire, organisation paths and advisory lock keys, without I/O."""
from __future__ import annotations

import zlib
from datetime import datetime, timedelta, timezone

import pytest
from marshmallow import ValidationError
from sqlalchemy import Column, MetaData, String, Table

from services.common.clock import PLATFORM_TZ, to_wire
from services.common.envelope import ENVELOPE, new_envelope
from services.common.fields import Strict, When
from services.common.locks import advisory_lock_key
from services.common.orgpath import ancestors, in_subtree, path_of

UTC = timezone.utc


class Times(Strict):
    at = When(allow_none=True)


# --- time on the wire ------------------------------------------------------------------------

@pytest.mark.parametrize("when, wire", [
    (datetime(2026, 5, 1, 11, 30, tzinfo=UTC), "2026-05-01T19:30:00+08:00"),
    (datetime(2026, 5, 1, 19, 30, tzinfo=PLATFORM_TZ), "2026-05-01T19:30:00+08:00"),
    (datetime(2026, 12, 31, 20, 0, tzinfo=timezone(timedelta(hours=-4))), "2027-01-01T08:00:00+08:00"),
    (datetime(2026, 5, 1, 11, 30, 0, 250000, tzinfo=UTC), "2026-05-01T19:30:00.250000+08:00"),
])
def test_a_time_goes_on_the_wire_with_the_platform_offset(when, wire):
    assert to_wire(when) == wire
    assert datetime.fromisoformat(wire) == when  # the same instant


@pytest.mark.parametrize("when", [datetime(1900, 1, 1, tzinfo=UTC), datetime(1988, 7, 1, 4, tzinfo=UTC)])
def test_a_time_before_1991_is_still_written_plus_eight(when):
    # Asia/Shanghai had local mean time (+08:05:43) and DST summers (+09:00) before 1991.
    assert to_wire(when).endswith("+08:00")


def test_asia_shanghai_is_plus_eight_all_year_since_1991():
    day = datetime(1992, 1, 1, tzinfo=UTC)
    while day.year < 2100:
        assert day.astimezone(PLATFORM_TZ).utcoffset() == timedelta(hours=8)
        day += timedelta(days=61)


def test_a_naive_time_never_goes_on_the_wire():
    with pytest.raises(ValueError):
        to_wire(datetime(2026, 5, 1, 19, 30))


def test_a_when_field_loads_any_offset_and_dumps_plus_eight():
    loaded = Times().load({"at": "2026-05-01T11:30:00Z"})
    assert loaded["at"] == datetime(2026, 5, 1, 11, 30, tzinfo=UTC)
    assert Times().dump(loaded) == {"at": "2026-05-01T19:30:00+08:00"}
    assert Times().dump({"at": None}) == {"at": None}


@pytest.mark.parametrize("value", ["2026-05-01T19:30:00", "1899-12-31T23:59:59+00:00", "3000-01-01T00:00:00Z",
                                   "yesterday"])
def test_a_when_field_refuses_a_time_without_offset_or_out_of_range(value):
    with pytest.raises(ValidationError):
        Times().load({"at": value})


def test_a_strict_schema_refuses_unknown_fields():
    with pytest.raises(ValidationError, match="Unknown field"):
        Times().load({"at": None, "typo": 1})


def test_a_new_envelope_is_timed_plus_eight():
    envelope = new_envelope("registry", "org_registered", "o-1", {})
    assert envelope["time"].endswith("+08:00")
    assert ENVELOPE.load({**envelope, "seq": 1})["time"].utcoffset() == timedelta(hours=8)


# --- organisation paths ----------------------------------------------------------------------

def test_a_path_and_its_ancestors_are_one_another():
    assert path_of(["root", "district", "unit"]) == "/root/district/unit/"
    assert ancestors("/root/district/unit/") == ["root", "district", "unit"]
    assert ancestors(path_of(["root"])) == ["root"]


def test_the_subtree_condition_is_a_prefix_match():
    path = Table("t", MetaData(), Column("path", String)).c.path
    condition = in_subtree(path, "/root/district/")
    assert condition.right.value == "/root/district/%"
    assert "LIKE" in str(condition)


# --- advisory locks --------------------------------------------------------------------------

def test_an_advisory_lock_key_is_stable_signed_32_bits():
    key = advisory_lock_key("events", "slot:space:s-1")
    # The same number every release: replicas of two versions must take the same lock.
    assert key == zlib.crc32(b"culture:events:slot:space:s-1") - 2**31
    assert -2**31 <= key < 2**31
    assert advisory_lock_key("registry", "outbox") != advisory_lock_key("events", "outbox")
