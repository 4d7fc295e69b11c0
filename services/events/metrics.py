"""The events service's headline participation figures for the current year, city-wide, read from
the database when Prometheus scrapes."""
from __future__ import annotations

from datetime import datetime

from nameko.extensions import DependencyProvider
from prometheus_client import Gauge

from services.common.db import Database
from services.common.metrics import MetricsServer

from .domain import LOCAL

HELD = Gauge("culture_events_activities_held", "Activities completed this year (Asia/Shanghai calendar year)")
PARTICIPANTS = Gauge("culture_events_distinct_participants", "Distinct workers checked in this year")
RATE = Gauge("culture_events_attendance_rate", "Checked-in over confirmed registrations this year")


class ParticipationGauges(DependencyProvider):
    def setup(self):
        from . import usecases

        db = next(d for d in self.container.dependencies if isinstance(d, Database))
        metrics = next(d for d in self.container.dependencies if isinstance(d, MetricsServer))

        def figure(key):
            def read() -> float:
                try:
                    now = datetime.now(LOCAL)
                    start = now.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
                    with db.session() as session:
                        report = usecases.participation(session, None, start, start.replace(year=start.year + 1))
                    value = key(report)
                    return float("nan") if value is None else float(value)
                except Exception:  # noqa: BLE001 - a scrape must not fail
                    return float("nan")
            return read

        metrics.gauge_function(HELD, figure(lambda r: r["activities_held"]))
        metrics.gauge_function(PARTICIPANTS, figure(lambda r: r["distinct_participants"]))
        metrics.gauge_function(RATE, figure(lambda r: r["attendance"]["rate"]))

    def get_dependency(self, worker_ctx):
        return None
