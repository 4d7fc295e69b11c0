"""The talent pool 职工文艺人才库: admission of a campaign's finalist with a tier (backbone 文艺骨干,
top talent 拔尖人才, leading figure 领军人物), tiers raised by awards, and the pool's search."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from services.common.auth import Caller
from services.common.clock import utcnow
from services.common.pagination import Pager
from services.common.query import contains, get_or_not_found

from .. import domain
from ..models import Talent
from ..schemas import TalentOut
from .shared import OUTBOX, actor, add_stage, get_candidate, get_org, move, new_id

TALENT_OUT = TalentOut()


def admit_to_pool(session: Session, caller: Caller, candidate_id: str, tier: str, profile: dict) -> Talent:
    candidate = get_candidate(session, candidate_id, for_write=True)
    domain.check_admission(candidate.status)
    now = utcnow()
    move(candidate, "admitted", "admitted", actor(caller), reason=f"tier {tier}", at=now)
    org = get_org(session, candidate.org_id)
    talent = Talent(id=new_id(), candidate_id=candidate.id, campaign_id=candidate.campaign_id,
                    worker_id=candidate.worker_id, name=candidate.name, org_id=candidate.org_id,
                    org_path=candidate.org_path, district=org.district, field=candidate.field, tier=tier,
                    achievements=profile["achievements"], training=candidate.training, volunteer=profile["volunteer"],
                    version=1, admitted_at=now, updated_at=now)
    session.add(talent)
    session.flush()  # one talent per candidate: the unique candidate_id speaks if two raced
    OUTBOX.emit(session, "talent_admitted", talent.id, talent)
    return talent


def get_talent(session: Session, talent_id: str) -> Talent:
    return get_or_not_found(session, Talent, talent_id, "talent")


def raise_tier(session: Session, talent_id: str, source: str) -> Talent | None:
    """An award granted to a talent raises its tier one step (a leading figure stays one); an award
    for a talent this service does not know changes nothing."""
    talent = session.scalars(select(Talent).where(Talent.id == talent_id).with_for_update()).first()
    if talent is None:
        return None
    higher = domain.TIERS.index(talent.tier) + 1
    if higher >= len(domain.TIERS):
        return talent
    previous, talent.tier = talent.tier, domain.TIERS[higher]
    talent.version, talent.updated_at = talent.version + 1, utcnow()
    add_stage(get_candidate(session, talent.candidate_id), "tier_changed", "awards", reason=f"{previous} -> {talent.tier} ({source})")
    session.flush()
    OUTBOX.emit(session, "talent_tier_changed", talent.id, {
        "talent_id": talent.id, "worker_id": talent.worker_id, "field": talent.field, "previous_tier": previous,
        "tier": talent.tier, "source": source})
    return talent


def search_pool(session: Session, filters: dict) -> dict:
    stmt = select(Talent)
    for key in ("field", "tier", "district", "volunteer"):
        if key in filters:
            stmt = stmt.where(getattr(Talent, key) == filters[key])
    if "text" in filters:
        pattern = contains(filters["text"])
        stmt = stmt.where(or_(Talent.name.ilike(pattern, escape="\\"), Talent.org_id == filters["text"]))
    pager = Pager("search_pool", filters, str, str)
    rows = pager.rows(session, stmt, Talent.name, Talent.id)
    return pager.page(rows, lambda t: [t.name, t.id], TALENT_OUT.dump)
