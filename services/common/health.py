"""Is the service ready to work: does its database answer, can it reach its broker.

One check, ``check(db, amqp_uri)``, for both the contract's ``health()`` RPC and the metrics
port's ``/readyz`` (``/healthz``): ``{"database": "ok"|"error", "broker": "ok"|"error"}``.

- database: ``SELECT 1`` on a connection of the service's engine (``Database.ping``);
- broker: a new AMQP connection to ``AMQP_URI`` and a channel on it, refused or timed out after
  ``BROKER_TIMEOUT`` seconds. The answer is kept ``BROKER_CACHE_SECONDS`` per URI, and one check
  runs at a time, so probes from several places do not each open a connection to the broker.

``Readiness`` gives a worker the same check: ``self.readiness()``.
"""
from __future__ import annotations

import logging
import time

from eventlet.semaphore import Semaphore
from kombu import Connection
from nameko.extensions import DependencyProvider

from .db import Database

log = logging.getLogger(__name__)
BROKER_TIMEOUT = 1.0
BROKER_CACHE_SECONDS = 2.0

_broker_checked: dict[str, tuple[float, bool]] = {}
_broker_lock = Semaphore()


def _connect(amqp_uri: str) -> bool:
    try:
        with Connection(amqp_uri, connect_timeout=BROKER_TIMEOUT) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT)
            conn.default_channel  # noqa: B018 - a channel: the vhost and the credentials work
        return True
    except Exception:  # noqa: BLE001 - a check reports, it does not raise
        log.warning("broker check failed", exc_info=True)
        return False


def broker_ok(amqp_uri: str) -> bool:
    with _broker_lock:
        checked = _broker_checked.get(amqp_uri)
        if checked is None or time.monotonic() - checked[0] >= BROKER_CACHE_SECONDS:
            checked = _broker_checked[amqp_uri] = (time.monotonic(), _connect(amqp_uri))
        return checked[1]


def check(db: Database | None, amqp_uri: str) -> dict:
    """``{"database": ..., "broker": ...}``, each ``"ok"`` or ``"error"`` (no database: no key)."""
    checks = {} if db is None else {"database": "ok" if db.ping() else "error"}
    checks["broker"] = "ok" if broker_ok(amqp_uri) else "error"
    return checks


def is_ready(checks: dict) -> bool:
    return all(value == "ok" for value in checks.values())


class Readiness(DependencyProvider):
    """``self.readiness()`` in a worker: ``check`` on the service's database and broker."""

    def setup(self):
        self.db = next((d for d in self.container.dependencies if isinstance(d, Database)), None)
        self.amqp_uri = self.container.config["AMQP_URI"]

    def check(self) -> dict:
        return check(self.db, self.amqp_uri)

    def get_dependency(self, worker_ctx):
        return self.check
