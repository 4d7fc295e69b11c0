"""Concentrated training 集中培训 and the showcase 才艺展演 of a campaign's finalists.

The showcase goes through events only: ``request_showcase`` records the request and publishes
``showcase_requested`` through the outbox; the events service answers with ``showcase_scheduled``
(an activity) or ``showcase_refused`` (a reason), and ``apply_answer`` records it on the showcase
and on each of its candidates. No synchronous call between the two services.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.auth import Caller
from services.common.clock import utcnow
from services.common.errors import InvalidState, NotFound

from ..models import Candidate, Showcase
from .shared import OUTBOX, actor, add_stage, get_campaign, get_candidate, new_id

SHOWCASE_STATUSES = ("finalist", "admitted")  # who trains and performs: the last round's advanced
REASON_LIMIT = 1000  # a stage's reason column


def record_training(session: Session, caller: Caller, candidate_id: str, data: dict) -> Candidate:
    candidate = get_candidate(session, candidate_id, for_write=True)
    if candidate.status not in SHOWCASE_STATUSES:
        raise InvalidState(f"training is for the campaign's finalists; this candidate is {candidate.status}")
    now = utcnow()
    candidate.training = [*candidate.training, {"title": data["title"], "hours": data["hours"],
                                                "note": data["note"], "at": now.isoformat(), "by": actor(caller)}]
    add_stage(candidate, "trained", actor(caller), reason=data["title"], at=now)
    session.flush()
    return candidate


def request_showcase(session: Session, caller: Caller, campaign_id: str, data: dict) -> dict:
    campaign = get_campaign(session, campaign_id)
    candidates = list(session.scalars(select(Candidate).where(Candidate.id.in_(data["candidate_ids"]))))
    found = {c.id: c for c in candidates if c.campaign_id == campaign.id}
    missing = [i for i in data["candidate_ids"] if i not in found]
    if missing:
        raise NotFound(f"campaign {campaign_id} has no candidates {', '.join(missing)}")
    not_finalists = [c.id for c in candidates if c.status not in SHOWCASE_STATUSES]
    if not_finalists:
        raise InvalidState(f"a showcase is for the campaign's finalists; not finalists: {', '.join(not_finalists)}")
    now = utcnow()
    showcase = Showcase(id=new_id(), campaign_id=campaign.id, venue_id=data["venue_id"], space_id=data["space_id"],
                        starts_at=data["starts_at"], ends_at=data["ends_at"], candidate_ids=data["candidate_ids"],
                        status="requested", requested_at=now, requested_by=actor(caller))
    session.add(showcase)
    for candidate in candidates:
        candidate.showcase = {"showcase_id": showcase.id, "status": "requested"}
    session.flush()
    OUTBOX.emit(session, "showcase_requested", showcase.id, {
        "showcase_id": showcase.id, "campaign_id": campaign.id, "org_id": campaign.org_id or caller.org_id,
        "title": f"才艺展演·{campaign.name}", "venue_id": showcase.venue_id, "space_id": showcase.space_id,
        "starts_at": showcase.starts_at, "ends_at": showcase.ends_at, "candidate_ids": showcase.candidate_ids})
    return {"showcase_id": showcase.id, "status": "requested"}


def apply_answer(session: Session, showcase_id: str, activity_id: str | None, reason: str | None) -> None:
    """Events' answer (an activity, or a refusal and its reason) on the showcase and each candidate.
    An answer for a showcase this service never asked for, or answered already, changes nothing."""
    showcase = session.scalars(select(Showcase).where(Showcase.id == showcase_id).with_for_update()).first()
    if showcase is None or showcase.status != "requested":
        return
    scheduled = activity_id is not None
    reason = None if reason is None else reason[:REASON_LIMIT]  # events' words, kept as the columns hold them
    showcase.status = "scheduled" if scheduled else "refused"
    showcase.activity_id, showcase.reason, showcase.answered_at = activity_id, reason, utcnow()
    outcome = {"showcase_id": showcase.id, "status": showcase.status, "activity_id": activity_id, "reason": reason}
    for candidate in session.scalars(select(Candidate).where(Candidate.id.in_(showcase.candidate_ids))):
        candidate.showcase = outcome
        add_stage(candidate, f"showcase_{showcase.status}", "events", at=showcase.answered_at,
                  reason=f"activity {activity_id}" if scheduled else reason)
    session.flush()
