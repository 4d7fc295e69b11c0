"""Finding things in the registry over RPC, on both backends: every ``search_venues`` filter of the
contract, keyset pagination that stays stable while venues are added, groups, organisations,
partial venue updates and the network summary."""
from __future__ import annotations

import math

import pytest
from nameko.exceptions import RemoteError


from .conftest import venue_data

CENTRE = (38.9146, 121.6430)  # Zhongshan Square, downtown Dalian


def _destination(lat, lon, bearing_deg, km):
    """The point ``km`` from (lat, lon) along ``bearing_deg`` on the sphere."""
    d = km / 6371.0088
    p1, l1, b = math.radians(lat), math.radians(lon), math.radians(bearing_deg)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    return {"lat": math.degrees(p2), "lon": (math.degrees(l2) + 540.0) % 360.0 - 180.0}


def _register(client, token, org_id, name, **overrides):
    return client.call("registry", "register_venue", venue_data(org_id, name=name, **overrides), token=token)


def _search(client, **filters):
    return client.call("registry", "search_venues", filters)


def _names(result):
    return sorted(v["name"] for v in result["items"])


def _walk(client, method, filters, limit):
    """Every page of a list RPC, as a list of pages of items."""
    pages, cursor = [], None
    while True:
        result = client.call("registry", method, {**filters, "limit": limit, "cursor": cursor})
        pages.append(result["items"])
        cursor = result["next_cursor"]
        if cursor is None:
            return pages


def _network(client, t):
    """A dozen venues across the tree; zs_hall is a featured base, port_centre's was revoked."""
    zs, xg, port, fed = t.zs_admin, t.xg_admin, t.port_admin, t.fed
    v = {
        "zs_hall": _register(client, zs, t.zhongshan, "中山区工人文化馆", art_fields=["music", "dance"],
                             location={"lat": 38.921, "lon": 121.645}),
        "port_centre": _register(client, port, t.port, "大连港职工文化活动中心", type="enterprise_centre",
                                 address="大连市中山区港湾街1号", art_fields=["music", "photography"],
                                 location={"lat": 38.930, "lon": 121.660}),
        "port_books": _register(client, port, t.port, "大连港职工书屋", type="book_room", book_count=12000,
                                address="大连市中山区港湾街3号", art_fields=["literature"],
                                location={"lat": 38.925, "lon": 121.655}),
        "harbour_club": _register(client, port, t.port, "Harbour Workers Club", type="club",
                                  address="1 Gangwan Street, Zhongshan", art_fields=["quyi", "music"],
                                  location={"lat": 38.931, "lon": 121.662}),
        "xg_hall": _register(client, xg, t.xigang, "西岗区工人文化馆", district="西岗区",
                             address="大连市西岗区北京街8号", art_fields=["dance", "fine_art"],
                             location={"lat": 38.915, "lon": 121.615}),
        "xg_station": _register(client, xg, t.xigang, "西岗区八一路社区文化站", type="community_centre",
                                district="西岗区", address="大连市西岗区八一路20号", art_fields=["quyi"],
                                status="planned", location={"lat": 38.910, "lon": 121.600}),
        "xg_reading": _register(client, xg, t.xigang, "100% Reading Room", type="book_room", district="西岗区",
                                address="大连市西岗区长江路5号", book_count=3000, art_fields=["literature"],
                                location={"lat": 38.913, "lon": 121.610}),
        "xg_corner": _register(client, xg, t.xigang, "1000 Books Corner", type="book_room", district="西岗区",
                               address="大连市西岗区长江路7号", book_count=1000, art_fields=["literature"],
                               location={"lat": 38.914, "lon": 121.611}),
        "palace": _register(client, fed, t.city, "大连市工人文化宫", type="palace", district="西岗区",
                            address="大连市西岗区长江路2号", art_fields=["music", "dance", "calligraphy"],
                            location={"lat": 38.917, "lon": 121.628}),
        "city_centre": _register(client, fed, t.city, "大连市职工文化活动中心", type="city_centre",
                                 district="甘井子区", address="大连市甘井子区Art_Space路1号",
                                 status="under_construction", art_fields=[],
                                 location={"lat": 38.950, "lon": 121.560}),
        "lushun": _register(client, fed, t.city, "旅顺口区职工文化馆", district="旅顺口区",
                            address="大连市旅顺口区黄河路10号", art_fields=["calligraphy"], status="suspended",
                            location={"lat": 38.8517, "lon": 121.2617}),
        "artx": _register(client, fed, t.city, "ArtXSpace Studio", type="club", district="甘井子区",
                          address="大连市甘井子区华北路9号", art_fields=["fine_art"],
                          location={"lat": 38.960, "lon": 121.570}),
    }
    for key in ("zs_hall", "port_centre"):
        client.call("registry", "designate_venue", v[key]["id"], "featured_base", 2026, token=fed)
    client.call("registry", "revoke_designation", v["port_centre"]["id"], "featured_base", "复核未通过", token=fed)
    return v


