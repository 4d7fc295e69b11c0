"""The events service's headline participation figures for the current year, city-wide, read from
the database when Prometheus scrapes."""
from __future__ import annotations

from datetime import datetime

from nameko.extensions import DependencyProvider
from prometheus_client import Gauge

from services.common.metrics import MetricsServer

from .domain import LOCAL

HELD = Gauge("culture_events_activities_held", "Activities completed this year (Asia/Shanghai calendar year)")
PARTICIPANTS = Gauge("culture_events_distinct_participants", "Distinct workers checked in this year")
# A ratio (0..1), so named ``_ratio`` (Prometheus naming); was ``culture_events_attendance_rate``.
ATTENDANCE = Gauge("culture_events_attendance_ratio", "Checked-in over confirmed registrations this year (0..1)")


def this_year(session) -> dict:
    from .usecases.reports import participation

    start = datetime.now(LOCAL).replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    return participation(session, None, start, start.replace(year=start.year + 1))


class ParticipationGauges(DependencyProvider):
    """Hooks the gauges to the service's database at start-up; gives workers nothing."""

    def setup(self):
        metrics = next(d for d in self.container.dependencies if isinstance(d, MetricsServer))
        metrics.gauge_from_db(HELD, lambda s: this_year(s)["activities_held"])
        metrics.gauge_from_db(PARTICIPANTS, lambda s: this_year(s)["distinct_participants"])
        metrics.gauge_from_db(ATTENDANCE, lambda s: this_year(s)["attendance"]["rate"])

    def get_dependency(self, worker_ctx):
        return None
