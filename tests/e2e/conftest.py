"""The platform started as ops start it: ``make up`` with its own var dir, broker vhost and databases."""
from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET = "e2e-secret-" + "y" * 40


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def platform(rabbit_config, backend, tmp_path, request):
    env = dict(os.environ, AMQP_URI=rabbit_config["AMQP_URI"], CULTURE_VAR_DIR=str(tmp_path / "var"),
               CULTURE_JWT_SECRET=SECRET, REGISTRY_METRICS_PORT=str(free_port()),
               EVENTS_METRICS_PORT=str(free_port()))
    if backend == "postgres":
        env["REGISTRY_DATABASE_URL"] = request.getfixturevalue("postgres").empty()
        env["EVENTS_DATABASE_URL"] = request.getfixturevalue("postgres").empty()
    up = subprocess.run(["make", "up"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if up.returncode != 0:  # stop what did start, so a failed start leaves no service behind
        subprocess.run(["make", "down"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert up.returncode == 0, up.stdout + up.stderr
    run_dir = Path(env["CULTURE_VAR_DIR"]) / "run"
    pids = {p.stem: int(p.read_text()) for p in run_dir.glob("*.pid")}
    assert set(pids) == {"registry", "events"}
    yield env
    # make down stops every service cleanly and leaves no pid file behind.
    down = subprocess.run(["make", "down"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert down.returncode == 0, down.stdout + down.stderr
    assert list(run_dir.glob("*.pid")) == []
    for service, pid in pids.items():
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


