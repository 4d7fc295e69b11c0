"""Nominations: an admin of the nominating organisation's subtree, inside the window, within the
quota per organisation; and eligibility, ruled from what the other services published (the copies).

The quota is held by the database: ``quota_counts`` is raised by a guarded UPDATE (``count <
quota``); when no row changes, the quota is reached. Parallel nominations of one organisation
queue on that row (PostgreSQL) or are serialised (SQLite), so the count is exact.

A nominee named by an id the service does not know is accepted but ineligible, with the reason.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.orm import Session

from services.common.auth import Caller
from services.common.clock import utcnow
from services.common.errors import Conflict, InvalidState, ValidationFailed
from services.common.pagination import Pager, cursor_time
from services.common.query import Prepared, dialect_insert

from .. import domain
from ..models import ActivityCopy, ActivityVenue, Cycle, GroupCopy, Nomination, Org, QuotaCount, TalentCopy, VenueCopy
from ..schemas import NominationOut
from .shared import OUTBOX, get_cycle, get_nomination, get_org, new_id

NOMINATION_OUT = NominationOut()


_QUOTA_ROW = Prepared(lambda dialect_name: dialect_insert(dialect_name)(QuotaCount).values(
    cycle_id=bindparam("cycle_id"), by_org_id=bindparam("by_org_id"), count=0).on_conflict_do_nothing())


def _take_quota(session: Session, cycle: Cycle, by_org_id: str) -> None:
    _QUOTA_ROW.execute(session, {"cycle_id": cycle.id, "by_org_id": by_org_id})
    taken = session.execute(update(QuotaCount).where(
        QuotaCount.cycle_id == cycle.id, QuotaCount.by_org_id == by_org_id,
        QuotaCount.count < cycle.quota_per_org).values(count=QuotaCount.count + 1)).rowcount
    if not taken:
        domain.check_quota(cycle.quota_per_org, cycle.quota_per_org, by_org_id)


def facts_for(session: Session, nominations: list[Nomination], close: datetime) -> dict[str, domain.Facts]:
    """Each nomination's facts, read from the copies in a few queries whatever their number."""
    refs = defaultdict(set)
    for n in nominations:
        if n.ref_id:
            refs[n.nominee_kind].add(n.ref_id)
    since = close - domain.LOOKBACK
    # Plain rows through the session's connection (its transaction; flushed first, as the session
    # would), not ORM rows: a shortlist reads ~10 activities per venue nominated. No query for a kind
    # no nomination names (nominate and eligibility name one).
    session.flush()
    conn = session.connection()
    venues, at_venue, under_brand = {}, defaultdict(list), defaultdict(list)
    groups, orgs, talents = set(), set(), {}
    if refs["venue"]:
        venues = {v.id: v for v in conn.execute(select(VenueCopy.id, VenueCopy.status, VenueCopy.designations)
                                                .where(VenueCopy.id.in_(refs["venue"])))}
        for venue_id, starts in conn.execute(select(ActivityVenue.venue_id, ActivityVenue.starts_at).where(
                ActivityVenue.venue_id.in_(refs["venue"]), ActivityVenue.starts_at >= since,
                ActivityVenue.starts_at < close)):
            at_venue[venue_id].append(starts)
    if refs["brand"]:
        for brand_id, starts in conn.execute(select(ActivityCopy.brand_id, ActivityCopy.starts_at).where(
                ActivityCopy.brand_id.in_(refs["brand"]))):
            under_brand[brand_id].append(starts)
    if refs["group"]:
        groups = set(conn.scalars(select(GroupCopy.id).where(GroupCopy.id.in_(refs["group"]))))
    if refs["org"]:
        orgs = set(conn.scalars(select(Org.id).where(Org.id.in_(refs["org"]))))
    if refs["talent"]:
        talents = dict(conn.execute(select(TalentCopy.id, TalentCopy.tier)
                                    .where(TalentCopy.id.in_(refs["talent"]))).all())
    facts = {}
    for n in nominations:
        ref = n.ref_id
        if n.nominee_kind == "venue" and ref in venues:
            v = venues[ref]
            facts[n.id] = domain.Facts(True, v.status, frozenset(v.designations), tuple(at_venue[ref]))
        elif n.nominee_kind == "brand":
            facts[n.id] = domain.Facts(bool(under_brand.get(ref)), completed=tuple(under_brand.get(ref, ())))
        elif n.nominee_kind == "talent":
            facts[n.id] = domain.Facts(ref in talents, tier=talents.get(ref))
        else:
            facts[n.id] = domain.Facts(ref in groups if n.nominee_kind == "group" else ref in orgs)
    return facts


