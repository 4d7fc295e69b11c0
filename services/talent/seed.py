"""Seeds the talent demo once: ``python -m services.talent.seed [--url URL]``.

Last year's campaign, finished: music and calligraphy candidates from the grassroots unions through
all three channels, screened, judged in two rounds (初赛 top 3 per field, 决赛 top 2 with z-scores)
by panels of five, the finalists trained, their showcase requested (the events service answers it
once talent runs) and admitted to the talent pool. This year's campaign, open for nominations, with
its first nominations. Needs the registry running (this service's copy of the organisation tree,
and a venue for the showcase). Writes through the use cases, so every change has its event. Does
nothing when the talent database already has a campaign.
"""
from __future__ import annotations

import services.common  # noqa: F401

import logging
import random
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.common import seeding
from services.common.auth import Caller
from services.common.clock import PLATFORM_TZ, utcnow
from services.common.follower import apply_log

from . import registry_copy
from . import schemas as s
from .models import Campaign, Org
from .usecases import campaigns, candidates, judging, pool, showcases

log = logging.getLogger("talent.seed")

PEOPLE = ["王丽华", "张建国", "李秀英", "刘志强", "陈晓燕", "杨海波", "赵雪梅", "黄国庆", "周玉兰", "吴宏伟",
          "徐春花", "孙立军", "马秀兰", "朱德明", "胡桂芝", "郭振华"]
JUDGES = [("judge-song", "宋教授"), ("judge-han", "韩老师"), ("judge-feng", "冯研究员"), ("judge-cao", "曹主任"),
          ("judge-deng", "邓先生")]
ROUNDS = [{"name": "初赛", "criteria": [{"name": "technique", "weight": 40}, {"name": "expression", "weight": 30},
                                       {"name": "originality", "weight": 30}], "advance": {"top": 3}},
          {"name": "决赛", "criteria": [{"name": "technique", "weight": 50}, {"name": "expression", "weight": 50}],
           "advance": {"top": 2}, "normalise": "zscore"}]
CHANNELS = ("recommendation", "self", "audition")


def _campaign(session, admin, name, year, closes_at):
    return campaigns.open_campaign(session, admin, s.CampaignInput().load({
        "name": name, "year": year, "fields": ["music", "calligraphy"], "rounds": ROUNDS,
        "nominations_close_at": closes_at.isoformat()}))


def _nominate(session, admin, campaign, units, people, rng) -> list:
    entered = []
    for i, name in enumerate(people):
        unit = units[i % len(units)]
        channel = CHANNELS[i % 3]
        data = s.NominationInput().load({
            "channel": channel, "field": ("music", "calligraphy")[i % 2], "works": [f"{name}的作品"],
            "person": {"worker_id": f"demo-worker-{campaign.year}-{i}", "name": name, "org_id": unit.id},
            **({"recommended_by_org_id": unit.id} if channel == "recommendation" else {})})
        entered.append(candidates.nominate(session, admin, campaign.id, data))
    rng.shuffle(entered)
    return entered


def _judge(session, campaign, number, rng) -> None:
    people = judging.entrants(session, campaign.rounds[number - 1])
    talent = {c.id: rng.randint(0, 20) for c in people}  # how good each one is, as the judges hear it
    for judge_id, name in JUDGES:
        judge = Caller(judge_id, name, ("judge",), None)
        for candidate in people:
            flair = talent[candidate.id]
            scores = {c["name"]: min(100, 60 + flair + rng.randint(0, 20)) for c in ROUNDS[number - 1]["criteria"]}
            judging.submit_score(session, judge, campaign.id, number, candidate.id, scores)


def seed(session: Session, fetch_registry, find_venue) -> dict:
    if session.scalar(select(func.count()).select_from(Campaign)):
        return {}
    apply_log(session, fetch_registry, registry_copy.apply, registry_copy.TYPES)  # the tree, before the service runs
    root = session.scalars(select(Org).where(Org.parent_id.is_(None))).first()
    units = session.scalars(select(Org).where(Org.kind == "grassroots").order_by(Org.name)).all()
    if root is None or not units:
        raise SystemExit("the registry has no organisations yet: seed the registry first")
    admin = Caller("seed", "demo seed", ("federation_admin",), root.id)
    rng = random.Random(2026)
    year = datetime.now(PLATFORM_TZ).year

    # Last year's campaign, from nomination to the pool.
    done = _campaign(session, admin, f"{year - 1}年职工文艺人才选秀", year - 1, utcnow() + timedelta(days=1))
    entered = _nominate(session, admin, done, units, PEOPLE, rng)
    for i, candidate in enumerate(entered):
        candidates.screen(session, admin, candidate.id, i != 0, None if i else "非工会会员")
    for number in (1, 2):
        campaigns.set_panel(session, admin, done.id, number, [
            {"judge_id": j, "name": n, "org_id": None, "conflicts": []} for j, n in JUDGES])
        _judge(session, done, number, rng)
        judging.close_round(session, admin, done.id, number)
    done.nominations_close_at = utcnow() - timedelta(days=300)  # as it was: closed long ago
    finalists = [c for c in entered if c.status == "finalist"]
    for candidate in finalists:
        showcases.record_training(session, admin, candidate.id, {"title": "集中培训（一周）", "hours": 40, "note": None})
    venue = find_venue()
    if venue is not None:
        day = (datetime.now(PLATFORM_TZ) + timedelta(days=21)).replace(hour=19, minute=0, second=0, microsecond=0)
        showcases.request_showcase(session, admin, done.id, {
            "venue_id": venue["id"], "space_id": venue["space_id"], "starts_at": day,
            "ends_at": day + timedelta(hours=2), "candidate_ids": [c.id for c in finalists]})
    tiers = ("backbone", "top_talent")
    for i, candidate in enumerate(finalists):
        pool.admit_to_pool(session, admin, candidate.id, tiers[i % 2],
                           {"achievements": [f"{year - 1}年职工文艺人才选秀决赛优胜"], "volunteer": i % 2 == 0})

    # This year's campaign, open for nominations.
    open_now = _campaign(session, admin, f"{year}年职工文艺人才选秀", year, utcnow() + timedelta(days=60))
    fresh = _nominate(session, admin, open_now, units, PEOPLE[:6], rng)
    return {"campaigns": 2, "candidates": len(entered) + len(fresh), "talents": len(finalists),
            "showcases": 1 if venue is not None else 0}


def _palace_hall(rpc) -> dict | None:
    """The city's workers' cultural palace and its largest space, from the registry."""
    found = rpc.registry.search_venues({"type": "palace", "status": "open", "limit": 1})["items"]
    if not found or not found[0]["spaces"]:
        return None
    hall = max(found[0]["spaces"], key=lambda space: space["capacity"])
    return {"id": found[0]["id"], "space_id": hall["id"]}


def main(argv=None) -> None:
    seeding.main("talent", __doc__, lambda session, rpc: seed(session, rpc.registry.events_since,
                                                             lambda: _palace_hall(rpc)), argv)


if __name__ == "__main__":
    main()
