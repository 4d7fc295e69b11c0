"""The awards service's rules, as plain Python: no session, no broker, no framework.

- the programmes, their categories and which kind of nominee each category takes;
- the life cycles of a cycle, a nomination and an objection;
- a nominee's eligibility, from the facts this service learned from the other services' events:
  every rule checked and explained, passed or failed;
- the nomination window, the per-organisation quota, a reviewer's recusal and what a score is;
- the shortlist (per category, eligible nominations by mean review score);
- the public notice 公示 (at least five days), its objections 异议 and when a cycle may be finalized;
- a district federation's yearly scorecard 考核激励机制 and the programme's targets "四个一批".

Guarantees: ``eligibility`` reports the same rules, in the same order, for every nominee of a
category, and depends only on the set of completed activities, never on their order; ``shortlist``
depends only on the set of ballots it is given (means compared exactly, ties broken on a total
order), and rounds nothing before the ranking is made.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from services.common.clock import to_wire
from services.common.errors import Conflict, Forbidden, InvalidState, ValidationFailed
from services.common.lifecycle import Lifecycle
from services.common.orgpath import within

PROGRAMMES = {
    "golden_ribbon": ("outstanding_work", "outstanding_team", "outstanding_individual", "outstanding_organisation"),
    "demonstration_base": ("demonstration_base",),
    "worker_pioneer": ("worker_pioneer",),
    "typical_model": ("typical_model",),
    "activity_brand": ("activity_brand",),
}
NOMINEE_KINDS = ("venue", "group", "talent", "org", "work", "brand")
NOMINEE_KIND_FOR = {
    ("golden_ribbon", "outstanding_work"): ("work",),
    ("golden_ribbon", "outstanding_team"): ("group",),
    ("golden_ribbon", "outstanding_individual"): ("talent",),
    ("golden_ribbon", "outstanding_organisation"): ("org",),
    ("demonstration_base", "demonstration_base"): ("venue",),
    ("worker_pioneer", "worker_pioneer"): ("org", "group"),
    ("typical_model", "typical_model"): ("org",),
    ("activity_brand", "activity_brand"): ("brand",),
}
# Where this service learns that a nominee exists (its copies); a work is described by its
# nomination alone and names nothing.
SOURCE_OF = {"venue": "registry events", "group": "registry events", "org": "registry events",
             "talent": "talent events", "brand": "events' activities"}
MIN_NOTICE_DAYS = 5
DEMONSTRATION_MIN_ACTIVITIES = 6   # completed at the venue in the 12 months before nominations close
BRAND_MIN_ACTIVITIES = 3           # completed under the brand in the 12 months before nominations close
LOOKBACK = timedelta(days=365)
SCORE_MIN, SCORE_MAX = 0, 100
MEAN_DECIMALS = 4                  # a published mean review score

# A cycle: open for nominations, shortlisted, under public notice, finalized; each step once.
CYCLE = Lifecycle("a cycle", {
    "open": ("shortlisted",),
    "shortlisted": ("notice",),
    "notice": ("finalized",),
    "finalized": (),
}, same_is_error=True)

# A nomination: the shortlist sorts every submitted one; an upheld objection withdraws a shortlisted
# one; finalizing grants the shortlisted ones that remain.
NOMINATION = Lifecycle("a nomination", {
    "submitted": ("shortlisted", "not_shortlisted", "ineligible"),
    "shortlisted": ("withdrawn", "granted"),
    "not_shortlisted": (),
    "ineligible": (),
    "withdrawn": (),
    "granted": (),
})

OBJECTION = Lifecycle("an objection", {
    "open": ("upheld", "dismissed"),
    "upheld": (),
    "dismissed": (),
})


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


# --- programmes, categories, nominees -------------------------------------------------------------

def check_category(programme: str, category: str) -> None:
    """``category`` is one of ``programme``'s."""
    if programme not in PROGRAMMES:
        raise ValidationFailed({"programme": [f"one of {', '.join(PROGRAMMES)}"]})
    allowed = PROGRAMMES[programme]
    if category not in allowed:
        raise ValidationFailed({"category": [f"the {programme} programme's categories are {', '.join(allowed)}"]})


