"""Campaigns 选秀: a year, its art fields, numbered rounds (criteria, weights, advancement,
normalisation), a nomination deadline; and each round's panel of judges."""
from __future__ import annotations

from sqlalchemy.orm import Session

from services.common.auth import Caller
from services.common.clock import utcnow
from services.common.errors import Forbidden, InvalidState

from .. import domain
from ..models import Campaign, Org, PanelJudge, Round
from ..schemas import CampaignOut
from .shared import get_campaign, get_org, get_round, new_id

CAMPAIGN_OUT = CampaignOut()


def open_campaign(session: Session, caller: Caller, data: dict) -> Campaign:
    """A federation admin's act: the campaign and its rounds, numbered from 1, all pending. The
    campaign is its organisation's (the showcase is asked for it): one this service knows."""
    if not caller.org_id or session.get(Org, caller.org_id) is None:
        raise Forbidden("a campaign is opened by a federation admin of an organisation this service knows "
                        "(from registry events); the token names none")
    campaign = Campaign(id=new_id(), name=data["name"], year=data["year"], fields=data["fields_"],
                        nominations_close_at=data["nominations_close_at"], org_id=caller.org_id,
                        created_at=utcnow())
    campaign.rounds = [Round(id=new_id(), number=number, name=r["name"], criteria=r["criteria"],
                             advance=r["advance"], normalise=r["normalise"], status="pending")
                       for number, r in enumerate(data["rounds"], start=1)]
    session.add(campaign)
    session.flush()
    return campaign


def set_panel(session: Session, caller: Caller, campaign_id: str, number: int, judges: list[dict]) -> Round:
    """The round's panel (replacing any earlier one while the round is not closed). The round opens
    for scores now if every earlier round is closed, else when the round before it closes."""
    round_ = get_round(session, campaign_id, number, for_write=True)
    if round_.status == "closed":
        raise InvalidState(f"round {number} is closed: its panel is final")
    domain.check_panel([domain.Judge(j["judge_id"], j["org_id"], frozenset(j["conflicts"])) for j in judges])
    for org_id in dict.fromkeys(j["org_id"] for j in judges if j["org_id"] is not None):
        get_org(session, org_id)  # a judge's work unit decides recusal: one the service knows, or NotFound
    round_.judges = [PanelJudge(position=i, judge_id=j["judge_id"], name=j["name"], org_id=j["org_id"],
                                conflicts=j["conflicts"]) for i, j in enumerate(judges)]
    campaign = get_campaign(session, campaign_id)
    if round_.status == "pending" and all(r.status == "closed" for r in campaign.rounds if r.number < number):
        domain.ROUND.check(round_.status, "open")
        round_.status = "open"
    session.flush()
    return round_


def open_next_round(campaign: Campaign, closed: Round) -> Round | None:
    """After ``closed`` closes: the next round, opened when its panel is already set."""
    following = next((r for r in campaign.rounds if r.number == closed.number + 1), None)
    if following is not None and following.status == "pending" and len(following.judges) >= domain.MIN_PANEL:
        domain.ROUND.check(following.status, "open")
        following.status = "open"
    return following
