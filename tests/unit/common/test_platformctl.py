"""``platformctl``'s idea of "running": a pid file counts only for a live, unreaped process that runs
``services.common.run <service>``. Real child processes stand in for services (a ``sleep`` whose
command line names the runner and the service), so nothing is started on the broker."""
from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs procfs")
SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "platformctl.py"


@pytest.fixture
def ctl(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("platformctl_under_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "RUN", tmp_path / "run")
    monkeypatch.setattr(module, "LOG", tmp_path / "log")
    module.RUN.mkdir()
    module.LOG.mkdir()
    return module


@pytest.fixture
def children():
    procs = []

    def start(*argv):
        proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", *argv])
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        try:
            proc.wait(timeout=5)
        except ChildProcessError:
            pass


def state(pid):
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    return stat[stat.rfind(")") + 1:].split()[0]


def wait_for_state(pid, wanted, timeout=5.0):
    deadline = time.monotonic() + timeout
    while state(pid) != wanted:
        assert time.monotonic() < deadline, f"pid {pid} never reached state {wanted}"
        time.sleep(0.01)


def write_pid(ctl, service, pid):
    (ctl.RUN / f"{service}.pid").write_text(str(pid))


def test_a_live_service_process_is_running(ctl, children):
    proc = children(ctl.RUNNER, "registry")
    write_pid(ctl, "registry", proc.pid)
    assert ctl._pid("registry") == proc.pid
    assert (ctl.RUN / "registry.pid").exists()


def test_a_service_just_started_is_running(ctl, children):
    # Popen returns while the child is still inside exec, when the kernel shows no command line
    # yet: up's first look right after starting a service must not call it gone.
    for _ in range(50):
        proc = children(ctl.RUNNER, "registry")
        write_pid(ctl, "registry", proc.pid)
        assert ctl._pid("registry") == proc.pid
        proc.kill()
        proc.wait()


def test_a_service_killed_with_sigkill_and_not_yet_reaped_is_not_running(ctl, children):
    proc = children(ctl.RUNNER, "registry")
    write_pid(ctl, "registry", proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    wait_for_state(proc.pid, "Z")  # we are its parent and have not reaped it: a zombie
    os.kill(proc.pid, 0)  # ... which still answers the old check
    assert ctl._pid("registry") is None
    assert not (ctl.RUN / "registry.pid").exists()
    assert state(proc.pid) is None  # our own child: reaped on the way


def test_a_pid_that_now_runs_another_program_is_not_the_service(ctl, children):
    stranger = children("--not-a-service")
    write_pid(ctl, "registry", stranger.pid)
    assert ctl._pid("registry") is None
    assert not (ctl.RUN / "registry.pid").exists()
    assert stranger.poll() is None  # and it is left alone

    other = children(ctl.RUNNER, "events")
    write_pid(ctl, "registry", other.pid)
    assert ctl._pid("registry") is None
    write_pid(ctl, "events", other.pid)
    assert ctl._pid("events") == other.pid


def test_a_missing_or_garbled_pid_file_is_not_running(ctl):
    assert ctl._pid("registry") is None
    (ctl.RUN / "registry.pid").write_text("not a pid")
    assert ctl._pid("registry") is None
    assert not (ctl.RUN / "registry.pid").exists()


def test_up_after_a_kill_starts_the_service_again(ctl, children, monkeypatch, capsys):
    proc = children(ctl.RUNNER, "registry")
    write_pid(ctl, "registry", proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    wait_for_state(proc.pid, "Z")
    started = []
    monkeypatch.setattr(ctl, "_start", lambda service, foreground: started.append(service) or 4242)
    monkeypatch.setattr(ctl, "_wait_healthy", lambda service, report_exit=True: True)
    assert ctl.up(["registry"]) == 0
    assert started == ["registry"]
    assert "already running" not in capsys.readouterr().out


def test_up_starts_a_service_that_dies_while_it_looks_at_it(ctl, children, monkeypatch, capsys):
    # SIGKILL sent a moment before: the pid still runs the service when up looks, and is gone by
    # the time up waits for its health() answer.
    proc = children(ctl.RUNNER, "registry")
    write_pid(ctl, "registry", proc.pid)
    started = []

    def wait_healthy(service, report_exit=True):
        if not started:
            proc.kill()
            proc.wait()
            return False if ctl._pid(service) is None else pytest.fail("the dead pid still counts")
        return True

    monkeypatch.setattr(ctl, "_start", lambda service, foreground: started.append(service) or 4242)
    monkeypatch.setattr(ctl, "_wait_healthy", wait_healthy)
    assert ctl.up(["registry"]) == 0
    assert started == ["registry"]
    out = capsys.readouterr().out
    assert "already running" in out and "starting it again" in out


def test_waiting_for_a_stopped_service_reaps_our_own_zombie(ctl, children):
    proc = children(ctl.RUNNER, "registry")
    os.kill(proc.pid, signal.SIGKILL)
    wait_for_state(proc.pid, "Z")
    assert ctl._wait_gone(proc.pid, timeout=2)
    assert state(proc.pid) is None


def test_a_pid_taken_by_another_program_is_gone_for_down(ctl, children):
    stranger = children("--not-a-service")
    started = time.monotonic()
    assert ctl._wait_gone(stranger.pid, timeout=2)
    assert time.monotonic() - started < 1 and stranger.poll() is None
