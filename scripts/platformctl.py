"""Starts and stops the platform on one machine: ``run``, ``up``, ``down``, ``status``.

``up`` starts each service detached (``python -m services.common.run <service>``), in order, each
only once the one before answers ``health()`` over RPC; writes its pid to ``var/run/<service>.pid``
and its log to ``var/log/<service>.log``; and returns when all answer (or fails, printing the log's
tail). Before a service starts, its demo seed runs once (``services.<service>.seed``, where the
service has one that needs the services before it running). ``run`` does the same in the
foreground with the logs on the terminal, and stops everything on Ctrl-C. ``down`` sends SIGTERM,
waits for a clean stop (SIGKILL after 30 s) and removes the pid files.

A pid file counts as a running service only when its pid is alive, is not a zombie (a process
killed with ``kill -9`` stays one until its parent reaps it, and still answers ``kill(pid, 0)``),
and runs ``services.common.run <service>`` (not some process that got the pid later). Otherwise the
pid file is stale: it is removed (a zombie that is our own child is reaped) and ``up`` starts the
service again; a service that dies while ``up`` waits for its answer is started again too. ``down``
counts a service stopped when it has exited, then waits up to 5 s for its pid to be reaped.
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
from pathlib import Path

from services.common import config as cfg

RUNNER = "services.common.run"  # python -m services.common.run <service>
PLATFORM = ("registry", "events", "talent", "awards")  # the services, in start order
SEED_WHILE_RUNNING = {"events", "talent", "awards"}  # seeds that read from the services started before them
RUN, LOG = cfg.var_dir() / "run", cfg.var_dir() / "log"
DEAD = ("Z", "X", "x")  # /proc states of a process that has exited and is not reaped yet


def _pid(service: str) -> int | None:
    """The pid of the running ``service``, or None (and its stale pid file removed)."""
    path = RUN / f"{service}.pid"
    try:
        pid = int(path.read_text())
    except (FileNotFoundError, ValueError):
        path.unlink(missing_ok=True)
        return None
    if _alive(pid) and _runs(pid, service):
        return pid
    path.unlink(missing_ok=True)
    return None


def _proc_state(pid: int) -> str | None:
    """The state letter in ``/proc/<pid>/stat`` (R, S, D, Z, X...), or None without one."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # "pid (comm) state ...": comm may hold spaces and parentheses; the state follows the last ")".
    rest = stat[stat.rfind(")") + 1:].split()
    return rest[0] if rest else None


def _alive(pid: int) -> bool:
    """True for a process that exists and is not dead-but-unreaped."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: it exists (and _runs decides whether it is ours)
    if _proc_state(pid) in DEAD:
        _reap(pid)
        return False
    return True


def _reap(pid: int) -> None:
    """Reap ``pid`` if it is our own child (``run`` in the foreground starts the services)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _wait_gone(pid: int, timeout: float = 5.0) -> bool:
    """Wait (a little) for a stopped service's pid to disappear: until its parent reaps it, an
    exited process stays a zombie (we reap our own children; ``up`` detaches them, so init reaps
    those). True when it is gone, or the pid now belongs to another live program."""
    if not Path("/proc/self/stat").exists():
        return True  # no procfs: _pid's kill(pid, 0) already said it is gone
    deadline = time.monotonic() + timeout
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return True  # someone else's process now
        state = _proc_state(pid)
        if state in DEAD:
            _reap(pid)
        elif state is None or _cmdline(pid):
            return True  # gone between the two looks, or a live program that got the pid since
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def _cmdline(pid: int) -> list[str]:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return []
    return [a.decode(errors="replace") for a in argv if a]


def _runs(pid: int, service: str) -> bool:
    """True when ``pid`` runs ``services.common.run`` with ``service`` among its arguments."""
    if not Path("/proc/self/cmdline").exists():
        return True  # no procfs on this system: trust the pid file
    args = _settled_cmdline(pid)
    if RUNNER not in args:
        return False  # gone, exiting (no command line any more), or another program that got the pid
    return service in args[args.index(RUNNER) + 1:]


def _settled_cmdline(pid: int, timeout: float = 1.0) -> list[str]:
    """The pid's command line. The kernel shows an empty one while a process exits, and also for
    a moment while it execs (``Popen`` returns before the new image has its arguments): an empty
    one of a live process is read again until it settles (``timeout``)."""
    deadline = time.monotonic() + timeout
    while True:
        args = _cmdline(pid)
        if args or _proc_state(pid) in (None, *DEAD) or time.monotonic() > deadline:
            return args
        time.sleep(0.01)


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
    proc = subprocess.Popen([sys.executable, "-m", RUNNER, service], stdout=out,
                            stderr=subprocess.STDOUT if out else None, start_new_session=not foreground)
    (RUN / f"{service}.pid").write_text(str(proc.pid))
    print(f"{service}: started (pid {proc.pid}" + ("" if foreground else f", log var/log/{service}.log") + ")")
    return proc.pid


def _wait_healthy(service: str, report_exit: bool = True) -> bool:
    deadline = time.monotonic() + 60
    while True:
        if _pid(service) is None:
            if not report_exit:
                return False
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
        pid = _pid(service)
        if pid:
            print(f"{service}: already running (pid {pid})")
            if _wait_healthy(service, report_exit=False):
                continue
            if _pid(service):
                return 1  # running and not answering: _wait_healthy said so
            # It was on its way out (killed a moment ago): start it again.
            print(f"{service}: pid {pid} has exited; starting it again")
        if _start(service, foreground) is None:
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
        if not _wait_gone(pid):
            print(f"{service}: pid {pid} has exited; its parent has not reaped it yet")
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