def _ids(result):
    return {v["id"] for v in result["items"]}


# --- filters -------------------------------------------------------------------------------

def test_each_simple_filter_narrows_the_venues(tree, client):
    v = _network(client, tree)
    assert _ids(_search(client)) == {x["id"] for x in v.values()}
    assert _ids(_search(client, type="book_room")) == {v["port_books"]["id"], v["xg_reading"]["id"],
                                                       v["xg_corner"]["id"]}
    assert _ids(_search(client, district="甘井子区")) == {v["city_centre"]["id"], v["artx"]["id"]}
    assert _ids(_search(client, status="planned")) == {v["xg_station"]["id"]}
    assert _ids(_search(client, status="open")) == {x["id"] for k, x in v.items()
                                                    if k not in ("xg_station", "city_centre", "lushun")}
    assert _ids(_search(client, art_field="calligraphy")) == {v["palace"]["id"], v["lushun"]["id"]}
    assert _search(client, art_field="animation")["items"] == []
    assert _search(client, district="庄河市")["items"] == []


def test_an_org_filter_covers_a_known_organisations_subtree(tree, client):
    v = _network(client, tree)
    zhongshan = _ids(_search(client, org_id=tree.zhongshan))
    assert zhongshan == {v[k]["id"] for k in ("zs_hall", "port_centre", "port_books", "harbour_club")}
    assert _ids(_search(client, org_id=tree.port)) == {v[k]["id"] for k in ("port_centre", "port_books",
                                                                              "harbour_club")}
    xigang = _ids(_search(client, org_id=tree.xigang))
    assert xigang == {v[k]["id"] for k in ("xg_hall", "xg_station", "xg_reading", "xg_corner")}
    assert _ids(_search(client, org_id=tree.city)) == {x["id"] for x in v.values()}
    with pytest.raises(RemoteError) as err:
        _search(client, org_id="no-such-org")
    assert err.value.exc_type == "NotFound"


def test_the_designation_filter_lists_active_designations_only(tree, client):
    v = _network(client, tree)
    assert _ids(_search(client, designation="featured_base")) == {v["zs_hall"]["id"]}
    assert _search(client, designation="demonstration_base")["items"] == []
    client.call("registry", "revoke_designation", v["zs_hall"]["id"], "featured_base", "整改", token=tree.fed)
    assert _search(client, designation="featured_base")["items"] == []


def test_text_matches_name_or_address_ignoring_latin_case(tree, client):
    v = _network(client, tree)
    assert _ids(_search(client, text="文化馆")) == {v[k]["id"] for k in ("zs_hall", "xg_hall", "lushun")}
    assert _ids(_search(client, text="港湾街")) == {v["port_centre"]["id"], v["port_books"]["id"]}
    assert _ids(_search(client, text="harbour")) == {v["harbour_club"]["id"]}
    assert _ids(_search(client, text="HARBOUR workers")) == {v["harbour_club"]["id"]}
    assert _ids(_search(client, text="gangwan STREET")) == {v["harbour_club"]["id"]}  # in the address
    assert _search(client, text="没有这个场馆")["items"] == []


def test_percent_and_underscore_in_text_are_literal(tree, client):
    v = _network(client, tree)
    assert _ids(_search(client, text="100%")) == {v["xg_reading"]["id"]}          # not "1000 Books"
    assert _ids(_search(client, text="100% R")) == {v["xg_reading"]["id"]}
    assert _ids(_search(client, text="Art_Space")) == {v["city_centre"]["id"]}    # not "ArtXSpace"
    assert _ids(_search(client, text="%")) == {v["xg_reading"]["id"]}
    assert _ids(_search(client, text="_")) == {v["city_centre"]["id"]}
    assert _search(client, text="\\")["items"] == []


