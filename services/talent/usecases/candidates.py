"""Candidates: the three entry channels (a grassroots union's recommendation 基层推荐, a worker's
self-nomination 个人自荐, an audition 职工选秀), screening, and reading a candidate's stages."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.auth import ADMIN_ROLES, Caller
from services.common.clock import utcnow
from services.common.errors import Conflict, Forbidden, InvalidState, NotFound, ValidationFailed
from services.common.orgpath import ancestors, in_subtree, within
from services.common.pagination import Pager, cursor_time

from .. import domain
from ..models import Candidate, Org
from ..schemas import CandidateOut
from .shared import OUTBOX, actor, add_stage, get_campaign, get_candidate, get_org, move, new_id

CANDIDATE_OUT = CandidateOut()


def _check_channel(session: Session, caller: Caller, data: dict, person_org) -> None:
    """Who may enter a person through each channel."""
    person = data["person"]
    if data["channel"] == "recommendation":
        recommender = get_org(session, data["recommended_by_org_id"])
        if not caller.has_any(ADMIN_ROLES):  # a union recommends, through an admin of its subtree
            raise Forbidden("a recommendation is a union's: an admin of the recommending union's subtree enters it")
        caller.require_org(recommender.ancestors)
        if not within(person_org.path, recommender.path):
            raise ValidationFailed({"person": {"org_id": ["a union recommends the members of its own subtree"]}})
        return
    if data["channel"] == "self" and "worker" in caller.roles and caller.sub == person["worker_id"]:
        if caller.org_id != person_org.id:
            raise Forbidden("a worker nominates themself as a member of the organisation its token names")
        return
    if caller.has_any(ADMIN_ROLES):  # a paper self-nomination keyed in, or an audition candidate
        caller.require_org(person_org.ancestors)
        return
    raise Forbidden("a worker nominates only themself; an admin enters the people of its subtree")


def nominate(session: Session, caller: Caller, campaign_id: str, data: dict) -> Candidate:
    campaign = get_campaign(session, campaign_id)
    now = utcnow()
    domain.check_nomination_open(now, campaign.nominations_close_at)
    if data["field"] not in campaign.fields:
        raise ValidationFailed({"field": [f"the campaign's fields are {', '.join(campaign.fields)}"]})
    person = data["person"]
    org = get_org(session, person["org_id"])
    _check_channel(session, caller, data, org)
    if session.scalar(select(Candidate.id).where(Candidate.campaign_id == campaign.id,
                                                 Candidate.worker_id == person["worker_id"],
                                                 Candidate.field == data["field"])):
        raise Conflict(f"worker {person['worker_id']} is already a candidate in {data['field']} in this campaign")
    candidate = Candidate(id=new_id(), campaign_id=campaign.id, worker_id=person["worker_id"], name=person["name"],
                          org_id=org.id, org_path=org.path, field=data["field"], channel=data["channel"],
                          works=data["works"], recommended_by_org_id=data["recommended_by_org_id"],
                          status="nominated", round=0, showcase=None, training=[], nominated_at=now)
    add_stage(candidate, "nominated", actor(caller), reason=f"channel: {data['channel']}", at=now)
    session.add(candidate)
    session.flush()  # the unique (campaign, person, field) speaks here when two raced
    OUTBOX.emit(session, "candidate_nominated", candidate.id, {
        "candidate_id": candidate.id, "campaign_id": campaign.id, "worker_id": candidate.worker_id,
        "name": candidate.name, "org_id": candidate.org_id, "field": candidate.field, "channel": candidate.channel})
    return candidate


def screen(session: Session, caller: Caller, candidate_id: str, eligible: bool, reason: str | None) -> Candidate:
    """An admin of the candidate's subtree: eligible (a union member of a registered unit) or not.
    Only a screened-in candidate enters round 1, so screening ends when round 1 closes."""
    candidate = get_candidate(session, candidate_id, for_write=True)
    caller.require_org(ancestors(candidate.org_path))
    first = get_campaign(session, candidate.campaign_id).rounds[0]
    if first.status == "closed":
        raise InvalidState("round 1 is closed: screening is over")
    status = "screened_in" if eligible else "screened_out"
    move(candidate, status, status, actor(caller), reason=reason)
    session.flush()
    OUTBOX.emit(session, "candidate_screened", candidate.id, {
        "candidate_id": candidate.id, "campaign_id": candidate.campaign_id, "eligible": eligible, "reason": reason})
    return candidate


def read_candidate(session: Session, caller: Caller, candidate_id: str) -> Candidate:
    """An admin of the candidate's subtree, a judge of its campaign's panels, or the worker themself."""
    candidate = get_candidate(session, candidate_id)
    if "worker" in caller.roles and caller.sub == candidate.worker_id:
        return candidate
    if "judge" in caller.roles and any(j.judge_id == caller.sub for r in get_campaign(
            session, candidate.campaign_id).rounds for j in r.judges):
        return candidate
    if caller.has_any(ADMIN_ROLES) and caller.acts_on(ancestors(candidate.org_path)):
        return candidate
    raise NotFound(f"no candidate with id {candidate_id}")


def list_candidates(session: Session, caller: Caller, campaign_id: str, filters: dict) -> dict:
    """The campaign's candidates in the caller's subtree (the federation sees all), by nomination."""
    get_campaign(session, campaign_id)
    own = session.get(Org, caller.org_id) if caller.org_id else None
    if own is None:
        raise Forbidden("an admin lists the candidates of its own subtree: the token names no known organisation")
    stmt = select(Candidate).where(Candidate.campaign_id == campaign_id, in_subtree(Candidate.org_path, own.path))
    for key in ("status", "field"):
        if key in filters:
            stmt = stmt.where(getattr(Candidate, key) == filters[key])
    if "org_id" in filters:
        stmt = stmt.where(in_subtree(Candidate.org_path, get_org(session, filters["org_id"]).path))
    pager = Pager("list_candidates", {**filters, "campaign_id": campaign_id}, str, str,
                  convert=lambda key: [cursor_time(key[0]), key[1]])
    rows = pager.rows(session, stmt, Candidate.nominated_at, Candidate.id)
    return pager.page(rows, lambda c: [c.nominated_at.isoformat(), c.id], CANDIDATE_OUT.dump)
