#!/usr/bin/env python
"""Events benchmark: write throughput vs a bare nameko echo, and the booking-conflict check.

Throughput of ``schedule_activity`` and ``register`` against nameko's own echo, and the latency of
the booking-conflict check with 100,000 existing bookings, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_events.py [--backend sqlite|postgres|both] [--bookings 100000]
                                           [--seconds 10] [--concurrency 8]

What it does (figures only; it never asserts a timing):

1. environment: CPUs, Python, nameko, SQLite/PostgreSQL/RabbitMQ versions, date, load average;
2. a throwaway RabbitMQ vhost (management API, else ``rabbitmqctl``), deleted at the end;
3. per backend, throwaway registry and events databases (SQLite files in a temp dir, or fresh
   PostgreSQL databases ``bench_<random>``, dropped at the end), migrated with
   ``services.common.migrate.upgrade``;
4. the servers as subprocesses: ``python -m services.common.run registry`` and
   ``python -m services.common.run events`` (what ``make run`` starts), and a bare nameko echo
   service (this script in ``--serve-echo`` mode); the client is this process (eventlet green
   threads, each with its own ``ClusterRpcProxy``);
5. the world: an org tree and venues (open 00:00-24:00; ``--spaces`` spaces, 20 a venue, plus a
   hall of four 100,000-seat spaces) registered through the registry's RPCs; the events service
   learns them from registry events, and the benchmark waits until ``events.get_venue_copy``
   answers for every venue;
6. ``--bookings`` activities with one active booking each, bulk-inserted into the events database
   (SQLAlchemy core, batches of 5,000), on a grid of 2-hour cells (12 a day) over 365 days from a
   fixed local day, spread at random over the spaces; ``org_path`` etc. as in the copy;
7. throughput: calls/s for ``bench_echo.echo``, ``events.schedule_activity`` (each call a new free
   cell after the loaded year; also measured before the load, on the empty database) and
   ``events.register`` (new workers onto four published activities of 100,000 places) with
   ``--concurrency`` callers for ``--seconds`` each, CPU per call by process;
8. latency, one caller: ``schedule_activity`` that (a) overlaps a loaded booking (-> Conflict) and
   (b) fits a free cell among the loaded ones; p50/p90/p99/max, with the server-side handling time
   from the events service's ``culture_rpc_latency_seconds`` histogram;
9. the overlap SELECT alone, as the use case runs it (ORM) and at the DBAPI cursor, plus variants
   (bounded by the 31-day maximum booking length; on PostgreSQL the tstzrange form the GiST index
   can serve), the insert-time guard (trigger / exclusion constraint) and the query plans;
10. the use case in this process (``usecases.schedule_activity`` + ``activity_view`` + commit, no
    RPC), every statement timed at the cursor: where a call's server time goes.

Before a run whose figures count, make sure no other benchmark or test run shares the machine
(the script warns when it sees one, and prints the load average at the start and the end).

``--json FILE`` also writes every figure as JSON.
"""
from __future__ import annotations

import boot  # noqa: F401  (first: the project on sys.path, eventlet monkey-patched; bench/boot.py)

import random
import statistics
import sys
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import eventlet

from common import (
    PostgresDatabases, Server, add_run_args, add_throughput_args, analyse, bench_parser, end_backend,
    free_port, migrated_databases, note, parse_args, run_benchmark, seeded_uuid, start_service)
from measure import (StatementLog, echo_latencies, rpc_client, rpc_latency_histogram, rpc_latency_totals,
                     statement_kind, throughput)
from report import (histogram_quantile, ms, print_throughput, print_throughput_summary, say, server_mean, stats,
                    table)

JWT_SECRET = "bench-events-secret-" + uuid.uuid4().hex
LOCAL = timezone(timedelta(hours=8))  # Asia/Shanghai has no DST: a fixed offset is exact
SLOTS_PER_DAY = 12  # 2-hour cells, 00:00-02:00 ... 22:00-24:00: none crosses midnight
YEAR_DAYS = 365
SPACES_PER_VENUE = 20
ALL_DAY = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


# --------------------------------------------------------------------------------------------
# the world: orgs and venues over the registry's RPCs, seen by events through registry events
# --------------------------------------------------------------------------------------------

DISTRICTS = ["中山区", "西岗区", "沙河口区", "甘井子区", "金州区"]


