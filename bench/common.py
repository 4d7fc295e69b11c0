"""What the benchmark scripts (bench_registry.py, bench_events.py, bench_talent.py,
bench_awards.py) share.

- defaults: ``DEFAULT_AMQP_URI``, ``DEFAULT_PG_URL``, ``MAX_WORKERS``, ``ROOT`` (the project root);
- the bare nameko echo service (``Echo``) and ``serve_echo``, which runs it in a script's
  ``--serve-echo`` mode, and ``start_echo`` which starts that mode as a subprocess;
- printing and figures: ``say``, ``note``, ``percentile``, ``stats``, ``ms``, ``table`` (Markdown),
  ``free_port``, ``version_of``, ``environment`` (the machine and versions table);
- other work on the machine: ``other_work`` (other benchmarks or test runs), ``watched_note``
  (``note`` that also records them in ``SEEN_DURING_RUN``), ``warn_if_busy`` / ``warn_other_work``
  (the warnings printed at the start and the end of a run);
- CPU accounting: ``cpu_snapshot`` (client, server subprocesses, RabbitMQ, PostgreSQL);
- ``Broker`` (a throwaway RabbitMQ vhost via the management API, else ``rabbitmqctl``),
  ``Server`` (a service as a subprocess, waited on until it answers an RPC), ``start_service``
  (``python -m services.common.run <service>``), ``PostgresDatabases`` (throwaway databases);
- seeded rows: ``DISTRICTS``, ``seeded_uuid``, ``load_org_tree`` (a service's organisation copy),
  ``outbox_seq`` / ``wait_outbox_sent`` (a service's outbox: its last seq, the relay draining it);
- ``rpc_latency_totals``: sum and count of a service's ``culture_rpc_latency_seconds`` histogram;
  ``rpc_latency_histogram`` (one method's buckets) and ``histogram_quantile`` (a quantile of the
  calls between two readings, from the buckets);
- ``StatementLog`` / ``statement_kind``: every statement of an engine timed at the cursor, by kind
  (where a use case's time goes);
- ``run_callers``: the throughput loop (green threads, one ClusterRpcProxy each, CPU per call);
  ``rpc_client`` (a ``ClusterRpcProxy`` carrying a bearer token) and ``throughput`` (``run_callers``
  with one such client per caller, errors counted by type);
- ``main`` helpers: ``add_connection_args``, ``open_postgres``, ``print_throughput_summary``,
  ``finish``.

Import it after ``eventlet.monkey_patch()``: the scripts run as ``python bench/<script>.py``, so
``bench/`` is ``sys.path[0]`` and ``from common import ...`` finds this module.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timezone
from importlib import metadata as importlib_metadata
from pathlib import Path

import eventlet
from nameko.rpc import rpc as nameko_rpc

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_AMQP_URI = os.environ.get("AMQP_URI", "amqp://guest:guest@localhost:5672/")
DEFAULT_PG_URL = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
MAX_WORKERS = 10  # the services' default (MAX_WORKERS); the echo server gets the same


# --------------------------------------------------------------------------------------------
# the echo service (run in a subprocess: ``<script>.py --serve-echo AMQP_URI``)
# --------------------------------------------------------------------------------------------

class Echo:
    name = "bench_echo"

    @nameko_rpc
    def echo(self, x):
        return x


def serve_echo(amqp_uri: str) -> None:
    from nameko.containers import ServiceContainer

    container = ServiceContainer(Echo, {"AMQP_URI": amqp_uri, "max_workers": MAX_WORKERS,
                                        "serializer": "json"})
    container.start()
    stopping = eventlet.event.Event()

    def _stop(*_):
        if not stopping.ready():
            stopping.send(True)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    while not stopping.ready():
        eventlet.sleep(0.2)
    container.stop()


# --------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------

def say(msg: str = "") -> None:
    print(msg, flush=True)


def note(msg: str) -> None:
    print(f"  .. {msg}", file=sys.stderr, flush=True)


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def stats(values: list[float]) -> dict:
    """n, p50, p90, p99, max and mean of ``values`` (seconds, in any order)."""
    v = sorted(values)
    return {"n": len(v), "p50": percentile(v, 50), "p90": percentile(v, 90), "p99": percentile(v, 99),
            "max": v[-1] if v else float("nan"), "mean": statistics.fmean(v) if v else float("nan")}


def ms(seconds: float, digits: int | None = None) -> str:
    """Seconds as milliseconds for a table: ``digits`` decimals, or 2/1/0 by size; ``-`` for NaN."""
    if seconds != seconds:  # nan
        return "-"
    v = seconds * 1000
    if digits is not None:
        return f"{v:.{digits}f}"
    return f"{v:.2f}" if v < 1 else f"{v:.1f}" if v < 100 else f"{v:.0f}"


def table(headers: list[str], rows: list[list], align: str | None = None) -> str:
    """A Markdown table (pasteable into docs/PERFORMANCE.md)."""
    cells = [[str(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    align = align or "l" + "r" * (len(headers) - 1)

    def line(values):
        return "| " + " | ".join(v.ljust(widths[i]) if align[i] == "l" else v.rjust(widths[i])
                                 for i, v in enumerate(values)) + " |"

    sep = "|" + "|".join(("-" * (w + 1) + ":") if a == "r" else ("-" * (w + 2))
                         for w, a in zip(widths, align)) + "|"
    return "\n".join([line(headers), sep] + [line(r) for r in cells])


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def version_of(dist: str) -> str:
    try:
        return importlib_metadata.version(dist)
    except importlib_metadata.PackageNotFoundError:
        return "?"


# --------------------------------------------------------------------------------------------
# other work on this machine (it would distort the figures)
# --------------------------------------------------------------------------------------------

_BENCH_SCRIPT = re.compile(r"bench_[a-z_]+\.py")


def _ancestors() -> set[int]:
    """This process and the ones that started it (``make bench``, ``timeout ...``): not other work."""
    pids, pid = set(), os.getpid()
    while pid > 1 and pid not in pids:
        pids.add(pid)
        try:
            with open(f"/proc/{pid}/stat") as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            break
    return pids


def other_work() -> list[str]:
    """Other benchmarks or test runs on this machine, as ``"<pid>: <command line>"``."""
    found = []
    mine = _ancestors()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in mine:
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        if cmd.split(" ", 1)[0].rsplit("/", 1)[-1] in ("pgrep", "grep", "ps"):
            continue  # someone looking for such work, not the work
        if (_BENCH_SCRIPT.search(cmd) or "pytest" in cmd) and "--serve-echo" not in cmd:
            found.append(f"{entry}: {cmd[:120]}")
    return found


SEEN_DURING_RUN: dict[str, str] = {}  # other benchmarks / test runs seen at a phase boundary


def watched_note(msg: str) -> None:
    """``note``; also records other benchmarks or test runs alive at that moment in ``SEEN_DURING_RUN``."""
    note(msg)
    for other in other_work():
        SEEN_DURING_RUN.setdefault(other.split(":", 1)[0], f"{other} (at: {msg})")


def warn_if_busy() -> None:
    """The warning at the start of a run: a high load average, or other benchmarks / test runs."""
    others = other_work()
    load = os.getloadavg()[0]
    if others or load > 0.5 * len(os.sched_getaffinity(0)):
        say(f"WARNING: load average {load:.2f} on {len(os.sched_getaffinity(0))} CPUs before the run"
            + (f"; other work running: {'; '.join(others)}" if others else "")
            + ". The figures will be low and noisy.\n")


def warn_other_work(results: dict) -> None:
    """The warning at the end of a run (and ``results["other_work_seen"]``)."""
    results["other_work_seen"] = list(SEEN_DURING_RUN.values())
    if SEEN_DURING_RUN:
        say("WARNING: other benchmarks or test runs were alive during this run (seen at phase boundaries); "
            "the figures are distorted:\n" + "\n".join(f"- {v}" for v in SEEN_DURING_RUN.values()) + "\n")


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


def cpu_snapshot(servers: dict[str, int]) -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    snap = {"client": own.ru_utime + own.ru_stime}
    for label, pid in servers.items():
        snap[label] = _proc_cpu(pid)
    snap["rabbitmq"] = sum(_proc_cpu(p) for p in _pids_named("beam.smp"))
    snap["postgres"] = sum(_proc_cpu(p) for p in _pids_named("postgres", "postmaster"))
    return snap


# --------------------------------------------------------------------------------------------
# RabbitMQ: a throwaway vhost
# --------------------------------------------------------------------------------------------

API_HINT = "; enable the API with `rabbitmq-plugins enable rabbitmq_management`"


class Broker:
    """A throwaway vhost ``<vhost_prefix><random>``; ``rabbitmqctl_version``: ask ``rabbitmqctl``
    for the version when the management API does not answer; ``api_hint``: appended to the error
    when neither the API nor ``rabbitmqctl`` is there."""

    def __init__(self, amqp_uri: str, management_url: str, vhost_prefix: str = "bench_",
                 rabbitmqctl_version: bool = True, api_hint: str = API_HINT):
        self.amqp_uri = amqp_uri
        parsed = urllib.parse.urlparse(amqp_uri)
        self.user = urllib.parse.unquote(parsed.username or "guest")
        self.password = urllib.parse.unquote(parsed.password or "guest")
        self.management_url = management_url.rstrip("/")
        self.vhost_prefix = vhost_prefix
        self.rabbitmqctl_version = rabbitmqctl_version
        self.api_hint = api_hint
        self.vhost = None
        self.how = None

    def _api(self, method: str, path: str, body=None):
        req = urllib.request.Request(self.management_url + path, method=method,
                                     data=None if body is None else json.dumps(body).encode())
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        req.add_header("Authorization", f"Basic {token}")
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=10) as resp:
            data = resp.read()
            return json.loads(data) if data else None

    def version(self) -> str:
        try:
            o = self._api("GET", "/api/overview")
            return f"RabbitMQ {o.get('rabbitmq_version')} (Erlang {o.get('erlang_version')})"
        except Exception:  # noqa: BLE001
            if not self.rabbitmqctl_version:
                return "RabbitMQ ?"
            try:
                out = subprocess.run(["rabbitmqctl", "version"], capture_output=True, text=True, timeout=30)
                return f"RabbitMQ {out.stdout.strip()}" if out.returncode == 0 else "RabbitMQ ?"
            except (OSError, subprocess.SubprocessError):
                return "RabbitMQ ?"

    def create_vhost(self) -> str:
        name = f"{self.vhost_prefix}{uuid.uuid4().hex[:10]}"
        quoted = urllib.parse.quote(name, safe="")
        try:
            self._api("PUT", f"/api/vhosts/{quoted}", {})
            self._api("PUT", f"/api/permissions/{quoted}/{urllib.parse.quote(self.user, safe='')}",
                      {"configure": ".*", "write": ".*", "read": ".*"})
            self.how = "management API"
        except (urllib.error.URLError, OSError) as api_error:
            if not shutil.which("rabbitmqctl"):
                raise SystemExit(f"cannot create a RabbitMQ vhost: management API at {self.management_url} "
                                 f"failed ({api_error}) and rabbitmqctl is not installed{self.api_hint}")
            for cmd in (["rabbitmqctl", "add_vhost", name],
                        ["rabbitmqctl", "set_permissions", "-p", name, self.user, ".*", ".*", ".*"]):
                subprocess.run(cmd, check=True, capture_output=True, timeout=60)
            self.how = "rabbitmqctl"
        self.vhost = name
        parsed = urllib.parse.urlparse(self.amqp_uri)
        return urllib.parse.urlunparse(parsed._replace(path="/" + quoted))

    def delete_vhost(self) -> None:
        if self.vhost is None:
            return
        try:
            if self.how == "management API":
                self._api("DELETE", f"/api/vhosts/{urllib.parse.quote(self.vhost, safe='')}")
            else:
                subprocess.run(["rabbitmqctl", "delete_vhost", self.vhost], check=True,
                               capture_output=True, timeout=60)
        except Exception as exc:  # noqa: BLE001 - report, do not mask the real outcome
            note(f"could not delete vhost {self.vhost}: {exc}")
        self.vhost = None


# --------------------------------------------------------------------------------------------
# servers as subprocesses
# --------------------------------------------------------------------------------------------

class Server:
    def __init__(self, label: str, argv: list[str], env: dict, log_path: Path):
        self.label = label
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def wait_ready(self, amqp_uri: str, service: str, method: str, args: tuple, timeout: float = 90) -> None:
        from nameko.standalone.rpc import ClusterRpcProxy

        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.label} exited with {self.proc.returncode}:\n{self.tail()}")
            cluster = ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=3)
            try:
                proxy = cluster.start()
                getattr(getattr(proxy, service), method)(*args)
                return
            except Exception as exc:  # noqa: BLE001 - not up yet
                last = exc
                eventlet.sleep(0.5)
            finally:
                try:
                    cluster.stop()
                except Exception:  # noqa: BLE001
                    pass
        raise SystemExit(f"{self.label} did not answer within {timeout}s ({last!r}):\n{self.tail()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()


def start_echo(script: str, amqp_uri: str, tmp: Path) -> Server:
    """The echo service: ``script`` (the calling benchmark's ``__file__``) in ``--serve-echo`` mode."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    server = Server("echo server", [sys.executable, str(Path(script).resolve()), "--serve-echo", amqp_uri],
                    env, tmp / "echo.log")
    server.wait_ready(amqp_uri, "bench_echo", "echo", ("ping",))
    return server


