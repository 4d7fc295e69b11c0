from __future__ import annotations

import pytest

from services.registry.service import Service


@pytest.fixture
def service_name():
    return "registry"


@pytest.fixture
def registry(container_factory, service_config):
    container = container_factory(Service, service_config)
    container.start()
    return container


class Tree:
    """A small organisation tree made over RPC, with a token for an admin at each level."""


@pytest.fixture
def tree(registry, client, token):
    t = Tree()
    founder = token("federation_admin", None, sub="founder")
    call = lambda method, *a, tok: client.call("registry", method, *a, token=tok)  # noqa: E731
    t.city = call("register_org", {"name": "大连市总工会", "kind": "city", "parent_id": None}, tok=founder)["id"]
    t.fed = token("federation_admin", t.city, sub="fed-admin")
    t.zhongshan = call("register_org", {"name": "中山区总工会", "kind": "district", "parent_id": t.city,
                                        "district": "中山区"}, tok=t.fed)["id"]
    t.xigang = call("register_org", {"name": "西岗区总工会", "kind": "district", "parent_id": t.city,
                                     "district": "西岗区"}, tok=t.fed)["id"]
    t.zs_admin = token("district_admin", t.zhongshan, sub="zs-admin")
    t.xg_admin = token("district_admin", t.xigang, sub="xg-admin")
    t.port = call("register_org", {"name": "大连港集团有限公司工会", "kind": "grassroots", "parent_id": t.zhongshan,
                                   "enterprise": "大连港集团有限公司"}, tok=t.zs_admin)["id"]
    t.port_admin = token("unit_admin", t.port, sub="port-admin")
    return t


def venue_data(org_id, **overrides):
    data = {
        "name": "中山区工人文化馆", "type": "district_hall", "org_id": org_id, "district": "中山区",
        "address": "大连市中山区人民路45号", "location": {"lat": 38.921, "lon": 121.645},
        "spaces": [{"name": "大剧场", "capacity": 800}, {"name": "排练厅", "capacity": 60}],
        "opening_hours": {d: [["09:00", "12:00"], ["13:30", "21:00"]] for d in ("tue", "wed", "thu", "fri", "sat", "sun")},
        "facilities": ["音响设备", "钢琴"], "art_fields": ["music", "dance"],
    }
    data.update(overrides)
    return data
