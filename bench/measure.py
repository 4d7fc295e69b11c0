"""How the benchmark scripts measure (bench_registry.py, bench_events.py, bench_talent.py,
bench_awards.py; setting a run up is in ``common.py``, printing in ``report.py``).

- CPU accounting: ``cpu_snapshot`` (client, server subprocesses, RabbitMQ, PostgreSQL, from ``/proc``);
- a service's own figures: ``rpc_latency_totals`` (sum and count of its
  ``culture_rpc_latency_seconds`` histogram), ``rpc_latency_histogram`` (one method's buckets;
  ``report.histogram_quantile`` reads them);
- over RPC: ``run_callers`` (the throughput loop: green threads, one ClusterRpcProxy each, CPU per
  call), ``rpc_client`` (a ``ClusterRpcProxy`` carrying a bearer token), ``throughput``
  (``run_callers`` with one such client per caller, errors counted by type, the service's own time
  per call), ``timed_call`` (one long call: round trip, server time, CPU by process) and
  ``echo_latencies`` (one caller's echo round trips: the floor of a latency table);
- in this process: ``StatementLog`` / ``statement_kind`` (every statement of an engine timed at
  the cursor, by kind), ``Timers`` (functions of a use case timed while it runs) and
  ``run_in_process`` (a use case and its commit as a service's worker runs them): where a use
  case's time goes.
"""
from __future__ import annotations

import boot  # noqa: F401  (first: the project on sys.path, eventlet monkey-patched; bench/boot.py)

import os
import re
import resource
import statistics
import time
import urllib.request

import eventlet

from report import cpu_delta, percentile, server_mean


# --------------------------------------------------------------------------------------------
# CPU accounting: how much CPU each party burnt during a measurement
# --------------------------------------------------------------------------------------------

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0.0


def _pids_named(*names: str) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as f:
                    if f.read().strip() in names:
                        pids.append(int(entry))
            except OSError:
                pass
    return pids


def rss_mb(pid: int) -> float:
    """A process's resident set (VmRSS) in MB, NaN when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def cpu_snapshot(servers: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far, by party: ``client`` (this process), each of ``servers`` (label: pid),
    ``rabbitmq`` (every ``beam.smp``) and ``postgres`` (every PostgreSQL process); two readings make
    ``report.cpu_delta``."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    snap = {"client": own.ru_utime + own.ru_stime}
    for label, pid in servers.items():
        snap[label] = _proc_cpu(pid)
    snap["rabbitmq"] = sum(_proc_cpu(p) for p in _pids_named("beam.smp"))
    snap["postgres"] = sum(_proc_cpu(p) for p in _pids_named("postgres", "postmaster"))
    return snap


# --------------------------------------------------------------------------------------------
# a service's own figures: its culture_rpc_latency_seconds histogram, from /metrics
# --------------------------------------------------------------------------------------------

_METRIC_LINE = re.compile(r'^culture_rpc_latency_seconds_(sum|count)\{([^}]*)\}\s+(\S+)$')


def rpc_latency_totals(metrics_port: int, service: str, method: str | None = None) -> tuple[float, float]:
    """(sum of seconds, count) over a service's RPCs (or one ``method``), from its own histogram."""
    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=30) as resp:
        text = resp.read().decode()
    total = count = 0.0
    for line in text.splitlines():
        m = _METRIC_LINE.match(line)
        if m and f'service="{service}"' in m.group(2) and (method is None or f'method="{method}"' in m.group(2)):
            if m.group(1) == "sum":
                total += float(m.group(3))
            else:
                count += float(m.group(3))
    return total, count


_BUCKET_LINE = re.compile(r'^culture_rpc_latency_seconds_bucket\{([^}]*)\}\s+(\S+)$')
_LE = re.compile(r'le="([^"]+)"')


def rpc_latency_histogram(metrics_port: int, service: str, method: str) -> dict:
    """One RPC's ``culture_rpc_latency_seconds`` histogram as the service has it now: ``sum``,
    ``count`` and ``buckets`` (``[(upper bound, cumulative count)]``, ascending, ``+Inf`` last), and
    ``scrape_seconds`` (how long ``/metrics`` took to answer)."""
    started = time.perf_counter()
    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=120) as resp:
        text = resp.read().decode()
    scraped = time.perf_counter() - started
    labels = (f'service="{service}"', f'method="{method}"')
    buckets, total, count = [], 0.0, 0.0
    for line in text.splitlines():
        m = _BUCKET_LINE.match(line)
        if m and all(x in m.group(1) for x in labels):
            buckets.append((float(_LE.search(m.group(1)).group(1)), float(m.group(2))))
            continue
        m = _METRIC_LINE.match(line)
        if m and all(x in m.group(2) for x in labels):
            if m.group(1) == "sum":
                total = float(m.group(3))
            else:
                count = float(m.group(3))
    return {"sum": total, "count": count, "buckets": sorted(buckets), "scrape_seconds": scraped}


