"""The registry's domain gauges, read from the database when Prometheus scrapes."""
from __future__ import annotations

from nameko.extensions import DependencyProvider
from prometheus_client import Gauge

from services.common.metrics import MetricsServer

from . import domain

FEATURED_BASES = Gauge("culture_registry_featured_bases", "Open venues holding an active featured_base designation")
FEATURED_TARGET = Gauge("culture_registry_featured_bases_target", "The programme's target of featured culture bases")


class DomainGauges(DependencyProvider):
    """Hooks the gauges to the service's database at start-up; gives workers nothing."""

    def setup(self):
        from .usecases.network import count_featured_bases

        FEATURED_TARGET.set(domain.FEATURED_BASE_TARGET)
        metrics = next(d for d in self.container.dependencies if isinstance(d, MetricsServer))
        metrics.gauge_from_db(FEATURED_BASES, count_featured_bases)

    def get_dependency(self, worker_ctx):
        return None
