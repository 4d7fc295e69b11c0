"""What the talent use cases share: the outbox, ids, loading for a write, and a candidate's move
from one status to the next, recorded as a stage (what, when, who, why)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.auth import Caller
from services.common.clock import utcnow
from services.common.errors import NotFound
from services.common.orgcopy import known_org
from services.common.outbox import Outbox
from services.common.query import get_or_not_found, new_id  # noqa: F401 (new_id: the use cases import it here)

from .. import domain
from ..models import Campaign, Candidate, Org, Round, Stage, metadata
from ..schemas import EVENT_SCHEMAS

OUTBOX = Outbox("talent", metadata, EVENT_SCHEMAS)



def get_org(session: Session, org_id: str) -> Org:
    return known_org(session, Org, org_id, "talent")


def get_campaign(session: Session, campaign_id: str) -> Campaign:
    return get_or_not_found(session, Campaign, campaign_id, "campaign")


def get_round(session: Session, campaign_id: str, number: int, *, for_write: bool = False) -> Round:
    stmt = select(Round).where(Round.campaign_id == campaign_id, Round.number == number)
    found = session.scalars(stmt.with_for_update() if for_write else stmt).first()
    if found is None:
        get_campaign(session, campaign_id)
        raise NotFound(f"campaign {campaign_id} has no round {number}")
    return found


def get_candidate(session: Session, candidate_id: str, *, for_write: bool = False) -> Candidate:
    return get_or_not_found(session, Candidate, candidate_id, "candidate", for_update=for_write)


def actor(caller: Caller | None) -> str:
    return caller.sub if caller is not None else "talent"


def add_stage(candidate: Candidate, stage: str, by: str, *, round: int | None = None, reason: str | None = None,
              at: datetime | None = None) -> None:
    candidate.stages.append(Stage(stage=stage, round=round, at=at or utcnow(), by=by, reason=reason))


def move(candidate: Candidate, status: str, stage: str, by: str, **details) -> None:
    """The candidate's next status along its life cycle, recorded as ``stage``."""
    domain.CANDIDATE.check(candidate.status, status)
    candidate.status = status
    add_stage(candidate, stage, by, **details)
