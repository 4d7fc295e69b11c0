"""Bad input, tried systematically against the real awards service (beside a real registry, events
and talent, on a real broker, SQLite and PostgreSQL).

Every awards RPC gets a table of bad calls, each with the contract error it must produce (and, for
``ValidationFailed``, the field its JSON must name). One platform serves a whole table: the calls of
a table are sent at once, every mismatch is collected, and then the test checks that nothing
changed — the event log (``events_since``), the reads (``get_cycle``, ``get_nomination``,
``list_nominations``, ``eligibility``, ``results``, ``assessment``, ``programme_targets``), and every
table read straight from the database (row counts of all, contents of the domain tables,
``audit_log`` explicitly) are the same after the refused calls as before them.

Field paths are dotted (see ``tests.support.contract_cases``, which holds the case tables' harness,
the concurrent caller and the "nothing changed" check; this file holds the awards service's scene,
its tables, and what its snapshot reads). The fields of an RPC's dict argument (``data``,
``filters``) are named at the top level, ``nominee.<key>`` inside a nomination's nominee; an id, a
score, a number of days under its own name; ``reviewers.N.<key>`` a reviewer of ``set_reviewers``.

Who may do what (the issue's cases): a federation admin opens cycles, sets reviewers, draws the
shortlist, opens the notice, resolves objections and finalizes; an admin nominates only for an
organisation of its subtree; a reviewer reviews only as itself (the token's ``sub``: one not on the
cycle's reviewers, one from the nominating organisation's subtree, or one who declared a conflict
is ``Forbidden``); anyone with a token files an objection; bad, expired or absent tokens are
``Unauthorized``, a good token of the wrong role ``Forbidden``.

The properties at the end (hypothesis) send JSON-ish junk as ``open_cycle``'s and ``nominate``'s
data and expect ``ValidationFailed`` (for ``nominate``, ``NotFound`` too: no organisation the junk
can name is known), never ``InternalError`` and never success.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import eventlet
import pytest
from hypothesis import given
from nameko.exceptions import MethodNotFound

from services.awards.models import metadata
from services.common.pagination import Pager

from ...support.contract_cases import (
    BAD_CURSORS as MALFORMED_CURSORS, HUGE, INF, LONG_ID, NAN, NUL, SURROGATE, UNKNOWN_ID, Caller, Case, Raw,
    add_bad_token_holders, argument_list_cases, assert_validation_failed, bad_tokens, case, cursor_of, diff,
    events_since_cases, json_junk, property_settings, read_service_tables, run_table, write_refusal_cases,
    ID_64, NAIVE, data_type_cases, id_cases,
)
from .conftest import cycle_input

# How long the scene's quick cycles take nominations, and how long ``ended_c``'s public notice runs once
# opened: the scene waits both out (a cycle is shortlisted once its nominations close; an objection
# is filed while the notice runs), with longer ones on a platform too slow for these.
WINDOW_S, NOTICE_LEFT_S = 2.0, 1.5

BAD_TIMES = [("without an offset", NAIVE), ("a date only", "2026-12-01"), ("a word", "next month"),
             ("an epoch number", 1_790_000_000), ("month 13", "2026-13-01T10:00:00+08:00"),
             ("offset +25:00", "2026-12-01T10:00:00+25:00"),
             ("in the year 9999, west of Greenwich (past UTC's end)", "9999-12-31T23:00:00-12:00"),
             ("in the year 1, east of Greenwich (before UTC's start)", "0001-01-01T00:00:00+08:00"),
             ("a NUL byte", "2026-12-01T10:00:00\x00+08:00"), ("10 000 chars", HUGE), ("None", None), ("empty", ""),
             ("a list", ["2026-12-01T10:00:00+08:00"])]
BAD_YEARS = [("a string", "2026"), ("1999", 1999), ("2101", 2101), ("a bool", True), ("a whole float", 2026.0),
             ("a float", 2026.5), ("NaN", NAN), ("10**30", 10 ** 30), ("a list", [2026]), ("a dict", {"year": 2026})]
BAD_COUNTS = [("0", 0), ("-1", -1), ("1001", 1001), ("a string", "3"), ("a whole float", 3.0), ("a float", 2.5),
              ("a bool", True), ("None", None), ("NaN", NAN), ("Infinity", INF), ("10**30", 10 ** 30),
              ("10**400", 10 ** 400), ("a list", [3])]
BAD_LIMITS = [("0", 0), ("501", 501), ("-1", -1), ("a string", "10"), ("a bool", True), ("a float", 2.5),
              ("None", None), ("10**30", 10 ** 30)]
BAD_CURSORS = MALFORMED_CURSORS + [  # a nomination's cursor holds a scope and two keys
    ("a cursor holding numbers", cursor_of([1, 2])),
    ("a cursor holding nulls", cursor_of([None, None])),
    ("a cursor holding lists", cursor_of([["a"], ["b"]])),
    ("a cursor holding a NUL byte", cursor_of(["\x00", "x"])),
]
REVIEWERS = ("rv-xg", "rv-port", "rv-zs", "rv-free", "rv-a", "rv-gone")


@pytest.fixture
def call(client):
    caller = Caller(client, "awards")
    yield caller
    caller.close()


# --- the scene the bad calls are aimed at --------------------------------------------------

def ago(**delta) -> str:
    return (datetime.now(timezone.utc) - timedelta(**delta)).isoformat()


def work(by, name="《港口之歌》", category="outstanding_work", **over) -> dict:
    return {"category": category, "nominee": {"kind": "work", "name": name}, "by_org_id": by,
            "statement": "事迹材料：原创歌曲，职工传唱", **over}


def reviewer(rid, org_id=None, conflicts=()) -> dict:
    return {"reviewer_id": rid, "name": f"评委{rid}", "org_id": org_id, "conflicts": list(conflicts)}


def wait_until(moment: float) -> None:
    eventlet.sleep(max(0.0, moment - time.time()) + 0.2)


QUICK_ENTRIES = (("win", "zhongshan", "《胜出》", 90), ("lose", "xigang", "《落选》", 60), ("third", "port", "《第三》", 70))


def quick_cycles(call, w, names, window: float) -> tuple[dict, dict, float]:
    """Golden ribbon cycles (outstanding work), one per name, taking nominations for ``window``
    seconds, each with the ``QUICK_ENTRIES`` nominated: ``({name: cycle id}, {name: {entry:
    nomination id}}, when nominations close)``. A platform too slow to nominate inside the window
    gets new cycles with a window twice as long (the old ones stay, untouched by the tables)."""
    while True:
        closes = time.time() + window
        opened = call.together(*(("open_cycle", (cycle_input("golden_ribbon", ("outstanding_work",), quota=5,
                                                             closes_in_s=window),), w.fed) for _ in names))
        made = call.outcomes([Case(entry, "nominate", (c["id"], work(getattr(w, by), title)), "ok", auth=w.fed)
                              for c in opened for entry, by, title, _ in QUICK_ENTRIES])
        missed = [m for m in made if isinstance(m, BaseException)]
        if not missed:
            break
        assert all(getattr(m, "exc_type", None) == "InvalidState" for m in missed), missed
        window *= 2
        assert window < 60, "the platform cannot nominate inside a minute"
    ids = iter(m["id"] for m in made)
    return ({name: c["id"] for name, c in zip(names, opened)},
            {name: {entry: next(ids) for entry, *_ in QUICK_ENTRIES} for name in names}, closes)


def review_and_shortlist(call, w, cycles: dict, entries: dict, closes: float, tops: dict) -> None:
    """rv-a reviews every entry of the quick ``cycles``; once nominations close, each is
    shortlisted with its top (``tops``, default 1)."""
    call.together(*(("set_reviewers", (cid, [reviewer("rv-a")]), w.fed) for cid in cycles.values()))
    marks = {entry: mark for entry, _, _, mark in QUICK_ENTRIES}
    call.together(*(("submit_review", (nid, marks[entry]), w.rv["rv-a"])
                    for name in cycles for entry, nid in entries[name].items()))
    wait_until(closes)
    call.together(*(("shortlist", (cid, tops.get(name, 1)), w.fed) for name, cid in cycles.items()))


def notice_ending_in(seconds: float) -> str:
    """When a five-day notice posted to end ``seconds`` from now started."""
    return ago(days=5, seconds=-seconds)


@pytest.fixture
def scene(world, platform, call, token):
    """The world, plus cycles and nominations in every state the tables need:

    - ``open_c``: golden ribbon (work, team, individual), nominations open, quota 2: zhongshan has
      used its quota (``n_zs1`` a work, ``n_zs2`` the group), xigang nominated ``n_xg``; reviewers
      rv-xg (xigang), rv-port (the port, inside zhongshan), rv-zs (zhongshan), rv-free (no
      organisation, a conflict declared with ``n_zs1``);
    - ``base_c``: a demonstration base cycle, nominations open: ``n_hall`` (the featured venue);
      reviewer rv-xg, who replaced rv-gone;
    - ``future_c``: nominations open tomorrow; ``closed_c``: nominations closed yesterday, none made;
    - quick golden ribbon cycles (outstanding work; reviewer rv-a), each with ``win`` (by
      zhongshan, scored 90), ``lose`` (by xigang, 60) and ``third`` (by the port, 70), shortlisted
      with top 1 (``notice_c``: top 2): ``short_c`` shortlisted; ``notice_c`` under a running
      notice, with an open objection (``obj_open``), a dismissed one and an upheld one (``third``
      withdrawn); ``calm_c`` under a running notice, no objection; ``ended_c`` whose notice ended
      with an objection still open; ``ready_c`` whose notice ended, nothing open (finalizable);
      ``final_c`` finalized.

    The quick cycles take nominations for ``WINDOW_S`` seconds, and ``ended_c``'s notice ends
    ``NOTICE_LEFT_S`` seconds after it is opened: the scene waits these out (longer ones, on a
    platform too slow for them).
    """
    w = SimpleNamespace(**vars(world))
    w.awards_url = platform.awards_url
    w.hall_id, w.group_id = w.hall["id"], w.group["id"]
    w.port_admin = token("unit_admin", w.port, sub="port")
    w.worker = token("worker", w.zhongshan, sub="worker-x")
    w.port_worker = token("worker", w.port, sub="w-port")
    w.long_sub = token("federation_admin", w.city, sub="s" * 300)
    w.rv = {r: token("judge", None, sub=r) for r in REVIEWERS}
    w.make_token = token
    add_bad_token_holders(w, token)
    fed = w.fed

    # Built in waves of concurrent calls (each wave needs the one before).
    quick, w.q, closes = quick_cycles(call, w, ("short_c", "notice_c", "calm_c", "ended_c", "ready_c", "final_c"),
                                      WINDOW_S)
    golden = ("outstanding_work", "outstanding_team", "outstanding_individual")
    opened = call.together(
        ("open_cycle", (cycle_input("golden_ribbon", golden, quota=2, closes_in_s=30 * 86400),), fed),
        ("open_cycle", (cycle_input(quota=3, closes_in_s=30 * 86400),), fed),
        ("open_cycle", (cycle_input("golden_ribbon", golden, nominations_open_at=ago(days=-1),
                                    nominations_close_at=ago(days=-30)),), fed),
        ("open_cycle", (cycle_input("golden_ribbon", golden, nominations_open_at=ago(days=30),
                                    nominations_close_at=ago(days=1)),), fed))
    w.open_c, w.base_c, w.future_c, w.closed_c = (c["id"] for c in opened)
    nominate = lambda c, data, tok=fed: ("nominate", (c, data), tok)  # noqa: E731
    made = call.together(
        nominate(w.open_c, work(w.zhongshan)),
        nominate(w.open_c, {**work(w.zhongshan, category="outstanding_team"),
                            "nominee": {"kind": "group", "ref_id": w.group_id, "name": "港务局职工艺术团"}}),
        nominate(w.open_c, work(w.xigang, "《西岗之夜》"), w.xg_admin),
        nominate(w.base_c, {**work(w.zhongshan, category="demonstration_base"),
                            "nominee": {"kind": "venue", "ref_id": w.hall_id, "name": "中山区工人文化馆"}}))
    w.n_zs1, w.n_zs2, w.n_xg, w.n_hall = (n["id"] for n in made)
    call.together(("set_reviewers", (w.open_c, [reviewer("rv-xg", w.xigang), reviewer("rv-port", w.port),
                                                reviewer("rv-zs", w.zhongshan), reviewer("rv-free", None, [w.n_zs1])]),
                   fed),
                  ("set_reviewers", (w.base_c, [reviewer("rv-gone")]), fed))
    call("set_reviewers", w.base_c, [reviewer("rv-xg", w.xigang)], auth=fed)  # rv-gone taken off the panel
    review_and_shortlist(call, w, quick, w.q, closes, {"notice_c": 2})

    def objection(nid):
        return Case("objection", "file_objection", (nid, "材料存疑，请核实"), "ok", auth=w.port_worker)

    left = NOTICE_LEFT_S
    notice_ends = time.time() + left
    call.together(
        ("open_public_notice", (quick["notice_c"], 5), fed), ("open_public_notice", (quick["calm_c"], 7), fed),
        ("open_public_notice", (quick["ended_c"], 5, notice_ending_in(left)), fed),
        ("open_public_notice", (quick["ready_c"], 5, ago(days=6)), fed),
        ("open_public_notice", (quick["final_c"], 10, ago(days=11)), fed))
    filed = call.outcomes([objection(w.q["notice_c"]["win"]), objection(w.q["notice_c"]["win"]),
                           objection(w.q["notice_c"]["third"]), objection(w.q["ended_c"]["win"]),
                           Case("finalize", "finalize", (quick["final_c"],), "ok", auth=fed)])
    assert not any(isinstance(f, BaseException) for f in filed[:3] + filed[4:]), filed
    while isinstance(filed[3], BaseException):  # the notice ended before the objection came: again, longer
        assert getattr(filed[3], "exc_type", None) == "InvalidState" and left < 60, filed[3]
        left *= 2
        again, entries, closes = quick_cycles(call, w, ("ended_c",), WINDOW_S)
        review_and_shortlist(call, w, again, entries, closes, {})
        quick["ended_c"], w.q["ended_c"], notice_ends = again["ended_c"], entries["ended_c"], time.time() + left
        call("open_public_notice", quick["ended_c"], 5, notice_ending_in(left), auth=fed)
        filed[3] = call.outcome(objection(w.q["ended_c"]["win"]))
    vars(w).update(quick)
    w.obj_open, w.obj_dismissed, w.obj_upheld, w.obj_ended = (o["id"] for o in filed[:4])
    call.together(("resolve_objection", (w.obj_dismissed, False, "经核实，材料属实"), fed),
                  ("resolve_objection", (w.obj_upheld, True, "经核实，材料不实"), fed))

    w.cycles = [w.open_c, w.base_c, w.future_c, w.closed_c, *quick.values()]
    w.nominations = [w.n_zs1, w.n_zs2, w.n_xg, w.n_hall, *(n for q in w.q.values() for n in q.values())]
    # A real next-page cursor of the open cycle's list, and the scope the service tags it with.
    w.list_cursor = call("list_nominations", w.open_c, {"limit": 1}, auth=fed)["next_cursor"]
    assert w.list_cursor
    w.list_scope = Pager("list_nominations", {"limit": 1, "cycle_id": w.open_c}, str, str).scope
    wait_until(notice_ends)
    return w


# --- "nothing changed" ---------------------------------------------------------------------

def snapshot(call, w) -> dict:
    """Everything a refused call must leave alone: the event log, the reads, every table."""
    log = call("events_since", 0, 1000)
    return {
        "tables": read_service_tables(w.awards_url, metadata),
        "events": log["items"],
        "next_seq": log["next_seq"],
        "cycles": [call("get_cycle", c) for c in w.cycles],
        "nominations": [call("get_nomination", n, auth=w.fed) for n in w.nominations],
        "lists": [call("list_nominations", c, {"limit": 500}, auth=w.fed)["items"] for c in w.cycles],
        "eligibility": [call("eligibility", n, auth=w.fed) for n in (w.n_zs1, w.n_zs2, w.n_hall)],
        "results": call("results", w.final_c),
        "assessment": call("assessment", w.zhongshan, 2026, auth=w.fed),
        "targets": [call("programme_targets"), call("programme_targets", 2026)],
    }


def run_awards_table(call, w, cases: list[Case]) -> dict:
    """``run_table`` against the awards service: every case refused as the contract says, nothing
    changed (``audit_log``'s rows compared besides). Returns the snapshot taken after them."""
    return run_table(call, cases, lambda: snapshot(call, w))


# --- cycles ---------------------------------------------------------------------------------

def cycle_cases(w) -> list[Case]:
    base = cycle_input("golden_ribbon", ("outstanding_work", "outstanding_team"))

    def cyc(desc, expect, field=None, data=None, auth=None, **changes):
        return case(desc, "open_cycle", data if data is not None else {**base, **changes}, expect=expect,
                    field=field, auth=auth or w.fed)

    cases = data_type_cases("open_cycle", auth=w.fed, first_field="programme", base=base)
    for key in base:
        cases.append(cyc(f"{key} missing", "ValidationFailed", key, data={k: v for k, v in base.items() if k != key}))
        cases.append(cyc(f"{key} None", "ValidationFailed", key, **{key: None}))
    for key, value in [("id", UNKNOWN_ID), ("status", "open"), ("top_n", 3), ("org_id", w.city),
                       ("Programme", "golden_ribbon"), ("quota", 3), ("reviewers", [])]:
        cases.append(cyc(f"an unknown field {key}", "ValidationFailed", key, **{key: value}))
    for desc, value in [("unknown", "golden"), ("upper case", "GOLDEN_RIBBON"), ("an int", 1), ("empty", ""),
                        ("a NUL byte", "golden_ribbon\x00"), ("a list", ["golden_ribbon"]),
                        ("10 000 chars", HUGE), ("a lone surrogate", SURROGATE)]:
        cases.append(cyc(f"programme is {desc}", "ValidationFailed", "programme", programme=value))
    cases += [cyc(f"year is {desc}", "ValidationFailed", "year", year=value) for desc, value in BAD_YEARS]
    for desc, value, fld in [
        ("empty", [], "categories"), ("a string", "outstanding_work", "categories"),
        ("a dict", {"outstanding_work": 1}, "categories"), ("[None]", [None], "categories.0"),
        ("[an int]", [1], "categories.0"), ("[empty]", [""], "categories.0"),
        ("[41 chars]", ["c" * 41], "categories.0"), ("[a NUL byte]", ["outstanding_work\x00"], "categories.0"),
        ("[a lone surrogate]", [SURROGATE], "categories.0"), ("[a list]", [["outstanding_work"]], "categories.0"),
        ("a bad second", ["outstanding_work", 2], "categories.1"),
        ("unknown", ["best_song"], "categories"), ("upper case", ["Outstanding_Work"], "categories"),
        ("another programme's", ["demonstration_base"], "categories"),
        ("a category twice", ["outstanding_work", "outstanding_team", "outstanding_work"], "categories"),
        ("eleven categories", ["outstanding_work"] * 11, "categories"),
    ]:
        cases.append(cyc(f"categories is {desc}", "ValidationFailed", fld, categories=value))
    cases += [
        cyc("golden ribbon's categories for a demonstration base", "ValidationFailed", "categories",
            programme="demonstration_base"),
        cyc("the demonstration base's category for the worker pioneer", "ValidationFailed", "categories",
            programme="worker_pioneer", categories=["demonstration_base"]),
    ]
    for key in ("nominations_open_at", "nominations_close_at"):
        cases += [cyc(f"{key} is {desc}", "ValidationFailed", key, **{key: value}) for desc, value in BAD_TIMES]
    cases += [
        cyc("nominations close before they open", "ValidationFailed", "nominations_close_at",
            nominations_open_at=base["nominations_close_at"], nominations_close_at=base["nominations_open_at"]),
        cyc("nominations close when they open", "ValidationFailed", "nominations_close_at",
            nominations_close_at=base["nominations_open_at"]),
    ]
    cases += [cyc(f"quota_per_org is {desc}", "ValidationFailed", "quota_per_org", quota_per_org=value)
              for desc, value in BAD_COUNTS]
    cases += [
        cyc("by a district admin", "Forbidden", auth=w.zs_admin),
        cyc("by a reviewer", "Forbidden", auth=w.rv["rv-a"]),
        cyc("by a district admin, junk data", "Forbidden", data={"junk": 1}, auth=w.zs_admin),
    ]
    cases += id_cases("get_cycle", "cycle_id", auth=None, unknown=[("a nomination's id", w.n_zs1),
                                                                   ("an organisation's id", w.city)])
    cases.append(case("a cycle by keyword and position", "get_cycle", w.open_c, cycle_id=w.open_c,
                      expect="ValidationFailed", field="_schema"))
    return cases


# --- nominations ----------------------------------------------------------------------------

def nomination_cases(w) -> list[Case]:
    base = work(w.port)   # the port's quota in the open cycle is untouched: only the input is wrong
    nominee = base["nominee"]

    def nom(desc, expect, fld=None, data=None, cycle_id=None, auth=None, **changes):
        return case(desc, "nominate", cycle_id or w.open_c, data if data is not None else {**base, **changes},
                    expect=expect, field=fld, auth=auth or w.zs_admin)

    def who(desc, field, **changes):
        return nom(f"nominee: {desc}", "ValidationFailed", f"nominee.{field}", nominee={**nominee, **changes})

    cases = id_cases("nominate", "cycle_id", base, auth=w.zs_admin, unknown=[("a nomination's id", w.n_zs1)])
    cases += data_type_cases("nominate", w.open_c, auth=w.zs_admin, first_field="category", base=base)
    for key in base:
        cases.append(nom(f"{key} missing", "ValidationFailed", key, data={k: v for k, v in base.items() if k != key}))
        cases.append(nom(f"{key} None", "ValidationFailed", key, **{key: None}))
    for key, value in [("id", UNKNOWN_ID), ("status", "shortlisted"), ("cycle_id", w.open_c), ("eligible", True),
                       ("Category", "outstanding_work"), ("quota", 9)]:
        cases.append(nom(f"an unknown field {key}", "ValidationFailed", key, data={**base, key: value}))
    for desc, value in [("an int", 1), ("empty", ""), ("41 chars", "c" * 41), ("a NUL byte", "outstanding_work\x00"),
                        ("a lone surrogate", SURROGATE), ("a list", ["outstanding_work"])]:
        cases.append(nom(f"category is {desc}", "ValidationFailed", "category", category=value))
    cases += [
        nom("a category of the programme the cycle does not run", "ValidationFailed", "category",
            category="outstanding_organisation", nominee={"kind": "org", "ref_id": w.port, "name": "港务工会"}),
        nom("another programme's category", "ValidationFailed", "category", category="demonstration_base"),
        nom("a category in upper case", "ValidationFailed", "category", category="OUTSTANDING_WORK"),
    ]
    for desc, value, fld in [("a string", "《港口之歌》", "nominee"), ("a list", [nominee], "nominee"),
                             ("an int", 1, "nominee"), ("empty", {}, "nominee.kind")]:
        cases.append(nom(f"nominee is {desc}", "ValidationFailed", fld, nominee=value))
    for key in ("kind", "name"):
        cases.append(nom(f"nominee without {key}", "ValidationFailed", f"nominee.{key}",
                         nominee={k: v for k, v in nominee.items() if k != key}))
        cases.append(who(f"{key} None", key, **{key: None}))
    for desc, value in [("unknown", "person"), ("upper case", "WORK"), ("an int", 1), ("empty", ""),
                        ("a NUL byte", "work\x00"), ("a list", ["work"])]:
        cases.append(who(f"kind {desc}", "kind", kind=value))
    cases += [
        # the kind must fit the category: a work is an outstanding work, a group an outstanding team...
        who("a venue as an outstanding work", "kind", kind="venue", ref_id=w.hall_id),
        nom("a work as an outstanding team", "ValidationFailed", "nominee.kind", category="outstanding_team"),
        nom("a group as an outstanding individual", "ValidationFailed", "nominee.kind",
            category="outstanding_individual", nominee={"kind": "group", "ref_id": w.group_id, "name": "艺术团"}),
        nom("a work as a demonstration base", "ValidationFailed", "nominee.kind", cycle_id=w.base_c,
            category="demonstration_base"),
        nom("a brand as a demonstration base", "ValidationFailed", "nominee.kind", cycle_id=w.base_c,
            category="demonstration_base", nominee={"kind": "brand", "ref_id": UNKNOWN_ID, "name": "五月歌会"}),
    ]
    for desc, value in [("an int", 1), ("empty", ""), ("65 chars", LONG_ID), ("a NUL byte", NUL),
                        ("a lone surrogate", SURROGATE), ("a list", [w.hall_id]), ("a dict", {"id": w.hall_id})]:
        cases.append(who(f"ref_id {desc}", "ref_id", ref_id=value))
    for desc, value in [("empty", ""), ("blank", " 　"), ("201 chars", "名" * 201), ("10 000 chars", HUGE),
                        ("an int", 7), ("a NUL byte", NUL), ("a lone surrogate", SURROGATE), ("a list", ["名"])]:
        cases.append(who(f"name {desc}", "name", name=value))
    cases += [who("with an unknown field", "org_id", org_id=w.port), who("with an id", "id", id=UNKNOWN_ID)]
    for desc, value in [("an int", 1), ("empty", ""), ("65 chars", LONG_ID), ("a NUL byte", NUL),
                        ("a lone surrogate", SURROGATE), ("a list", [w.port])]:
        cases.append(nom(f"by_org_id is {desc}", "ValidationFailed", "by_org_id", by_org_id=value))
    cases += [
        nom("by an unknown organisation", "NotFound", by_org_id=UNKNOWN_ID),
        nom("by an organisation id of 64 characters", "NotFound", by_org_id=ID_64),
        nom("by a venue's id", "NotFound", by_org_id=w.hall_id),
    ]
    for desc, value in [("empty", ""), ("blank", "\n\t "), ("5001 chars", "述" * 5001), ("10 000 chars", HUGE),
                        ("an int", 5), ("a NUL byte", NUL), ("a lone surrogate", SURROGATE), ("a list", ["事迹"]),
                        ("a dict", {"zh": "事迹"})]:
        cases.append(nom(f"statement is {desc}", "ValidationFailed", "statement", statement=value))
    cases += [
        # outside the window, or in a cycle past nominating
        nom("before nominations open", "InvalidState", cycle_id=w.future_c),
        nom("after nominations closed", "InvalidState", cycle_id=w.closed_c),
        nom("in a shortlisted cycle", "InvalidState", cycle_id=w.short_c),
        nom("in a cycle under public notice", "InvalidState", cycle_id=w.notice_c),
        nom("in a finalized cycle", "InvalidState", cycle_id=w.final_c),
        nom("after nominations closed, bad data too", "ValidationFailed", "statement", cycle_id=w.closed_c,
            statement=""),
        # over the quota: zhongshan made its two
        nom("over the quota (zhongshan's third)", "Conflict", by_org_id=w.zhongshan),
        nom("over the quota, in another category", "Conflict", by_org_id=w.zhongshan, category="outstanding_team",
            nominee={"kind": "group", "ref_id": w.group_id, "name": "港务局职工艺术团"}),
        nom("over the quota, by the federation admin", "Conflict", by_org_id=w.zhongshan, auth=w.fed),
        # outside the caller's subtree
        nom("an admin nominates for another district", "Forbidden", by_org_id=w.xigang),
        nom("an admin nominates for its parent", "Forbidden", by_org_id=w.city),
        nom("another district's admin nominates for the port", "Forbidden", auth=w.xg_admin),
        nom("a unit admin nominates for its district", "Forbidden", by_org_id=w.zhongshan, auth=w.port_admin),
        nom("outside the subtree and over the quota", "Forbidden", by_org_id=w.zhongshan, auth=w.xg_admin),
        nom("by an admin of an organisation that does not exist", "Forbidden", auth=w.ghost_admin),
        nom("by an admin with no organisation", "Forbidden", auth=w.orgless_admin),
        nom("by a reviewer", "Forbidden", auth=w.rv["rv-zs"]),
        nom("by a worker of the port", "Forbidden", auth=w.port_worker),
    ]
    return cases


def reading_cases(w) -> list[Case]:
    cases = id_cases("get_nomination", "nomination_id", auth=w.fed, unknown=[("a cycle's id", w.open_c),
                                                                             ("an objection's id", w.obj_open)])
    cases += [case("a nomination read by a worker", "get_nomination", w.n_zs1, expect="ok", auth=w.worker)]
    cases += id_cases("eligibility", "nomination_id", auth=w.zs_admin, unknown=[("a cycle's id", w.open_c)])
    cases += [case(f"the ruling of {n} read", "eligibility", nid, expect="ok", auth=w.worker)
              for n, nid in [("a venue", w.n_hall), ("a work", w.n_zs1), ("a shortlisted work", w.q["short_c"]["win"])]]

    def lst(desc, filters, expect, field=None, cycle_id=None, auth=None):
        return case(desc, "list_nominations", cycle_id or w.open_c, filters, expect=expect, field=field,
                    auth=auth or w.fed)

    cases += id_cases("list_nominations", "cycle_id", {}, auth=w.fed, unknown=[("a nomination's id", w.n_zs1)])
    cases += [lst(f"filters is {d}", v, "ValidationFailed", "_schema")
              for d, v in [("a string", "submitted"), ("a list", [{"status": "submitted"}]), ("an int", 1),
                           ("a bool", True)]]
    for key, desc, value in [
        ("status", "unknown", "winner"), ("status", "upper case", "SUBMITTED"), ("status", "an int", 1),
        ("status", "None", None), ("status", "empty", ""), ("status", "a list", ["submitted"]),
        ("status", "a NUL byte", "submitted\x00"), ("category", "an int", 1), ("category", "empty", ""),
        ("category", "41 chars", "c" * 41), ("category", "a NUL byte", NUL), ("category", "None", None),
        ("category", "a lone surrogate", SURROGATE),
    ]:
        cases.append(lst(f"{key} is {desc}", {key: value}, "ValidationFailed", key))
    cases += [
        lst("an unknown filter", {"by_org_id": w.zhongshan}, "ValidationFailed", "by_org_id"),
        lst("the cycle as a filter", {"cycle_id": w.open_c}, "ValidationFailed", "cycle_id"),
        lst("a category the cycle does not have", {"category": "best_song"}, "ok"),
    ]
    cases += [lst(f"limit is {desc}", {"limit": value}, "ValidationFailed", "limit") for desc, value in BAD_LIMITS]
    cases += [lst(desc, {"cursor": value}, "ValidationFailed", "cursor") for desc, value in BAD_CURSORS]
    scope = w.list_scope
    for desc, value in [("holding a word for a time", [scope, "not a time", UNKNOWN_ID]),
                        ("holding a time without an offset", [scope, NAIVE, UNKNOWN_ID]),
                        ("holding an empty time", [scope, "", UNKNOWN_ID]),
                        ("holding a time in the year 1 (before UTC's start)",
                         [scope, "0001-01-01T00:00:00+08:00", UNKNOWN_ID]),
                        ("holding a number for the time", [scope, 20261201, UNKNOWN_ID]),
                        ("holding a NUL byte in the id", [scope, "2026-12-01T10:00:00+08:00", NUL]),
                        ("holding one key", [scope, "2026-12-01T10:00:00+08:00"]),
                        ("of another scope", ["0123456789ab", "2026-12-01T10:00:00+08:00", UNKNOWN_ID])]:
        cases.append(lst(f"a cursor {desc}", {"limit": 1, "cursor": cursor_of(value)}, "ValidationFailed", "cursor"))
    # cursors of the right query at the edges of what they may hold: an empty page, never an error
    for desc, value in [("after the year 9999", [scope, "9999-12-31T23:59:59+00:00", "~"]),
                        ("before the year 2", [scope, "0001-01-01T00:00:00+00:00", ""]),
                        ("naming no nomination", [scope, "2026-12-01T10:00:00+08:00", UNKNOWN_ID])]:
        cases.append(lst(f"a cursor of this query {desc}", {"limit": 1, "cursor": cursor_of(value)}, "ok"))
    cases += [
        lst("a real cursor", {"limit": 1, "cursor": w.list_cursor}, "ok"),
        lst("a real cursor with other filters", {"limit": 1, "cursor": w.list_cursor, "status": "submitted"},
            "ValidationFailed", "cursor"),
        lst("a real cursor for another cycle", {"limit": 1, "cursor": w.list_cursor}, "ValidationFailed",
            "cursor", cycle_id=w.base_c),
        lst("by a worker", {}, "ok", auth=w.worker),
        lst("without a token", {}, "Unauthorized", auth=Raw(None)),
        lst("with an expired token", {}, "Unauthorized", auth=w.expired),
        lst("with a token of no roles", {}, "Forbidden", auth=w.no_roles),
    ]
    return cases


# --- review and the shortlist ---------------------------------------------------------------

def reviewer_cases(w) -> list[Case]:
    three = [reviewer("rv-new-1", w.xigang), reviewer("rv-new-2"), reviewer("rv-new-3", None, [w.n_zs1])]

    def rvs(desc, expect, field=None, cycle_id=None, value=three, auth=None):
        return case(desc, "set_reviewers", cycle_id or w.open_c, value,
                    expect=expect, field=field, auth=auth or w.fed)

    def one(desc, field, **changes):
        return rvs(f"a reviewer {desc}", "ValidationFailed", f"reviewers.0.{field}",
                   value=[{**three[0], **changes}, *three[1:]])

    cases = id_cases("set_reviewers", "cycle_id", three, auth=w.fed, unknown=[("a nomination's id", w.n_zs1)])
    for desc, value, fld in [
        ("a string", "rv-new-1", "reviewers"), ("a dict", three[0], "reviewers"), ("None", None, "reviewers"),
        ("empty", [], "reviewers"), ("an int", 3, "reviewers"), ("[None]", [None], "reviewers.0"),
        ("[an int]", [1, *three], "reviewers.0"), ("[a string]", ["rv-new-1"], "reviewers.0"),
        ("[a list]", [three], "reviewers.0"),
        ("a reviewer twice", [three[0], three[1], three[0]], "reviewers"),
        ("a reviewer twice, once under another name", [three[0], {**three[0], "name": "另一位"}], "reviewers"),
        ("101 reviewers", [reviewer(f"rv-{i}") for i in range(101)], "reviewers"),
        ("a bad third reviewer", [three[0], three[1], {**three[2], "name": ""}], "reviewers.2.name"),
    ]:
        cases.append(rvs(f"reviewers is {desc}", "ValidationFailed", fld, value=value))
    for key in ("reviewer_id", "name"):
        cases.append(rvs(f"a reviewer without {key}", "ValidationFailed", f"reviewers.0.{key}",
                         value=[{k: v for k, v in three[0].items() if k != key}, *three[1:]]))
        cases.append(one(f"{key} None", key, **{key: None}))
    for desc, value in [("an int", 7), ("empty", ""), ("65 chars", LONG_ID), ("a NUL byte", NUL),
                        ("a lone surrogate", SURROGATE), ("a list", ["rv-1"])]:
        cases.append(one(f"reviewer_id {desc}", "reviewer_id", reviewer_id=value))
    for desc, value in [("blank", "  "), ("10 000 chars", HUGE), ("201 chars", "评" * 201), ("an int", 7),
                        ("a NUL byte", NUL), ("a dict", {"zh": "评委"})]:
        cases.append(one(f"name {desc}", "name", name=value))
    for desc, value in [("an int", 7), ("empty", ""), ("65 chars", LONG_ID), ("a NUL byte", NUL), ("a dict", {}),
                        ("a list", [w.xigang])]:
        cases.append(one(f"org_id {desc}", "org_id", org_id=value))
    for desc, value, fld in [("a string", w.n_zs1, "conflicts"), ("None", None, "conflicts"),
                             ("a dict", {w.n_zs1: True}, "conflicts"), ("[an int]", [1], "conflicts.0"),
                             ("[empty]", [""], "conflicts.0"), ("[a NUL byte]", [NUL], "conflicts.0"),
                             ("[65 chars]", [LONG_ID], "conflicts.0"), ("[None]", [None], "conflicts.0"),
                             ("10 001 ids", [f"n{i}" for i in range(10_001)], "conflicts")]:
        cases.append(one(f"conflicts {desc}", fld, conflicts=value))
    cases += [
        one("with an unknown field", "role", role="chair"),
        one("with its cycle", "cycle_id", cycle_id=w.open_c),
        # the reviewer's organisation decides recusal: it must be an organisation the service knows
        rvs("a reviewer of an unknown organisation", "NotFound", value=[{**three[0], "org_id": UNKNOWN_ID}]),
        rvs("a reviewer of an organisation id of 64 characters", "NotFound", value=[{**three[0], "org_id": ID_64}]),
        rvs("a reviewer of a venue's id", "NotFound", value=[{**three[0], "org_id": w.hall_id}]),
        # reviewers are set while the cycle takes nominations and reviews
        rvs("a shortlisted cycle", "InvalidState", cycle_id=w.short_c),
        rvs("a cycle under notice", "InvalidState", cycle_id=w.notice_c),
        rvs("a finalized cycle", "InvalidState", cycle_id=w.final_c),
        rvs("by a district admin", "Forbidden", auth=w.zs_admin),
        rvs("by a reviewer of the cycle", "Forbidden", auth=w.rv["rv-xg"]),
        case("the reviewers by a wrong name", "set_reviewers", w.open_c, panel=three, expect="ValidationFailed",
             field="_schema", auth=w.fed),
    ]
    return cases


def review_cases(w) -> list[Case]:
    rv = w.rv["rv-xg"]   # reviews n_zs1 (zhongshan's) without a conflict: only the input is wrong

    def rev(desc, expect, field=None, nomination_id=None, score=80, *comment, auth=None, **kwargs):
        return case(desc, "submit_review", nomination_id or w.n_zs1, score, *comment, expect=expect, field=field,
                    auth=auth or rv, **kwargs)

    cases = id_cases("submit_review", "nomination_id", 80, auth=rv, unknown=[("a cycle's id", w.open_c),
                                                                            ("an objection's id", w.obj_open)])
    for desc, value in [("-1", -1), ("101", 101), ("100.01", 100.01), ("a whole float", 80.0), ("a float", 79.5),
                        ("a string", "80"), ("a bool", True), ("False", False), ("None", None), ("NaN", NAN),
                        ("Infinity", INF), ("-Infinity", -INF), ("a list", [80]), ("a dict", {"score": 80}),
                        ("10**30", 10 ** 30), ("10**400", 10 ** 400), ("-10**30", -10 ** 30)]:
        cases.append(rev(f"a score of {desc}", "ValidationFailed", "score", None, value))
    for desc, value in [("2001 chars", "评" * 2001), ("10 000 chars", HUGE), ("an int", 5), ("a NUL byte", NUL),
                        ("a lone surrogate", SURROGATE), ("a dict", {"zh": "好"}), ("a list", ["好"])]:
        cases.append(rev(f"comment is {desc}", "ValidationFailed", "comment", None, 80, value))
    judge = lambda sub, **kw: w.make_token("judge", None, sub=sub, **kw)  # noqa: E731
    cases += [
        # the reviewer is the token's sub: no argument names another one
        rev("as another reviewer (reviewer_id given)", "ValidationFailed", "_schema", reviewer_id="rv-zs"),
        rev("the score by a wrong name", "ValidationFailed", "_schema", None, 80, "好", points=80),
        # who may review what
        rev("by a judge who is no reviewer of the cycle", "Forbidden", auth=w.judge),
        rev("by a reviewer of other cycles only", "Forbidden", auth=w.rv["rv-a"]),
        rev("by a reviewer taken off the cycle's panel", "Forbidden", nomination_id=w.n_hall, auth=w.rv["rv-gone"]),
        rev("by a reviewer of the open cycle, in a cycle they do not review", "Forbidden",
            nomination_id=w.q["short_c"]["lose"]),
        rev("by a reviewer from the nominating organisation", "Forbidden", auth=w.rv["rv-zs"]),
        rev("by a reviewer from the nominating organisation's subtree", "Forbidden", auth=w.rv["rv-port"]),
        rev("by a reviewer of the nominating organisation, for its own nomination", "Forbidden",
            nomination_id=w.n_xg),
        rev("by a reviewer who declared a conflict", "Forbidden", auth=w.rv["rv-free"]),
        rev("by a reviewer who declared a conflict, a bad score too", "ValidationFailed", "score", None, 500,
            auth=w.rv["rv-free"]),
        rev("by the federation admin (no reviewer)", "Forbidden", auth=w.fed),
        rev("by the nominating district's admin", "Forbidden", auth=w.zs_admin),
        rev("by a worker", "Forbidden", auth=w.worker),
        rev("a forged token naming a reviewer", "Unauthorized",
            auth=judge("rv-xg", secret="another-secret-" + "z" * 40)),
        rev("an expired token of a reviewer", "Unauthorized", auth=judge("rv-xg", ttl=-120)),
        # review ends with the shortlist
        rev("a shortlisted nomination", "InvalidState", nomination_id=w.q["short_c"]["win"], auth=w.rv["rv-a"]),
        rev("a nomination under public notice", "InvalidState", nomination_id=w.q["notice_c"]["lose"],
            auth=w.rv["rv-a"]),
        rev("a granted nomination", "InvalidState", nomination_id=w.q["final_c"]["win"], auth=w.rv["rv-a"]),
    ]
    return cases


def shortlist_cases(w) -> list[Case]:
    def sl(desc, expect, field=None, cycle_id=None, top_n=3, auth=None):
        return case(desc, "shortlist", cycle_id or w.closed_c, top_n, expect=expect, field=field, auth=auth or w.fed)

    cases = id_cases("shortlist", "cycle_id", 3, auth=w.fed, unknown=[("a nomination's id", w.n_zs1)])
    cases += [sl(f"top_n is {desc}", "ValidationFailed", "top_n", top_n=value) for desc, value in BAD_COUNTS]
    cases += [
        sl("while nominations are open", "InvalidState", cycle_id=w.open_c),
        sl("before nominations open", "InvalidState", cycle_id=w.future_c),
        sl("a shortlisted cycle again", "InvalidState", cycle_id=w.short_c),
        sl("a cycle under notice", "InvalidState", cycle_id=w.notice_c),
        sl("a finalized cycle", "InvalidState", cycle_id=w.final_c),
        sl("by a district admin", "Forbidden", auth=w.zs_admin),
        sl("by a reviewer", "Forbidden", auth=w.rv["rv-a"]),
        case("top_n by a wrong name", "shortlist", w.closed_c, top=3, expect="ValidationFailed", field="_schema",
             auth=w.fed),
    ]
    return cases


# --- the public notice, objections, the decision ---------------------------------------------

def notice_cases(w) -> list[Case]:
    def notice(desc, expect, field=None, cycle_id=None, days=5, *starts, auth=None, **kwargs):
        return case(desc, "open_public_notice", cycle_id or w.short_c, days, *starts, expect=expect, field=field,
                    auth=auth or w.fed, **kwargs)

    cases = id_cases("open_public_notice", "cycle_id", 5, auth=w.fed, unknown=[("a nomination's id", w.n_zs1)])
    for desc, value in [("4 (shorter than five days)", 4), ("0", 0), ("-5", -5), ("366", 366),
                        ("a string", "5"), ("a whole float", 5.0), ("a float", 5.5), ("a bool", True), ("None", None),
                        ("NaN", NAN), ("Infinity", INF), ("10**30", 10 ** 30), ("a list", [5])]:
        cases.append(notice(f"days is {desc}", "ValidationFailed", "days", None, value))
    cases += [notice(f"starts_at is {desc}", "ValidationFailed", "starts_at", None, 5, value)
              for desc, value in BAD_TIMES if value is not None]
    in_an_hour = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
    cases += [
        notice("four days, posted a week ago", "ValidationFailed", "days", None, 4, ago(days=7)),
        notice("starting in an hour (never in the future)", "ValidationFailed", "starts_at", None, 5, in_an_hour),
        notice("starting tomorrow, by keyword", "ValidationFailed", "starts_at", None, 5, starts_at=ago(days=-1)),
        notice("starting in the year 2999", "ValidationFailed", "starts_at", None, 5, "2999-06-01T00:00:00+08:00"),
        notice("starting in a minute, four days", "ValidationFailed", "days", None, 4, ago(minutes=-1)),
        # the notice follows the shortlist, once
        notice("while nominations are open", "InvalidState", cycle_id=w.open_c),
        notice("before the shortlist", "InvalidState", cycle_id=w.closed_c),
        notice("a notice running already", "InvalidState", cycle_id=w.notice_c),
        notice("a notice that ended", "InvalidState", cycle_id=w.ready_c),
        notice("a finalized cycle", "InvalidState", cycle_id=w.final_c),
        notice("by a district admin", "Forbidden", auth=w.zs_admin),
        notice("by a reviewer", "Forbidden", auth=w.rv["rv-a"]),
        notice("the days by a wrong name", "ValidationFailed", "_schema", None, 5, length=5),
    ]
    return cases


def objection_cases(w) -> list[Case]:
    target = w.q["notice_c"]["win"]   # shortlisted, its notice running

    def obj(desc, expect, field=None, nomination_id=None, text="材料存疑", auth=None):
        return case(desc, "file_objection", nomination_id or target, text, expect=expect, field=field,
                    auth=auth or w.worker)

    cases = id_cases("file_objection", "nomination_id", "材料存疑", auth=w.worker,
                     unknown=[("a cycle's id", w.notice_c), ("an objection's id", w.obj_open)])
    for desc, value in [("empty", ""), ("blank", "  \n"), ("5001 chars", "异" * 5001), ("10 000 chars", HUGE),
                        ("an int", 5), ("None", None), ("a NUL byte", NUL), ("a lone surrogate", SURROGATE),
                        ("a list", ["异议"]), ("a dict", {"text": "异议"})]:
        cases.append(obj(f"text is {desc}", "ValidationFailed", "text", text=value))
    cases += [
        # only while the notice runs, only against a shortlisted nomination
        obj("a nomination of a cycle taking nominations", "InvalidState", nomination_id=w.n_zs1),
        obj("a shortlisted nomination before the notice", "InvalidState", nomination_id=w.q["short_c"]["win"]),
        obj("after the notice ended", "InvalidState", nomination_id=w.q["ended_c"]["win"]),
        obj("after the notice ended, nothing open", "InvalidState", nomination_id=w.q["ready_c"]["win"]),
        obj("a granted nomination", "InvalidState", nomination_id=w.q["final_c"]["win"]),
        obj("a nomination not shortlisted", "InvalidState", nomination_id=w.q["notice_c"]["lose"]),
        obj("a withdrawn nomination", "InvalidState", nomination_id=w.q["notice_c"]["third"]),
        obj("after the notice ended, bad text too", "ValidationFailed", "text",
            nomination_id=w.q["ended_c"]["win"], text=""),
        obj("without a token", "Unauthorized", auth=Raw(None)),
        obj("with an expired token", "Unauthorized", auth=w.expired),
        obj("with a token of no roles", "Forbidden", auth=w.no_roles),
    ]

    def res(desc, expect, field=None, objection_id=None, upheld=False, note="经核实，材料属实", auth=None):
        return case(desc, "resolve_objection", objection_id or w.obj_open, upheld, note, expect=expect, field=field,
                    auth=auth or w.fed)

    cases += id_cases("resolve_objection", "objection_id", False, "经核实", auth=w.fed,
                      unknown=[("a nomination's id", target), ("a cycle's id", w.notice_c)])
    for desc, value in [("1", 1), ("0", 0), ("a string", "true"), ("'no'", "no"), ("None", None), ("a list", [True]),
                        ("a dict", {}), ("a float", 1.0)]:
        cases.append(res(f"upheld is {desc}", "ValidationFailed", "upheld", upheld=value))
    for desc, value in [("empty", ""), ("blank", " "), ("2001 chars", "注" * 2001), ("10 000 chars", HUGE),
                        ("an int", 5), ("None", None), ("a NUL byte", NUL), ("a lone surrogate", SURROGATE),
                        ("a list", ["注"])]:
        cases.append(res(f"note is {desc}", "ValidationFailed", "note", note=value))
    cases += [
        res("a dismissed objection, dismissed again", "InvalidState", objection_id=w.obj_dismissed),
        res("a dismissed objection, upheld", "InvalidState", objection_id=w.obj_dismissed, upheld=True),
        res("an upheld objection, upheld again", "InvalidState", objection_id=w.obj_upheld, upheld=True),
        res("an upheld objection, dismissed", "InvalidState", objection_id=w.obj_upheld),
        res("a resolved objection, bad note too", "ValidationFailed", "note", objection_id=w.obj_upheld, note=""),
        res("by a district admin", "Forbidden", auth=w.zs_admin),
        res("by the objector", "Forbidden", auth=w.port_worker),
        res("by a reviewer", "Forbidden", auth=w.rv["rv-a"]),
        case("the note missing", "resolve_objection", w.obj_open, False, expect="ValidationFailed", field="_schema",
             auth=w.fed),
    ]
    return cases


def decision_cases(w) -> list[Case]:
    def fin(desc, cycle_id, expect="InvalidState", auth=None):
        return case(desc, "finalize", cycle_id, expect=expect, auth=auth or w.fed)

    cases = id_cases("finalize", "cycle_id", auth=w.fed, unknown=[("a nomination's id", w.n_zs1)])
    cases += [
        fin("while nominations are open", w.open_c),
        fin("before the shortlist", w.closed_c),
        fin("a shortlisted cycle before its notice", w.short_c),
        fin("before the notice ends", w.calm_c),
        fin("before the notice ends, an objection open", w.notice_c),
        fin("after the notice, an objection still open", w.ended_c),
        fin("a finalized cycle again", w.final_c),
        fin("by a district admin", w.ready_c, "Forbidden", auth=w.zs_admin),
        fin("by a reviewer", w.ready_c, "Forbidden", auth=w.rv["rv-a"]),
    ]
    cases += id_cases("results", "cycle_id", auth=None, unknown=[("a nomination's id", w.q["final_c"]["win"])])
    cases += [case(f"the results of {desc}", "results", cid, expect="InvalidState")
              for desc, cid in [("a cycle taking nominations", w.open_c), ("a shortlisted cycle", w.short_c),
                                ("a cycle under notice", w.notice_c), ("a cycle ready to finalize", w.ready_c)]]
    cases += [case("the results of a finalized cycle, with no token", "results", w.final_c, expect="ok"),
              case("the results of a finalized cycle, with a worker's token", "results", w.final_c, expect="ok",
                   auth=w.worker)]
    return cases


# --- the assessment, the targets, the copies ---------------------------------------------------

def assessment_cases(w) -> list[Case]:
    def ass(desc, expect, field=None, org_id=None, year=2026, auth=None):
        return case(desc, "assessment", org_id or w.zhongshan, year, expect=expect, field=field, auth=auth or w.fed)

    cases = id_cases("assessment", "org_id", 2026, auth=w.fed, unknown=[("a venue's id", w.hall_id),
                                                                      ("a cycle's id", w.open_c)])
    cases += [ass(f"year is {desc}", "ValidationFailed", "year", year=value)
              for desc, value in [*BAD_YEARS, ("None", None)]]
    cases += [
        ass("a district's own", "ok", auth=w.zs_admin),
        ass("another district's", "Forbidden", org_id=w.xigang, auth=w.zs_admin),
        ass("the city's, by a district admin", "Forbidden", org_id=w.city, auth=w.zs_admin),
        ass("the district's, by its unit's admin", "Forbidden", auth=w.port_admin),
        ass("by an admin of an organisation that does not exist", "Forbidden", auth=w.ghost_admin),
        ass("by an admin with no organisation", "Forbidden", auth=w.orgless_admin),
        ass("by a worker", "Forbidden", auth=w.worker),
        ass("by a reviewer", "Forbidden", auth=w.rv["rv-a"]),
        ass("without a token", "Unauthorized", auth=Raw(None)),
        ass("with a forged token", "Unauthorized", auth=w.forged),
    ]

    def targets(desc, *year, expect="ValidationFailed", field="year", **kwargs):
        return case(desc, "programme_targets", *year, expect=expect, field=field if expect == "ValidationFailed"
                    else None, **kwargs)

    cases += [targets(f"year is {desc}", value) for desc, value in BAD_YEARS]
    cases += [
        targets("no year", expect="ok"), targets("year None", None, expect="ok"), targets("2026", 2026, expect="ok"),
        targets("2026 by keyword", expect="ok", year=2026),
        targets("year by a wrong name", expect="ValidationFailed", field="_schema", Year=2026),
    ]

    def rebuild(desc, source, expect="ValidationFailed", auth=None):
        return case(desc, "rebuild_copies", source, expect=expect, field="source" if expect == "ValidationFailed"
                    else None, auth=auth or w.fed)

    cases += [rebuild(f"source is {desc}", value) for desc, value in [
        ("unknown", "payments"), ("the service itself", "awards"), ("upper case", "Registry"),
        ("with a space", "registry "), ("empty", ""), ("an int", 1), ("None", None), ("a NUL byte", "registry\x00"),
        ("a list", ["registry"]), ("a dict", {"source": "registry"}), ("a bool", True), ("65 chars", LONG_ID)]]
    cases += [rebuild("by a district admin", "registry", "Forbidden", auth=w.zs_admin),
              rebuild("by a reviewer", "events", "Forbidden", auth=w.rv["rv-a"])]
    return cases


# --- every RPC's argument list, the event log, health ---------------------------------------

# (method, the most positional arguments it takes, the fewest it needs)
SIGNATURES = [
    ("open_cycle", 1, 1), ("get_cycle", 1, 1), ("nominate", 2, 2), ("get_nomination", 1, 1),
    ("list_nominations", 2, 1), ("eligibility", 1, 1), ("set_reviewers", 2, 2), ("submit_review", 3, 2),
    ("shortlist", 2, 2), ("open_public_notice", 3, 2), ("file_objection", 2, 2), ("resolve_objection", 3, 3),
    ("finalize", 1, 1), ("results", 1, 1), ("assessment", 2, 2), ("programme_targets", 1, 0),
    ("rebuild_copies", 1, 1), ("events_since", 2, 0), ("health", 0, 0),
]


def signature_cases(w) -> list[Case]:
    cases = []
    for method, most, fewest in SIGNATURES:
        cases += argument_list_cases(method, most, fewest, w.open_c, auth=w.fed)
    cases += [
        case("an argument given twice (positionally and by name)", "get_nomination", w.n_zs1,
             nomination_id=w.n_zs1, expect="ValidationFailed", field="_schema", auth=w.fed),
        case("keyword arguments in the wrong case", "list_nominations", w.open_c, Filters={},
             expect="ValidationFailed", field="_schema", auth=w.fed),
        case("the data by a wrong name", "open_cycle", cycle=cycle_input(), expect="ValidationFailed",
             field="_schema", auth=w.fed),
    ]
    return cases


# --- authentication and authorisation on every write ---------------------------------------

def write_calls(w) -> dict:
    """Each write RPC (and the admin-only assessment) with good arguments, and callers who hold a
    good token but may not make that call (a role short, another subtree, a reviewer recused)."""
    rv = w.rv
    return {
        "open_cycle": ((cycle_input(),), [w.zs_admin, w.port_admin, rv["rv-a"], w.port_worker]),
        "nominate": ((w.open_c, work(w.port)), [w.xg_admin, rv["rv-zs"], w.port_worker]),
        "set_reviewers": ((w.open_c, [reviewer("rv-new")]), [w.zs_admin, w.port_admin, rv["rv-xg"]]),
        "submit_review": ((w.n_zs1, 80), [w.fed, w.zs_admin, w.port_admin, w.port_worker, rv["rv-a"],
                                          rv["rv-zs"], rv["rv-port"], rv["rv-free"]]),
        "shortlist": ((w.closed_c, 3), [w.zs_admin, w.port_admin, rv["rv-a"]]),
        "open_public_notice": ((w.short_c, 5), [w.zs_admin, w.port_admin, rv["rv-a"]]),
        "file_objection": ((w.q["notice_c"]["win"], "材料存疑"), []),
        "resolve_objection": ((w.obj_open, False, "经核实"), [w.zs_admin, w.port_admin, w.port_worker, rv["rv-a"]]),
        "finalize": ((w.ready_c,), [w.zs_admin, w.port_admin, rv["rv-a"]]),
        "rebuild_copies": (("registry",), [w.zs_admin, w.port_admin, rv["rv-a"]]),
        "assessment": ((w.zhongshan, 2026), [w.xg_admin, w.port_admin, w.worker]),
    }


UNAUTHORIZED_KINDS = {"no token", "a malformed bearer value", "an expired token", "a forged token (another secret)",
                      "a token with an unknown role"}


def auth_cases(w) -> list[Case]:
    tokens = bad_tokens(w) + [
        ("a bearer value with a NUL byte", "a\x00b.c.d", "Unauthorized"),
        ("a token whose sub is 300 characters", w.long_sub, "Unauthorized"),
    ]
    # The token is read by the kit's entrypoint, the same code for every RPC: every bad token is
    # tried on open_cycle, on nominate and on submit_review (judges may call it); the kinds the
    # contract names (no token, malformed, expired, forged, unknown role, a role short) on every
    # other write. Anyone with a token files an objection: only the bad tokens, and no roles.
    every_rpc = [t for t in tokens if t[0] in UNAUTHORIZED_KINDS | {"a worker's token", "a judge's token"}]
    anyone = [t for t in tokens if t[2] == "Unauthorized" or t[0] == "a token with no roles"]
    full = ("open_cycle", "nominate", "submit_review")

    def tokens_for(method):
        return tokens if method in full else anyone if method == "file_objection" else every_rpc

    cases = write_refusal_cases(write_calls(w), tokens_for, "a caller who may not")
    # the reads that need a token: a bad one is Unauthorized
    reads = {"get_nomination": (w.n_zs1,), "list_nominations": (w.open_c, {}), "eligibility": (w.n_zs1,)}
    for method, args in reads.items():
        cases += [case(desc, method, *args, expect=expected, auth=auth) for desc, auth, expected in tokens
                  if desc in UNAUTHORIZED_KINDS]
    cases += [
        # the token is checked before the input: a bad token with bad data is still refused for the token
        case("no token and junk data", "open_cycle", {"junk": True}, expect="Unauthorized", auth=Raw(None)),
        case("a worker and junk data", "open_cycle", {"junk": True}, expect="Forbidden", auth=w.worker),
        case("a district admin and junk data", "set_reviewers", "x", "y", expect="Forbidden", auth=w.zs_admin),
        case("a reviewer and junk data", "nominate", 1, [], expect="Forbidden", auth=w.rv["rv-xg"]),
        case("a worker and a junk review", "submit_review", w.n_zs1, "junk", expect="Forbidden", auth=w.worker),
        case("no token and a junk objection", "file_objection", 1, None, expect="Unauthorized", auth=Raw(None)),
        case("a worker finalizes", "finalize", w.ready_c, expect="Forbidden", auth=w.worker),
        case("an expired token of a reviewer of the cycle", "submit_review", w.n_zs1, 80, expect="Unauthorized",
             auth=w.make_token("judge", None, sub="rv-xg", ttl=-60)),
    ]
    return cases


# --- properties: junk in, ValidationFailed out -----------------------------------------------

CYCLE_KEYS = ["programme", "year", "categories", "nominations_open_at", "nominations_close_at", "quota_per_org"]
NOMINATION_KEYS = ["category", "nominee", "kind", "ref_id", "name", "by_org_id", "statement"]
WORDS = ["golden_ribbon", "outstanding_work", "work", "venue", 2026, NAIVE, "2026-12-01T10:00:00+08:00", UNKNOWN_ID,
         "\x00"]
PROPERTY_SETTINGS = property_settings(max_examples=20)


def junk_is_validation_failed(scene, call, before: dict):

    @PROPERTY_SETTINGS
    @given(junk=json_junk(CYCLE_KEYS, WORDS))
    def junk_as_a_cycle(junk):
        assert_validation_failed(call, "open_cycle", junk, auth=scene.fed)

    @PROPERTY_SETTINGS
    @given(junk=json_junk(NOMINATION_KEYS, WORDS))
    def junk_as_a_nomination(junk):
        # no organisation the junk can name is known: at best a well-formed nomination is NotFound
        outcome = call.outcome(Case("junk", "nominate", (scene.open_c, junk), "ValidationFailed", auth=scene.fed))
        assert getattr(outcome, "exc_type", None) in ("ValidationFailed", "NotFound"), \
            f"nominate({junk!r}): {outcome!r}"

    junk_as_a_cycle()
    junk_as_a_nomination()
    assert diff(before, snapshot(call, scene)) == []


# --- the tests -----------------------------------------------------------------------------

def test_every_rpc_refuses_bad_input_and_junk(scene, call):
    """Every RPC's table (open_cycle, get_cycle, nominate, get_nomination, eligibility,
    list_nominations, set_reviewers, submit_review, shortlist, open_public_notice, file_objection,
    resolve_objection, finalize, results, assessment, programme_targets, rebuild_copies,
    events_since), every RPC's argument list (health's too) in one run; then junk as open_cycle's
    and nominate's data (properties, on the same platform to keep the file quick)."""
    w = scene
    after = run_awards_table(call, w, cycle_cases(w) + nomination_cases(w) + reading_cases(w) + reviewer_cases(w)
                             + review_cases(w) + shortlist_cases(w) + notice_cases(w) + objection_cases(w)
                             + decision_cases(w) + assessment_cases(w) + events_since_cases() + signature_cases(w))
    with pytest.raises(MethodNotFound):  # answered by nameko before any service code runs, not hung
        call("drop_all_tables")
    junk_is_validation_failed(w, call, before=after)


def test_every_write_refuses_bad_tokens_and_outsiders(scene, call):
    w = scene
    run_awards_table(call, w, auth_cases(w))
