"""The events service beside a real registry: venues reach events through registry events."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from services.events.service import Service as Events
from services.registry.service import Service as Registry
from tests.conftest import config_for
from tests.support import waiting

ALL_DAY = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@pytest.fixture
def service_name():
    return "events"


def start_platform(container_factory, amqp_uri: str, migrated_database, services: dict) -> SimpleNamespace:
    """Containers of ``services`` (name: service class), each on its own new database of the test's
    backend, started in that order: ``p.<name>`` and ``p.<name>_url``."""
    p = SimpleNamespace()
    for name, cls in services.items():
        url = migrated_database(name)
        setattr(p, f"{name}_url", url)
        setattr(p, name, container_factory(cls, config_for(name, amqp_uri, url)))
    for name in services:
        getattr(p, name).start()
    return p


@pytest.fixture
def platform(container_factory, rabbit_config, migrated_database):
    """Registry and events containers, each on its own database of the test's backend."""
    return start_platform(container_factory, rabbit_config["AMQP_URI"], migrated_database,
                          {"registry": Registry, "events": Events})


def wait_for(predicate, timeout=10.0, what="condition"):
    """``predicate()``'s first truthy value; a call that fails (the other service does not know it
    yet) counts as "not yet"."""
    return waiting.wait_for(predicate, timeout, what, tolerate=(Exception,))


class World:
    """An org tree and venues made over registry RPC, known to events, with tokens."""


def districts(w, call, token) -> None:
    """Over registry RPC (``call(method, *args, tok=...)``): the Dalian city federation and two of its
    district federations, with their admins' tokens: ``w.city``, ``w.fed``, ``w.zhongshan``,
    ``w.xigang``, ``w.zs_admin``, ``w.xg_admin``."""
    w.city = call("register_org", {"name": "大连市总工会", "kind": "city", "parent_id": None},
                  tok=token("federation_admin", None))["id"]
    w.fed = token("federation_admin", w.city, sub="fed")
    w.zhongshan = call("register_org", {"name": "中山区总工会", "kind": "district", "parent_id": w.city},
                       tok=w.fed)["id"]
    w.xigang = call("register_org", {"name": "西岗区总工会", "kind": "district", "parent_id": w.city}, tok=w.fed)["id"]
    w.zs_admin = token("district_admin", w.zhongshan, sub="zs")
    w.xg_admin = token("district_admin", w.xigang, sub="xg")


@pytest.fixture
def world(platform, client, token):
    w = World()
    call = lambda method, *a, tok: client.call("registry", method, *a, token=tok)  # noqa: E731
    districts(w, call, token)
    w.port = call("register_org", {"name": "大连港集团有限公司工会", "kind": "grassroots", "parent_id": w.zhongshan,
                                   "enterprise": "大连港集团有限公司"}, tok=w.zs_admin)["id"]
    w.port_admin = token("unit_admin", w.port, sub="port")
    w.hall = call("register_venue", {
        "name": "中山区工人文化馆", "type": "district_hall", "org_id": w.zhongshan, "district": "中山区",
        "address": "大连市中山区人民路45号", "location": {"lat": 38.921, "lon": 121.645},
        "spaces": [{"name": "大剧场", "capacity": 800}, {"name": "排练厅", "capacity": 5}],
        "opening_hours": ALL_DAY}, tok=w.zs_admin)
    w.theatre, w.rehearsal = (s["id"] for s in w.hall["spaces"])
    wait_for(lambda: client.call("events", "get_venue_copy", w.hall["id"]), what="events to learn the venue")
    return w


def at(hours: float, minutes: int = 0) -> str:
    """A time ``hours`` from now, whole minutes, as ISO with +08:00."""
    t = datetime.now(timezone.utc).replace(second=0, microsecond=0) + timedelta(hours=hours, minutes=minutes)
    return t.astimezone(timezone(timedelta(hours=8))).isoformat()


def on(days: int, hhmm: str) -> str:
    """Local (Asia/Shanghai) ``hhmm`` on the day ``days`` from today, as ISO with +08:00.

    Unlike ``at``, a range built from it never runs over midnight whatever the time of day the
    tests run (a booking must fit one day's opening range, even in a venue open 00:00-24:00).
    """
    local = timezone(timedelta(hours=8))
    day = datetime.now(local).date() + timedelta(days=days)
    hours, minutes = (int(p) for p in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hours, minutes, tzinfo=local).isoformat()


def now_for(minutes: int) -> tuple[str, str]:
    """A ``minutes`` long range that may start now (it began at most an hour ago, and
    ``start_activity`` allows it) and lies within one local day."""
    local = timezone(timedelta(hours=8))
    now = datetime.now(local).replace(second=0, microsecond=0)
    midnight = now.replace(hour=0, minute=0)
    start = max(midnight, now - timedelta(minutes=min(minutes, 60)))
    if start + timedelta(minutes=minutes) > midnight + timedelta(days=1):
        start = midnight + timedelta(days=1) - timedelta(minutes=minutes)
    return start.isoformat(), (start + timedelta(minutes=minutes)).isoformat()
