"""Seeds the events demo once: ``python -m services.events.seed [--url URL]``.

The programme's named activity brands, a Mobile Lecture Hall catalogue, and a season of activities
across the districts' venues: some completed in the past weeks (with registrations and
check-ins, so the participation report has figures), some published for the coming weeks, a
Culture Express tour. Needs the registry running: it first fills this service's copy of the
registry from ``events_since``. Writes through the use cases, so every row gets its events.
Does nothing when the events database already has brands.
"""
from __future__ import annotations

import services.common  # noqa: F401

import logging
import random
from datetime import datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.common import seeding
from services.common.auth import Caller
from services.common.follower import apply_log

from . import domain
from . import registry_copy
from .usecases import activities, lectures, registrations, tours
from .usecases.brands import create_brand
from .models import Brand, Org, Venue

log = logging.getLogger("events.seed")

BRANDS = [
    ("五月歌会", "职工群众性歌咏活动，每年五月举办"),
    ("文化快车企业行", "文艺演出小分队走进企业、车间、工地"),
    ("职工流动大讲堂", "订单自选、送课上门、免费授课"),
    ("读书节", "职工读书月、读书征文与分享会"),
    ("体育节", "职工运动会与趣味体育比赛"),
    ("职工征文", "职工文学作品征集评选"),
    ("演讲比赛", "职工主题演讲比赛"),
    ("春节", "迎新春职工文艺活动"), ("元宵", "元宵节灯谜会与民俗展示"),
    ("端午", "端午节民俗活动"), ("中秋", "中秋节职工联欢"),
]
LECTURES = [
    ("劳动法律法规与职工权益保护", ("lec-wang", "王建国"), 90, "general", 800),
    ("职工心理健康与压力管理", ("lec-li", "李晓梅"), 120, "general", 1000),
    ("合唱基础与发声训练", ("lec-zhao", "赵文华"), 90, "music", 600),
    ("书法入门：楷书基本笔画", ("lec-sun", "孙墨林"), 120, "calligraphy", 600),
    ("手机摄影技巧", ("lec-zhou", "周光明"), 90, "photography", 500),
    ("大连地方文化与曲艺欣赏", ("lec-qian", "钱玉珍"), 90, "quyi", 700),
]
KINDS_BY_BRAND = {"五月歌会": "performance", "读书节": "exchange", "体育节": "competition",
                  "职工征文": "competition", "演讲比赛": "competition", "春节": "performance",
                  "元宵": "exhibition", "端午": "exhibition", "中秋": "performance"}


def _slot(venue: Venue, day: datetime, hours: float):
    """A slot of ``hours`` on ``day`` inside the venue's opening hours (2 pm when it can), or None."""
    midnight = datetime.combine(day.date(), time(0, 0), tzinfo=domain.LOCAL)
    for start, end in venue.opening_hours.get(domain.DAYS[day.weekday()], []):
        opens = midnight + timedelta(hours=int(start[:2]), minutes=int(start[3:]))
        closes = midnight + timedelta(hours=int(end[:2]), minutes=int(end[3:]))
        afternoon = max(opens, midnight + timedelta(hours=14))
        begin = afternoon if afternoon + timedelta(hours=hours) <= closes else opens
        if begin + timedelta(hours=hours) <= closes:
            return begin, begin + timedelta(hours=hours)
    return None


def seed(session: Session, fetch) -> dict:
    if session.scalar(select(func.count()).select_from(Brand)):
        return {}
    apply_log(session, fetch, registry_copy.apply, registry_copy.TYPES)  # the copy, before the service runs
    root = session.scalars(select(Org).where(Org.parent_id.is_(None))).first()
    if root is None:
        raise SystemExit("the registry has no organisations yet: seed the registry first")
    admin = Caller("seed", "demo seed", ("federation_admin",), root.id)
    brands = {name: create_brand(session, {"name": name, "description": text}) for name, text in BRANDS}
    for topic, (lid, lname), minutes, field, cost in LECTURES:
        lectures.add_lecture(session, {"topic": topic, "lecturer": {"id": lid, "name": lname}, "duration_minutes": minutes,
                                 "field": field, "federation_cost": cost, "description": None})
    rng = random.Random(2026)
    venues = session.scalars(select(Venue).where(Venue.status == "open").order_by(Venue.name)).all()
    today = datetime.now(domain.LOCAL).replace(hour=0, minute=0, second=0, microsecond=0)
    counts = {"activities": 0, "registrations": 0}
    for i, venue in enumerate(venues[:24]):
        if not venue.spaces:
            continue
        space = max(venue.spaces, key=lambda s: s.capacity)
        brand = list(KINDS_BY_BRAND)[i % len(KINDS_BY_BRAND)]
        for offset in (-14 - i % 7, 7 + i % 21):  # one held in the past weeks, one coming
            day = today + timedelta(days=offset)
            slot = _slot(venue, day, 2) or _slot(venue, day + timedelta(days=1), 2)
            if slot is None:
                continue
            activity = activities.schedule_activity(session, admin, {
                "title": f"{brand}·{venue.name}", "brand_id": brands[brand].id, "kind": KINDS_BY_BRAND[brand],
                "org_id": venue.org_id, "capacity": min(space.capacity, 200),
                "audience": {"open": True, "org_id": None},
                "bookings": [{"venue_id": venue.id, "space_id": space.id, "starts_at": slot[0], "ends_at": slot[1]}]})
            activities.publish_activity(session, admin, activity.id)
            counts["activities"] += 1
            if offset > 0:
                continue
            workers = [{"id": f"demo-{venue.district}-{n}", "name": f"职工{n}", "org_id": venue.org_id}
                       for n in range(rng.randint(8, 30))]
            for worker in workers:
                registrations.register(session, admin, activity.id, worker)
            # A past activity is registered, run and completed as if it had happened then.
            for worker in workers[: int(len(workers) * rng.uniform(0.6, 0.95))]:
                registrations.check_in(session, admin, activity.id, worker["id"])
            activities.start_activity(session, admin, activity.id)
            activities.complete_activity(session, admin, activity.id)
            counts["registrations"] += len(workers)
    centres = [v for v in venues if v.type == "enterprise_centre" and v.spaces][:3]
    if len(centres) == 3:
        stops, day = [], today + timedelta(days=10)
        for venue in centres:
            slot = None
            while slot is None:
                day += timedelta(days=1)
                slot = _slot(venue, day, 2)
            stops.append({"org_id": venue.org_id, "venue_id": venue.id, "space_id": venue.spaces[0].id,
                          "starts_at": slot[0], "ends_at": slot[1]})
        tours.create_tour(session, admin, {"title": "文化快车企业行", "brand_id": brands["文化快车企业行"].id,
                                        "stops": stops})
        counts["tours"] = 1
    counts["brands"], counts["lectures"] = len(BRANDS), len(LECTURES)
    return counts


def main(argv=None) -> None:
    seeding.main("events", __doc__, lambda session, rpc: seed(session, rpc.registry.events_since), argv)


if __name__ == "__main__":
    main()
