"""Bad input, tried systematically against the real registry (a nameko container, a real broker,
SQLite and PostgreSQL).

Every registry RPC that takes input gets a table of bad calls, each with the contract error it
must produce (and, for ``ValidationFailed``, the field its JSON must name). One container serves a
whole table: a test function sends its table at once, collects every mismatch, and then checks
that nothing changed — the public reads, the event log, and the row count of every table
(``audit_log`` included) are the same after the refused calls as before them.

The case tables, the concurrent caller and the "nothing changed" check are
``tests.support.contract_cases`` (see its docstring); this file holds the registry's world, its
tables, and what its snapshot reads.

The properties at the end (hypothesis) send JSON-ish junk and expect ``ValidationFailed``, never
``InternalError`` and never success.
"""
from __future__ import annotations

import json
import time
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nameko.exceptions import MethodNotFound, RemoteError

from services.registry.models import metadata

from ...support.contract_cases import (
    BAD_CURSORS, HUGE, INF, LONG_ID, NAN, NUL, SURROGATE, UNKNOWN_ID, Caller, Case, Raw, add_bad_token_holders,
    argument_list_cases, assert_validation_failed, bad_tokens, case, crafted, cursor_of, diff, events_since_cases,
    good_claims, json_junk, problem_with, property_settings, read_tables, run_table, short, write_refusal_cases,
)
from .conftest import venue_data


@pytest.fixture
def call(client):
    caller = Caller(client, "registry")
    yield caller
    caller.close()


# --- the world the bad calls are aimed at --------------------------------------------------

@pytest.fixture
def world(tree, call, token):
    """The tree, plus venues in every interesting state, a group, and tokens of every kind."""
    w = SimpleNamespace(**vars(tree))
    w.hall = call("register_venue", venue_data(w.zhongshan), auth=w.zs_admin)
    w.hall_id = w.hall["id"]
    call("designate_venue", w.hall_id, "featured_base", 2025, auth=w.fed)
    w.book = call("register_venue", venue_data(
        w.port, name="港区职工书屋", type="book_room", book_count=5000,
        spaces=[{"name": "阅览室", "capacity": 40}]), auth=w.port_admin)
    w.book_id = w.book["id"]
    w.closed_id = call("register_venue", venue_data(w.xigang, name="西岗区老文化宫", district="西岗区"),
                       auth=w.xg_admin)["id"]
    call("set_venue_status", w.closed_id, "closed", "拆除", auth=w.xg_admin)
    w.planned_id = call("register_venue", venue_data(w.xigang, name="西岗区新文化宫", district="西岗区",
                                                     status="planned"), auth=w.xg_admin)["id"]
    w.group_id = call("register_group", {"name": "港区职工合唱团", "kind": "art_troupe", "org_id": w.zhongshan,
                                         "home_venue_id": w.hall_id, "art_field": "music", "members": 40},
                      auth=w.zs_admin)["id"]
    w.worker = token("worker", w.zhongshan, sub="worker-1")
    w.fed_at_xigang = token("federation_admin", w.xigang, sub="fed-xg")
    add_bad_token_holders(w, token)
    return w


def snapshot(call, database_url: str) -> dict:
    """Everything a refused call must leave alone: public reads, the event log, every table's rows."""
    tables = read_tables(database_url, metadata)
    events = call("events_since", 0, 1000)
    venues = call("search_venues", {"limit": 500})["items"]
    return {
        "tables": tables,
        "events": events["items"],
        "next_seq": events["next_seq"],
        "orgs": call("list_orgs", None, 500)["items"],
        "venues": venues,
        "venue_details": [call("get_venue", v["id"]) for v in venues],
        "groups": call("search_groups", {"limit": 500})["items"],
        "summary": call("network_summary"),
    }


def run_registry_table(call, service_config, cases: list[Case]) -> dict:
    """``run_table`` against the registry: every case refused as the contract says, nothing changed."""
    return run_table(call, cases, lambda: snapshot(call, service_config["DATABASE_URL"]))


# --- authentication and authorisation on every write ---------------------------------------

def write_calls(w) -> dict:
    """Each write RPC with arguments that are good, and the admins outside the target's subtree."""
    return {
        "register_org": (({"name": "西岗区新单位工会", "kind": "grassroots", "parent_id": w.xigang},),
                         [w.zs_admin]),
        "register_venue": ((venue_data(w.xigang, name="西岗区新馆", district="西岗区"),),
                           [w.zs_admin, w.port_admin]),
        "update_venue": ((w.hall_id, {"name": "中山区工人文化宫"}), [w.xg_admin, w.port_admin]),
        "set_venue_status": ((w.hall_id, "suspended", "维修"), [w.xg_admin, w.port_admin]),
        "designate_venue": ((w.book_id, "featured_base", 2026), [w.fed_at_xigang]),
        "revoke_designation": ((w.hall_id, "featured_base", "不再符合条件"), [w.fed_at_xigang]),
        "register_group": (({"name": "西岗区新团队", "kind": "art_troupe", "org_id": w.xigang, "members": 10},),
                           [w.zs_admin, w.port_admin]),
    }


def auth_cases(w) -> list[Case]:
    """Every bad token on every write (the registry's tables are small enough), and the admins
    outside each target's subtree."""
    now = int(time.time())
    good = good_claims(w, now)
    tokens = bad_tokens(w) + [
        ("a token whose roles hold a number", crafted({**good, "roles": [1]}), "Unauthorized"),
        ("a token whose exp is a string", crafted({**good, "exp": "tomorrow"}), "Unauthorized"),
    ]
    cases = write_refusal_cases(write_calls(w), lambda method: tokens, "an admin outside the target's subtree")
    # the role each write needs
    cases += [
        case("a unit admin registers an organisation", "register_org",
             {"name": "港区分会", "kind": "grassroots", "parent_id": w.port}, expect="Forbidden", auth=w.port_admin),
        case("a district admin registers a root", "register_org",
             {"name": "另一个市总工会", "kind": "city", "parent_id": None}, expect="Forbidden", auth=w.zs_admin),
        case("a district admin designates", "designate_venue", w.hall_id, "featured_base", 2026,
             expect="Forbidden", auth=w.zs_admin),
        case("a unit admin revokes", "revoke_designation", w.hall_id, "featured_base", "理由",
             expect="Forbidden", auth=w.port_admin),
        case("a district admin of a sibling district updates", "update_venue", w.closed_id, {"name": "x"},
             expect="Forbidden", auth=w.zs_admin),
        case("a unit admin changes its parent's venue status", "set_venue_status", w.hall_id, "closed", "x",
             expect="Forbidden", auth=w.port_admin),
        # the token is checked before the input: a bad token with bad data is still Unauthorized
        case("no token and junk data", "register_venue", {"junk": True}, expect="Unauthorized", auth=Raw(None)),
        case("a worker and junk data", "register_venue", {"junk": True}, expect="Forbidden", auth=w.worker),
    ]
    return cases


