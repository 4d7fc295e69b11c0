"""How the benchmark scripts (bench_registry.py, bench_events.py, bench_talent.py, bench_awards.py)
set a run up and carry it out; what they measure with is in ``measure.py``, what they print with
in ``report.py``. A script imports ``boot`` first (``bench/boot.py``: the project on ``sys.path``,
eventlet monkey-patched), then these.

- defaults: ``DEFAULT_AMQP_URI``, ``DEFAULT_PG_URL``, ``MAX_WORKERS``, ``ROOT`` (the project root);
- the bare nameko echo service (``Echo``) and ``serve_echo``, which runs it in a script's
  ``--serve-echo`` mode, and ``start_echo`` which starts that mode as a subprocess;
- ``free_port``, ``version_of``, ``environment`` (the machine and versions table);
- other work on the machine: ``other_work`` (other benchmarks or test runs), ``note`` (a progress
  line on stderr; while other work is watched, it also records such work in ``SEEN_DURING_RUN``),
  ``warn_if_busy`` / ``warn_other_work`` (the warnings printed at the start and the end of a run);
- ``Broker`` (a throwaway RabbitMQ vhost via the management API, else ``rabbitmqctl``),
  ``Server`` (a service as a subprocess, waited on until it answers an RPC), ``start_service``
  (``python -m services.common.run <service>``);
- databases: ``PostgresDatabases`` (throwaway databases), ``database_url`` (a backend's throwaway
  database), ``migrated_databases`` / ``end_backend`` (the start and the end of a backend's run:
  heading, databases migrated; servers stopped, databases dropped), ``analyse`` (what autovacuum
  would do after a bulk load);
- seeded rows: ``DISTRICTS``, ``seeded_uuid``, ``load_org_tree`` (a service's organisation copy),
  ``outbox_seq`` / ``wait_outbox_sent`` (a service's outbox: its last seq, the relay draining it);
- ``main``: ``bench_parser``, ``add_throughput_args``, ``add_run_args``, ``parse_args`` (which
  serves the echo in ``--serve-echo`` mode), ``open_postgres``, ``run_benchmark`` (the run every
  script makes: environment, vhost, echo, each backend, summary) and ``finish``.
"""
from __future__ import annotations

import boot  # noqa: F401  (first: the project on sys.path, eventlet monkey-patched; bench/boot.py)

import argparse
import base64
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from importlib import metadata as importlib_metadata
from pathlib import Path

import eventlet
from nameko.rpc import rpc as nameko_rpc

from boot import ROOT
from measure import throughput
from report import say, table

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
WATCHING = [False]  # whether ``note`` looks for other work (``run_benchmark(watch_other_work=...)``)


def note(msg: str) -> None:
    """A progress line on stderr. While other work is watched, it also records the other benchmarks
    or test runs alive at that moment in ``SEEN_DURING_RUN`` (``warn_other_work`` lists them)."""
    print(f"  .. {msg}", file=sys.stderr, flush=True)
    if WATCHING[0]:
        for other in other_work():
            SEEN_DURING_RUN.setdefault(other.split(":", 1)[0], f"{other} (at: {msg})")


def warn_if_busy(watch_other_work: bool = True) -> None:
    """The warning at the start of a run: a high load average, or (``watch_other_work``) other
    benchmarks / test runs; without, the registry's wording, on the load average alone."""
    others = other_work() if watch_other_work else []
    load, cpus = os.getloadavg()[0], len(os.sched_getaffinity(0))
    if not (others or load > 0.5 * cpus):
        return
    if watch_other_work:
        say(f"WARNING: load average {load:.2f} on {cpus} CPUs before the run"
            + (f"; other work running: {'; '.join(others)}" if others else "")
            + ". The figures will be low and noisy.\n")
    else:
        say(f"WARNING: load average {load:.2f} on {cpus} CPUs before the run: other work "
            "is using this machine (and perhaps this broker/PostgreSQL); the figures will be low and noisy.\n")


