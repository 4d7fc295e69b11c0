"""A nominee's eligibility, without I/O: the demonstration-base rule exactly (open, featured, six
completed activities in the twelve months before nominations close, the window's two edges), the
talent pool, a brand's activities, a work that names nothing, a nominee of the wrong kind; every
rule of a category is reported whether it passed or not. Properties: the order of the completed
activities never matters, and one more activity in the window never costs a venue its eligibility."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.awards.domain import (BRAND_MIN_ACTIVITIES, DEMONSTRATION_MIN_ACTIVITIES, LOOKBACK,
                                    NOMINEE_KIND_FOR, NOMINEE_KINDS, PROGRAMMES, Facts, Rule, check_category,
                                    check_nominee_kind, eligibility, rule_names)
from services.common.errors import ValidationFailed

PLUS8 = timezone(timedelta(hours=8))
CLOSE = datetime(2025, 9, 30, 17, 0, tzinfo=PLUS8)   # nominations close
SINCE = CLOSE - LOOKBACK                               # 2024-09-30T17:00:00+08:00
SECOND = timedelta(seconds=1)


def days_before(*days: int) -> tuple[datetime, ...]:
    return tuple(CLOSE - timedelta(days=d) for d in days)


FIVE = days_before(10, 40, 80, 150, 300)  # all inside the window


def venue(completed=FIVE, status="open", designations=("featured_base",), known=True) -> Facts:
    return Facts(known=known, status=status, designations=frozenset(designations), completed=tuple(completed))


def base(facts: Facts, ref_id: str | None = "v-1", kind: str = "venue"):
    return eligibility("demonstration_base", "demonstration_base", kind, ref_id, facts, CLOSE)


def by_rule(rules: list[Rule]) -> dict[str, Rule]:
    return {r.rule: r for r in rules}


def failed(rules: list[Rule]) -> list[str]:
    return [r.rule for r in rules if not r.passed]


DEMONSTRATION_RULES = ["nominee kind", "known", "venue open", "featured base", "activities"]


# --- the demonstration base ---------------------------------------------------------------------

def test_the_rule_asks_for_six_activities():
    assert DEMONSTRATION_MIN_ACTIVITIES == 6 and BRAND_MIN_ACTIVITIES == 3
    assert LOOKBACK == timedelta(days=365)


def test_an_open_featured_venue_with_five_completed_activities_is_not_yet_eligible():
    eligible, rules = base(venue(FIVE))
    assert not eligible
    assert failed(rules) == ["activities"]
    assert by_rule(rules)["activities"].detail.endswith(": 5 found")
    assert ">= 6 completed at the venue in the 12 months before 2025-09-30T17:00:00+08:00" in \
        by_rule(rules)["activities"].detail


def test_the_sixth_completed_activity_makes_it_eligible():
    eligible, rules = base(venue(FIVE + days_before(200)))
    assert eligible
    assert all(r.passed for r in rules)
    assert by_rule(rules)["activities"].detail.endswith(": 6 found")
    assert [r.rule for r in rules] == DEMONSTRATION_RULES


def test_an_activity_just_before_the_twelve_months_does_not_count():
    eligible, rules = base(venue(FIVE + (SINCE - SECOND,)))
    assert not eligible
    assert by_rule(rules)["activities"].detail.endswith(": 5 found")


def test_an_activity_on_the_first_instant_of_the_twelve_months_counts():
    assert base(venue(FIVE + (SINCE,)))[0]


@pytest.mark.parametrize("when", [CLOSE, CLOSE + SECOND, CLOSE + timedelta(days=30)])
def test_an_activity_at_or_after_the_close_does_not_count(when):
    eligible, rules = base(venue(FIVE + (when,)))
    assert not eligible
    assert by_rule(rules)["activities"].detail.endswith(": 5 found")


def test_an_activity_just_before_the_close_counts():
    assert base(venue(FIVE + (CLOSE - SECOND,)))[0]


def test_the_window_is_measured_in_instants_whatever_the_offset():
    # 2024-09-30T09:00:00Z is 17:00 in Dalian: the first instant of the window
    assert base(venue(FIVE + (datetime(2024, 9, 30, 9, 0, tzinfo=timezone.utc),)))[0]
    assert not base(venue(FIVE + (datetime(2024, 9, 30, 8, 59, 59, tzinfo=timezone.utc),)))[0]


SIX = FIVE + days_before(200)


@pytest.mark.parametrize("facts, rule, says", [
    (venue(SIX, designations=()), "featured base", "no active featured_base designation"),
    (venue(SIX, designations=("demonstration_base",)), "featured base", "no active featured_base designation"),
    (venue(SIX, status="suspended"), "venue open", "this one is suspended"),
    (venue(SIX, status=None), "venue open", "status is not known"),
    (venue(SIX, known=False), "known", ("venue v-1 is not known from registry events: an unknown id is accepted "
                                         "but ineligible")),
])
def test_each_missing_condition_fails_its_own_rule_and_every_other_rule_is_still_reported(facts, rule, says):
    eligible, rules = base(facts)
    assert not eligible
    assert [r.rule for r in rules] == DEMONSTRATION_RULES
    assert failed(rules) == [rule]
    assert says in by_rule(rules)[rule].detail


def test_an_unknown_venue_is_ineligible_and_every_rule_still_explains_itself():
    eligible, rules = base(Facts(known=False), ref_id="v-404")
    assert not eligible
    assert [r.rule for r in rules] == DEMONSTRATION_RULES
    assert failed(rules) == ["known", "venue open", "featured base", "activities"]
    assert by_rule(rules)["known"].detail.startswith("venue v-404 is not known from registry events")
    assert by_rule(rules)["activities"].detail.endswith(": 0 found")


def test_a_known_venue_reads_where_it_was_learned():
    assert by_rule(base(venue(SIX))[1])["known"].detail == "venue v-1 is known from registry events"


def test_a_venue_nominee_without_a_ref_is_ineligible():
    eligible, rules = base(venue(SIX), ref_id=None)
    assert not eligible and failed(rules) == ["known"]
    assert "names its ref_id" in by_rule(rules)["known"].detail


def test_a_suspended_unfeatured_venue_fails_every_rule_it_breaks_at_once():
    eligible, rules = base(venue(FIVE, status="suspended", designations=()))
    assert not eligible
    assert failed(rules) == ["venue open", "featured base", "activities"]


# --- the talent pool, brands, works --------------------------------------------------------------

def individual(facts: Facts, ref_id: str | None = "t-1"):
    return eligibility("golden_ribbon", "outstanding_individual", "talent", ref_id, facts, CLOSE)


def test_an_outstanding_individual_is_a_talent_in_the_pool():
    eligible, rules = individual(Facts(known=True, tier="top_talent"))
    assert eligible
    assert [r.rule for r in rules] == ["nominee kind", "known", "in the talent pool"]
    assert by_rule(rules)["in the talent pool"].detail == "in the talent pool as top_talent"
    assert by_rule(rules)["known"].detail == "talent t-1 is known from talent events"


def test_a_talent_outside_the_pool_is_ineligible():
    eligible, rules = individual(Facts(known=True, tier=None))
    assert not eligible and failed(rules) == ["in the talent pool"]


def test_an_unknown_talent_fails_both_rules():
    eligible, rules = individual(Facts(known=False))
    assert not eligible and failed(rules) == ["known", "in the talent pool"]


def brand(completed, known=True):
    return eligibility("activity_brand", "activity_brand", "brand", "b-may-song",
                       Facts(known=known, completed=tuple(completed)), CLOSE)


def test_a_brand_needs_three_completed_activities_in_the_twelve_months():
    eligible, rules = brand(days_before(5, 100))
    assert not eligible and failed(rules) == ["activities"]
    assert by_rule(rules)["activities"].detail.startswith(">= 3 completed under the brand")
    assert by_rule(rules)["activities"].detail.endswith(": 2 found")
    eligible, rules = brand(days_before(5, 100, 364))
    assert eligible and [r.rule for r in rules] == ["nominee kind", "known", "activities"]
    assert by_rule(rules)["known"].detail == "brand b-may-song is known from events' activities"


def test_a_brand_activity_outside_the_window_does_not_count():
    assert not brand(days_before(5, 100) + (SINCE - SECOND, CLOSE))[0]


def test_an_outstanding_work_needs_no_reference():
    eligible, rules = eligibility("golden_ribbon", "outstanding_work", "work", None, Facts(known=False), CLOSE)
    assert eligible
    assert [r.rule for r in rules] == ["nominee kind", "known"]
    assert "no reference needed" in by_rule(rules)["known"].detail


@pytest.mark.parametrize("programme, category, kind", [
    ("golden_ribbon", "outstanding_team", "group"),
    ("golden_ribbon", "outstanding_organisation", "org"),
    ("worker_pioneer", "worker_pioneer", "org"),
    ("worker_pioneer", "worker_pioneer", "group"),
    ("typical_model", "typical_model", "org"),
])
def test_the_other_categories_ask_only_that_the_nominee_is_known(programme, category, kind):
    assert eligibility(programme, category, kind, "x-1", Facts(known=True), CLOSE) == (True, [
        Rule("nominee kind", True, f"a{'n' if kind == 'org' else ''} {kind} fits {category}"),
        Rule("known", True, f"{kind} x-1 is known from registry events")])
    eligible, rules = eligibility(programme, category, kind, "x-1", Facts(known=False), CLOSE)
    assert not eligible and failed(rules) == ["known"]


# --- the nominee's kind -------------------------------------------------------------------------

def test_a_nominee_of_the_wrong_kind_fails_that_rule_and_the_category_s_rules_are_still_reported():
    eligible, rules = base(venue(SIX), kind="group")
    assert not eligible
    assert [r.rule for r in rules] == DEMONSTRATION_RULES
    assert "nominee kind" in failed(rules)
    assert by_rule(rules)["nominee kind"].detail == "demonstration_base takes a venue; this nominee is a group"


def test_check_nominee_kind_refuses_a_kind_the_category_does_not_take():
    check_nominee_kind("worker_pioneer", "worker_pioneer", "org")
    check_nominee_kind("worker_pioneer", "worker_pioneer", "group")
    with pytest.raises(ValidationFailed) as e:
        check_nominee_kind("golden_ribbon", "outstanding_team", "talent")
    assert e.value.errors == {"nominee": {"kind": ["outstanding_team takes a group as its nominee; got 'talent'"]}}
    with pytest.raises(ValidationFailed) as e:
        check_nominee_kind("worker_pioneer", "worker_pioneer", "venue")
    assert "an org or a group" in e.value.errors["nominee"]["kind"][0]


def test_a_category_belongs_to_its_programme():
    for programme, categories in PROGRAMMES.items():
        for category in categories:
            check_category(programme, category)
    with pytest.raises(ValidationFailed) as e:
        check_category("golden_ribbon", "demonstration_base")
    assert e.value.errors == {"category": [("the golden_ribbon programme's categories are outstanding_work, "
                                            "outstanding_team, outstanding_individual, outstanding_organisation")]}
    with pytest.raises(ValidationFailed) as e:
        check_category("best_singer", "best_singer")
    assert list(e.value.errors) == ["programme"]


# --- every rule, every time ----------------------------------------------------------------------

EXPECTED_RULES = {
    "outstanding_work": ["nominee kind", "known"],
    "outstanding_team": ["nominee kind", "known"],
    "outstanding_individual": ["nominee kind", "known", "in the talent pool"],
    "outstanding_organisation": ["nominee kind", "known"],
    "demonstration_base": DEMONSTRATION_RULES,
    "worker_pioneer": ["nominee kind", "known"],
    "typical_model": ["nominee kind", "known"],
    "activity_brand": ["nominee kind", "known", "activities"],
}


@pytest.mark.parametrize("facts", [Facts(known=False), Facts(known=True, status="open", tier="backbone",
                                                             designations=frozenset({"featured_base"}),
                                                             completed=SIX)])
@pytest.mark.parametrize("kind", NOMINEE_KINDS)
@pytest.mark.parametrize("programme, category", list(NOMINEE_KIND_FOR))
def test_every_result_lists_every_rule_of_its_category(programme, category, kind, facts):
    eligible, rules = eligibility(programme, category, kind, "x-1", facts, CLOSE)
    assert [r.rule for r in rules] == EXPECTED_RULES[category] == list(rule_names(programme, category))
    assert eligible == all(r.passed for r in rules)
    assert all(r.detail for r in rules)
    assert by_rule(rules)["nominee kind"].passed == (kind in NOMINEE_KIND_FOR[(programme, category)])


# --- properties ---------------------------------------------------------------------------------

HOUR = timedelta(hours=1)
around_the_window = st.lists(st.integers(min_value=-400 * 24, max_value=30 * 24), max_size=12).map(
    lambda hours: tuple(CLOSE + h * HOUR for h in hours))
inside_the_window = st.integers(min_value=0, max_value=int(LOOKBACK.total_seconds()) - 1).map(
    lambda s: SINCE + timedelta(seconds=s))
venues = st.builds(venue, completed=around_the_window, status=st.sampled_from(["open", "suspended", None]),
                   designations=st.sampled_from([(), ("featured_base",), ("featured_base", "demonstration_base")]),
                   known=st.booleans())


@settings(max_examples=200, deadline=None)
@given(facts=venues, data=st.data())
def test_the_order_of_the_completed_activities_never_changes_the_outcome(facts, data):
    shuffled = Facts(known=facts.known, status=facts.status, designations=facts.designations,
                     completed=tuple(data.draw(st.permutations(facts.completed))))
    assert base(shuffled) == base(facts)
    as_brand = brand(facts.completed, known=facts.known)
    assert brand(shuffled.completed, known=facts.known) == as_brand


@settings(max_examples=200, deadline=None)
@given(facts=venues, one_more=inside_the_window)
def test_one_more_activity_in_the_window_never_makes_an_eligible_venue_ineligible(facts, one_more):
    more = Facts(known=facts.known, status=facts.status, designations=facts.designations,
                 completed=facts.completed + (one_more,))
    if base(facts)[0]:
        assert base(more)[0]
    if brand(facts.completed)[0]:
        assert brand(more.completed)[0]