def test_every_write_refuses_bad_tokens_and_outsiders(world, call, service_config, token):
    run_registry_table(call, service_config, auth_cases(world))
    # Claims a good token may carry but the tables cannot store (these calls may write, so they
    # come after the "nothing changed" check): audit_log.actor holds 128 characters and a venue
    # designation's source ("rpc:<sub>") 100.
    w = world
    after = [
        case("a designation by a federation admin whose sub is 110 characters", "designate_venue", w.book_id,
             "featured_base", 2026, expect="ok", auth=token("federation_admin", w.city, sub="s" * 110)),
        case("a write by an admin whose sub is 300 characters (more than the audit log keeps)", "update_venue",
             w.hall_id, {"name": "新名称"}, expect="Unauthorized", auth=token("federation_admin", w.city, sub="s" * 300)),
    ]
    failures = [f"{c.method}: {c.desc}: {problem}" for c in after  # one at a time: both write
                if (problem := problem_with(c, call.outcome(c)))]
    assert not failures, "\n".join(failures)


# --- organisations -------------------------------------------------------------------------

def org_cases(w) -> list[Case]:
    base = {"name": "西岗区新单位工会", "kind": "grassroots", "parent_id": w.xigang}
    fed = w.fed

    def org(desc, data, expect, field=None, auth=fed):
        return case(desc, "register_org", data, expect=expect, field=field, auth=auth)

    def without(key):
        return {k: v for k, v in base.items() if k != key}

    cases = [
        org("data is a string", "org", "ValidationFailed", "_schema"),
        org("data is a list", [base], "ValidationFailed", "_schema"),
        org("data is None", None, "ValidationFailed", "_schema"),
        org("data is an int", 1, "ValidationFailed", "_schema"),
        org("data is empty", {}, "ValidationFailed", "name"),
        org("an unknown field", {**base, "colour": "red"}, "ValidationFailed", "colour"),
        org("an id given", {**base, "id": UNKNOWN_ID}, "ValidationFailed", "id"),
        org("a path given", {**base, "path": "/x/"}, "ValidationFailed", "path"),
    ]
    for key in ("name", "kind", "parent_id"):
        cases.append(org(f"{key} missing", without(key), "ValidationFailed", key))
    for desc, value in [("None", None), ("an int", 123), ("a bool", True), ("empty", ""), ("10 000 chars", HUGE),
                        ("a list", ["x"]), ("a dict", {"zh": "x"}), ("a NUL byte", NUL),
                        ("a lone surrogate", SURROGATE)]:
        cases.append(org(f"name is {desc}", {**base, "name": value}, "ValidationFailed", "name"))
    for desc, value in [("unknown", "village"), ("None", None), ("an int", 1), ("upper case", "GRASSROOTS"),
                        ("a list", ["grassroots"])]:
        cases.append(org(f"kind is {desc}", {**base, "kind": value}, "ValidationFailed", "kind"))
    for desc, value in [("an int", 123), ("empty", ""), ("65 chars", LONG_ID), ("a list", [w.xigang]),
                        ("a bool", False), ("a NUL byte", NUL)]:
        cases.append(org(f"parent_id is {desc}", {**base, "parent_id": value}, "ValidationFailed", "parent_id"))
    cases += [
        org("district is 10 000 chars", {**base, "district": HUGE}, "ValidationFailed", "district"),
        org("district is an int", {**base, "district": 5}, "ValidationFailed", "district"),
        org("district is empty", {**base, "district": ""}, "ValidationFailed", "district"),
        org("enterprise on a district", {"name": "新区", "kind": "district", "parent_id": w.city,
                                         "enterprise": "某公司"}, "ValidationFailed", "enterprise"),
        org("enterprise is empty", {**base, "enterprise": ""}, "ValidationFailed", "enterprise"),
        org("enterprise is 10 000 chars", {**base, "enterprise": HUGE}, "ValidationFailed", "enterprise"),
        org("enterprise is a dict", {**base, "enterprise": {"name": "x"}}, "ValidationFailed", "enterprise"),
        org("an unknown parent", {**base, "parent_id": UNKNOWN_ID}, "NotFound"),
        org("a district under a district", {"name": "新区", "kind": "district", "parent_id": w.zhongshan},
            "ValidationFailed", "parent_id", auth=w.zs_admin),
        org("a department under a district", {"name": "宣传部", "kind": "department", "parent_id": w.zhongshan},
            "ValidationFailed", "parent_id"),
        org("anything under a grassroots union", {"name": "车间分会", "kind": "grassroots", "parent_id": w.port},
            "ValidationFailed", "parent_id"),
        org("a city under the city", {"name": "另一个市总", "kind": "city", "parent_id": w.city},
            "ValidationFailed", "parent_id"),
        org("a district without a parent", {"name": "新区", "kind": "district", "parent_id": None},
            "ValidationFailed", "parent_id"),
        org("a second city federation", {"name": "另一个市总工会", "kind": "city", "parent_id": None}, "Conflict"),
        org("a duplicate name under the same parent",
            {"name": "大连港集团有限公司工会", "kind": "grassroots", "parent_id": w.zhongshan}, "Conflict"),
        org("a duplicate district", {"name": "中山区总工会", "kind": "district", "parent_id": w.city}, "Conflict"),
    ]

    for desc, value in [("an int", 123), ("None", None), ("empty", ""), ("65 chars", LONG_ID), ("a list", [w.city]),
                        ("a dict", {"id": w.city}), ("a bool", True), ("a NUL byte", NUL),
                        ("a lone surrogate", SURROGATE)]:
        cases.append(case(f"org_id is {desc}", "get_org", value, expect="ValidationFailed", field="org_id"))
    cases.append(case("an unknown org_id", "get_org", UNKNOWN_ID, expect="NotFound"))

    def listing(desc, expect, field=None, **kwargs):
        return case(desc, "list_orgs", expect=expect, field=field, **kwargs)

    cases += [
        listing("parent_id is an int", "ValidationFailed", "parent_id", parent_id=1),
        listing("parent_id is empty", "ValidationFailed", "parent_id", parent_id=""),
        listing("parent_id is a list", "ValidationFailed", "parent_id", parent_id=[w.city]),
        listing("an unknown parent_id", "NotFound", parent_id=UNKNOWN_ID),
        case("positional: parent_id is a dict", "list_orgs", {"id": w.city}, expect="ValidationFailed",
             field="parent_id"),
    ]
    for desc, value in [("0", 0), ("501", 501), ("-1", -1), ("a string", "10"), ("a bool", True), ("a float", 1.5),
                        ("None", None), ("NaN", NAN), ("huge", 10 ** 30)]:
        cases.append(listing(f"limit is {desc}", "ValidationFailed", "limit", limit=value))
    for desc, value in BAD_CURSORS:
        cases.append(listing(desc, "ValidationFailed", "cursor", cursor=value))
    cases += [
        listing("a cursor of the wrong arity (a venue search's)", "ValidationFailed", "cursor",
                cursor=cursor_of(["name", "id"])),
        listing("a cursor holding a number", "ValidationFailed", "cursor", cursor=cursor_of([1])),
        listing("a cursor holding null", "ValidationFailed", "cursor", cursor=cursor_of([None])),
        listing("a cursor holding a list", "ValidationFailed", "cursor", cursor=cursor_of([["/"]])),
        listing("a cursor holding a NUL byte", "ValidationFailed", "cursor", cursor=cursor_of(["/\x00"])),
    ]
    return cases


