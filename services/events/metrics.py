"""The events service's headline participation figures for the current year, city-wide, read from
the database when Prometheus scrapes (the kit's ``DatabaseCollector``: the year's participation is
counted once a scrape for the three of them)."""
from __future__ import annotations

from datetime import datetime

from services.common.dbgauges import DatabaseCollector

from .domain import LOCAL

HELD, PARTICIPANTS = "culture_events_activities_held", "culture_events_distinct_participants"
# A ratio (0..1), so named ``_ratio`` (Prometheus naming); was ``culture_events_attendance_rate``.
ATTENDANCE = "culture_events_attendance_ratio"


def this_year(session) -> dict:
    from .usecases.reports import participation

    start = datetime.now(LOCAL).replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    return participation(session, None, start, start.replace(year=start.year + 1))


def _read(session) -> dict:
    figures = this_year(session)
    rate = figures["attendance"]["rate"]
    return {HELD: [((), figures["activities_held"])], PARTICIPANTS: [((), figures["distinct_participants"])],
            ATTENDANCE: [((), float("nan") if rate is None else rate)]}


COLLECTOR = DatabaseCollector([
    (HELD, "Activities completed this year (Asia/Shanghai calendar year)", []),
    (PARTICIPANTS, "Distinct workers checked in this year", []),
    (ATTENDANCE, "Checked-in over confirmed registrations this year (0..1)", []),
], _read)