def warn_other_work(results: dict) -> None:
    """The warning at the end of a run (and ``results["other_work_seen"]``)."""
    results["other_work_seen"] = list(SEEN_DURING_RUN.values())
    if SEEN_DURING_RUN:
        say("WARNING: other benchmarks or test runs were alive during this run (seen at phase boundaries); "
            "the figures are distorted:\n" + "\n".join(f"- {v}" for v in SEEN_DURING_RUN.values()) + "\n")


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
    """A service as a subprocess (``argv`` in the project root, its output in ``log_path``)."""

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


def database_url(backend: str, tmp: Path, name: str, pg: PostgresDatabases | None) -> str:
    """A throwaway database of ``backend``: the SQLite file ``<name>-bench.db`` in ``tmp``, or a new
    PostgreSQL database of ``pg``."""
    return f"sqlite:///{tmp / f'{name}-bench.db'}" if backend == "sqlite" else pg.create()


def migrated_databases(backend: str, tmp: Path, pg: PostgresDatabases | None, *services: str) -> list[str]:
    """The start of a backend's run: its heading, then a throwaway database per service of
    ``services`` (``database_url``), migrated with ``services.common.migrate.upgrade``; their URLs."""
    from services.common.migrate import upgrade

    urls = [database_url(backend, tmp, service, pg) for service in services]
    say(f"\n## {backend}\n")
    note(f"{backend}: migrating")
    for service, url in zip(services, urls):
        upgrade(service, url)
    return urls


def end_backend(backend: str, pg: PostgresDatabases | None, *servers: Server) -> None:
    """The end of a backend's run (in its ``finally``): stops ``servers``, in order, and drops the
    backend's PostgreSQL databases."""
    for server in servers:
        server.stop()
    if backend == "postgres":
        pg.drop_all()


def analyse(engine, statement: str = "ANALYZE") -> bool:
    """On PostgreSQL, what autovacuum does on its own within a minute of a bulk load (done now, so
    that it does not run during the measurements and the planner sees the rows): ``statement``.
    Whether it ran (SQLite: no; nothing in the services runs one there either)."""
    from sqlalchemy import text

    if engine.dialect.name != "postgresql":
        return False
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(statement))
    return True


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
# the run: options, environment, the scaffolding every script's main() shares
# --------------------------------------------------------------------------------------------

def environment(broker: Broker, pg_version: str | None) -> dict:
    """The machine and versions table printed at the start of a run (and ``results["environment"]``)."""
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


