"""Event flow benchmark: registry commit -> outbox -> relay -> broker -> events' copy committed (inbox).

The registry and events services run as they do in production (``python -m services.common.run
<service>``, subprocesses): the registry's ``OutboxRelay`` publishes its outbox, the events
service's follower applies each event live through the kit's idempotent consumer (its copy of the
venue, the ``inbox`` row, commit, ack). The producer is this process: at ``--rate`` events/s it
commits ``venue_updated`` events straight into the registry's outbox table with the registry's own
``Outbox.emit_many`` (the call every registry use case makes, in batches of ``rate / 10`` every
0.1 s; the RPC layer in front of it is measured by bench_registry.py, not here). Such a commit is
not a registry worker's, so it does not wake the relay: the relay finds the rows at its next poll
(``OUTBOX_POLL_SECONDS``, default 1 s), then drains while its batches come back full.

Counted at the subscriber: the rows of the events service's ``inbox`` (one per event applied live,
in the same transaction as the copy's change). Printed: produced and applied events/s over the
window, the lag (produced - applied) sampled every second, the end-to-end latency of each event
(the envelope's commit time in the registry -> the inbox row's ``processed_at``), the time to drain
after the producer stops, the loss (produced - applied at the end: must be 0), duplicates (inbox
rows beyond the produced count: 0 unless a redelivery happened), CPU per process and the RSS of
each service process at the end. The bare nameko echo's RPC throughput of the same run beside it.
"""
from __future__ import annotations

import boot  # noqa: F401  (first: the project on sys.path, eventlet monkey-patched; bench/boot.py)

import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import eventlet

from common import (
    DISTRICTS, PostgresDatabases, Server, add_run_args, add_throughput_args, bench_parser, end_backend, free_port,
    migrated_databases, note, parse_args, run_benchmark, start_service)
from measure import cpu_snapshot, rss_mb
from report import cpu_delta, ms, percentile, say, secs, table

PARTIES = ["client", "registry server", "events server", "rabbitmq", "postgres"]
TICK = 0.1  # the producer commits a batch every TICK seconds


def reader(url: str):
    """The bench's own reads: plain SQLAlchemy, no pool (on SQLite a deferred read in WAL mode takes
    no write lock, unlike the services' BEGIN IMMEDIATE)."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    return create_engine(url, poolclass=NullPool)


def venues(count: int, seed: int) -> list[SimpleNamespace]:
    """``count`` venues shaped like the registry's model (what ``VenueUpdated`` dumps), two spaces each."""
    import random

    rng = random.Random(seed)
    org_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    now = datetime.now(timezone.utc)
    out = []
    for i in range(count):
        vid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        spaces = [SimpleNamespace(id=str(uuid.UUID(int=rng.getrandbits(128), version=4)), name=f"{n}号厅",
                                  capacity=100 + 50 * n) for n in (1, 2)]
        out.append(SimpleNamespace(
            id=vid, name=f"职工文化宫{i:04d}", type="culture_palace", org_id=org_id, district=DISTRICTS[i % 10],
            address=f"大连市{DISTRICTS[i % 10]}人民路{i}号", lat=38.9 + i * 1e-4, lon=121.6 + i * 1e-4, spaces=spaces,
            opening_hours={"mon": [["09:00", "17:00"]]}, facilities=["stage"], art_fields=["music"],
            book_count=None, status="active", designations=[], version=0, created_at=now, updated_at=now,
            changed=["name"]))
    return out


def produce(url: str, rate: float, seconds: float, pool: list[SimpleNamespace], produced: list[int],
            stop: list[bool]) -> None:
    """Commit ``venue_updated`` events into the registry's outbox at ``rate``/s for ``seconds``:
    ``Outbox.emit_many`` in one transaction per TICK (the batch due by then)."""
    from services.common.db import make_engine
    from services.registry.usecases.shared import OUTBOX
    from sqlalchemy.orm import Session

    engine = make_engine(url)
    started = time.perf_counter()
    i = 0
    try:
        while not stop[0]:
            elapsed = time.perf_counter() - started
            if elapsed >= seconds:
                break
            due = int(rate * min(elapsed + TICK, seconds)) - produced[0]
            if due > 0:
                events = []
                for _ in range(due):
                    venue = pool[i % len(pool)]
                    venue.version += 1
                    i += 1
                    events.append(("venue_updated", venue.id, venue))
                with Session(engine) as session, session.begin():
                    OUTBOX.emit_many(session, events)
                produced[0] += due
            eventlet.sleep(max(0.0, started + (int(elapsed / TICK) + 1) * TICK - time.perf_counter()))
    finally:
        engine.dispose()


