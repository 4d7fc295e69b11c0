"""The registry over RPC, in a nameko container, on a real broker and both databases."""
from __future__ import annotations

import pytest
from nameko.exceptions import RemoteError

from .conftest import venue_data


def test_registers_a_venue_and_returns_it_with_space_ids(tree, client):
    venue = client.call("registry", "register_venue", venue_data(tree.zhongshan), token=tree.zs_admin)
    assert venue["id"] and venue["status"] == "open"
    assert [s["name"] for s in venue["spaces"]] == ["大剧场", "排练厅"]
    assert all(s["id"] for s in venue["spaces"])
    assert venue["opening_hours"]["mon"] == []
    assert client.call("registry", "get_venue", venue["id"]) == venue


def test_a_district_admin_cannot_register_outside_its_subtree(tree, client):
    with pytest.raises(RemoteError) as err:
        client.call("registry", "register_venue", venue_data(tree.xigang), token=tree.zs_admin)
    assert err.value.exc_type == "Forbidden"
    assert client.call("registry", "search_venues", {})["items"] == []


def test_status_follows_the_allowed_transitions(tree, client):
    venue = client.call("registry", "register_venue", venue_data(tree.port), token=tree.port_admin)
    suspended = client.call("registry", "set_venue_status", venue["id"], "suspended", "维修", token=tree.port_admin)
    assert suspended["status"] == "suspended"
    closed = client.call("registry", "set_venue_status", venue["id"], "closed", "拆除", token=tree.port_admin)
    assert closed["status"] == "closed"
    with pytest.raises(RemoteError) as err:
        client.call("registry", "set_venue_status", venue["id"], "open", "重开", token=tree.port_admin)
    assert err.value.exc_type == "InvalidState"


def test_featured_base_by_rpc_and_demonstration_base_refused(tree, client):
    venue = client.call("registry", "register_venue", venue_data(tree.zhongshan), token=tree.zs_admin)
    with pytest.raises(RemoteError) as err:
        client.call("registry", "designate_venue", venue["id"], "featured_base", 2026, token=tree.zs_admin)
    assert err.value.exc_type == "Forbidden"  # only the federation designates
    designated = client.call("registry", "designate_venue", venue["id"], "featured_base", 2026, token=tree.fed)
    assert [(d["designation"], d["active"]) for d in designated["designations"]] == [("featured_base", True)]
    with pytest.raises(RemoteError) as err:
        client.call("registry", "designate_venue", venue["id"], "demonstration_base", 2026, token=tree.fed)
    assert err.value.exc_type == "Forbidden"
    with pytest.raises(RemoteError) as err:
        client.call("registry", "designate_venue", venue["id"], "featured_base", 2026, token=tree.fed)
    assert err.value.exc_type == "Conflict"
    summary = client.call("registry", "network_summary")
    assert summary["featured_bases"] == {"count": 1, "target": 50, "progress": 0.02}
    revoked = client.call("registry", "revoke_designation", venue["id"], "featured_base", "不再符合条件", token=tree.fed)
    assert revoked["designations"][0]["active"] is False
    # Every time on the wire carries the platform's +08:00 (docs/CONTRACT-ADDITIONS.md).
    held = revoked["designations"][0]
    times = [revoked["created_at"], revoked["updated_at"], held["granted_at"], held["revoked_at"]]
    assert all(t.endswith("+08:00") for t in times), times
    assert client.call("registry", "network_summary")["featured_bases"]["count"] == 0