def allowed_kinds(programme: str, category: str) -> tuple[str, ...]:
    check_category(programme, category)
    return NOMINEE_KIND_FOR[(programme, category)]


def check_nominee_kind(programme: str, category: str, kind: str) -> None:
    """A nominee's kind fits its category (an outstanding team is a group, a demonstration base a venue...)."""
    allowed = allowed_kinds(programme, category)
    if kind not in allowed:
        raise ValidationFailed({"nominee": {"kind": [
            f"{category} takes {' or '.join(_a(k) for k in allowed)} as its nominee; got {kind!r}"]}})


# --- eligibility ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Facts:
    """What the awards service learned from other services' events about one nominee (its copies)."""

    known: bool                                  # the ref id is in the copy
    status: str | None = None                    # a venue's status
    designations: frozenset[str] = frozenset()   # a venue's active designations (featured_base, demonstration_base)
    completed: tuple[datetime, ...] = ()         # when each completed activity (at the venue / under the brand) started
    tier: str | None = None                      # a talent's pool tier (None: not in the pool)


@dataclass(frozen=True)
class Rule:
    """One line an admin reads: which rule, whether it passed, and why."""

    rule: str
    passed: bool
    detail: str


def rule_names(programme: str, category: str) -> tuple[str, ...]:
    """The rules ``eligibility`` reports, in order, for every nominee of the category."""
    check_category(programme, category)
    extra = {"demonstration_base": ("venue open", "featured base", "activities"),
             "outstanding_individual": ("in the talent pool",),
             "activity_brand": ("activities",)}.get(category, ())
    return ("nominee kind", "known") + extra


def completed_in_window(completed: Iterable[datetime], nominations_close_at: datetime) -> int:
    """The completed activities that started in the 12 months before nominations close:
    ``[close - LOOKBACK, close)``."""
    since = nominations_close_at - LOOKBACK
    return sum(1 for t in completed if since <= t < nominations_close_at)


def _kind_rule(programme: str, category: str, kind: str) -> Rule:
    allowed = NOMINEE_KIND_FOR[(programme, category)]
    if kind in allowed:
        return Rule("nominee kind", True, f"{_a(kind)} fits {category}")
    return Rule("nominee kind", False,
                f"{category} takes {' or '.join(_a(k) for k in allowed)}; this nominee is {_a(str(kind))}")


def _known_rule(kind: str, ref_id: str | None, facts: Facts) -> Rule:
    if kind == "work":
        return Rule("known", True, "a work is described by its nomination: no reference needed")
    source = SOURCE_OF.get(kind)
    if source is None:
        return Rule("known", False, f"{kind!r} is not a kind of nominee: one of {', '.join(NOMINEE_KINDS)}")
    if ref_id is None:
        return Rule("known", False, f"{_a(kind)} nominee names its ref_id; none was given")
    if facts.known:
        return Rule("known", True, f"{kind} {ref_id} is known from {source}")
    return Rule("known", False,
                f"{kind} {ref_id} is not known from {source}: an unknown id is accepted but ineligible")


def _activities_rule(where: str, minimum: int, facts: Facts, close: datetime) -> Rule:
    found = completed_in_window(facts.completed, close)
    return Rule("activities", found >= minimum,
                f">= {minimum} completed {where} in the 12 months before {to_wire(close)} "
                f"(from {to_wire(close - LOOKBACK)}): {found} found")


def _open_rule(status: str | None) -> Rule:
    if status == "open":
        return Rule("venue open", True, "the venue is open")
    now_is = f"this one is {status}" if status is not None else "this one's status is not known"
    return Rule("venue open", False, f"a demonstration base is an open venue; {now_is}")