def count_inbox(engine) -> int:
    from sqlalchemy import func, select

    from services.events.models import metadata

    inbox = metadata.tables["inbox"]
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(inbox)).scalar_one()


def count_sent(url: str) -> int:
    from sqlalchemy import func, select

    from services.registry.models import metadata

    outbox = metadata.tables["outbox"]
    engine = reader(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).where(outbox.c.sent_at.is_not(None))).scalar_one()
    finally:
        engine.dispose()


def latencies(registry_url: str, events_url: str) -> list[float]:
    """Seconds from each event's commit in the registry (its outbox ``time``) to its inbox row."""
    from sqlalchemy import select

    from services.events.models import metadata as events_md
    from services.registry.models import metadata as registry_md

    outbox, inbox = registry_md.tables["outbox"], events_md.tables["inbox"]
    reg, evt = reader(registry_url), reader(events_url)
    try:
        with reg.connect() as conn:
            made = dict(conn.execute(select(outbox.c.id, outbox.c.time)).all())
        with evt.connect() as conn:
            applied = conn.execute(select(inbox.c.event_id, inbox.c.processed_at)).all()
    finally:
        reg.dispose()
        evt.dispose()

    def aware(t):
        return t if t.tzinfo else t.replace(tzinfo=timezone.utc)

    return sorted((aware(at) - aware(made[eid])).total_seconds() for eid, at in applied if eid in made)


def flow(backend: str, args, registry_url: str, events_url: str, servers: dict[str, int]) -> dict:
    pool = venues(args.venues, args.seed)
    produced, stop = [0], [False]
    engine = reader(events_url)
    base, sent_base = count_inbox(engine), count_sent(registry_url)
    samples = []  # (seconds, produced, applied)
    note(f"{backend}: {args.rate:g} events/s for {args.flow_seconds:g} s")
    cpu0 = cpu_snapshot(servers)
    started = time.perf_counter()
    producer = eventlet.spawn(produce, registry_url, args.rate, args.flow_seconds, pool, produced, stop)
    try:
        while not producer.dead:
            eventlet.sleep(1.0)
            samples.append((time.perf_counter() - started, produced[0], count_inbox(engine) - base))
        producer.wait()
        window = time.perf_counter() - started
        applied_in_window = count_inbox(engine) - base
        relayed_in_window = count_sent(registry_url) - sent_base
        cpu = cpu_delta(cpu0, cpu_snapshot(servers))
        deadline = time.perf_counter() + args.drain_timeout
        applied = applied_in_window
        while applied < produced[0] and time.perf_counter() < deadline:
            eventlet.sleep(0.2)
            applied = count_inbox(engine) - base
        drained = time.perf_counter() - started - window
        eventlet.sleep(1.0)  # anything late (a duplicate) shows up now
        applied = count_inbox(engine) - base
    finally:
        stop[0] = True
        engine.dispose()
    lat = latencies(registry_url, events_url)
    lags = [p - a for _, p, a in samples]
    steady = [s for s in samples if s[0] >= 10]  # after the first 10 s
    steady_rate = ((steady[-1][2] - steady[0][2]) / (steady[-1][0] - steady[0][0])
                   if len(steady) > 1 else float("nan"))
    return {"rate": args.rate, "seconds": window, "produced": produced[0], "applied_in_window": applied_in_window,
            "relayed_per_s": relayed_in_window / window,
            "applied": min(applied, produced[0]), "duplicates": max(0, applied - produced[0]),
            "unapplied": produced[0] - min(applied, produced[0]), "drained": applied >= produced[0], "produced_per_s": produced[0] / window,
            "applied_per_s": applied_in_window / window, "steady_applied_per_s": steady_rate,
            "lag_max": max(lags, default=0), "lag_mean": sum(lags) / len(lags) if lags else 0,
            "drain_s": drained, "latency": {"p50": percentile(lat, 50), "p90": percentile(lat, 90),
                                            "p99": percentile(lat, 99), "max": lat[-1] if lat else float("nan")},
            "cpu_s": cpu, "rss_mb": {label: rss_mb(pid) for label, pid in servers.items()
                                     if label != "echo server"}}