def test_filters_combine(tree, client):
    v = _network(client, tree)
    assert _ids(_search(client, org_id=tree.zhongshan, art_field="music")) == {
        v[k]["id"] for k in ("zs_hall", "port_centre", "harbour_club")}
    assert _ids(_search(client, org_id=tree.zhongshan, art_field="music", type="club")) == {v["harbour_club"]["id"]}
    assert _ids(_search(client, district="西岗区", type="book_room", text="100%")) == {v["xg_reading"]["id"]}
    assert _ids(_search(client, district="西岗区", status="open", art_field="dance")) == {
        v["xg_hall"]["id"], v["palace"]["id"]}
    assert _ids(_search(client, designation="featured_base", org_id=tree.port)) == set()
    near = _search(client, near={"lat": 38.921, "lon": 121.645, "km": 5}, org_id=tree.xigang, type="book_room")
    assert [x["id"] for x in near["items"]] == [v["xg_corner"]["id"], v["xg_reading"]["id"]]  # nearest first
    assert _search(client, org_id=tree.xigang, district="中山区")["items"] == []


def test_near_lists_venues_within_the_radius_nearest_first(tree, client):
    rings = {"0.5": 0.5, "1.0": 1.0, "2.0": 2.0, "2.9": 2.9, "3.02": 3.02, "8.0": 8.0}
    venues = {}
    for bearing, (label, km) in enumerate(rings.items()):
        venues[label] = _register(client, tree.zs_admin, tree.zhongshan, f"ring {label}",
                                  location=_destination(*CENTRE, bearing * 55, km))
    result = _search(client, near={"lat": CENTRE[0], "lon": CENTRE[1], "km": 3})
    assert [x["name"] for x in result["items"]] == ["ring 0.5", "ring 1.0", "ring 2.0", "ring 2.9"]
    for item in result["items"]:
        assert item["distance_km"] == pytest.approx(float(item["name"].split()[1]), abs=0.002)
    assert result["next_cursor"] is None
    wider = _search(client, near={"lat": CENTRE[0], "lon": CENTRE[1], "km": 3.1})
    assert [x["name"] for x in wider["items"]][-1] == "ring 3.02"  # the one just outside 3 km


def test_near_finds_venues_across_the_antimeridian(tree, client):
    east = _register(client, tree.fed, tree.city, "east of the line", location={"lat": -16.5, "lon": 179.95})
    west = _register(client, tree.fed, tree.city, "west of the line", location={"lat": -16.5, "lon": -179.95})
    result = _search(client, near={"lat": -16.5, "lon": 179.99, "km": 20})
    assert [x["id"] for x in result["items"]] == [east["id"], west["id"]]
    result = _search(client, near={"lat": -16.5, "lon": -179.99, "km": 20})
    assert [x["id"] for x in result["items"]] == [west["id"], east["id"]]


# --- pagination ----------------------------------------------------------------------------

def test_walking_the_pages_yields_every_venue_once_in_name_order(tree, client):
    names = [f"venue {i:02d}" for i in range(1, 14)]
    for name in reversed(names):
        _register(client, tree.zs_admin, tree.zhongshan, name)
    pages = _walk(client, "search_venues", {}, 4)
    assert [len(p) for p in pages] == [4, 4, 4, 1]
    walked = [v["name"] for p in pages for v in p]
    assert walked == names
    assert [v["id"] for p in pages for v in p] == [v["id"] for v in _search(client, limit=500)["items"]]


def test_venues_with_the_same_name_are_paged_by_id(tree, client):
    ids = sorted(_register(client, tree.zs_admin, tree.zhongshan, "职工书屋")["id"] for _ in range(5))
    pages = _walk(client, "search_venues", {"text": "书屋"}, 2)
    assert [v["id"] for p in pages for v in p] == ids


def test_pages_stay_stable_while_venues_are_added(tree, client):
    before = [f"venue {i:02d}" for i in range(10, 40, 3)]  # 10 venues: 10, 13, ..., 37
    for name in before:
        _register(client, tree.zs_admin, tree.zhongshan, name)
    first = _search(client, limit=4)
    assert [v["name"] for v in first["items"]] == before[:4]  # up to "venue 19"
    for name in ("venue 01", "venue 18", "venue 20", "venue 99"):  # before and after the cursor
        _register(client, tree.zs_admin, tree.zhongshan, name)
    rest, cursor = [], first["next_cursor"]
    while cursor:
        result = _search(client, limit=4, cursor=cursor)
        rest += [v["name"] for v in result["items"]]
        cursor = result["next_cursor"]
    seen = [v["name"] for v in first["items"]] + rest
    assert len(seen) == len(set(seen))                       # nothing repeats
    assert set(before) <= set(seen)                          # nothing that existed is skipped
    assert "venue 01" not in rest and "venue 18" not in rest  # sorted before the cursor
    assert rest == sorted(rest) and {"venue 20", "venue 99"} <= set(rest)


