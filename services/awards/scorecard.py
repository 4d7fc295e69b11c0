"""The assessment 考核激励机制 of a district federation and the programme's targets ("四个一批"), as
plain Python: counts in, a scorecard out (points per indicator, how each was computed, the score).
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction


# The yearly scorecard of a district federation (考核激励机制): indicator, target per district per
# year, weight (the weights sum to 100).
ASSESSMENT = (
    ("featured_bases", 5, 20),
    ("demonstration_bases", 1, 10),
    ("activities_held", 24, 20),
    ("participants", 500, 20),
    ("talents", 10, 15),
    ("awards", 3, 15),
)
# The programme's targets ("四个一批"): a batch of featured bases, excellent teams, typical models and
# activity brands.
PROGRAMME_TARGETS = (("featured_bases", 50), ("excellent_teams", 20), ("typical_models", 10), ("activity_brands", 10))

_CENT = Decimal("0.01")


def _count_of(counts: dict[str, int], name: str) -> int:
    value = counts.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} is a count (a whole number, at least 0); got {value!r}")
    return value


def _two_places(x: Fraction) -> Decimal:
    return (Decimal(x.numerator) / Decimal(x.denominator)).quantize(_CENT, rounding=ROUND_HALF_UP)


def assessment(counts: dict[str, int]) -> dict:
    """The scorecard: per indicator, ``points = weight × min(value / target, 1)`` (2 decimals); the
    score is the sum of the points as shown (0..100). A missing count is 0; other keys are ignored."""
    items, score = [], Decimal(0)
    for indicator, target, weight in ASSESSMENT:
        value = _count_of(counts, indicator)
        points = _two_places(weight * min(Fraction(value, target), Fraction(1)))
        score += points
        items.append({"indicator": indicator, "value": value, "target": target, "weight": weight,
                      "points": float(points),
                      "how": f"{weight} × min({value} / {target}, 1) = {points}"})
    return {"items": items, "score": float(score)}


def programme_targets(counts: dict[str, int]) -> dict:
    """The "四个一批" progress: per batch, its count against its target (progress = value / target, 4
    decimals, beyond 1 once exceeded); met when every batch is. A missing count is 0."""
    items = []
    for batch, target in PROGRAMME_TARGETS:
        value = _count_of(counts, batch)
        items.append({"batch": batch, "value": value, "target": target,
                      "progress": round(value / target, 4), "met": value >= target})
    return {"items": items, "met": all(i["met"] for i in items)}