def run_backend(backend: str, args, amqp_uri: str, tmp: Path, echo: Server, pg: PostgresDatabases | None,
                echo_tp: dict | None) -> dict:
    registry_url, events_url = migrated_databases(backend, tmp, pg, "registry", "events")
    registry = events = None
    try:
        registry = start_service("registry", amqp_uri, registry_url, free_port(), tmp)
        events = start_service("events", amqp_uri, events_url, free_port(), tmp)
        eventlet.sleep(2.0)  # the relay waits for the consumers; the follower's first catch-up runs
        servers = {"registry server": registry.pid, "events server": events.pid}
        out = {"backend": backend, "flow": flow(backend, args, registry_url, events_url, servers),
               "echo": echo_tp}
        print_flow(backend, out)
        return out
    finally:
        end_backend(backend, pg, *[s for s in (events, registry) if s is not None])


def loss(f: dict) -> str:
    """produced - applied once the flow drained (0: nothing lost); undecided when the drain timed out."""
    return "0" if f["drained"] else f"? ({f['unapplied']:,} not applied {f['drain_s']:.0f} s after the stop)"


def print_flow(backend: str, out: dict) -> None:
    f = out["flow"]
    say(f"### event flow ({backend}): venue_updated at {f['rate']:g}/s offered for {f['seconds']:.0f} s\n")
    say(table(["produced", "produced/s", "relayed/s", "applied in window", "applied/s", "steady applied/s (after 10 s)",
               "lag mean / max (events)", "drain after stop s", "loss", "duplicates"],
              [[f"{f['produced']:,}", f"{f['produced_per_s']:.0f}", f"{f['relayed_per_s']:.0f}", f"{f['applied_in_window']:,}",
                f"{f['applied_per_s']:.0f}", f"{f['steady_applied_per_s']:.0f}",
                f"{f['lag_mean']:.0f} / {f['lag_max']:.0f}", secs(f["drain_s"]), loss(f),
                str(f["duplicates"])]]))
    lat = f["latency"]
    say("\nend to end, registry commit -> events' inbox row committed, ms: "
        f"p50 {ms(lat['p50'])}, p90 {ms(lat['p90'])}, p99 {ms(lat['p99'])}, max {ms(lat['max'])}\n")
    cpu = f["cpu_s"]
    say(table(["CPU s in the window"] + [p for p in PARTIES if p in cpu],
              [["seconds (per 1,000 events, ms)"] + [f"{cpu[p]:.1f} ({1e6 * cpu[p] / max(1, f['produced']):.0f})"
                                                     for p in PARTIES if p in cpu]]))
    say("\nRSS at the end, MB: " + ", ".join(f"{k} {v:.0f}" for k, v in f["rss_mb"].items()))
    if out["echo"]:
        say(f"bare nameko echo, same run: {out['echo']['calls_per_s']:.0f} calls/s")
    say()


def print_summary(results: dict, args) -> None:
    say("## summary: event flow, applied events/s at the subscriber (offered rate; loss)\n")
    rows = []
    for b in results["backends"]:
        f = b["flow"]
        rows.append([b["backend"], f"{f['applied_per_s']:.0f} ({f['rate']:g}/s offered)",
                     f"{f['steady_applied_per_s']:.0f}", ms(f["latency"]["p50"]), ms(f["latency"]["p99"]),
                     loss(f), ", ".join(f"{v:.0f}" for v in f["rss_mb"].values()),
                     f"{b['echo']['calls_per_s']:.0f}" if b["echo"] else "-"])
    say(table(["backend", "applied/s", "steady/s", "latency p50 ms", "p99 ms", "loss", "RSS MB (registry, events)",
               "echo calls/s"], rows))
    say()


def main(argv=None) -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--rate", type=float, default=1200,
                        help="events/s the producer commits (above the 1,000/s target: sustained is shown, not capped)")
    parser.add_argument("--flow-seconds", type=float, default=60, help="how long the producer runs")
    parser.add_argument("--venues", type=int, default=500, help="distinct venues the events update")
    parser.add_argument("--drain-timeout", type=float, default=120, help="seconds to wait for the rest at the end")
    add_throughput_args(parser, "concurrent callers of the echo")
    parser.add_argument("--skip-throughput", action="store_true", help="no echo figure")
    add_run_args(parser)
    args = parse_args(parser, argv)
    return run_benchmark(args, name="flow", script=__file__,
                         servers="`python -m services.common.run registry` and `... events`",
                         one_caller_for="nothing (the producer commits into the registry's outbox in-process)",
                         echo_payload=lambda: {"x": 1}, echo_label="bench_echo.echo", run_backend=run_backend,
                         summary=print_summary)


if __name__ == "__main__":
    sys.exit(main())
