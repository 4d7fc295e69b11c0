"""PostgreSQL connections the database dropped (a restart, an idle connection cut): a service's
pooled connection is pinged when it has lain idle, and replaced when the ping fails, so the next
call after a quiet spell works; one used a moment ago is not pinged (a round trip saved on every
call), and if it broke meanwhile only the statement that meets it fails, after which the pool
hands out fresh connections."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from services.common.db import make_engine, ping_when_idle

pytestmark = pytest.mark.parametrize("backend", ["postgres"], indirect=True)


@pytest.fixture
def service_name():
    return "kit"


def backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def terminate(admin_url: str, pid: int) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar_one()
    finally:
        admin.dispose()
    time.sleep(0.05)  # the backend is gone before the next statement meets it


def test_an_idle_connection_the_database_dropped_is_replaced_before_use(empty_database):
    url = empty_database("ping")
    engine = make_engine(url, pool_size=1, max_overflow=0)
    ping_when_idle(engine, idle_seconds=0.2)  # the service's engine pings after 1 s; here sooner
    try:
        first = backend_pid(engine)
        terminate(url, first)
        time.sleep(0.3)
        assert backend_pid(engine) != first  # pinged, found dead, replaced: the call just works
    finally:
        engine.dispose()


def test_a_connection_used_a_moment_ago_is_not_pinged_and_a_break_costs_one_statement(empty_database):
    url = empty_database("ping")
    engine = create_engine(url, pool_size=1, max_overflow=0)
    ping_when_idle(engine, idle_seconds=60)
    try:
        first = backend_pid(engine)
        terminate(url, first)
        with pytest.raises(DBAPIError) as caught:  # not pinged: the statement meets the break
            backend_pid(engine)
        assert caught.value.connection_invalidated
        assert backend_pid(engine) != first  # the pool replaced it: the next call works
    finally:
        engine.dispose()