def eligibility(programme: str, category: str, kind: str, ref_id: str | None, facts: Facts,
                nominations_close_at: datetime) -> tuple[bool, list[Rule]]:
    """Whether the nominee is eligible, and every rule of its category checked and explained (a
    failed rule never hides the ones after it). Eligible: every rule passed."""
    check_category(programme, category)
    rules = [_kind_rule(programme, category, kind), _known_rule(kind, ref_id, facts)]
    if category == "demonstration_base":
        rules.append(_open_rule(facts.status))
        featured = "featured_base" in facts.designations
        rules.append(Rule("featured base", featured,
                          "the venue is a featured culture base" if featured else
                          "a demonstration base is chosen among featured culture bases; "
                          "this venue has no active featured_base designation"))
        rules.append(_activities_rule("at the venue", DEMONSTRATION_MIN_ACTIVITIES, facts, nominations_close_at))
    elif category == "outstanding_individual":
        rules.append(Rule("in the talent pool", facts.tier is not None,
                          f"in the talent pool as {facts.tier}" if facts.tier is not None else
                          "an outstanding individual is a talent in the talent pool; this one is not in it"))
    elif category == "activity_brand":
        rules.append(_activities_rule("under the brand", BRAND_MIN_ACTIVITIES, facts, nominations_close_at))
    return all(r.passed for r in rules), rules


# --- nominating, reviewing ------------------------------------------------------------------------

def check_window(now: datetime, opens_at: datetime, closes_at: datetime) -> None:
    """Nominations are taken in ``[opens_at, closes_at)``."""
    if now < opens_at:
        raise InvalidState(f"nominations open at {to_wire(opens_at)}")
    if now >= closes_at:
        raise InvalidState(f"nominations closed at {to_wire(closes_at)}")


def check_quota(already: int, quota: int, by_org_id: str) -> None:
    """An organisation makes at most ``quota`` nominations in a cycle."""
    if already >= quota:
        raise Conflict(f"quota of {_plural(quota, 'nomination')} per organisation reached for {by_org_id}: "
                       f"it has already made {already}")


def _as_dir(path: str) -> str:
    return path if path.endswith("/") else path + "/"


def recusal(reviewer_org_path: str | None, nominating_org_path: str, conflicts: Iterable[str] | None,
            nomination_id: str) -> list[str]:
    """Why a reviewer is recused for a nomination (empty: not recused). A reviewer is recused for a
    nomination made by their own organisation or one above it (their organisation lies in the
    nominating organisation's subtree), and for one they declared a conflict with. A reviewer from
    outside every organisation (``None``) is recused only by a declaration."""
    reasons = []
    # A path ends with "/", so /c/zs2/ never lies in /c/zs/'s subtree; a path without it is made so.
    if reviewer_org_path is not None and within(_as_dir(reviewer_org_path), _as_dir(nominating_org_path)):
        reasons.append(f"the reviewer's organisation ({reviewer_org_path}) lies in the subtree of the "
                       f"nominating organisation ({nominating_org_path})")
    declared = conflicts if isinstance(conflicts, (set, frozenset)) else set(conflicts or ())
    if nomination_id in declared:
        reasons.append(f"the reviewer declared a conflict of interest with nomination {nomination_id}")
    return reasons


def check_reviewer(reviewer_org_path: str | None, nominating_org_path: str, conflicts: Iterable[str] | None,
                   nomination_id: str) -> None:
    """``Forbidden`` for a reviewer recused for the nomination (``recusal``)."""
    reasons = recusal(reviewer_org_path, nominating_org_path, conflicts, nomination_id)
    if reasons:
        raise Forbidden(f"the reviewer is recused for nomination {nomination_id}: {'; '.join(reasons)}")


def check_score(score) -> int:
    """A review score: a whole number from 0 to 100 (not a bool, not a float)."""
    if isinstance(score, bool) or not isinstance(score, int):
        raise ValidationFailed({"score": [f"a whole number from {SCORE_MIN} to {SCORE_MAX}"]})
    if not SCORE_MIN <= score <= SCORE_MAX:
        raise ValidationFailed({"score": [f"a whole number from {SCORE_MIN} to {SCORE_MAX}; got {score}"]})
    return score


# --- the shortlist --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Ballot:
    """A nomination as the shortlist sees it: its category, eligibility, review scores (one per
    reviewer: the latest) and when it was submitted."""

    nomination_id: str
    category: str
    eligible: bool
    scores: tuple[int, ...]
    submitted_at: datetime


