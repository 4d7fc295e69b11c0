"""The talent use cases on an in-memory SQLite session: no broker, no service, milliseconds a test.

A campaign from nomination to the pool, as the admins, judges and workers drive it, reading what
the use cases wrote (rows, stages and the outbox)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.auth import Caller
from services.common.clock import utcnow
from services.common.db import make_engine
from services.common.errors import Conflict, Forbidden, InvalidState, NotFound, ValidationFailed
from services.common.outbox import write_pending
from services.talent import schemas
from services.talent.models import Org, metadata
from services.talent.usecases import campaigns, candidates, judging, pool, showcases
from services.talent.usecases.shared import OUTBOX

FED = Caller("fed", "市总", ("federation_admin",), "city")
ZS = Caller("zs", "中山区", ("district_admin",), "zs")
XG = Caller("xg", "西岗区", ("district_admin",), "xg")
JUDGES = [f"j{i}" for i in range(5)]


@pytest.fixture
def session():
    engine = make_engine("sqlite://")
    metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as s:
        for id_, parent, path, kind in [("city", None, "/city/", "city"), ("zs", "city", "/city/zs/", "district"),
                                        ("xg", "city", "/city/xg/", "district"),
                                        ("zs-1", "zs", "/city/zs/zs-1/", "grassroots"),
                                        ("xg-1", "xg", "/city/xg/xg-1/", "grassroots")]:
            s.add(Org(id=id_, name=id_, kind=kind, parent_id=parent, path=path, district=id_))
        s.commit()
        yield s
    engine.dispose()


def campaign(session, rounds=2, closes_in=timedelta(days=30)):
    data = schemas.CampaignInput().load({
        "name": "2026年选秀", "year": 2026, "fields": ["music", "dance"],
        "rounds": [{"name": f"第{n}轮", "criteria": [{"name": "technique", "weight": 60}, {"name": "expression", "weight": 40}],
                    "advance": {"top": 1}} for n in range(1, rounds + 1)],
        "nominations_close_at": (utcnow() + closes_in).isoformat()})
    return campaigns.open_campaign(session, FED, data)


def nomination(worker, org="zs-1", channel="audition", field="music", **over):
    data = {"channel": channel, "field": field, "person": {"worker_id": worker, "name": worker, "org_id": org},
            **({"recommended_by_org_id": org} if channel == "recommendation" else {}), **over}
    return schemas.NominationInput().load(data)


def events(session, *types):
    write_pending(session)  # the events the commit would write, in the order emitted
    rows = session.execute(select(OUTBOX.table.c.type, OUTBOX.table.c.envelope).order_by(OUTBOX.table.c.seq))
    return [(r.type, r.envelope["data"]) for r in rows if not types or r.type in types]


def panel(session, the_campaign, number, conflicts=None, org=None):
    return campaigns.set_panel(session, FED, the_campaign.id, number, [
        {"judge_id": j, "name": j, "org_id": org, "conflicts": (conflicts or {}).get(j, [])} for j in JUDGES])


def score_all(session, the_campaign, number, marks):
    """marks: candidate id -> the technique and expression every judge gives."""
    for judge in JUDGES:
        for candidate_id, mark in marks.items():
            judging.submit_score(session, Caller(judge, judge, ("judge",), None), the_campaign.id, number, candidate_id,
                                 {"technique": mark, "expression": mark})


def screened(session, the_campaign, *workers, field="music"):
    people = [candidates.nominate(session, ZS, the_campaign.id, nomination(w, field=field)) for w in workers]
    for person in people:
        candidates.screen(session, ZS, person.id, True, None)
    return people


# --- entry ---------------------------------------------------------------------------------------

def test_each_channel_has_its_nominators(session):
    c = campaign(session)
    assert candidates.nominate(session, ZS, c.id, nomination("w1", channel="recommendation")).channel == "recommendation"
    me = Caller("w2", "w2", ("worker",), "zs-1")
    assert candidates.nominate(session, me, c.id, nomination("w2", channel="self")).status == "nominated"
    with pytest.raises(Forbidden):
        candidates.nominate(session, me, c.id, nomination("w3", channel="self"))  # someone else
    with pytest.raises(Forbidden):
        candidates.nominate(session, XG, c.id, nomination("w4"))  # outside the admin's subtree
    assert [t for t, _ in events(session)] == ["candidate_nominated", "candidate_nominated"]


def test_a_person_enters_a_campaign_once_per_field(session):
    c = campaign(session)
    candidates.nominate(session, ZS, c.id, nomination("w1"))
    with pytest.raises(Conflict):
        candidates.nominate(session, ZS, c.id, nomination("w1"))
    assert candidates.nominate(session, ZS, c.id, nomination("w1", field="dance")).field == "dance"


def test_an_unknown_organisation_or_a_closed_window_refuses_the_nomination(session):
    c = campaign(session)
    with pytest.raises(NotFound, match="registry events"):
        candidates.nominate(session, FED, c.id, nomination("w1", org="nowhere"))
    with pytest.raises(ValidationFailed):
        candidates.nominate(session, ZS, c.id, nomination("w1", field="literature"))
    closed = campaign(session, closes_in=timedelta(seconds=-1))
    with pytest.raises(InvalidState, match="closed"):
        candidates.nominate(session, ZS, closed.id, nomination("w1"))


def test_screening_is_recorded_and_only_the_screened_in_enter_round_one(session):
    c = campaign(session)
    a, b = (candidates.nominate(session, ZS, c.id, nomination(w)) for w in ("a", "b"))
    candidates.screen(session, ZS, a.id, True, None)
    candidates.screen(session, ZS, b.id, False, "非会员")
    assert [s.stage for s in b.stages] == ["nominated", "screened_out"] and b.stages[-1].reason == "非会员"
    assert [x.id for x in judging.entrants(session, c.rounds[0])] == [a.id]
    with pytest.raises(Forbidden):
        candidates.screen(session, XG, a.id, False, None)


# --- judging -------------------------------------------------------------------------------------

def test_a_judge_scores_only_on_the_panel_and_not_when_recused(session):
    c = campaign(session)
    a, b = screened(session, c, "a", "b")
    panel(session, c, 1, conflicts={"j0": [a.id]})
    with pytest.raises(Forbidden):
        judging.submit_score(session, Caller("j0", "j0", ("judge",), None), c.id, 1, a.id,
                             {"technique": 80, "expression": 80})
    with pytest.raises(Forbidden):
        judging.submit_score(session, Caller("stranger", "s", ("judge",), None), c.id, 1, b.id,
                             {"technique": 80, "expression": 80})
    with pytest.raises(ValidationFailed):
        judging.submit_score(session, Caller("j1", "j1", ("judge",), None), c.id, 1, b.id, {"technique": 80})


def test_a_second_submission_replaces_the_first(session):
    c = campaign(session)
    a, = screened(session, c, "a")
    panel(session, c, 1)
    judge = Caller("j1", "j1", ("judge",), None)
    judging.submit_score(session, judge, c.id, 1, a.id, {"technique": 50, "expression": 50})
    again = judging.submit_score(session, judge, c.id, 1, a.id, {"technique": 90, "expression": 80})
    assert again["replaced"] and again["weighted"] == 86.0


def test_closing_ranks_each_field_moves_everyone_on_or_out_and_opens_the_next_round(session):
    c = campaign(session)
    a, b = screened(session, c, "a", "b")
    d, = screened(session, c, "d", field="dance")
    panel(session, c, 1)
    panel(session, c, 2)
    assert [r.status for r in c.rounds] == ["open", "pending"]
    score_all(session, c, 1, {a.id: 70, b.id: 90, d.id: 60})
    assert judging.close_round(session, FED, c.id, 1)["advanced"] == 2
    assert (a.status, b.status, d.status) == ("eliminated", "advanced", "advanced")
    assert [r.status for r in c.rounds] == ["closed", "open"]
    ranked = judging.ranking(session, c.id, 1)["items"]
    assert [(r["field"], r["rank"], r["advanced"]) for r in ranked] == [
        ("music", 1, True), ("music", 2, False), ("dance", 1, True)]
    assert [e["round"] for _, e in events(session, "round_closed")] == [1]
    with pytest.raises(InvalidState, match="takes no scores"):
        score_all(session, c, 1, {b.id: 10})
    with pytest.raises(InvalidState):
        judging.close_round(session, FED, c.id, 1)
    score_all(session, c, 2, {b.id: 80, d.id: 75})
    judging.close_round(session, FED, c.id, 2)
    assert (b.status, d.status) == ("finalist", "finalist")


def test_a_round_with_too_few_scores_does_not_close_and_names_who_is_short(session):
    c = campaign(session)
    a, b = screened(session, c, "a", "b")
    panel(session, c, 1)
    for judge in JUDGES[:2]:
        judging.submit_score(session, Caller(judge, judge, ("judge",), None), c.id, 1, a.id,
                             {"technique": 80, "expression": 80})
    with pytest.raises(InvalidState) as err:
        judging.close_round(session, FED, c.id, 1)
    assert a.id in str(err.value) and b.id in str(err.value)
    assert c.rounds[0].status == "open"


# --- the showcase and the pool ---------------------------------------------------------------------

def finalist(session):
    c = campaign(session, rounds=1)
    a, = screened(session, c, "a")
    panel(session, c, 1)
    score_all(session, c, 1, {a.id: 88})
    judging.close_round(session, FED, c.id, 1)
    return c, a


def test_the_showcase_is_requested_through_events_and_its_answer_shows_on_each_candidate(session):
    c, a = finalist(session)
    start = utcnow() + timedelta(days=10)
    answer = showcases.request_showcase(session, FED, c.id, {"venue_id": "v", "space_id": "s", "starts_at": start,
                                                             "ends_at": start + timedelta(hours=2),
                                                             "candidate_ids": [a.id]})
    assert answer["status"] == "requested"
    (_, request), = events(session, "showcase_requested")
    assert request["candidate_ids"] == [a.id] and request["showcase_id"] == answer["showcase_id"]
    showcases.apply_answer(session, answer["showcase_id"], None, "the hall is booked then")
    showcases.apply_answer(session, answer["showcase_id"], "act-1", None)  # a second answer changes nothing
    assert a.showcase["status"] == "refused" and a.showcase["reason"] == "the hall is booked then"
    assert a.stages[-1].stage == "showcase_refused"


def test_only_a_finalist_is_admitted_and_an_award_raises_the_tier(session):
    c, a = finalist(session)
    other = candidates.nominate(session, ZS, c.id, nomination("z"))
    with pytest.raises(InvalidState):
        pool.admit_to_pool(session, FED, other.id, "backbone", {"achievements": [], "volunteer": False})
    talent = pool.admit_to_pool(session, FED, a.id, "backbone", {"achievements": ["一等奖"], "volunteer": True})
    assert (talent.tier, talent.district, a.status) == ("backbone", "zs-1", "admitted")
    pool.raise_tier(session, talent.id, "award:e1")
    assert talent.tier == "top_talent"
    assert [e["tier"] for _, e in events(session, "talent_tier_changed")] == ["top_talent"]
    found = pool.search_pool(session, schemas.PoolSearch().load({"tier": "top_talent", "volunteer": True}))
    assert [t["id"] for t in found["items"]] == [talent.id]
    assert [s.stage for s in a.stages][-2:] == ["admitted", "tier_changed"]
