"""The assessment 考核激励机制 of a district federation for a year, and the programme's targets
("四个一批"), computed from what the platform published (the copies) and the awards granted here."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.common.auth import Caller
from services.common.clock import PLATFORM_TZ
from services.common.orgpath import in_subtree

from .. import domain
from ..models import ActivityCopy, Cycle, GroupCopy, Nomination, Org, TalentCopy, VenueCopy
from .shared import get_org


def _year(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=PLATFORM_TZ), datetime(year + 1, 1, 1, tzinfo=PLATFORM_TZ)


def _designated(session: Session, designation: str, org: Org | None = None) -> int:
    stmt = select(VenueCopy.designations).where(VenueCopy.status == "open")
    if org is not None:
        stmt = stmt.join(Org, Org.id == VenueCopy.org_id).where(in_subtree(Org.path, org.path))
    return sum(designation in held for held in session.scalars(stmt))


def _granted(session: Session, *, programme: str | None = None, year: int | None = None, org: Org | None = None) -> int:
    stmt = select(func.count()).select_from(Nomination).join(Cycle, Cycle.id == Nomination.cycle_id).where(
        Nomination.status == "granted")
    if programme is not None:
        stmt = stmt.where(Cycle.programme == programme)
    if year is not None:
        stmt = stmt.where(Cycle.year == year)
    if org is not None:
        stmt = stmt.where(in_subtree(Nomination.by_org_path, org.path))
    return session.scalar(stmt)


def counts_for(session: Session, org: Org, year: int) -> dict[str, int]:
    start, end = _year(year)
    held, participants = session.execute(select(func.count(), func.coalesce(func.sum(ActivityCopy.checked_in), 0))
                                         .join(Org, Org.id == ActivityCopy.org_id).where(
        in_subtree(Org.path, org.path), ActivityCopy.starts_at >= start, ActivityCopy.starts_at < end)).one()
    talents = session.scalar(select(func.count()).select_from(TalentCopy).join(Org, Org.id == TalentCopy.org_id)
                             .where(in_subtree(Org.path, org.path)))
    return {"featured_bases": _designated(session, "featured_base", org),
            "demonstration_bases": _designated(session, "demonstration_base", org),
            "activities_held": held, "participants": int(participants), "talents": talents,
            "awards": _granted(session, year=year, org=org)}


def assessment(session: Session, caller: Caller, org_id: str, year: int) -> dict:
    org = get_org(session, org_id)
    caller.require_org(org.ancestors)
    return {"org_id": org.id, "year": year, **domain.assessment(counts_for(session, org, year))}


def target_counts(session: Session, year: int | None) -> dict[str, int]:
    teams = sum("excellent_team" in held for held in session.scalars(select(GroupCopy.designations)))
    return {"featured_bases": _designated(session, "featured_base"), "excellent_teams": teams,
            "typical_models": _granted(session, programme="typical_model", year=year),
            "activity_brands": _granted(session, programme="activity_brand", year=year)}


def programme_targets(session: Session, year: int | None) -> dict:
    return {"year": year, **domain.programme_targets(target_counts(session, year))}
