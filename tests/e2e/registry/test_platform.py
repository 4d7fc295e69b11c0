"""The platform as ops start it (``make up``) and as an admin UI drives it (RPC with tokens)."""
from __future__ import annotations

from pathlib import Path

import pytest
from nameko.exceptions import RemoteError

from services.common.auth import issue_token

from ..conftest import SECRET


def test_an_admin_ui_works_with_the_seeded_platform(platform, client):
    pid_file = Path(platform["CULTURE_VAR_DIR"]) / "run" / "registry.pid"
    assert pid_file.exists()
    registry = lambda method, *a, token=None: client.call("registry", method, *a, token=token)  # noqa: E731

    assert registry("health") == {"service": "registry", "version": "0.1.0", "database": "ok", "broker": "ok"}
    # The demo seed: the Dalian tree and its venue network.
    city = registry("list_orgs")["items"][0]
    assert city["name"] == "大连市总工会" and city["parent_id"] is None
    districts = {o["name"]: o for o in registry("list_orgs", city["id"], 500)["items"]}
    assert {"中山区总工会", "庄河市总工会", "长海县总工会", "开放先导区总工会"} <= set(districts)
    summary = registry("network_summary")
    assert summary["venues"] >= 30
    assert summary["network_types_covered"] == ["palace", "district_hall", "enterprise_centre",
                                                "community_centre", "book_room"]
    assert summary["featured_bases"]["target"] == 50 and summary["featured_bases"]["count"] >= 10

    # A district admin of 中山区 registers a venue in its district and finds it near its address.
    zhongshan = districts["中山区总工会"]
    admin = issue_token(SECRET, sub="zs-admin", name="中山区管理员", roles=["district_admin"], org_id=zhongshan["id"])
    venue = registry("register_venue", {
        "name": "人民路职工书屋", "type": "book_room", "org_id": zhongshan["id"], "district": "中山区",
        "address": "大连市中山区人民路68号", "location": {"lat": 38.9225, "lon": 121.6468},
        "spaces": [{"name": "阅览室", "capacity": 40}], "book_count": 6000,
        "opening_hours": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
        "art_fields": ["literature"]}, token=admin)
    near = registry("search_venues", {"near": {"lat": 38.9225, "lon": 121.6468, "km": 0.5}, "type": "book_room"})
    assert near["items"][0]["id"] == venue["id"] and near["items"][0]["distance_km"] == 0
    # ... but not in 西岗区's subtree, and it cannot designate bases.
    with pytest.raises(RemoteError) as err:
        registry("register_venue", {**venue_copy(venue), "org_id": districts["西岗区总工会"]["id"]}, token=admin)
    assert err.value.exc_type == "Forbidden"
    with pytest.raises(RemoteError) as err:
        registry("designate_venue", venue["id"], "featured_base", 2026, token=admin)
    assert err.value.exc_type == "Forbidden"
    fed = issue_token(SECRET, sub="fed", roles=["federation_admin"], org_id=city["id"])
    registry("designate_venue", venue["id"], "featured_base", 2026, token=fed)
    assert registry("network_summary", zhongshan["id"])["featured_bases"]["count"] >= 1
    # Everything it did is in the event log, after the seed's events.
    log = registry("events_since", 0, 1000)["items"]
    assert [e["type"] for e in log[-2:]] == ["venue_registered", "venue_designated"]


def venue_copy(venue):
    keep = ("name", "type", "district", "address", "location", "opening_hours", "facilities", "art_fields",
            "book_count")
    return {**{k: venue[k] for k in keep}, "spaces": [{"name": s["name"], "capacity": s["capacity"]}
                                                      for s in venue["spaces"]]}
