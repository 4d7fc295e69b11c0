#!/usr/bin/env python
"""Registry benchmark: RPC throughput against a bare nameko echo service, and search latency at scale.

    .venv/bin/python bench/bench_registry.py [--backend sqlite|postgres|both] [--venues 100000]
                                             [--seconds 10] [--concurrency 8]

What it does (figures only; it never asserts a timing):

1. environment: CPUs, Python, nameko, SQLite/PostgreSQL/RabbitMQ versions, date;
2. a throwaway RabbitMQ vhost (management API, else ``rabbitmqctl``), deleted at the end, so the
   benchmark's "registry" never meets a running platform's;
3. per backend, a throwaway database (a SQLite file in a temp dir, or a fresh PostgreSQL database
   ``bench_<random>``, dropped at the end) migrated with ``services.common.migrate.upgrade`` and
   bulk-loaded with ``--venues`` venues (SQLAlchemy core inserts, batches of 5,000);
4. servers as subprocesses: the registry as ``python -m services.common.run registry`` (exactly
   what ``make run`` starts), the echo service as this script in ``--serve-echo`` mode; the
   client is this process (eventlet green threads, each with its own ``ClusterRpcProxy``);
5. throughput: calls/s for ``bench_echo.echo``, ``registry.get_venue`` and
   ``registry.search_venues({"district": "中山区", "limit": 20})`` with ``--concurrency`` callers
   for ``--seconds`` each, the CPU each process used per call, and the ratio registry/echo;
6. latency: one caller, a mix of ``search_venues`` queries; p50/p90/p99/max per query kind, the
   mean page size (a sanity check that the query hits data) and the server-side handling time
   (from the registry's own ``culture_rpc_latency_seconds`` histogram) so the AMQP round trip
   can be told apart from the work.

``--json FILE`` also writes every figure as JSON.
"""
from __future__ import annotations

import boot  # noqa: F401  (first: the project on sys.path, eventlet monkey-patched; bench/boot.py)

import bisect
import json
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from common import (
    PostgresDatabases, Server, add_run_args, add_throughput_args, analyse, bench_parser, database_url,
    end_backend, free_port, note, parse_args, run_benchmark, seeded_uuid, start_service)
from measure import echo_latencies, rpc_client, rpc_latency_totals, throughput
from report import ms as report_ms
from report import percentile, print_throughput, print_throughput_summary, say, stats, table


def ms(seconds: float) -> str:
    """Milliseconds as the registry's tables print them: one decimal below 100 ms, none above."""
    return report_ms(seconds, coarse=True)


# --------------------------------------------------------------------------------------------
# data: a realistic Dalian network, bulk-inserted
# --------------------------------------------------------------------------------------------

# (district, centre lat, centre lon, spread in degrees, share of the venues)
DISTRICTS = [
    ("中山区", 38.915, 121.645, 0.020, 0.10),
    ("西岗区", 38.912, 121.605, 0.015, 0.08),
    ("沙河口区", 38.905, 121.580, 0.020, 0.12),
    ("甘井子区", 38.950, 121.520, 0.050, 0.20),
    ("旅顺口区", 38.850, 121.260, 0.050, 0.07),
    ("金州区", 39.100, 121.780, 0.070, 0.15),
    ("普兰店区", 39.390, 121.960, 0.090, 0.08),
    ("瓦房店市", 39.630, 122.000, 0.090, 0.10),
    ("庄河市", 39.680, 122.970, 0.090, 0.08),
    ("长海县", 39.270, 122.590, 0.080, 0.02),
]
LAT_RANGE, LON_RANGE = (38.8, 39.7), (121.2, 123.0)
# (type, share, name suffix)
TYPES = [
    ("book_room", 0.50, "职工书屋"),
    ("community_centre", 0.20, "社区职工文化活动中心"),
    ("enterprise_centre", 0.15, "企业职工文化中心"),
    ("club", 0.08, "职工俱乐部"),
    ("district_hall", 0.04, "职工文化馆"),
    ("palace", 0.02, "工人文化宫"),
    ("city_centre", 0.01, "职工文化活动中心"),
]
STATUSES = [("open", 0.80), ("planned", 0.05), ("under_construction", 0.05), ("suspended", 0.05),
            ("closed", 0.05)]
