"""Starts and stops the platform on one machine: ``run``, ``up``, ``down``, ``status``.

``up`` starts each service detached (``python -m services.common.run <service>``), in order, each
only once the one before answers ``health()`` over RPC; writes its pid to ``var/run/<service>.pid``
and its log to ``var/log/<service>.log``; and returns when all answer (or fails, printing the log's
tail). Before a service starts, its demo seed runs once (``services.<service>.seed``, where the
service has one that needs the services before it running). ``run`` does the same in the
foreground with the logs on the terminal, and stops everything on Ctrl-C. ``down`` sends SIGTERM,
waits for a clean stop (SIGKILL after 30 s) and removes the pid files.
"""
from __future__ import annotations

from services import common as _kit  # noqa: F401  (first: silences eventlet's banner)

import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import os
import signal
import subprocess
import sys
import time

from services.common import config as cfg

PLATFORM = ("registry", "events")  # the services built so far, in start order
SEED_WHILE_RUNNING = {"events"}  # seeds that read from the services started before them
RUN, LOG = cfg.var_dir() / "run", cfg.var_dir() / "log"


def _pid(service: str) -> int | None:
    path = RUN / f"{service}.pid"
    try:
        pid = int(path.read_text())
        os.kill(pid, 0)
        return pid
    except (FileNotFoundError, ValueError, ProcessLookupError):
        path.unlink(missing_ok=True)
        return None


def _health(service: str, timeout: float) -> dict:
    from nameko.standalone.rpc import ClusterRpcProxy

    with ClusterRpcProxy({"AMQP_URI": os.environ.get("AMQP_URI", cfg.DEFAULT_AMQP_URI)}, timeout=timeout) as rpc:
        return getattr(rpc, service).health()


def _start(service: str, foreground: bool) -> int | None:
    if service in SEED_WHILE_RUNNING:
        print(f"{service}: demo seed (once)")
        seeded = subprocess.run([sys.executable, "-m", f"services.{service}.seed"])
        if seeded.returncode != 0:
            print(f"{service}: demo seed failed", file=sys.stderr)
            return None
    out = None if foreground else open(LOG / f"{service}.log", "ab")
    proc = subprocess.Popen([sys.executable, "-m", "services.common.run", service], stdout=out,
                            stderr=subprocess.STDOUT if out else None, start_new_session=not foreground)
    (RUN / f"{service}.pid").write_text(str(proc.pid))
    print(f"{service}: started (pid {proc.pid}" + ("" if foreground else f", log var/log/{service}.log") + ")")
    return proc.pid


def _wait_healthy(service: str) -> bool:
    deadline = time.monotonic() + 60
    while True:
        if _pid(service) is None:
            print(f"{service}: exited during start-up", file=sys.stderr)
            log = LOG / f"{service}.log"
            if log.exists():
                print("".join(log.read_text().splitlines(True)[-20:]), file=sys.stderr)
            return False
        try:
            health = _health(service, timeout=5)
            print(f"{service}: answers RPC: {health}; metrics on "
                  f"http://localhost:{cfg.service_config(service)['METRICS_PORT']}/metrics")
            return True
        except Exception as exc:  # noqa: BLE001 - not up yet
            if time.monotonic() > deadline:
                print(f"{service}: no RPC answer after 60 s ({exc})", file=sys.stderr)
                return False
            time.sleep(0.5)


def up(services, foreground: bool = False) -> int:
    RUN.mkdir(parents=True, exist_ok=True)
    LOG.mkdir(parents=True, exist_ok=True)
    for service in services:
        if _pid(service):
            print(f"{service}: already running (pid {_pid(service)})")
        elif _start(service, foreground) is None:
            return 1
        if not _wait_healthy(service):
            return 1
    return 0


def run(services) -> int:
    """``up`` in the foreground: logs on the terminal; Ctrl-C (or SIGTERM) stops all."""
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    try:
        if up(services, foreground=True) != 0:
            return 1
        print("the platform is up; Ctrl-C stops it")
        while not stop and all(_pid(s) for s in services):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        down(services)
    return 0


def down(services) -> int:
    for service in reversed(services):
        pid = _pid(service)
        if pid is None:
            print(f"{service}: not running")
            continue
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while _pid(service) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _pid(service):
            os.kill(pid, signal.SIGKILL)
            print(f"{service}: killed after 30 s")
        else:
            print(f"{service}: stopped")
        (RUN / f"{service}.pid").unlink(missing_ok=True)
    return 0


def status(services) -> int:
    for service in services:
        pid = _pid(service)
        print(f"{service}: {'running, pid %d' % pid if pid else 'stopped'}")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("run", "up", "down", "status"))
    parser.add_argument("services", nargs="*", default=list(PLATFORM))
    args = parser.parse_args()
    sys.exit({"run": run, "up": up, "down": down, "status": status}[args.command](args.services))


if __name__ == "__main__":
    main()
