"""Every metric of the platform (the kit's and each service's) is named as Prometheus asks: the
unit as a suffix in base units (seconds, bytes), ``_ratio`` for a 0..1 ratio, ``_total`` on
counters and only there."""
from __future__ import annotations

import re

from prometheus_client import REGISTRY

import services.awards.service  # noqa: F401 - registers every metric the service exposes
import services.events.service  # noqa: F401
import services.registry.service  # noqa: F401
import services.talent.service  # noqa: F401

# Non-base units and words Prometheus's naming guide says to avoid in a name.
AVOIDED = ("rate", "percent", "percentage", "ms", "milliseconds", "microseconds", "minutes", "hours", "days",
           "kb", "mb", "gb", "kilobytes", "megabytes", "count")


def families():
    return [f for f in REGISTRY.collect() if f.name.startswith("culture_")]


def test_every_metric_name_is_in_base_units_and_says_its_kind():
    found = families()
    assert {"culture_rpc_latency_seconds", "culture_event_handling_seconds", "culture_events_attendance_ratio",
            "culture_talent_pool", "culture_awards_programme"} <= {f.name for f in found}
    for family in found:
        # prometheus_client keeps a counter's family name without "_total" and exposes "<name>_total".
        exposed = family.name + "_total" if family.type == "counter" else family.name
        assert re.fullmatch(r"culture(_[a-z0-9]+)+", family.name), family.name
        assert not set(family.name.split("_")) & set(AVOIDED), family.name
        assert exposed.endswith("_total") == (family.type == "counter"), exposed
        if family.type == "histogram":
            assert family.name.endswith(("_seconds", "_bytes")), family.name
        if "timestamp" in family.name:
            assert family.name.endswith("_timestamp_seconds"), family.name


def test_the_attendance_gauge_is_a_ratio_by_name():
    names = {f.name for f in families()}
    assert "culture_events_attendance_ratio" in names
    assert "culture_events_attendance_rate" not in names