def build_world(amqp_uri: str, n_spaces: int, events_url: str) -> dict:
    """Registers the org tree and venues through the registry; waits until events knows them."""
    from services.common.auth import issue_token

    started = time.perf_counter()
    root_token = issue_token(JWT_SECRET, sub="bench-root", roles=["federation_admin"], org_id=None)
    with rpc_client(amqp_uri, root_token) as p:
        city = p.registry.register_org({"name": "大连市总工会", "kind": "city", "parent_id": None})["id"]
    fed = issue_token(JWT_SECRET, sub="bench-fed", roles=["federation_admin"], org_id=city, ttl_seconds=86400)
    owners = []
    with rpc_client(amqp_uri, fed) as p:
        reg = p.registry
        for d in DISTRICTS:
            did = reg.register_org({"name": f"{d}总工会", "kind": "district", "parent_id": city, "district": d})["id"]
            owners.append((did, d))
            for i in range(2):
                gid = reg.register_org({"name": f"大连{d[:2]}{i + 1:02d}集团有限公司工会", "kind": "grassroots",
                                        "parent_id": did, "enterprise": f"大连{d[:2]}{i + 1:02d}集团有限公司"})["id"]
                owners.append((gid, d))
        venues, spaces = [], []  # spaces: (venue_id, space_id, org_id)
        n_venues = max(1, -(-n_spaces // SPACES_PER_VENUE))
        for v in range(n_venues):
            org_id, district = owners[v % len(owners)]
            count = min(SPACES_PER_VENUE, n_spaces - v * SPACES_PER_VENUE)
            venue = reg.register_venue({
                "name": f"{district}职工文化活动中心{v + 1}", "type": "community_centre", "org_id": org_id,
                "district": district, "address": f"大连市{district}人民路{v + 1}号",
                "location": {"lat": 38.9 + v * 0.001, "lon": 121.6},
                "spaces": [{"name": f"活动室{j + 1}", "capacity": 200} for j in range(count)],
                "opening_hours": ALL_DAY})
            venues.append(venue["id"])
            spaces.extend((venue["id"], s["id"], org_id) for s in venue["spaces"])
        hall = reg.register_venue({
            "name": "大连市工人文化宫", "type": "palace", "org_id": city, "district": "中山区",
            "address": "大连市中山区五一广场1号", "location": {"lat": 38.915, "lon": 121.64},
            "spaces": [{"name": f"大剧场{j + 1}", "capacity": 100_000} for j in range(4)],
            "opening_hours": ALL_DAY})
        venues.append(hall["id"])
    n_orgs = 1 + len(owners)
    with rpc_client(amqp_uri, None, timeout=10) as p:
        deadline = time.monotonic() + 120
        pending = list(venues)
        while pending:
            try:
                p.events.get_venue_copy(pending[0])
                pending.pop(0)
                continue
            except Exception as exc:  # noqa: BLE001 - NotFound until the event arrives
                if time.monotonic() > deadline:
                    raise SystemExit(f"events did not learn venue {pending[0]} within 120 s: {exc!r}")
                eventlet.sleep(0.1)
    org_paths = wait_org_copy(events_url, n_orgs)
    return {"city": city, "fed": fed, "owners": owners, "venues": venues, "spaces": spaces,
            "hall": hall["id"], "hall_spaces": [s["id"] for s in hall["spaces"]], "org_paths": org_paths,
            "seconds": time.perf_counter() - started}


def wait_org_copy(events_url: str, n_orgs: int) -> dict:
    from sqlalchemy import select

    from services.common.db import make_engine
    from services.events.models import Org

    engine = make_engine(events_url)
    deadline = time.monotonic() + 120
    try:
        while True:
            with engine.connect() as conn:
                paths = dict(conn.execute(select(Org.id, Org.path)).all())
            if len(paths) >= n_orgs:
                return paths
            if time.monotonic() > deadline:
                raise SystemExit(f"events knows {len(paths)} of {n_orgs} organisations after 120 s")
            eventlet.sleep(0.2)
    finally:
        engine.dispose()


# --------------------------------------------------------------------------------------------
# time cells
# --------------------------------------------------------------------------------------------

def base_day() -> date:
    """The first day of the loaded year: a fixed local day a week ahead (never today, never past)."""
    return datetime.now(LOCAL).date() + timedelta(days=7)


def cell_time(day0: date, day: int, slot: int, minutes: int = 120, offset: int = 0) -> tuple[datetime, datetime]:
    d = day0 + timedelta(days=day)
    start = datetime(d.year, d.month, d.day, tzinfo=LOCAL) + timedelta(hours=2 * slot, minutes=offset)
    return start, start + timedelta(minutes=minutes)


# --------------------------------------------------------------------------------------------
# the bulk load: activities with one active booking each
# --------------------------------------------------------------------------------------------

def load_bookings(url: str, world: dict, n: int, seed: int, day0: date, status: str | None = None) -> dict:
    """``n`` activities with one active booking each, on random free cells of the year from ``day0``
    (``status``: every activity's, else 80 % published, 20 % draft)."""
    from sqlalchemy import insert

    from services.common.db import make_engine
    from services.events.models import metadata

    rng = random.Random(seed)
    spaces = world["spaces"]
    n_spaces = len(spaces)
    cells = n_spaces * YEAR_DAYS * SLOTS_PER_DAY
    if n > cells:
        raise SystemExit(f"--bookings {n} is more than the {cells} cells of {n_spaces} spaces over a year")
    chosen = rng.sample(range(cells), n)
    booked: dict[int, tuple[int, str]] = {}  # cell -> (minutes, activity id)
    t = metadata.tables
    now = datetime.now(timezone.utc)
    engine = make_engine(url)
    started = time.perf_counter()
    batch = 5000
    try:
        for b0 in range(0, n, batch):
            activities, bookings = [], []
            for cell in chosen[b0:b0 + batch]:
                space_i, rest = divmod(cell, YEAR_DAYS * SLOTS_PER_DAY)
                day, slot = divmod(rest, SLOTS_PER_DAY)
                venue_id, space_id, org_id = spaces[space_i]
                minutes = rng.choice((60, 90, 120))
                starts_at, ends_at = cell_time(day0, day, slot, minutes)
                aid, bid = seeded_uuid(rng), seeded_uuid(rng)
                booked[cell] = (minutes, aid)
                activities.append({
                    "id": aid, "title": f"职工文化活动{cell}", "brand_id": None,
                    "kind": rng.choice(("performance", "lecture", "exhibition", "training", "exchange")),
                    "org_id": org_id, "org_path": world["org_paths"][org_id], "capacity": 100,
                    "registration_opens_at": None, "registration_closes_at": None, "audience_open": True,
                    "audience_org_id": None, "audience_org_path": None,
                    "status": status or ("published" if rng.random() < 0.8 else "draft"),
                    "starts_at": starts_at, "ends_at": ends_at, "tour_id": None, "tour_position": None,
                    "lecturer_id": None, "address": None, "showcase_id": None, "flags": [],
                    "cancel_reason": None, "attendance": None, "version": 1, "created_at": now,
                    "updated_at": now})
                bookings.append({"id": bid, "activity_id": aid, "venue_id": venue_id, "space_id": space_id,
                                 "starts_at": starts_at, "ends_at": ends_at, "active": True})
            with engine.begin() as conn:
                conn.execute(insert(t["activities"]), activities)
                conn.execute(insert(t["bookings"]), bookings)
            note(f"loaded {min(n, b0 + batch):,} / {n:,} bookings")
        load_seconds = time.perf_counter() - started
        analysed = analyse(engine, "VACUUM (ANALYZE)")
    finally:
        engine.dispose()
    return {"booked": booked, "load_seconds": load_seconds, "analysed": analysed}


def settle(url: str, seconds: float = 10) -> None:
    """After a bulk load, before a latency measurement: PostgreSQL writes the load's dirty pages now
    (``CHECKPOINT``) rather than during the measurement; then ``seconds`` for the disk to drain."""
    from services.common.db import make_engine

    engine = make_engine(url)
    try:
        analyse(engine, "CHECKPOINT")
    finally:
        engine.dispose()
    eventlet.sleep(seconds)


# --------------------------------------------------------------------------------------------
# throughput
# --------------------------------------------------------------------------------------------

class Cells:
    """Hands out free cells after the loaded year, in every space in turn (never two alike)."""

    def __init__(self, world: dict, day0: date, first_day: int):
        self.spaces = world["spaces"]
        self.day0, self.first_day, self.i = day0, first_day, 0

    def next(self) -> tuple[str, str, str, datetime, datetime]:
        i, self.i = self.i, self.i + 1
        space_i = i % len(self.spaces)
        slot, day = (i // len(self.spaces)) % SLOTS_PER_DAY, i // (len(self.spaces) * SLOTS_PER_DAY)
        venue_id, space_id, org_id = self.spaces[space_i]
        s, e = cell_time(self.day0, self.first_day + day, slot, 90)
        return venue_id, space_id, org_id, s, e


def activity_input(venue_id, space_id, org_id, starts_at: datetime, ends_at: datetime, title: str,
                   capacity: int = 50) -> dict:
    return {"title": title, "kind": "performance", "org_id": org_id, "capacity": capacity,
            "audience": {"open": True, "org_id": None},
            "bookings": [{"venue_id": venue_id, "space_id": space_id, "starts_at": starts_at.isoformat(),
                          "ends_at": ends_at.isoformat()}]}


def prepare_registrations(amqp_uri: str, world: dict, day0: date) -> list[str]:
    """Four published activities of 100,000 places in the hall, far after the loaded year."""
    ids = []
    with rpc_client(amqp_uri, world["fed"]) as p:
        for j, space_id in enumerate(world["hall_spaces"]):
            s, e = cell_time(day0, YEAR_DAYS + 300, 6 + j % 4, 120)
            a = p.events.schedule_activity(activity_input(world["hall"], space_id, world["city"], s, e,
                                                          f"五月歌会·职工合唱{j + 1}", capacity=100_000))
            p.events.publish_activity(a["id"])
            ids.append(a["id"])
    return ids


# --------------------------------------------------------------------------------------------
# latency of schedule_activity over RPC: conflict vs free, one caller
# --------------------------------------------------------------------------------------------

def _free_cells(booked: dict, n_cells: int, rng: random.Random, k: int, taken: set) -> list[int]:
    out = []
    while len(out) < k:
        c = rng.randrange(n_cells)
        if c not in booked and c not in taken:
            taken.add(c)
            out.append(c)
    return out


def cell_booking(world: dict, day0: date, cell: int, minutes: int = 120, offset: int = 0):
    space_i, rest = divmod(cell, YEAR_DAYS * SLOTS_PER_DAY)
    day, slot = divmod(rest, SLOTS_PER_DAY)
    venue_id, space_id, org_id = world["spaces"][space_i]
    s, e = cell_time(day0, day, slot, minutes, offset)
    return venue_id, space_id, org_id, s, e


def rpc_latency(amqp_uri: str, world: dict, day0: date, booked: dict, metrics_port: int, calls: int,
                budget: float, rng: random.Random, taken: set) -> list[dict]:
    booked_cells = list(booked)
    n_cells = len(world["spaces"]) * YEAR_DAYS * SLOTS_PER_DAY
    results = []
    cluster = rpc_client(amqp_uri, world["fed"], timeout=300)
    proxy = cluster.start()
    try:
        # the echo round trip with the same single caller: the floor of every row below
        lats = echo_latencies(proxy, activity_input("v", "s", "o", *cell_time(day0, 0, 0), "x"), calls, min(budget, 5))
        results.append({"kind": "echo (bare nameko, same payload)", **stats(lats), "server": float("nan"),
                        "outcomes": {"ok": len(lats)}})

        def conflict_args():
            cell = rng.choice(booked_cells)
            minutes, _ = booked[cell]
            offset = rng.choice((0, 30)) if minutes > 60 else 0  # still inside the cell: no midnight
            v, s, o, st, _e = cell_booking(world, day0, cell, 60, offset)
            return activity_input(v, s, o, st, _e, "冲突测试"), "Conflict"

        free_pool = _free_cells(booked, n_cells, rng, calls + 10, taken)

        def free_args():
            v, s, o, st, e = cell_booking(world, day0, free_pool.pop(), 120)
            return activity_input(v, s, o, st, e, "空闲时段测试"), "ok"

        for label, make in (("(a) overlaps a loaded booking -> Conflict", conflict_args),
                            ("(b) fits a free cell among the loaded ones", free_args)):
            for _ in range(3):  # warm-up
                data, _expected = make()
                try:
                    proxy.events.schedule_activity(data)
                except Exception:  # noqa: BLE001
                    pass
            before = rpc_latency_totals(metrics_port, "events", "schedule_activity")
            hist_before = rpc_latency_histogram(metrics_port, "events", "schedule_activity")
            lats, outcomes = [], {}
            first_unexpected = None
            t_end = time.perf_counter() + budget
            while len(lats) < calls and (time.perf_counter() < t_end or len(lats) < 5):
                data, expected = make()
                t0 = time.perf_counter()
                try:
                    proxy.events.schedule_activity(data)
                    outcome = "ok"
                except Exception as exc:  # noqa: BLE001
                    outcome = getattr(exc, "exc_type", type(exc).__name__)
                    if outcome != expected:
                        first_unexpected = first_unexpected or repr(exc)[:300]
                lats.append(time.perf_counter() - t0)
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
            server = server_mean(before, rpc_latency_totals(metrics_port, "events", "schedule_activity"))
            hist_after = rpc_latency_histogram(metrics_port, "events", "schedule_activity")
            row = {"kind": label, **stats(lats), "server": server, "outcomes": outcomes,
                   "server_p99": histogram_quantile(0.99, hist_before, hist_after),
                   "first_unexpected": first_unexpected}
            results.append(row)
            note(f"{label}: p50 {ms(row['p50'])} ms n={row['n']} {outcomes}")
    finally:
        cluster.stop()
    return results


# --------------------------------------------------------------------------------------------
# the overlap query alone (SQLAlchemy, no RPC), its variants, the insert guard, the plans
# --------------------------------------------------------------------------------------------

def _explain_class():
    from sqlalchemy.ext.compiler import compiles
    from sqlalchemy.sql.expression import ClauseElement, Executable

    class Explain(Executable, ClauseElement):
        inherit_cache = False

        def __init__(self, stmt, analyze=False):
            self.statement, self.analyze = stmt, analyze

    @compiles(Explain, "postgresql")
    def _pg(element, compiler, **kw):
        return ("EXPLAIN (ANALYZE, BUFFERS) " if element.analyze else "EXPLAIN ") + \
            compiler.process(element.statement, **kw)

    @compiles(Explain, "sqlite")
    def _lite(element, compiler, **kw):
        return "EXPLAIN QUERY PLAN " + compiler.process(element.statement, **kw)

    return Explain


def unbounded_select(space_id: str, starts_at: datetime, ends_at: datetime):
    """The SELECT ``usecases._check_bookings`` ran before events migration 0008 (no lower bound)."""
    from sqlalchemy import select

    from services.events.models import Booking

    return select(Booking).where(
        Booking.space_id == space_id, Booking.active.is_(True),
        Booking.starts_at < ends_at, Booking.ends_at > starts_at)


def overlap_select(space_id: str, starts_at: datetime, ends_at: datetime):
    """The SELECT ``usecases._check_bookings`` runs (same expression, same ORM entity): bounded
    below by the longest booking, on the partial index ``ix_bookings_live_space_time``."""
    from services.events import domain
    from services.events.models import Booking

    return unbounded_select(space_id, starts_at, ends_at).where(
        Booking.starts_at > starts_at - domain.MAX_ACTIVITY_LENGTH).limit(1)


def bounded_select(space_id: str, starts_at: datetime, ends_at: datetime):
    """The same, bounded below by the longest booking (31 days): the index range stops there."""
    from services.events import domain

    from services.events.models import Booking

    return unbounded_select(space_id, starts_at, ends_at).where(
        Booking.starts_at > starts_at - domain.MAX_ACTIVITY_LENGTH)


def gist_select(space_id: str, starts_at: datetime, ends_at: datetime):
    """PostgreSQL: the exclusion constraint's own predicate, which its GiST index can serve."""
    from sqlalchemy import func, literal, select, true
    from sqlalchemy.dialects.postgresql import TSTZRANGE

    from services.events.models import Booking

    return select(Booking).where(
        Booking.space_id == space_id, Booking.active == true(),
        func.tstzrange(Booking.starts_at, Booking.ends_at, literal("[)"), type_=TSTZRANGE).op("&&")(
            func.tstzrange(starts_at.astimezone(timezone.utc), ends_at.astimezone(timezone.utc), literal("[)"),
                           type_=TSTZRANGE)))


def raw_queries(url: str, world: dict, day0: date, booked: dict, rng: random.Random, n: int,
                taken: set) -> dict:
    from sqlalchemy import event, func, insert, select
    from sqlalchemy.orm import Session

    from services.common.db import make_engine
    from services.events.models import Booking, metadata

    engine = make_engine(url)
    is_pg = engine.dialect.name == "postgresql"
    booked_cells = list(booked)
    n_spaces = len(world["spaces"])
    n_cells = n_spaces * YEAR_DAYS * SLOTS_PER_DAY
    captured = {}

    @event.listens_for(engine, "before_cursor_execute")
    def _capture(conn, cursor, statement, parameters, context, executemany):
        captured["sql"], captured["params"] = statement, parameters

    def conflict_target():
        cell = rng.choice(booked_cells)
        _v, s, _o, st, e = cell_booking(world, day0, cell, 60, 0)
        return s, st, e

    def free_target():  # a free cell (nothing here inserts for good: cells may repeat)
        while True:
            cell = rng.randrange(n_cells)
            if cell not in booked and cell not in taken:
                _v, s, _o, st, e = cell_booking(world, day0, cell, 120)
                return s, st, e

    def after_year_target():  # every booking of the space started before: the longest index range
        _v, s, _o = world["spaces"][rng.randrange(n_spaces)]
        st, e = cell_time(day0, YEAR_DAYS + 200 + rng.randrange(30), rng.randrange(SLOTS_PER_DAY), 120)
        return s, st, e

    def first_week_target():  # few bookings of the space started before: the shortest range
        while True:
            cell = rng.randrange(n_spaces) * YEAR_DAYS * SLOTS_PER_DAY + rng.randrange(7 * SLOTS_PER_DAY)
            if cell not in booked and cell not in taken:
                _v, s, _o, st, e = cell_booking(world, day0, cell, 120)
                return s, st, e

    targets = [("conflict (overlaps a loaded booking)", conflict_target, True),
               ("free cell, random day of the year", free_target, False),
               ("free cell, first week (short index range)", first_week_target, False),
               ("free cell after the year (whole space history in range)", after_year_target, False)]
    forms = [("use case's SELECT", overlap_select), ("unbounded (before migration 0008)", unbounded_select)]
    if is_pg:
        forms.append(("tstzrange && (the GiST index's form)", gist_select))
    rows = []
    try:
        with Session(engine) as session:
            for form_label, make in forms:
                for label, target, expect in targets:
                    if form_label != "use case's SELECT" and "first week" in label:
                        continue
                    orm, dbapi, found = [], [], 0
                    for i in range(n + 20):
                        s, st, e = target()
                        stmt = make(s, st, e)
                        t0 = time.perf_counter()
                        clash = session.scalars(stmt).first()
                        t1 = time.perf_counter()
                        sql, params = captured["sql"], captured["params"]
                        cur = session.connection().connection.dbapi_connection.cursor()
                        t2 = time.perf_counter()
                        cur.execute(sql, params)
                        cur.fetchall()
                        t3 = time.perf_counter()
                        cur.close()
                        if i >= 20:  # the first 20: warm-up (caches, statement compilation)
                            orm.append(t1 - t0)
                            dbapi.append(t3 - t2)
                            found += clash is not None
                        if i % 50 == 49:
                            session.commit()  # SQLite: let the idle service's relay have the lock
                    session.commit()
                    rows.append({"form": form_label, "target": label, "orm": stats(orm), "dbapi": stats(dbapi),
                                 "found": found, "expected_found": n if expect else 0})
            plans = {}
            Explain = _explain_class()
            s, st, e = conflict_target()
            for form_label, make in forms:
                plans[form_label] = [" | ".join(str(c) for c in r) if not is_pg else r[0]
                                     for r in session.execute(Explain(make(s, st, e), analyze=is_pg)).all()]
            session.commit()
            # The insert-time guard: one booking inserted (the trigger / exclusion constraint checks
            # it), then rolled back. Free cells pass the guard; overlapping ones are refused by it.
            guard = {}
            table = metadata.tables["bookings"]
            activity_id = next(iter(booked.values()))[1]
            for label, target in (("insert into a free cell (guard passes)", free_target),
                                  ("insert overlapping a booking (guard refuses)", conflict_target)):
                lats, refused = [], 0
                for i in range(min(n, 300) + 10):
                    s, st, e = target()
                    venue_id = next(v for v, sp, _ in world["spaces"] if sp == s)
                    with engine.connect() as conn:
                        trans = conn.begin()
                        t0 = time.perf_counter()
                        try:
                            conn.execute(insert(table).values(
                                id=str(uuid.uuid4()), activity_id=activity_id, venue_id=venue_id, space_id=s,
                                starts_at=st, ends_at=e, active=True))
                            ok = True
                        except Exception:  # noqa: BLE001 - the guard said no
                            ok = False
                        dt = time.perf_counter() - t0
                        trans.rollback()
                    if i >= 10:
                        lats.append(dt)
                        refused += not ok
                guard[label] = {**stats(lats), "refused": refused}
            counts = {}
            with engine.connect() as conn:
                counts["bookings"] = conn.scalar(select(func.count()).select_from(Booking))
                per_space = conn.execute(select(Booking.space_id, func.count()).group_by(Booking.space_id)).all()
                counts["max per space"] = max(c for _, c in per_space)
                counts["mean per space"] = round(statistics.fmean(c for _, c in per_space), 1)
    finally:
        engine.dispose()
    return {"rows": rows, "plans": plans, "guard": guard, "counts": counts}


# --------------------------------------------------------------------------------------------
# the use case in this process (no RPC): where a schedule_activity call's server time goes
# --------------------------------------------------------------------------------------------

def _statement_kind(sql: str) -> str:
    kind = statement_kind(sql)
    if kind == "SELECT pg_advisory_xact_lock":
        return "SELECT pg_advisory_xact_lock (slot + outbox locks)"
    if kind.startswith("BEGIN"):
        return "BEGIN IMMEDIATE (waits for SQLite's write lock)"
    if kind == "SELECT bookings" and "starts_at <" in " ".join(sql.split()):
        return "SELECT bookings (the overlap check)"
    return kind


def in_process(url: str, world: dict, day0: date, booked: dict, rng: random.Random, n: int, taken: set) -> dict:
    """``usecases.schedule_activity`` + ``activity_view`` + commit, as the service's worker runs them,
    with every statement timed at the cursor; (a) conflicting and (b) free targets."""
    from sqlalchemy.orm import sessionmaker

    from services.common.auth import decode_caller
    from services.common.db import make_engine
    from services.events import schemas as s
    from services.events.usecases import activities as uc

    engine = make_engine(url)
    make_session = sessionmaker(bind=engine, expire_on_commit=False)
    caller = decode_caller(f"Bearer {world['fed']}", JWT_SECRET)
    statements = StatementLog(engine, _statement_kind)

    booked_cells = list(booked)
    n_cells = len(world["spaces"]) * YEAR_DAYS * SLOTS_PER_DAY
    free = _free_cells(booked, n_cells, rng, n + 10, taken)
    out = {}
    try:
        for label, expect_conflict in (("(a) conflict", True), ("(b) free", False)):
            totals, commits, sql_times, per_kind, counts = [], [], [], {}, []
            for i in range(n + 5):
                if expect_conflict:
                    v, sp, o, st, e = cell_booking(world, day0, rng.choice(booked_cells), 60, 0)
                else:
                    v, sp, o, st, e = cell_booking(world, day0, free.pop(), 120)
                data = s.ActivityInput().load(activity_input(v, sp, o, st, e, "进程内测试"))
                statements.start()
                session = make_session()
                t0 = time.perf_counter()
                try:
                    activity = uc.schedule_activity(session, caller, data)
                    uc.activity_view(session, activity, new=True)
                    tc = time.perf_counter()
                    session.commit()
                    t1 = time.perf_counter()
                except Exception:  # noqa: BLE001 - the Conflict
                    tc = time.perf_counter()
                    session.rollback()
                    t1 = time.perf_counter()
                finally:
                    session.close()
                    log = statements.stop()
                if i < 5:
                    continue
                totals.append(t1 - t0)
                commits.append(t1 - tc)
                sql_times.append(sum(d for _, d, _ in log))
                counts.append(len(log))
                for kind, d, _ in log:
                    per_kind.setdefault(kind, []).append(d)
            kinds = {k: {"count": len(v) / len(totals), "mean": statistics.fmean(v), "total": sum(v) / len(totals)}
                     for k, v in per_kind.items()}
            out[label] = {"total": stats(totals), "commit": stats(commits), "sql": stats(sql_times),
                          "statements": statistics.fmean(counts), "kinds": kinds}
    finally:
        engine.dispose()
    return out


def print_in_process(backend: str, res: dict) -> None:
    say(f"### schedule_activity in this process (use case + activity_view + commit, no RPC) ({backend})\n")
    rows = []
    for label, r in res.items():
        rows.append([label, str(r["total"]["n"]), ms(r["total"]["p50"], 2), ms(r["total"]["p99"], 2),
                     f"{r['statements']:.0f}", ms(r["sql"]["mean"], 2), ms(r["commit"]["mean"], 2),
                     ms(r["total"]["mean"] - r["sql"]["mean"] - r["commit"]["mean"], 2)])
    say(table(["target", "n", "total p50 ms", "total p99 ms", "statements", "in cursor.execute, mean ms",
               "commit/rollback, mean ms", "the rest (Python: ORM, schemas), mean ms"], rows))
    for label, r in res.items():
        say(f"\n{label}: statements, mean per call:\n")
        say(table(["statement", "count", "mean ms", "ms per call"],
                  [[k, f"{v['count']:.1f}", ms(v["mean"], 3), ms(v["total"], 3)]
                   for k, v in sorted(r["kinds"].items(), key=lambda kv: -kv[1]["total"])]))
    say()


# --------------------------------------------------------------------------------------------
# the flash crowd: many workers register for one activity at once
# --------------------------------------------------------------------------------------------

def flash_crowd(amqp_uri: str, world: dict, day0: date, events_url: str, workers: int, capacity: int,
                callers: int, slot: int, label: str, servers: dict) -> dict:
    """``workers`` register for one new published activity of ``capacity`` places, ``callers`` at
    a time, each caller a fresh client (started with the crowd, no warm-up); then checks in the
    database that exactly ``capacity`` are confirmed, the others waitlisted in arrival order, and
    that each reply's position is its rank in that waitlist."""
    from sqlalchemy import select

    from services.common.db import make_engine
    from services.events.models import Registration

    from measure import cpu_snapshot
    from report import cpu_delta

    with rpc_client(amqp_uri, world["fed"]) as p:
        s, e = cell_time(day0, YEAR_DAYS + 200 + slot // 4, 6 + slot % 4, 120)
        activity = p.events.schedule_activity(activity_input(world["hall"], world["hall_spaces"][slot % 4],
                                                             world["city"], s, e, f"读书节·签售{slot}", capacity))
        p.events.publish_activity(activity["id"])
    grassroots = [o for o, _ in world["owners"]]
    todo, replies, lats, errors = list(range(workers)), {}, [], {}

    def caller():
        with rpc_client(amqp_uri, world["fed"], timeout=300) as proxy:
            while todo:
                w = todo.pop(0)
                t0 = time.perf_counter()
                try:
                    replies[f"crowd-{slot}-{w}"] = proxy.events.register(
                        activity["id"], {"id": f"crowd-{slot}-{w}", "name": f"职工{w}",
                                         "org_id": grassroots[w % len(grassroots)]})
                except Exception as exc:  # noqa: BLE001 - counted
                    kind = getattr(exc, "exc_type", type(exc).__name__)
                    errors[kind] = errors.get(kind, 0) + 1
                lats.append(time.perf_counter() - t0)

    pool = eventlet.GreenPool(callers)
    cpu0 = cpu_snapshot(servers)
    t0 = time.perf_counter()
    for _ in range(callers):
        pool.spawn(caller)
    pool.waitall()
    elapsed = time.perf_counter() - t0
    cpu = cpu_delta(cpu0, cpu_snapshot(servers))
    engine = make_engine(events_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(Registration.worker_id, Registration.status, Registration.queue_seq)
                                .where(Registration.activity_id == activity["id"])
                                .order_by(Registration.queue_seq)).all()
    finally:
        engine.dispose()
    statuses = [r.status for r in rows]
    waitlist = [r.worker_id for r in rows if r.status == "waitlisted"]
    exact = (len(rows) == workers and statuses.count("confirmed") == capacity
             and statuses == ["confirmed"] * capacity + ["waitlisted"] * (workers - capacity)
             and all(replies.get(w, {}).get("position") == i + 1 for i, w in enumerate(waitlist))
             and all(replies.get(r.worker_id, {}).get("status") == r.status for r in rows))
    lats.sort()
    return {"label": label, "calls": len(lats), "seconds": elapsed, "per_s": len(lats) / elapsed,
            **{k: v for k, v in stats(lats).items() if k in ("p50", "p90", "p99", "max")},
            "confirmed": statuses.count("confirmed"), "waitlisted": statuses.count("waitlisted"),
            "exact": exact, "errors": errors, "cpu_ms_per_call": {k: 1000 * v / len(lats) for k, v in cpu.items()}}


def print_flash(backend: str, rows: list[dict], echo_tp: dict | None, workers: int, capacity: int,
                callers: int) -> None:
    say(f"### flash crowd: {workers:,} workers register for one activity of {capacity} places, {callers} callers "
        f"each a fresh client ({backend})\n")
    echo = f"{echo_tp['calls_per_s']:.0f} calls/s" if echo_tp else "not measured"
    say(table(["served by", "registrations/s", "p50 ms", "p99 ms", "max ms", "confirmed", "waitlisted",
               "exact (capacity, order, positions)", "errors", "events CPU ms/call"],
              [[r["label"], f"{r['per_s']:.0f}", ms(r["p50"]), ms(r["p99"]), ms(r["max"]), str(r["confirmed"]),
                str(r["waitlisted"]), "yes" if r["exact"] else "NO", str(r["errors"] or "-"),
                ms(sum(v for k, v in r["cpu_ms_per_call"].items() if k.startswith("events")) / 1000)]
               for r in rows]))
    say(f"\n(echo in the same run: {echo})\n")


# --------------------------------------------------------------------------------------------
# the run
# --------------------------------------------------------------------------------------------

def run_backend(backend: str, args, amqp_uri: str, tmp: Path, echo: Server, pg: PostgresDatabases | None,
                echo_tp: dict | None) -> dict:
    registry_url, events_url = migrated_databases(backend, tmp, pg, "registry", "events")
    registry_port, events_port = free_port(), free_port()
    registry = start_service("registry", amqp_uri, registry_url, registry_port, tmp, CULTURE_JWT_SECRET=JWT_SECRET)
    events = start_service("events", amqp_uri, events_url, events_port, tmp, CULTURE_JWT_SECRET=JWT_SECRET)
    out = {"backend": backend}
    rng = random.Random(args.seed)
    day0 = base_day()
    try:
        note(f"{backend}: registering orgs and venues through the registry")
        world = build_world(amqp_uri, args.spaces, events_url)
        say(f"world: {len(world['org_paths'])} orgs, {len(world['venues'])} venues, {len(world['spaces'])} spaces "
            f"(+4 in the hall), registered over RPC and seen by events in {world['seconds']:.1f} s")
        servers = {"echo server": echo.pid, "registry server": registry.pid, "events server": events.pid}
        before = None
        if not args.skip_throughput:  # the same measurement on an empty database: what the load costs
            note(f"{backend}: throughput schedule_activity before the load ({args.seconds:g} s)")
            empty_cells = Cells(world, day0, YEAR_DAYS + 150)
            before = throughput(amqp_uri, "events.schedule_activity (new free cell), empty database",
                                lambda p: p.events.schedule_activity,
                                lambda: (activity_input(*empty_cells.next(), "文化快车演出"),), args.seconds,
                                args.concurrency, servers, token=world["fed"])
        note(f"{backend}: loading {args.bookings:,} bookings")
        data = load_bookings(events_url, world, args.bookings, args.seed, day0)
        out["load_seconds"] = data["load_seconds"]
        say(f"loaded {args.bookings:,} activities + bookings over {YEAR_DAYS} days from {day0} (local) in "
            f"{data['load_seconds']:.1f} s" + (" (then VACUUM ANALYZE, as autovacuum would)" if data["analysed"]
                                              else " (no ANALYZE, as in a running service)"))
        settle(events_url)  # the load's writes go to disk now, not during the measurements below
        tps = [echo_tp] if echo_tp else []
        if not args.skip_throughput:
            cells = Cells(world, day0, YEAR_DAYS + 10)
            note(f"{backend}: throughput schedule_activity ({args.seconds:g} s)")
            counter = [0]

            def schedule_args():
                counter[0] += 1
                return (activity_input(*cells.next(), f"文化快车演出{counter[0]}"),)

            tps.append(throughput(amqp_uri, f"events.schedule_activity (new free cell), {args.bookings:,} loaded",
                                  lambda p: p.events.schedule_activity, schedule_args, args.seconds,
                                  args.concurrency, servers, token=world["fed"]))
            activity_ids = prepare_registrations(amqp_uri, world, day0)
            workers = [0]
            grassroots = [o for o, _ in world["owners"]]

            def register_args():
                workers[0] += 1
                w = workers[0]
                return (activity_ids[w % len(activity_ids)],
                        {"id": f"worker-{w}", "name": f"职工{w}", "org_id": grassroots[w % len(grassroots)]})

            note(f"{backend}: throughput register ({args.seconds:g} s)")
            tp = throughput(amqp_uri, f"events.register ({len(activity_ids)} activities of 100,000 places)",
                            lambda p: p.events.register, register_args, args.seconds, args.concurrency, servers,
                            token=world["fed"])
            tp["registrations_per_activity"] = workers[0] / len(activity_ids)
            tps.append(tp)
            tps.append(before)  # last: the summary reads schedule_activity and register at 1 and 2
            print_throughput(backend, tps, args.concurrency, PARTIES, busy_header="CPU busy (200% = both cores)",
                             short=_short, footnote=_registrations)
        out["throughput"] = tps
        if args.crowd:
            note(f"{backend}: flash crowd ({args.crowd:,} workers, {args.crowd_capacity} places)")
            crowd = [flash_crowd(amqp_uri, world, day0, events_url, args.crowd, args.crowd_capacity,
                                 args.crowd_callers, 0, "one events process", servers)]
            if backend == "postgres":  # a second replica on the same database, for the crowd only
                second_port = free_port()
                second = start_service("events", amqp_uri, events_url, second_port, tmp,
                                       CULTURE_JWT_SECRET=JWT_SECRET)
                try:
                    crowd.append(flash_crowd(amqp_uri, world, day0, events_url, args.crowd, args.crowd_capacity,
                                             args.crowd_callers, 1, "two events replicas, one database",
                                             {**servers, "events server 2": second.pid}))
                finally:
                    second.stop()
            out["flash_crowd"] = crowd
            print_flash(backend, crowd, echo_tp, args.crowd, args.crowd_capacity, args.crowd_callers)
        taken: set = set()
        note(f"{backend}: schedule_activity latency over RPC")
        out["latency"] = rpc_latency(amqp_uri, world, day0, data["booked"], events_port, args.latency_calls,
                                     args.latency_seconds, rng, taken)
        print_latency(backend, out["latency"], args.bookings)
        if args.history:  # flat as history grows: a past year of completed activities, then again
            note(f"{backend}: loading a past year of {args.bookings:,} completed bookings")
            load_bookings(events_url, world, args.bookings, args.seed + 1, day0 - timedelta(days=YEAR_DAYS + 7),
                          status="completed")
            settle(events_url)
            out["latency_with_history"] = rpc_latency(amqp_uri, world, day0, data["booked"], events_port,
                                                      args.latency_calls, args.latency_seconds, rng, taken)
            print_latency(backend, out["latency_with_history"], args.bookings,
                          f"and a past year of {args.bookings:,} completed bookings")
        note(f"{backend}: the overlap query alone")
        out["raw"] = raw_queries(events_url, world, day0, data["booked"], rng, args.raw_calls, taken)
        print_raw(backend, out["raw"])
        note(f"{backend}: the use case in this process")
        out["in_process"] = in_process(events_url, world, day0, data["booked"], rng, args.in_process_calls, taken)
        print_in_process(backend, out["in_process"])
    finally:
        end_backend(backend, pg, events, registry)
    return out


PARTIES = ["client", "echo server", "registry server", "events server", "rabbitmq", "postgres"]


def _short(tp: dict) -> str:
    """A call in the CPU table: its name, and whether the database was empty."""
    return tp["label"].split(" (")[0] + (", empty database" if tp["label"].endswith("empty database") else "")


def _registrations(tp: dict) -> str | None:
    if "registrations_per_activity" in tp:
        return f"(register: about {tp['registrations_per_activity']:.0f} registrations per activity by the end)"
    return None


def print_latency(backend: str, rows: list[dict], bookings: int, history: str = "") -> None:
    say(f"### schedule_activity over RPC, {bookings:,} bookings loaded{' ' + history if history else ''}, "
        f"one caller ({backend})\n")
    out = []
    for r in rows:
        out.append([r["kind"], str(r["n"]), ms(r["p50"]), ms(r["p90"]), ms(r["p99"]), ms(r["max"]),
                    ms(r["server"]), ms(r.get("server_p99", float("nan"))),
                    ", ".join(f"{k} {v}" for k, v in r["outcomes"].items())])
    say(table(["call", "n", "p50 ms", "p90 ms", "p99 ms", "max ms", "server ms (mean)",
               "server p99 ms (histogram)", "outcomes"], out))
    for r in rows:
        if r.get("first_unexpected"):
            say(f"\nUNEXPECTED outcome in \"{r['kind']}\": {r['first_unexpected']}")
    say()


def print_raw(backend: str, raw: dict) -> None:
    c = raw["counts"]
    say(f"### the overlap query alone, SQLAlchemy in this process, no RPC ({backend}; {c['bookings']:,} bookings, "
        f"{c['mean per space']} a space on average, {c['max per space']} at most)\n")
    out = []
    for r in raw["rows"]:
        o, d = r["orm"], r["dbapi"]
        out.append([r["form"], r["target"], str(o["n"]), ms(o["p50"], 3), ms(o["p90"], 3), ms(o["p99"], 3),
                    ms(o["max"], 2), ms(d["p50"], 3), ms(d["p99"], 3), f"{r['found']}/{r['expected_found']}"])
    say(table(["query", "target", "n", "ORM p50 ms", "p90", "p99", "max", "DBAPI p50 ms", "DBAPI p99",
               "clashes found/expected"], out, "llrrrrrrrr"))
    say("\nthe insert-time guard (one booking inserted, then rolled back):\n")
    say(table(["insert", "n", "p50 ms", "p90 ms", "p99 ms", "max ms", "refused"],
              [[k, str(v["n"]), ms(v["p50"], 3), ms(v["p90"], 3), ms(v["p99"], 3), ms(v["max"], 2),
                str(v["refused"])] for k, v in raw["guard"].items()]))
    say("\nquery plans (" + ("EXPLAIN ANALYZE" if backend == "postgres" else "EXPLAIN QUERY PLAN")
        + ", a conflicting target):\n")
    for form, lines in raw["plans"].items():
        say(f"- {form}:")
        say("```")
        for line in lines:
            say(line)
        say("```")
    say()


def print_summary(results: dict, args) -> None:
    if len(results["backends"]) < 2 or args.skip_throughput:
        return
    print_throughput_summary(results, "events", ("schedule_activity", "register"), 3)
    say("## summary: schedule_activity over RPC, p50 / p99 ms (server-side mean; server p99 by histogram)\n")
    rows = []
    for key, after in (("latency", ""), ("latency_with_history", ", + a past year of completed bookings")):
        if not all(key in b for b in results["backends"]):
            continue
        for i in range(3):
            rows.append([results["backends"][0][key][i]["kind"] + (after if i else "")] + [
                f"{ms(b[key][i]['p50'])} / {ms(b[key][i]['p99'])} ({ms(b[key][i]['server'])}; "
                f"{ms(b[key][i].get('server_p99', float('nan')))})" for b in results["backends"]])
    say(table(["call"] + [b["backend"] for b in results["backends"]], rows))
    say()


def main(argv=None) -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--bookings", type=int, default=100_000, help="bookings loaded per backend")
    parser.add_argument("--spaces", type=int, default=200, help="spaces they are spread over (20 a venue)")
    add_throughput_args(parser)
    parser.add_argument("--latency-calls", type=int, default=200, help="RPC samples per kind (at most)")
    parser.add_argument("--latency-seconds", type=float, default=10,
                        help="time budget per RPC latency kind (at least 5 samples are taken)")
    parser.add_argument("--raw-calls", type=int, default=1000, help="samples per raw query row")
    parser.add_argument("--in-process-calls", type=int, default=100,
                        help="samples per target of the use case run in this process")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--no-history", dest="history", action="store_false",
                        help="skip the conflict check again after a past year of completed bookings")
    parser.add_argument("--crowd", type=int, default=2000, help="flash crowd: workers registering for one "
                        "activity (0: skip; on PostgreSQL also with two events replicas)")
    parser.add_argument("--crowd-capacity", type=int, default=500, help="flash crowd: the activity's places")
    parser.add_argument("--crowd-callers", type=int, default=16, help="flash crowd: concurrent callers")
    add_run_args(parser)
    args = parse_args(parser, argv)

    def echo_payload() -> dict:
        return activity_input(str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4()), *cell_time(base_day(), 0, 0),
                              "文化快车演出1")

    return run_benchmark(args, name="events", script=__file__,
                         servers="`python -m services.common.run registry` and `... events`",
                         one_caller_for="latency", echo_payload=echo_payload,
                         echo_label="bench_echo.echo (schedule_activity's payload)", run_backend=run_backend,
                         summary=print_summary)


if __name__ == "__main__":
    sys.exit(main())
