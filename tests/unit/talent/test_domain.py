"""The talent service's rules, without I/O: the life cycles of a round and of a candidate, the
panel, a score sheet, a round's outcome for a candidate, admission to the pool, raising a tier, the
nomination window and the order in which rounds open."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.common.errors import InvalidState, NotFound, ValidationFailed
from services.common.vocabulary import ART_FIELDS
from services.talent import domain
from services.talent.domain import (CANDIDATE, ROUND, TIERS, Criterion, Judge, check_admission, check_nomination_open,
                                    check_panel, check_round_order, check_scores, check_tier_raise, next_status)

PLUS8 = timezone(timedelta(hours=8))
UTC = timezone.utc
CRITERIA = [Criterion("technique", 40), Criterion("expression", 30), Criterion("originality", 30)]


def judges(*ids: str) -> list[Judge]:
    return [Judge(i, None, frozenset()) for i in ids]


def errors(raised: pytest.ExceptionInfo) -> dict:
    """What the caller reads: a ValidationFailed's message is JSON."""
    return json.loads(str(raised.value))


def test_the_vocabulary_is_the_contracts():
    assert domain.FIELDS == ART_FIELDS
    assert domain.CHANNELS == ("recommendation", "self", "audition")
    assert domain.TIERS == ("backbone", "top_talent", "leading_figure")
    assert domain.NORMALISE == ("none", "zscore")
    assert (domain.MIN_PANEL, domain.MIN_SCORES, domain.TRIM_FROM) == (3, 3, 5)
    assert (domain.SCORE_MIN, domain.SCORE_MAX) == (0, 100)


# --- the round life cycle -----------------------------------------------------------------------

ROUND_ALLOWED = {("pending", "open"), ("open", "closed")}


@pytest.mark.parametrize("new", ROUND.statuses)
@pytest.mark.parametrize("current", ROUND.statuses)
def test_a_round_moves_only_along_its_life_cycle(current, new):
    if (current, new) in ROUND_ALLOWED:
        ROUND.check(current, new)
    elif current == new:
        with pytest.raises(InvalidState, match=f"the round is already {current}"):
            ROUND.check(current, new)
    else:
        with pytest.raises(InvalidState, match=f"from {current} to {new}"):
            ROUND.check(current, new)


def test_a_round_cannot_reopen_once_closed():
    with pytest.raises(InvalidState, match="from closed: nothing"):
        ROUND.check("closed", "open")


def test_a_round_cannot_skip_being_open():
    with pytest.raises(InvalidState, match="from pending: open"):
        ROUND.check("pending", "closed")


# --- the candidate life cycle -------------------------------------------------------------------

CANDIDATE_ALLOWED = {
    ("nominated", "screened_in"), ("nominated", "screened_out"),
    ("screened_in", "advanced"), ("screened_in", "eliminated"), ("screened_in", "finalist"),
    ("advanced", "advanced"), ("advanced", "eliminated"), ("advanced", "finalist"),
    ("finalist", "admitted"),
}


def test_the_candidate_statuses_are_these():
    assert CANDIDATE.statuses == ("nominated", "screened_in", "screened_out", "advanced", "eliminated", "finalist",
                                  "admitted")


@pytest.mark.parametrize("new", CANDIDATE.statuses)
@pytest.mark.parametrize("current", CANDIDATE.statuses)
def test_a_candidate_moves_only_along_its_life_cycle(current, new):
    if (current, new) in CANDIDATE_ALLOWED:
        CANDIDATE.check(current, new)
    else:
        with pytest.raises(InvalidState, match=f"a candidate cannot go from {current} to {new}"):
            CANDIDATE.check(current, new)


def test_a_candidate_advances_again_in_each_later_round():
    CANDIDATE.check("screened_in", "advanced")   # round 1
    CANDIDATE.check("advanced", "advanced")      # round 2
    CANDIDATE.check("advanced", "finalist")      # the last round


@pytest.mark.parametrize("final", ["screened_out", "eliminated", "admitted"])
def test_screened_out_eliminated_and_admitted_are_final(final):
    for new in CANDIDATE.statuses:
        with pytest.raises(InvalidState, match=f"from {final}: nothing"):
            CANDIDATE.check(final, new)


def test_a_candidate_not_screened_in_cannot_take_part_in_a_round():
    with pytest.raises(InvalidState, match="from nominated: screened_in, screened_out"):
        CANDIDATE.check("nominated", "advanced")


@pytest.mark.parametrize("is_last, advanced, status", [
    (False, True, "advanced"), (True, True, "finalist"), (False, False, "eliminated"), (True, False, "eliminated")])
def test_a_closed_round_moves_each_candidate_on_or_out(is_last, advanced, status):
    assert next_status(is_last, advanced) == status


# --- the panel ----------------------------------------------------------------------------------

def test_a_panel_of_three_distinct_judges_is_accepted():
    check_panel(judges("j1", "j2", "j3"))
    check_panel(judges("j1", "j2", "j3", "j4", "j5"))


@pytest.mark.parametrize("ids", [(), ("j1",), ("j1", "j2")])
def test_a_panel_of_fewer_than_three_judges_is_refused(ids):
    with pytest.raises(ValidationFailed) as raised:
        check_panel(judges(*ids))
    assert errors(raised) == {"judges": [f"a panel has at least three judges; this one has {len(ids)}"]}


def test_a_judge_listed_twice_is_refused_and_is_not_counted_twice():
    with pytest.raises(ValidationFailed) as raised:
        check_panel(judges("j1", "j2", "j1"))
    assert errors(raised) == {"judges": ["each judge sits on the panel once; listed more than once: j1",
                                         "a panel has at least three judges; this one has 2"]}
    with pytest.raises(ValidationFailed, match="listed more than once: j1"):
        check_panel(judges("j1", "j2", "j3", "j1"))