def start_service(service: str, amqp_uri: str, database_url: str, metrics_port: int, tmp: Path,
                  **extra_env: str) -> Server:
    """``python -m services.common.run <service>`` (what ``make run`` starts), once it answers ``health``."""
    upper = service.upper()
    env = dict(os.environ, PYTHONPATH=str(ROOT), AMQP_URI=amqp_uri, **extra_env,
               LOG_LEVEL="WARNING", CULTURE_VAR_DIR=str(tmp / "var"), MAX_WORKERS=str(MAX_WORKERS))
    env[f"{upper}_DATABASE_URL"] = database_url
    env[f"{upper}_METRICS_PORT"] = str(metrics_port)
    server = Server(f"{service} server", [sys.executable, "-m", "services.common.run", service], env,
                    tmp / f"{service}-{metrics_port}.log")
    server.wait_ready(amqp_uri, service, "health", ())
    return server


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


def histogram_quantile(q: float, before: dict, after: dict) -> float:
    """The ``q`` quantile (0..1) of the observations made between two ``rpc_latency_histogram``
    readings, from the bucket counts, interpolated linearly inside the bucket that holds it (as
    Prometheus' ``histogram_quantile``): accurate to the bucket's width. NaN without observations."""
    old = dict(before["buckets"])
    rows = [(le, n - old.get(le, 0.0)) for le, n in after["buckets"]]
    total = rows[-1][1] if rows else 0.0
    if total <= 0:
        return float("nan")
    rank, lower, below = q * total, 0.0, 0.0
    for le, n in rows:
        if n >= rank:
            if le == float("inf"):
                return lower  # beyond the last finite bound: the bound is all that is known
            return lower + (le - lower) * ((rank - below) / (n - below) if n > below else 1.0)
        lower, below = le, n
    return lower


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


