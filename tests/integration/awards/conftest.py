"""The awards service beside real registry, events and talent: what it rules on reaches it only
through their events (its copies), and its awards take effect there through its events."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from services.awards.models import Org, VenueCopy
from services.awards.service import Service as Awards
from services.events.service import Service as Events
from services.registry.service import Service as Registry
from services.talent.service import Service as Talent
from tests.integration.events.conftest import ALL_DAY, wait_for  # noqa: F401 (re-exported to the tests)
from tests.integration.events.conftest import districts, start_platform
from tests.integration.events.test_cross_service import query


@pytest.fixture
def service_name():
    return "awards"


@pytest.fixture
def platform(container_factory, rabbit_config, migrated_database):
    """Registry, events, talent and awards containers, each on its own database of the test's backend."""
    return start_platform(container_factory, rabbit_config["AMQP_URI"], migrated_database,
                          {"registry": Registry, "events": Events, "talent": Talent, "awards": Awards})


class World:
    """An organisation tree, a featured venue with spaces and a group, known to awards, with tokens."""


@pytest.fixture
def world(platform, client, token):
    w = World()
    call = lambda method, *a, tok: client.call("registry", method, *a, token=tok)  # noqa: E731
    districts(w, call, token)
    w.port = call("register_org", {"name": "大连港集团有限公司工会", "kind": "grassroots", "parent_id": w.zhongshan},
                  tok=w.zs_admin)["id"]
    w.hall = call("register_venue", {
        "name": "中山区工人文化馆", "type": "district_hall", "org_id": w.zhongshan, "district": "中山区",
        "address": "大连市中山区人民路45号", "location": {"lat": 38.921, "lon": 121.645},
        "spaces": [{"name": f"活动室{i}", "capacity": 50} for i in range(7)], "opening_hours": ALL_DAY},
        tok=w.zs_admin)
    call("designate_venue", w.hall["id"], "featured_base", 2026, tok=w.fed)
    w.group = call("register_group", {"name": "港务局职工艺术团", "kind": "art_troupe", "org_id": w.port,
                                      "members": 40}, tok=w.zs_admin)
    wait_for(lambda: {w.port, w.xigang} <= {r.id for r in query(platform.awards_url, select(Org.id))} and
             query(platform.awards_url, select(VenueCopy.designations).where(VenueCopy.id == w.hall["id"])) ==
             [(["featured_base"],)], what="awards to learn the organisations and the featured venue")
    return w


def cycle_input(programme="demonstration_base", categories=("demonstration_base",), quota=3, closes_in_s=3600,
                **over) -> dict:
    now = datetime.now(timezone.utc)
    data = {"programme": programme, "year": 2026, "categories": list(categories), "quota_per_org": quota,
            "nominations_open_at": (now - timedelta(days=1)).isoformat(),
            "nominations_close_at": (now + timedelta(seconds=closes_in_s)).isoformat()}
    return {**data, **over}


def nomination(w, ref_id, kind="venue", category="demonstration_base", by=None) -> dict:
    return {"category": category, "nominee": {"kind": kind, "ref_id": ref_id, "name": "候选"},
            "by_org_id": by or w.zhongshan, "statement": "事迹材料"}