def test_near_pages_stay_stable_while_venues_are_added(tree, client):
    distances = [0.3 * i for i in range(1, 11)]  # 0.3 km .. 3.0 km
    for i, km in enumerate(distances):
        _register(client, tree.zs_admin, tree.zhongshan, f"near {km:.1f}",
                  location=_destination(*CENTRE, 37 * i, km))
    near = {"lat": CENTRE[0], "lon": CENTRE[1], "km": 5}
    first = _search(client, near=near, limit=4)
    assert [v["name"] for v in first["items"]] == ["near 0.3", "near 0.6", "near 0.9", "near 1.2"]
    for label, km in (("new 0.1", 0.1), ("new 1.0", 1.0), ("new 1.25", 1.25), ("new 4.0", 4.0)):
        _register(client, tree.zs_admin, tree.zhongshan, label, location=_destination(*CENTRE, 200, km))
    rest, cursor = [], first["next_cursor"]
    while cursor:
        result = _search(client, near=near, limit=4, cursor=cursor)
        rest += result["items"]
        cursor = result["next_cursor"]
    seen = [v["name"] for v in first["items"]] + [v["name"] for v in rest]
    assert len(seen) == len(set(seen))
    assert {f"near {km:.1f}" for km in distances} <= set(seen)
    assert "new 0.1" not in seen and "new 1.0" not in seen   # nearer than the cursor
    assert [v["name"] for v in rest][:2] == ["new 1.25", "near 1.5"]
    assert [v["distance_km"] for v in rest] == sorted(v["distance_km"] for v in rest)
    assert rest[-1]["name"] == "new 4.0"


def test_a_cursor_from_another_kind_of_search_is_refused(tree, client):
    for i in range(3):
        _register(client, tree.zs_admin, tree.zhongshan, f"venue {i}")
    near = {"lat": CENTRE[0], "lon": CENTRE[1], "km": 50}
    by_name = _search(client, limit=1)["next_cursor"]
    by_distance = _search(client, near=near, limit=1)["next_cursor"]
    by_district = _search(client, district="中山区", limit=1)["next_cursor"]
    groups = client.call("registry", "search_groups", {"limit": 1})["next_cursor"]
    for filters in ({"near": near, "cursor": by_name}, {"cursor": by_distance}, {"cursor": "garbage!"},
                    {"cursor": by_district},            # the same search with other filters
                    {"type": "palace", "cursor": by_name}):
        with pytest.raises(RemoteError) as err:
            _search(client, **filters)
        assert err.value.exc_type == "ValidationFailed"
    assert groups is None or groups != by_name
    # ... while the same query may change its page size between pages.
    assert _search(client, district="中山区", limit=2, cursor=by_district)["items"]


# --- groups --------------------------------------------------------------------------------

