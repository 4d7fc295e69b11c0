"""Shared fixtures: a real RabbitMQ (a fresh vhost per test, from nameko's pytest plugin) and real
databases (SQLite files and PostgreSQL databases cloned from a migrated template)."""
from __future__ import annotations

import services.common  # noqa: F401  (first: silences eventlet's banner)

import eventlet

eventlet.monkey_patch()  # as a service process does, before anything opens a socket

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from services.common import config as cfg
from services.common.auth import issue_token

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
JWT_SECRET = "test-secret-" + "x" * 40


class PostgresDatabases:
    """Fresh PostgreSQL databases per test, cloned from a template migrated once per session."""

    def __init__(self, admin_url: str):
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.base = admin_url.rsplit("/", 1)[0]
        self.templates: dict[str, str] = {}
        self.created: list[str] = []

    def _create(self, name: str, template: str | None = None) -> str:
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
        self.created.append(name)
        return f"{self.base}/{name}"

    def fresh(self, service: str) -> str:
        from services.common.migrate import upgrade

        if service not in self.templates:
            name = f"culture_tpl_{service}_{uuid.uuid4().hex[:8]}"
            upgrade(service, self._create(name))
            self.templates[service] = name
        return self._create(f"culture_t_{uuid.uuid4().hex[:12]}", self.templates[service])

    def empty(self) -> str:
        return self._create(f"culture_t_{uuid.uuid4().hex[:12]}")

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self):
        for name in reversed(self.created):
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres():
    dbs = PostgresDatabases(PG_ADMIN_URL)
    yield dbs
    dbs.close()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request):
    return request.param


@pytest.fixture
def database_url(backend, tmp_path, request):
    """A migrated, empty database for the service under test (``service`` fixture names it)."""
    service = request.getfixturevalue("service_name")
    if backend == "sqlite":
        from services.common.migrate import upgrade

        url = f"sqlite:///{tmp_path / f'{service}.db'}"
        upgrade(service, url)
        return url
    return request.getfixturevalue("postgres").fresh(service)


@pytest.fixture
def empty_database(backend, tmp_path, request):
    """``empty_database(name)``: the URL of a new empty database on the test's backend."""

    def make(name: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp_path / f'{name}.db'}"
        return request.getfixturevalue("postgres").empty()

    return make


@pytest.fixture
def kit_engine(empty_database):
    """``kit_engine(name, metadata)``: an engine on a new empty database of the test's backend, with
    ``metadata``'s tables made (a kit test's own tables); disposed after the test."""
    from services.common.db import make_engine

    engines = []

    def make(name: str, metadata):
        engine = make_engine(empty_database(name))
        metadata.create_all(engine)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture
def migrated_database(backend, tmp_path, request):
    """``migrated_database(service)``: a new database at the service's head, on the test's backend."""
    from services.common.migrate import upgrade

    def make(service: str) -> str:
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path / f'{service}-{uuid.uuid4().hex[:6]}.db'}"
            upgrade(service, url)
            return url
        return request.getfixturevalue("postgres").fresh(service)

    return make


def config_for(service: str, amqp_uri: str, database_url: str, **extra) -> dict:
    """A service's nameko config for tests: ephemeral metrics port, quick relay and retries."""
    config = cfg.service_config(service, env={})
    config.update(AMQP_URI=amqp_uri, DATABASE_URL=database_url, JWT_SECRET=JWT_SECRET, METRICS_PORT=0,
                  OUTBOX_POLL_SECONDS=0.2, CONSUMER_MAX_TRIES=3, CONSUMER_RETRY_DELAY_MS=50, **extra)
    return config


@pytest.fixture
def service_config(rabbit_config, database_url, service_name):
    return config_for(service_name, rabbit_config["AMQP_URI"], database_url)


class RpcClient:
    """Calls a service like an admin UI does: ``client.call("registry", "get_venue", id, token=t)``.

    One ``ClusterRpcProxy`` per token (the token travels in the context data), kept for the test.
    """

    def __init__(self, amqp_uri: str):
        self.config = {"AMQP_URI": amqp_uri}
        self.proxies = {}

    def proxy(self, token=None):
        from nameko.standalone.rpc import ClusterRpcProxy

        if token not in self.proxies:
            context = {"authorization": f"Bearer {token}"} if token else {}
            cluster = ClusterRpcProxy(self.config, context_data=context, timeout=30)
            self.proxies[token] = (cluster, cluster.start())
        return self.proxies[token][1]

    def call(self, service, method, *args, token=None, **kwargs):
        return getattr(getattr(self.proxy(token), service), method)(*args, **kwargs)

    def close(self):
        for cluster, _ in self.proxies.values():
            cluster.stop()


@pytest.fixture
def client(rabbit_config):
    c = RpcClient(rabbit_config["AMQP_URI"])
    yield c
    c.close()


@pytest.fixture
def token():
    """``token(roles, org_id, sub=..., ttl=...)``: a signed test token."""

    def make(roles, org_id=None, sub=None, ttl=3600, secret=JWT_SECRET):
        roles = [roles] if isinstance(roles, str) else list(roles)
        return issue_token(secret, sub=sub or f"user-{uuid.uuid4().hex[:6]}", roles=roles, org_id=org_id,
                           ttl_seconds=ttl)

    return make
