"""Participation 参与面 by organisation subtree and period: activities held, distinct participants,
attendance. The same figures, city-wide for this year, feed the service's gauges."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.common.auth import Caller
from services.common.clock import to_wire
from services.common.orgpath import in_subtree

from .. import domain
from ..models import Activity, Org, Registration
from .shared import get_org


def participation(session: Session, org: Org | None, start: datetime, end: datetime) -> dict:
    held = select(Activity.id).where(Activity.status == "completed", Activity.starts_at >= start,
                                     Activity.starts_at < end)
    if org is not None:
        held = held.where(in_subtree(Activity.org_path, org.path))
    held = held.subquery()
    activities = session.scalar(select(func.count()).select_from(held))
    confirmed, checked_in = session.execute(select(func.count(), func.count(Registration.checked_in_at)).where(
        Registration.activity_id.in_(select(held.c.id)), Registration.status == "confirmed")).one()
    participants = session.scalar(select(func.count(func.distinct(Registration.worker_id))).where(
        Registration.activity_id.in_(select(held.c.id)), Registration.checked_in_at.is_not(None)))
    by_kind = dict(session.execute(select(Activity.kind, func.count()).where(
        Activity.id.in_(select(held.c.id))).group_by(Activity.kind)).all())
    return {"org_id": org.id if org else None, "start": to_wire(start), "end": to_wire(end), "activities_held": activities,
            "by_kind": by_kind, "distinct_participants": participants,
            "attendance": domain.attendance(confirmed, checked_in)}


def participation_report(session: Session, caller: Caller, org_id: str, start: datetime, end: datetime) -> dict:
    org = get_org(session, org_id)
    caller.require_org(org.ancestors)
    return participation(session, org, start, end)