STREETS = ["人民路", "中山路", "解放路", "黄河路", "长江路", "五一路", "西安路", "高尔基路", "天津街", "友好路",
           "胜利路", "华北路", "金马路", "振兴路", "滨海路"]
SPACE_NAMES = ["阅览室", "多功能厅", "排练厅", "培训教室", "展厅", "书画室", "健身房"]
FACILITIES = ["wifi", "accessible", "parking", "projector", "piano", "stage", "library", "cafe"]
ENTERPRISE_KINDS = ["集团有限公司", "股份有限公司", "实业有限公司", "港务公司", "机械厂", "化工厂", "医院", "学校"]


def _hours() -> dict:
    day = [["09:00", "12:00"], ["13:30", "21:00"]]
    return {d: ([] if d == "mon" else day) for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


class Picker:
    """A weighted choice that is cheap to repeat: ``Picker([(value, weight), ...])(rng)``."""

    def __init__(self, weighted):
        self.values = [w[0] for w in weighted]
        total, self.cum = 0.0, []
        for w in weighted:
            total += w[1]
            self.cum.append(total)
        self.total = total

    def __call__(self, rng: random.Random):
        return self.values[min(bisect.bisect_right(self.cum, rng.random() * self.total), len(self.values) - 1)]


def load_data(url: str, n_venues: int, seed: int) -> dict:
    """Migrates ``url`` and bulk-loads the network; returns what the queries need."""
    from sqlalchemy import insert

    from services.common.db import make_engine
    from services.common.migrate import upgrade
    from services.common.vocabulary import ART_FIELDS
    from services.registry.models import metadata
    from services.registry.usecases.documents import refresh as refresh_documents

    upgrade("registry", url)
    rng = random.Random(seed)
    t = metadata.tables
    now = datetime.now(timezone.utc)
    engine = make_engine(url)
    started = time.perf_counter()

    # --- the org tree: city -> 10 district federations -> grassroots unions ---
    def org(name, kind, parent, district, enterprise=None):
        oid = seeded_uuid(rng)
        path = (parent["path"] if parent else "/") + oid + "/"
        return {"id": oid, "name": name, "kind": kind, "parent_id": parent["id"] if parent else None,
                "path": path, "district": district, "enterprise": enterprise, "created_at": now}

    city = org("大连市总工会", "city", None, None)
    orgs = [city]
    districts, grassroots = {}, {}
    per_district = max(2, min(20, n_venues // 5000))
    for name, *_ in DISTRICTS:
        d = org(f"{name}总工会", "district", city, name)
        orgs.append(d)
        districts[name] = d
        grassroots[name] = []
        for i in range(per_district):
            enterprise = f"大连{name[:2]}{i + 1:02d}{ENTERPRISE_KINDS[i % len(ENTERPRISE_KINDS)]}"
            g = org(f"{enterprise}工会", "grassroots", d, name, enterprise)
            orgs.append(g)
            grassroots[name].append(g)

    with engine.begin() as conn:
        for o in orgs:  # parents first (foreign key)
            conn.execute(insert(t["orgs"]), [o])

    # --- venues, spaces, art fields, designations ---
    counters: dict = {}
    venue_ids, locations = [], []
    featured = demonstration = 0
    batch = 5000
    pick_district = Picker([(d, d[4]) for d in DISTRICTS])
    pick_type = Picker([(ty, ty[1]) for ty in TYPES])
    pick_status = Picker(STATUSES)
    hours = _hours()
    generating = inserting = 0.0
    for start in range(0, n_venues, batch):
        t_gen = time.perf_counter()
        venues, spaces, arts, designations = [], [], [], []
        for _ in range(start, min(n_venues, start + batch)):
            dname, clat, clon, spread, _share = pick_district(rng)
            vtype, _, suffix = pick_type(rng)
            status = pick_status(rng)
            lat = min(max(rng.gauss(clat, spread), LAT_RANGE[0]), LAT_RANGE[1])
            lon = min(max(rng.gauss(clon, spread * 1.3), LON_RANGE[0]), LON_RANGE[1])
            if vtype in ("palace", "city_centre"):
                owner = city if rng.random() < 0.3 else districts[dname]
            elif vtype == "district_hall":
                owner = districts[dname]
            else:
                owner = rng.choice(grassroots[dname]) if rng.random() < 0.8 else districts[dname]
            key = (dname, suffix)
            counters[key] = counters.get(key, 0) + 1
            vid = seeded_uuid(rng)
            fields_ = rng.sample(ART_FIELDS, rng.choice((0, 1, 1, 2, 2, 3)))
            venues.append({
                "id": vid, "name": f"{dname}{suffix}{counters[key]}", "type": vtype, "org_id": owner["id"],
                "org_path": owner["path"], "district": dname,
                "address": f"大连市{dname}{rng.choice(STREETS)}{rng.randint(1, 999)}号",
                "lat": round(lat, 6), "lon": round(lon, 6), "opening_hours": hours,
                "facilities": rng.sample(FACILITIES, rng.randint(0, 4)), "art_fields": fields_,
                "book_count": rng.randint(500, 20000) if vtype == "book_room" else None,
                "status": status, "version": 1, "created_at": now, "updated_at": now})
            for pos, sname in enumerate(rng.sample(SPACE_NAMES, rng.randint(1, 3))):
                spaces.append({"id": seeded_uuid(rng), "venue_id": vid, "name": sname,
                               "capacity": rng.randint(10, 400), "position": pos})
            arts.extend({"venue_id": vid, "art_field": f} for f in fields_)
            # ~15% of all venues hold an active featured_base (only open venues can), ~1% also a
            # demonstration_base; a few have a revoked one (history rows the filter must skip).
            if status == "open" and rng.random() < 0.15 / 0.80:
                year = rng.randint(2019, 2025)
                designations.append({"venue_id": vid, "designation": "featured_base", "year": year,
                                     "source": "bench", "granted_at": now - timedelta(days=rng.randint(1, 2000)),
                                     "revoked_at": None, "revoke_reason": None})
                featured += 1
                if rng.random() < 0.07:
                    designations.append({"venue_id": vid, "designation": "demonstration_base",
                                         "year": min(2025, year + 1), "source": "bench", "granted_at": now,
                                         "revoked_at": None, "revoke_reason": None})
                    demonstration += 1
            elif rng.random() < 0.02:
                designations.append({"venue_id": vid, "designation": "featured_base", "year": 2018,
                                     "source": "bench", "granted_at": now - timedelta(days=2500),
                                     "revoked_at": now - timedelta(days=400), "revoke_reason": "bench"})
            venue_ids.append(vid)
            locations.append((lat, lon))
        t_ins = time.perf_counter()
        generating += t_ins - t_gen
        with engine.begin() as conn:
            conn.execute(insert(t["venues"]), venues)
            conn.execute(insert(t["spaces"]), spaces)
            if arts:
                conn.execute(insert(t["venue_art_fields"]), arts)
            if designations:
                conn.execute(insert(t["venue_designations"]), designations)
            refresh_documents(conn, [v["id"] for v in venues])  # get_venue's stored answers
        inserting += time.perf_counter() - t_ins
        note(f"loaded {min(n_venues, start + batch):,} / {n_venues:,} venues")
    load_seconds = time.perf_counter() - started
    analysed = analyse(engine)  # without it the planner would see empty tables
    engine.dispose()
    return {"venue_ids": venue_ids, "locations": locations, "city": city, "districts": districts,
            "grassroots": grassroots, "orgs": len(orgs), "featured": featured,
            "demonstration": demonstration, "load_seconds": load_seconds, "analysed": analysed,
            "generate_seconds": generating, "insert_seconds": inserting,
            "max_counter": counters}


# --------------------------------------------------------------------------------------------
# measurements
# --------------------------------------------------------------------------------------------

class CallFailed(Exception):
    """An RPC of the latency mix failed; the message names the call."""


def query_kinds(data: dict, rng: random.Random):
    """(label, fn(proxy) -> (page size, number of RPC calls)) for every measured query kind."""
    from services.common.vocabulary import ART_FIELDS
    from services.registry import domain

    district_names = [d[0] for d in DISTRICTS]
    all_grassroots = [g for gs in data["grassroots"].values() for g in gs]
    ids, locations = data["venue_ids"], data["locations"]
    book_rooms = data["max_counter"]
    limit = 20

    def search(filters):
        def call(p):
            f = dict(filters(), limit=limit)
            try:
                return p.registry.search_venues(f)
            except Exception as exc:  # noqa: BLE001 - name the filters that failed
                raise CallFailed(f"search_venues({json.dumps(f, ensure_ascii=False)}): {exc!r}") from exc
        return call

    def one(fn):
        def run(p):
            result = fn(p)
            return len(result["items"]), 1
        return run

    def near(km, extra=None, centre=False):
        def filters():
            if centre:  # around People's Square 人民广场, the densest part of the city
                lat, lon = 38.914 + rng.uniform(-0.01, 0.01), 121.615 + rng.uniform(-0.01, 0.01)
            else:  # at a random venue: as dense as the venues are
                lat, lon = rng.choice(locations)
            return {"near": {"lat": lat, "lon": lon, "km": km}, **(extra() if extra else {})}
        return filters

    def walk(filters, pages=3):
        def run(p):
            f = dict(filters(), limit=limit)
            items = 0
            for i in range(pages):
                try:
                    result = p.registry.search_venues(f)
                except Exception as exc:  # noqa: BLE001
                    raise CallFailed(f"page {i + 1}: search_venues({json.dumps(f, ensure_ascii=False)}): "
                                     f"{exc!r}") from exc
                items += len(result["items"])
                if not result["next_cursor"]:
                    return items / (i + 1), i + 1
                f["cursor"] = result["next_cursor"]
            return items / pages, pages
        return run

    def rare_text():
        d = rng.choice(district_names)
        n = rng.randint(1, max(1, book_rooms.get((d, "职工书屋"), 1)))
        return {"text": f"{d}职工书屋{n}"}

    kinds = [
        ("get_venue (by id)", one(lambda p: {"items": [p.registry.get_venue(rng.choice(ids))]})),
        ("type", one(search(lambda: {"type": rng.choice(domain.VENUE_TYPES)}))),
        ("district", one(search(lambda: {"district": rng.choice(district_names)}))),
        ("status", one(search(lambda: {"status": rng.choice(domain.VENUE_STATUSES)}))),
        ("org subtree: city (all venues)", one(search(lambda: {"org_id": data["city"]["id"]}))),
        ("org subtree: a district federation",
         one(search(lambda: {"org_id": data["districts"][rng.choice(district_names)]["id"]}))),
        ("org subtree: a grassroots union", one(search(lambda: {"org_id": rng.choice(all_grassroots)["id"]}))),
        ("art_field", one(search(lambda: {"art_field": rng.choice(ART_FIELDS)}))),
        ("designation featured_base (~15%)", one(search(lambda: {"designation": "featured_base"}))),
        ("designation demonstration_base (~1%)", one(search(lambda: {"designation": "demonstration_base"}))),
        ("text, common (\"职工书屋\", ~50%)", one(search(lambda: {"text": "职工书屋"}))),
        ("text, rare (one venue's name)", one(search(rare_text))),
        ("text, no match", one(search(lambda: {"text": f"剧院{rng.randint(1, 10**6)}"}))),
        ("near 2 km, at a random venue", one(search(near(2)))),
        ("near 10 km, at a random venue", one(search(near(10)))),
        ("near 10 km, city centre", one(search(near(10, centre=True)))),
        ("combination: district+type+art_field+status",
         one(search(lambda: {"district": rng.choice(district_names), "type": "book_room",
                             "art_field": rng.choice(ART_FIELDS), "status": "open"}))),
        ("combination: near 5 km+type+featured_base",
         one(search(near(5, lambda: {"type": "book_room", "designation": "featured_base"})))),
        ("cursor walk: district, 3 pages", walk(lambda: {"district": rng.choice(district_names)})),
        ("cursor walk: near 10 km at a random venue, 3 pages", walk(near(10))),
    ]
    return kinds


class ServerTimes:
    """The proxy the latency mix calls the registry through: after each call it reads the registry's
    own histogram, so with one caller each call's server time is the growth of its sum. ``calls``:
    every call's, ``pages``: per sample, its calls' in order (a cursor walk's page 1, 2, 3);
    ``scraping``: the seconds spent reading, taken off the round trips."""

    def __init__(self, proxy, port: int):
        self.proxy, self.port, self.registry = proxy, port, self

    def start(self) -> None:
        self.calls, self.pages, self.scraping = [], [], 0.0
        self.last = rpc_latency_totals(self.port, "registry")[0]

    def __getattr__(self, method):
        def call(*args):
            try:
                return getattr(self.proxy.registry, method)(*args)
            finally:
                t0 = time.perf_counter()
                total = rpc_latency_totals(self.port, "registry")[0]
                self.scraping += time.perf_counter() - t0
                self.calls.append(total - self.last)
                if self.pages:
                    self.pages[-1].append(total - self.last)
                self.last = total
        return call


def latency(amqp_uri: str, data: dict, metrics_port: int, calls: int, budget: float, seed: int) -> list[dict]:
    rng = random.Random(seed)
    cluster = rpc_client(amqp_uri, None, timeout=300)
    proxy = cluster.start()
    timed = ServerTimes(proxy, metrics_port)
    results = []
    try:
        # the echo round trip with the same single caller: the floor of every row below
        lats = echo_latencies(proxy, {"district": "中山区", "limit": 20}, calls, budget)
        results.append(_latency_row("echo (bare nameko, reference)", lats, 1.0, float("nan"), 1))
        for label, run in query_kinds(data, rng):
            errors = []
            try:
                run(proxy)  # warm-up
            except CallFailed as exc:
                errors.append(str(exc))
            timed.start()
            sum0 = timed.last
            lats, sizes, rpcs = [], [], 0
            t_end = time.perf_counter() + budget
            while len(lats) < calls and (time.perf_counter() < t_end or len(lats) < 5) and len(errors) < 20:
                t0, scraped = time.perf_counter(), timed.scraping
                timed.pages.append([])
                try:
                    size, n = run(timed)
                except CallFailed as exc:  # reported with the figures; timing goes on
                    errors.append(str(exc))
                    continue
                lats.append(time.perf_counter() - t0 - (timed.scraping - scraped))
                sizes.append(size)
                rpcs += n
            sum1 = timed.last
            if lats:
                row = _latency_row(label, lats, statistics.fmean(sizes), (sum1 - sum0) / len(lats), rpcs / len(lats))
                row["server_p50"], row["server_p95"] = (percentile(sorted(timed.calls), p) for p in (50, 95))
                depth = max(len(p) for p in timed.pages)
                row["server_pages"] = [statistics.fmean(p[i] for p in timed.pages if len(p) > i) for i in range(depth)]
            else:
                row = {"kind": label, "n": 0, **{k: float("nan") for k in (
                    "p50", "p90", "p99", "max", "mean", "rows", "server", "rpcs_per_sample")}}
            row["errors"] = len(errors)
            row["first_error"] = errors[0] if errors else None
            results.append(row)
            note(f"{label}: p50 {ms(row['p50'])} ms, n={row['n']}" + (f", {len(errors)} errors" if errors else ""))
    finally:
        cluster.stop()
    return results


def _latency_row(label: str, lats: list[float], rows: float, server: float, rpcs_per_sample: float) -> dict:
    """A row of the latency table: ``stats`` of the round trips, mean page size, mean server time
    per sample (a cursor walk's sample is several calls), calls per sample."""
    return {"kind": label, **stats(lats), "rows": rows, "server": server, "rpcs_per_sample": rpcs_per_sample}


# --------------------------------------------------------------------------------------------
# the run
# --------------------------------------------------------------------------------------------

def run_backend(backend: str, args, amqp_uri: str, tmp: Path, echo: Server, pg: PostgresDatabases | None,
                echo_tp: dict) -> dict:
    url = database_url(backend, tmp, "registry", pg)
    say(f"\n## {backend}\n")
    note(f"{backend}: migrating and loading {args.venues:,} venues")
    data = load_data(url, args.venues, args.seed)
    say(f"loaded {args.venues:,} venues, {data['orgs']} orgs, {data['featured']:,} active featured_base, "
        f"{data['demonstration']:,} demonstration_base in {data['load_seconds']:.1f} s "
        f"(making rows {data['generate_seconds']:.1f} s, inserting {data['insert_seconds']:.1f} s)"
        + (" (then ANALYZE, as autovacuum would)" if data["analysed"] else " (no ANALYZE: sqlite_stat1 empty, "
                                                                           "as in a running service)"))
    port = free_port()
    registry = start_service("registry", amqp_uri, url, port, tmp)
    out = {"backend": backend, "venues": args.venues, "load_seconds": data["load_seconds"],
           "insert_seconds": data["insert_seconds"]}
    try:
        servers = {"registry server": registry.pid, "echo server": echo.pid}
        rng = random.Random(args.seed + 1)
        ids = data["venue_ids"]
        tps = [echo_tp]
        if not args.skip_throughput:
            note(f"{backend}: throughput get_venue ({args.seconds:g} s)")
            tps.append(throughput(amqp_uri, {"service": "registry", "method": "get_venue"},
                                  lambda p: p.registry.get_venue, lambda: (rng.choice(ids),), args.seconds,
                                  args.concurrency, servers))
            note(f"{backend}: throughput search_venues ({args.seconds:g} s)")
            tps.append(throughput(amqp_uri, {"service": "registry", "method": "search_venues"},
                                  lambda p: p.registry.search_venues, lambda: ({"district": "中山区", "limit": 20},),
                                  args.seconds, args.concurrency, servers))
            print_throughput(backend, tps, args.concurrency, PARTIES, busy_header="CPU busy (of 100% per core)",
                             ratio_digits=2, calls_column=False, name=_call_label, short=_call)
        out["throughput"] = tps
        note(f"{backend}: latency")
        out["latency"] = latency(amqp_uri, data, port, args.latency_calls, args.latency_seconds, args.seed + 2)
        print_latency(backend, out["latency"], args.venues)
    finally:
        end_backend(backend, pg, registry)
    return out


PARTIES = ["client", "echo server", "registry server", "rabbitmq", "postgres"]


def _call(tp: dict) -> str:
    return f"{tp['service']}.{tp['method']}"


def _call_label(tp: dict) -> str:
    """A throughput row's call: search_venues with the filters it was called with."""
    return _call(tp) + (' {"district": "中山区", "limit": 20}' if tp["method"] == "search_venues" else "")


def print_latency(backend: str, rows: list[dict], venues: int) -> None:
    say(f"### search latency, {venues:,} venues, one caller, limit 20 ({backend})\n")
    out = []
    for r in rows:
        pages = r.get("server_pages") or []
        out.append([r["kind"], str(r["n"]), ms(r["p50"]), ms(r["p90"]), ms(r["p99"]), ms(r["max"]),
                    ms(r["server"]) if r["server"] == r["server"] else "-",
                    ms(r["server_p50"]) if "server_p50" in r else "-", ms(r["server_p95"]) if "server_p95" in r else "-",
                    " / ".join(ms(x) for x in pages) if len(pages) > 1 else "-", f"{r['rows']:.1f}"])
    say(table(["query kind", "n", "p50 ms", "p90 ms", "p99 ms", "max ms", "server ms (mean per sample)",
               "server p50 ms (per call)", "server p95 ms (per call)", "server ms by page (1 / 2 / 3)", "rows/page"],
              out))
    for r in rows:
        if r.get("errors"):
            say(f"\nERRORS in \"{r['kind']}\": {r['errors']} failed samples; first: {r['first_error']}")
    slow = [r["kind"] for r in rows if r["p50"] > 1.0]
    if slow:
        say(f"\nSLOW (p50 > 1 s): {', '.join(slow)}")
    say()


def print_summary(results: dict, args) -> None:
    if len(results["backends"]) > 1 and not args.skip_throughput:
        print_throughput_summary(results, "registry", ("get_venue", "search_venues"), 2)


def main(argv=None) -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--venues", type=int, default=100_000, help="venues loaded per backend")
    add_throughput_args(parser)
    parser.add_argument("--latency-calls", type=int, default=100, help="samples per query kind (at most)")
    parser.add_argument("--latency-seconds", type=float, default=3,
                        help="time budget per query kind (at least 5 samples are taken)")
    parser.add_argument("--skip-throughput", action="store_true")
    add_run_args(parser, "an existing database on the server where bench_<random> is created")
    args = parse_args(parser, argv)
    return run_benchmark(args, name="registry", script=__file__,
                         servers="registry: `python -m services.common.run registry`", one_caller_for="latency",
                         echo_payload=lambda: {"district": "中山区", "limit": 20},
                         echo_label={"service": "bench_echo", "method": "echo"}, run_backend=run_backend,
                         summary=print_summary, broker_options={}, watch_other_work=False, outbox_relay=False)


if __name__ == "__main__":
    sys.exit(main())