# --------------------------------------------------------------------------------------------
# over RPC: throughput, one timed call, echo round trips
# --------------------------------------------------------------------------------------------

def run_callers(clusters: list, call, make_args, seconds: float, concurrency: int, servers: dict[str, int],
                on_error, warmup: int = 3) -> dict:
    """One green thread per ClusterRpcProxy in ``clusters`` (started here, stopped at the end),
    calling ``call(proxy)(*make_args())`` for ``seconds`` after ``warmup`` calls each; a failed call
    goes to ``on_error(exc)`` and is counted like the others. Returns calls, seconds, calls_per_s,
    mean_ms, p50_ms, p99_ms, cpu_s and cpu_ms_per_call (by party, see ``cpu_snapshot``)."""
    proxies = [c.start() for c in clusters]
    try:
        methods = [call(p) for p in proxies]
        for m in methods:  # warm-up: connections, reply queues, the server's first queries
            for _ in range(warmup):
                m(*make_args())
        state = {"deadline": 0.0}

        def caller(m):
            lats = []
            while time.perf_counter() < state["deadline"]:
                args = make_args()
                t0 = time.perf_counter()
                try:
                    m(*args)
                except Exception as exc:  # noqa: BLE001 - count, keep going
                    on_error(exc)
                lats.append(time.perf_counter() - t0)
            return lats

        pool = eventlet.GreenPool(concurrency)
        cpu0 = cpu_snapshot(servers)
        t0 = time.perf_counter()
        state["deadline"] = t0 + seconds
        threads = [pool.spawn(caller, m) for m in methods]
        lats = sorted(x for th in threads for x in th.wait())
        elapsed = time.perf_counter() - t0
        cpu1 = cpu_snapshot(servers)
    finally:
        for c in clusters:
            c.stop()
    calls = len(lats)
    cpu = cpu_delta(cpu0, cpu1)
    return {"calls": calls, "seconds": elapsed, "calls_per_s": calls / elapsed,
            "mean_ms": 1000 * statistics.fmean(lats) if lats else float("nan"),
            "p50_ms": 1000 * percentile(lats, 50), "p99_ms": 1000 * percentile(lats, 99),
            "cpu_s": cpu, "cpu_ms_per_call": {k: 1000 * v / calls for k, v in cpu.items()} if calls else {}}


def rpc_client(amqp_uri: str, token: str | None = None, timeout: float = 120):
    """A (not yet started) ``ClusterRpcProxy`` whose calls carry ``Bearer <token>``."""
    from nameko.standalone.rpc import ClusterRpcProxy

    context = {"authorization": f"Bearer {token}"} if token else {}
    return ClusterRpcProxy({"AMQP_URI": amqp_uri}, context_data=context, timeout=timeout)


def throughput(amqp_uri: str, label: str | dict, call, make_args, seconds: float, concurrency: int,
               servers: dict[str, int], token: str | list[str] | None = None, warmup: int = 3,
               metrics: tuple[int, str, str] | None = None) -> dict:
    """``concurrency`` green threads, each with its own ``rpc_client(token)``, calling for ``seconds``.

    ``call(proxy)`` returns the method to call (it is asked once per caller, in caller order);
    ``make_args()`` its arguments for one call. ``token``: one for every caller, or a list (caller
    ``i`` gets ``token[i]``). Returns ``run_callers``' figures named by ``label`` (``{"label":
    label}``, or the keys of a dict: the registry's ``service`` and ``method``), with ``errors``,
    ``errors_by_type`` and ``first_error``; with ``metrics`` (the service's metrics port, the
    service, the method), also ``server_ms``: the mean time inside the service per call, from its
    own histogram read before and after.
    """
    tokens = token if isinstance(token, list) else [token] * concurrency
    errors: dict[str, int] = {}
    first_error = [None]

    def on_error(exc):
        kind = getattr(exc, "exc_type", type(exc).__name__)
        errors[kind] = errors.get(kind, 0) + 1
        first_error[0] = first_error[0] or repr(exc)[:300]

    before = rpc_latency_totals(*metrics) if metrics else None
    figures = run_callers([rpc_client(amqp_uri, tokens[i]) for i in range(concurrency)], call, make_args, seconds,
                          concurrency, servers, on_error, warmup)
    head = {k: figures.pop(k) for k in ("calls", "seconds", "calls_per_s")}
    names = label if isinstance(label, dict) else {"label": label}
    out = {**names, **head, "errors": sum(errors.values()), "errors_by_type": errors,
           "first_error": first_error[0], **figures}
    if metrics:
        out["server_ms"] = 1000 * server_mean(before, rpc_latency_totals(*metrics))
    return out


