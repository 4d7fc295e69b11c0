"""The talent service's figures, read from its database when Prometheus scrapes (the kit's
``DatabaseCollector``): ``culture_talent_candidates{campaign_id, status}`` (candidates by campaign
and stage) and ``culture_talent_pool{field, tier}`` (the pool's size by field and tier)."""
from __future__ import annotations

from sqlalchemy import func, select

from services.common.dbgauges import DatabaseCollector

from .models import Candidate, Talent


def _read(session) -> dict:
    return {
        "culture_talent_candidates": [((campaign_id, status), count) for campaign_id, status, count in session.execute(
            select(Candidate.campaign_id, Candidate.status, func.count()).group_by(Candidate.campaign_id,
                                                                                  Candidate.status))],
        "culture_talent_pool": [((field, tier), count) for field, tier, count in session.execute(
            select(Talent.field, Talent.tier, func.count()).group_by(Talent.field, Talent.tier))],
    }


COLLECTOR = DatabaseCollector([
    ("culture_talent_candidates", "Candidates by campaign and stage", ["campaign_id", "status"]),
    ("culture_talent_pool", "Talents in the pool by field and tier", ["field", "tier"]),
], _read)