def bench_parser(doc: str) -> argparse.ArgumentParser:
    """A script's parser (described by the first line of its docstring ``doc``), with ``--backend``;
    the script adds its own options, ``add_throughput_args`` and ``add_run_args``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    return parser


def add_throughput_args(parser: argparse.ArgumentParser,
                        concurrency_help: str = "concurrent callers for throughput") -> None:
    """--seconds and --concurrency (every script measures throughput)."""
    parser.add_argument("--seconds", type=float, default=10, help="duration of each throughput measurement")
    parser.add_argument("--concurrency", type=int, default=8, help=concurrency_help)


def add_run_args(parser: argparse.ArgumentParser, postgres_help: str = "an existing database on the server where "
                                                                       "bench_<random> databases are created") -> None:
    """The options every script ends with: --seed, --amqp-uri, --management-url, --postgres-url,
    --json and the hidden --serve-echo."""
    parser.add_argument("--seed", type=int, default=20251125)
    parser.add_argument("--amqp-uri", default=DEFAULT_AMQP_URI,
                        help="broker; a throwaway vhost is made on it (default: $AMQP_URI or localhost)")
    parser.add_argument("--management-url", default=os.environ.get("RABBITMQ_MANAGEMENT_URL",
                                                                   "http://localhost:15672"))
    parser.add_argument("--postgres-url", default=DEFAULT_PG_URL, help=postgres_help)
    parser.add_argument("--json", help="also write all figures to this JSON file")
    parser.add_argument("--serve-echo", metavar="AMQP_URI", help=argparse.SUPPRESS)


def parse_args(parser: argparse.ArgumentParser, argv=None) -> argparse.Namespace:
    """``parser.parse_args(argv)``; in the hidden ``--serve-echo AMQP_URI`` mode (``start_echo``
    runs the script so), serves the echo service until stopped and exits."""
    args = parser.parse_args(argv)
    if args.serve_echo:
        serve_echo(args.serve_echo)
        raise SystemExit(0)
    return args


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


def run_benchmark(args, *, name: str, script: str, servers: str, one_caller_for: str,
                  echo_payload: Callable[[], object], echo_label: str | dict, run_backend: Callable[..., dict],
                  summary: Callable[[dict, object], None], broker_options: dict | None = None,
                  watch_other_work: bool = True, outbox_relay: bool = True) -> int:
    """The run every script makes once its arguments are read; returns the exit status.

    Prints ``# <name> benchmark``, the start warning (``warn_if_busy``), the environment table and
    the setup paragraph (``servers``: how the services are started; ``one_caller_for``: what is
    measured with a single caller; ``outbox_relay``: say whether the relay runs); makes a throwaway vhost
    (``Broker(**broker_options)``, default ``bench_<name>_<random>``, no ``rabbitmqctl`` asked),
    starts the echo server (``script`` in ``--serve-echo`` mode) and, unless ``--skip-throughput``,
    measures its throughput once for every backend (called with ``echo_payload()``, its figures
    named ``echo_label``, see ``throughput``); then for each backend ``run_backend(backend, args,
    amqp_uri, tmp, echo, pg, echo_tp)`` (its figures go to ``results["backends"]``); cleans up
    (echo, vhost, databases, the temp dir ``bench_<name>_...``); then ``summary(results, args)``,
    the end warning and ``finish``. ``watch_other_work``: look for other benchmarks and test runs
    at every ``note`` (and warn of them at the end, ``results["other_work_seen"]``)."""
    WATCHING[0] = watch_other_work
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    if broker_options is None:
        broker_options = {"vhost_prefix": f"bench_{name}_", "rabbitmqctl_version": False, "api_hint": ""}
    broker = Broker(args.amqp_uri, args.management_url, **broker_options)
    pg, pg_version = open_postgres(args, backends)

    results = {"environment": environment(broker, pg_version),
               "args": {k: v for k, v in vars(args).items() if k != "serve_echo"}, "backends": []}
    say(f"# {name} benchmark\n")
    warn_if_busy(watch_other_work)
    say(table(["", ""], [[k, v] for k, v in results["environment"].items()], "ll"))
    say()
    say(f"setup: servers are subprocesses ({servers}, max_workers {MAX_WORKERS}; echo: a bare nameko service "
        f"`bench_echo`); the client is this process, {args.concurrency} eventlet green threads each with its own "
        f"ClusterRpcProxy for throughput, one caller for {one_caller_for}. Client, servers, RabbitMQ and "
        "PostgreSQL share this machine's CPUs."
        + (f" Outbox relay: {os.environ.get('OUTBOX_RELAY', 'on')} (OUTBOX_RELAY from the environment)."
           if outbox_relay else ""))

    tmp = Path(tempfile.mkdtemp(prefix=f"bench_{name}_"))
    echo = None
    wall = time.perf_counter()
    try:
        amqp_uri = broker.create_vhost()
        say(f"broker: throwaway vhost {broker.vhost} ({broker.how})\n")
        echo = start_echo(script, amqp_uri, tmp)
        echo_tp = None
        if not args.skip_throughput:
            note(f"throughput echo ({args.seconds:g} s)")
            payload = echo_payload()
            echo_tp = throughput(amqp_uri, echo_label, lambda p: p.bench_echo.echo, lambda: (payload,), args.seconds,
                                 args.concurrency, {"echo server": echo.pid})
        for backend in backends:
            results["backends"].append(run_backend(backend, args, amqp_uri, tmp, echo, pg, echo_tp))
    finally:
        if echo is not None:
            echo.stop()
        broker.delete_vhost()
        if pg is not None:
            pg.close()
        shutil.rmtree(tmp, ignore_errors=True)
    results["wall_seconds"] = time.perf_counter() - wall
    summary(results, args)
    if watch_other_work:
        warn_other_work(results)
    finish(results, args)
    return 0


def finish(results: dict, args) -> None:
    """The closing line (wall time, load average) and the ``--json`` file."""
    say(f"total wall time {results['wall_seconds']:.0f} s; load average at the end "
        + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
