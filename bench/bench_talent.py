#!/usr/bin/env python
"""Talent benchmark: closing a round of 10,000 candidates x 7 judges, and submit_score throughput.

How long ``talent.close_round`` takes inside the service for a round of ``--candidates``
screened-in candidates scored by a panel of ``--judges`` (every judge scores every candidate), on
SQLite and PostgreSQL; and ``talent.submit_score`` calls/s with ``--concurrency`` judges scoring at
once, beside a bare nameko echo in the same run.

    .venv/bin/python bench/bench_talent.py [--backend sqlite|postgres|both] [--candidates 10000]
                                           [--judges 7] [--normalise none,zscore] [--seconds 10]
                                           [--concurrency 8] [--profile]

What it does (figures only; it never asserts a timing):

1. environment: CPUs, Python, nameko, SQLite/PostgreSQL/RabbitMQ versions, date, load average, and
   a warning when other benchmarks or test runs share the machine;
2. a throwaway RabbitMQ vhost (management API, else ``rabbitmqctl``), deleted at the end;
3. per backend, a throwaway talent database (a SQLite file in a temp dir, or a fresh PostgreSQL
   database ``bench_<random>``, dropped at the end), migrated with ``services.common.migrate``;
   the organisation copy (a city federation, 10 district federations, 20 grassroots unions each)
   is inserted directly (no registry runs: talent's follower finds no source and retries, idle);
4. the servers as subprocesses: ``python -m services.common.run talent`` (what ``make run``
   starts) and a bare nameko echo service (this script in ``--serve-echo`` mode); the client is
   this process;
5. per ``--normalise`` value, a campaign opened over RPC (all nine art fields; two rounds of three
   weighted criteria, ``{"top": --advance-top}`` per field; both panels set over RPC, so closing
   round 1 also opens round 2), then, straight into the tables through the models' tables
   (SQLAlchemy core, batches of 5,000): ``--candidates`` screened-in candidates (each with its
   ``nominated`` and ``screened_in`` stages) and one score sheet per judge and candidate, seeded so
   every run and both backends load the same rows (PostgreSQL then gets an ``ANALYZE``, as
   autovacuum would);
6. ``close_round`` over RPC, once per campaign: the round trip and the **server time** (from the
   service's own ``culture_rpc_latency_seconds`` histogram for ``close_round``), the CPU each
   process used; then a check of what it wrote (results, candidates' statuses, stages, events)
   and a digest of it, identical on both backends and across code changes that keep behaviour;
   then the time the outbox relay takes to publish the round's events;
7. throughput: calls/s for ``bench_echo.echo`` (submit_score's payload) and
   ``talent.submit_score`` (``--concurrency`` callers, each a judge of the panel, each call a new
   sheet) for ``--seconds`` each, with the server time per call and the CPU per call by process;
8. ``--in-process`` (default on): the same close, as the service's worker runs it, in this process
   (``usecases.judging.close_round`` + commit, no RPC) on one more loaded campaign, with its steps
   (reading, ranking, writing, the events) and every statement timed: where the server time goes;
   ``--profile`` adds cProfile's top functions.

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
from measure import Timers, rpc_client, rss_mb, run_in_process, throughput, timed_call
from report import (
    print_cpu_used, print_outcomes, print_statement_kinds, print_throughput, print_throughput_summary, say, secs,
    table)

from services.talent.models import Org, metadata

OUTBOX_TABLE = metadata.tables["outbox"]

JWT_SECRET = "bench-talent-secret-" + uuid.uuid4().hex
CRITERIA = [{"name": "technique", "weight": 40}, {"name": "expression", "weight": 30},
            {"name": "originality", "weight": 30}]
FED_SUB = "bench-fed"
ADMIN_SUB = "bench-admin"
BATCH = 5000


# --------------------------------------------------------------------------------------------
# data: the organisation copy, campaigns over RPC, candidates and scores straight into the tables
# --------------------------------------------------------------------------------------------

def judge_panel(n: int, prefix: str = "judge") -> list[dict]:
    """Judges from outside every work unit, no declared conflicts: every judge scores every candidate."""
    return [{"judge_id": f"{prefix}-{i + 1}", "name": f"评委{i + 1}", "org_id": None, "conflicts": []}
            for i in range(n)]


def open_campaign(amqp_uri: str, fed: str, url: str, label: str, normalise: str, advance_top: int,
                  panel: list[dict]) -> dict:
    """A campaign of every art field, two rounds, both panels set, over RPC; round 1 is then open."""
    from sqlalchemy import select

    from services.common.db import make_engine
    from services.common.vocabulary import ART_FIELDS
    from services.talent.models import Round

    closes = datetime.now(timezone.utc) + timedelta(days=30)
    data = {"name": f"2026年职工文艺人才选秀 ({label})", "year": 2026, "fields": list(ART_FIELDS),
            "rounds": [{"name": f"第{n}轮", "criteria": CRITERIA, "advance": {"top": advance_top},
                        "normalise": normalise} for n in (1, 2)],
            "nominations_close_at": closes.isoformat()}
    with rpc_client(amqp_uri, fed, timeout=120) as p:
        campaign = p.talent.open_campaign(data)
        for number in (1, 2):
            p.talent.set_panel(campaign["id"], number, panel)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            round_id = conn.execute(select(Round.id).where(Round.campaign_id == campaign["id"],
                                                           Round.number == 1)).scalar_one()
    finally:
        engine.dispose()
    return {"id": campaign["id"], "round_id": round_id, "fields": list(ART_FIELDS), "normalise": normalise,
            "panel": panel}


def load_candidates(url: str, campaign: dict, orgs: dict, n: int, seed: int, scores: bool) -> dict:
    """``n`` screened-in candidates of ``campaign`` (each with its two stages) and, with ``scores``,
    one sheet per judge of its panel and candidate; the same rows for the same ``seed``."""
    from sqlalchemy import insert

    from services.common.db import make_engine
    from services.talent import domain
    from services.talent.models import Candidate, Score, Stage

    rng = random.Random(seed)
    criteria = [domain.Criterion(c["name"], c["weight"]) for c in CRITERIA]
    judges = [j["judge_id"] for j in campaign["panel"]]
    bias = {j: rng.gauss(0, 4) for j in judges}
    spread = {j: abs(rng.gauss(6, 2)) + 1 for j in judges}
    base = datetime(2026, 3, 1, 1, 0, tzinfo=timezone.utc)
    submitted = datetime.now(timezone.utc)
    fields_ = campaign["fields"]
    engine = make_engine(url)
    ids = []
    started = time.perf_counter()
    sheets = 0
    try:
        for b0 in range(0, n, BATCH):
            candidates, stages, sheet_rows = [], [], []
            for i in range(b0, min(n, b0 + BATCH)):
                cid = seeded_uuid(rng)
                ids.append(cid)
                org = rng.choice(orgs["grassroots"])
                channel = rng.choice(domain.CHANNELS)
                nominated_at = base + timedelta(seconds=rng.randrange(0, 60 * 86400))
                candidates.append({
                    "id": cid, "campaign_id": campaign["id"], "worker_id": f"w{i:06d}", "name": f"职工{i}",
                    "org_id": org["id"], "org_path": org["path"], "field": rng.choice(fields_), "channel": channel,
                    "works": [f"作品{i}"], "recommended_by_org_id": org["id"] if channel == "recommendation" else None,
                    "status": "screened_in", "round": 0, "showcase": None, "training": [],
                    "nominated_at": nominated_at})
                stages.append({"candidate_id": cid, "stage": "nominated", "round": None, "at": nominated_at,
                               "by": ADMIN_SUB, "reason": f"channel: {channel}"})
                stages.append({"candidate_id": cid, "stage": "screened_in", "round": None,
                               "at": nominated_at + timedelta(days=1), "by": ADMIN_SUB, "reason": None})
                if scores:
                    quality = rng.gauss(72, 9)
                    for j in judges:
                        marks = {c["name"]: round(min(100.0, max(0.0, rng.gauss(quality + bias[j], spread[j]))), 1)
                                 for c in CRITERIA}
                        sheet_rows.append({"round_id": campaign["round_id"], "candidate_id": cid, "judge_id": j,
                                           "scores": marks, "weighted": domain.weighted(criteria, marks),
                                           "submissions": 1, "submitted_at": submitted})
            with engine.begin() as conn:
                conn.execute(insert(Candidate.__table__), candidates)
                conn.execute(insert(Stage.__table__), stages)
                if sheet_rows:
                    conn.execute(insert(Score.__table__), sheet_rows)
            sheets += len(sheet_rows)
        analysed = analyse(engine)
    finally:
        engine.dispose()
    return {"ids": ids, "sheets": sheets, "seconds": time.perf_counter() - started, "analysed": analysed}


# --------------------------------------------------------------------------------------------
# what a close wrote, and a digest of it
# --------------------------------------------------------------------------------------------

def check_close(url: str, campaign: dict, n: int, after_seq: int, advance_top: int) -> dict:
    """What the close wrote: counts, and a digest of results, statuses, new stages and events (ids,
    times and the campaign's id left out), the same on both backends for the same data."""
    from sqlalchemy import func, select

    from services.common.db import make_engine
    from services.talent import domain
    from services.talent.models import Candidate, Result, Round, Stage, metadata

    outbox = metadata.tables["outbox"]
    cid = campaign["id"]
    engine = make_engine(url)
    digest = hashlib.sha256()
    problems = []
    try:
        with engine.connect() as conn:
            order = {f: i for i, f in enumerate(domain.FIELDS)}
            results = sorted(conn.execute(select(Result.candidate_id, Result.field, Result.score, Result.median,
                                                 Result.rank, Result.advanced, Result.judges)
                                          .where(Result.round_id == campaign["round_id"])).all(),
                             key=lambda r: (order[r.field], r.rank))
            for r in results:
                digest.update(repr(tuple(r)).encode())
            statuses = dict(conn.execute(select(Candidate.status, func.count()).where(Candidate.campaign_id == cid)
                                         .group_by(Candidate.status)).all())
            for row in conn.execute(select(Candidate.id, Candidate.status, Candidate.round)
                                    .where(Candidate.campaign_id == cid).order_by(Candidate.id)):
                digest.update(repr(tuple(row)).encode())
            stages = conn.execute(select(Stage.candidate_id, Stage.stage, Stage.round, Stage.by, Stage.reason)
                                  .join(Candidate, Candidate.id == Stage.candidate_id)
                                  .where(Candidate.campaign_id == cid, Stage.round == 1)
                                  .order_by(Stage.id)).all()
            for row in stages:
                digest.update(repr(tuple(row)).encode())
            events = conn.execute(select(outbox.c.type, outbox.c.subject, outbox.c.envelope)
                                  .where(outbox.c.seq > after_seq).order_by(outbox.c.seq)).all()
            for e in events:
                data = {k: v for k, v in e.envelope["data"].items() if k != "campaign_id"}
                digest.update(json.dumps([e.type, e.subject.replace(cid, "C"), data], sort_keys=True,
                                         ensure_ascii=False).encode())
            rounds = [r.status for r in conn.execute(select(Round.status).where(Round.campaign_id == cid)
                                                     .order_by(Round.number))]
    finally:
        engine.dispose()
    advanced = sum(1 for r in results if r.advanced)
    by_type: dict[str, int] = {}
    for e in events:
        by_type[e.type] = by_type.get(e.type, 0) + 1
    if len(results) != n:
        problems.append(f"{len(results)} results for {n} candidates")
    if statuses.get("advanced", 0) != advanced or statuses.get("eliminated", 0) != n - advanced:
        problems.append(f"statuses {statuses} for {advanced} advanced")
    if len(stages) != n:
        problems.append(f"{len(stages)} round-1 stages for {n} candidates")
    expected = {"candidate_advanced": advanced, "candidate_eliminated": n - advanced, "round_closed": 1}
    if by_type != {k: v for k, v in expected.items() if v}:
        problems.append(f"events {by_type}")
    elif events[-1].type != "round_closed":
        problems.append("round_closed is not the last event")
    if rounds != ["closed", "open"]:
        problems.append(f"rounds {rounds} (expected closed, open)")
    if advanced > advance_top * len(domain.FIELDS):
        problems.append(f"{advanced} advanced: more than top {advance_top} a field")
    return {"results": len(results), "advanced": advanced, "statuses": statuses, "stages": len(stages),
            "events": by_type, "rounds": rounds, "digest": digest.hexdigest()[:16], "problems": problems}


# --------------------------------------------------------------------------------------------
# close_round over RPC
# --------------------------------------------------------------------------------------------

def close_campaign(backend: str, args, amqp_uri: str, url: str, fed: str, orgs: dict, normalise: str,
                   metrics_port: int, servers: dict[str, int]) -> dict:
    panel = judge_panel(args.judges)
    note(f"{backend}: campaign normalise={normalise}: opening over RPC")
    campaign = open_campaign(amqp_uri, fed, url, f"normalise {normalise}", normalise, args.advance_top, panel)
    note(f"{backend}: loading {args.candidates:,} candidates x {args.judges} judges")
    seed = args.seed + 1 + ("none", "zscore").index(normalise)  # the same rows for the same normalise
    data = load_candidates(url, campaign, orgs, args.candidates, seed, scores=True)
    say(f"normalise={normalise}: loaded {args.candidates:,} candidates, {2 * args.candidates:,} stages and "
        f"{data['sheets']:,} score sheets in {data['seconds']:.1f} s"
        + (" (then ANALYZE, as autovacuum would)" if data["analysed"] else ""))
    seq0 = outbox_seq(url, OUTBOX_TABLE)
    note(f"{backend}: close_round normalise={normalise} over RPC")
    close = timed_call(amqp_uri, fed, "talent", "close_round", (campaign["id"], 1), metrics_port, servers)
    close.pop("totals")
    note(f"{backend}: close_round took {close['round_trip']:.2f} s round trip, {close['server']:.2f} s server"
         + (f"; ERROR {close['error']}" if close["error"] else ""))
    note(f"{backend}: waiting for the relay to publish the round's events")
    drained = wait_outbox_sent(url, OUTBOX_TABLE, since=close.pop("replied_at"))
    checked = check_close(url, campaign, args.candidates, seq0, args.advance_top) if not close["error"] else None
    return {"normalise": normalise, "candidates": args.candidates, "judges": args.judges, "sheets": data["sheets"],
            "load_seconds": data["seconds"], **close, "relay_seconds": drained, "check": checked}


# --------------------------------------------------------------------------------------------
# submit_score throughput
# --------------------------------------------------------------------------------------------

def scores_for(rng: random.Random) -> dict:
    return {c["name"]: round(rng.uniform(55, 95), 1) for c in CRITERIA}


def submit_throughput(backend: str, args, amqp_uri: str, url: str, fed: str, orgs: dict, metrics_port: int,
                      servers: dict[str, int]) -> dict:
    """``--concurrency`` judges of one panel, each scoring its own run of candidates (a new sheet each
    call) in a round of ``--candidates`` screened-in candidates."""
    from services.common.auth import issue_token

    panel = judge_panel(max(args.judges, args.concurrency), prefix="scorer")
    campaign = open_campaign(amqp_uri, fed, url, "submit_score", "none", args.advance_top, panel)
    data = load_candidates(url, campaign, orgs, args.candidates, args.seed + 60, scores=False)
    ids, n = data["ids"], len(data["ids"])
    tokens = [issue_token(JWT_SECRET, sub=j["judge_id"], roles=["judge"], org_id=None, ttl_seconds=86400)
              for j in panel[:args.concurrency]]
    rng = random.Random(args.seed + 61)
    callers = iter(range(args.concurrency))

    def call(proxy):
        k = next(callers)
        position = [k * n // args.concurrency]

        def submit():
            cid = ids[position[0] % n]
            position[0] += 1
            return proxy.talent.submit_score(campaign["id"], 1, cid, scores_for(rng))
        return submit

    note(f"{backend}: throughput submit_score ({args.seconds:g} s)")
    return throughput(amqp_uri, f"talent.submit_score ({args.concurrency} judges, a new sheet each call)", call,
                      lambda: (), args.seconds, args.concurrency, servers, token=tokens,
                      metrics=(metrics_port, "talent", "submit_score"))


def echo_payload() -> dict:
    return {"campaign_id": str(uuid.uuid4()), "round": 1, "candidate_id": str(uuid.uuid4()),
            "scores": {"technique": 81.5, "expression": 77.0, "originality": 69.5}}


# --------------------------------------------------------------------------------------------
# the close in this process: where the server time goes
# --------------------------------------------------------------------------------------------

def in_process_close(backend: str, args, amqp_uri: str, url: str, fed: str, orgs: dict) -> dict:
    """``judging.close_round`` + commit as the worker runs them (no RPC), every statement timed, and
    the use case's steps timed (``Timers``)."""
    from services.common.auth import decode_caller
    from services.common.db import make_engine
    from services.talent.usecases import judging

    normalise = args.normalise[0]
    campaign = open_campaign(amqp_uri, fed, url, "in process", normalise, args.advance_top, judge_panel(args.judges))
    load_candidates(url, campaign, orgs, args.candidates, args.seed + 50, scores=True)
    caller = decode_caller(f"Bearer {fed}", JWT_SECRET)
    timers = Timers([  # the close's steps: the use case's own functions, wrapped while it runs
        ("read the entrants (rows, not objects)", judging, "_entrant_rows"),
        ("read the sheets (judge, candidate, stored weighted score)", judging, "_sheet_rows"),
        ("rank (domain.rank_round)", judging.domain, "rank_round"),
        ("insert results and stages (insert_rows)", judging, "insert_rows"),
        ("events: dump and envelopes (Outbox.prepare_many)", judging.OUTBOX, "prepare_many"),
        ("events: insert (Outbox.write_many)", judging.OUTBOX, "write_many"),
    ])
    engine = make_engine(url)
    try:
        r = run_in_process(engine, lambda session: judging.close_round(session, caller, campaign["id"], 1), timers,
                           args.profile_lines if args.profile else None)
    finally:
        engine.dispose()
    update = r["kinds"].get("UPDATE candidates", {"seconds": 0.0})["seconds"]
    steps = {label: {"wall": w, "cpu": c} for label, (_calls, w, c) in timers.figures.items()}
    steps["UPDATE candidates (one per new status)"] = {"wall": update, "cpu": float("nan")}
    steps["the rest (round, next round, round_closed, the loop building rows)"] = {
        "wall": (r["total"] - r["commit"]) - sum(v["wall"] for v in steps.values()), "cpu": float("nan")}
    steps["commit"] = {"wall": r["commit"], "cpu": float("nan")}
    out = {"normalise": normalise, "total": r["total"], "commit": r["commit"], "sql": r["sql"],
           "cpu": r["cpu_before_commit"], "statements": r["statements"], "kinds": r["kinds"], "steps": steps,
           "reply": r["reply"]}
    if "profile" in r:
        out["profile"] = r["profile"]
    return out


# --------------------------------------------------------------------------------------------
# printing
# --------------------------------------------------------------------------------------------

PARTIES = ["client", "echo server", "talent server", "rabbitmq", "postgres"]


def print_closes(backend: str, closes: list[dict]) -> None:
    say(f"### close_round over RPC ({backend})\n")
    rows = []
    for c in closes:
        check = c["check"] or {}
        rows.append([c["normalise"], f"{c['candidates']:,} x {c['judges']}", f"{c['sheets']:,}",
                     secs(c["server"]), secs(c["round_trip"]),
                     str(check.get("advanced", "-")), secs(c["relay_seconds"]), check.get("digest", "-")])
    say(table(["normalise", "candidates x judges", "sheets", "server s", "round trip s", "advanced",
               "relay publishes the events, s", "digest of what it wrote"], rows))
    print_cpu_used("close", "normalise", [(c["normalise"], c["cpu_s"]) for c in closes], PARTIES)
    print_outcomes(closes, "normalise", lambda c, ck: f"normalise={c['normalise']}: {ck['results']:,} results, "
                   f"statuses {ck['statuses']}, {ck['stages']:,} new stages, events {ck['events']}, "
                   f"rounds now {ck['rounds']}", prefix="normalise=", error="ERROR closing")


def print_in_process(backend: str, r: dict, candidates: int, judges: int) -> None:
    say(f"### close_round in this process ({backend}; use case + commit, no RPC; {candidates:,} x {judges}, "
        f"normalise={r['normalise']})\n")
    python = r["total"] - r["sql"] - r["commit"]
    say(table(["total s", "CPU s (this process)", "statements", "in cursor.execute, s", "commit, s",
               "the rest (Python), s"],
              [[secs(r["total"]), secs(r["cpu"]), str(r["statements"]), secs(r["sql"]), secs(r["commit"]),
                secs(python)]]))
    say("\nsteps (wall s; CPU s of this process, which on SQLite includes SQLite's own work):\n")
    say(table(["step", "wall s", "CPU s", "share of total"],
              [[k, f"{v['wall']:.3f}", "-" if v["cpu"] != v["cpu"] else f"{v['cpu']:.3f}",
                f"{100 * v['wall'] / r['total']:.0f}%"] for k, v in r["steps"].items()], "lrrr"))
    print_statement_kinds(r)


# --------------------------------------------------------------------------------------------
# the run
# --------------------------------------------------------------------------------------------

def run_backend(backend: str, args, amqp_uri: str, tmp: Path, echo: Server, pg: PostgresDatabases | None,
                echo_tp: dict | None) -> dict:
    from services.common.auth import issue_token

    [url] = migrated_databases(backend, tmp, pg, "talent")
    orgs = load_org_tree(url, Org, args.seed)
    port = free_port()
    talent = start_service("talent", amqp_uri, url, port, tmp, CULTURE_JWT_SECRET=JWT_SECRET)
    fed = issue_token(JWT_SECRET, sub=FED_SUB, roles=["federation_admin"], org_id=orgs["city"], ttl_seconds=86400)
    servers = {"echo server": echo.pid, "talent server": talent.pid}
    out = {"backend": backend, "orgs": orgs["count"]}
    try:
        out["closes"] = [close_campaign(backend, args, amqp_uri, url, fed, orgs, normalise, port, servers)
                         for normalise in args.normalise]
        print_closes(backend, out["closes"])
        if not args.skip_throughput:
            tps = [echo_tp, submit_throughput(backend, args, amqp_uri, url, fed, orgs, port, servers)]
            print_throughput(backend, tps, args.concurrency, PARTIES, server_column=True)
            out["throughput"] = tps
        if args.in_process:
            note(f"{backend}: close_round in this process")
            out["in_process"] = in_process_close(backend, args, amqp_uri, url, fed, orgs)
            print_in_process(backend, out["in_process"], args.candidates, args.judges)
        out["rss_mb"] = rss_mb(talent.pid)
        say(f"RSS of the talent server at the end of the {backend} run: {out['rss_mb']:.0f} MB\n")
    finally:
        end_backend(backend, pg, talent)
    return out


def print_summary(results: dict, args) -> None:
    backends = results["backends"]
    say(f"## summary: close_round, {args.candidates:,} candidates x {args.judges} judges, server time s "
        "(round trip s)\n")
    rows = []
    for i, normalise in enumerate(args.normalise):
        rows.append([f"normalise={normalise}"] + [
            f"{secs(b['closes'][i]['server'])} ({secs(b['closes'][i]['round_trip'])})" for b in backends])
    say(table(["close_round"] + [b["backend"] for b in backends], rows))
    digests = {c["check"]["digest"] for b in backends for c in b["closes"] if c["check"]}
    say(f"\ndigests of what the closes wrote: {', '.join(sorted(digests))}"
        + (" (the same on every backend)" if len(backends) > 1 and len(digests) == len(args.normalise) else ""))
    say()
    if not args.skip_throughput:
        print_throughput_summary(results, "talent", ("submit_score",), 3)


def main(argv=None) -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--candidates", type=int, default=10_000, help="screened-in candidates in each round")
    parser.add_argument("--judges", type=int, default=7, help="judges on the panel (each scores every candidate)")
    parser.add_argument("--advance-top", type=int, default=100, help="advance: the top N of each field")
    parser.add_argument("--normalise", type=lambda v: v.split(","), default=["none", "zscore"],
                        help="one closed campaign per value (comma-separated: none, zscore)")
    add_throughput_args(parser, "concurrent callers (judges) for throughput")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--in-process", action=argparse.BooleanOptionalAction, default=True,
                        help="also close one more round in this process, every statement timed")
    parser.add_argument("--profile", action="store_true", help="cProfile the in-process close")
    parser.add_argument("--profile-lines", type=int, default=30)
    add_run_args(parser)
    args = parse_args(parser, argv)
    bad = [v for v in args.normalise if v not in ("none", "zscore")]
    if bad:
        parser.error(f"--normalise: none or zscore, not {', '.join(bad)}")
    return run_benchmark(args, name="talent", script=__file__, servers="`python -m services.common.run talent`",
                         one_caller_for="close_round", echo_payload=echo_payload,
                         echo_label="bench_echo.echo (submit_score's payload)", run_backend=run_backend,
                         summary=print_summary)


if __name__ == "__main__":
    sys.exit(main())
