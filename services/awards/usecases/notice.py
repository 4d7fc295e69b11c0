"""The public notice 公示 (at least five days), objections 异议 while it runs, each resolved with a
note (an upheld one takes the nomination off the shortlist), finalizing (the shortlist granted:
``award_granted`` for each, then ``cycle_finalized``) and the results, public once finalized."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.common.auth import Caller
from services.common.clock import utcnow
from services.common.errors import InvalidState, NotFound

from .. import domain
from ..models import Cycle, Nomination, Objection
from ..schemas import ObjectionOut
from .nominations import NOMINATION_OUT
from .shared import OUTBOX, get_cycle, get_nomination, new_id

OBJECTION_OUT = ObjectionOut()


def open_public_notice(session: Session, caller: Caller, cycle_id: str, days: int, starts_at) -> Cycle:
    cycle = get_cycle(session, cycle_id, for_write=True)
    starts, ends = domain.notice_period(days, starts_at, utcnow())
    domain.CYCLE.check(cycle.status, "notice")
    cycle.status, cycle.notice_starts_at, cycle.notice_ends_at = "notice", starts, ends
    session.flush()
    OUTBOX.emit(session, "public_notice_opened", cycle.id, {"cycle_id": cycle.id, "starts_at": starts, "ends_at": ends})
    return cycle


def _objection_event(session: Session, objection: Objection, event: str) -> None:
    OUTBOX.emit(session, event, objection.nomination_id, {
        "objection_id": objection.id, "nomination_id": objection.nomination_id, "cycle_id": objection.cycle_id,
        "status": objection.status, "note": objection.note})


def file_objection(session: Session, caller: Caller, nomination_id: str, text: str) -> Objection:
    nomination = get_nomination(session, nomination_id)
    cycle = get_cycle(session, nomination.cycle_id, sharing=True)
    if cycle.status != "notice":
        raise InvalidState(f"objections are filed while the public notice runs; the cycle is {cycle.status}")
    domain.check_objection_window(utcnow(), cycle.notice_starts_at, cycle.notice_ends_at)
    if nomination.status != "shortlisted":
        raise InvalidState(f"an objection is to a shortlisted nomination; this one is {nomination.status}")
    objection = Objection(id=new_id(), nomination_id=nomination.id, cycle_id=cycle.id, text=text, status="open",
                          filed_by=caller.sub, filed_at=utcnow())
    session.add(objection)
    session.flush()
    _objection_event(session, objection, "objection_filed")
    return objection


def resolve_objection(session: Session, caller: Caller, objection_id: str, upheld: bool, note: str) -> Objection:
    objection = session.scalars(select(Objection).where(Objection.id == objection_id).with_for_update()).first()
    if objection is None:
        raise NotFound(f"no objection with id {objection_id}")
    domain.OBJECTION.check(objection.status, "upheld" if upheld else "dismissed")
    objection.status = "upheld" if upheld else "dismissed"
    objection.note, objection.resolved_by, objection.resolved_at = note, caller.sub, utcnow()
    if upheld:
        nomination = get_nomination(session, objection.nomination_id, for_write=True)
        if nomination.status == "shortlisted":
            domain.NOMINATION.check(nomination.status, "withdrawn")
            nomination.status = "withdrawn"
    session.flush()
    _objection_event(session, objection, "objection_resolved")
    return objection


def finalize(session: Session, caller: Caller, cycle_id: str) -> dict:
    cycle = get_cycle(session, cycle_id, for_write=True)
    if cycle.status != "notice":
        raise InvalidState(f"a cycle is finalized after its public notice; this one is {cycle.status}")
    open_objections = session.scalar(select(func.count()).where(Objection.cycle_id == cycle.id,
                                                                Objection.status == "open"))
    domain.check_finalize(utcnow(), cycle.notice_ends_at, open_objections)
    granted = list(session.scalars(select(Nomination).where(Nomination.cycle_id == cycle.id,
                                                            Nomination.status == "shortlisted")
                                   .order_by(Nomination.category, Nomination.rank)))
    for n in granted:
        domain.NOMINATION.check(n.status, "granted")
        n.status = "granted"
        session.flush()
        OUTBOX.emit(session, "award_granted", n.id, {
            "nomination_id": n.id, "cycle_id": cycle.id, "programme": cycle.programme, "category": n.category,
            "year": cycle.year, "nominee": {"kind": n.nominee_kind, "ref_id": n.ref_id, "name": n.nominee_name},
            "by_org_id": n.by_org_id})
    domain.CYCLE.check(cycle.status, "finalized")
    cycle.status, cycle.finalized_at = "finalized", utcnow()
    session.flush()
    OUTBOX.emit(session, "cycle_finalized", cycle.id, {"cycle_id": cycle.id, "programme": cycle.programme,
                                                       "year": cycle.year, "granted": [n.id for n in granted]})
    return {"cycle_id": cycle.id, "status": cycle.status, "granted": len(granted)}


def results(session: Session, cycle_id: str) -> dict:
    cycle = get_cycle(session, cycle_id)
    if cycle.status != "finalized":
        raise InvalidState(f"results are published when the cycle is finalized; it is {cycle.status}")
    granted = session.scalars(select(Nomination).where(Nomination.cycle_id == cycle.id, Nomination.status == "granted")
                              .order_by(Nomination.category, Nomination.rank))
    return {"cycle_id": cycle.id, "programme": cycle.programme, "year": cycle.year,
            "items": [NOMINATION_OUT.dump(n) for n in granted], "next_cursor": None}
