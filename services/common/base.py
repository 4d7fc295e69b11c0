"""What every service has: ``health()`` and ``events_since(seq, limit)``.

A service class inherits ``ServiceBase`` and declares its dependencies::

    class RegistryService(ServiceBase):
        name = "registry"
        session = Database(models.metadata)   # self.session: the worker's SQLAlchemy session
        metrics = MetricsServer()
        relay = OutboxRelay(OUTBOX)
        outbox = OUTBOX          # the plain Outbox, for writing and for events_since
"""
from __future__ import annotations

from kombu import Connection
from marshmallow import Schema, fields, validate

from nameko.dependency_providers import Config
from sqlalchemy import text

from . import VERSION
from .entrypoints import rpc


class EventsSinceInput(Schema):
    seq = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=2**63 - 1))
    limit = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1000))


def broker_ok(amqp_uri: str) -> bool:
    try:
        with Connection(amqp_uri, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:  # noqa: BLE001 - health reports, it does not raise
        return False


def database_ok(session) -> bool:
    try:
        session.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001
        session.rollback()
        return False


class ServiceBase:
    config = Config()

    @rpc
    def health(self):
        """``{service, version, database: ok|error, broker: ok|error}``; needs no token."""
        return {
            "service": self.name,
            "version": VERSION,
            "database": "ok" if database_ok(self.session) else "error",
            "broker": "ok" if broker_ok(self.config["AMQP_URI"]) else "error",
        }

    @rpc
    def events_since(self, seq=0, limit=100):
        """The service's own event log after ``seq``, in order (public, like the data it carries)."""
        args = EventsSinceInput().load({"seq": seq, "limit": limit})
        return self.outbox.since(self.session, args["seq"], args["limit"])
