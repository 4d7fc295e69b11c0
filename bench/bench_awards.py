#!/usr/bin/env python
"""Awards benchmark: eligibility and the shortlist at 10,000 nominations x 5 reviewers, and nominate throughput.

How long ``awards.eligibility`` (one nomination, per call) and ``awards.shortlist`` (one call over a
cycle of ``--nominations`` nominations, each reviewed by ``--reviewers`` reviewers) take inside the
service, on SQLite and PostgreSQL; and ``awards.nominate`` calls/s with ``--concurrency`` callers,
beside a bare nameko echo in the same run.

    .venv/bin/python bench/bench_awards.py [--backend sqlite|postgres|both] [--nominations 10000]
                                           [--reviewers 5] [--programmes golden_ribbon,demonstration_base,
                                           activity_brand] [--top-n 50] [--eligibility-per-kind 50]
                                           [--seconds 10] [--concurrency 8] [--profile]

What it does (figures only; it never asserts a timing):

1. environment: CPUs, Python, nameko, SQLite/PostgreSQL/RabbitMQ versions, date, load average, and
   a warning when other benchmarks or test runs share the machine;
2. a throwaway RabbitMQ vhost (management API, else ``rabbitmqctl``), deleted at the end;
3. per backend, a throwaway awards database (a SQLite file in a temp dir, or a fresh PostgreSQL
   database ``bench_<random>``, dropped at the end), migrated with ``services.common.migrate``;
4. the copies, straight into the tables through the models' tables (SQLAlchemy core, batches of
   5,000; no registry, events or talent runs: awards' followers find no source and retry, idle):
   the organisation tree (a city federation, 10 district federations, ``--nominations`` / 25
   grassroots unions each: 400 at 10,000, so that every organisation nominated is a different one);
   ``--nominations`` venues (most open, ~45 % featured bases) with 0-12 completed activities each in
   the 12 months before the nominations closed and a few outside them; as many activity brands
   (85 % with 1-6 completed activities, at the venues); ``--nominations`` / 2 groups and as many
   talents (the pool);
5. per ``--programmes`` value, a cycle whose nominations closed on 2026-10-01 with
   ``--nominations`` nominations (golden_ribbon: its four categories, a work, a group, a talent
   and an organisation; demonstration_base: venues; activity_brand: brands; each nominee named
   once, a few by ids no copy knows), each ruled as ``nominate`` ruled it on what the copies held when it was submitted
   (activities completed later not yet counted), its ``--reviewers`` reviewers and one review by
   each of every nomination; then a few venues lose their featured_base designation or are
   suspended, so the shortlist's new ruling differs from the old for some (both ways). Seeded:
   every run and both backends load the same rows. PostgreSQL then gets an ``ANALYZE``, as
   autovacuum would;
6. the servers as subprocesses: ``python -m services.common.run awards`` (what ``make run``
   starts) and a bare nameko echo service (this script in ``--serve-echo`` mode); the client is
   this process;
7. ``eligibility`` over RPC, one caller, ``--eligibility-per-kind`` nominations of each nominee kind
   (venue, brand, group, talent, org, work) picked at random: p50/p95 of the round trip and the
   **server time** (the service's own ``culture_rpc_latency_seconds`` histogram, read before and
   after each kind: its mean, and p50/p95 interpolated in its buckets), and whether each answer is
   the ruling expected from the loaded copies; and how long a ``/metrics`` scrape takes;
8. ``shortlist`` over RPC, once per cycle: round trip, **server time** (the same histogram), the
   CPU each process used, a check of what it wrote (statuses, events) against what the loaded
   data implies, and a digest of it (nominations' status, eligibility, reasons, mean, rank; the
   events; the reply), identical on both backends and across code changes that keep behaviour;
   then the time the outbox relay takes to publish the events;
9. throughput: calls/s for ``bench_echo.echo`` (nominate's payload) and ``awards.nominate``
   (``--concurrency`` callers, a federation admin each nominating for its own grassroots unions, a
   loaded venue not yet nominated each call, into an open demonstration_base cycle with a quota of
   1,000) for
   ``--seconds`` each, with the server time per call and the CPU per call by process;
10. ``--in-process`` (default on): the shortlist of one more loaded cycle (of
    ``--in-process-programme``, default demonstration_base, the heaviest: a venue's facts are its
    completed activities), as the service's worker runs it, in this process
    (``usecases.review.shortlist`` + commit, no RPC), every statement timed and each function it
    calls (facts, rules, reviews counted, ranking, the bulk write) timed as a whole: where the server
    time goes; ``--profile`` adds cProfile's top functions.

``--json FILE`` also writes every figure as JSON.
"""
from __future__ import annotations

import boot  # noqa: F401  (first: the project on sys.path, eventlet monkey-patched; bench/boot.py)

import argparse
import hashlib
import json
import random
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from common import (
    PostgresDatabases, Server, add_run_args, add_throughput_args, analyse, bench_parser, end_backend, free_port,
    load_org_tree, migrated_databases, note, outbox_seq, parse_args, run_benchmark, seeded_uuid, start_service,
    wait_outbox_sent)
