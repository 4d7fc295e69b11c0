"""The talent service's rules, as plain Python: no session, no broker, no framework.

- the life cycles of a round and of a candidate (nominated, screened, advanced round by round,
  finalist, admitted to the pool);
- a round's panel, who may score whom (recusal: the candidate's own work unit, a declared
  conflict) and what a score sheet holds;
- the round's arithmetic: weighted score per sheet, optional per-judge z-scores, trimmed mean,
  median, ranking within each field (ties: higher median, earlier nomination, candidate id) and
  advancement (top N per field, or a threshold);
- the talent pool's tiers, the nomination window and the order in which rounds open.

Guarantees of ``rank_round``: the result depends only on the sets it is given, never on the order
of the panel or of the sheets (sums are exact-rounded, values sorted before use); a candidate's
ranking is a total order within its field; nothing is rounded before the ranking is made.
"""
from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from services.common.clock import to_wire
from services.common.errors import Forbidden, InvalidState, NotFound, ValidationFailed
from services.common.lifecycle import Lifecycle
from services.common.vocabulary import ART_FIELDS

FIELDS = ART_FIELDS
CHANNELS = ("recommendation", "self", "audition")
TIERS = ("backbone", "top_talent", "leading_figure")  # ascending: 文艺骨干 < 拔尖人才 < 领军人物
NORMALISE = ("none", "zscore")
MIN_PANEL = 3     # judges on a round's panel
MIN_SCORES = 3    # eligible scores a candidate needs before its round can close
TRIM_FROM = 5     # from this many scores on, the highest and the lowest are dropped
SCORE_MIN, SCORE_MAX = 0, 100
SCORE_DECIMALS = 4  # a published round score (and median)

# A round opens when every earlier round is closed and it has a panel; it closes once.
ROUND = Lifecycle("a round", {
    "pending": ("open",),
    "open": ("closed",),
    "closed": (),
}, same_is_error=True)

# A candidate: screened after nomination; each closed round moves a screened-in candidate to
# advanced or eliminated, or, in the campaign's last round, to finalist; only a finalist is admitted
# to the pool. ``advanced -> advanced`` is each later round the candidate passes.
CANDIDATE = Lifecycle("a candidate", {
    "nominated": ("screened_in", "screened_out"),
    "screened_in": ("advanced", "eliminated", "finalist"),
    "screened_out": (),
    "advanced": ("advanced", "eliminated", "finalist"),
    "eliminated": (),
    "finalist": ("admitted",),
    "admitted": (),
})

_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}


def _count(n: int) -> str:
    return _WORDS.get(n, str(n))


@dataclass(frozen=True)
class Criterion:
    name: str
    weight: float


@dataclass(frozen=True)
class Judge:
    judge_id: str
    org_id: str | None          # the judge's work unit (None: from outside every unit)
    conflicts: frozenset[str]   # candidate ids the judge declared a conflict with


@dataclass(frozen=True)
class Entrant:
    """A candidate in a round."""

    candidate_id: str
    field: str
    org_id: str                 # the candidate's work unit
    nominated_at: datetime


class Sheet(NamedTuple):
    """One judge's scores for one candidate: the latest submission (a new one replaces it).

    ``weighted``: the sheet's weighted score when the caller already has it, i.e. ``weighted(criteria,
    scores)`` with the round's criteria as stored at submission (a round's criteria never change);
    then ``scores`` may be None. Without it, ``rank_round`` computes it from ``scores``. (A named
    tuple rather than a frozen dataclass: a round of 10,000 candidates x 7 judges makes 70,000.)"""

    judge_id: str
    candidate_id: str
    scores: dict[str, float] | None
    weighted: float | None = None


@dataclass(frozen=True)
class Result:
    candidate_id: str
    field: str
    score: float      # trimmed mean of the (normalised) weighted scores, 4 decimals
    median: float     # median of the same values, 4 decimals
    rank: int         # 1.. within the field
    advanced: bool
    judges: int       # the eligible sheets counted


# --- the panel and who scores whom ---------------------------------------------------------------

def check_panel(judges: list[Judge]) -> None:
    """A panel: at least three judges, each once."""
    ids = [j.judge_id for j in judges]
    errors = []
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        errors.append(f"each judge sits on the panel once; listed more than once: {', '.join(twice)}")
    if len(set(ids)) < MIN_PANEL:
        errors.append(f"a panel has at least {_count(MIN_PANEL)} judges; this one has {len(set(ids))}")
    if errors:
        raise ValidationFailed({"judges": errors})


def is_recused(judge: Judge, entrant: Entrant) -> bool:
    """A judge from the candidate's own work unit, or who declared a conflict with it, is recused."""
    return _same_unit(judge, entrant) or entrant.candidate_id in judge.conflicts


def _same_unit(judge: Judge, entrant: Entrant) -> bool:
    return judge.org_id is not None and judge.org_id == entrant.org_id


