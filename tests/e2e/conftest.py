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


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def platform(request, vhost_pipeline, tmp_path_factory):
    """The platform ``make up`` starts on one backend, shared by the e2e tests of that backend (each
    start runs four services and their seeds: once per backend, not once per test); ``make down``
    at the end must stop every service cleanly and leave no pid file."""
    from urllib.parse import urlparse

    uri = urlparse(request.config.getoption("RABBIT_AMQP_URI"))
    tmp_path = tmp_path_factory.mktemp(f"platform-{request.param}")
    with vhost_pipeline.get() as vhost:
        env = dict(os.environ, AMQP_URI=f"{uri.scheme}://{uri.netloc}/{vhost}",
                   CULTURE_VAR_DIR=str(tmp_path / "var"), CULTURE_JWT_SECRET=SECRET,
                   REGISTRY_METRICS_PORT=str(free_port()), EVENTS_METRICS_PORT=str(free_port()),
                   TALENT_METRICS_PORT=str(free_port()), AWARDS_METRICS_PORT=str(free_port()))
        if request.param == "postgres":
            for service in ("REGISTRY", "EVENTS", "TALENT", "AWARDS"):
                env[f"{service}_DATABASE_URL"] = request.getfixturevalue("postgres").empty()
        up = subprocess.run(["make", "up"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        if up.returncode != 0:  # stop what did start, so a failed start leaves no service behind
            subprocess.run(["make", "down"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert up.returncode == 0, up.stdout + up.stderr
        run_dir = Path(env["CULTURE_VAR_DIR"]) / "run"
        pids = {p.stem: int(p.read_text()) for p in run_dir.glob("*.pid")}
        assert set(pids) == {"registry", "events", "talent", "awards"}
        yield env
        down = subprocess.run(["make", "down"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
        assert down.returncode == 0, down.stdout + down.stderr
        assert list(run_dir.glob("*.pid")) == []
        for service, pid in pids.items():
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)


@pytest.fixture
def client(request):
    """An RPC client on the shared platform's vhost (or the test's own, for a test without it)."""
    from tests.conftest import RpcClient

    if "platform" in request.fixturenames:
        uri = request.getfixturevalue("platform")["AMQP_URI"]
    else:
        uri = request.getfixturevalue("rabbit_config")["AMQP_URI"]
    c = RpcClient(uri)
    yield c
    c.close()