from measure import Timers, rpc_client, rpc_latency_histogram, rss_mb, run_in_process, throughput, timed_call
from report import (
    histogram_quantile, ms, percentile, print_cpu_used, print_outcomes, print_statement_kinds, print_throughput,
    print_throughput_summary, say, secs, table)

JWT_SECRET = "bench-awards-secret-" + uuid.uuid4().hex
FED_SUB = "bench-fed"
BATCH = 5000
# The loaded cycles' nominations closed at a fixed instant (in the past), so that what a shortlist
# writes (its reasons name the 12 months before the close) is the same on every run.
CLOSE = datetime(2026, 10, 1, tzinfo=timezone.utc)
OPEN = CLOSE - timedelta(days=61)
LOOKBACK = timedelta(days=365)
# programme -> [(category, nominee kind)], the categories in the cycle's order
PROGRAMMES = {
    "golden_ribbon": [("outstanding_work", "work"), ("outstanding_team", "group"),
                      ("outstanding_individual", "talent"), ("outstanding_organisation", "org")],
    "demonstration_base": [("demonstration_base", "venue")],
    "activity_brand": [("activity_brand", "brand")],
}
KINDS = ("venue", "brand", "group", "talent", "org", "work")
TIERS = ("backbone", "top_talent", "leading_figure")


def _load(url: str, tables: list[tuple]) -> float:
    """Inserts the rows of each ``(table, rows)`` in turn (SQLAlchemy core, batches of ``BATCH``);
    the seconds it took."""
    from sqlalchemy import insert

    from services.common.db import make_engine

    started = time.perf_counter()
    engine = make_engine(url)
    try:
        for table, rows in tables:
            for b0 in range(0, len(rows), BATCH):
                with engine.begin() as conn:
                    conn.execute(insert(table), rows[b0:b0 + BATCH])
    finally:
        engine.dispose()
    return time.perf_counter() - started


# --------------------------------------------------------------------------------------------
# the copies: venues, activities, brands, groups, talents (orgs: common.load_org_tree)
# --------------------------------------------------------------------------------------------