def check_may_score(judge: Judge | None, entrant: Entrant) -> None:
    """``judge`` is the caller's seat on the round's panel (None: not on it)."""
    if judge is None:
        raise Forbidden("only a judge on this round's panel may score its candidates")
    if _same_unit(judge, entrant):
        raise Forbidden(f"judge {judge.judge_id} is recused for candidate {entrant.candidate_id}: "
                        f"a judge does not score a candidate from their own work unit ({entrant.org_id})")
    if entrant.candidate_id in judge.conflicts:
        raise Forbidden(f"judge {judge.judge_id} is recused for candidate {entrant.candidate_id}: "
                        f"the judge declared a conflict of interest with this candidate")


def check_scores(criteria: list[Criterion], scores: dict) -> dict[str, float]:
    """A score sheet: exactly the round's criteria, each a number from 0 to 100. Returns it as floats,
    in the criteria's order."""
    names = [c.name for c in criteria]
    listed = ", ".join(names)
    if not isinstance(scores, dict):
        raise ValidationFailed({"scores": [f"an object giving each criterion a score from 0 to 100: {listed}"]})
    errors: dict[str, list[str]] = {}
    for name in names:
        if name not in scores:
            errors[name] = [f"missing: this round scores {listed}"]
            continue
        value = scores[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            errors[name] = [f"a number from {SCORE_MIN} to {SCORE_MAX}"]
        elif not SCORE_MIN <= value <= SCORE_MAX:  # NaN fails this too
            errors[name] = [f"a number from {SCORE_MIN} to {SCORE_MAX}; got {value}"]
    for name in scores:
        if name not in names:
            errors[str(name)] = [f"not a criterion of this round; its criteria are {listed}"]
    if errors:
        raise ValidationFailed({"scores": errors})
    return {name: float(scores[name]) for name in names}


# --- the arithmetic -------------------------------------------------------------------------------

def weighted(criteria: list[Criterion], scores: dict[str, float]) -> float:
    """Σ weight × score / Σ weight."""
    total = math.fsum(c.weight for c in criteria)
    if total <= 0:
        raise ValueError("a round's criteria need a positive total weight")
    return math.fsum(c.weight * scores[c.name] for c in criteria) / total


def trimmed_mean(values: list[float]) -> float:
    """Five or more values: the mean without one highest and one lowest; three or four: the mean."""
    if len(values) < MIN_SCORES:
        raise ValueError(f"a round score needs at least {MIN_SCORES} values; got {len(values)}")
    ordered = sorted(values)
    if len(ordered) >= TRIM_FROM:
        ordered = ordered[1:-1]
    return math.fsum(ordered) / len(ordered)


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def zscores(by_judge: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """Each judge's scores as (x - mean) / population stdev over the candidates that judge scored; a
    judge who scored one candidate, or gave everyone the same, contributes 0.0 for each."""
    out: dict[str, dict[str, float]] = {}
    for judge_id, scores in by_judge.items():
        values = list(scores.values())
        spread = statistics.pstdev(values) if len(values) > 1 else 0.0
        if spread == 0:
            out[judge_id] = {cid: 0.0 for cid in scores}
        else:
            mean = statistics.fmean(values)
            out[judge_id] = {cid: (x - mean) / spread for cid, x in scores.items()}
    return out


# --- a round's ranking ----------------------------------------------------------------------------

def _eligible(entrants: Iterable[Entrant], sheets: Iterable[Sheet], judges: Iterable[Judge]) -> list[Sheet]:
    """The sheets that count: from a judge on the panel, for a candidate in the round the judge is not
    recused for. Two sheets of one judge for one candidate is the caller's bug (pass the latest)."""
    panel = {j.judge_id: j for j in judges}
    in_round = {e.candidate_id: e for e in entrants}
    seen: set[tuple[str, str]] = set()
    counted = []
    for sheet in sheets:  # 70,000 for 10,000 candidates x 7 judges: is_recused inlined
        judge_id, candidate_id = key = sheet.judge_id, sheet.candidate_id
        if key in seen:
            raise ValueError(f"two sheets of judge {judge_id} for candidate {candidate_id}: pass only the latest")
        seen.add(key)
        judge, entrant = panel.get(judge_id), in_round.get(candidate_id)
        if judge is None or entrant is None:
            continue
        if (judge.org_id is None or judge.org_id != entrant.org_id) and candidate_id not in judge.conflicts:
            counted.append(sheet)
    return counted


def short_of_scores(entrants: list[Entrant], sheets: list[Sheet], judges: list[Judge]) -> list[str]:
    """The candidates (in entrant order) with fewer than three eligible sheets."""
    return _short(entrants, _eligible(entrants, sheets, judges))


def _short(entrants: list[Entrant], eligible: list[Sheet]) -> list[str]:
    count: dict[str, int] = {}
    for sheet in eligible:
        count[sheet.candidate_id] = count.get(sheet.candidate_id, 0) + 1
    return [e.candidate_id for e in entrants if count.get(e.candidate_id, 0) < MIN_SCORES]


def _advance_rule(advance: dict) -> Callable[[int, float], bool]:
    """{"top": N}: the first N of each field; {"threshold": X}: a published score of X or more."""
    if isinstance(advance, dict) and len(advance) == 1:
        top, threshold = advance.get("top"), advance.get("threshold")
        if isinstance(top, int) and not isinstance(top, bool) and top >= 1:
            return lambda rank, score: rank <= top
        if isinstance(threshold, (int, float)) and not isinstance(threshold, bool):
            # compared with the score as published, so that a result reading 80.0 passes a threshold of 80
            return lambda rank, score: round(score, SCORE_DECIMALS) >= threshold
    raise ValueError(f"advance is {{'top': N}} (N >= 1) or {{'threshold': X}}; got {advance!r}")


def rank_round(entrants: list[Entrant], sheets: list[Sheet], judges: list[Judge], criteria: list[Criterion],
               advance: dict, normalise: str) -> list[Result]:
    """The round's results, by field (in ``FIELDS`` order) then rank; or ``InvalidState`` naming every
    candidate with fewer than three eligible scores (the round cannot close)."""
    if normalise not in NORMALISE:
        raise ValueError(f"normalise is one of {', '.join(NORMALISE)}; got {normalise!r}")
    advances = _advance_rule(advance)
    ids = [e.candidate_id for e in entrants]
    if len(set(ids)) != len(ids):
        raise ValueError("a candidate enters a round once")
    unknown = sorted({e.field for e in entrants} - set(FIELDS))
    if unknown:
        raise ValueError(f"unknown fields: {', '.join(unknown)}")
    eligible = _eligible(entrants, sheets, judges)
    short = _short(entrants, eligible)
    if short:
        raise InvalidState(f"the round cannot close: {len(short)} candidate(s) have fewer than "
                           f"{_count(MIN_SCORES)} eligible scores: {', '.join(short)}")

    by_judge: dict[str, dict[str, float]] = {}
    for sheet in eligible:
        by_judge.setdefault(sheet.judge_id, {})[sheet.candidate_id] = (
            weighted(criteria, sheet.scores) if sheet.weighted is None else sheet.weighted)
    if normalise == "zscore":
        by_judge = zscores(by_judge)
    values: dict[str, list[float]] = {cid: [] for cid in ids}
    for per_candidate in by_judge.values():
        for cid, value in per_candidate.items():
            values[cid].append(value)

    in_field: dict[str, list[Entrant]] = {}
    for e in entrants:
        in_field.setdefault(e.field, []).append(e)
    results = []
    for field in FIELDS:
        scored = [(trimmed_mean(values[e.candidate_id]), median(values[e.candidate_id]), e)
                  for e in in_field.get(field, ())]
        scored.sort(key=lambda t: (-t[0], -t[1], t[2].nominated_at, t[2].candidate_id))
        for rank, (score, middle, e) in enumerate(scored, start=1):
            results.append(Result(candidate_id=e.candidate_id, field=field, score=round(score, SCORE_DECIMALS),
                                  median=round(middle, SCORE_DECIMALS), rank=rank,
                                  advanced=advances(rank, score), judges=len(values[e.candidate_id])))
    return results


def next_status(is_last_round: bool, advanced: bool) -> str:
    """A candidate's status once its round closes."""
    if not advanced:
        return "eliminated"
    return "finalist" if is_last_round else "advanced"


# --- the pool, the nomination window, the order of rounds ----------------------------------------

def check_admission(status: str) -> None:
    if status != "finalist":
        raise InvalidState(f"only a finalist (a candidate who advanced in the campaign's last round) is admitted "
                           f"to the talent pool; this candidate is {status}")


def check_tier_raise(current: str, new: str) -> None:
    """A talent's tier only rises: backbone < top_talent < leading_figure."""
    if new not in TIERS:
        raise ValidationFailed({"tier": [f"one of {', '.join(TIERS)}"]})
    if current not in TIERS:
        raise ValueError(f"unknown current tier {current!r}")
    if new == current:
        raise InvalidState(f"the talent is already {current}")
    if TIERS.index(new) < TIERS.index(current):
        raise InvalidState(f"a talent's tier only rises: {new} is below the talent's {current} "
                           f"(tiers, ascending: {', '.join(TIERS)})")


def check_nomination_open(now: datetime, closes_at: datetime) -> None:
    if now >= closes_at:
        raise InvalidState(f"nominations closed at {to_wire(closes_at)}")


def check_round_order(rounds_status: list[str], number: int) -> None:
    """Round ``number`` (from 1; ``rounds_status[i]`` is round i + 1's) opens only when every earlier
    round is closed."""
    if not 1 <= number <= len(rounds_status):
        raise NotFound(f"the campaign has no round {number}; its rounds are 1 to {len(rounds_status)}")
    waiting = [f"round {i} is {status}" for i, status in enumerate(rounds_status[:number - 1], start=1)
               if status != "closed"]
    if waiting:
        raise InvalidState(f"round {number} opens only when every earlier round has closed: {'; '.join(waiting)}")