# --- register_venue ------------------------------------------------------------------------

REQUIRED_VENUE_FIELDS = ("name", "type", "org_id", "district", "address", "location", "opening_hours")


def venue_input_cases(w) -> list[Case]:
    base = venue_data(w.zhongshan, name="中山区新馆")
    admin = w.zs_admin

    def venue(desc, expect, field=None, data=None, **changes):
        data = data if data is not None else {**base, **changes}
        return case(desc, "register_venue", data, expect=expect, field=field, auth=admin)

    def hours(desc, value, fld):
        return venue(f"opening hours: {desc}", "ValidationFailed", fld, opening_hours=value)

    def space(desc, value, fld):
        return venue(f"spaces: {desc}", "ValidationFailed", fld, spaces=value)

    def loc(desc, value, fld):
        return venue(f"location: {desc}", "ValidationFailed", fld, location=value)

    cases = [venue(f"data is {d}", "ValidationFailed", "_schema", data=v)
             for d, v in [("a string", "venue"), ("a list", [base]), ("an int", 7), ("a bool", True)]]
    cases.append(case("data is None", "register_venue", None, expect="ValidationFailed", field="_schema",
                      auth=admin))
    cases.append(venue("data is empty", "ValidationFailed", "name", data={}))
    for key in REQUIRED_VENUE_FIELDS:
        cases.append(venue(f"{key} missing", "ValidationFailed", key,
                           data={k: v for k, v in base.items() if k != key}))
        cases.append(venue(f"{key} is None", "ValidationFailed", key, **{key: None}))
    for key in ("rating", "id", "version", "designations", "created_at", "Name"):
        cases.append(venue(f"an unknown field {key}", "ValidationFailed", key, **{key: 1}))
    for desc, value in [("an int", 123), ("empty", ""), ("10 000 chars", HUGE), ("a list", ["馆"]),
                        ("a NUL byte", NUL), ("a lone surrogate", SURROGATE), ("201 chars", "馆" * 201),
                        ("only blanks", " \t　")]:
        cases.append(venue(f"name is {desc}", "ValidationFailed", "name", name=value))
    for desc, value in [("unknown", "castle"), ("an int", 1), ("upper case", "PALACE"), ("a list", ["palace"]),
                        ("empty", "")]:
        cases.append(venue(f"type is {desc}", "ValidationFailed", "type", type=value))
    for desc, value in [("an int", 1), ("empty", ""), ("65 chars", LONG_ID), ("a dict", {"id": w.zhongshan}),
                        ("a NUL byte", NUL)]:
        cases.append(venue(f"org_id is {desc}", "ValidationFailed", "org_id", org_id=value))
    cases.append(venue("an unknown org_id", "NotFound", org_id=UNKNOWN_ID))
    for desc, value in [("an int", 5), ("empty", ""), ("10 000 chars", HUGE), ("51 chars", "区" * 51)]:
        cases.append(venue(f"district is {desc}", "ValidationFailed", "district", district=value))
    for desc, value in [("an int", 5), ("empty", ""), ("10 000 chars", HUGE), ("a list", ["路"])]:
        cases.append(venue(f"address is {desc}", "ValidationFailed", "address", address=value))
    cases += [
        loc("a list", [38.9, 121.6], "location"),
        loc("a string", "38.9,121.6", "location"),
        loc("empty", {}, "location.lat"),
        loc("lat 91", {"lat": 91, "lon": 121.6}, "location.lat"),
        loc("lat -90.0001", {"lat": -90.0001, "lon": 121.6}, "location.lat"),
        loc("lon -181", {"lat": 38.9, "lon": -181}, "location.lon"),
        loc("lon 180.5", {"lat": 38.9, "lon": 180.5}, "location.lon"),
        loc("lat NaN", {"lat": NAN, "lon": 121.6}, "location.lat"),
        loc("lon Infinity", {"lat": 38.9, "lon": INF}, "location.lon"),
        loc("lat -Infinity", {"lat": -INF, "lon": 121.6}, "location.lat"),
        loc("lat a word", {"lat": "north", "lon": 121.6}, "location.lat"),
        loc("lat a numeric string", {"lat": "38.9", "lon": 121.6}, "location.lat"),
        loc("lon the string NaN", {"lat": 38.9, "lon": "NaN"}, "location.lon"),
        loc("lat a bool", {"lat": True, "lon": 121.6}, "location.lat"),
        loc("lat None", {"lat": None, "lon": 121.6}, "location.lat"),
        loc("lat a list", {"lat": [38.9], "lon": 121.6}, "location.lat"),
        loc("lon missing", {"lat": 38.9}, "location.lon"),
        loc("an extra key", {"lat": 38.9, "lon": 121.6, "alt": 10}, "location.alt"),
        loc("lat a huge int", {"lat": 10 ** 400, "lon": 121.6}, "location.lat"),
    ]
    cases += [
        space("a dict", {"name": "厅", "capacity": 5}, "spaces"),
        space("a string", "大剧场", "spaces"),
        space("an item that is a string", ["大剧场"], "spaces.0"),
        space("an item that is None", [None], "spaces.0"),
        space("capacity missing", [{"name": "厅"}], "spaces.0.capacity"),
        space("name missing", [{"capacity": 5}], "spaces.0.name"),
        space("capacity 0", [{"name": "厅", "capacity": 0}], "spaces.0.capacity"),
        space("capacity -5", [{"name": "厅", "capacity": -5}], "spaces.0.capacity"),
        space("capacity a string", [{"name": "厅", "capacity": "10"}], "spaces.0.capacity"),
        space("capacity a float", [{"name": "厅", "capacity": 10.5}], "spaces.0.capacity"),
        space("capacity a whole float", [{"name": "厅", "capacity": 10.0}], "spaces.0.capacity"),
        space("capacity a bool", [{"name": "厅", "capacity": True}], "spaces.0.capacity"),
        space("capacity None", [{"name": "厅", "capacity": None}], "spaces.0.capacity"),
        space("capacity NaN", [{"name": "厅", "capacity": NAN}], "spaces.0.capacity"),
        space("capacity 100 001", [{"name": "厅", "capacity": 100_001}], "spaces.0.capacity"),
        space("capacity 2**70", [{"name": "厅", "capacity": 2 ** 70}], "spaces.0.capacity"),
        space("name empty", [{"name": "", "capacity": 5}], "spaces.0.name"),
        space("name 10 000 chars", [{"name": HUGE, "capacity": 5}], "spaces.0.name"),
        space("name an int", [{"name": 5, "capacity": 5}], "spaces.0.name"),
        space("name a NUL byte", [{"name": NUL, "capacity": 5}], "spaces.0.name"),
        space("the second item bad", [{"name": "甲", "capacity": 5}, {"name": "乙", "capacity": 0}],
              "spaces.1.capacity"),
        space("duplicate names", [{"name": "厅", "capacity": 5}, {"name": "厅", "capacity": 9}], "spaces"),
        space("an id on a new venue's space", [{"id": UNKNOWN_ID, "name": "厅", "capacity": 5}], "spaces"),
        space("an unknown key", [{"name": "厅", "capacity": 5, "colour": "red"}], "spaces.0.colour"),
        space("101 spaces", [{"name": f"厅{i}", "capacity": 5} for i in range(101)], "spaces"),
    ]
    cases += [
        hours("a list", [["09:00", "21:00"]], "opening_hours"),
        hours("a string", "09:00-21:00", "opening_hours"),
        hours("an inverted range", {"mon": [["21:00", "09:00"]]}, "opening_hours.mon"),
        hours("an empty range", {"mon": [["09:00", "09:00"]]}, "opening_hours.mon"),
        hours("overlapping ranges", {"tue": [["09:00", "12:00"], ["11:00", "13:00"]]}, "opening_hours.tue"),
        hours("overlapping ranges given out of order", {"wed": [["13:00", "18:00"], ["09:00", "13:30"]]},
              "opening_hours.wed"),
        hours("a range inside another", {"wed": [["09:00", "21:00"], ["10:00", "11:00"]]}, "opening_hours.wed"),
        hours("25:00", {"thu": [["09:00", "25:00"]]}, "opening_hours.thu"),
        hours("12:60", {"thu": [["09:00", "12:60"]]}, "opening_hours.thu"),
        hours("9:00 without its zero", {"thu": [["9:00", "12:00"]]}, "opening_hours.thu"),
        hours("24:00 starting a range", {"fri": [["24:00", "24:00"]]}, "opening_hours.fri"),
        hours("24:01", {"fri": [["09:00", "24:01"]]}, "opening_hours.fri"),
        hours("a time with seconds", {"fri": [["09:00:00", "12:00:00"]]}, "opening_hours.fri"),
        hours("an unknown day", {"monday": [["09:00", "12:00"]]}, "opening_hours.monday"),
        hours("a day in upper case", {"MON": [["09:00", "12:00"]]}, "opening_hours.MON"),
        hours("a day that is a number", {"1": [["09:00", "12:00"]]}, "opening_hours.1"),
        hours("a day that is a string", {"sat": "09:00-12:00"}, "opening_hours.sat"),
        hours("a day that is None", {"sat": None}, "opening_hours.sat"),
        hours("a day that is a dict", {"sat": {"open": "09:00"}}, "opening_hours.sat"),
        hours("a range of three times", {"sun": [["09:00", "12:00", "13:00"]]}, "opening_hours.sun"),
        hours("a range of one time", {"sun": [["09:00"]]}, "opening_hours.sun"),
        hours("a range of numbers", {"sun": [[9, 21]]}, "opening_hours.sun"),
        hours("a range that is a string", {"sun": ["09:00-12:00"]}, "opening_hours.sun"),
        hours("a range that is a dict", {"sun": [{"from": "09:00", "to": "12:00"}]}, "opening_hours.sun"),
        hours("a range that is None", {"sun": [None]}, "opening_hours.sun"),
        hours("a time with a NUL byte", {"sun": [["09:00\x00", "12:00"]]}, "opening_hours.sun"),
        hours("a time with a trailing newline", {"sun": [["09:00", "12:00\n"]]}, "opening_hours.sun"),
        hours("full-width digits", {"sun": [["０９:００", "１２:００"]]}, "opening_hours.sun"),
    ]
    for desc, value, fld in [("a string", "wifi", "facilities"), ("None", None, "facilities"),
                             ("an int item", [1], "facilities.0"), ("an empty item", [""], "facilities.0"),
                             ("a 10 000 char item", [HUGE], "facilities.0"),
                             ("a NUL byte item", [NUL], "facilities.0"),
                             ("51 items", [f"设施{i}" for i in range(51)], "facilities"),
                             ("a dict", {"wifi": True}, "facilities")]:
        cases.append(venue(f"facilities is {desc}", "ValidationFailed", fld, facilities=value))
    for desc, value, fld in [("a string", "music", "art_fields"), ("an unknown field", ["opera"], "art_fields.0"),
                             ("None", None, "art_fields"), ("an int item", [3], "art_fields.0"),
                             ("upper case", ["MUSIC"], "art_fields.0")]:
        cases.append(venue(f"art_fields is {desc}", "ValidationFailed", fld, art_fields=value))
    cases += [
        venue("book_count on a district hall", "ValidationFailed", "book_count", book_count=100),
        venue("book_count 0 on a club", "ValidationFailed", "book_count", type="club", book_count=0),
    ]
    for desc, value in [("-1", -1), ("a string", "100"), ("a bool", True), ("a float", 1.5), ("huge", 10 ** 12),
                        ("a list", [100])]:
        cases.append(venue(f"book_count is {desc} on a book room", "ValidationFailed", "book_count",
                           type="book_room", book_count=value))
    for desc, value in [("closed (not an initial status)", "closed"), ("unknown", "demolished"), ("an int", 1),
                        ("None", None), ("upper case", "OPEN")]:
        cases.append(venue(f"status is {desc}", "ValidationFailed", "status", status=value))
    return cases