def rule(cycle: Cycle, nomination: Nomination, facts: domain.Facts) -> tuple[bool, list[domain.Rule]]:
    return domain.eligibility(cycle.programme, nomination.category, nomination.nominee_kind, nomination.ref_id,
                              facts, cycle.nominations_close_at)


def reasons(rules: list[domain.Rule]) -> list[dict]:
    return [{"rule": r.rule, "passed": r.passed, "detail": r.detail} for r in rules]


def announce_ineligible(session: Session, nomination: Nomination) -> None:
    OUTBOX.emit(session, "nomination_ruled_ineligible", nomination.id, {
        "nomination_id": nomination.id, "cycle_id": nomination.cycle_id,
        "reasons": [r["detail"] for r in nomination.reasons if not r["passed"]]})


def nominate(session: Session, caller: Caller, cycle_id: str, data: dict) -> Nomination:
    cycle = get_cycle(session, cycle_id, sharing=True)
    now = utcnow()
    domain.check_window(now, cycle.nominations_open_at, cycle.nominations_close_at)
    if cycle.status != "open":
        raise InvalidState(f"the cycle is {cycle.status}: it takes no more nominations")
    if data["category"] not in cycle.categories:
        raise ValidationFailed({"category": [f"this cycle's categories are {', '.join(cycle.categories)}"]})
    nominee = data["nominee"]
    domain.check_nominee_kind(cycle.programme, data["category"], nominee["kind"])
    by_org = get_org(session, data["by_org_id"])
    caller.require_org(by_org.ancestors)
    if nominee["ref_id"] is not None and session.scalar(select(Nomination.id).where(
            Nomination.cycle_id == cycle.id, Nomination.category == data["category"],
            Nomination.nominee_kind == nominee["kind"], Nomination.ref_id == nominee["ref_id"])):
        raise Conflict(f"{nominee['kind']} {nominee['ref_id']} is already nominated in {data['category']}")
    _take_quota(session, cycle, by_org.id)
    nomination = Nomination(id=new_id(), cycle_id=cycle.id, category=data["category"], nominee_kind=nominee["kind"],
                            ref_id=nominee["ref_id"], nominee_name=nominee["name"], by_org_id=by_org.id,
                            by_org_path=by_org.path, statement=data["statement"], status="submitted",
                            submitted_at=now, submitted_by=caller.sub)
    eligible, rules = rule(cycle, nomination, facts_for(session, [nomination], cycle.nominations_close_at)[nomination.id])
    nomination.eligible, nomination.reasons = eligible, reasons(rules)
    session.add(nomination)
    session.flush()
    OUTBOX.emit(session, "nomination_submitted", nomination.id, {
        "nomination_id": nomination.id, "cycle_id": cycle.id, "programme": cycle.programme,
        "category": nomination.category, "nominee": {"kind": nominee["kind"], "ref_id": nominee["ref_id"],
                                                     "name": nominee["name"]},
        "by_org_id": by_org.id, "eligible": eligible})
    if not eligible:
        announce_ineligible(session, nomination)
    return nomination


def eligibility(session: Session, nomination_id: str) -> dict:
    """Every rule checked against what the copies hold now (once shortlisted, the ruling stands)."""
    nomination = get_nomination(session, nomination_id)
    if nomination.status != "submitted":
        return {"nomination_id": nomination.id, "eligible": nomination.eligible, "reasons": nomination.reasons}
    cycle = get_cycle(session, nomination.cycle_id)
    eligible, rules = rule(cycle, nomination, facts_for(session, [nomination], cycle.nominations_close_at)[nomination.id])
    return {"nomination_id": nomination.id, "eligible": eligible, "reasons": reasons(rules)}


def list_nominations(session: Session, cycle_id: str, filters: dict) -> dict:
    get_cycle(session, cycle_id)
    stmt = select(Nomination).where(and_(Nomination.cycle_id == cycle_id,
                                         *[getattr(Nomination, k) == filters[k] for k in ("category", "status")
                                           if k in filters]))
    pager = Pager("list_nominations", {**filters, "cycle_id": cycle_id}, str, str,
                  convert=lambda key: [cursor_time(key[0]), key[1]])
    rows = pager.rows(session, stmt, Nomination.submitted_at, Nomination.id)
    return pager.page(rows, lambda n: [n.submitted_at.isoformat(), n.id], NOMINATION_OUT.dump)