# --------------------------------------------------------------------------------------------
# throughput
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
    cpu = {k: cpu1[k] - cpu0.get(k, 0.0) for k in cpu1}
    return {"calls": calls, "seconds": elapsed, "calls_per_s": calls / elapsed,
            "mean_ms": 1000 * statistics.fmean(lats) if lats else float("nan"),
            "p50_ms": 1000 * percentile(lats, 50), "p99_ms": 1000 * percentile(lats, 99),
            "cpu_s": cpu, "cpu_ms_per_call": {k: 1000 * v / calls for k, v in cpu.items()} if calls else {}}


def rpc_client(amqp_uri: str, token: str | None = None, timeout: float = 120):
    """A (not yet started) ``ClusterRpcProxy`` whose calls carry ``Bearer <token>``."""
    from nameko.standalone.rpc import ClusterRpcProxy

    context = {"authorization": f"Bearer {token}"} if token else {}
    return ClusterRpcProxy({"AMQP_URI": amqp_uri}, context_data=context, timeout=timeout)


def throughput(amqp_uri: str, label: str, call, make_args, seconds: float, concurrency: int,
               servers: dict[str, int], token: str | list[str] | None = None, warmup: int = 3) -> dict:
    """``concurrency`` green threads, each with its own ``rpc_client(token)``, calling for ``seconds``.

    ``call(proxy)`` returns the method to call (it is asked once per caller, in caller order);
    ``make_args()`` its arguments for one call. ``token``: one for every caller, or a list (caller
    ``i`` gets ``token[i]``). Returns ``run_callers``' figures with ``label``, ``errors``,
    ``errors_by_type`` and ``first_error``.
    """
    tokens = token if isinstance(token, list) else [token] * concurrency
    errors: dict[str, int] = {}
    first_error = [None]

    def on_error(exc):
        kind = getattr(exc, "exc_type", type(exc).__name__)
        errors[kind] = errors.get(kind, 0) + 1
        first_error[0] = first_error[0] or repr(exc)[:300]

    figures = run_callers([rpc_client(amqp_uri, tokens[i]) for i in range(concurrency)], call, make_args, seconds,
                          concurrency, servers, on_error, warmup)
    head = {k: figures.pop(k) for k in ("calls", "seconds", "calls_per_s")}
    return {"label": label, **head, "errors": sum(errors.values()), "errors_by_type": errors,
            "first_error": first_error[0], **figures}