# --- venue writes: update, status, designations --------------------------------------------

def venue_write_cases(w) -> list[Case]:
    hall, space_ids = w.hall_id, [s["id"] for s in w.hall["spaces"]]
    book_space = w.book["spaces"][0]["id"]

    def update(desc, changes, expect, field=None, venue_id=None, auth=None):
        return case(desc, "update_venue", venue_id or hall, changes, expect=expect, field=field,
                    auth=auth or w.zs_admin)

    cases = []
    for desc, value in [("an int", 1), ("None", None), ("empty", ""), ("65 chars", LONG_ID), ("a dict", {"id": hall}),
                        ("a list", [hall]), ("a NUL byte", NUL)]:
        cases.append(case(f"venue_id is {desc}", "update_venue", value, {"name": "x"}, expect="ValidationFailed",
                          field="venue_id", auth=w.zs_admin))
    cases.append(case("an unknown venue", "update_venue", UNKNOWN_ID, {"name": "x"}, expect="NotFound",
                      auth=w.fed))
    cases += [
        update("changes is empty", {}, "ValidationFailed", "_schema"),
        update("changes is None", None, "ValidationFailed", "_schema"),
        update("changes is a string", "name=x", "ValidationFailed", "_schema"),
        update("changes is a list", [{"name": "x"}], "ValidationFailed", "_schema"),
        update("the type (not changeable)", {"type": "club"}, "ValidationFailed", "type"),
        update("the status (set_venue_status's job)", {"status": "closed"}, "ValidationFailed", "status"),
        update("the org_id (not changeable)", {"org_id": w.xigang}, "ValidationFailed", "org_id"),
        update("the version", {"version": 99}, "ValidationFailed", "version"),
        update("an unknown field", {"name": "x", "colour": "red"}, "ValidationFailed", "colour"),
        update("name is None", {"name": None}, "ValidationFailed", "name"),
        update("name is empty", {"name": ""}, "ValidationFailed", "name"),
        update("name is 10 000 chars", {"name": HUGE}, "ValidationFailed", "name"),
        update("name is an int", {"name": 5}, "ValidationFailed", "name"),
        update("name has a NUL byte", {"name": NUL}, "ValidationFailed", "name"),
        update("district is None", {"district": None}, "ValidationFailed", "district"),
        update("address is 10 000 chars", {"address": HUGE}, "ValidationFailed", "address"),
        update("location lat 91", {"location": {"lat": 91, "lon": 121.6}}, "ValidationFailed", "location.lat"),
        update("location lon -181", {"location": {"lat": 38.9, "lon": -181}}, "ValidationFailed", "location.lon"),
        update("location lat NaN", {"location": {"lat": NAN, "lon": 121.6}}, "ValidationFailed", "location.lat"),
        update("location lon missing", {"location": {"lat": 38.9}}, "ValidationFailed", "location.lon"),
        update("location None", {"location": None}, "ValidationFailed", "location"),
        update("spaces with duplicate names", {"spaces": [{"name": "厅", "capacity": 5}, {"name": "厅", "capacity": 6}]},
               "ValidationFailed", "spaces"),
        update("spaces with a duplicate id", {"spaces": [{"id": space_ids[0], "name": "甲", "capacity": 5},
                                                         {"id": space_ids[0], "name": "乙", "capacity": 6}]},
               "ValidationFailed", "spaces"),
        update("a space with capacity 0", {"spaces": [{"id": space_ids[0], "name": "大剧场", "capacity": 0}]},
               "ValidationFailed", "spaces.0.capacity"),
        update("a space with capacity -1", {"spaces": [{"name": "厅", "capacity": -1}]}, "ValidationFailed",
               "spaces.0.capacity"),
        update("a space id that is an int", {"spaces": [{"id": 5, "name": "厅", "capacity": 5}]},
               "ValidationFailed", "spaces.0.id"),
        update("an unknown space id", {"spaces": [{"id": UNKNOWN_ID, "name": "厅", "capacity": 5}]}, "NotFound"),
        update("another venue's space id", {"spaces": [{"id": book_space, "name": "厅", "capacity": 5}]},
               "NotFound"),
        update("spaces None", {"spaces": None}, "ValidationFailed", "spaces"),
        update("opening hours overlapping", {"opening_hours": {"mon": [["09:00", "12:00"], ["11:00", "14:00"]]}},
               "ValidationFailed", "opening_hours.mon"),
        update("opening hours inverted", {"opening_hours": {"sun": [["22:00", "08:00"]]}}, "ValidationFailed",
               "opening_hours.sun"),
        update("opening hours 25:00", {"opening_hours": {"sun": [["08:00", "25:00"]]}}, "ValidationFailed",
               "opening_hours.sun"),
        update("opening hours on an unknown day", {"opening_hours": {"holiday": []}}, "ValidationFailed",
               "opening_hours.holiday"),
        update("opening hours None", {"opening_hours": None}, "ValidationFailed", "opening_hours"),
        update("facilities None", {"facilities": None}, "ValidationFailed", "facilities"),
        update("art_fields unknown", {"art_fields": ["opera"]}, "ValidationFailed", "art_fields.0"),
        update("book_count on a district hall", {"book_count": 10}, "ValidationFailed", "book_count"),
        update("book_count -1 on a book room", {"book_count": -1}, "ValidationFailed", "book_count",
               venue_id=w.book_id, auth=w.port_admin),
        update("book_count a string on a book room", {"book_count": "10"}, "ValidationFailed", "book_count",
               venue_id=w.book_id, auth=w.port_admin),
        update("book_count a bool on a book room", {"book_count": True}, "ValidationFailed", "book_count",
               venue_id=w.book_id, auth=w.port_admin),
    ]

    def status(desc, venue_id, new, reason, expect, field=None, auth=None):
        return case(desc, "set_venue_status", venue_id, new, reason, expect=expect, field=field,
                    auth=auth or w.fed)

    cases += [
        status("venue_id an int", 1, "suspended", "维修", "ValidationFailed", "venue_id"),
        status("venue_id None", None, "suspended", "维修", "ValidationFailed", "venue_id"),
        status("an unknown venue", UNKNOWN_ID, "suspended", "维修", "NotFound"),
        status("an unknown status", hall, "demolished", "维修", "ValidationFailed", "status"),
        status("status None", hall, None, "维修", "ValidationFailed", "status"),
        status("status an int", hall, 2, "维修", "ValidationFailed", "status"),
        status("status upper case", hall, "SUSPENDED", "维修", "ValidationFailed", "status"),
        status("reason empty", hall, "suspended", "", "ValidationFailed", "reason"),
        status("reason None", hall, "suspended", None, "ValidationFailed", "reason"),
        status("reason 10 000 chars", hall, "suspended", HUGE, "ValidationFailed", "reason"),
        status("reason an int", hall, "suspended", 5, "ValidationFailed", "reason"),
        status("reason a dict", hall, "suspended", {"zh": "维修"}, "ValidationFailed", "reason"),
        status("reason with a NUL byte", hall, "suspended", NUL, "ValidationFailed", "reason"),
        status("open to open", hall, "open", "再开", "InvalidState"),
        status("open back to planned", hall, "planned", "重新规划", "InvalidState"),
        status("open to under_construction", hall, "under_construction", "改建", "InvalidState"),
        status("closed to open", w.closed_id, "open", "重开", "InvalidState"),
        status("closed to closed", w.closed_id, "closed", "再关", "InvalidState"),
        status("planned to suspended", w.planned_id, "suspended", "暂停", "InvalidState"),
    ]

    def designate(desc, venue_id, designation, year, expect, field=None):
        return case(desc, "designate_venue", venue_id, designation, year, expect=expect, field=field, auth=w.fed)

    cases += [
        designate("venue_id an int", 1, "featured_base", 2026, "ValidationFailed", "venue_id"),
        designate("an unknown venue", UNKNOWN_ID, "featured_base", 2026, "NotFound"),
        designate("an unknown designation", w.book_id, "gold_star", 2026, "ValidationFailed", "designation"),
        designate("designation None", w.book_id, None, 2026, "ValidationFailed", "designation"),
        designate("designation a list", w.book_id, ["featured_base"], 2026, "ValidationFailed", "designation"),
        designate("year a string", w.book_id, "featured_base", "2026", "ValidationFailed", "year"),
        designate("year a float", w.book_id, "featured_base", 2026.5, "ValidationFailed", "year"),
        designate("year a whole float", w.book_id, "featured_base", 2026.0, "ValidationFailed", "year"),
        designate("year a bool", w.book_id, "featured_base", True, "ValidationFailed", "year"),
        designate("year None", w.book_id, "featured_base", None, "ValidationFailed", "year"),
        designate("year 1999", w.book_id, "featured_base", 1999, "ValidationFailed", "year"),
        designate("year 2101", w.book_id, "featured_base", 2101, "ValidationFailed", "year"),
        designate("year -2026", w.book_id, "featured_base", -2026, "ValidationFailed", "year"),
        designate("year NaN", w.book_id, "featured_base", NAN, "ValidationFailed", "year"),
        designate("demonstration_base by RPC", w.hall_id, "demonstration_base", 2026, "Forbidden"),
        designate("a featured base again", w.hall_id, "featured_base", 2026, "Conflict"),
        designate("a closed venue", w.closed_id, "featured_base", 2026, "InvalidState"),
        designate("a planned venue", w.planned_id, "featured_base", 2026, "InvalidState"),
    ]

    def revoke(desc, venue_id, designation, reason, expect, field=None):
        return case(desc, "revoke_designation", venue_id, designation, reason, expect=expect, field=field,
                    auth=w.fed)

    cases += [
        revoke("venue_id an int", 7, "featured_base", "理由", "ValidationFailed", "venue_id"),
        revoke("venue_id empty", "", "featured_base", "理由", "ValidationFailed", "venue_id"),
        revoke("an unknown venue", UNKNOWN_ID, "featured_base", "理由", "NotFound"),
        revoke("an unknown designation", hall, "gold_star", "理由", "ValidationFailed", "designation"),
        revoke("designation an int", hall, 1, "理由", "ValidationFailed", "designation"),
        revoke("reason empty", hall, "featured_base", "", "ValidationFailed", "reason"),
        revoke("reason None", hall, "featured_base", None, "ValidationFailed", "reason"),
        revoke("reason 10 000 chars", hall, "featured_base", HUGE, "ValidationFailed", "reason"),
        revoke("reason a list", hall, "featured_base", ["理由"], "ValidationFailed", "reason"),
        revoke("a designation the venue does not hold", w.book_id, "featured_base", "理由", "InvalidState"),
        revoke("demonstration_base by RPC", hall, "demonstration_base", "理由", "Forbidden"),
    ]
    return cases