def test_groups_are_found_by_kind_subtree_art_field_home_venue_and_text(tree, client):
    hall = _register(client, tree.zs_admin, tree.zhongshan, "中山区工人文化馆")
    centre = _register(client, tree.port_admin, tree.port, "大连港职工文化活动中心", type="enterprise_centre")

    def group(tok, org_id, name, kind, **extra):
        data = {"name": name, "kind": kind, "org_id": org_id, "members": 30, **extra}
        return client.call("registry", "register_group", data, token=tok)["id"]

    choir = group(tree.port_admin, tree.port, "大连港职工合唱团", "interest_group", home_venue_id=centre["id"],
                  art_field="music")
    photo = group(tree.port_admin, tree.port, "Harbour Photo Club", "interest_group", art_field="photography")
    troupe = group(tree.zs_admin, tree.zhongshan, "中山区职工艺术团", "art_troupe", home_venue_id=hall["id"],
                   art_field="dance")
    callig = group(tree.xg_admin, tree.xigang, "西岗区职工书法协会", "association", art_field="calligraphy")
    volunteers = group(tree.xg_admin, tree.xigang, "西岗区文化志愿者队伍", "volunteer_team")

    def found(**filters):
        return {g["id"] for g in client.call("registry", "search_groups", filters)["items"]}

    assert found() == {choir, photo, troupe, callig, volunteers}
    assert found(kind="interest_group") == {choir, photo}
    assert found(org_id=tree.zhongshan) == {choir, photo, troupe}
    assert found(org_id=tree.port) == {choir, photo}
    assert found(org_id=tree.xigang) == {callig, volunteers}
    assert found(art_field="music") == {choir}
    assert found(home_venue_id=centre["id"]) == {choir}
    assert found(home_venue_id=hall["id"]) == {troupe}
    assert found(text="harbour PHOTO") == {photo}
    assert found(text="西岗区") == {callig, volunteers}
    assert found(kind="interest_group", org_id=tree.xigang) == set()

    pages = _walk(client, "search_groups", {}, 2)
    assert [len(p) for p in pages] == [2, 2, 1]
    walked = [(g["name"], g["id"]) for p in pages for g in p]
    assert walked == sorted(walked) and len({i for _, i in walked}) == 5


# --- organisations -------------------------------------------------------------------------

def test_orgs_are_listed_by_parent_and_paged(tree, client):
    more = [client.call("registry", "register_org", {"name": name, "kind": "district", "parent_id": tree.city,
                                                     "district": name[:3]}, token=tree.fed)["id"]
            for name in ("沙河口区总工会", "甘井子区总工会", "旅顺口区总工会")]

    def walk(limit, **kwargs):
        pages, cursor = [], None
        while True:
            result = client.call("registry", "list_orgs", limit=limit, cursor=cursor, **kwargs)
            pages.append([o["id"] for o in result["items"]])
            cursor = result["next_cursor"]
            if cursor is None:
                return pages

    children = walk(2, parent_id=tree.city)
    assert [len(p) for p in children] == [2, 2, 1]
    assert sorted(sum(children, [])) == sorted([tree.zhongshan, tree.xigang, *more])
    assert walk(10, parent_id=tree.zhongshan) == [[tree.port]]
    assert walk(10, parent_id=tree.port) == [[]]
    everything = sum(walk(3), [])
    assert len(everything) == len(set(everything)) == 7
    assert everything[0] == tree.city  # the root's path sorts first
    with pytest.raises(RemoteError) as err:
        client.call("registry", "list_orgs", parent_id="no-such-org")
    assert err.value.exc_type == "NotFound"


# --- updates -------------------------------------------------------------------------------

def test_an_update_changes_only_what_it_names_and_keeps_space_ids(tree, client):
    venue = _register(client, tree.zs_admin, tree.zhongshan, "中山区工人文化馆")
    theatre, rehearsal = venue["spaces"]
    updated = client.call("registry", "update_venue", venue["id"], {
        "name": "中山区职工文化馆",
        "spaces": [{"name": "多功能厅", "capacity": 120}, {"id": theatre["id"], "name": "大剧院", "capacity": 900}],
    }, token=tree.zs_admin)
    assert updated["name"] == "中山区职工文化馆" and updated["version"] == 2
    new, kept = updated["spaces"]
    assert kept == {"id": theatre["id"], "name": "大剧院", "capacity": 900}
    assert new["name"] == "多功能厅" and new["id"] not in (theatre["id"], rehearsal["id"])
    assert rehearsal["id"] not in {s["id"] for s in updated["spaces"]}  # omitted: removed
    for key in ("address", "location", "opening_hours", "facilities", "art_fields", "district", "type", "status"):
        assert updated[key] == venue[key]

    again = client.call("registry", "update_venue", venue["id"], {"art_fields": ["quyi", "quyi", "music"],
                                                                   "location": {"lat": 38.93, "lon": 121.65}},
                        token=tree.zs_admin)
    assert again["version"] == 3 and again["art_fields"] == ["quyi", "music"]
    assert again["location"] == {"lat": 38.93, "lon": 121.65}
    assert again["spaces"] == updated["spaces"] and again["name"] == "中山区职工文化馆"
    assert client.call("registry", "get_venue", venue["id"]) == again
    updates = [e["data"] for e in client.call("registry", "events_since", 0, 100)["items"]
               if e["type"] == "venue_updated"]
    assert [u["changed"] for u in updates] == [["name", "spaces"], ["art_fields", "location"]]
    assert updates[-1]["location"] == again["location"] and updates[-1]["version"] == 3
    assert _ids(_search(client, art_field="quyi")) == {venue["id"]}
    assert _search(client, art_field="dance")["items"] == []


