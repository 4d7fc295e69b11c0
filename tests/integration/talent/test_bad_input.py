"""Bad input, tried systematically against the real talent service (beside a real registry and
events, on a real broker, SQLite and PostgreSQL).

Every talent RPC gets a table of bad calls, each with the contract error it must produce (and, for
``ValidationFailed``, the field its JSON must name). One platform serves a whole table: the calls of
a table are sent at once, every mismatch is collected, and then the test checks that nothing
changed — the event log (``events_since``), the public and admin reads (``get_campaign``,
``get_candidate``, ``list_candidates``, ``ranking``, ``search_pool``, ``get_talent``), and every
table read straight from the database (row counts of all, contents of the domain tables,
``audit_log`` explicitly) are the same after the refused calls as before them.

Field paths are dotted (see ``tests.support.contract_cases``, which holds the case tables' harness,
the concurrent caller and the "nothing changed" check; this file holds the talent service's scene,
its tables, and what its snapshot reads). The fields of an RPC's dict argument (``data``,
``filters``, ``profile``) are named at the top level; an id or a round number under its own name;
``judges.N.<key>`` a judge of ``set_panel``; ``scores.<criterion>`` a score of ``submit_score``.

Who may do what (the issue's cases): a judge scores only as itself (the judge is the token's
``sub``; a judge not on the round's panel, or recused, is ``Forbidden``), an admin screens and
nominates only inside its subtree, a worker nominates only themself; bad, expired or absent tokens
are ``Unauthorized``, a good token of the wrong role ``Forbidden``.

The property at the end (hypothesis) sends JSON-ish junk as ``open_campaign``'s data and expects
``ValidationFailed``, never ``InternalError`` and never success.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from hypothesis import given
from nameko.exceptions import MethodNotFound

from services.common.pagination import Pager
from services.talent.domain import FIELDS
from services.talent.models import metadata

from ...support.contract_cases import (
    BAD_CURSORS as MALFORMED_CURSORS, HUGE, INF, LONG_ID, NAN, NUL, SURROGATE, UNKNOWN_ID, Caller, Case, Raw,
    add_bad_token_holders, argument_list_cases, assert_validation_failed, bad_tokens, case, cursor_of, diff,
    events_since_cases, json_junk, property_settings, read_service_tables, run_table, write_refusal_cases,
    ID_64, NAIVE, data_type_cases, id_cases,
)
from .conftest import CRITERIA, campaign_input, on

GOOD_SCORES = {"technique": 80, "expression": 75, "originality": 70}
PANEL = ["pj-0", "pj-1", "pj-2", "pj-3", "pj-4"]  # not "judge-1": bad_tokens()' judge sits on no panel

BAD_ROUNDS = [("0", 0), ("-1", -1), ("21", 21), ("a string", "1"), ("a whole float", 1.0), ("a float", 1.5),
              ("a bool", True), ("None", None), ("NaN", NAN), ("10**30", 10 ** 30), ("a list", [1])]
BAD_TIMES = [("without an offset", NAIVE), ("a date only", "2026-12-01"), ("a word", "next month"),
             ("an epoch number", 1_790_000_000), ("month 13", "2026-13-01T10:00:00+08:00"),
             ("offset +25:00", "2026-12-01T10:00:00+25:00"),
             ("in the year 9999, west of Greenwich (past UTC's end)", "9999-12-31T23:00:00-12:00"),
             ("in the year 1, east of Greenwich (before UTC's start)", "0001-01-01T00:00:00+08:00"),
             ("a NUL byte", "2026-12-01T10:00:00\x00+08:00"), ("10 000 chars", HUGE), ("None", None), ("empty", ""),
             ("a list", ["2026-12-01T10:00:00+08:00"])]
BAD_LIMITS = [("0", 0), ("501", 501), ("-1", -1), ("a string", "10"), ("a bool", True), ("a float", 2.5),
              ("None", None), ("10**30", 10 ** 30)]
BAD_CURSORS = MALFORMED_CURSORS + [  # a candidate's or a talent's cursor holds a scope and two keys
    ("a cursor holding numbers", cursor_of([1, 2])),
    ("a cursor holding nulls", cursor_of([None, None])),
    ("a cursor holding lists", cursor_of([["a"], ["b"]])),
    ("a cursor holding a NUL byte", cursor_of(["\x00", "x"])),
]


@pytest.fixture
def call(client):
    caller = Caller(client, "talent")
    yield caller
    caller.close()


# --- the scene the bad calls are aimed at --------------------------------------------------

def person(worker_id, org_id, name=None) -> dict:
    return {"worker_id": worker_id, "name": name or f"职工{worker_id}", "org_id": org_id}


def audition(worker_id, org_id, field="music") -> dict:
    return {"channel": "audition", "field": field, "person": person(worker_id, org_id)}


def judges(*ids, org=None, conflicts=None) -> list[dict]:
    return [{"judge_id": j, "name": f"评委{j}", "org_id": org if i == 0 else None,
             "conflicts": (conflicts or {}).get(j, [])} for i, j in enumerate(ids)]


@pytest.fixture
def scene(world, platform, call, token):
    """The world, plus three campaigns and candidates in every state the tables need:

    - ``open_c``: two rounds (music, dance), nominations open; round 1 open with a panel of five
      (pj-0 works at the bus company's union, pj-1 declared a conflict with ``a_port2``), round 2
      pending without a panel; candidates screened in (``a_port``, ``a_port2``, ``a_bus``), screened
      out (``a_out``) and not screened yet (``a_nominated``);
    - ``closed_c``: nominations closed yesterday;
    - ``done_c``: one round (music) closed: ``c_admitted`` in the pool, ``c_finalist``, ``c_eliminated``.
    """
    w = SimpleNamespace(**vars(world))
    w.talent_url = platform.talent_url
    w.hall_id = w.hall["id"]
    w.port_admin = token("unit_admin", w.port, sub="port")
    w.bus_admin = token("unit_admin", w.bus, sub="bus")
    w.worker = token("worker", w.zhongshan, sub="worker-x")
    w.port_worker = token("worker", w.port, sub="w-port-self")
    w.long_sub = token("federation_admin", w.city, sub="s" * 300)
    w.ghost_fed = token("federation_admin", UNKNOWN_ID, sub="ghost-fed")
    w.long_org_fed = token("federation_admin", ID_64, sub="long-org-fed")
    w.orgless_fed = token("federation_admin", None, sub="orgless-fed")
    w.pj = {j: token("judge", None, sub=j) for j in PANEL}
    w.make_token = token
    add_bad_token_holders(w, token)
    fed = w.fed

    # Built in waves of concurrent calls (each wave needs the one before).
    yesterday = (datetime.now(timezone.utc) - timedelta(days=1)).isoformat()
    open_c, closed_c, done_c = call.together(
        ("open_campaign", (campaign_input(rounds=2, fields=("music", "dance")),), fed),
        ("open_campaign", (campaign_input(rounds=1, nominations_close_at=yesterday),), fed),
        ("open_campaign", (campaign_input(rounds=1),), fed))
    w.open_c, w.closed_c, w.done_c = open_c["id"], closed_c["id"], done_c["id"]
    nominate = lambda c, data: ("nominate", (c, data), fed)  # noqa: E731
    people = call.together(
        nominate(w.open_c, audition("w-a1", w.port)), nominate(w.open_c, audition("w-a2", w.port)),
        nominate(w.open_c, audition("w-bus", w.bus)), nominate(w.open_c, audition("w-out", w.port)),
        nominate(w.open_c, audition("w-new", w.port, field="dance")),
        *(nominate(w.done_c, audition(f"w-c{i}", w.port)) for i in range(3)))
    (w.a_port, w.a_port2, w.a_bus, w.a_out, w.a_nominated, c0, c1, c2) = (p["id"] for p in people)
    screen = lambda cid, eligible=True: ("screen", (cid, eligible), fed)  # noqa: E731
    call.together(screen(w.a_port), screen(w.a_port2), screen(w.a_bus), screen(w.a_out, False),
                  screen(c0), screen(c1), screen(c2),
                  ("set_panel", (w.open_c, 1, judges(*PANEL, org=w.bus, conflicts={"pj-1": [w.a_port2]})), fed),
                  ("set_panel", (w.done_c, 1, judges("pj-2", "pj-3", "pj-4")), fed))
    marks = {c0: 90, c1: 80, c2: 70}
    call.together(*(("submit_score", (w.done_c, 1, cid, {k: mark for k in GOOD_SCORES}), w.pj[j])
                    for j in ("pj-2", "pj-3", "pj-4") for cid, mark in marks.items()))
    assert call("close_round", w.done_c, 1, auth=fed)["advanced"] == 2
    w.c_admitted, w.c_finalist, w.c_eliminated = c0, c1, c2
    talent, _ = call.together(("admit_to_pool", (c0, "backbone", {"achievements": ["决赛第一"]}), fed),
                              ("record_training", (c1, {"title": "声乐集训", "hours": 12}), fed))
    w.talent = talent["id"]

    w.campaigns = [w.open_c, w.closed_c, w.done_c]
    w.candidates = [w.a_port, w.a_port2, w.a_bus, w.a_out, w.a_nominated, c0, c1, c2]
    w.showcase = {"venue_id": w.hall_id, "space_id": w.theatre, "starts_at": on(20, "19:00"),
                  "ends_at": on(20, "21:00"), "candidate_ids": [w.c_finalist]}
    # A real next-page cursor of the open campaign's list, and the scopes the service tags cursors with.
    w.list_cursor = call("list_candidates", w.open_c, {"limit": 1}, auth=fed)["next_cursor"]
    assert w.list_cursor
    w.list_scope = Pager("list_candidates", {"limit": 1, "campaign_id": w.open_c}, str, str).scope
    w.pool_scope = Pager("search_pool", {"limit": 50}, str, str).scope
    return w


# --- "nothing changed" ---------------------------------------------------------------------

def snapshot(call, w) -> dict:
    """Everything a refused call must leave alone: the event log, the reads, every table."""
    log = call("events_since", 0, 1000)
    return {
        "tables": read_service_tables(w.talent_url, metadata),
        "events": log["items"],
        "next_seq": log["next_seq"],
        "campaigns": [call("get_campaign", c) for c in w.campaigns],
        "candidates": [call("get_candidate", c, auth=w.fed) for c in w.candidates],
        "lists": [call("list_candidates", c, {"limit": 500}, auth=w.fed)["items"] for c in w.campaigns],
        "ranking": call("ranking", w.done_c, 1, auth=w.fed),
        "pool": call("search_pool", {"limit": 500}, auth=w.fed)["items"],
        "talent": call("get_talent", w.talent, auth=w.fed),
    }


def run_talent_table(call, w, cases: list[Case]) -> dict:
    """``run_table`` against the talent service: every case refused as the contract says, nothing
    changed (``audit_log``'s rows compared besides). Returns the snapshot taken after them."""
    return run_table(call, cases, lambda: snapshot(call, w))


# --- campaigns and panels -------------------------------------------------------------------

def campaign_cases(w) -> list[Case]:
    base = campaign_input(rounds=2, fields=("music", "dance"))
    good_round = base["rounds"][0]

    def camp(desc, expect, field=None, data=None, auth=None, **changes):
        return case(desc, "open_campaign", data if data is not None else {**base, **changes}, expect=expect,
                    field=field, auth=auth or w.fed)

    def rnd(desc, field, **changes):
        return camp(f"round: {desc}", "ValidationFailed", f"rounds.0.{field}", rounds=[{**good_round, **changes}])

    def crit(desc, field, criterion):
        return rnd(f"criterion {desc}", f"criteria.0{field}", criteria=[criterion, *CRITERIA[1:]])

    cases = data_type_cases("open_campaign", auth=w.fed, first_field="name", base=base)
    for key in ("name", "year", "fields", "rounds", "nominations_close_at"):
        cases.append(camp(f"{key} missing", "ValidationFailed", key, data={k: v for k, v in base.items() if k != key}))
        cases.append(camp(f"{key} None", "ValidationFailed", key, **{key: None}))
    for key, value in [("id", UNKNOWN_ID), ("status", "open"), ("org_id", w.city), ("Fields", ["music"]),
                       ("round", 1), ("judges", [])]:
        cases.append(camp(f"an unknown field {key}", "ValidationFailed", key, **{key: value}))
    for desc, value in [("an int", 5), ("empty", ""), ("only blanks", " \t　"), ("10 000 chars", HUGE),
                        ("201 chars", "选" * 201), ("a list", ["选秀"]), ("a NUL byte", NUL),
                        ("a lone surrogate", SURROGATE)]:
        cases.append(camp(f"name is {desc}", "ValidationFailed", "name", name=value))
    for desc, value in [("a string", "2026"), ("1999", 1999), ("2101", 2101), ("a bool", True),
                        ("a whole float", 2026.0), ("a float", 2026.5), ("NaN", NAN), ("10**30", 10 ** 30),
                        ("a list", [2026])]:
        cases.append(camp(f"year is {desc}", "ValidationFailed", "year", year=value))
    for desc, value, fld in [("empty", [], "fields"), ("a string", "music", "fields"), ("a dict", {"music": 1}, "fields"),
                             ("unknown", ["rock"], "fields.0"), ("upper case", ["Music"], "fields.0"),
                             ("an int", [1], "fields.0"), ("[None]", [None], "fields.0"),
                             ("a NUL byte", ["music\x00"], "fields.0"), ("a bad second", ["music", "opera"], "fields.1"),
                             ("ten (every field and one again)", [*FIELDS, "music"], "fields"),
                             ("a field twice", ["music", "dance", "music"], "fields")]:
        cases.append(camp(f"fields is {desc}", "ValidationFailed", fld, fields=value))
    for desc, value, fld in [("empty", [], "rounds"), ("a string", "第一轮", "rounds"), ("a dict", good_round, "rounds"),
                             ("[None]", [None], "rounds.0"), ("[a string]", ["第一轮"], "rounds.0"),
                             ("11 rounds", [good_round] * 11, "rounds"),
                             ("a bad second round", [good_round, {**good_round, "normalise": "minmax"}],
                              "rounds.1.normalise")]:
        cases.append(camp(f"rounds is {desc}", "ValidationFailed", fld, rounds=value))
    for key in ("name", "criteria", "advance"):
        cases.append(camp(f"round: {key} missing", "ValidationFailed", f"rounds.0.{key}",
                          rounds=[{k: v for k, v in good_round.items() if k != key}]))
        cases.append(rnd(f"{key} None", key, **{key: None}))
    for key, value in [("number", 1), ("status", "open"), ("judges", [])]:
        cases.append(rnd(f"an unknown field {key}", key, **{key: value}))
    for desc, value in [("empty", ""), ("blank", "  "), ("10 000 chars", HUGE), ("an int", 1), ("a NUL byte", NUL)]:
        cases.append(rnd(f"name is {desc}", "name", name=value))
    for desc, value, fld in [("empty", [], "criteria"), ("a dict", CRITERIA[0], "criteria"),
                             ("[None]", [None], "criteria.0"), ("[a string]", ["technique"], "criteria.0"),
                             ("21 criteria", [{"name": f"c{i}", "weight": 1} for i in range(21)], "criteria"),
                             ("a criterion twice", [*CRITERIA, CRITERIA[0]], "criteria")]:
        cases.append(rnd(f"criteria is {desc}", fld, criteria=value))
    cases.append(crit("without a weight", ".weight", {"name": "technique"}))
    cases.append(crit("without a name", ".name", {"weight": 40}))
    cases.append(crit("with an unknown field", ".max", {"name": "technique", "weight": 40, "max": 100}))
    for desc, value in [("0", 0), ("-1", -1), ("1001", 1001), ("a string", "40"), ("a bool", True), ("NaN", NAN),
                        ("Infinity", INF), ("None", None), ("a list", [40]), ("10**400", 10 ** 400)]:
        cases.append(crit(f"weight {desc}", ".weight", {"name": "technique", "weight": value}))
    for desc, value in [("empty", ""), ("blank", " "), ("201 chars", "技" * 201), ("an int", 5), ("a NUL byte", NUL),
                        ("a lone surrogate", SURROGATE)]:
        cases.append(crit(f"name {desc}", ".name", {"name": value, "weight": 40}))
    for desc, value, fld in [
        ("a string", "top 2", "advance"), ("a list", [{"top": 2}], "advance"), ("empty", {}, "advance"),
        ("both rules", {"top": 2, "threshold": 80}, "advance"), ("an unknown rule", {"bottom": 1}, "advance.bottom"),
        ("top 0", {"top": 0}, "advance.top"), ("top -1", {"top": -1}, "advance.top"),
        ("top a string", {"top": "2"}, "advance.top"), ("top a float", {"top": 2.5}, "advance.top"),
        ("top a bool", {"top": True}, "advance.top"), ("top 100 001", {"top": 100_001}, "advance.top"),
        ("top None", {"top": None}, "advance.top"), ("threshold 101", {"threshold": 101}, "advance.threshold"),
        ("threshold -101", {"threshold": -101}, "advance.threshold"),
        ("threshold a string", {"threshold": "80"}, "advance.threshold"),
        ("threshold NaN", {"threshold": NAN}, "advance.threshold"),
        ("threshold Infinity", {"threshold": INF}, "advance.threshold"),
        ("threshold a bool", {"threshold": False}, "advance.threshold"),
    ]:
        cases.append(rnd(f"advance is {desc}", fld, advance=value))
    for desc, value in [("unknown", "minmax"), ("upper case", "ZSCORE"), ("an int", 1), ("None", None),
                        ("empty", ""), ("a NUL byte", "zscore\x00")]:
        cases.append(rnd(f"normalise is {desc}", "normalise", normalise=value))
    for desc, value in BAD_TIMES:
        cases.append(camp(f"nominations_close_at is {desc}", "ValidationFailed", "nominations_close_at",
                          nominations_close_at=value))
    # Only a federation admin of an organisation this service knows opens a campaign (it is the
    # organisation the showcase is asked for).
    cases += [
        camp("by a federation admin of an organisation that does not exist", "Forbidden", auth=w.ghost_fed),
        camp("by a federation admin whose organisation id is 64 characters", "Forbidden", auth=w.long_org_fed),
        camp("by a federation admin of no organisation", "Forbidden", auth=w.orgless_fed),
    ]
    cases += id_cases("get_campaign", "campaign_id", auth=None, unknown=[("a candidate's id", w.a_port),
                                                                         ("an organisation's id", w.city)])
    return cases


def panel_cases(w) -> list[Case]:
    three = judges("pj-new-1", "pj-new-2", "pj-new-3")

    def panel(desc, expect, field=None, campaign_id=None, number=2, value=three, auth=None):
        return case(desc, "set_panel", campaign_id or w.open_c, number, value, expect=expect, field=field,
                    auth=auth or w.fed)

    def judge(desc, field, **changes):
        return panel(f"a judge {desc}", "ValidationFailed", f"judges.0.{field}", value=[{**three[0], **changes},
                                                                                        *three[1:]])

    cases = id_cases("set_panel", "campaign_id", 2, three, auth=w.fed, unknown=[("a candidate's id", w.a_port)])
    cases += [panel(f"round is {desc}", "ValidationFailed", "round", number=value) for desc, value in BAD_ROUNDS]
    cases += [
        panel("round 3 of two", "NotFound", number=3),
        panel("round 20 of two", "NotFound", number=20),
        panel("a closed round", "InvalidState", campaign_id=w.done_c, number=1),
    ]
    for desc, value, fld in [
        ("a string", "pj-1", "judges"), ("a dict", three[0], "judges"), ("None", None, "judges"), ("empty", [], "judges"),
        ("[None]", [None], "judges.0"), ("[an int]", [1, *three], "judges.0"), ("[a string]", ["pj-1"], "judges.0"),
        ("two judges (a panel has three)", three[:2], "judges"), ("one judge", three[:1], "judges"),
        ("three seats, two judges (one twice)", [three[0], three[1], three[0]], "judges"),
        ("51 judges", judges(*(f"j{i}" for i in range(51))), "judges"),
        ("a bad third judge", [three[0], three[1], {**three[2], "name": ""}], "judges.2.name"),
    ]:
        cases.append(panel(f"judges is {desc}", "ValidationFailed", fld, value=value))
    for key in ("judge_id", "name"):
        cases.append(panel(f"a judge without {key}", "ValidationFailed", f"judges.0.{key}",
                           value=[{k: v for k, v in three[0].items() if k != key}, *three[1:]]))
        cases.append(judge(f"{key} None", key, **{key: None}))
    for desc, value in [("an int", 7), ("empty", ""), ("65 chars", LONG_ID), ("a NUL byte", NUL),
                        ("a lone surrogate", SURROGATE), ("a list", ["pj-1"])]:
        cases.append(judge(f"judge_id {desc}", "judge_id", judge_id=value))
    for desc, value in [("blank", "  "), ("10 000 chars", HUGE), ("201 chars", "评" * 201), ("an int", 7),
                        ("a NUL byte", NUL)]:
        cases.append(judge(f"name {desc}", "name", name=value))
    for desc, value in [("an int", 7), ("empty", ""), ("65 chars", LONG_ID), ("a NUL byte", NUL), ("a dict", {})]:
        cases.append(judge(f"org_id {desc}", "org_id", org_id=value))
    for desc, value, fld in [("a string", w.a_port, "conflicts"), ("None", None, "conflicts"),
                             ("[an int]", [1], "conflicts.0"), ("[empty]", [""], "conflicts.0"),
                             ("[a NUL byte]", [NUL], "conflicts.0"), ("[65 chars]", [LONG_ID], "conflicts.0"),
                             ("1001 ids", [f"c{i}" for i in range(1001)], "conflicts")]:
        cases.append(judge(f"conflicts {desc}", fld, conflicts=value))
    cases.append(judge("with an unknown field", "role", role="chair"))
    # the judge's work unit decides recusal: it must be an organisation the service knows
    cases.append(panel("a judge of an unknown organisation", "NotFound",
                       value=[{**three[0], "org_id": UNKNOWN_ID}, *three[1:]]))
    cases.append(panel("a judge of an organisation id of 64 characters", "NotFound",
                       value=[{**three[0], "org_id": ID_64}, *three[1:]]))
    return cases


# --- candidates -----------------------------------------------------------------------------

def nomination_cases(w) -> list[Case]:
    base = audition("w-fresh", w.port)

    def nom(desc, expect, fld=None, data=None, campaign_id=None, auth=None, **changes):
        return case(desc, "nominate", campaign_id or w.open_c, data if data is not None else {**base, **changes},
                    expect=expect, field=fld, auth=auth or w.fed)

    def who(desc, field, **changes):
        return nom(f"person: {desc}", "ValidationFailed", f"person.{field}",
                   person={**base["person"], **changes})

    cases = id_cases("nominate", "campaign_id", base, auth=w.fed, unknown=[("a candidate's id", w.a_port)])
    cases += data_type_cases("nominate", w.open_c, auth=w.fed, first_field="channel", base=base)
    for key in ("channel", "person", "field"):
        cases.append(nom(f"{key} missing", "ValidationFailed", key, data={k: v for k, v in base.items() if k != key}))
        cases.append(nom(f"{key} None", "ValidationFailed", key, **{key: None}))
    for key, value in [("id", UNKNOWN_ID), ("status", "screened_in"), ("candidate_id", w.a_port),
                       ("campaign_id", w.open_c), ("Channel", "audition")]:
        cases.append(nom(f"an unknown field {key}", "ValidationFailed", key, data={**base, key: value}))
    for desc, value in [("unknown", "referral"), ("upper case", "AUDITION"), ("an int", 1), ("empty", ""),
                        ("a NUL byte", "audition\x00"), ("a list", ["audition"])]:
        cases.append(nom(f"channel is {desc}", "ValidationFailed", "channel", channel=value))
    for desc, value in [("unknown", "rock"), ("upper case", "Music"), ("an int", 1), ("empty", ""),
                        ("a list", ["music"]), ("a NUL byte", "music\x00")]:
        cases.append(nom(f"field is {desc}", "ValidationFailed", "field", field=value))
    cases.append(nom("a field the campaign does not run (fine_art)", "ValidationFailed", "field", field="fine_art"))
    for desc, value, fld in [("a string", "w-fresh", "person"), ("a list", [base["person"]], "person"),
                             ("empty", {}, "person.worker_id")]:
        cases.append(nom(f"person is {desc}", "ValidationFailed", fld, person=value))
    for key in ("worker_id", "name", "org_id"):
        cases.append(nom(f"person without {key}", "ValidationFailed", f"person.{key}",
                         person={k: v for k, v in base["person"].items() if k != key}))
        cases.append(who(f"{key} None", key, **{key: None}))
        cases.append(who(f"{key} an int", key, **{key: 3}))
        cases.append(who(f"{key} with a NUL byte", key, **{key: NUL}))
        cases.append(who(f"{key} with a lone surrogate", key, **{key: SURROGATE}))
    cases += [
        who("worker_id empty", "worker_id", worker_id=""),
        who("worker_id 65 chars", "worker_id", worker_id=LONG_ID),
        who("name blank", "name", name=" 　"),
        who("name 10 000 chars", "name", name=HUGE),
        who("name 201 chars", "name", name="名" * 201),
        who("org_id empty", "org_id", org_id=""),
        who("org_id 65 chars", "org_id", org_id=LONG_ID),
        who("with an unknown field", "phone", phone="138"),
        nom("a person of an unknown organisation", "NotFound", person={**base["person"], "org_id": UNKNOWN_ID}),
        nom("a person of an organisation id of 64 characters", "NotFound",
            person={**base["person"], "org_id": ID_64}),
        nom("a venue's id as the person's organisation", "NotFound", person={**base["person"], "org_id": w.hall_id}),
    ]
    for desc, value, fld in [("a string", "《春之歌》", "works"), ("None", None, "works"), ("[empty]", [""], "works.0"),
                             ("[blank]", ["  "], "works.0"), ("[a NUL byte]", [NUL], "works.0"),
                             ("[10 000 chars]", [HUGE], "works.0"), ("[an int]", [1], "works.0"),
                             ("[a list]", [["《春之歌》"]], "works.0"), ("51 works", ["作品"] * 51, "works"),
                             ("a bad second work", ["《春之歌》", 2], "works.1")]:
        cases.append(nom(f"works is {desc}", "ValidationFailed", fld, works=value))
    recommended = {**base, "channel": "recommendation", "recommended_by_org_id": w.port}
    cases += [
        nom("a recommendation without the recommending union", "ValidationFailed", "recommended_by_org_id",
            channel="recommendation"),
        nom("a recommendation with a null recommending union", "ValidationFailed", "recommended_by_org_id",
            channel="recommendation", recommended_by_org_id=None),
        nom("an audition naming a recommending union", "ValidationFailed", "recommended_by_org_id",
            recommended_by_org_id=w.port),
        nom("a self-nomination naming a recommending union", "ValidationFailed", "recommended_by_org_id",
            channel="self", recommended_by_org_id=w.port),
        nom("recommended_by_org_id an int", "ValidationFailed", "recommended_by_org_id",
            data={**recommended, "recommended_by_org_id": 5}),
        nom("recommended_by_org_id 65 chars", "ValidationFailed", "recommended_by_org_id",
            data={**recommended, "recommended_by_org_id": LONG_ID}),
        nom("recommended_by_org_id with a NUL byte", "ValidationFailed", "recommended_by_org_id",
            data={**recommended, "recommended_by_org_id": NUL}),
        nom("recommended by an unknown union", "NotFound", data={**recommended, "recommended_by_org_id": UNKNOWN_ID}),
        nom("recommended by a union of another subtree (the person works at the bus company)", "ValidationFailed",
            "person.org_id", data={**recommended, "person": person("w-fresh", w.bus)}),
        # state and duplicates
        nom("after nominations closed", "InvalidState", campaign_id=w.closed_c),
        nom("after nominations closed, by the person themself", "InvalidState", campaign_id=w.closed_c,
            auth=w.port_worker, channel="self", person=person("w-port-self", w.port)),
        nom("a person already a candidate in the field", "Conflict", person=person("w-a1", w.port)),
        nom("a person already a candidate in the field (another channel, another name)", "Conflict",
            data={**recommended, "person": person("w-a1", w.port, name="王丽华")}),
        nom("a finished campaign's finalist again", "Conflict", campaign_id=w.done_c, person=person("w-c1", w.port)),
        # who may nominate whom
        nom("an admin nominates outside its subtree (a district)", "Forbidden", auth=w.zs_admin,
            person=person("w-fresh", w.bus)),
        nom("an admin nominates outside its subtree (a unit)", "Forbidden", auth=w.port_admin,
            person=person("w-fresh", w.bus)),
        nom("an admin enters a self-nomination outside its subtree", "Forbidden", auth=w.xg_admin, channel="self"),
        nom("an admin recommends through a union outside its subtree", "Forbidden", auth=w.zs_admin,
            data={**recommended, "recommended_by_org_id": w.bus, "person": person("w-fresh", w.bus)}),
        nom("a unit admin recommends through its parent district", "Forbidden", auth=w.port_admin,
            data={**recommended, "recommended_by_org_id": w.zhongshan}),
        nom("an admin of an organisation that does not exist", "Forbidden", auth=w.ghost_admin),
        nom("a worker nominates someone else (self channel)", "Forbidden", auth=w.port_worker, channel="self"),
        nom("a worker nominates someone else (audition)", "Forbidden", auth=w.port_worker),
        nom("a worker recommends someone else through its own union", "Forbidden", auth=w.port_worker,
            data=recommended),
        nom("a worker recommends themself through its own union", "Forbidden", auth=w.port_worker,
            data={**recommended, "person": person("w-port-self", w.port)}),
        nom("a worker enters themself by audition (an admin's channel)", "Forbidden", auth=w.port_worker,
            person=person("w-port-self", w.port)),
        nom("a worker nominates themself as a member of another organisation", "Forbidden", auth=w.port_worker,
            channel="self", person=person("w-port-self", w.bus)),
        nom("a worker nominates themself as a member of its district (the token names the unit)", "Forbidden",
            auth=w.port_worker, channel="self", person=person("w-port-self", w.zhongshan)),
        nom("a worker nominates themself as a member of a unit its token does not name", "Forbidden",
            channel="self",
            auth=w.worker, person=person("worker-x", w.port)),
        nom("a judge", "Forbidden", auth=w.pj["pj-2"]),
    ]
    return cases


def screening_cases(w) -> list[Case]:
    def scr(desc, candidate_id, eligible, *reason, expect, field=None, auth=None):
        return case(desc, "screen", candidate_id, eligible, *reason, expect=expect, field=field,
                    auth=auth or w.fed)

    cases = id_cases("screen", "candidate_id", True, auth=w.fed, unknown=[("a campaign's id", w.open_c),
                                                                          ("a talent's id", w.talent)])
    for desc, value in [("1", 1), ("0", 0), ("a string", "true"), ("None", None), ("a list", [True]),
                        ("a dict", {"eligible": True}), ("a word", "yes")]:
        cases.append(scr(f"eligible is {desc}", w.a_nominated, value, expect="ValidationFailed", field="eligible"))
    for desc, value in [("empty", ""), ("blank", "  "), ("10 000 chars", HUGE), ("1001 chars", "因" * 1001),
                        ("an int", 5), ("a dict", {"zh": "理由"}), ("a NUL byte", NUL), ("a lone surrogate", SURROGATE)]:
        cases.append(scr(f"reason is {desc}", w.a_nominated, False, value, expect="ValidationFailed",
                         field="reason"))
    cases += [
        case("the reason by a wrong name", "screen", w.a_nominated, False, why="不符合条件",
             expect="ValidationFailed", field="_schema", auth=w.fed),
        scr("a screened-in candidate again", w.a_port, True, expect="InvalidState"),
        scr("a screened-in candidate out", w.a_port, False, "补充材料不全", expect="InvalidState"),
        scr("a screened-out candidate in", w.a_out, True, expect="InvalidState"),
        scr("after round 1 closed (a finalist)", w.c_finalist, False, expect="InvalidState"),
        scr("after round 1 closed (an eliminated candidate)", w.c_eliminated, True, expect="InvalidState"),
        scr("an admitted candidate", w.c_admitted, False, expect="InvalidState"),
        scr("an admin outside the candidate's subtree (a district)", w.a_nominated, True, expect="Forbidden",
            auth=w.xg_admin),
        scr("an admin outside the candidate's subtree (a unit)", w.a_bus, False, expect="Forbidden",
            auth=w.port_admin),
        scr("a district admin screens another district's candidate", w.a_bus, False, expect="Forbidden",
            auth=w.zs_admin),
        scr("an admin of an organisation that does not exist", w.a_nominated, True, expect="Forbidden",
            auth=w.ghost_admin),
        scr("an admin with no organisation", w.a_nominated, True, expect="Forbidden", auth=w.orgless_admin),
        scr("the candidate themself (a worker)", w.a_nominated, True, expect="Forbidden",
            auth=w.port_worker),
        scr("a judge", w.a_nominated, True, expect="Forbidden", auth=w.pj["pj-2"]),
    ]
    return cases


def reading_cases(w) -> list[Case]:
    cases = id_cases("get_candidate", "id", auth=w.fed, unknown=[("a campaign's id", w.open_c),
                                                                ("a talent's id", w.talent)])
    hidden = lambda desc, cid, auth: case(desc, "get_candidate", cid, expect="NotFound", auth=auth)  # noqa: E731
    cases += [
        hidden("by a worker who is not the candidate", w.a_port, w.port_worker),
        hidden("by an admin outside the candidate's subtree", w.a_port, w.xg_admin),
        hidden("by a unit admin outside the candidate's subtree", w.a_bus, w.port_admin),
        hidden("by an admin of an organisation that does not exist", w.a_port, w.ghost_admin),
        hidden("by an admin with no organisation", w.a_port, w.orgless_admin),
        hidden("by a judge on no panel", w.a_port, w.judge),
        hidden("by a judge on another campaign's panel (pj-0, pj-1 judge only the open one)", w.c_finalist,
               w.pj["pj-0"]),
    ]

    def lst(desc, filters, expect, field=None, campaign_id=None, auth=None):
        return case(desc, "list_candidates", campaign_id or w.open_c, filters, expect=expect, field=field,
                    auth=auth or w.fed)

    cases += id_cases("list_candidates", "campaign_id", {}, auth=w.fed, unknown=[("a candidate's id", w.a_port)])
    cases += [lst(f"filters is {d}", v, "ValidationFailed", "_schema")
              for d, v in [("a string", "music"), ("a list", [{"field": "music"}]), ("an int", 1), ("a bool", True)]]
    for key, desc, value in [
        ("status", "unknown", "winner"), ("status", "an int", 1), ("status", "None", None), ("status", "empty", ""),
        ("status", "a list", ["nominated"]), ("field", "unknown", "rock"), ("field", "an int", 1),
        ("field", "None", None), ("org_id", "an int", 1), ("org_id", "empty", ""), ("org_id", "65 chars", LONG_ID),
        ("org_id", "a NUL byte", NUL), ("org_id", "None", None),
    ]:
        cases.append(lst(f"{key} is {desc}", {key: value}, "ValidationFailed", key))
    cases += [
        lst("an unknown filter", {"name": "王"}, "ValidationFailed", "name"),
        lst("the campaign as a filter", {"campaign_id": w.open_c}, "ValidationFailed", "campaign_id"),
        lst("an unknown org_id", {"org_id": UNKNOWN_ID}, "NotFound"),
        lst("a venue's id as the org_id", {"org_id": w.hall_id}, "NotFound"),
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
                        ("of the pool's search", [w.pool_scope, "王", UNKNOWN_ID])]:
        cases.append(lst(f"a cursor {desc}", {"limit": 1, "cursor": cursor_of(value)}, "ValidationFailed",
                         "cursor"))
    # cursors of the right query at the edges of what they may hold: an empty page, never an error
    for desc, value in [("after the year 9999", [scope, "9999-12-31T23:59:59+00:00", "~"]),
                        ("before the year 2", [scope, "0001-01-01T00:00:00+00:00", ""]),
                        ("naming no candidate", [scope, "2026-12-01T10:00:00+08:00", UNKNOWN_ID])]:
        cases.append(lst(f"a cursor of this query {desc}", {"limit": 1, "cursor": cursor_of(value)}, "ok"))
    cases += [
        lst("a real cursor with other filters", {"limit": 1, "cursor": w.list_cursor, "status": "screened_in"},
            "ValidationFailed", "cursor"),
        lst("a real cursor for another campaign", {"limit": 1, "cursor": w.list_cursor}, "ValidationFailed",
            "cursor", campaign_id=w.done_c),
        case("the candidates' cursor in the pool's search", "search_pool", {"cursor": w.list_cursor},
             expect="ValidationFailed", field="cursor", auth=w.fed),
        lst("by an admin of an organisation that does not exist", {}, "Forbidden", auth=w.ghost_admin),
        lst("by an admin with no organisation", {}, "Forbidden", auth=w.orgless_admin),
        lst("by a worker", {}, "Forbidden", auth=w.port_worker),
        lst("by a judge of the campaign", {}, "Forbidden", auth=w.pj["pj-2"]),
    ]
    return cases


# --- judging --------------------------------------------------------------------------------

def judging_cases(w) -> list[Case]:
    judge = w.pj["pj-2"]

    def score(desc, expect, field=None, campaign_id=None, number=1, candidate_id=None, scores=GOOD_SCORES,
              auth=None, **kwargs):
        return case(desc, "submit_score", campaign_id or w.open_c, number, candidate_id or w.a_port, scores,
                    expect=expect, field=field, auth=auth or judge, **kwargs)

    cases = id_cases("submit_score", "campaign_id", 1, w.a_port, GOOD_SCORES, auth=judge,
                     unknown=[("a candidate's id as the campaign", w.a_port)])
    cases += id_cases("submit_score", "candidate_id", GOOD_SCORES, before=(w.open_c, 1), auth=judge,
                      unknown=[("the campaign's id as a candidate", w.open_c),
                               ("another campaign's candidate", w.c_finalist)])
    cases += [score(f"round is {desc}", "ValidationFailed", "round", number=value) for desc, value in BAD_ROUNDS]
    cases.append(score("round 3 of two", "NotFound", number=3))
    for desc, value, fld in [
        ("a string", "80", "scores"), ("a list", [80, 75, 70], "scores"), ("None", None, "scores"),
        ("an int", 80, "scores"), ("empty", {}, "scores"),
        ("21 criteria", {f"c{i}": 50 for i in range(21)}, "scores"),
        ("without a criterion", {"technique": 80, "expression": 75}, "scores.originality"),
        ("with a criterion the round does not have", {**GOOD_SCORES, "stage_presence": 90}, "scores.stage_presence"),
        ("naming another judge", {**GOOD_SCORES, "judge_id": "pj-3"}, "scores.judge_id"),
        ("a criterion in upper case", {"Technique": 80, "expression": 75, "originality": 70}, "scores.technique"),
        ("with an empty criterion", {**GOOD_SCORES, "": 50}, "scores"),
        ("with a criterion of 201 chars", {**GOOD_SCORES, "分" * 201: 50}, "scores"),
        ("with a criterion holding a NUL byte", {**GOOD_SCORES, NUL: 50}, "scores"),
    ]:
        cases.append(score(f"scores is {desc}", "ValidationFailed", fld, scores=value))
    for desc, value in [("-1", -1), ("101", 101), ("100.01", 100.01), ("a string", "80"), ("a bool", True),
                        ("None", None), ("NaN", NAN), ("Infinity", INF), ("-Infinity", -INF), ("a list", [80]),
                        ("a dict", {"value": 80}), ("10**30", 10 ** 30), ("10**400", 10 ** 400)]:
        cases.append(score(f"a score of {desc}", "ValidationFailed", "scores.technique",
                           scores={**GOOD_SCORES, "technique": value}))
    cases += [
        # the judge is the token's sub: no argument names another one
        score("as another judge (judge_id given)", "ValidationFailed", "_schema", judge_id="pj-3"),
        score("as another judge (judge given)", "ValidationFailed", "_schema", judge="pj-3"),
        score("by a judge on no panel", "Forbidden", auth=w.judge),
        score("by a judge of another campaign's panel only", "Forbidden", auth=w.pj["pj-0"],
              campaign_id=w.done_c, candidate_id=w.c_finalist),
        score("in a round whose panel is not set (round 2)", "Forbidden", number=2),
        score("a candidate of the judge's own work unit (recused)", "Forbidden", auth=w.pj["pj-0"],
              candidate_id=w.a_bus),
        score("a candidate the judge declared a conflict with (recused)", "Forbidden", auth=w.pj["pj-1"],
              candidate_id=w.a_port2),
        score("a forged token naming a judge on the panel", "Unauthorized",
              auth=token_like(w, "pj-3", secret="another-secret-" + "z" * 40)),
        score("an expired token of a judge on the panel", "Unauthorized", auth=token_like(w, "pj-3", ttl=-120)),
        score("a candidate not screened yet", "InvalidState", candidate_id=w.a_nominated),
        score("a screened-out candidate", "InvalidState", candidate_id=w.a_out),
        score("a closed round", "InvalidState", campaign_id=w.done_c, candidate_id=w.c_finalist, auth=w.pj["pj-3"]),
        score("a closed round, bad scores too", "InvalidState", campaign_id=w.done_c, candidate_id=w.c_eliminated,
              auth=w.pj["pj-3"], scores={"technique": 500}),
        score("by the federation admin", "Forbidden", auth=w.fed),
        score("by a worker", "Forbidden", auth=w.port_worker),
    ]

    def close(desc, expect, field=None, campaign_id=None, number=1, auth=None):
        return case(desc, "close_round", campaign_id or w.open_c, number, expect=expect, field=field,
                    auth=auth or w.fed)

    cases += id_cases("close_round", "campaign_id", 1, auth=w.fed, unknown=[("a candidate's id", w.a_port)])
    cases += [close(f"round is {desc}", "ValidationFailed", "round", number=value) for desc, value in BAD_ROUNDS]
    cases += [
        close("round 3 of two", "NotFound", number=3),
        close("an open round whose candidates have no scores", "InvalidState"),
        close("a pending round (round 1 is open)", "InvalidState", number=2),
        close("a closed round", "InvalidState", campaign_id=w.done_c),
        close("a round of a campaign with nominations closed and no panel", "InvalidState", campaign_id=w.closed_c),
        close("by a district admin", "Forbidden", auth=w.zs_admin),
        close("by a judge of the round", "Forbidden", auth=w.pj["pj-2"]),
    ]

    def rank(desc, expect, field=None, campaign_id=None, number=1, auth=None):
        return case(desc, "ranking", campaign_id or w.done_c, number, expect=expect, field=field,
                    auth=auth or w.fed)

    cases += id_cases("ranking", "campaign_id", 1, auth=w.fed, unknown=[("a candidate's id", w.a_port)])
    cases += [rank(f"round is {desc}", "ValidationFailed", "round", number=value) for desc, value in BAD_ROUNDS]
    cases += [
        rank("round 2 of one", "NotFound", number=2),
        rank("an open round", "InvalidState", campaign_id=w.open_c),
        rank("a pending round", "InvalidState", campaign_id=w.open_c, number=2),
        rank("by a worker", "Forbidden", auth=w.port_worker),
        rank("without a token", "Unauthorized", auth=Raw(None)),
        rank("with an expired token", "Unauthorized", auth=w.expired),
    ]
    return cases


def token_like(w, sub, **kwargs):
    return w.make_token("judge", None, sub=sub, **kwargs)


# --- training, the showcase and the pool ------------------------------------------------------

def training_cases(w) -> list[Case]:
    base = {"title": "声乐集训", "hours": 16, "note": "市工人文化宫"}

    def train(desc, expect, field=None, candidate_id=None, data=None, auth=None, **changes):
        return case(desc, "record_training", candidate_id or w.c_finalist,
                    data if data is not None else {**base, **changes}, expect=expect, field=field,
                    auth=auth or w.fed)

    cases = id_cases("record_training", "candidate_id", base, auth=w.fed, unknown=[("a talent's id", w.talent)])
    cases += data_type_cases("record_training", w.c_finalist, auth=w.fed, first_field="title", base=base)
    cases.append(train("title missing", "ValidationFailed", "title", data={"hours": 3}))
    for desc, value in [("None", None), ("empty", ""), ("blank", "  "), ("10 000 chars", HUGE), ("201 chars", "训" * 201),
                        ("an int", 5), ("a NUL byte", NUL), ("a lone surrogate", SURROGATE)]:
        cases.append(train(f"title is {desc}", "ValidationFailed", "title", title=value))
    for desc, value in [("-1", -1), ("10 001", 10_001), ("a string", "16"), ("a bool", True), ("NaN", NAN),
                        ("Infinity", INF), ("a list", [16]), ("10**400", 10 ** 400)]:
        cases.append(train(f"hours is {desc}", "ValidationFailed", "hours", hours=value))
    for desc, value in [("2001 chars", "注" * 2001), ("10 000 chars", HUGE), ("an int", 5), ("a NUL byte", NUL),
                        ("a dict", {"zh": "x"})]:
        cases.append(train(f"note is {desc}", "ValidationFailed", "note", note=value))
    cases += [
        train("an unknown field", "ValidationFailed", "teacher", teacher="李老师"),
        train("a candidate still in round 1", "InvalidState", candidate_id=w.a_port),
        train("a nominated candidate", "InvalidState", candidate_id=w.a_nominated),
        train("an eliminated candidate", "InvalidState", candidate_id=w.c_eliminated),
        train("a screened-out candidate", "InvalidState", candidate_id=w.a_out),
        train("by a district admin", "Forbidden", auth=w.zs_admin),
        train("by the candidate's unit admin", "Forbidden", auth=w.port_admin),
    ]
    return cases


def showcase_cases(w) -> list[Case]:
    base = w.showcase

    def show(desc, expect, field=None, campaign_id=None, data=None, auth=None, **changes):
        return case(desc, "request_showcase", campaign_id or w.done_c,
                    data if data is not None else {**base, **changes}, expect=expect, field=field,
                    auth=auth or w.fed)

    cases = id_cases("request_showcase", "campaign_id", base, auth=w.fed, unknown=[("a candidate's id", w.a_port)])
    cases += data_type_cases("request_showcase", w.done_c, auth=w.fed, first_field="venue_id", base=base)
    for key in ("venue_id", "space_id", "starts_at", "ends_at", "candidate_ids"):
        cases.append(show(f"{key} missing", "ValidationFailed", key, data={k: v for k, v in base.items() if k != key}))
        cases.append(show(f"{key} None", "ValidationFailed", key, **{key: None}))
    for key in ("venue_id", "space_id"):
        for desc, value in [("an int", 1), ("empty", ""), ("65 chars", LONG_ID), ("a NUL byte", NUL),
                            ("a list", [w.hall_id])]:
            cases.append(show(f"{key} is {desc}", "ValidationFailed", key, **{key: value}))
    for key in ("starts_at", "ends_at"):
        for desc, value in BAD_TIMES:
            if value is not None:
                cases.append(show(f"{key} is {desc}", "ValidationFailed", key, **{key: value}))
    cases += [
        show("ends before it starts", "ValidationFailed", "ends_at", starts_at=base["ends_at"],
             ends_at=base["starts_at"]),
        show("ends when it starts", "ValidationFailed", "ends_at", ends_at=base["starts_at"]),
        show("an unknown field", "ValidationFailed", "title", title="才艺展演"),
        show("the org given (it is the campaign's)", "ValidationFailed", "org_id", org_id=w.city),
    ]
    for desc, value, fld in [("empty", [], "candidate_ids"), ("a string", w.c_finalist, "candidate_ids"),
                             ("[an int]", [1], "candidate_ids.0"), ("[empty]", [""], "candidate_ids.0"),
                             ("[65 chars]", [LONG_ID], "candidate_ids.0"), ("[a NUL byte]", [NUL], "candidate_ids.0"),
                             ("[None]", [None], "candidate_ids.0"),
                             ("201 ids", [f"c-{i}" for i in range(201)], "candidate_ids"),
                             ("a candidate twice", [w.c_finalist, w.c_admitted, w.c_finalist], "candidate_ids")]:
        cases.append(show(f"candidate_ids is {desc}", "ValidationFailed", fld, candidate_ids=value))
    cases += [
        show("an unknown candidate", "NotFound", candidate_ids=[w.c_finalist, UNKNOWN_ID]),
        show("another campaign's candidate", "NotFound", candidate_ids=[w.c_finalist, w.a_port]),
        show("an eliminated candidate", "InvalidState", candidate_ids=[w.c_finalist, w.c_eliminated]),
        show("candidates still in round 1", "InvalidState", campaign_id=w.open_c, candidate_ids=[w.a_port]),
        show("by a district admin", "Forbidden", auth=w.zs_admin),
        show("by a judge", "Forbidden", auth=w.pj["pj-2"]),
    ]
    return cases


def pool_cases(w) -> list[Case]:
    def admit(desc, expect, field=None, candidate_id=None, tier="backbone", *profile, auth=None):
        return case(desc, "admit_to_pool", candidate_id or w.c_finalist, tier, *profile, expect=expect, field=field,
                    auth=auth or w.fed)

    cases = id_cases("admit_to_pool", "candidate_id", "backbone", auth=w.fed, unknown=[("a talent's id", w.talent)])
    for desc, value in [("unknown", "gold"), ("upper case", "BACKBONE"), ("an int", 1), ("None", None), ("empty", ""),
                        ("a NUL byte", "backbone\x00"), ("a list", ["backbone"]), ("a dict", {"tier": "backbone"})]:
        cases.append(admit(f"tier is {desc}", "ValidationFailed", "tier", None, value))
    for desc, value, fld in [
        ("a string", "骨干", "profile"), ("a list", [], "profile"), ("an int", 1, "profile"),
        ("a bool", True, "profile"),
        ("with an unknown field", {"hobby": "唱歌"}, "profile.hobby"),
        ("achievements a string", {"achievements": "一等奖"}, "profile.achievements"),
        ("achievements None", {"achievements": None}, "profile.achievements"),
        ("achievements [empty]", {"achievements": [""]}, "profile.achievements.0"),
        ("achievements [blank]", {"achievements": ["  "]}, "profile.achievements.0"),
        ("achievements [a NUL byte]", {"achievements": [NUL]}, "profile.achievements.0"),
        ("achievements [10 000 chars]", {"achievements": [HUGE]}, "profile.achievements.0"),
        ("achievements [an int]", {"achievements": [1]}, "profile.achievements.0"),
        ("101 achievements", {"achievements": ["奖"] * 101}, "profile.achievements"),
        ("volunteer a string", {"volunteer": "yes"}, "profile.volunteer"),
        ("volunteer 1", {"volunteer": 1}, "profile.volunteer"),
        ("volunteer None", {"volunteer": None}, "profile.volunteer"),
    ]:
        cases.append(admit(f"profile is {desc}", "ValidationFailed", fld, None, "backbone", value))
    cases += [
        case("profile by a wrong name", "admit_to_pool", w.c_finalist, "backbone", achievements=[],
             expect="ValidationFailed", field="_schema", auth=w.fed),
        admit("an admitted candidate again", "InvalidState", None, w.c_admitted),
        admit("an admitted candidate again, at a higher tier", "InvalidState", None, w.c_admitted, "top_talent"),
        admit("an eliminated candidate", "InvalidState", None, w.c_eliminated),
        admit("a candidate still in round 1", "InvalidState", None, w.a_port),
        admit("a nominated candidate", "InvalidState", None, w.a_nominated),
        admit("by a district admin", "Forbidden", auth=w.zs_admin),
        admit("by the candidate's unit admin", "Forbidden", auth=w.port_admin),
    ]

    cases += id_cases("get_talent", "id", auth=w.fed, unknown=[("a candidate's id", w.c_admitted)])
    cases += [
        case("a talent without a token", "get_talent", w.talent, expect="Unauthorized", auth=Raw(None)),
        case("a talent with a forged token", "get_talent", w.talent, expect="Unauthorized", auth=w.forged),
    ]

    def search(desc, filters, expect, field=None, auth=None):
        return case(desc, "search_pool", filters, expect=expect, field=field, auth=auth or w.worker)

    cases += [search(f"filters is {d}", v, "ValidationFailed", "_schema")
              for d, v in [("a string", "music"), ("a list", [{"tier": "backbone"}]), ("an int", 1), ("a bool", True)]]
    for key, desc, value in [
        ("field", "unknown", "rock"), ("field", "an int", 1), ("field", "None", None), ("field", "a list", ["music"]),
        ("tier", "unknown", "gold"), ("tier", "an int", 1), ("tier", "None", None),
        ("district", "empty", ""), ("district", "51 chars", "区" * 51), ("district", "an int", 1),
        ("district", "a NUL byte", NUL), ("district", "None", None),
        ("volunteer", "a string", "yes"), ("volunteer", "1", 1), ("volunteer", "None", None),
        ("text", "empty", ""), ("text", "101 chars", "王" * 101), ("text", "10 000 chars", HUGE), ("text", "an int", 5),
        ("text", "a NUL byte", NUL), ("text", "a lone surrogate", SURROGATE), ("text", "a list", ["王"]),
    ]:
        cases.append(search(f"{key} is {desc}", {key: value}, "ValidationFailed", key))
    cases += [
        search("an unknown filter", {"name": "王"}, "ValidationFailed", "name"),
        search("a misspelt filter", {"tiers": "backbone"}, "ValidationFailed", "tiers"),
    ]
    cases += [search(f"limit is {desc}", {"limit": value}, "ValidationFailed", "limit") for desc, value in BAD_LIMITS]
    cases += [search(desc, {"cursor": value}, "ValidationFailed", "cursor") for desc, value in BAD_CURSORS]
    for desc, value in [("holding numbers", [w.pool_scope, 1, 2]), ("holding one key", [w.pool_scope, "王"]),
                        ("holding a NUL byte", [w.pool_scope, "王\x00", UNKNOWN_ID]),
                        ("holding nulls", [w.pool_scope, None, None]),
                        ("of the candidates' list", [w.list_scope, "2026-12-01T10:00:00+08:00", UNKNOWN_ID])]:
        cases.append(search(f"a cursor {desc}", {"cursor": cursor_of(value)}, "ValidationFailed", "cursor"))
    cases += [search(f"a cursor of this query {desc}", {"cursor": cursor_of(value)}, "ok")
              for desc, value in [("after every name", [w.pool_scope, "\uffff" * 50, "~"]),
                                  ("holding LIKE's wildcards", [w.pool_scope, "%_\\", ""])]]
    cases += [search(f"text holding {desc}", {"text": value}, "ok")
              for desc, value in [("LIKE's wildcards", "%_"), ("a backslash", "\\"), ("quotes", "'\"; --")]]
    cases += [
        search("a cursor for other filters", {"cursor": cursor_of([w.pool_scope, "王", UNKNOWN_ID]), "tier": "backbone"},
               "ValidationFailed", "cursor"),
        search("without a token", {}, "Unauthorized", auth=Raw(None)),
        search("with an expired token", {}, "Unauthorized", auth=w.expired),
    ]
    return cases


# --- every RPC's argument list, the event log, health ---------------------------------------

# (method, the most positional arguments it takes, the fewest it needs)
SIGNATURES = [
    ("open_campaign", 1, 1), ("get_campaign", 1, 1), ("set_panel", 3, 3), ("nominate", 2, 2), ("screen", 3, 2),
    ("get_candidate", 1, 1), ("list_candidates", 2, 1), ("submit_score", 4, 4), ("close_round", 2, 2),
    ("ranking", 2, 2), ("record_training", 2, 2), ("request_showcase", 2, 2), ("admit_to_pool", 3, 2),
    ("get_talent", 1, 1), ("search_pool", 1, 0), ("rebuild_registry_copy", 0, 0), ("events_since", 2, 0),
    ("health", 0, 0),
]


def signature_cases(w) -> list[Case]:
    cases = []
    for method, most, fewest in SIGNATURES:
        cases += argument_list_cases(method, most, fewest, w.c_finalist, auth=w.fed)
    cases += [
        case("an argument given twice (positionally and by name)", "get_candidate", w.a_port, id=w.a_port,
             expect="ValidationFailed", field="_schema", auth=w.fed),
        case("the round given twice", "close_round", w.open_c, 1, round=1, expect="ValidationFailed",
             field="_schema", auth=w.fed),
        case("keyword arguments in the wrong case", "search_pool", expect="ValidationFailed", field="_schema",
             auth=w.fed, Filters={}),
        case("the judges by a wrong name", "set_panel", w.open_c, 2, panel=[], expect="ValidationFailed",
             field="_schema", auth=w.fed),
    ]
    return cases


# --- authentication and authorisation on every write ---------------------------------------

def write_calls(w) -> dict:
    """Each write RPC with good arguments, and callers who hold a good token but may not make that
    call (a role short, another subtree, a judge off the panel)."""
    return {
        "open_campaign": ((campaign_input(),), [w.zs_admin, w.port_admin, w.pj["pj-2"], w.port_worker]),
        "set_panel": ((w.open_c, 2, judges("pj-2", "pj-3", "pj-4")), [w.zs_admin, w.port_admin, w.pj["pj-2"]]),
        "nominate": ((w.open_c, audition("w-fresh", w.port)),
                     [w.xg_admin, w.bus_admin, w.pj["pj-2"], w.port_worker]),
        "screen": ((w.a_nominated, True), [w.xg_admin, w.bus_admin, w.pj["pj-2"], w.port_worker]),
        "submit_score": ((w.open_c, 1, w.a_port, GOOD_SCORES),
                         [w.fed, w.zs_admin, w.port_admin, w.port_worker, w.judge]),
        "close_round": ((w.open_c, 1), [w.zs_admin, w.port_admin, w.pj["pj-2"]]),
        "record_training": ((w.c_finalist, {"title": "声乐集训"}), [w.zs_admin, w.port_admin, w.pj["pj-2"]]),
        "request_showcase": ((w.done_c, w.showcase), [w.zs_admin, w.port_admin, w.pj["pj-2"]]),
        "admit_to_pool": ((w.c_finalist, "backbone"), [w.zs_admin, w.port_admin, w.pj["pj-2"], w.port_worker]),
        "rebuild_registry_copy": ((), [w.zs_admin, w.port_admin, w.pj["pj-2"]]),
    }


UNAUTHORIZED_KINDS = {"no token", "a malformed bearer value", "an expired token", "a forged token (another secret)",
                      "a token with an unknown role"}


def auth_cases(w) -> list[Case]:
    tokens = bad_tokens(w) + [
        ("a bearer value with a NUL byte", "a\x00b.c.d", "Unauthorized"),
        ("a token whose sub is 300 characters", w.long_sub, "Unauthorized"),
    ]
    # The token is read by the kit's entrypoint, the same code for every RPC: every bad token is
    # tried on open_campaign, on nominate (workers may call it) and on submit_score (judges may);
    # the kinds the contract names (no token, malformed, expired, forged, unknown role, a role
    # short) on every other write.
    every_rpc = [t for t in tokens if t[0] in UNAUTHORIZED_KINDS | {"a worker's token", "a judge's token"}]
    full = ("open_campaign", "nominate", "submit_score")
    cases = write_refusal_cases(write_calls(w), lambda method: tokens if method in full else every_rpc,
                                "a caller who may not")
    # the reads that need a token: a bad one is Unauthorized
    reads = {"get_candidate": (w.a_port,), "list_candidates": (w.open_c, {}), "ranking": (w.done_c, 1),
             "get_talent": (w.talent,), "search_pool": ({},)}
    for method, args in reads.items():
        cases += [case(desc, method, *args, expect=expected, auth=auth) for desc, auth, expected in tokens
                  if desc in UNAUTHORIZED_KINDS]
    cases += [
        # the token is checked before the input: a bad token with bad data is still refused for the token
        case("no token and junk data", "open_campaign", {"junk": True}, expect="Unauthorized", auth=Raw(None)),
        case("a worker and junk data", "open_campaign", {"junk": True}, expect="Forbidden", auth=w.worker),
        case("a district admin and junk data", "set_panel", "x", "y", "z", expect="Forbidden", auth=w.zs_admin),
        case("a judge and junk data", "nominate", 1, [], expect="Forbidden", auth=w.pj["pj-2"]),
        case("a federation admin and junk scores", "submit_score", w.open_c, 1, w.a_port, "junk",
             expect="Forbidden", auth=w.fed),
        case("a worker lists candidates", "list_candidates", w.open_c, expect="Forbidden", auth=w.worker),
        case("an expired token of a judge of the round, on its ranking", "ranking",
             w.done_c, 1, expect="Unauthorized", auth=token_like(w, "pj-2", ttl=-60)),
    ]
    return cases


# --- property: junk in, ValidationFailed out -----------------------------------------------

CAMPAIGN_KEYS = ["name", "year", "fields", "rounds", "nominations_close_at", "criteria", "advance", "normalise",
                 "weight", "top", "threshold"]
JUNK = json_junk(CAMPAIGN_KEYS, ["music", "zscore", 2026, NAIVE, "2026-12-01T10:00:00+08:00", UNKNOWN_ID, "\x00"])
PROPERTY_SETTINGS = property_settings(max_examples=30)


def junk_as_a_campaign_is_validation_failed(scene, call, before: dict):

    @PROPERTY_SETTINGS
    @given(junk=JUNK)
    def junk_is_refused(junk):
        assert_validation_failed(call, "open_campaign", junk, auth=scene.fed)

    junk_is_refused()
    assert diff(before, snapshot(call, scene)) == []


# --- the tests -----------------------------------------------------------------------------

def test_campaign_panel_and_candidate_rpcs_refuse_bad_input(scene, call):
    """open_campaign, get_campaign, set_panel, nominate, screen, get_candidate, list_candidates."""
    w = scene
    run_talent_table(call, w, campaign_cases(w) + panel_cases(w) + nomination_cases(w) + screening_cases(w)
                     + reading_cases(w))


def test_judging_pool_and_log_rpcs_refuse_bad_input_and_junk(scene, call):
    """submit_score, close_round, ranking, record_training, request_showcase, admit_to_pool,
    get_talent, search_pool, events_since; every RPC's argument list; then junk as open_campaign's
    data (a property, on the same platform to keep the file quick)."""
    w = scene
    after = run_talent_table(call, w, judging_cases(w) + training_cases(w) + showcase_cases(w) + pool_cases(w)
                             + events_since_cases() + signature_cases(w))
    with pytest.raises(MethodNotFound):  # answered by nameko before any service code runs, not hung
        call("drop_all_tables")
    junk_as_a_campaign_is_validation_failed(w, call, before=after)


def test_every_write_refuses_bad_tokens_and_outsiders(scene, call):
    w = scene
    run_talent_table(call, w, auth_cases(w))