# --- venue reads ---------------------------------------------------------------------------

def venue_read_cases(w) -> list[Case]:
    cases = []
    for desc, value in [("an int", 123), ("None", None), ("empty", ""), ("65 chars", LONG_ID), ("a list", [w.hall_id]),
                        ("a dict", {"id": w.hall_id}), ("a bool", True), ("a float", 1.5), ("a NUL byte", NUL),
                        ("a lone surrogate", SURROGATE)]:
        cases.append(case(f"venue_id is {desc}", "get_venue", value, expect="ValidationFailed", field="venue_id"))
    cases.append(case("an unknown venue", "get_venue", UNKNOWN_ID, expect="NotFound"))
    cases.append(case("a group's id as a venue's", "get_venue", w.group_id, expect="NotFound"))

    def search(desc, filters, expect, field=None):
        return case(desc, "search_venues", filters, expect=expect, field=field)

    for desc, value in [("a string", "palace"), ("a list", [{"type": "palace"}]), ("an int", 1), ("a bool", True)]:
        cases.append(search(f"filters is {desc}", value, "ValidationFailed", "_schema"))
    for key, desc, value in [
        ("type", "unknown", "castle"), ("type", "an int", 1), ("type", "a list", ["palace", "club"]),
        ("status", "unknown", "demolished"), ("status", "None", None),
        ("designation", "unknown", "gold_star"), ("designation", "a group's", "excellent_team"),
        ("art_field", "unknown", "opera"), ("district", "an int", 1), ("district", "51 chars", "区" * 51),
        ("district", "empty", ""), ("org_id", "an int", 1), ("org_id", "65 chars", LONG_ID),
        ("text", "empty", ""), ("text", "101 chars", "馆" * 101), ("text", "an int", 5),
        ("text", "a NUL byte", NUL), ("text", "a lone surrogate", SURROGATE),
        ("near", "a list", [38.9, 121.6, 5]), ("near", "a string", "38.9,121.6"), ("near", "None", None),
    ]:
        cases.append(search(f"{key} is {desc}", {key: value}, "ValidationFailed", key))
    cases.append(search("an unknown filter", {"colour": "red"}, "ValidationFailed", "colour"))
    cases.append(search("a misspelt filter", {"types": "palace"}, "ValidationFailed", "types"))
    cases.append(search("an unknown org_id", {"org_id": UNKNOWN_ID}, "NotFound"))
    near = {"lat": 38.9, "lon": 121.6, "km": 5}
    for desc, value, fld in [
        ("lat 91", {**near, "lat": 91}, "near.lat"), ("lat -91", {**near, "lat": -91}, "near.lat"),
        ("lon -181", {**near, "lon": -181}, "near.lon"), ("lon 181", {**near, "lon": 181}, "near.lon"),
        ("lat NaN", {**near, "lat": NAN}, "near.lat"), ("km Infinity", {**near, "km": INF}, "near.km"),
        ("km 0", {**near, "km": 0}, "near.km"), ("km -1", {**near, "km": -1}, "near.km"),
        ("km 501", {**near, "km": 501}, "near.km"), ("km a string", {**near, "km": "5"}, "near.km"),
        ("km a bool", {**near, "km": True}, "near.km"), ("lat a word", {**near, "lat": "north"}, "near.lat"),
        ("km missing", {"lat": 38.9, "lon": 121.6}, "near.km"), ("empty", {}, "near.lat"),
        ("km 10**400", {**near, "km": 10 ** 400}, "near.km"),
        ("an extra key", {**near, "radius": 5}, "near.radius"),
    ]:
        cases.append(search(f"near: {desc}", {"near": value}, "ValidationFailed", fld))
    for desc, value in [("0", 0), ("501", 501), ("-1", -1), ("a string", "10"), ("a bool", True), ("a float", 2.5),
                        ("None", None)]:
        cases.append(search(f"limit is {desc}", {"limit": value}, "ValidationFailed", "limit"))
        cases.append(search(f"limit is {desc} in a radius search", {"limit": value, "near": near},
                            "ValidationFailed", "limit"))
    for desc, value in BAD_CURSORS:
        cases.append(search(desc, {"cursor": value}, "ValidationFailed", "cursor"))
        cases.append(search(f"{desc}, in a radius search", {"cursor": value, "near": near}, "ValidationFailed",
                            "cursor"))
    for desc, value in [("of an organisation listing (arity 1)", ["/x/"]), ("holding numbers", [1, 2]),
                        ("holding nulls", [None, None]), ("holding lists", [["a"], ["b"]]),
                        ("holding dicts", [{"a": 1}, {"b": 2}]), ("holding a NUL byte", ["\x00", "x"])]:
        cases.append(search(f"a cursor {desc}", {"cursor": cursor_of(value)}, "ValidationFailed", "cursor"))
    for desc, value in [("at the north pole, across the antimeridian", {"lat": 90, "lon": 180, "km": 500}),
                        ("at the south pole, a metre wide", {"lat": -90, "lon": -180, "km": 0.001}),
                        ("on the antimeridian at the equator", {"lat": 0, "lon": 179.99, "km": 500})]:
        cases.append(search(f"a good radius search {desc}", {"near": value}, "ok"))
    for text in ("%", "_", "\\", "'", '"', "中山区%", "' OR 1=1 --"):
        cases.append(search(f"a good text search for {text!r}", {"text": text}, "ok"))
    for desc, value in [("of a name search (name, id)", ["中山区工人文化馆", w.hall_id]),
                        ("holding nulls", [None, None]), ("holding a bool distance", [True, "x"]),
                        ("holding a list", [[1], "x"]), ("holding a numeric id", [1.5, 2])]:
        cases.append(search(f"a radius-search cursor {desc}", {"near": near, "cursor": cursor_of(value)},
                            "ValidationFailed", "cursor"))
    return cases


