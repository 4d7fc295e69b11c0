"""``make up`` right after a ``kill -9`` starts the killed service again.

A process killed with SIGKILL is a zombie until its parent reaps it, and a zombie still answers
``kill(pid, 0)``: ``make up`` used to call it "already running" and start nothing. Under an init
that reaps quickly the window is a second or two; under one that never reaps (a container whose
PID 1 is a shell) it lasts for ever. To make that window deterministic, this test makes itself the
services' subreaper (``PR_SET_CHILD_SUBREAPER``): the detached services become its children when
``make up`` exits, and it reaps the killed one only at the end. The registry alone
(``SERVICES=registry``), on SQLite: the other services and the databases play no part.
"""
from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from .conftest import ROOT, SECRET, free_port

PR_SET_CHILD_SUBREAPER = 36


def _subreaper(on: bool) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0) != 0:
        pytest.skip(f"prctl(PR_SET_CHILD_SUBREAPER) failed: errno {ctypes.get_errno()}")


def _stat(pid: int) -> list[str]:
    """``/proc/<pid>/stat`` after the command name: [state, ppid, ...]; [] when there is no pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return []
    return stat[stat.rfind(")") + 1:].split()


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _pids(run_dir: Path) -> dict:
    return {p.stem: int(p.read_text()) for p in run_dir.glob("*.pid")}


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs procfs and prctl (Linux)")
def test_make_up_after_kill_9_starts_the_killed_service(rabbit_config, tmp_path, client):
    env = dict(os.environ, AMQP_URI=rabbit_config["AMQP_URI"], CULTURE_VAR_DIR=str(tmp_path / "var"),
               CULTURE_JWT_SECRET=SECRET, REGISTRY_METRICS_PORT=str(free_port()),
               EVENTS_METRICS_PORT=str(free_port()))
    run_dir = tmp_path / "var" / "run"
    make = lambda target: subprocess.run(["make", target, "SERVICES=registry"], cwd=ROOT, env=env,  # noqa: E731
                                         capture_output=True, text=True, timeout=300)
    _subreaper(True)
    seen = set()
    try:
        up = make("up")
        assert up.returncode == 0, up.stdout + up.stderr
        first = _pids(run_dir)
        seen |= set(first.values())
        assert set(first) == {"registry"}
        assert int(_stat(first["registry"])[1]) == os.getpid()  # ours to reap, when we choose

        os.kill(first["registry"], signal.SIGKILL)
        deadline = time.monotonic() + 10
        while _stat(first["registry"])[:1] != ["Z"]:
            assert time.monotonic() < deadline, "the killed registry never became a zombie"
            time.sleep(0.01)
        os.kill(first["registry"], 0)  # the zombie still answers: the old "already running"

        again = make("up")
        assert again.returncode == 0, again.stdout + again.stderr
        assert "registry: started" in again.stdout, again.stdout
        second = _pids(run_dir)
        seen |= set(second.values())
        assert second["registry"] != first["registry"]
        assert client.call("registry", "health")["database"] == "ok"
    finally:
        down = make("down")
        for pid in seen:
            _reap(pid)
        _subreaper(False)
    assert down.returncode == 0, down.stdout + down.stderr
    assert list(run_dir.glob("*.pid")) == []
    for pid in seen:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