# --------------------------------------------------------------------------------------------
# databases
# --------------------------------------------------------------------------------------------

class PostgresDatabases:
    """Throwaway databases ``bench_<random>`` on the server of ``admin_url``."""

    def __init__(self, admin_url: str):
        from sqlalchemy import create_engine

        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.base = admin_url.rsplit("/", 1)[0]
        self.names: list[str] = []

    def version(self) -> str:
        from sqlalchemy import text

        with self.admin.connect() as conn:
            return "PostgreSQL " + conn.execute(text("SHOW server_version")).scalar()

    def create(self) -> str:
        from sqlalchemy import text

        name = f"bench_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.names.append(name)
        return f"{self.base}/{name}"

    def drop_all(self) -> None:
        from sqlalchemy import text

        while self.names:
            name = self.names.pop()
            try:
                with self.admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            except Exception as exc:  # noqa: BLE001
                note(f"could not drop database {name}: {exc}")

    def close(self) -> None:
        self.drop_all()
        self.admin.dispose()


# --------------------------------------------------------------------------------------------
# seeded rows straight into a service's tables
# --------------------------------------------------------------------------------------------

DISTRICTS = ["中山区", "西岗区", "沙河口区", "甘井子区", "旅顺口区", "金州区", "普兰店区", "瓦房店市", "庄河市",
             "长海县"]


