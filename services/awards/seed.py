"""Seeds the awards demo once: ``python -m services.awards.seed [--url URL]``.

Last year's Golden Ribbon 金纽带 cycle, finalized with its results: an outstanding team (a group),
an outstanding individual (a talent of the pool) and an outstanding organisation, nominated,
reviewed, shortlisted, publicly noticed and granted (the ``award_granted`` events go out when awards
runs: registry then designates the team, talent raises the tier). This year's demonstration-base
cycle, open for nominations, with the featured bases nominated so far. Needs registry, events and
talent running (this service's copies of them). Writes through the use cases, then dates last
year's cycle back to when it ran. Does nothing when the awards database already has a cycle.
"""
from __future__ import annotations

import services.common  # noqa: F401

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.common import seeding
from services.common.auth import Caller
from services.common.clock import PLATFORM_TZ, to_wire, utcnow
from services.common.follower import apply_log

from . import copies
from . import schemas as s
from .models import Cycle, GroupCopy, Org, TalentCopy, VenueCopy
from .usecases import cycles, nominations, notice, review

REVIEWERS = [("reviewer-liu", "刘评委"), ("reviewer-he", "何评委"), ("reviewer-lin", "林评委")]


def _cycle(session, admin, programme, categories, year, closes_in):
    now = utcnow()
    return cycles.open_cycle(session, admin, s.CycleInput().load({
        "programme": programme, "year": year, "categories": categories, "quota_per_org": 5,
        "nominations_open_at": to_wire(now - timedelta(days=1)), "nominations_close_at": to_wire(now + closes_in)}))


def _nominate(session, admin, cycle, category, kind, ref_id, name, by_org_id):
    return nominations.nominate(session, admin, cycle.id, s.NominationInput().load({
        "category": category, "nominee": {"kind": kind, "ref_id": ref_id, "name": name}, "by_org_id": by_org_id,
        "statement": f"{name}：扎根基层、服务职工，成绩突出。"}))


def seed(session: Session, fetch: dict) -> dict:
    if session.scalar(select(func.count()).select_from(Cycle)):
        return {}
    for source, apply, types in (("registry", copies.apply_registry, copies.REGISTRY_TYPES),
                                 ("events", copies.apply_events, copies.EVENTS_TYPES),
                                 ("talent", copies.apply_talent, copies.TALENT_TYPES)):
        apply_log(session, fetch[source], apply, types)  # the copies, before the service runs
    root = session.scalars(select(Org).where(Org.parent_id.is_(None))).first()
    if root is None:
        raise SystemExit("the registry has no organisations yet: seed the registry first")
    admin = Caller("seed", "demo seed", ("federation_admin",), root.id)
    districts = session.scalars(select(Org).where(Org.kind == "district").order_by(Org.name)).all()
    year = utcnow().astimezone(PLATFORM_TZ).year

    # Last year's Golden Ribbon, from nomination to results.
    ribbon = _cycle(session, admin, "golden_ribbon",
                    ["outstanding_team", "outstanding_individual", "outstanding_organisation"], year - 1,
                    timedelta(hours=1))
    entered = []
    group = session.scalars(select(GroupCopy).order_by(GroupCopy.name)).first()
    talent = session.scalars(select(TalentCopy).order_by(TalentCopy.name)).first()
    if group is not None:
        entered.append(_nominate(session, admin, ribbon, "outstanding_team", "group", group.id, group.name, root.id))
    if talent is not None:
        entered.append(_nominate(session, admin, ribbon, "outstanding_individual", "talent", talent.id, talent.name,
                                 root.id))
    for district in districts[:2]:
        entered.append(_nominate(session, admin, ribbon, "outstanding_organisation", "org", district.id, district.name,
                                 root.id))
    review.set_reviewers(session, admin, ribbon.id, [{"reviewer_id": r, "name": n, "org_id": None, "conflicts": []}
                                                     for r, n in REVIEWERS])
    for i, (reviewer_id, name) in enumerate(REVIEWERS):
        for j, nomination in enumerate(entered):
            review.submit_review(session, Caller(reviewer_id, name, ("judge",), None), nomination.id,
                                 80 + (i + 3 * j) % 15, None)
    ribbon.nominations_close_at = utcnow() - timedelta(seconds=1)
    review.shortlist(session, admin, ribbon.id, 1)
    notice.open_public_notice(session, admin, ribbon.id, 7, utcnow() - timedelta(days=20))
    granted = notice.finalize(session, admin, ribbon.id)["granted"]
    ribbon.nominations_open_at -= timedelta(days=60)  # as it ran: nominations closed before the notice
    ribbon.nominations_close_at -= timedelta(days=30)

    # This year's demonstration-base selection, open for nominations.
    bases = _cycle(session, admin, "demonstration_base", ["demonstration_base"], year, timedelta(days=30))
    featured = [v for v in session.scalars(select(VenueCopy).order_by(VenueCopy.name)) if "featured_base" in v.designations]
    for venue in featured[:4]:
        _nominate(session, admin, bases, "demonstration_base", "venue", venue.id, venue.name, venue.org_id)
    return {"cycles": 2, "nominations": len(entered) + min(4, len(featured)), "granted": granted}


def main(argv=None) -> None:
    seeding.main("awards", __doc__, lambda session, rpc: seed(session, {
        "registry": rpc.registry.events_since, "events": rpc.events.events_since,
        "talent": rpc.talent.events_since}), argv)


if __name__ == "__main__":
    main()
