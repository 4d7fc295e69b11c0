"""What every service has: ``health()``, ``events_since(seq, limit, *, subscriber=None)`` and the
hourly retention job of its outbox (``retention.py``; it prunes only when a retention is set).

A service class inherits ``ServiceBase`` and declares its dependencies::

    class RegistryService(ServiceBase):
        name = "registry"
        session = Database(models.metadata)   # self.session: the worker's SQLAlchemy session
        metrics = MetricsServer()
        relay = OutboxRelay(OUTBOX)
        outbox = OUTBOX          # the plain Outbox, for writing and for events_since
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from nameko.dependency_providers import Config
from nameko.timer import timer

from . import VERSION
from .entrypoints import rpc
from .health import Readiness
from .retention import PRUNE_INTERVAL, SUBSCRIBER_NAME, OutboxRetention, read_log


class EventsSinceInput(Schema):
    seq = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=2**63 - 1))
    limit = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1000))
    subscriber = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(SUBSCRIBER_NAME))


class ServiceBase:
    config = Config()
    readiness = Readiness()
    outbox_retention = OutboxRetention()

    @rpc
    def health(self):
        """``{service, version, database: ok|error, broker: ok|error}``; needs no token. The same
        check as ``/readyz`` on the metrics port (``health.check``)."""
        return {"service": self.name, "version": VERSION, **self.readiness()}

    @rpc
    def events_since(self, seq=0, limit=100, *, subscriber=None):
        """The service's own event log after ``seq``, in order (public, like the data it carries).
        ``subscriber`` (a service name): the log keeps what it has not read (``retention.py``)."""
        args = EventsSinceInput().load({"seq": seq, "limit": limit, "subscriber": subscriber})
        return read_log(self.session, self.outbox, args["seq"], args["limit"], args["subscriber"])

    @timer(interval=PRUNE_INTERVAL)
    def prune_outbox(self):
        """The outbox's retention job (``retention.py``): a no-op unless a retention is set."""
        self.outbox_retention.prune()
