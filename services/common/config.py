"""Configuration from the environment, in one place.

The contract's variables: ``AMQP_URI``, ``CULTURE_JWT_SECRET``, ``<SERVICE>_DATABASE_URL`` and
``<SERVICE>_METRICS_PORT``. Everything a service reads from its environment is read here and
turned into the nameko config dict the service's extensions read.
"""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("registry", "events", "talent", "awards")
DEFAULT_AMQP_URI = "amqp://guest:guest@localhost:5672/"
DEFAULT_METRICS_PORTS = {"registry": 9101, "events": 9102, "talent": 9103, "awards": 9104}
# Only good for a laptop: make run warns when this default is in force.
DEV_JWT_SECRET = "dev-only-secret-change-me-in-production-0123456789"


def var_dir(env=None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("CULTURE_VAR_DIR", PROJECT_ROOT / "var"))


def database_url(service: str, env=None) -> str:
    env = os.environ if env is None else env
    url = env.get(f"{service.upper()}_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{var_dir(env) / f'{service}.db'}"


def retention_days(value: str) -> float:
    """``<SERVICE>_OUTBOX_RETENTION_DAYS``: a number of days, 0 or more (0: keep every event)."""
    days = float(value or 0)
    if not 0 <= days < 1e6:  # NaN and inf fail too
        raise ValueError(f"OUTBOX_RETENTION_DAYS: a number of days, 0 or more (0 keeps every event), not {value!r}")
    return days


def service_config(service: str, env=None) -> dict:
    """The nameko config of one service, read from ``env`` (default: ``os.environ``)."""
    env = os.environ if env is None else env
    return {
        "SERVICE_NAME": service,
        "AMQP_URI": env.get("AMQP_URI", DEFAULT_AMQP_URI),
        "DATABASE_URL": database_url(service, env),
        "JWT_SECRET": env.get("CULTURE_JWT_SECRET", DEV_JWT_SECRET),
        "METRICS_PORT": int(env.get(f"{service.upper()}_METRICS_PORT", DEFAULT_METRICS_PORTS.get(service, 0))),
        # The outbox relay: "on" publishes, "off" leaves events in the outbox (a read-only replica,
        # or a maintenance window); it never deletes them.
        "OUTBOX_RELAY": env.get("OUTBOX_RELAY", "on"),
        "OUTBOX_POLL_SECONDS": float(env.get("OUTBOX_POLL_SECONDS", "1.0")),
        # A busy service's relay starts a batch at most this often (its commits gather meanwhile);
        # a quiet one's event goes out at once.
        "OUTBOX_BATCH_INTERVAL_MS": float(env.get("OUTBOX_BATCH_INTERVAL_MS", "50")),
        # The outbox's retention (services/common/retention.py): days a published event stays in
        # the service's event log; 0 (the default) keeps every event.
        "OUTBOX_RETENTION_DAYS": retention_days(env.get(f"{service.upper()}_OUTBOX_RETENTION_DAYS", "0")),
        # The idempotent consumer: tries before a message goes to the dead-letter queue, and the
        # first retry delay (doubled on each try).
        "CONSUMER_MAX_TRIES": int(env.get("CONSUMER_MAX_TRIES", "5")),
        "CONSUMER_RETRY_DELAY_MS": int(env.get("CONSUMER_RETRY_DELAY_MS", "500")),
        # Batches (consumer.py): up to CONSUMER_BATCH waiting deliveries applied in one transaction
        # (1: one worker and one transaction per message), gathered for at most
        # CONSUMER_BATCH_WAIT_MS.
        "CONSUMER_BATCH": int(env.get("CONSUMER_BATCH", "100")),
        "CONSUMER_BATCH_WAIT_MS": float(env.get("CONSUMER_BATCH_WAIT_MS", "5")),
        # The domain figures counted from the database when Prometheus scrapes (dbgauges.py): a
        # scrape within this many seconds of the last count answers that count again (0: never).
        "METRICS_DB_MAX_AGE_SECONDS": float(env.get("METRICS_DB_MAX_AGE_SECONDS", "30")),
        "max_workers": int(env.get("MAX_WORKERS", "10")),
        "serializer": "json",
    }
