"""The talent service beside a real registry and events: organisations reach talent through
registry events, showcases go to events and their answers come back as events."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from services.events.service import Service as Events
from services.registry.service import Service as Registry
from services.talent.models import Org
from services.talent.service import Service as Talent
from tests.integration.events.conftest import ALL_DAY, wait_for  # noqa: F401 (re-exported to the tests)
from tests.integration.events.conftest import districts, start_platform
from tests.integration.events.test_cross_service import query

CRITERIA = [{"name": "technique", "weight": 40}, {"name": "expression", "weight": 30},
            {"name": "originality", "weight": 30}]


@pytest.fixture
def service_name():
    return "talent"


@pytest.fixture
def platform(container_factory, rabbit_config, migrated_database):
    """Registry, events and talent containers, each on its own database of the test's backend."""
    return start_platform(container_factory, rabbit_config["AMQP_URI"], migrated_database,
                          {"registry": Registry, "events": Events, "talent": Talent})


class World:
    """An organisation tree and a venue made over registry RPC, known to talent and events, with tokens."""


@pytest.fixture
def world(platform, client, token):
    w = World()
    call = lambda method, *a, tok: client.call("registry", method, *a, token=tok)  # noqa: E731
    districts(w, call, token)
    w.port = call("register_org", {"name": "大连港集团有限公司工会", "kind": "grassroots", "parent_id": w.zhongshan},
                  tok=w.zs_admin)["id"]
    w.bus = call("register_org", {"name": "大连公交客运集团有限公司工会", "kind": "grassroots",
                                  "parent_id": w.xigang}, tok=w.xg_admin)["id"]
    w.hall = call("register_venue", {
        "name": "大连市工人文化宫", "type": "palace", "org_id": w.city, "district": "中山区",
        "address": "大连市中山区人民路", "location": {"lat": 38.921, "lon": 121.645},
        "spaces": [{"name": "大剧场", "capacity": 800}], "opening_hours": ALL_DAY}, tok=w.fed)
    w.theatre = w.hall["spaces"][0]["id"]
    w.judges = {f"judge-{i}": token("judge", None, sub=f"judge-{i}") for i in range(5)}
    wait_for(lambda: client.call("events", "get_venue_copy", w.hall["id"]), what="events to learn the venue")
    wait_for(lambda: {w.port, w.bus} <= {r.id for r in query(platform.talent_url, select(Org.id))},
             what="talent to learn the organisations")
    return w


def campaign_input(rounds=2, fields=("music",), closes_in_days=30, **over) -> dict:
    closes = datetime.now(timezone.utc) + timedelta(days=closes_in_days)
    data = {"name": "2026年职工文艺人才选秀", "year": 2026, "fields": list(fields),
            "rounds": [{"name": f"第{n}轮", "criteria": CRITERIA, "advance": {"top": 2}} for n in range(1, rounds + 1)],
            "nominations_close_at": closes.isoformat()}
    return {**data, **over}


def on(days: int, hhmm: str) -> str:
    local = timezone(timedelta(hours=8))
    day = datetime.now(local).date() + timedelta(days=days)
    hours, minutes = (int(p) for p in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hours, minutes, tzinfo=local).isoformat()
