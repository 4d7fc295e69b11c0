"""Judging: a judge's scores (the judge is the token's ``sub``), closing a round (ranking within
each field, advancement, each candidate moved on or out), and the ranking of a closed round.

The rules are the domain's (``rank_round``); here they get their inputs: the round's entrants
(round 1: the screened-in; round N: those who advanced in round N-1), its panel, and the latest
sheet of each judge for each candidate. Writes for one candidate lock its row, closing locks the
round's row: two closes at once, one closes and the other finds it closed.

Closing works in bulk, whatever the round's size (10,000 candidates x 7 judges: under 2 s on both
databases, was 26-87 s; docs/PERFORMANCE.md): the entrants and the sheets are read as rows (no
candidate objects, no stages; each sheet's weighted score as stored when it was submitted); the
candidates move with one UPDATE per new status and the results and the new stages are inserted in
one statement each (``services.common.bulk.insert_rows``), in a green thread, while this one makes
the events' envelopes (on PostgreSQL the two overlap); the events go to the outbox in one insert
(``Outbox.prepare_many``/``write_many``), in the order the per-candidate writes had: by field,
then rank, and ``round_closed`` last.
"""
from __future__ import annotations

import eventlet
from sqlalchemy import inspect, null, select, update
from sqlalchemy.orm import Session

from services.common.auth import Caller
from services.common.bulk import insert_rows
from services.common.clock import utcnow
from services.common.errors import InvalidState, NotFound
from services.common.gcpause import collector_paused

from .. import domain
from ..models import Candidate, Result, Round, Score, Stage
from ..schemas import ResultOut
from . import campaigns
from .shared import OUTBOX, get_campaign, get_candidate, get_round

RESULT_OUT = ResultOut()


def _judges(round_: Round) -> list[domain.Judge]:
    return [domain.Judge(j.judge_id, j.org_id, frozenset(j.conflicts)) for j in round_.judges]


def _criteria(round_: Round) -> list[domain.Criterion]:
    return [domain.Criterion(c["name"], c["weight"]) for c in round_.criteria]


def _entrant(candidate: Candidate) -> domain.Entrant:
    return domain.Entrant(candidate.id, candidate.field, candidate.org_id, candidate.nominated_at)


def _in_round(candidate: Candidate, number: int) -> bool:
    if number == 1:
        return candidate.status == "screened_in"
    return candidate.status == "advanced" and candidate.round == number - 1


def _entrants_of(stmt, round_: Round):
    if round_.number == 1:
        stmt = stmt.where(Candidate.campaign_id == round_.campaign_id, Candidate.status == "screened_in")
    else:
        stmt = stmt.where(Candidate.campaign_id == round_.campaign_id, Candidate.status == "advanced",
                          Candidate.round == round_.number - 1)
    return stmt.order_by(Candidate.nominated_at, Candidate.id)


def entrants(session: Session, round_: Round) -> list[Candidate]:
    return list(session.scalars(_entrants_of(select(Candidate), round_)))


def _entrant_rows(session: Session, round_: Round) -> list:
    """The round's entrants as rows (what the ranking and the life cycle need), in ``entrants`` order:
    no candidate objects, none of their stages."""
    c = Candidate.__table__.c
    return session.execute(_entrants_of(select(c.id, c.field, c.org_id, c.nominated_at, c.status), round_)).all()


def _sheet_rows(session: Session, round_: Round) -> list[domain.Sheet]:
    """The round's sheets with the weighted score stored at submission (the criteria never change),
    so that the 7 x 10,000 score objects need not be decoded."""
    s = Score.__table__.c
    rows = session.execute(select(s.judge_id, s.candidate_id, null(), s.weighted)  # (.., scores None, weighted)
                           .where(s.round_id == round_.id)).all()
    return list(map(domain.Sheet._make, rows))


def submit_score(session: Session, caller: Caller, campaign_id: str, number: int, candidate_id: str,
                 scores: dict) -> dict:
    round_ = get_round(session, campaign_id, number)
    judge = next((j for j in _judges(round_) if j.judge_id == caller.sub), None)
    candidate = get_candidate(session, candidate_id, for_write=True)
    if candidate.campaign_id != campaign_id:
        raise NotFound(f"campaign {campaign_id} has no candidate {candidate_id}")
    domain.check_may_score(judge, _entrant(candidate))
    if round_.status != "open":
        raise InvalidState(f"round {number} is {round_.status}: it takes no scores")
    if not _in_round(candidate, number):
        raise InvalidState(f"candidate {candidate_id} is not in round {number} (it is {candidate.status})")
    checked = domain.check_scores(_criteria(round_), scores)
    sheet = session.scalars(select(Score).where(Score.round_id == round_.id, Score.candidate_id == candidate.id,
                                                Score.judge_id == caller.sub)).first()
    if sheet is None:
        sheet = Score(round_id=round_.id, candidate_id=candidate.id, judge_id=caller.sub, submissions=0)
        session.add(sheet)
    sheet.scores, sheet.weighted = checked, domain.weighted(_criteria(round_), checked)
    sheet.submissions, sheet.submitted_at = sheet.submissions + 1, utcnow()
    session.flush()  # the unique (round, candidate, judge) speaks here if two raced past the lock
    return {"campaign_id": campaign_id, "round": number, "candidate_id": candidate.id, "judge_id": caller.sub,
            "scores": checked, "weighted": round(sheet.weighted, 4), "replaced": sheet.submissions > 1}


