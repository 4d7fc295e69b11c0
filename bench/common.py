"""What bench_registry.py and bench_events.py share.

- defaults: ``DEFAULT_AMQP_URI``, ``DEFAULT_PG_URL``, ``MAX_WORKERS``, ``ROOT`` (the project root);
- the bare nameko echo service (``Echo``) and ``serve_echo``, which runs it in a script's
  ``--serve-echo`` mode, and ``start_echo`` which starts that mode as a subprocess;
- printing and figures: ``say``, ``note``, ``percentile``, ``table`` (Markdown), ``free_port``,
  ``version_of``, ``environment`` (the machine and versions table);
- CPU accounting: ``cpu_snapshot`` (client, server subprocesses, RabbitMQ, PostgreSQL);
- ``Broker`` (a throwaway RabbitMQ vhost via the management API, else ``rabbitmqctl``),
  ``Server`` (a service as a subprocess, waited on until it answers an RPC), ``start_service``
  (``python -m services.common.run <service>``), ``PostgresDatabases`` (throwaway databases);
- ``rpc_latency_totals``: sum and count of a service's ``culture_rpc_latency_seconds`` histogram;
- ``run_callers``: the throughput loop (green threads, one ClusterRpcProxy each, CPU per call);
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