def timed_call(amqp_uri: str, token: str | None, service: str, method: str, call_args: tuple, metrics_port: int,
               servers: dict[str, int], before: tuple[float, float] | None = None, timeout: float = 1800) -> dict:
    """One call of ``service.method(*call_args)`` over RPC as ``token``'s bearer, measured: after
    a ``health`` call (so the reply queue and connection exist before the clock starts), the round
    trip, the time inside the service (``server``: its ``culture_rpc_latency_seconds`` histogram
    before and after; ``before``: the ``(sum, count)`` of an earlier reading, else read now) and
    the CPU each process burnt (``cpu_s``). Also ``reply``, ``error`` (a failure is reported, not
    raised), ``replied_at`` (``time.perf_counter()`` when it replied) and ``totals`` (the
    histogram's ``(sum, count)`` after: the ``before`` of a next call)."""
    with rpc_client(amqp_uri, token, timeout=timeout) as p:
        getattr(p, service).health()
        before = before or rpc_latency_totals(metrics_port, service, method)
        cpu0 = cpu_snapshot(servers)
        t0 = time.perf_counter()
        error = None
        try:
            reply = getattr(getattr(p, service), method)(*call_args)
        except Exception as exc:  # noqa: BLE001 - reported with the figures
            reply, error = None, repr(exc)[:500]
        replied = time.perf_counter()
        cpu1 = cpu_snapshot(servers)
        after = rpc_latency_totals(metrics_port, service, method)
    return {"round_trip": replied - t0, "server": server_mean(before, after), "reply": reply, "error": error,
            "replied_at": replied, "totals": after, "cpu_s": cpu_delta(cpu0, cpu1)}


def echo_latencies(proxy, payload, calls: int, budget: float) -> list[float]:
    """Round trips (s) of ``bench_echo.echo(payload)`` through ``proxy`` (one caller), after 5
    warm-up calls: up to ``calls`` of them within ``budget`` seconds. The floor of a latency table."""
    for _ in range(5):
        proxy.bench_echo.echo("x")
    lats = []
    t_end = time.perf_counter() + budget
    while len(lats) < calls and time.perf_counter() < t_end:
        t0 = time.perf_counter()
        proxy.bench_echo.echo(payload)
        lats.append(time.perf_counter() - t0)
    return lats


# --------------------------------------------------------------------------------------------
# in this process: statements, timed functions, a use case run as the worker runs it
# --------------------------------------------------------------------------------------------

def statement_kind(sql: str) -> str:
    """``<VERB> <table>`` of a statement (``SELECT pg_advisory_xact_lock``, ``BEGIN ...`` as they are)."""
    s = " ".join(sql.split())
    head = s.split(" ", 1)[0].upper()
    if head == "SELECT" and "pg_advisory_xact_lock" in s:
        return "SELECT pg_advisory_xact_lock"
    if head == "BEGIN":
        return s
    m = re.search(r"\b(?:FROM|INTO|UPDATE)\s+(\w+)", s, re.I)
    return f"{head} {m.group(1) if m else '?'}"


class StatementLog:
    """Times every statement ``engine`` sends, at the cursor, while recording (``start`` .. ``stop``).

    ``stop()`` returns ``[(kind, seconds, rows)]`` in order, ``kind`` from ``kind_of(sql)``
    (default ``statement_kind``); ``rows`` is the number of parameter sets (an executemany's
    batch, or 1)."""

    def __init__(self, engine, kind_of=statement_kind):
        from sqlalchemy import event

        self.kind_of = kind_of
        self.log: list | None = None
        self._t0 = 0.0

        @event.listens_for(engine, "before_cursor_execute")
        def _before(conn, cursor, statement, parameters, context, executemany):
            self._t0 = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def _after(conn, cursor, statement, parameters, context, executemany):
            if self.log is not None:
                rows = len(parameters) if executemany and parameters is not None else 1
                self.log.append((self.kind_of(statement), time.perf_counter() - self._t0, rows))

    def start(self) -> None:
        self.log = []

    def stop(self) -> list:
        log, self.log = self.log or [], None
        return log


