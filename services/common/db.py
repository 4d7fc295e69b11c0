"""Databases: engines for SQLite and PostgreSQL, and the per-worker session dependency.

``Database`` is a nameko ``DependencyProvider``: each worker gets its own SQLAlchemy 2 session.
The kit's entrypoints (``services.common.entrypoints``) call ``finish()`` before they reply or
ack, so a caller never hears "done" for a write that did not commit: success commits, an error
rolls back. Workers of other entrypoints (timers) are committed in ``worker_result``.

SQLite is the default (a file under ``var/``); PostgreSQL is used by URL. Under eventlet the
psycopg2 driver is made green with psycogreen, once, the first time a PostgreSQL engine is made.
"""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from nameko.extensions import DependencyProvider
from sqlalchemy import create_engine, event, exc, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

log = logging.getLogger(__name__)
_green_lock = threading.Lock()
_green = False


def _make_psycopg2_green() -> None:
    global _green
    with _green_lock:
        if _green:
            return
        try:
            import eventlet.patcher

            if eventlet.patcher.is_monkey_patched("socket"):
                from psycogreen.eventlet import patch_psycopg

                patch_psycopg()
        except ImportError:  # pragma: no cover - eventlet is a hard dependency
            pass
        _green = True


def make_engine(url: str, **kwargs) -> Engine:
    """An engine for ``url``; SQLite files get their folder, WAL and enforced foreign keys."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # One connection per process: under eventlet, green threads wait for it cooperatively.
        # SQLite's own busy wait blocks the whole OS thread, so two green threads holding two
        # connections could stall each other until the timeout.
        kwargs.setdefault("pool_size", 1)
        kwargs.setdefault("max_overflow", 0)
        kwargs.setdefault("pool_timeout", 60)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, poolclass=QueuePool, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # Let SQLAlchemy, not pysqlite, open transactions, and open them for writing at once
            # (BEGIN IMMEDIATE): SQLite then serialises writers instead of failing them.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql"):
        _make_psycopg2_green()
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 10)
        engine = create_engine(url, **kwargs)
        ping_when_idle(engine)
        return engine
    return create_engine(url, **kwargs)


PING_AFTER_IDLE_SECONDS = 1.0
_CHECKED_IN = "culture_checked_in"  # in a pooled connection's record: when it last came back


def ping_when_idle(engine: Engine, idle_seconds: float = PING_AFTER_IDLE_SECONDS) -> None:
    """A pooled connection is pinged (``SELECT 1``) when it is checked out after lying in the pool
    ``idle_seconds`` or more, and replaced by a fresh one when the ping fails (a database restart,
    an idle connection cut by a firewall or ``idle_session_timeout``).

    SQLAlchemy's ``pool_pre_ping`` pings on *every* checkout: a round trip before each worker's
    first statement and each lean read. A connection that came back a moment ago was working a
    moment ago; if it broke since, its first statement fails, SQLAlchemy sees the disconnect and
    invalidates the pool's older connections, and that one call gets an error, as a call already
    running when the database went down does."""

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn, record):
        if record is not None:
            record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn, record, _proxy):
        last = record.info.get(_CHECKED_IN)
        if last is not None and time.monotonic() - last < idle_seconds:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except Exception as error:  # noqa: BLE001 - any failure: the pool retries with a new connection
            raise exc.DisconnectionError(f"pooled connection failed its ping: {error}") from error
        if not alive:
            raise exc.DisconnectionError("pooled connection failed its ping")


def is_postgres(session_or_engine) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "postgresql"


WROTE = "culture_wrote"  # in a connection's info: a statement of this transaction may have written
# In a session's info, what is held for the commit (``hold_for_commit``): the outbox's events, the
# audit row. Each a list of ``(writer, the transaction it was held in, items)``.
PENDING_WRITES = "culture_pending_writes"
PENDING_AUDIT = "culture_pending_audit"
PENDING = (PENDING_WRITES, PENDING_AUDIT)


def hold_for_commit(session: Session, key: str, writer, items) -> None:
    """Hold ``items`` under ``session.info[key]`` for the outermost commit to write (``outbox.
    write_pending``); dropped if the transaction (or the savepoint) they were held in rolls back."""
    if not session.in_transaction():
        session.begin()  # so the commit that writes them is this transaction's (and ``wrote`` sees them)
    session.info.setdefault(key, []).append(
        (writer, session.get_nested_transaction() or session.get_transaction(), items))


def track_writes(engine: Engine) -> None:
    """Note in each connection's ``info`` whether its current transaction sent anything but a
    ``SELECT`` (any INSERT/UPDATE/DELETE, DDL, text or driver SQL alike: the check is on the
    statement the driver runs, so no path around the ORM escapes it)."""

    @event.listens_for(engine, "begin")
    def _reset(conn):
        conn.info[WROTE] = False

    @event.listens_for(engine, "before_cursor_execute")
    def _note(conn, _cursor, statement, _parameters, _context, _executemany):
        if statement.lstrip()[:6].upper() not in ("SELECT", "BEGIN ", "BEGIN"):
            conn.info[WROTE] = True


def wrote(session: Session) -> bool:
    """Whether committing ``session`` would write: pending ORM changes, or a statement sent in its
    transaction that was not a ``SELECT`` (``track_writes``; unknown counts as written), or events
    and audit rows held for the commit (``hold_for_commit``)."""
    if not session.in_transaction():
        return False
    if session.new or session.dirty or session.deleted or any(session.info.get(key) for key in PENDING):
        return True
    return session.connection().info.get(WROTE, True)


class Database(DependencyProvider):
    """A SQLAlchemy session per worker, committed on success and rolled back on error.

    A worker that wrote nothing (a read) has its transaction ended with a rollback: nothing is
    committed (on SQLite no COMMIT waits for the disk) and the after-commit callbacks (the outbox
    relay's wake-up) do not run."""

    def __init__(self, metadata):
        self.metadata = metadata
        self.sessions: dict = {}
        self.engine: Engine | None = None
        self.sessionmaker = None
        self._after_commit = []

    def setup(self):
        self.url = self.container.config["DATABASE_URL"]
        self.engine = make_engine(self.url)
        track_writes(self.engine)
        self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False)

    def stop(self):
        if self.engine is not None:
            self.engine.dispose()

    def kill(self):
        self.stop()

    def on_commit(self, callback) -> None:
        """Run ``callback()`` after every worker commit (the outbox relay wakes up this way)."""
        self._after_commit.append(callback)

    def get_dependency(self, worker_ctx) -> Session:
        session = self.sessionmaker()
        self.sessions[worker_ctx] = session
        return session

    def session(self) -> Session:
        """A session outside any worker (relay, health, consumer bookkeeping); caller closes it."""
        return self.sessionmaker()

    def finish(self, worker_ctx, exc_info):
        """Commit the worker's session, or roll it back when the worker failed.

        Returns ``exc_info``, replaced by the commit's own error when the commit fails, so the
        entrypoint reports that failure instead of success.
        """
        session = self.sessions.get(worker_ctx)
        if session is None:
            return exc_info
        if exc_info is not None:
            session.rollback()
            return exc_info
        if not wrote(session):
            session.rollback()  # a read: nothing to commit, nobody to wake
            return None
        try:
            session.commit()
        except Exception:
            import sys

            session.rollback()
            return sys.exc_info()
        for callback in self._after_commit:
            callback()
        return None

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        session = self.sessions.get(worker_ctx)
        if session is not None and session.in_transaction():
            self.finish(worker_ctx, exc_info)

    def worker_teardown(self, worker_ctx):
        session = self.sessions.pop(worker_ctx, None)
        if session is not None:
            session.close()

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - health reports, it does not raise
            log.warning("database ping failed", exc_info=True)
            return False