# --- groups --------------------------------------------------------------------------------

def group_cases(w) -> list[Case]:
    base = {"name": "中山区职工舞蹈队", "kind": "art_troupe", "org_id": w.zhongshan, "members": 12}

    def group(desc, expect, field=None, data=None, auth=None, **changes):
        data = data if data is not None else {**base, **changes}
        return case(desc, "register_group", data, expect=expect, field=field, auth=auth or w.zs_admin)

    cases = [group(f"data is {d}", "ValidationFailed", "_schema", data=v)
             for d, v in [("a string", "group"), ("a list", [base]), ("an int", 3)]]
    cases.append(case("data is None", "register_group", None, expect="ValidationFailed", field="_schema",
                      auth=w.zs_admin))
    for key in ("name", "kind", "org_id", "members"):
        cases.append(group(f"{key} missing", "ValidationFailed", key, data={k: v for k, v in base.items() if k != key}))
        cases.append(group(f"{key} is None", "ValidationFailed", key, **{key: None}))
    cases += [
        group("an unknown field", "ValidationFailed", "leader", leader="张三"),
        group("an id given", "ValidationFailed", "id", id=UNKNOWN_ID),
        group("designations given", "ValidationFailed", "designations", designations=[]),
        group("name empty", "ValidationFailed", "name", name=""),
        group("name 10 000 chars", "ValidationFailed", "name", name=HUGE),
        group("name an int", "ValidationFailed", "name", name=42),
        group("name with a NUL byte", "ValidationFailed", "name", name=NUL),
        group("kind unknown", "ValidationFailed", "kind", kind="band"),
        group("kind an int", "ValidationFailed", "kind", kind=1),
        group("org_id an int", "ValidationFailed", "org_id", org_id=1),
        group("org_id 65 chars", "ValidationFailed", "org_id", org_id=LONG_ID),
        group("an unknown org", "NotFound", org_id=UNKNOWN_ID),
        group("home_venue_id an int", "ValidationFailed", "home_venue_id", home_venue_id=1),
        group("home_venue_id empty", "ValidationFailed", "home_venue_id", home_venue_id=""),
        group("an unknown home venue", "NotFound", home_venue_id=UNKNOWN_ID),
        group("a group's id as home venue", "NotFound", home_venue_id=w.group_id),
        group("art_field unknown", "ValidationFailed", "art_field", art_field="opera"),
        group("art_field a list", "ValidationFailed", "art_field", art_field=["music"]),
        group("a duplicate name in the same organisation", "Conflict", name="港区职工合唱团"),
    ]
    for desc, value in [("0", 0), ("-1", -1), ("a string", "12"), ("a bool", True), ("a float", 12.5),
                        ("a whole float", 12.0), ("1 000 001", 1_000_001), ("NaN", NAN), ("a list", [12])]:
        cases.append(group(f"members is {desc}", "ValidationFailed", "members", members=value))

    for desc, value in [("an int", 5), ("None", None), ("empty", ""), ("65 chars", LONG_ID), ("a list", [w.group_id]),
                        ("a NUL byte", NUL)]:
        cases.append(case(f"group_id is {desc}", "get_group", value, expect="ValidationFailed", field="group_id"))
    cases.append(case("an unknown group", "get_group", UNKNOWN_ID, expect="NotFound"))
    cases.append(case("a venue's id as a group's", "get_group", w.hall_id, expect="NotFound"))

    def search(desc, filters, expect, field=None):
        return case(desc, "search_groups", filters, expect=expect, field=field)

    for desc, value in [("a string", "art_troupe"), ("a list", []), ("an int", 0)]:
        cases.append(search(f"filters is {desc}", value, "ValidationFailed", "_schema"))
    for key, desc, value in [
        ("kind", "unknown", "band"), ("kind", "an int", 2), ("designation", "a venue's", "featured_base"),
        ("designation", "unknown", "gold"), ("art_field", "unknown", "opera"), ("org_id", "an int", 3),
        ("home_venue_id", "an int", 3), ("home_venue_id", "65 chars", LONG_ID), ("text", "empty", ""),
        ("text", "101 chars", "团" * 101), ("text", "a NUL byte", NUL), ("text", "None", None),
    ]:
        cases.append(search(f"{key} is {desc}", {key: value}, "ValidationFailed", key))
    cases.append(search("an unknown filter", {"members": 5}, "ValidationFailed", "members"))
    cases.append(search("a venue filter", {"near": {"lat": 1, "lon": 1, "km": 1}}, "ValidationFailed", "near"))
    cases.append(search("an unknown org_id", {"org_id": UNKNOWN_ID}, "NotFound"))
    for desc, value in [("0", 0), ("501", 501), ("a string", "5"), ("a bool", False), ("None", None)]:
        cases.append(search(f"limit is {desc}", {"limit": value}, "ValidationFailed", "limit"))
    for desc, value in BAD_CURSORS:
        cases.append(search(desc, {"cursor": value}, "ValidationFailed", "cursor"))
    for desc, value in [("of an organisation listing (arity 1)", ["/x/"]), ("holding numbers", [1, 2]),
                        ("holding lists", [["a"], ["b"]])]:
        cases.append(search(f"a cursor {desc}", {"cursor": cursor_of(value)}, "ValidationFailed", "cursor"))
    return cases


