"""The awards use cases on an in-memory SQLite session: no broker, no service, milliseconds a test.

The copies are fed the way the followers feed them (``copies.apply_*`` with envelopes); a cycle
is driven from nomination to results, reading what the use cases wrote (rows and the outbox)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.awards import copies, schemas
from services.awards.models import Cycle, Nomination, QuotaCount, VenueCopy, metadata
from services.awards.usecases import assessment, cycles, nominations, notice, review
from services.awards.usecases.shared import OUTBOX
from services.common.auth import Caller
from services.common.clock import PLATFORM_TZ, to_wire, utcnow
from services.common.db import make_engine
from services.common.errors import Conflict, Forbidden, InvalidState, ValidationFailed
from services.common.outbox import write_pending

FED = Caller("fed", "市总", ("federation_admin",), "city")
ZS = Caller("zs", "中山区", ("district_admin",), "zs")
XG = Caller("xg", "西岗区", ("district_admin",), "xg")
SEQ = iter(range(1, 10_000))


def envelope(kind, data):
    return {"type": kind, "data": data, "seq": next(SEQ), "id": f"e{next(SEQ)}"}


def org(id_, parent, ancestors, kind="district"):
    return envelope("org_registered", {"id": id_, "name": id_, "kind": kind, "parent_id": parent,
                                       "ancestors": ancestors, "district": id_})


def venue(id_, designations=("featured_base",), status="open"):
    return envelope("venue_registered", {"id": id_, "name": id_, "org_id": "zs", "status": status,
                                         "designations": [{"designation": d, "active": True} for d in designations]})


def completed(id_, venue_id, days_ago, org_id="zs"):
    return envelope("activity_completed", {"id": id_, "org_id": org_id, "brand_id": "brand-1",
                                           "bookings": [{"venue_id": venue_id}],
                                           "starts_at": to_wire(utcnow() - timedelta(days=days_ago)),
                                           "attendance": {"confirmed": 10, "checked_in": 8}})


@pytest.fixture
def session():
    engine = make_engine("sqlite://")
    metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as s:
        for e in (org("city", None, ["city"], "city"), org("zs", "city", ["city", "zs"]),
                  org("xg", "city", ["city", "xg"]), org("zs-1", "zs", ["city", "zs", "zs-1"], "grassroots"),
                  venue("base-1"), venue("plain", designations=())):
            copies.apply_registry(s, e)
        s.commit()
        yield s
    engine.dispose()


def cycle(session, programme="demonstration_base", categories=("demonstration_base",), quota=2, closes_in=1):
    now = utcnow()
    return cycles.open_cycle(session, FED, schemas.CycleInput().load({
        "programme": programme, "year": 2026, "categories": list(categories), "quota_per_org": quota,
        "nominations_open_at": to_wire(now - timedelta(days=1)),
        "nominations_close_at": to_wire(now + timedelta(hours=closes_in))}))


def nominate(session, c, ref, caller=ZS, by="zs", kind="venue", category="demonstration_base"):
    return nominations.nominate(session, caller, c.id, schemas.NominationInput().load({
        "category": category, "nominee": {"kind": kind, "ref_id": ref, "name": ref or "作品"}, "by_org_id": by,
        "statement": "事迹材料"}))


def events(session, *types):
    write_pending(session)  # the events the commit would write, in the order emitted
    rows = session.execute(select(OUTBOX.table.c.type, OUTBOX.table.c.envelope).order_by(OUTBOX.table.c.seq))
    return [(r.type, r.envelope["data"]) for r in rows if not types or r.type in types]


def close(session, c):
    session.get(Cycle, c.id).nominations_close_at = utcnow() - timedelta(seconds=1)


def test_the_sixth_completed_activity_makes_a_featured_base_eligible(session):
    c = cycle(session)
    for i in range(5):
        copies.apply_events(session, completed(f"a{i}", "base-1", days_ago=10 + i))
    copies.apply_events(session, completed("old", "base-1", days_ago=400))  # outside the 12 months
    n = nominate(session, c, "base-1")
    assert not n.eligible
    assert [t for t, _ in events(session)] == ["nomination_submitted", "nomination_ruled_ineligible"]
    copies.apply_events(session, completed("a5", "base-1", days_ago=3))
    ruling = nominations.eligibility(session, n.id)
    assert ruling["eligible"] and {r["rule"] for r in ruling["reasons"]} >= {"featured base", "activities"}


def test_an_unknown_id_is_accepted_but_ineligible_with_the_reason(session):
    n = nominate(session, cycle(session), "no-such-venue")
    assert not n.eligible
    assert any(not r["passed"] and "not known" in r["detail"] for r in n.reasons)


def test_the_quota_per_organisation_holds_and_is_named(session):
    c = cycle(session, quota=2)
    nominate(session, c, "base-1")
    nominate(session, c, "plain")
    with pytest.raises(Conflict, match="quota of 2"):
        nominate(session, c, "x")
    assert session.get(QuotaCount, (c.id, "zs")).count == 2


def test_only_the_subtrees_admins_nominate_and_only_inside_the_window(session):
    c = cycle(session)
    with pytest.raises(Forbidden):
        nominate(session, c, "base-1", caller=XG)
    close(session, c)
    with pytest.raises(InvalidState):
        nominate(session, c, "base-1")


def test_review_recusal_shortlist_notice_objection_and_finalize(session):
    c = cycle(session, quota=3)
    for i in range(6):
        copies.apply_events(session, completed(f"a{i}", "base-1", days_ago=10 + i))
    copies.apply_registry(session, venue("base-2"))
    for i in range(6):
        copies.apply_events(session, completed(f"b{i}", "base-2", days_ago=20 + i))
    first, second, third = (nominate(session, c, ref) for ref in ("base-1", "base-2", "plain"))
    review.set_reviewers(session, FED, c.id, [
        {"reviewer_id": "r1", "name": "r1", "org_id": "xg", "conflicts": []},
        {"reviewer_id": "r2", "name": "r2", "org_id": "zs-1", "conflicts": []},  # in the nominator's subtree
        {"reviewer_id": "r3", "name": "r3", "org_id": None, "conflicts": [second.id]}])
    r1, r2, r3 = (Caller(r, r, ("judge",), None) for r in ("r1", "r2", "r3"))
    with pytest.raises(Forbidden):
        review.submit_review(session, r2, first.id, 90, None)
    with pytest.raises(Forbidden):
        review.submit_review(session, r3, second.id, 90, None)
    review.submit_review(session, r1, first.id, 70, None)
    assert review.submit_review(session, r1, first.id, 95, "复核")["replaced"]
    review.submit_review(session, r1, second.id, 80, None)
    review.submit_review(session, r3, first.id, 85, None)
    with pytest.raises(InvalidState):
        review.shortlist(session, FED, c.id, 1)  # nominations still open
    close(session, c)
    drawn = review.shortlist(session, FED, c.id, 1)
    assert [(i["nomination_id"], i["shortlisted"]) for i in drawn["items"]] == [
        (first.id, True), (second.id, False), (third.id, False)]
    assert third.status == "ineligible"
    with pytest.raises(ValidationFailed):
        notice.open_public_notice(session, FED, c.id, 5, utcnow() + timedelta(hours=1))  # never in the future
    notice.open_public_notice(session, FED, c.id, 5, utcnow() - timedelta(days=1))
    objection = notice.file_objection(session, XG, first.id, "材料不实")
    with pytest.raises(InvalidState):
        notice.finalize(session, FED, c.id)  # the notice runs, and an objection is open
    notice.resolve_objection(session, FED, objection.id, False, "经核实，材料属实")
    session.get(Cycle, c.id).notice_ends_at = utcnow() - timedelta(seconds=1)
    assert notice.finalize(session, FED, c.id)["granted"] == 1
    granted = events(session, "award_granted")
    assert [(d["nominee"]["ref_id"], d["programme"]) for _, d in granted] == [("base-1", "demonstration_base")]
    assert [i["id"] for i in notice.results(session, c.id)["items"]] == [first.id]


def test_an_upheld_objection_takes_the_nomination_off_the_shortlist(session):
    c = cycle(session)
    for i in range(6):
        copies.apply_events(session, completed(f"a{i}", "base-1", days_ago=10 + i))
    n = nominate(session, c, "base-1")
    review.set_reviewers(session, FED, c.id, [{"reviewer_id": "r1", "name": "r1", "org_id": "xg", "conflicts": []}])
    review.submit_review(session, Caller("r1", "r1", ("judge",), None), n.id, 88, None)
    close(session, c)
    review.shortlist(session, FED, c.id, 3)
    notice.open_public_notice(session, FED, c.id, 7, None)
    objection = notice.file_objection(session, XG, n.id, "未完成6场活动")
    notice.resolve_objection(session, FED, objection.id, True, "异议成立")
    assert session.get(Nomination, n.id).status == "withdrawn"
    session.get(Cycle, c.id).notice_ends_at = utcnow() - timedelta(seconds=1)
    assert notice.finalize(session, FED, c.id)["granted"] == 0


def test_a_review_counts_only_while_its_reviewer_sits_on_the_panel_unrecused(session):
    c = cycle(session, "golden_ribbon", ("outstanding_work",), quota=5)
    first, second, third = (nominate(session, c, None, kind="work", category="outstanding_work") for _ in range(3))
    seat = lambda rid, org_id="xg", conflicts=(): {"reviewer_id": rid, "name": rid, "org_id": org_id,  # noqa: E731
                                                   "conflicts": list(conflicts)}
    review.set_reviewers(session, FED, c.id, [seat("r1"), seat("r2"), seat("r3")])
    r1, r2, r3 = (Caller(r, r, ("judge",), None) for r in ("r1", "r2", "r3"))
    review.submit_review(session, r1, first.id, 100, None)
    review.submit_review(session, r2, second.id, 95, None)
    review.submit_review(session, r3, third.id, 60, None)
    # r1 declares a conflict with the first after scoring it, r2 is taken off the panel
    review.set_reviewers(session, FED, c.id, [seat("r1", conflicts=[first.id]), seat("r3")])
    close(session, c)
    drawn = {i["nomination_id"]: i for i in review.shortlist(session, FED, c.id, 1)["items"]}
    assert [(drawn[n.id]["reviews"], drawn[n.id]["shortlisted"]) for n in (first, second, third)] == [
        (0, False), (0, False), (1, True)]


def test_a_revoked_designation_stays_revoked_when_an_older_event_is_replayed(session):
    designated = envelope("venue_designated", {"venue_id": "plain", "designation": "featured_base", "year": 2026})
    revoked = envelope("venue_designation_revoked", {"venue_id": "plain", "designation": "featured_base"})
    copies.apply_registry(session, designated)
    copies.apply_registry(session, revoked)
    copies.apply_registry(session, designated)  # a catch-up replaying the live stream
    assert session.get(VenueCopy, "plain").designations == []


def test_the_assessment_counts_the_districts_subtree_for_the_year(session):
    for i in range(3):
        copies.apply_events(session, completed(f"a{i}", "base-1", days_ago=1))
    copies.apply_talent(session, envelope("talent_admitted", {"id": "t1", "name": "王丽华", "org_id": "zs-1",
                                                              "field": "music", "tier": "backbone"}))
    year = (utcnow() - timedelta(days=1)).astimezone(PLATFORM_TZ).year  # the activities' year
    card = assessment.assessment(session, ZS, "zs", year)
    values = {i["indicator"]: i["value"] for i in card["items"]}
    assert (values["featured_bases"], values["talents"]) == (1, 1)
    with pytest.raises(Forbidden):
        assessment.assessment(session, XG, "zs", 2026)
    targets = assessment.programme_targets(session, None)
    assert {i["batch"]: i["value"] for i in targets["items"]}["featured_bases"] == 1