@dataclass(frozen=True)
class Placing:
    nomination_id: str
    category: str
    mean: float | None     # mean review score, 4 decimals (None: no review)
    reviews: int
    rank: int | None       # 1.. within the category (None: ineligible)
    shortlisted: bool


def _order_key(ballot: Ballot):
    """Higher mean (exact), unreviewed after every reviewed one, then more reviews, then the earlier
    submission, then the nomination id: a total order."""
    mean = Fraction(sum(ballot.scores), len(ballot.scores)) if ballot.scores else None
    return (mean is None, -(mean or 0), -len(ballot.scores), ballot.submitted_at, ballot.nomination_id)


def _mean(scores: tuple[int, ...]) -> float | None:
    if not scores:
        return None
    return round(sum(scores) / len(scores), MEAN_DECIMALS)


def shortlist(ballots: list[Ballot], top_n: int, categories: tuple[str, ...]) -> list[Placing]:
    """Per category (in ``categories`` order), the eligible nominations ranked by mean review score,
    the first ``top_n`` of those reviewed shortlisted; the ineligible ones follow, unranked and never
    shortlisted."""
    if isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1:
        raise ValidationFailed({"top_n": ["a whole number, at least 1"]})
    ids = [b.nomination_id for b in ballots]
    if len(set(ids)) != len(ids):
        raise ValueError("a nomination is on the shortlist's ballots once")
    stray = sorted({b.category for b in ballots} - set(categories))
    if stray:
        raise ValueError(f"ballots for categories the cycle does not have: {', '.join(stray)}")
    placings = []
    for category in categories:
        in_category = sorted((b for b in ballots if b.category == category), key=_order_key)
        eligible = [b for b in in_category if b.eligible]
        for rank, b in enumerate(eligible, start=1):
            # Shortlisted by a mean review score: a nomination nobody reviewed has none, so it is
            # ranked (last) but never shortlisted, whatever top_n.
            placings.append(Placing(b.nomination_id, category, _mean(b.scores), len(b.scores), rank,
                                    rank <= top_n and bool(b.scores)))
        for b in in_category:
            if not b.eligible:
                placings.append(Placing(b.nomination_id, category, _mean(b.scores), len(b.scores), None, False))
    return placings


# --- the public notice, objections, finalizing ----------------------------------------------------

def notice_period(days: int, starts_at: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    """The public notice's ``(starts, ends)``: at least five days from when it was posted (default
    now; never in the future)."""
    errors = {}
    if isinstance(days, bool) or not isinstance(days, int) or days < MIN_NOTICE_DAYS:
        errors["days"] = [f"a public notice runs at least {MIN_NOTICE_DAYS} days (a whole number)"]
    starts = now if starts_at is None else starts_at
    if starts > now:
        errors["starts_at"] = ["never in the future: when the notice was posted, at the latest now"]
    if errors:
        raise ValidationFailed(errors)
    return starts, starts + timedelta(days=days)


def check_objection_window(now: datetime, starts_at: datetime, ends_at: datetime) -> None:
    """Objections are filed while the notice runs: ``[starts_at, ends_at)``."""
    if now < starts_at:
        raise InvalidState(f"objections are taken once the public notice starts, at {to_wire(starts_at)}")
    if now >= ends_at:
        raise InvalidState(f"the public notice ended at {to_wire(ends_at)}: objections are no longer taken")


def check_finalize(now: datetime, ends_at: datetime, open_objections: int) -> None:
    """A cycle is finalized once its notice has ended and every objection is resolved."""
    reasons = []
    if now < ends_at:
        reasons.append(f"the public notice runs until {to_wire(ends_at)}")
    if open_objections > 0:
        reasons.append(f"{_plural(open_objections, 'objection')} still open: each is resolved first")
    if reasons:
        raise InvalidState(f"the cycle cannot be finalized yet: {'; '.join(reasons)}")


# The scorecard and the programme's targets are their own module (pure as this one).
from .scorecard import ASSESSMENT, PROGRAMME_TARGETS, assessment, programme_targets  # noqa: E402,F401