# --- the network summary and the event log -------------------------------------------------

def summary_and_log_cases(w) -> list[Case]:
    cases = []
    for desc, value in [("an int", 1), ("empty", ""), ("65 chars", LONG_ID), ("a list", [w.city]),
                        ("a dict", {"id": w.city}), ("a bool", True), ("a NUL byte", NUL)]:
        cases.append(case(f"org_id is {desc}", "network_summary", value, expect="ValidationFailed", field="org_id"))
    cases.append(case("an unknown org", "network_summary", UNKNOWN_ID, expect="NotFound"))
    cases.append(case("a venue's id as an org's", "network_summary", w.hall_id, expect="NotFound"))
    return cases + events_since_cases()


# --- the argument list itself --------------------------------------------------------------

# (method, the most positional arguments it takes, the fewest it needs, whether it needs a token)
SIGNATURES = [
    ("register_org", 1, 1, True), ("get_org", 1, 1, False), ("list_orgs", 3, 0, False),
    ("register_venue", 1, 1, True), ("update_venue", 2, 2, True), ("set_venue_status", 3, 3, True),
    ("get_venue", 1, 1, False), ("search_venues", 1, 0, False), ("designate_venue", 3, 3, True),
    ("revoke_designation", 3, 3, True), ("register_group", 1, 1, True), ("get_group", 1, 1, False),
    ("search_groups", 1, 0, False), ("network_summary", 1, 0, False), ("events_since", 2, 0, False),
    ("health", 0, 0, False),
]


