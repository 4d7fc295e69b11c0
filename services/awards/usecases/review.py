"""Review: the cycle's reviewers, one score per reviewer per nomination (replaced while review is
open, that is until the shortlist), recusal, and the shortlist per category by mean score — of the
reviews of the panel as it stands when the shortlist is drawn, recusal applied again then."""
from __future__ import annotations

import json
from collections import defaultdict

from sqlalchemy import bindparam, inspect, select, text, update
from sqlalchemy.orm import Session

from services.common.auth import Caller
from services.common.clock import utcnow
from services.common.db import is_postgres
from services.common.errors import Forbidden, InvalidState
from services.common.gcpause import collector_paused

from .. import domain
from ..models import Nomination, Review, Reviewer
from . import nominations as noms
from .shared import OUTBOX, get_cycle, get_nomination, get_org


def set_reviewers(session: Session, caller: Caller, cycle_id: str, reviewers: list[dict]) -> dict:
    cycle = get_cycle(session, cycle_id, for_write=True)
    if cycle.status != "open":
        raise InvalidState(f"the cycle is {cycle.status}: its reviewers are final")
    paths = {r["org_id"]: get_org(session, r["org_id"]).path for r in reviewers if r["org_id"]}
    for old in session.scalars(select(Reviewer).where(Reviewer.cycle_id == cycle.id)):
        session.delete(old)
    session.flush()
    for r in reviewers:
        session.add(Reviewer(cycle_id=cycle.id, reviewer_id=r["reviewer_id"], name=r["name"], org_id=r["org_id"],
                             org_path=paths.get(r["org_id"]), conflicts=r["conflicts"]))
    session.flush()
    return {"cycle_id": cycle.id, "reviewers": [r["reviewer_id"] for r in reviewers]}


def submit_review(session: Session, caller: Caller, nomination_id: str, score: int, comment: str | None) -> dict:
    nomination = get_nomination(session, nomination_id, for_write=True)
    cycle = get_cycle(session, nomination.cycle_id)
    reviewer = session.scalars(select(Reviewer).where(Reviewer.cycle_id == cycle.id,
                                                      Reviewer.reviewer_id == caller.sub)).first()
    if reviewer is None:
        raise Forbidden("only the cycle's reviewers review its nominations")
    domain.check_reviewer(reviewer.org_path, nomination.by_org_path, reviewer.conflicts, nomination.id)
    if cycle.status != "open":
        raise InvalidState(f"the cycle is {cycle.status}: review is over")
    review = session.scalars(select(Review).where(Review.nomination_id == nomination.id,
                                                  Review.reviewer_id == caller.sub)).first()
    if review is None:
        review = Review(nomination_id=nomination.id, reviewer_id=caller.sub, submissions=0)
        session.add(review)
    review.score, review.comment = domain.check_score(score), comment
    review.submissions, review.submitted_at = review.submissions + 1, utcnow()
    session.flush()
    return {"nomination_id": nomination.id, "reviewer_id": caller.sub, "score": review.score,
            "replaced": review.submissions > 1}


def counted_reviews(session: Session, cycle_id: str) -> list[tuple[str, int]]:
    """``(nomination_id, score)`` of the reviews the shortlist counts: those of the cycle's reviewers
    as the panel stands, each not recused for that nomination. A review by a reviewer taken off the
    panel, or recused since it was given (a conflict declared, an organisation in the nominating
    one's subtree), is kept but does not count: a reviewer who may not review a nomination does not
    decide it."""
    panel = {r.reviewer_id: (r.org_path, frozenset(r.conflicts or ()))
             for r in session.scalars(select(Reviewer).where(Reviewer.cycle_id == cycle_id))}
    counted = []
    session.flush()  # then plain rows through its connection: a shortlist reads every review of the cycle
    for nomination_id, by_org_path, reviewer_id, score in session.connection().execute(
            select(Review.nomination_id, Nomination.by_org_path, Review.reviewer_id, Review.score)
            .join(Nomination, Nomination.id == Review.nomination_id).where(Nomination.cycle_id == cycle_id)):
        seat = panel.get(reviewer_id)
        if seat is not None and not domain.recusal(seat[0], by_org_path, seat[1], nomination_id):
            counted.append((nomination_id, score))
    return counted


