"""The awards service's figures, read from its database when Prometheus scrapes (the kit's
``DatabaseCollector``): ``culture_awards_programme{batch}`` and
``culture_awards_programme_target{batch}`` (the "四个一批" against their targets), and
``culture_awards_assessment_score{org_id}`` (this year's scorecard of each district federation)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from services.common.clock import PLATFORM_TZ
from services.common.dbgauges import DatabaseCollector

from . import domain
from .models import Org
from .usecases.assessment import counts_for, target_counts


def _read(session) -> dict:
    progress = domain.programme_targets(target_counts(session, None))["items"]
    year = datetime.now(PLATFORM_TZ).year
    districts = session.scalars(select(Org).where(Org.kind.in_(("district", "pilot_zone"))))
    return {
        "culture_awards_programme": [((i["batch"],), i["value"]) for i in progress],
        "culture_awards_programme_target": [((i["batch"],), i["target"]) for i in progress],
        "culture_awards_assessment_score": [((org.id,), domain.assessment(counts_for(session, org, year))["score"])
                                            for org in districts],
    }


COLLECTOR = DatabaseCollector([
    ("culture_awards_programme", "The programme's batches so far", ["batch"]),
    ("culture_awards_programme_target", "The programme's targets", ["batch"]),
    ("culture_awards_assessment_score", "This year's assessment score of each district federation (0..100)",
     ["org_id"]),
], _read)