def seeded_uuid(rng) -> str:
    """A version-4 UUID drawn from ``rng`` (a ``random.Random``): the same ids on every run and backend."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def load_org_tree(url: str, model, seed: int, grassroots_per_district: int = 20) -> dict:
    """A service's organisation copy (``model``: its ``OrgCopy``), what the follower would build from
    registry events: a city federation, the 10 ``DISTRICTS`` federations and
    ``grassroots_per_district`` grassroots unions under each, ids drawn from ``random.Random(seed)``.
    Returns ``city`` (its id), ``districts`` and ``grassroots`` (the rows, with ``path``) and
    ``count``."""
    import random

    from sqlalchemy import insert

    from services.common.db import make_engine

    rng = random.Random(seed)
    city_id = seeded_uuid(rng)
    rows = [{"id": city_id, "name": "大连市总工会", "kind": "city", "parent_id": None, "path": f"/{city_id}/",
             "district": None}]
    districts, grassroots = [], []
    for d in DISTRICTS:
        did = seeded_uuid(rng)
        dpath = f"/{city_id}/{did}/"
        district = {"id": did, "name": f"{d}总工会", "kind": "district", "parent_id": city_id, "path": dpath,
                    "district": d}
        rows.append(district)
        districts.append(district)
        for i in range(grassroots_per_district):
            gid = seeded_uuid(rng)
            g = {"id": gid, "name": f"大连{d[:2]}{i + 1:02d}集团有限公司工会", "kind": "grassroots", "parent_id": did,
                 "path": f"{dpath}{gid}/", "district": d}
            rows.append(g)
            grassroots.append(g)
    columns = set(model.__table__.c.keys())
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(model.__table__), [{k: v for k, v in r.items() if k in columns} for r in rows])
    finally:
        engine.dispose()
    return {"city": city_id, "districts": districts, "grassroots": grassroots, "count": len(rows)}


def outbox_seq(url: str, outbox) -> int:
    """The last ``seq`` in a service's ``outbox`` table (0 when empty)."""
    from sqlalchemy import func, select

    from services.common.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.coalesce(func.max(outbox.c.seq), 0))).scalar_one()
    finally:
        engine.dispose()


