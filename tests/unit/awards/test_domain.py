"""The awards service's rules, without I/O: the life cycles of a cycle, a nomination and an
objection, the nomination window and quota, a reviewer's recusal, what a score is, the shortlist
(each tie-break changes who comes first in a hand-computed example; the expected numbers are worked
out in the comments, never by calling the code under test), the public notice and its objections,
finalizing, the district scorecard and the programme's targets. Property: the order of the ballots
never changes the shortlist."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.awards.domain import (ASSESSMENT, CYCLE, MIN_NOTICE_DAYS, NOMINATION, OBJECTION, PROGRAMME_TARGETS,
                                    Ballot, Placing, assessment, check_finalize, check_objection_window,
                                    check_quota, check_reviewer, check_score, check_window, notice_period,
                                    programme_targets, shortlist)
from services.common.errors import Conflict, Forbidden, InvalidState, ValidationFailed

PLUS8 = timezone(timedelta(hours=8))
UTC = timezone.utc
T0 = datetime(2025, 6, 1, 9, 0, tzinfo=PLUS8)
SECOND = timedelta(seconds=1)


# --- the life cycles ------------------------------------------------------------------------------

def pairs(lifecycle):
    return [(lifecycle, a, b) for a in lifecycle.statuses for b in lifecycle.statuses]


ALLOWED = {
    "a cycle": {("open", "shortlisted"), ("shortlisted", "notice"), ("notice", "finalized")},
    "a nomination": {("submitted", "shortlisted"), ("submitted", "not_shortlisted"), ("submitted", "ineligible"),
                 ("shortlisted", "withdrawn"), ("shortlisted", "granted")},
    "an objection": {("open", "upheld"), ("open", "dismissed")},
}


def test_the_life_cycles_have_the_statuses_of_the_contract():
    assert CYCLE.statuses == ("open", "shortlisted", "notice", "finalized")
    assert NOMINATION.statuses == ("submitted", "shortlisted", "not_shortlisted", "ineligible", "withdrawn",
                                   "granted")
    assert OBJECTION.statuses == ("open", "upheld", "dismissed")


@pytest.mark.parametrize("lifecycle, current, new", pairs(CYCLE) + pairs(NOMINATION) + pairs(OBJECTION),
                         ids=lambda v: getattr(v, "noun", v))
def test_each_thing_moves_only_along_its_life_cycle(lifecycle, current, new):
    if (current, new) in ALLOWED[lifecycle.noun]:
        lifecycle.check(current, new)
    elif lifecycle is CYCLE and current == new:
        with pytest.raises(InvalidState, match=f"^the cycle is already {current}$"):
            lifecycle.check(current, new)
    else:
        with pytest.raises(InvalidState, match=f"cannot go from {current} to {new}"):
            lifecycle.check(current, new)


def test_a_refused_move_says_what_is_allowed_instead():
    with pytest.raises(InvalidState, match="^a cycle cannot go from open to notice; from open: shortlisted$"):
        CYCLE.check("open", "notice")
    with pytest.raises(InvalidState, match="from submitted: shortlisted, not_shortlisted, ineligible"):
        NOMINATION.check("submitted", "granted")
    with pytest.raises(InvalidState, match="from upheld: nothing"):
        OBJECTION.check("upheld", "dismissed")


def test_a_cycle_finalized_twice_says_it_already_is():
    with pytest.raises(InvalidState, match="the cycle is already finalized"):
        CYCLE.check("finalized", "finalized")


# --- the nomination window and the quota ----------------------------------------------------------

OPENS, CLOSES = T0, T0 + timedelta(days=30)


def test_nominations_are_taken_from_the_opening_until_just_before_the_close():
    check_window(OPENS, OPENS, CLOSES)
    check_window(CLOSES - SECOND, OPENS, CLOSES)


def test_a_nomination_before_the_window_says_when_it_opens():
    with pytest.raises(InvalidState, match=r"^nominations open at 2025-06-01T09:00:00\+08:00$"):
        check_window(OPENS - SECOND, OPENS, CLOSES)


def test_a_nomination_at_or_after_the_close_says_when_it_closed_in_platform_time():
    closes_utc = datetime(2025, 7, 1, 1, 0, tzinfo=UTC)  # 09:00 in Dalian
    for now in (closes_utc, closes_utc + timedelta(days=3)):
        with pytest.raises(InvalidState, match=r"^nominations closed at 2025-07-01T09:00:00\+08:00$"):
            check_window(now, OPENS, closes_utc)


def test_an_organisation_nominates_up_to_its_quota():
    check_quota(0, 3, "org-zs")
    check_quota(2, 3, "org-zs")


def test_the_nomination_over_the_quota_is_a_conflict_naming_the_quota():
    with pytest.raises(Conflict, match="^quota of 3 nominations per organisation reached for org-zs"):
        check_quota(3, 3, "org-zs")
    with pytest.raises(Conflict, match="^quota of 1 nomination per organisation reached for org-xg"):
        check_quota(1, 1, "org-xg")


# --- reviewers ------------------------------------------------------------------------------------

@pytest.mark.parametrize("reviewer", ["/c/zs/", "/c/zs/u1/", "/c/zs/u1/w/"])
def test_a_reviewer_from_the_nominating_organisation_or_below_it_is_recused(reviewer):
    with pytest.raises(Forbidden, match="recused for nomination n-1: the reviewer's organisation .* lies in the "
                                        "subtree of the nominating organisation"):
        check_reviewer(reviewer, "/c/zs/", frozenset(), "n-1")


@pytest.mark.parametrize("reviewer", ["/c/", "/c/xg/", "/c/zs2/", "/c/zs2/u1/", "/c/zsx/", None])
def test_a_reviewer_above_or_beside_the_nominating_organisation_reviews(reviewer):
    check_reviewer(reviewer, "/c/zs/", frozenset(), "n-1")


def test_a_sibling_whose_path_shares_a_prefix_is_not_recused_even_without_the_trailing_slash():
    check_reviewer("/c/zs2", "/c/zs", (), "n-1")
    with pytest.raises(Forbidden):
        check_reviewer("/c/zs/u1", "/c/zs", (), "n-1")


def test_a_reviewer_who_declared_a_conflict_is_recused_for_that_nomination_only():
    with pytest.raises(Forbidden, match="^the reviewer is recused for nomination n-2: the reviewer declared a "
                                        "conflict of interest with nomination n-2$"):
        check_reviewer("/c/xg/", "/c/zs/", ["n-2", "n-7"], "n-2")
    check_reviewer("/c/xg/", "/c/zs/", ["n-2", "n-7"], "n-3")
    with pytest.raises(Forbidden, match="declared a conflict"):
        check_reviewer(None, "/c/zs/", frozenset({"n-2"}), "n-2")


def test_a_reviewer_recused_on_both_counts_hears_both():
    with pytest.raises(Forbidden, match="subtree .*; the reviewer declared a conflict"):
        check_reviewer("/c/zs/u1/", "/c/zs/", ["n-1"], "n-1")


@pytest.mark.parametrize("score", [0, 1, 57, 100])
def test_a_score_is_a_whole_number_from_0_to_100(score):
    assert check_score(score) == score


@pytest.mark.parametrize("score", [-1, 101, 1000, True, False, 50.0, 99.5, "80", None, float("nan")])
def test_anything_else_is_not_a_score(score):
    with pytest.raises(ValidationFailed) as e:
        check_score(score)
    assert list(e.value.errors) == ["score"]
    assert e.value.errors["score"][0].startswith("a whole number from 0 to 100")


# --- the shortlist --------------------------------------------------------------------------------

def ballot(nid, scores, *, category="outstanding_work", eligible=True, minute=0) -> Ballot:
    return Ballot(nid, category, eligible, tuple(scores), T0 + timedelta(minutes=minute))


def order(placings: list[Placing]) -> list[str]:
    return [p.nomination_id for p in placings]


ONE = ("outstanding_work",)


def test_the_higher_mean_ranks_first_and_the_first_n_are_shortlisted():
    # A: (70 + 90) / 2 = 80; B: 85 / 1 = 85; C: (60 + 60 + 60) / 3 = 60
    result = shortlist([ballot("A", [70, 90]), ballot("B", [85]), ballot("C", [60, 60, 60])], 2, ONE)
    assert result == [Placing("B", "outstanding_work", 85.0, 1, 1, True),
                      Placing("A", "outstanding_work", 80.0, 2, 2, True),
                      Placing("C", "outstanding_work", 60.0, 3, 3, False)]


def test_on_an_equal_mean_more_reviews_rank_first():
    # A: 80 from three reviews; B: (70 + 90) / 2 = 80 from two, submitted earlier, with the smaller id
    result = shortlist([ballot("B", [70, 90], minute=0), ballot("A", [80, 80, 80], minute=5)], 1, ONE)
    assert order(result) == ["A", "B"]
    assert [p.shortlisted for p in result] == [True, False]


def test_on_an_equal_mean_and_count_the_earlier_submission_ranks_first():
    # both 80 from two reviews; B was submitted a minute before A, although A sorts first by id
    result = shortlist([ballot("A", [90, 70], minute=1), ballot("B", [80, 80], minute=0)], 1, ONE)
    assert order(result) == ["B", "A"]


def test_last_the_nomination_id_breaks_the_tie():
    # everything else equal: "n-a" before "n-b", whichever came first in the input
    for ballots in ([ballot("n-b", [75]), ballot("n-a", [75])], [ballot("n-a", [75]), ballot("n-b", [75])]):
        assert order(shortlist(ballots, 1, ONE)) == ["n-a", "n-b"]


def test_means_are_compared_exactly_and_rounded_only_in_the_result():
    # A: (80 + 80 + 81) / 3 = 241 / 3 = 80.33333...
    # B: 3333 scores of 81 and 6667 of 80 over 10000 reviews: 803333 / 10000 = 80.3333 exactly, just
    # below A; both read 80.3333, and B has more reviews: only the exact comparison puts A first
    b_scores = [81] * 3333 + [80] * 6667
    assert sum(b_scores) == 803333
    result = shortlist([ballot("B", b_scores, minute=0), ballot("A", [80, 80, 81], minute=1)], 1, ONE)
    assert order(result) == ["A", "B"]
    assert [p.mean for p in result] == [80.3333, 80.3333]
    assert [p.reviews for p in result] == [3, 10000]


def test_an_ineligible_nomination_is_never_shortlisted_whatever_its_score():
    result = shortlist([ballot("A", [100, 100], eligible=False), ballot("B", [40]), ballot("C", [30])], 1, ONE)
    assert result == [Placing("B", "outstanding_work", 40.0, 1, 1, True),
                      Placing("C", "outstanding_work", 30.0, 1, 2, False),
                      Placing("A", "outstanding_work", 100.0, 2, None, False)]


def test_a_nomination_nobody_reviewed_ranks_after_every_reviewed_one():
    # U was submitted first and sorts first by id, yet ranks after a mean of 0
    result = shortlist([ballot("U", [], minute=0), ballot("Z", [0], minute=9), ballot("Y", [55], minute=5)], 2, ONE)
    assert order(result) == ["Y", "Z", "U"]
    assert result[2] == Placing("U", "outstanding_work", None, 0, 3, False)


def test_each_category_has_its_own_ranking_in_the_cycle_s_order_of_categories():
    categories = ("outstanding_work", "outstanding_team")
    result = shortlist([ballot("T1", [70], category="outstanding_team"), ballot("W1", [60]),
                        ballot("T2", [90], category="outstanding_team"), ballot("W2", [65]),
                        ballot("T3", [99], category="outstanding_team", eligible=False)], 1, categories)
    assert [(p.category, p.nomination_id, p.rank, p.shortlisted) for p in result] == [
        ("outstanding_work", "W2", 1, True), ("outstanding_work", "W1", 2, False),
        ("outstanding_team", "T2", 1, True), ("outstanding_team", "T1", 2, False),
        ("outstanding_team", "T3", None, False)]


def test_a_category_with_no_nomination_has_no_placing():
    assert shortlist([], 3, ONE) == []


@pytest.mark.parametrize("top_n", [0, -1, True, 1.5, None])
def test_top_n_is_a_whole_number_from_one(top_n):
    with pytest.raises(ValidationFailed, match="top_n"):
        shortlist([ballot("A", [1])], top_n, ONE)


def test_a_nomination_is_placed_once():
    with pytest.raises(ValueError):
        shortlist([ballot("A", [1]), ballot("A", [2])], 1, ONE)


ballots = st.lists(
    st.builds(lambda cat, eligible, scores, minute: (cat, eligible, tuple(scores), minute),
              st.sampled_from(["outstanding_work", "outstanding_team"]), st.booleans(),
              st.lists(st.sampled_from([60, 70, 80, 90]), max_size=4), st.integers(0, 2)),
    max_size=12,
).map(lambda rows: [Ballot(f"n-{i:02d}", cat, eligible, scores, T0 + timedelta(minutes=minute))
                    for i, (cat, eligible, scores, minute) in enumerate(rows)])


@settings(max_examples=200, deadline=None)
@given(ballots=ballots, top_n=st.integers(1, 4), data=st.data())
def test_the_order_of_the_ballots_never_changes_the_shortlist(ballots, top_n, data):
    categories = ("outstanding_work", "outstanding_team")
    expected = shortlist(ballots, top_n, categories)
    assert shortlist(data.draw(st.permutations(ballots)), top_n, categories) == expected
    for category in categories:
        ranked = [p for p in expected if p.category == category and p.rank is not None]
        assert [p.rank for p in ranked] == list(range(1, len(ranked) + 1))
        reviewed = [p for p in ranked if p.reviews]
        assert sum(p.shortlisted for p in ranked) == min(top_n, len(reviewed))
    assert not any(p.shortlisted for p in expected if p.rank is None or not p.reviews)


def test_a_nomination_nobody_reviewed_is_ranked_last_and_never_shortlisted():
    placings = shortlist([ballot("A", []), ballot("B", [70])], 2, ONE)
    assert [(p.nomination_id, p.rank, p.shortlisted) for p in placings] == [("B", 1, True), ("A", 2, False)]


# --- the public notice, objections, finalizing ----------------------------------------------------

def test_a_notice_runs_at_least_five_days_from_now_by_default():
    assert MIN_NOTICE_DAYS == 5
    assert notice_period(5, None, T0) == (T0, T0 + timedelta(days=5))


def test_a_notice_may_be_recorded_as_posted_earlier():
    posted = T0 - timedelta(days=2)
    assert notice_period(7, posted, T0) == (posted, datetime(2025, 6, 6, 9, 0, tzinfo=PLUS8))
    assert notice_period(5, T0, T0) == (T0, T0 + timedelta(days=5))


@pytest.mark.parametrize("days", [4, 0, -5, 5.0, True, None])
def test_a_notice_shorter_than_five_days_is_refused(days):
    with pytest.raises(ValidationFailed) as e:
        notice_period(days, None, T0)
    assert list(e.value.errors) == ["days"]
    assert "at least 5 days" in e.value.errors["days"][0]


def test_a_notice_is_never_posted_in_the_future():
    with pytest.raises(ValidationFailed) as e:
        notice_period(5, T0 + SECOND, T0)
    assert list(e.value.errors) == ["starts_at"]
    assert e.value.errors["starts_at"][0].startswith("never in the future")


def test_a_short_notice_posted_in_the_future_hears_both():
    with pytest.raises(ValidationFailed) as e:
        notice_period(3, T0 + timedelta(days=1), T0)
    assert sorted(e.value.errors) == ["days", "starts_at"]


NOTICE_STARTS, NOTICE_ENDS = T0, T0 + timedelta(days=5)


def test_objections_are_filed_while_the_notice_runs():
    check_objection_window(NOTICE_STARTS, NOTICE_STARTS, NOTICE_ENDS)
    check_objection_window(NOTICE_ENDS - SECOND, NOTICE_STARTS, NOTICE_ENDS)


def test_an_objection_before_the_notice_or_once_it_ended_is_refused():
    with pytest.raises(InvalidState, match=r"once the public notice starts, at 2025-06-01T09:00:00\+08:00"):
        check_objection_window(NOTICE_STARTS - SECOND, NOTICE_STARTS, NOTICE_ENDS)
    with pytest.raises(InvalidState, match=r"^the public notice ended at 2025-06-06T09:00:00\+08:00"):
        check_objection_window(NOTICE_ENDS, NOTICE_STARTS, NOTICE_ENDS)


def test_a_cycle_is_finalized_once_the_notice_ended_and_no_objection_is_open():
    check_finalize(NOTICE_ENDS, NOTICE_ENDS, 0)
    check_finalize(NOTICE_ENDS + timedelta(days=10), NOTICE_ENDS, 0)


def test_finalizing_before_the_notice_ends_says_when_it_ends():
    with pytest.raises(InvalidState, match=r"^the cycle cannot be finalized yet: the public notice runs until "
                                           r"2025-06-06T09:00:00\+08:00$"):
        check_finalize(NOTICE_ENDS - SECOND, NOTICE_ENDS, 0)


def test_finalizing_with_open_objections_says_how_many():
    with pytest.raises(InvalidState, match="2 objections still open"):
        check_finalize(NOTICE_ENDS, NOTICE_ENDS, 2)
    with pytest.raises(InvalidState, match="1 objection still open"):
        check_finalize(NOTICE_ENDS, NOTICE_ENDS, 1)
    with pytest.raises(InvalidState, match="runs until .*; 3 objections still open"):
        check_finalize(NOTICE_ENDS - SECOND, NOTICE_ENDS, 3)


# --- the scorecard and the targets ----------------------------------------------------------------

def test_the_scorecard_s_weights_sum_to_100():
    assert sum(weight for _, _, weight in ASSESSMENT) == 100


def points(card: dict) -> dict[str, float]:
    return {i["indicator"]: i["points"] for i in card["items"]}


def test_the_scorecard_by_hand():
    card = assessment({"featured_bases": 3, "demonstration_bases": 2, "activities_held": 7,
                       "participants": 250, "talents": 7, "awards": 0})
    assert points(card) == {
        "featured_bases": 12.0,       # 20 × 3/5
        "demonstration_bases": 10.0,  # 10 × min(2/1, 1): beyond the target counts no more
        "activities_held": 5.83,      # 20 × 7/24 = 5.8333...
        "participants": 10.0,         # 20 × 250/500
        "talents": 10.5,              # 15 × 7/10
        "awards": 0.0,                # 15 × 0/3
    }
    assert card["score"] == 48.33     # 12 + 10 + 5.83 + 10 + 10.5 + 0
    first = card["items"][0]
    assert first == {"indicator": "featured_bases", "value": 3, "target": 5, "weight": 20, "points": 12.0,
                     "how": first["how"]}
    assert "20" in first["how"] and "3 / 5" in first["how"]


def test_the_score_is_the_sum_of_the_points_as_shown():
    # 20 × 1/24 = 0.8333 -> 0.83; 20 × 1/500 = 0.04; 15 × 1/3 = 5.0: 5.87
    card = assessment({"activities_held": 1, "participants": 1, "awards": 1})
    assert card["score"] == 5.87
    assert round(sum(points(card).values()), 2) == card["score"]


def test_a_district_that_met_every_target_scores_100_and_one_with_nothing_scores_0():
    everything = assessment({"featured_bases": 9, "demonstration_bases": 1, "activities_held": 24,
                             "participants": 2000, "talents": 10, "awards": 3})
    assert everything["score"] == 100.0
    nothing = assessment({})
    assert nothing["score"] == 0.0
    assert [i["value"] for i in nothing["items"]] == [0] * 6


def test_a_count_is_a_whole_number_from_zero():
    with pytest.raises(ValueError):
        assessment({"talents": -1})
    with pytest.raises(ValueError):
        programme_targets({"featured_bases": 2.5})


def test_the_programme_s_targets_by_hand():
    assert dict(PROGRAMME_TARGETS)["featured_bases"] == 50
    report = programme_targets({"featured_bases": 46, "excellent_teams": 20, "typical_models": 3,
                                "activity_brands": 12})
    assert report == {"met": False, "items": [
        {"batch": "featured_bases", "value": 46, "target": 50, "progress": 0.92, "met": False},
        {"batch": "excellent_teams", "value": 20, "target": 20, "progress": 1.0, "met": True},
        {"batch": "typical_models", "value": 3, "target": 10, "progress": 0.3, "met": False},
        {"batch": "activity_brands", "value": 12, "target": 10, "progress": 1.2, "met": True},
    ]}


def test_the_programme_is_met_when_every_batch_is():
    assert programme_targets({"featured_bases": 50, "excellent_teams": 21, "typical_models": 10,
                              "activity_brands": 10})["met"] is True
    assert programme_targets({})["met"] is False
