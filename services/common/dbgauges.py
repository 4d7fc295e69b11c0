"""Gauges whose label values come from a service's data (candidates by campaign and stage, the
programme's batches), read from its database when Prometheus scrapes.

``DatabaseCollector(families, read)``: ``families`` is ``[(name, help, [label names])]``;
``read(session)`` returns ``{name: [(label values, value), ...]}``. One collector per process,
registered once with Prometheus; every container of the service adds its database while it runs
(``DatabaseGauges(collector)`` on the service class), and replicas on one database count once. A
database that does not answer leaves its series out of that scrape (logged), never fails it.

Counting them can take seconds on a large database, and on SQLite the service waits meanwhile: a
scrape within ``METRICS_DB_MAX_AGE_SECONDS`` (default 30; 0: every scrape counts) of the last count
answers that count's figures again, so faster scrapes, or two Prometheus servers scraping one
target, do not count more often.
"""
from __future__ import annotations

import logging
import time

from nameko.extensions import DependencyProvider
from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily

from .db import Database

log = logging.getLogger(__name__)


class DatabaseCollector:
    def __init__(self, families: list[tuple[str, str, list[str]]], read):
        self.families, self.read = families, read
        self.databases: list[Database] = []
        self.max_age = 0.0  # seconds a count is answered again (DatabaseGauges sets it from the config)
        self._counted: tuple[float, list] | None = None  # (when, the families counted then)
        REGISTRY.register(self)

    def add(self, db: Database) -> None:
        """Count ``db`` too, from the next scrape on (a count made without it is not answered again)."""
        self.databases.append(db)
        self._counted = None

    def collect(self):
        counted = self._counted
        if counted is not None and time.monotonic() - counted[0] < self.max_age:
            return iter(counted[1])
        families = {name: GaugeMetricFamily(name, doc, labels=labels) for name, doc, labels in self.families}
        for db in {d.url: d for d in self.databases}.values():
            try:
                with db.session() as session:
                    for name, samples in self.read(session).items():
                        for labels, value in samples:
                            families[name].add_metric(list(labels), value)
            except Exception:  # noqa: BLE001 - a scrape never fails for a database that is away
                log.warning("%s: the database did not answer", ", ".join(families), exc_info=True)
        result = list(families.values())
        if self.databases:  # (at registration, with no database yet, prometheus_client asks for the names)
            self._counted = (time.monotonic(), result)
        return iter(result)


class DatabaseGauges(DependencyProvider):
    """Adds the service's database to ``collector`` while the container runs; gives workers nothing."""

    def __init__(self, collector: DatabaseCollector):
        self.collector = collector

    def setup(self):
        self.db = next(d for d in self.container.dependencies if isinstance(d, Database))
        self.collector.max_age = float(self.container.config.get("METRICS_DB_MAX_AGE_SECONDS", 0))

    def start(self):
        self.collector.add(self.db)

    def stop(self):
        if self.db in self.collector.databases:
            self.collector.databases.remove(self.db)

    kill = stop

    def get_dependency(self, worker_ctx):
        return None