def wait_outbox_sent(url: str, outbox, timeout: float = 600, since: float | None = None) -> float:
    """Seconds until the service's relay has published every pending event of ``outbox`` (NaN after
    ``timeout``), counted from now or from ``since`` (a ``time.perf_counter()``, e.g. when the call
    that wrote the events replied). On SQLite the relay holds the service's one pooled connection
    batch after batch, so a scrape of its /metrics (the gauges read the database) waits for most of
    the drain: counted from before that scrape, the drain is not hidden in it."""
    from sqlalchemy import func, select

    from services.common.db import make_engine

    engine = make_engine(url)
    started = time.perf_counter() if since is None else since
    try:
        while True:
            with engine.connect() as conn:
                pending = conn.execute(select(func.count()).where(outbox.c.sent_at.is_(None))).scalar_one()
            if not pending:
                return time.perf_counter() - started
            if time.perf_counter() - started > timeout:
                note(f"{pending} events still unsent after {timeout:.0f} s")
                return float("nan")
            eventlet.sleep(0.25)
    finally:
        engine.dispose()


# --------------------------------------------------------------------------------------------
# the run
# --------------------------------------------------------------------------------------------

def environment(broker: Broker, pg_version: str | None) -> dict:
    cpu_model = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{os.cpu_count()} x {cpu_model} ({len(os.sched_getaffinity(0))} usable)",
        "memory": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "nameko": version_of("nameko"),
        "eventlet / kombu": f"{version_of('eventlet')} / {version_of('kombu')}",
        "SQLAlchemy / psycopg2": f"{version_of('SQLAlchemy')} / {version_of('psycopg2-binary')}",
        "SQLite": sqlite3.sqlite_version,
        "PostgreSQL": pg_version or "not used",
        "broker": broker.version(),
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def add_connection_args(parser: argparse.ArgumentParser, postgres_help: str) -> None:
    """--amqp-uri, --management-url, --postgres-url, --json and the hidden --serve-echo."""
    parser.add_argument("--amqp-uri", default=DEFAULT_AMQP_URI,
                        help="broker; a throwaway vhost is made on it (default: $AMQP_URI or localhost)")
    parser.add_argument("--management-url", default=os.environ.get("RABBITMQ_MANAGEMENT_URL",
                                                                   "http://localhost:15672"))
    parser.add_argument("--postgres-url", default=DEFAULT_PG_URL, help=postgres_help)
    parser.add_argument("--json", help="also write all figures to this JSON file")
    parser.add_argument("--serve-echo", metavar="AMQP_URI", help=argparse.SUPPRESS)


def open_postgres(args, backends: list[str]) -> tuple[PostgresDatabases | None, str | None]:
    """(databases, version) when ``backends`` has postgres; an unreachable server drops it from
    ``backends`` (or ends the run when ``--backend postgres`` asked for it alone)."""
    if "postgres" not in backends:
        return None, None
    try:
        pg = PostgresDatabases(args.postgres_url)
        return pg, pg.version()
    except Exception as exc:  # noqa: BLE001
        if args.backend == "postgres":
            raise SystemExit(f"PostgreSQL at {args.postgres_url} is not reachable: {exc}")
        say(f"PostgreSQL at {args.postgres_url} is not reachable ({exc.__class__.__name__}); sqlite only")
        backends.remove("postgres")
        return None, None


def print_throughput_summary(results: dict, service: str, methods: tuple[str, str], digits: int) -> None:
    """calls/s (ratio to echo, ``digits`` decimals) of ``service.<method>`` per backend."""
    say("## summary: throughput, calls/s (ratio to echo)\n")
    echo_cps = results["backends"][0]["throughput"][0]["calls_per_s"]
    rows = [["bench_echo.echo (same run, shared)"] + [f"{echo_cps:.0f} (1)"] * len(results["backends"])]
    for i, method in enumerate(methods, 1):
        rows.append([f"{service}.{method}"] + [
            f"{b['throughput'][i]['calls_per_s']:.0f} ({b['throughput'][i]['calls_per_s'] / echo_cps:.{digits}f})"
            for b in results["backends"]])
    say(table(["call"] + [b["backend"] for b in results["backends"]], rows))
    say()


def finish(results: dict, args) -> None:
    """The closing line (wall time, load average) and the ``--json`` file."""
    say(f"total wall time {results['wall_seconds']:.0f} s; load average at the end "
        + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