class Timers:
    """Wall and CPU time (and calls) of some functions while in use (``with Timers(targets) as t``):
    ``targets`` ``[(label, object, attribute)]``, each wrapped with a timer on entry and put back on
    exit (a bound method: the class's comes back); one an object does not have is left out.
    ``t.figures[label]``: ``[calls, wall seconds, CPU seconds of this process]``, in ``targets``' order;
    without ``cpu`` the CPU clock is not read (functions called thousands of times: less overhead)
    and stays 0."""

    def __init__(self, targets: list[tuple[str, object, str]], cpu: bool = True):
        self.targets = targets
        self.cpu = cpu
        self.figures: dict[str, list] = {}
        self.saved: list = []

    def __enter__(self):
        for label, obj, name in self.targets:
            original = getattr(obj, name, None)
            if original is None:
                continue
            self.figures.setdefault(label, [0, 0.0, 0.0])
            self.saved.append((obj, name, original, name in vars(obj)))
            setattr(obj, name, self._timed(self.figures[label], original, self.cpu))
        return self

    def __exit__(self, *exc):
        while self.saved:
            obj, name, original, own = self.saved.pop()
            if own:
                setattr(obj, name, original)
            else:
                delattr(obj, name)

    @staticmethod
    def _timed(slot: list, fn, cpu: bool):
        if not cpu:
            def timed(*a, **kw):
                w0 = time.perf_counter()
                try:
                    return fn(*a, **kw)
                finally:
                    slot[0] += 1
                    slot[1] += time.perf_counter() - w0
            return timed

        def timed_cpu(*a, **kw):
            w0, c0 = time.perf_counter(), time.process_time()
            try:
                return fn(*a, **kw)
            finally:
                slot[0] += 1
                slot[1] += time.perf_counter() - w0
                slot[2] += time.process_time() - c0
        return timed_cpu


def run_in_process(engine, use_case, timers: Timers | None = None, profile_lines: int | None = None) -> dict:
    """``use_case(session)`` then commit, in one session of ``engine``, as a service's worker runs
    them (no RPC), inside ``timers`` if given, every statement timed (``StatementLog``), under
    cProfile when ``profile_lines`` is given. Returns ``reply`` (the use case's), ``total`` (wall
    s, commit included), ``commit``, ``cpu_before_commit`` and ``cpu`` (this process, s), ``sql``
    (s inside cursor.execute), ``statements``, ``kinds`` (by ``statement_kind``: count, seconds,
    rows) and, profiled, ``profile`` (the top ``profile_lines`` functions, cumulative)."""
    from sqlalchemy.orm import sessionmaker

    make_session = sessionmaker(bind=engine, expire_on_commit=False)
    statements = StatementLog(engine)
    profiler = None
    if profile_lines is not None:
        import cProfile

        profiler = cProfile.Profile()
    session = make_session()
    statements.start()
    t0, c0 = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    try:
        if timers is not None:
            with timers:
                reply = use_case(session)
        else:
            reply = use_case(session)
        tc, cc = time.perf_counter(), time.process_time()
        session.commit()
        t1, c1 = time.perf_counter(), time.process_time()
    finally:
        if profiler:
            profiler.disable()
        session.close()
        log = statements.stop()
    kinds: dict[str, dict] = {}
    for kind, d, rows in log:
        k = kinds.setdefault(kind, {"count": 0, "seconds": 0.0, "rows": 0})
        k["count"] += 1
        k["seconds"] += d
        k["rows"] += rows
    out = {"reply": reply, "total": t1 - t0, "commit": t1 - tc, "cpu_before_commit": cc - c0, "cpu": c1 - c0,
           "sql": sum(d for _, d, _ in log), "statements": len(log), "kinds": kinds}
    if profiler:
        import io
        import pstats

        buf = io.StringIO()
        pstats.Stats(profiler, stream=buf).sort_stats("cumulative").print_stats(profile_lines)
        out["profile"] = buf.getvalue()
    return out
