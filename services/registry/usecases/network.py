"""The venue network's summary, and featured bases against the programme's target of 50."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.common.orgpath import in_subtree
from services.common.query import get_or_not_found

from .. import domain
from ..models import Org, Venue
from .shared import active_designation


def count_featured_bases(session: Session, org: Org | None = None) -> int:
    stmt = select(func.count()).select_from(Venue).where(active_designation("featured_base"),
                                                          Venue.status == "open")
    if org is not None:
        stmt = stmt.where(in_subtree(Venue.org_path, org.path))
    return session.scalar(stmt)


def network_summary(session: Session, org_id: str | None) -> dict:
    org = get_or_not_found(session, Org, org_id, "organisation") if org_id else None
    scope = [in_subtree(Venue.org_path, org.path)] if org is not None else []
    by = {}
    for key in ("type", "district", "status"):
        column = getattr(Venue, key)
        by[key] = dict(session.execute(select(column, func.count()).where(*scope).group_by(column)).all())
    featured = count_featured_bases(session, org)
    demonstration = session.scalar(select(func.count()).select_from(Venue).where(
        *scope, active_designation("demonstration_base")))
    types = Counter(by["type"])
    return {
        "org_id": org.id if org else None,
        "venues": sum(types.values()),
        "by_type": {t: types.get(t, 0) for t in domain.VENUE_TYPES},
        "by_district": dict(sorted(by["district"].items())),
        "by_status": {s: by["status"].get(s, 0) for s in domain.VENUE_STATUSES},
        "network_types_covered": [t for t in domain.NETWORK_TYPES if types.get(t)],
        "featured_bases": {"count": featured, "target": domain.FEATURED_BASE_TARGET,
                           "progress": round(featured / domain.FEATURED_BASE_TARGET, 4)},
        "demonstration_bases": demonstration,
    }
