"""The registry's domain gauges, read from the database when Prometheus scrapes."""
from __future__ import annotations

from nameko.extensions import DependencyProvider
from prometheus_client import Gauge

from services.common.db import Database
from services.common.metrics import MetricsServer

from . import domain

FEATURED_BASES = Gauge("culture_registry_featured_bases", "Open venues holding an active featured_base designation")
FEATURED_TARGET = Gauge("culture_registry_featured_bases_target", "The programme's target of featured culture bases")


class DomainGauges(DependencyProvider):
    """Hooks the gauges to the service's database at start-up; gives workers nothing."""

    def setup(self):
        from . import usecases

        db = next(d for d in self.container.dependencies if isinstance(d, Database))
        metrics = next(d for d in self.container.dependencies if isinstance(d, MetricsServer))
        FEATURED_TARGET.set(domain.FEATURED_BASE_TARGET)

        def featured() -> float:
            try:
                with db.session() as session:
                    return usecases.count_featured_bases(session)
            except Exception:  # noqa: BLE001 - a scrape must not fail
                return float("nan")

        metrics.gauge_function(FEATURED_BASES, featured)

    def get_dependency(self, worker_ctx):
        return None


def register_domain_gauges() -> DomainGauges:
    return DomainGauges()