# --- a score sheet -------------------------------------------------------------------------------

def test_a_sheet_with_exactly_the_rounds_criteria_is_accepted_as_floats_in_their_order():
    assert check_scores(CRITERIA, {"originality": 100, "technique": 0, "expression": 72.5}) == {
        "technique": 0.0, "expression": 72.5, "originality": 100.0}


def test_a_sheet_names_every_missing_unknown_and_out_of_range_criterion():
    with pytest.raises(ValidationFailed) as raised:
        check_scores(CRITERIA, {"technique": 101, "expression": -1, "charisma": 90})
    assert errors(raised) == {"scores": {
        "technique": ["a number from 0 to 100; got 101"],
        "expression": ["a number from 0 to 100; got -1"],
        "originality": ["missing: this round scores technique, expression, originality"],
        "charisma": ["not a criterion of this round; its criteria are technique, expression, originality"],
    }}


@pytest.mark.parametrize("bad", [True, False, "80", None, [80], {"value": 80}])
def test_a_score_is_a_number_not_a_boolean_or_a_string(bad):
    with pytest.raises(ValidationFailed) as raised:
        check_scores(CRITERIA, {"technique": bad, "expression": 80, "originality": 80})
    assert errors(raised) == {"scores": {"technique": ["a number from 0 to 100"]}}


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf"), 100.0001, -0.0001, 10 ** 400])
def test_a_score_outside_0_to_100_is_refused(bad):
    with pytest.raises(ValidationFailed, match="technique"):
        check_scores(CRITERIA, {"technique": bad, "expression": 80, "originality": 80})


def test_scores_that_are_not_an_object_are_refused():
    with pytest.raises(ValidationFailed) as raised:
        check_scores(CRITERIA, [80, 80, 80])
    assert list(errors(raised)) == ["scores"]


@given(st.fixed_dictionaries({c.name: st.one_of(st.integers(0, 100), st.floats(0, 100)) for c in CRITERIA}))
def test_any_number_from_0_to_100_is_a_score(scores):
    assert check_scores(CRITERIA, scores) == {name: float(value) for name, value in scores.items()}


# --- the pool -------------------------------------------------------------------------------------

def test_only_a_finalist_is_admitted_to_the_pool():
    check_admission("finalist")
    for status in CANDIDATE.statuses:
        if status != "finalist":
            with pytest.raises(InvalidState, match=f"only a finalist .* this candidate is {status}"):
                check_admission(status)


@pytest.mark.parametrize("new", TIERS)
@pytest.mark.parametrize("current", TIERS)
def test_a_tier_only_rises(current, new):
    if TIERS.index(new) > TIERS.index(current):
        check_tier_raise(current, new)
    elif new == current:
        with pytest.raises(InvalidState, match=f"already {current}"):
            check_tier_raise(current, new)
    else:
        with pytest.raises(InvalidState, match=f"only rises: {new} is below"):
            check_tier_raise(current, new)


def test_an_unknown_tier_is_refused_as_input():
    with pytest.raises(ValidationFailed) as raised:
        check_tier_raise("backbone", "legend")
    assert errors(raised) == {"tier": ["one of backbone, top_talent, leading_figure"]}


# --- the nomination window --------------------------------------------------------------------------

CLOSES = datetime(2025, 4, 30, 18, 0, tzinfo=PLUS8)


def test_nominations_are_taken_until_the_closing_time():
    check_nomination_open(CLOSES - timedelta(microseconds=1), CLOSES)
    check_nomination_open(CLOSES - timedelta(days=60), CLOSES)


@pytest.mark.parametrize("late", [timedelta(0), timedelta(seconds=1), timedelta(days=3)])
def test_nominations_are_refused_from_the_closing_time_on(late):
    with pytest.raises(InvalidState, match=r"nominations closed at 2025-04-30T18:00:00\+08:00"):
        check_nomination_open(CLOSES + late, CLOSES)


def test_the_window_compares_instants_not_wall_clocks():
    # 09:59Z is 17:59 in Shanghai: still open; 10:00Z is the closing instant.
    check_nomination_open(datetime(2025, 4, 30, 9, 59, tzinfo=UTC), CLOSES)
    with pytest.raises(InvalidState, match=r"\+08:00"):
        check_nomination_open(datetime(2025, 4, 30, 10, 0, tzinfo=UTC), CLOSES)


@given(st.datetimes(timezones=st.just(UTC)), st.datetimes(timezones=st.just(UTC)))
def test_nominations_are_open_exactly_before_the_closing_time(now, closes):
    if now < closes:
        check_nomination_open(now, closes)
    else:
        with pytest.raises(InvalidState):
            check_nomination_open(now, closes)


# --- the order of rounds ----------------------------------------------------------------------------

def test_the_first_round_opens_without_waiting():
    check_round_order(["pending", "pending", "pending"], 1)


def test_a_round_opens_once_every_earlier_round_is_closed():
    check_round_order(["closed", "pending", "pending"], 2)
    check_round_order(["closed", "closed", "pending"], 3)


def test_a_round_waits_for_every_earlier_round_and_says_which():
    with pytest.raises(InvalidState) as raised:
        check_round_order(["open", "pending", "pending"], 3)
    assert str(raised.value) == ("round 3 opens only when every earlier round has closed: "
                                 "round 1 is open; round 2 is pending")
    with pytest.raises(InvalidState, match="round 1 is open$"):
        check_round_order(["open", "pending"], 2)


@pytest.mark.parametrize("number", [0, 4])
def test_a_round_the_campaign_does_not_have_is_not_found(number):
    with pytest.raises(NotFound, match=f"no round {number}"):
        check_round_order(["closed", "closed", "pending"], number)