def signature_cases(w) -> list[Case]:
    cases = []
    for method, most, fewest, needs_token in SIGNATURES:
        cases += argument_list_cases(method, most, fewest, w.hall_id, auth=w.fed if needs_token else None)
    cases += [
        case("an argument given twice (positionally and by name)", "get_venue", w.hall_id, venue_id=w.hall_id,
             expect="ValidationFailed", field="_schema"),
        case("keyword arguments in the wrong case", "list_orgs", expect="ValidationFailed", field="_schema",
             Limit=5),
    ]
    return cases


def test_venue_rpcs_refuse_bad_input(world, call, service_config):
    """register_venue, update_venue, set_venue_status, designate_venue, revoke_designation,
    get_venue, search_venues."""
    run_registry_table(call, service_config,
                       venue_input_cases(world) + venue_write_cases(world) + venue_read_cases(world))


def test_org_group_network_and_log_rpcs_refuse_bad_input(world, call, service_config):
    """register_org, get_org, list_orgs, register_group, get_group, search_groups, network_summary,
    events_since; and every RPC's argument list."""
    run_registry_table(call, service_config, org_cases(world) + group_cases(world) + summary_and_log_cases(world)
                       + signature_cases(world))
    # not a contract error (nameko answers before the service's code runs), but answered, not hung
    with pytest.raises(MethodNotFound):
        call("drop_all_tables")


# --- properties: junk in, ValidationFailed out ---------------------------------------------

VENUE_KEYS = ["name", "type", "org_id", "district", "address", "location", "spaces", "opening_hours",
              "facilities", "art_fields", "book_count", "status", "lat", "lon", "capacity", "mon"]
JUNK = json_junk(VENUE_KEYS, ["palace", "book_room", "open", "09:00", "24:00", "music", UNKNOWN_ID])
PROPERTY_SETTINGS = property_settings(max_examples=40)
SECONDARY_SETTINGS = property_settings(max_examples=25)


def test_junk_is_refused_and_never_an_internal_error(world, call, service_config):
    before = snapshot(call, service_config["DATABASE_URL"])

    @PROPERTY_SETTINGS
    @given(junk=JUNK)
    def junk_as_a_venue_is_validation_failed(junk):
        assert_validation_failed(call, "register_venue", junk, auth=world.zs_admin)

    @SECONDARY_SETTINGS
    @given(method=st.sampled_from(["search_venues", "search_groups"]),
           filters=st.dictionaries(st.sampled_from(["type", "kind", "district", "org_id", "designation", "art_field",
                                                    "status", "text", "near", "limit", "cursor", "home_venue_id"]),
                                   JUNK, max_size=3))
    def junk_filters_are_refused_or_answered(method, filters):
        outcome = call.outcome(Case("junk", method, (filters,), "ValidationFailed"))
        if isinstance(outcome, RemoteError):
            assert outcome.exc_type in ("ValidationFailed", "NotFound"), \
                f"{method}({filters!r}): {outcome.exc_type} {outcome.value}"
        else:
            assert set(outcome) == {"items", "next_cursor"}, f"{method}({filters!r}): {short(outcome)}"

    junk_as_a_venue_is_validation_failed()
    junk_filters_are_refused_or_answered()
    assert diff(before, snapshot(call, service_config["DATABASE_URL"])) == []

    # One field of a good venue replaced by junk: ValidationFailed naming that field, NotFound for an
    # org_id that is a well-formed unknown id, or, when the junk happens to be a good value for the
    # field, the venue is registered. (Last: it may write.)
    good = venue_data(world.zhongshan)

    @SECONDARY_SETTINGS
    @given(key=st.sampled_from(sorted(good) + ["book_count", "status"]), junk=JUNK)
    def one_junk_field_is_named(key, junk):
        outcome = call.outcome(Case("junk", "register_venue", ({**good, key: junk},), "ValidationFailed",
                                    auth=world.zs_admin))
        if isinstance(outcome, RemoteError):
            assert outcome.exc_type in ("ValidationFailed", "NotFound"), \
                f"{key}={junk!r}: {outcome.exc_type} {outcome.value}"
            if outcome.exc_type == "ValidationFailed":
                assert key in json.loads(outcome.value), f"{key}={junk!r}: {outcome.value}"
        else:
            assert isinstance(outcome, dict) and outcome.get("id"), f"{key}={junk!r}: {short(outcome)}"

    one_junk_field_is_named()