@collector_paused()  # 10,000 x 7 makes ~400,000 objects: no cyclic collection meanwhile (~15-20 %)
def close_round(session: Session, caller: Caller, campaign_id: str, number: int) -> dict:
    round_ = get_round(session, campaign_id, number, for_write=True)
    if round_.status != "open":
        raise InvalidState(f"round {number} is {round_.status}; only an open round closes")
    campaign = get_campaign(session, campaign_id)
    domain.check_round_order([r.status for r in campaign.rounds], number)
    people = _entrant_rows(session, round_)
    results = domain.rank_round([domain.Entrant(p.id, p.field, p.org_id, p.nominated_at) for p in people],
                                _sheet_rows(session, round_), _judges(round_), _criteria(round_), round_.advance,
                                round_.normalise)
    last = number == len(campaign.rounds)
    status_of = {p.id: p.status for p in people}
    new_status = {advanced: domain.next_status(last, advanced) for advanced in (True, False)}
    checked: set[tuple[str, str]] = set()
    now = utcnow()
    result_rows, stage_rows, events = [], [], []
    for result in results:
        status = new_status[result.advanced]
        move = (status_of[result.candidate_id], status)
        if move not in checked:  # what ``shared.move`` checks, once for each kind of move
            domain.CANDIDATE.check(*move)
            checked.add(move)
        stage = "advanced" if result.advanced else "eliminated"
        result_rows.append({"round_id": round_.id, "candidate_id": result.candidate_id, "field": result.field,
                            "score": result.score, "median": result.median, "rank": result.rank,
                            "advanced": result.advanced, "judges": result.judges})
        stage_rows.append({"candidate_id": result.candidate_id, "stage": stage, "round": number, "at": now,
                           "by": caller.sub, "reason": f"rank {result.rank} in {result.field}, score {result.score}"})
        events.append((f"candidate_{stage}", result.candidate_id, {
            "candidate_id": result.candidate_id, "campaign_id": campaign_id, "round": number, "field": result.field,
            "score": result.score, "rank": result.rank, "finalist": status == "finalist"}))
    if results:
        # The database writes the rows in a green thread while this one makes the 10,000 envelopes:
        # on PostgreSQL the two overlap (the server inserts while Python dumps and encodes).
        writer = eventlet.spawn(_write_close, session, round_, number, result_rows, stage_rows, new_status, results)
        try:
            envelopes = OUTBOX.prepare_many(events)
        finally:
            writer.wait()
        _expire_moved(session, status_of)
        OUTBOX.write_many(session, envelopes)
    domain.ROUND.check(round_.status, "closed")
    round_.status, round_.closed_at, round_.closed_by = "closed", now, caller.sub
    campaigns.open_next_round(campaign, round_)
    session.flush()
    advanced = [r.candidate_id for r in results if r.advanced]
    OUTBOX.emit(session, "round_closed", f"{campaign_id}:{number}", {
        "campaign_id": campaign_id, "round": number, "last": last, "ranked": len(results), "advanced": advanced})
    return {"campaign_id": campaign_id, "round": number, "status": "closed", "ranked": len(results),
            "advanced": len(advanced)}


def _write_close(session: Session, round_: Round, number: int, result_rows: list, stage_rows: list,
                 new_status: dict, results: list) -> None:
    """The close's rows: the candidates move (one UPDATE per new status, before the inserts whose
    foreign keys then find them already locked), the results and the stages inserted."""
    moved: dict[bool, list[str]] = {True: [], False: []}
    for result in results:
        moved[result.advanced].append(result.candidate_id)
    for advanced, ids in moved.items():
        if ids:
            session.execute(update(Candidate.__table__).where(Candidate.id.in_(ids))
                            .values(status=new_status[advanced], round=number))
    insert_rows(session, Result.__table__, result_rows)
    insert_rows(session, Stage.__table__, stage_rows)


def _expire_moved(session: Session, moved: dict) -> None:
    """Candidates of ``moved`` the session holds were changed behind its back (bulk UPDATE, stages
    inserted): their status, round and stages are read again when next used."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Candidate) and inspect(obj).identity[0] in moved:
            session.expire(obj, ["status", "round", "stages"])


def ranking(session: Session, campaign_id: str, number: int) -> dict:
    round_ = get_round(session, campaign_id, number)
    if round_.status != "closed":
        raise InvalidState(f"round {number} is {round_.status}: its ranking is known when it closes")
    order = {field: i for i, field in enumerate(domain.FIELDS)}
    rows = sorted(session.scalars(select(Result).where(Result.round_id == round_.id)),
                  key=lambda r: (order.get(r.field, 99), r.rank))
    return {"campaign_id": campaign_id, "round": number, "items": [RESULT_OUT.dump(r) for r in rows],
            "next_cursor": None}