def make_world(orgs: dict, n: int, seed: int) -> dict:
    """The copies' rows, and what a ruling needs to know of each nominee, in memory.

    ``completed[venue or brand id]``: the start of each completed activity; ``venue_then``: each
    venue's status and designations when the nominations were made (``venues`` rows hold them now:
    a few designations revoked, a few venues suspended since)."""
    rng = random.Random(f"{seed}:world")
    owners = orgs["grassroots"] + orgs["districts"]
    venues, venue_then, completed = [], {}, {}
    for i in range(n):
        owner = rng.choice(owners)
        vid = seeded_uuid(rng)
        status = rng.choices(("open", "suspended", "closed"), (92, 4, 4))[0]
        designations = []
        if rng.random() < 0.45:
            designations = ["demonstration_base", "featured_base"] if rng.random() < 0.03 else ["featured_base"]
        venue_then[vid] = (status, tuple(designations))
        drift = rng.random()
        if drift < 0.03 and "featured_base" in designations:
            designations = [d for d in designations if d != "featured_base"]  # revoked since
        elif drift > 0.98 and status == "open":
            status = "suspended"
        venues.append({"id": vid, "name": f"{owner['district']}职工文化阵地{i + 1}", "org_id": owner["id"],
                       "status": status, "designations": designations, "seq": 1})
        completed[vid] = []
    activities, activity_venues = [], []

    def activity(venue: dict, brand_id: str | None, starts: datetime) -> None:
        aid = seeded_uuid(rng)
        activities.append({"id": aid, "org_id": venue["org_id"], "brand_id": brand_id, "venue_ids": [venue["id"]],
                           "starts_at": starts, "checked_in": rng.randrange(10, 300)})
        activity_venues.append({"activity_id": aid, "venue_id": venue["id"], "starts_at": starts})
        completed[venue["id"]].append(starts)
        if brand_id:
            completed[brand_id].append(starts)

    def when(inside: bool) -> datetime:
        if inside:  # the 12 months before the close
            return CLOSE - LOOKBACK + timedelta(seconds=rng.randrange(0, int(LOOKBACK.total_seconds())))
        if rng.random() < 0.5:  # the year before that
            return CLOSE - 2 * LOOKBACK + timedelta(seconds=rng.randrange(0, int(LOOKBACK.total_seconds())))
        return CLOSE + timedelta(seconds=rng.randrange(0, 45 * 86400))  # after the close

    for v in venues:
        for _ in range(rng.randint(0, 12)):
            activity(v, None, when(True))
        for _ in range(rng.randint(0, 2)):
            activity(v, None, when(False))
    brands = []
    for _ in range(n):
        bid = seeded_uuid(rng)
        brands.append(bid)
        completed[bid] = []
        if rng.random() < 0.85:  # the others never held a completed activity: unknown to awards
            for _ in range(rng.randint(1, 6)):
                activity(rng.choice(venues), bid, when(True))
            for _ in range(rng.randint(0, 1)):
                activity(rng.choice(venues), bid, when(False))
    groups = []
    for i in range(max(1, n // 2)):
        owner = rng.choice(orgs["grassroots"])
        groups.append({"id": seeded_uuid(rng), "name": f"{owner['name'][:6]}职工艺术团{i + 1}", "org_id": owner["id"],
                       "designations": ["excellent_team"] if rng.random() < 0.1 else [], "seq": 1})
    talents = []
    for i in range(max(1, n // 2)):
        owner = rng.choice(orgs["grassroots"])
        talents.append({"id": seeded_uuid(rng), "name": f"职工人才{i + 1}", "org_id": owner["id"],
                        "field": rng.choice(("music", "dance", "drama", "fine_arts", "literature")),
                        "tier": rng.choices(TIERS, (70, 25, 5))[0], "seq": 1})
    return {"venues": venues, "venue_then": venue_then, "completed": completed, "brands": brands,
            "activities": activities, "activity_venues": activity_venues, "groups": groups, "talents": talents,
            "orgs": orgs}


def load_world(url: str, world: dict) -> float:
    from services.awards.models import ActivityCopy, ActivityVenue, GroupCopy, TalentCopy, VenueCopy

    return _load(url, [(VenueCopy.__table__, world["venues"]), (ActivityCopy.__table__, world["activities"]),
                       (ActivityVenue.__table__, world["activity_venues"]), (GroupCopy.__table__, world["groups"]),
                       (TalentCopy.__table__, world["talents"])])


# --------------------------------------------------------------------------------------------
# cycles, nominations, reviewers, reviews
# --------------------------------------------------------------------------------------------

def facts_of(world: dict, kind: str, ref: str | None, then: datetime | None):
    """A nominee's ``domain.Facts``: as the copies held them at ``then`` (a nomination's submission),
    or now (``None``)."""
    from services.awards import domain

    if kind == "venue":
        v = world["venue_by_id"].get(ref)
        if v is None:
            return domain.Facts(False)
        status, designations = world["venue_then"][ref] if then else (v["status"], tuple(v["designations"]))
        starts = tuple(t for t in world["completed"][ref] if then is None or t < then)
        return domain.Facts(True, status, frozenset(designations), starts)
    if kind == "brand":
        starts = tuple(t for t in world["completed"].get(ref, ()) if then is None or t < then)
        return domain.Facts(bool(starts), completed=starts)
    if kind == "talent":
        tier = world["tier_of"].get(ref)
        return domain.Facts(tier is not None, tier=tier)
    if kind == "group":
        return domain.Facts(ref in world["group_ids"])
    return domain.Facts(ref in world["org_ids"])  # org (a work: not asked)


def make_cycle(world: dict, programme: str, n: int, reviewers: int, seed: int, label: str,
               close: datetime = CLOSE, opens: datetime = OPEN, quota: int | None = None) -> dict:
    """A cycle of ``programme`` (nominations closed at ``close``), ``n`` nominations ruled as
    ``nominate`` ruled them, its reviewers and one review by each of every nomination (in memory)."""
    from services.awards import domain

    rng = random.Random(f"{seed}:{programme}:{label}")
    cycle_id = seeded_uuid(rng)
    categories = PROGRAMMES[programme]
    pool = {"venue": [v["id"] for v in world["venues"]], "brand": world["brands"],
            "group": [g["id"] for g in world["groups"]], "talent": [t["id"] for t in world["talents"]],
            "org": [o["id"] for o in world["orgs"]["grassroots"] + world["orgs"]["districts"]]}
    known_share = {"venue": 0.97, "brand": 1.0, "group": 0.95, "talent": 0.85, "org": 0.9}
    # A nominee is named once in a category of a cycle (uq_nominations_nominee): drawn without replacement.
    distinct = {k: rng.sample(v, len(v)) for k, v in pool.items()}
    drawn = dict.fromkeys(pool, 0)
    nominations, expected = [], {}
    counts: dict[str, int] = {}
    for i in range(n):
        category, kind = categories[i % len(categories)]
        by = rng.choice(world["orgs"]["grassroots"])
        counts[by["id"]] = counts.get(by["id"], 0) + 1
        if kind == "work":
            ref, name = None, f"职工文艺作品{i + 1}"
        elif rng.random() < known_share[kind]:
            if drawn[kind] >= len(distinct[kind]):
                raise SystemExit(f"more {kind} nominations than {kind}s in the copies ({len(distinct[kind])})")
            ref, drawn[kind] = distinct[kind][drawn[kind]], drawn[kind] + 1
            name = f"{kind}-{ref[:8]}"
        else:
            ref, name = seeded_uuid(rng), f"未知{kind}{i + 1}"
        submitted = opens + timedelta(seconds=rng.randrange(0, int((close - opens).total_seconds())))
        eligible_then, rules = domain.eligibility(programme, category, kind, ref,
                                                  facts_of(world, kind, ref, submitted), close)
        eligible_now, _ = domain.eligibility(programme, category, kind, ref, facts_of(world, kind, ref, None), close)
        nid = seeded_uuid(rng)
        expected[nid] = (eligible_then, eligible_now, kind)
        nominations.append({
            "id": nid, "cycle_id": cycle_id, "category": category, "nominee_kind": kind, "ref_id": ref,
            "nominee_name": name, "by_org_id": by["id"], "by_org_path": by["path"],
            "statement": f"{name}：" + "扎根基层，常年组织职工文化活动，成效显著。" * 8, "status": "submitted",
            "eligible": eligible_then,
            "reasons": [{"rule": r.rule, "passed": r.passed, "detail": r.detail} for r in rules],
            "mean": None, "rank": None, "submitted_at": submitted, "submitted_by": FED_SUB})
    panel = [{"cycle_id": cycle_id, "reviewer_id": f"reviewer-{k + 1}", "name": f"评审{k + 1}", "org_id": None,
              "org_path": None, "conflicts": []} for k in range(reviewers)]
    bias = [rng.gauss(0, 4) for _ in panel]
    reviews = []
    for nom in nominations:
        quality = rng.gauss(75, 8)
        for k, r in enumerate(panel):
            reviews.append({"nomination_id": nom["id"], "reviewer_id": r["reviewer_id"],
                            "score": int(min(100, max(0, round(rng.gauss(quality + bias[k], 6))))),
                            "comment": "材料翔实，事迹突出" if rng.random() < 0.1 else None, "submissions": 1,
                            "submitted_at": close + timedelta(seconds=rng.randrange(0, 20 * 86400))})
    cycle = {"id": cycle_id, "programme": programme, "year": close.year, "categories": [c for c, _ in categories],
             "nominations_open_at": opens, "nominations_close_at": close,
             "quota_per_org": quota or max(counts.values()) + 10, "status": "open", "top_n": None,
             "notice_starts_at": None, "notice_ends_at": None, "created_at": opens - timedelta(days=1),
             "finalized_at": None}
    quota_rows = [{"cycle_id": cycle_id, "by_org_id": o, "count": c} for o, c in counts.items()]
    return {"cycle": cycle, "nominations": nominations, "panel": panel, "reviews": reviews, "quota": quota_rows,
            "expected": expected, "programme": programme}


def load_cycle(url: str, c: dict) -> float:
    from services.awards.models import Cycle, Nomination, QuotaCount, Review, Reviewer

    return _load(url, [(Cycle.__table__, [c["cycle"]]), (QuotaCount.__table__, c["quota"]),
                       (Nomination.__table__, c["nominations"]), (Reviewer.__table__, c["panel"]),
                       (Review.__table__, c["reviews"])])


def index_world(world: dict) -> None:
    world["venue_by_id"] = {v["id"]: v for v in world["venues"]}
    world["tier_of"] = {t["id"]: t["tier"] for t in world["talents"]}
    world["group_ids"] = {g["id"] for g in world["groups"]}
    world["org_ids"] = {o["id"] for o in world["orgs"]["grassroots"] + world["orgs"]["districts"]} | {
        world["orgs"]["city"]}


# --------------------------------------------------------------------------------------------
# eligibility over RPC, one caller, the server time of every call
# --------------------------------------------------------------------------------------------

def eligibility_latency(amqp_uri: str, fed: str, cycles: list[dict], per_kind: int, port: int, seed: int) -> dict:
    """``per_kind`` random nominations of each kind, one call each, one caller. Server time: the
    service's histogram read before and after each kind (a ``/metrics`` scrape reads the awards
    figures from the database, too slow to take after every call at this size): its mean exactly,
    p50/p95 from the buckets."""
    rng = random.Random(f"{seed}:eligibility")
    by_kind: dict[str, list] = {}
    for c in cycles:
        for nid, (_, now, kind) in c["expected"].items():
            by_kind.setdefault(kind, []).append((nid, now))
    sample = {k: rng.sample(sorted(v), min(per_kind, len(v))) for k, v in by_kind.items()}
    out, scrapes, every_rt = {}, [], []
    with rpc_client(amqp_uri, fed, timeout=120) as p:
        p.awards.eligibility(sample[next(iter(sample))][0][0])  # warm-up: connection, reply queue, first query
        first = last = rpc_latency_histogram(port, "awards", "eligibility")
        scrapes.append(first["scrape_seconds"])
        for kind in KINDS:
            if kind not in sample:
                continue
            rts, eligible, wrong, errors = [], 0, [], 0
            for nid, expected_now in sample[kind]:
                t0 = time.perf_counter()
                try:
                    reply = p.awards.eligibility(nid)
                except Exception as exc:  # noqa: BLE001 - counted, shown
                    errors += 1
                    wrong.append(repr(exc)[:200])
                    reply = None
                rts.append(time.perf_counter() - t0)
                if reply is not None:
                    eligible += reply["eligible"]
                    if reply["eligible"] != expected_now:
                        wrong.append(f"{nid}: eligible {reply['eligible']}, expected {expected_now}")
            now = rpc_latency_histogram(port, "awards", "eligibility")
            scrapes.append(now["scrape_seconds"])
            every_rt.extend(rts)
            rts.sort()
            calls = now["count"] - last["count"]
            out[kind] = {"n": len(rts), "rt_p50": percentile(rts, 50), "rt_p95": percentile(rts, 95),
                         "rt_max": rts[-1], "server_mean": (now["sum"] - last["sum"]) / calls if calls else float("nan"),
                         "server_p50": histogram_quantile(0.5, last, now),
                         "server_p95": histogram_quantile(0.95, last, now), "eligible": eligible,
                         "errors": errors, "unexpected": wrong[:3], "unexpected_count": len(wrong)}
            last = now
    every_rt.sort()
    calls = last["count"] - first["count"]
    out["all"] = {"n": len(every_rt), "rt_p50": percentile(every_rt, 50), "rt_p95": percentile(every_rt, 95),
                  "rt_max": every_rt[-1], "server_mean": (last["sum"] - first["sum"]) / calls if calls else float("nan"),
                  "server_p50": histogram_quantile(0.5, first, last), "server_p95": histogram_quantile(0.95, first, last),
                  "eligible": sum(v["eligible"] for v in out.values()),
                  "errors": sum(v["errors"] for v in out.values()), "unexpected": [],
                  "unexpected_count": sum(v["unexpected_count"] for v in out.values())}
    return {"kinds": out, "scrape_seconds": scrapes}


# --------------------------------------------------------------------------------------------
# the shortlist over RPC, what it wrote, and a digest of it
# --------------------------------------------------------------------------------------------

def check_shortlist(url: str, c: dict, reply: dict | None, after_seq: int, top_n: int) -> dict:
    """What the shortlist wrote, against what the loaded data implies; a digest of it (nominations'
    status, eligibility, reasons, mean and rank by id; the events; the reply), the same on both
    backends for the same data."""
    from sqlalchemy import select

    from services.common.db import make_engine
    from services.awards.models import Cycle, Nomination, metadata

    outbox = metadata.tables["outbox"]
    cycle_id = c["cycle"]["id"]
    engine = make_engine(url)
    digest = hashlib.sha256()
    problems = []
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(Nomination.id, Nomination.status, Nomination.eligible, Nomination.reasons,
                                       Nomination.mean, Nomination.rank)
                                .where(Nomination.cycle_id == cycle_id).order_by(Nomination.id)).all()
            for r in rows:
                digest.update(json.dumps(list(r), ensure_ascii=False, sort_keys=True).encode())
            events = conn.execute(select(outbox.c.type, outbox.c.subject, outbox.c.envelope)
                                  .where(outbox.c.seq > after_seq).order_by(outbox.c.seq)).all()
            for e in events:
                digest.update(json.dumps([e.type, e.subject, e.envelope["data"]], sort_keys=True,
                                         ensure_ascii=False).encode())
            status, top = conn.execute(select(Cycle.status, Cycle.top_n).where(Cycle.id == cycle_id)).one()
    finally:
        engine.dispose()
    digest.update(json.dumps(reply, sort_keys=True, ensure_ascii=False).encode())
    statuses: dict[str, int] = {}
    for r in rows:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    by_type: dict[str, int] = {}
    for e in events:
        by_type[e.type] = by_type.get(e.type, 0) + 1
    expected = c["expected"]
    ineligible = sum(1 for _, now, _ in expected.values() if not now)
    newly = sum(1 for then, now, _ in expected.values() if then and not now)
    regained = sum(1 for then, now, _ in expected.values() if now and not then)
    if len(rows) != len(expected):
        problems.append(f"{len(rows)} nominations, {len(expected)} loaded")
    if statuses.get("ineligible", 0) != ineligible:
        problems.append(f"{statuses.get('ineligible', 0)} ineligible, expected {ineligible}")
    wrong = [r.id for r in rows if r.eligible != expected[r.id][1]]
    if wrong:
        problems.append(f"{len(wrong)} ruled otherwise than the copies imply (e.g. {wrong[0]})")
    shortlisted = statuses.get("shortlisted", 0)
    if shortlisted > top_n * len(c["cycle"]["categories"]):
        problems.append(f"{shortlisted} shortlisted: more than top {top_n} a category")
    want = {"nomination_ruled_ineligible": newly, "shortlist_published": 1}
    if by_type != {k: v for k, v in want.items() if v}:
        problems.append(f"events {by_type}, expected {want}")
    if (status, top) != ("shortlisted", top_n):
        problems.append(f"cycle {status}, top_n {top}")
    if reply is not None and len(reply["items"]) != len(expected):
        problems.append(f"{len(reply['items'])} items in the reply")
    return {"statuses": statuses, "events": by_type, "newly_ineligible": newly, "regained": regained,
            "digest": digest.hexdigest()[:16], "problems": problems}


def shortlist_cycle(backend: str, args, amqp_uri: str, url: str, fed: str, c: dict, port: int,
                    servers: dict[str, int], before: tuple[float, float] | None = None) -> dict:
    from services.awards.models import metadata

    outbox = metadata.tables["outbox"]
    seq0 = outbox_seq(url, outbox)
    note(f"{backend}: shortlist {c['programme']} over RPC")
    # ``before``: the histogram's (sum, count) when the previous shortlist was read (a scrape reads the
    # awards figures from the database: seconds at this size)
    res = timed_call(amqp_uri, fed, "awards", "shortlist", (c["cycle"]["id"], args.top_n), port, servers, before)
    res.pop("replied_at")
    res["reply_bytes"] = len(json.dumps(res["reply"], ensure_ascii=False)) if res["reply"] else 0
    note(f"{backend}: shortlist {c['programme']} took {res['round_trip']:.2f} s round trip, {res['server']:.2f} s "
         "server" + (f"; ERROR {res['error']}" if res["error"] else ""))
    drained = wait_outbox_sent(url, outbox)
    checked = check_shortlist(url, c, res["reply"], seq0, args.top_n) if not res["error"] else None
    res.pop("reply")
    return {"programme": c["programme"], "nominations": len(c["nominations"]), "reviews": len(c["reviews"]),
            **res, "relay_seconds": drained, "check": checked}


# --------------------------------------------------------------------------------------------
# nominate throughput
# --------------------------------------------------------------------------------------------

def nominate_payload(venue: dict, by_org_id: str) -> dict:
    return {"category": "demonstration_base", "nominee": {"kind": "venue", "ref_id": venue["id"], "name": venue["name"]},
            "by_org_id": by_org_id, "statement": f"{venue['name']}：" + "扎根基层，常年组织职工文化活动，成效显著。" * 8}


def nominate_throughput(backend: str, args, amqp_uri: str, url: str, fed: str, world: dict, port: int,
                        servers: dict[str, int]) -> dict:
    """``--concurrency`` callers (one federation admin token), caller ``k`` nominating for the
    grassroots unions ``k, k + concurrency, ...`` in turn, a loaded venue not yet nominated each call
    (in random order), into an open demonstration_base cycle (quota 1,000 per organisation)."""
    now = datetime.now(timezone.utc)
    c = make_cycle(world, "demonstration_base", 0, 0, args.seed, "nominate", close=now + timedelta(days=30),
                   opens=now - timedelta(days=1), quota=1000)
    load_cycle(url, c)
    venues = iter(random.Random(f"{args.seed}:nominate").sample(world["venues"], len(world["venues"])))
    grassroots = world["orgs"]["grassroots"]
    callers = iter(range(args.concurrency))

    def call(proxy):
        k = next(callers)
        mine = grassroots[k::args.concurrency] or grassroots
        turn = [0]

        def nominate():
            by = mine[turn[0] % len(mine)]["id"]
            turn[0] += 1
            venue = next(venues, None)  # a venue is nominated once in a category of a cycle
            if venue is None:
                raise RuntimeError("every loaded venue is nominated: raise --nominations")
            return proxy.awards.nominate(c["cycle"]["id"], nominate_payload(venue, by))
        return nominate

    note(f"{backend}: throughput nominate ({args.seconds:g} s)")
    return throughput(amqp_uri, f"awards.nominate ({args.concurrency} callers, a venue into an open cycle)", call,
                      lambda: (), args.seconds, args.concurrency, servers, token=fed,
                      metrics=(port, "awards", "nominate"))


# --------------------------------------------------------------------------------------------
# the shortlist in this process: where the server time goes
# --------------------------------------------------------------------------------------------

# What ``review.shortlist`` calls, timed one by one in the in-process run (module, function): the
# ones a version of the use case does not have are left out.
PHASES = [("nominations", "facts_for"), ("nominations", "rule"), ("nominations", "reasons"),
          ("nominations", "announce_ineligible"), ("review", "counted_reviews"), ("domain", "shortlist"),
          ("review", "_write_placings")]


def in_process_shortlist(args, url: str, world: dict, fed: str) -> dict:
    """``review.shortlist`` + commit as the worker runs them (no RPC), on one more loaded cycle,
    every statement timed, and what it calls (``PHASES``)."""
    from services.awards import domain
    from services.awards.usecases import nominations, review
    from services.common.auth import decode_caller
    from services.common.db import make_engine

    programme = args.in_process_programme
    c = make_cycle(world, programme, args.nominations, args.reviewers, args.seed, "in process")
    load_cycle(url, c)
    modules = {"nominations": nominations, "review": review, "domain": domain}
    timers = Timers([(f"{m}.{f}", modules[m], f) for m, f in PHASES], cpu=False)
    caller = decode_caller(f"Bearer {fed}", JWT_SECRET)
    engine = make_engine(url)
    try:
        analyse(engine)
        r = run_in_process(engine, lambda session: review.shortlist(session, caller, c["cycle"]["id"], args.top_n),
                           timers, args.profile_lines if args.profile else None)
    finally:
        engine.dispose()
    out = {"programme": programme, "total": r["total"], "cpu": r["cpu"], "commit": r["commit"], "sql": r["sql"],
           "statements": r["statements"], "kinds": r["kinds"], "items": len(r["reply"]["items"]),
           "phases": {k: {"calls": calls, "seconds": wall} for k, (calls, wall, _cpu) in timers.figures.items()}}
    if "profile" in r:
        out["profile"] = r["profile"]
    return out


# --------------------------------------------------------------------------------------------
# printing
# --------------------------------------------------------------------------------------------

PARTIES = ["client", "echo server", "awards server", "rabbitmq", "postgres"]


def print_eligibility(backend: str, res: dict) -> None:
    say(f"### eligibility over RPC, one caller ({backend})\n")
    rows = []
    for kind, r in res["kinds"].items():
        rows.append([kind, str(r["n"]), ms(r["rt_p50"]), ms(r["rt_p95"]), ms(r["rt_max"]), ms(r["server_p50"]),
                     ms(r["server_p95"]), ms(r["server_mean"]), str(r["eligible"]),
                     str(r["unexpected_count"]) + (f" ({r['errors']} errors)" if r["errors"] else "")])
    say(table(["nominee kind", "n", "round trip p50 ms", "p95", "max", "server p50 ms", "server p95", "server mean",
               "eligible", "unexpected"], rows))
    scrapes = res["scrape_seconds"]
    say(f"\nserver p50/p95 from the histogram's buckets (interpolated, as Prometheus' histogram_quantile: "
        f"to the bucket's width, 5-10 / 10-25 / 25-50 ms); the mean is exact. A /metrics scrape of the awards "
        f"service took {min(scrapes):.2f}-{max(scrapes):.2f} s (it reads the programme's figures and every "
        "district's scorecard from the database).")
    for kind, r in res["kinds"].items():
        for u in r["unexpected"]:
            say(f"\nUNEXPECTED ({kind}): {u}")
    say()


def print_shortlists(backend: str, lists: list[dict], reviewers: int) -> None:
    say(f"### shortlist over RPC ({backend})\n")
    rows = []
    for s in lists:
        ck = s["check"] or {}
        rows.append([s["programme"], f"{s['nominations']:,} x {reviewers}", f"{s['reviews']:,}", secs(s["server"]),
                     secs(s["round_trip"]), f"{s['reply_bytes'] / 1e6:.1f} MB",
                     str((ck.get("statuses") or {}).get("shortlisted", "-")), str(ck.get("newly_ineligible", "-")),
                     secs(s["relay_seconds"]), ck.get("digest", "-")])
    say(table(["programme", "nominations x reviewers", "reviews", "server s", "round trip s", "reply",
               "shortlisted", "newly ineligible (events)", "relay publishes, s", "digest of what it wrote"], rows))
    print_cpu_used("shortlist", "programme", [(s["programme"], s["cpu_s"]) for s in lists], PARTIES)
    print_outcomes(lists, "programme", lambda s, ck: f"{s['programme']}: statuses {ck['statuses']}, events "
                   f"{ck['events']} ({ck['regained']} eligible again since they were nominated)")


def print_in_process(backend: str, r: dict, n: int, reviewers: int) -> None:
    say(f"### shortlist in this process ({backend}; use case + commit, no RPC; {r['programme']}, {n:,} x "
        f"{reviewers})\n")
    python = r["total"] - r["sql"]
    say(table(["total s", "CPU of this process, s", "statements", "in cursor.execute, s", "of which commit, s",
               "the rest (Python), s"],
              [[secs(r["total"]), secs(r["cpu"]), str(r["statements"]), secs(r["sql"]), secs(r["commit"]),
                secs(python)]]))
    say("\nwhat the use case calls (each timed as a whole, its SQL included; the rest is the use case's own "
        "loop, its other queries and the commit):\n")
    rows = [[k, f"{v['calls']:,}", f"{v['seconds']:.3f}", f"{100 * v['seconds'] / r['total']:.0f}%"]
            for k, v in sorted(r["phases"].items(), key=lambda kv: -kv[1]["seconds"])]
    rest = r["total"] - sum(v["seconds"] for v in r["phases"].values())
    rows.append(["the rest", "", f"{rest:.3f}", f"{100 * rest / r['total']:.0f}%"])
    say(table(["function", "calls", "s", "share of total"], rows, "lrrr"))
    print_statement_kinds(r)


# --------------------------------------------------------------------------------------------
# the run
# --------------------------------------------------------------------------------------------

def run_backend(backend: str, args, amqp_uri: str, tmp: Path, echo: Server, pg: PostgresDatabases | None,
                echo_tp: dict | None) -> dict:
    from services.awards.models import Org
    from services.common.auth import issue_token
    from services.common.db import make_engine

    [url] = migrated_databases(backend, tmp, pg, "awards")
    # Enough organisations that each one nominated in a cycle (golden_ribbon: a quarter of them) is a
    # different one.
    orgs = load_org_tree(url, Org, args.seed, grassroots_per_district=max(20, args.nominations // 25))
    note(f"{backend}: loading the copies and {len(args.programmes)} cycles of {args.nominations:,} nominations")
    world = make_world(orgs, args.nominations, args.seed)
    index_world(world)
    world_seconds = load_world(url, world)
    cycles = [make_cycle(world, p, args.nominations, args.reviewers, args.seed, "rpc") for p in args.programmes]
    cycle_seconds = sum(load_cycle(url, c) for c in cycles)
    engine = make_engine(url)
    try:
        analysed = analyse(engine)
    finally:
        engine.dispose()
    say(f"copies: {orgs['count']} orgs, {len(world['venues']):,} venues, {len(world['activities']):,} completed "
        f"activities ({len(world['activity_venues']):,} at venues), {len(world['brands']):,} brands (as ids), "
        f"{len(world['groups']):,} groups, {len(world['talents']):,} talents, loaded in {world_seconds:.1f} s; "
        f"{len(cycles)} closed cycles of {args.nominations:,} nominations and "
        f"{args.nominations * args.reviewers:,} reviews each in {cycle_seconds:.1f} s"
        + (" (then ANALYZE, as autovacuum would)" if analysed else "") + "\n")
    port = free_port()
    awards = start_service("awards", amqp_uri, url, port, tmp, CULTURE_JWT_SECRET=JWT_SECRET)
    fed = issue_token(JWT_SECRET, sub=FED_SUB, roles=["federation_admin"], org_id=orgs["city"], ttl_seconds=86400)
    servers = {"echo server": echo.pid, "awards server": awards.pid}
    out = {"backend": backend, "orgs": orgs["count"], "activities": len(world["activities"]),
           "load_seconds": world_seconds + cycle_seconds}
    try:
        note(f"{backend}: eligibility over RPC")
        out["eligibility"] = eligibility_latency(amqp_uri, fed, cycles, args.eligibility_per_kind, port, args.seed)
        print_eligibility(backend, out["eligibility"])
        out["shortlists"], totals = [], None
        for c in cycles:
            out["shortlists"].append(shortlist_cycle(backend, args, amqp_uri, url, fed, c, port, servers, totals))
            totals = out["shortlists"][-1].pop("totals")
        print_shortlists(backend, out["shortlists"], args.reviewers)
        if not args.skip_throughput:
            tps = [echo_tp, nominate_throughput(backend, args, amqp_uri, url, fed, world, port, servers)]
            print_throughput(backend, tps, args.concurrency, PARTIES, server_column=True)
            out["throughput"] = tps
        if args.in_process:
            note(f"{backend}: shortlist in this process")
            out["in_process"] = in_process_shortlist(args, url, world, fed)
            print_in_process(backend, out["in_process"], args.nominations, args.reviewers)
        out["rss_mb"] = rss_mb(awards.pid)
        say(f"RSS of the awards server at the end of the {backend} run: {out['rss_mb']:.0f} MB\n")
    finally:
        end_backend(backend, pg, awards)
    return out


def print_summary(results: dict, args) -> None:
    backends = results["backends"]
    say("## summary: eligibility, one call, server time p50 / p95 ms (round trip p50 / p95 ms)\n")
    kinds = [k for k in (*KINDS, "all") if all(k in b["eligibility"]["kinds"] for b in backends)]
    say(table(["nominee kind"] + [b["backend"] for b in backends],
              [[k] + [f"{ms(e['server_p50'])} / {ms(e['server_p95'])} ({ms(e['rt_p50'])} / {ms(e['rt_p95'])})"
                      for e in (b["eligibility"]["kinds"][k] for b in backends)] for k in kinds]))
    say(f"\n## summary: shortlist, {args.nominations:,} nominations x {args.reviewers} reviewers, server time s "
        "(round trip s)\n")
    say(table(["shortlist"] + [b["backend"] for b in backends],
              [[p] + [f"{secs(b['shortlists'][i]['server'])} ({secs(b['shortlists'][i]['round_trip'])})"
                      for b in backends] for i, p in enumerate(args.programmes)]))
    digests = [s["check"]["digest"] if s["check"] else "-" for b in backends for s in b["shortlists"]]
    same = len(backends) > 1 and all(digests[i] == digests[i + len(args.programmes)] for i in range(len(args.programmes)))
    say(f"\ndigests of what the shortlists wrote: {', '.join(digests[:len(args.programmes)])}"
        + (" (the same on every backend)" if same else "" if len(backends) == 1 else
           f"; DIFFERENT on {backends[1]['backend']}: {', '.join(digests[len(args.programmes):])}"))
    say()
    if not args.skip_throughput:
        print_throughput_summary(results, "awards", ("nominate",), 3)


def main(argv=None) -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--nominations", type=int, default=10_000, help="nominations in each closed cycle")
    parser.add_argument("--reviewers", type=int, default=5, help="reviewers of each cycle (each reviews every one)")
    parser.add_argument("--programmes", type=lambda v: v.split(","),
                        default=["golden_ribbon", "demonstration_base", "activity_brand"],
                        help="one closed cycle per programme (comma-separated)")
    parser.add_argument("--top-n", type=int, default=50, help="the shortlist's top_n (per category)")
    parser.add_argument("--eligibility-per-kind", type=int, default=50,
                        help="eligibility calls per nominee kind (nominations picked at random)")
    add_throughput_args(parser, "concurrent callers for nominate throughput")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--in-process", action=argparse.BooleanOptionalAction, default=True,
                        help="also shortlist one more cycle in this process, every statement timed")
    parser.add_argument("--in-process-programme", default="demonstration_base", choices=tuple(PROGRAMMES),
                        help="the programme of the cycle shortlisted in this process")
    parser.add_argument("--profile", action="store_true", help="cProfile the in-process shortlist")
    parser.add_argument("--profile-lines", type=int, default=30)
    add_run_args(parser)
    args = parse_args(parser, argv)
    bad = [p for p in args.programmes if p not in PROGRAMMES]
    if bad:
        parser.error(f"--programmes: {', '.join(PROGRAMMES)}, not {', '.join(bad)}")
    if datetime.now(timezone.utc) < CLOSE + timedelta(days=45):
        parser.error(f"the loaded cycles close at {CLOSE.isoformat()}: this machine's clock is before that")

    def echo_payload() -> dict:
        return {"cycle_id": str(uuid.uuid4()), "data": nominate_payload(
            {"id": str(uuid.uuid4()), "name": "中山区职工文化阵地1"}, str(uuid.uuid4()))}

    return run_benchmark(args, name="awards", script=__file__, servers="`python -m services.common.run awards`",
                         one_caller_for="eligibility and the shortlist", echo_payload=echo_payload,
                         echo_label="bench_echo.echo (nominate's payload)", run_backend=run_backend,
                         summary=print_summary)


if __name__ == "__main__":
    sys.exit(main())