def test_a_space_passed_back_without_its_id_is_a_new_space(tree, client):
    venue = _register(client, tree.zs_admin, tree.zhongshan, "中山区工人文化馆")
    theatre, rehearsal = venue["spaces"]
    updated = client.call("registry", "update_venue", venue["id"], {
        "spaces": [{"id": theatre["id"], "name": "大剧场", "capacity": 800}, {"name": "排练厅", "capacity": 80}],
    }, token=tree.zs_admin)
    assert [s["name"] for s in updated["spaces"]] == ["大剧场", "排练厅"]
    assert updated["spaces"][0]["id"] == theatre["id"]
    assert updated["spaces"][1]["id"] != rehearsal["id"] and updated["spaces"][1]["capacity"] == 80


def test_two_spaces_can_swap_names_in_one_update(tree, client):
    venue = _register(client, tree.zs_admin, tree.zhongshan, "中山区工人文化馆")
    theatre, rehearsal = venue["spaces"]
    updated = client.call("registry", "update_venue", venue["id"], {"spaces": [
        {"id": theatre["id"], "name": rehearsal["name"], "capacity": theatre["capacity"]},
        {"id": rehearsal["id"], "name": theatre["name"], "capacity": rehearsal["capacity"]}]}, token=tree.zs_admin)
    assert [(s["id"], s["name"]) for s in updated["spaces"]] == [
        (theatre["id"], rehearsal["name"]), (rehearsal["id"], theatre["name"])]


def test_an_update_naming_a_space_the_venue_does_not_have_changes_nothing(tree, client):
    venue = _register(client, tree.zs_admin, tree.zhongshan, "中山区工人文化馆")
    with pytest.raises(RemoteError) as err:
        client.call("registry", "update_venue", venue["id"], {"spaces": [{"id": "nope", "name": "x", "capacity": 1}]},
                    token=tree.zs_admin)
    assert err.value.exc_type == "NotFound"
    assert client.call("registry", "get_venue", venue["id"]) == venue


# --- the network ---------------------------------------------------------------------------

def test_the_network_summary_counts_venues_and_featured_bases_in_a_subtree(tree, client):
    v = _network(client, tree)
    whole = client.call("registry", "network_summary")
    assert whole["venues"] == len(v)
    assert whole["by_type"] == {"palace": 1, "district_hall": 3, "enterprise_centre": 1, "community_centre": 1,
                                "book_room": 3, "club": 2, "city_centre": 1}
    assert whole["by_district"] == {"中山区": 4, "西岗区": 5, "甘井子区": 2, "旅顺口区": 1}
    assert whole["by_status"] == {"planned": 1, "under_construction": 1, "open": 9, "suspended": 1, "closed": 0}
    assert whole["network_types_covered"] == ["palace", "district_hall", "enterprise_centre", "community_centre",
                                              "book_room"]
    assert whole["featured_bases"] == {"count": 1, "target": 50, "progress": 0.02}

    zhongshan = client.call("registry", "network_summary", tree.zhongshan)
    assert zhongshan["org_id"] == tree.zhongshan and zhongshan["venues"] == 4
    assert zhongshan["by_district"] == {"中山区": 4}
    assert zhongshan["by_type"]["club"] == 1 and zhongshan["by_type"]["palace"] == 0
    assert zhongshan["featured_bases"]["count"] == 1
    xigang = client.call("registry", "network_summary", tree.xigang)
    assert xigang["venues"] == 4 and xigang["featured_bases"] == {"count": 0, "target": 50, "progress": 0.0}
    assert xigang["by_status"]["planned"] == 1

    client.call("registry", "designate_venue", v["xg_hall"]["id"], "featured_base", 2026, token=tree.fed)
    client.call("registry", "set_venue_status", v["zs_hall"]["id"], "suspended", "维修", token=tree.zs_admin)
    whole = client.call("registry", "network_summary")
    assert whole["featured_bases"]["count"] == 1  # a suspended base does not count toward the target
    assert client.call("registry", "network_summary", tree.xigang)["featured_bases"]["count"] == 1