@collector_paused()  # 10,000 nominations make ~500,000 objects: no cyclic collection meanwhile
def shortlist(session: Session, caller: Caller, cycle_id: str, top_n: int) -> dict:
    """After the nominations close: every nomination ruled again on what the copies hold now, the
    eligible ranked per category by mean review score (of the reviews ``counted_reviews`` counts),
    the first ``top_n`` shortlisted.

    Read and written in bulk, whatever the cycle's size (10,000 nominations x 5 reviewers: see
    docs/PERFORMANCE.md): the nominations and the reviews are read as plain rows (no objects), every
    nomination's ruling and placing is written in one statement (``_write_placings``), only those no
    longer eligible are loaded, after it, to announce it, in the order they were submitted, and
    Python's cyclic garbage collector is paused meanwhile (``gcpause``)."""
    cycle = get_cycle(session, cycle_id, for_write=True)
    now = utcnow()
    if cycle.status == "open" and now < cycle.nominations_close_at:
        raise InvalidState("the shortlist is drawn after the nominations close")
    domain.CYCLE.check(cycle.status, "shortlisted")
    session.flush()
    entries = session.connection().execute(
        select(Nomination.id, Nomination.category, Nomination.nominee_kind, Nomination.ref_id, Nomination.status,
               Nomination.eligible, Nomination.submitted_at)
        .where(Nomination.cycle_id == cycle.id).order_by(Nomination.submitted_at, Nomination.id)).all()
    scores = defaultdict(list)
    for nomination_id, score in counted_reviews(session, cycle.id):
        scores[nomination_id].append(score)
    facts = noms.facts_for(session, entries, cycle.nominations_close_at)
    ballots, ruling, turned = [], {}, []
    for n in entries:
        eligible, rules = noms.rule(cycle, n, facts[n.id])
        ruling[n.id] = (eligible, noms.reasons(rules))
        if n.eligible and not eligible:
            turned.append(n.id)
        ballots.append(domain.Ballot(n.id, n.category, eligible, tuple(scores[n.id]), n.submitted_at))
    status_of = {n.id: n.status for n in entries}
    placings = domain.shortlist(ballots, top_n, tuple(cycle.categories))
    rows = []
    for p in placings:
        eligible, reasons = ruling[p.nomination_id]
        status = "ineligible" if not eligible else "shortlisted" if p.shortlisted else "not_shortlisted"
        domain.NOMINATION.check(status_of[p.nomination_id], status)
        rows.append({"id": p.nomination_id, "status": status, "eligible": eligible, "reasons": reasons,
                     "mean": p.mean, "rank": p.rank})
    _write_placings(session, cycle.id, rows)
    if turned:
        loaded = {n.id: n for n in session.scalars(select(Nomination).where(Nomination.id.in_(turned)))}
        for nomination_id in turned:
            noms.announce_ineligible(session, loaded[nomination_id])
    cycle.status, cycle.top_n = "shortlisted", top_n
    session.flush()
    chosen = [{"nomination_id": p.nomination_id, "category": p.category, "mean": p.mean, "rank": p.rank}
              for p in placings if p.shortlisted]
    OUTBOX.emit(session, "shortlist_published", cycle.id, {"cycle_id": cycle.id, "top_n": top_n, "shortlisted": chosen})
    return {"cycle_id": cycle.id, "top_n": top_n, "items": [
        {"nomination_id": p.nomination_id, "category": p.category, "mean": p.mean, "reviews": p.reviews,
         "rank": p.rank, "shortlisted": p.shortlisted} for p in placings], "next_cursor": None}


_PLACING_COLUMNS = ("status", "eligible", "reasons", "mean", "rank")


def _write_placings(session: Session, cycle_id: str, rows: list[dict]) -> None:
    """Each row's ``status``, ``eligible``, ``reasons``, ``mean`` and ``rank`` onto its nomination
    (``id``), in one statement: on PostgreSQL an UPDATE ... FROM the rows as ONE JSON parameter (as
    ``bulk.insert_rows`` inserts), elsewhere an executemany. The cycle's nominations the session
    holds are expired: they are read again when next used."""
    if not rows:
        return
    session.flush()
    table = Nomination.__table__
    if is_postgres(session):
        dialect = session.get_bind().dialect
        quote = dialect.identifier_preparer.quote
        names = ("id",) + _PLACING_COLUMNS
        definitions = ", ".join(f"{quote(c)} {table.c[c].type.compile(dialect=dialect)}" for c in names)
        sets = ", ".join(f"{quote(c)} = x.{quote(c)}" for c in _PLACING_COLUMNS)
        session.execute(text(f"UPDATE {quote(table.name)} SET {sets} "
                             f"FROM json_to_recordset(CAST(:rows AS json)) AS x({definitions}) "
                             f"WHERE {quote(table.name)}.{quote('id')} = x.{quote('id')}"),
                        {"rows": json.dumps(rows, allow_nan=False)})  # each reasons' text as the JSON type writes it
    else:
        stmt = (update(table).where(table.c.id == bindparam("row_id"))
                .values({c: bindparam(f"row_{c}") for c in _PLACING_COLUMNS}))
        session.execute(stmt, [{f"row_{k}": v for k, v in row.items()} for row in rows])
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Nomination) and inspect(obj).dict.get("cycle_id", cycle_id) == cycle_id:
            session.expire(obj)
