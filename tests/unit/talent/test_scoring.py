"""A round's scoring, without I/O: weights, recusal, trimming, the tie-breaks, per-judge z-scores and
advancement each change who wins in a hand-computed example (the expected numbers are worked out in
the comments, never by calling the code under test); and properties: the order of the panel and of
the sheets never matters, a replaced score counts once, z-scores keep each judge's own order."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.common.errors import Forbidden, InvalidState
from services.talent.domain import (MIN_SCORES, Criterion, Entrant, Judge, Result, Sheet, check_may_score,
                                    is_recused, median, rank_round, short_of_scores, trimmed_mean, weighted,
                                    zscores)

PLUS8 = timezone(timedelta(hours=8))
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=PLUS8)
ONE = [Criterion("overall", 1.0)]  # one criterion: a sheet's weighted score is its score
TOP1 = {"top": 1}


def entrant(cid: str, field: str = "music", org: str = "unit-a", minute: int = 0) -> Entrant:
    return Entrant(cid, field, org, T0 + timedelta(minutes=minute))


def judge(jid: str, org: str | None = None, conflicts=()) -> Judge:
    return Judge(jid, org, frozenset(conflicts))


def panel(n: int) -> list[Judge]:
    return [judge(f"j{i}") for i in range(1, n + 1)]


def sheets(table: dict[str, dict[str, float]]) -> list[Sheet]:
    """{judge: {candidate: overall score}} as sheets on the one-criterion round."""
    return [Sheet(j, c, {"overall": s}) for j, row in table.items() for c, s in row.items()]


def order(results: list[Result]) -> list[str]:
    return [r.candidate_id for r in results]


def by_id(results: list[Result]) -> dict[str, Result]:
    return {r.candidate_id: r for r in results}


# --- the building blocks, by hand ------------------------------------------------------------------

def test_a_weighted_score_is_the_weighted_average_of_the_criteria():
    criteria = [Criterion("technique", 40), Criterion("expression", 30), Criterion("originality", 30)]
    # (40*80 + 30*90 + 30*70) / 100 = (3200 + 2700 + 2100) / 100 = 80
    assert weighted(criteria, {"technique": 80, "expression": 90, "originality": 70}) == 80.0
    # weights need not sum to 100: (2*90 + 1*60) / 3 = 240 / 3 = 80
    assert weighted([Criterion("a", 2), Criterion("b", 1)], {"a": 90, "b": 60}) == 80.0


def test_five_or_more_scores_drop_one_highest_and_one_lowest():
    assert trimmed_mean([70, 72, 74, 76, 100]) == 74.0          # (72 + 74 + 76) / 3
    assert trimmed_mean([10, 0, 100, 50, 50, 50]) == 40.0       # (10 + 50 + 50 + 50) / 4


def test_three_or_four_scores_take_the_plain_mean():
    assert trimmed_mean([5, 6, 7]) == 6.0
    assert trimmed_mean([1, 2, 3, 10]) == 4.0                   # 16 / 4: nothing dropped


def test_fewer_than_three_scores_have_no_round_score():
    with pytest.raises(ValueError):
        trimmed_mean([90, 80])
    with pytest.raises(ValueError):
        trimmed_mean([])


def test_the_median_of_an_odd_and_an_even_number_of_values():
    assert median([3, 1, 2]) == 2.0
    assert median([4, 1, 3, 2]) == 2.5


def test_z_scores_centre_and_scale_each_judge_separately():
    # harsh: mean 50, deviations 7, 1, -1, -7, pstdev sqrt((49+1+1+49)/4) = 5
    # lenient: mean 70, deviations 28, 4, -4, -28, pstdev sqrt((784+16+16+784)/4) = 20
    z = zscores({"harsh": {"a": 57, "b": 51, "c": 49, "d": 43},
                 "lenient": {"a": 98, "b": 74, "c": 66, "d": 42}})
    for j in ("harsh", "lenient"):
        assert z[j] == pytest.approx({"a": 1.4, "b": 0.2, "c": -0.2, "d": -1.4})


def test_a_judge_with_one_candidate_or_no_spread_contributes_zeros():
    z = zscores({"one": {"a": 90}, "flat": {"a": 70, "b": 70, "c": 70}})
    assert z == {"one": {"a": 0.0}, "flat": {"a": 0.0, "b": 0.0, "c": 0.0}}


# --- (a) weights -----------------------------------------------------------------------------------

def test_the_weights_decide_between_the_same_raw_scores():
    # Every judge gives A technique 90, expression 60 and B technique 60, expression 90.
    table = [Sheet(j.judge_id, "A", {"technique": 90, "expression": 60}) for j in panel(3)] + \
            [Sheet(j.judge_id, "B", {"technique": 60, "expression": 90}) for j in panel(3)]
    entrants = [entrant("A"), entrant("B", minute=1)]

    # technique 70, expression 30: A = (70*90 + 30*60)/100 = 81, B = (70*60 + 30*90)/100 = 69
    technique_first = rank_round(entrants, table, panel(3), [Criterion("technique", 70), Criterion("expression", 30)],
                                 TOP1, "none")
    assert [(r.candidate_id, r.score, r.advanced) for r in technique_first] == [("A", 81.0, True), ("B", 69.0, False)]

    # technique 30, expression 70: A = (30*90 + 70*60)/100 = 69, B = (30*60 + 70*90)/100 = 81
    expression_first = rank_round(entrants, table, panel(3), [Criterion("technique", 30), Criterion("expression", 70)],
                                  TOP1, "none")
    assert [(r.candidate_id, r.score, r.advanced) for r in expression_first] == [("B", 81.0, True), ("A", 69.0, False)]


# --- (b) recusal -----------------------------------------------------------------------------------

@pytest.mark.parametrize("j4, rule", [
    (judge("j4", org="unit-a"), "own work unit"),                 # A works at unit-a
    (judge("j4", org="unit-z", conflicts={"A"}), "conflict"),     # j4 declared a conflict with A
])
def test_a_recused_judges_score_is_not_counted(j4, rule):
    judges = panel(3) + [j4]
    entrants = [entrant("A", org="unit-a"), entrant("B", org="unit-b", minute=1)]
    table = sheets({"j1": {"A": 78, "B": 81}, "j2": {"A": 80, "B": 82}, "j3": {"A": 82, "B": 83},
                    "j4": {"A": 100, "B": 82}})
    assert is_recused(j4, entrants[0]) and not is_recused(j4, entrants[1])
    # Counted, j4's 100 would make A (78+80+82+100)/4 = 85 beat B (81+82+83+82)/4 = 82.
    # Recused for A: A = (78+80+82)/3 = 80 from three judges; B = 82 from four.
    results = rank_round(entrants, table, judges, ONE, TOP1, "none")
    assert [(r.candidate_id, r.score, r.judges, r.advanced) for r in results] == [
        ("B", 82.0, 4, True), ("A", 80.0, 3, False)]
    with pytest.raises(Forbidden, match=rule):
        check_may_score(j4, entrants[0])
    check_may_score(j4, entrants[1])


def test_only_a_judge_on_the_panel_may_score():
    with pytest.raises(Forbidden, match="panel"):
        check_may_score(None, entrant("A"))
    check_may_score(judge("j1", org="unit-b"), entrant("A", org="unit-a"))


def test_a_judge_from_no_work_unit_is_not_recused_by_a_candidate_without_one():
    assert not is_recused(judge("j1", org=None), entrant("A", org="unit-a"))


def test_sheets_from_judges_off_the_panel_are_not_counted():
    table = sheets({"j1": {"A": 70, "B": 60}, "j2": {"A": 70, "B": 60}, "j3": {"A": 70, "B": 60},
                    "outsider": {"A": 0, "B": 100}})
    # Counted, the outsider would make B (60*3+100)/4 = 70 beat A (70*3+0)/4 = 52.5.
    results = rank_round([entrant("A"), entrant("B", minute=1)], table, panel(3), ONE, TOP1, "none")
    assert [(r.candidate_id, r.score, r.judges) for r in results] == [("A", 70.0, 3), ("B", 60.0, 3)]


# --- (c) trimming ----------------------------------------------------------------------------------

def test_trimming_takes_away_one_judges_extreme_score():
    table = sheets({"j1": {"X": 70, "Y": 75}, "j2": {"X": 72, "Y": 76}, "j3": {"X": 74, "Y": 77},
                    "j4": {"X": 76, "Y": 78}, "j5": {"X": 100, "Y": 79}})
    # Plain means: X = 392/5 = 78.4 would beat Y = 385/5 = 77.
    # Trimmed (drop the highest and the lowest): X = (72+74+76)/3 = 74, Y = (76+77+78)/3 = 77.
    results = rank_round([entrant("X"), entrant("Y", minute=1)], table, panel(5), ONE, TOP1, "none")
    assert [(r.candidate_id, r.score, r.median, r.rank, r.advanced, r.judges) for r in results] == [
        ("Y", 77.0, 77.0, 1, True, 5), ("X", 74.0, 74.0, 2, False, 5)]


# --- (d) the median, (e) the earlier nomination ----------------------------------------------------

def test_equal_scores_break_on_the_higher_median():
    # A: 60, 70, 80 -> mean 70, median 70; B: 50, 80, 80 -> mean 70, median 80.
    # A was nominated first, so without the median A would win.
    table = sheets({"j1": {"A": 60, "B": 50}, "j2": {"A": 70, "B": 80}, "j3": {"A": 80, "B": 80}})
    results = rank_round([entrant("A", minute=0), entrant("B", minute=5)], table, panel(3), ONE, TOP1, "none")
    assert [(r.candidate_id, r.score, r.median, r.rank, r.advanced) for r in results] == [
        ("B", 70.0, 80.0, 1, True), ("A", 70.0, 70.0, 2, False)]


def test_a_full_tie_breaks_on_the_earlier_nomination():
    table = sheets({j: {"A": 70, "B": 70} for j in ("j1", "j2", "j3")})  # same score, same median
    # "A" sorts first by id: only the nomination time puts B first.
    results = rank_round([entrant("A", minute=30), entrant("B", minute=10)], table, panel(3), ONE, TOP1, "none")
    assert [(r.candidate_id, r.rank, r.advanced) for r in results] == [("B", 1, True), ("A", 2, False)]


def test_a_tie_in_everything_else_breaks_on_the_candidate_id():
    table = sheets({j: {"c-2": 70, "c-1": 70} for j in ("j1", "j2", "j3")})
    results = rank_round([entrant("c-2"), entrant("c-1")], table, panel(3), ONE, TOP1, "none")
    assert [(r.candidate_id, r.rank) for r in results] == [("c-1", 1), ("c-2", 2)]


# --- (f) z-scores ----------------------------------------------------------------------------------

# Two harsh judges who score round 50 with a narrow spread prefer B; one lenient judge who scores
# round 70 with a wide spread prefers A:
#   j1 (harsh):   B 57, A 51, C 49, D 43   mean 50, pstdev 5  -> z  B 1.4, A 0.2, C -0.2, D -1.4
#   j2 (harsh):   B 57, A 51, D 49, C 43   mean 50, pstdev 5  -> z  B 1.4, A 0.2, D -0.2, C -1.4
#   j3 (lenient): A 98, C 74, B 66, D 42   mean 70, pstdev 20 -> z  A 1.4, C 0.2, B -0.2, D -1.4
# Raw means:  A (51+51+98)/3 = 66.6667, B (57+57+66)/3 = 60, C (49+43+74)/3 = 55.3333, D (43+49+42)/3 = 44.6667
# z means:    B (1.4+1.4-0.2)/3 = 0.8667, A (0.2+0.2+1.4)/3 = 0.6, C (-0.2-1.4+0.2)/3 = -0.4667,
#             D (-1.4-0.2-1.4)/3 = -1
HARSH_AND_LENIENT = sheets({"j1": {"A": 51, "B": 57, "C": 49, "D": 43},
                            "j2": {"A": 51, "B": 57, "C": 43, "D": 49},
                            "j3": {"A": 98, "B": 66, "C": 74, "D": 42}})
FOUR = [entrant("A"), entrant("B", minute=1), entrant("C", minute=2), entrant("D", minute=3)]


def test_without_normalisation_the_lenient_judges_spread_decides():
    results = rank_round(FOUR, HARSH_AND_LENIENT, panel(3), ONE, TOP1, "none")
    assert [(r.candidate_id, r.score, r.median, r.advanced) for r in results] == [
        ("A", 66.6667, 51.0, True), ("B", 60.0, 57.0, False), ("C", 55.3333, 49.0, False), ("D", 44.6667, 43.0, False)]


def test_with_z_scores_each_judge_counts_alike_and_b_wins():
    results = rank_round(FOUR, HARSH_AND_LENIENT, panel(3), ONE, TOP1, "zscore")
    # medians: B (1.4, 1.4, -0.2) -> 1.4; A (0.2, 0.2, 1.4) -> 0.2; C -> -0.2; D -> -1.4
    assert [(r.candidate_id, r.score, r.median, r.rank, r.advanced) for r in results] == [
        ("B", 0.8667, 1.4, 1, True), ("A", 0.6, 0.2, 2, False), ("C", -0.4667, -0.2, 3, False),
        ("D", -1.0, -1.4, 4, False)]


def test_z_scores_are_taken_over_each_sheets_weighted_score():
    # Two criteria of equal weight; each sheet's weighted score is the one of the example above:
    # j1: A (52+50)/2 = 51, B (60+54)/2 = 57, C (49+49)/2 = 49, D (40+46)/2 = 43; j2 and j3 give both
    # criteria their overall score. So the z means are again B 0.8667, A 0.6, C -0.4667, D -1.
    criteria = [Criterion("technique", 1), Criterion("expression", 1)]
    j1 = {"A": (52, 50), "B": (60, 54), "C": (49, 49), "D": (40, 46)}
    table = [Sheet("j1", c, {"technique": t, "expression": e}) for c, (t, e) in j1.items()]
    table += [Sheet(s.judge_id, s.candidate_id, {"technique": s.scores["overall"], "expression": s.scores["overall"]})
              for s in HARSH_AND_LENIENT if s.judge_id != "j1"]
    results = rank_round(FOUR, table, panel(3), criteria, TOP1, "zscore")
    assert [(r.candidate_id, r.score) for r in results] == [("B", 0.8667), ("A", 0.6), ("C", -0.4667), ("D", -1.0)]


def test_the_z_scores_are_what_is_trimmed():
    # j1..j4 score A 60, B 70, C 65: mean 65, deviations -5, 5, 0, pstdev sqrt(50/3) = 4.0825
    #   -> z A -1.2247, B 1.2247, C 0 (5 / 4.0825 = sqrt(3/2) = 1.2247).
    # j5 disagrees: A 100, B 0, C 50: mean 50, deviations 50, -50, 0, pstdev 40.825 -> z A 1.2247, B -1.2247, C 0.
    # A's five z-scores (-1.2247 four times, 1.2247) lose their highest and lowest: -1.2247; B's: 1.2247.
    table = sheets({**{j: {"A": 60, "B": 70, "C": 65} for j in ("j1", "j2", "j3", "j4")},
                    "j5": {"A": 100, "B": 0, "C": 50}})
    results = rank_round([entrant("A"), entrant("B", minute=1), entrant("C", minute=2)], table, panel(5), ONE,
                         TOP1, "zscore")
    assert [(r.candidate_id, r.score, r.median) for r in results] == [
        ("B", 1.2247, 1.2247), ("C", 0.0, 0.0), ("A", -1.2247, -1.2247)]


# --- (g) top N per field, or a threshold ------------------------------------------------------------

TWO_FIELDS = [entrant("M1", "music"), entrant("M2", "music", minute=1), entrant("M3", "music", minute=2),
              entrant("D1", "dance", minute=3), entrant("D2", "dance", minute=4)]
TWO_FIELDS_SHEETS = sheets({j: {"M1": 90, "M2": 80, "M3": 70, "D1": 60, "D2": 50} for j in ("j1", "j2", "j3")})


def test_top_n_advances_the_first_n_of_each_field():
    results = rank_round(TWO_FIELDS, TWO_FIELDS_SHEETS, panel(3), ONE, {"top": 1}, "none")
    # music comes before dance in FIELDS; D1's 60 advances although M2's 80 does not.
    assert [(r.candidate_id, r.field, r.rank, r.advanced) for r in results] == [
        ("M1", "music", 1, True), ("M2", "music", 2, False), ("M3", "music", 3, False),
        ("D1", "dance", 1, True), ("D2", "dance", 2, False)]


def test_a_threshold_advances_every_score_at_or_above_it_whatever_the_field():
    results = rank_round(TWO_FIELDS, TWO_FIELDS_SHEETS, panel(3), ONE, {"threshold": 80}, "none")
    assert [(r.candidate_id, r.rank, r.advanced) for r in results] == [
        ("M1", 1, True), ("M2", 2, True), ("M3", 3, False), ("D1", 1, False), ("D2", 2, False)]


def test_a_top_larger_than_the_field_advances_all_of_it():
    results = rank_round(TWO_FIELDS, TWO_FIELDS_SHEETS, panel(3), ONE, {"top": 2}, "none")
    assert [r.candidate_id for r in results if r.advanced] == ["M1", "M2", "D1", "D2"]


def test_a_threshold_is_compared_with_the_score_as_published():
    # weights 0.1 and 0.2: (0.1*80 + 0.2*80) / 0.3 is 79.99999999999999 in floating point; it reads 80.0
    criteria = [Criterion("a", 0.1), Criterion("b", 0.2)]
    table = [Sheet(j, "A", {"a": 80, "b": 80}) for j in ("j1", "j2", "j3")]
    [result] = rank_round([entrant("A")], table, panel(3), criteria, {"threshold": 80}, "none")
    assert result.score == 80.0 and result.advanced


# --- (h) a round with too few scores cannot close ----------------------------------------------------

def test_closing_is_refused_naming_every_candidate_short_of_scores():
    judges = panel(3) + [judge("j4", org="unit-b")]
    entrants = [entrant("A"), entrant("B", org="unit-b", minute=1), entrant("C", minute=2), entrant("D", minute=3)]
    table = sheets({"j1": {"A": 70, "B": 70, "C": 70},
                    "j2": {"A": 70, "B": 70},
                    "j3": {"A": 70},
                    "j4": {"A": 70, "B": 70, "C": 70},   # recused for B (its unit): B has two, not three
                    "outsider": {"C": 70}})              # not on the panel: C has two
    assert short_of_scores(entrants, table, judges) == ["B", "C", "D"]
    with pytest.raises(InvalidState, match="fewer than three eligible scores: B, C, D$"):
        rank_round(entrants, table, judges, ONE, TOP1, "none")


def test_two_sheets_of_one_judge_for_one_candidate_are_a_bug_of_the_caller():
    table = sheets({"j1": {"A": 70}, "j2": {"A": 70}, "j3": {"A": 70}}) + [Sheet("j1", "A", {"overall": 90})]
    with pytest.raises(ValueError, match="latest"):
        rank_round([entrant("A")], table, panel(3), ONE, TOP1, "none")


# --- properties ------------------------------------------------------------------------------------

CRITERIA = [Criterion("technique", 40), Criterion("expression", 30), Criterion("originality", 30)]
SCORE = st.one_of(st.sampled_from([0, 50, 70, 100]), st.integers(0, 100),
                  st.floats(0, 100, allow_nan=False))
SHEET_SCORES = st.fixed_dictionaries({c.name: SCORE for c in CRITERIA})


@st.composite
def rounds(draw):
    """A round whose panel scores every candidate (some recused): entrants, sheets, judges."""
    n = draw(st.integers(1, 6))
    entrants = [Entrant(f"c{i}", draw(st.sampled_from(["music", "dance"])), draw(st.sampled_from(["u1", "u2", "u3"])),
                        T0 + timedelta(minutes=draw(st.integers(0, 3)))) for i in range(n)]
    ids = [e.candidate_id for e in entrants]
    judges = [Judge(f"j{i}", draw(st.sampled_from([None, "u1", "u2"])),
                    frozenset(draw(st.lists(st.sampled_from(ids), max_size=1))))
              for i in range(draw(st.integers(3, 7)))]
    table = [Sheet(j.judge_id, e.candidate_id, draw(SHEET_SCORES)) for j in judges for e in entrants
             if draw(st.integers(0, 9)) > 0]  # now and then a judge has not scored someone
    return entrants, table, judges


ADVANCE = st.one_of(st.builds(lambda n: {"top": n}, st.integers(1, 3)),
                    st.builds(lambda x: {"threshold": x}, st.sampled_from([-0.5, 0, 50, 70.5])))


def outcome(entrants, table, judges, advance, normalise):
    """The ranking, or the refusal's message."""
    try:
        return rank_round(entrants, table, judges, CRITERIA, advance, normalise)
    except InvalidState as refused:
        return str(refused)


@settings(max_examples=200, deadline=None)
@given(rounds(), ADVANCE, st.sampled_from(["none", "zscore"]), st.randoms(use_true_random=False))
def test_the_order_of_the_panel_and_of_the_sheets_never_changes_the_ranking(round_, advance, normalise, rnd):
    entrants, table, judges = round_
    expected = outcome(entrants, table, judges, advance, normalise)
    shuffled_judges, shuffled_sheets = judges[:], table[:]
    rnd.shuffle(shuffled_judges)
    rnd.shuffle(shuffled_sheets)
    assert outcome(entrants, shuffled_sheets, shuffled_judges, advance, normalise) == expected
    if isinstance(expected, list):
        # and the ranking is a total order within each field, every entrant once
        assert sorted(order(expected)) == sorted(e.candidate_id for e in entrants)
        for field in {e.field for e in entrants}:
            assert [r.rank for r in expected if r.field == field] == list(range(1, sum(
                e.field == field for e in entrants) + 1))


def latest(submissions: list[Sheet]) -> list[Sheet]:
    """What the use case keeps: the last submission of each judge for each candidate."""
    kept: dict[tuple[str, str], Sheet] = {}
    for sheet in submissions:
        kept.pop((sheet.judge_id, sheet.candidate_id), None)
        kept[(sheet.judge_id, sheet.candidate_id)] = sheet
    return list(kept.values())


def interleave(replaced: list[Sheet], final: list[Sheet], rnd: random.Random) -> list[Sheet]:
    """A submission history: all of them in a random order, except that each judge's final sheet for
    a candidate comes after every one it replaced."""
    history = replaced + final
    rnd.shuffle(history)
    finals = {(s.judge_id, s.candidate_id): s for s in final}
    places: dict[tuple[str, str], list[int]] = {}
    for i, sheet in enumerate(history):
        places.setdefault((sheet.judge_id, sheet.candidate_id), []).append(i)
    for key, at in places.items():
        earlier = [history[i] for i in at if history[i] is not finals[key]]
        for i, sheet in zip(at, earlier + [finals[key]]):
            history[i] = sheet
    return history


@settings(max_examples=200, deadline=None)
@given(rounds(), st.data(), st.sampled_from(["none", "zscore"]), st.randoms(use_true_random=False))
def test_a_replaced_score_counts_once(round_, data, normalise, rnd):
    entrants, table, judges = round_
    replaced = data.draw(st.lists(st.builds(lambda s, scores: Sheet(s.judge_id, s.candidate_id, scores),
                                            st.sampled_from(table), SHEET_SCORES), max_size=10)) if table else []
    kept = latest(interleave(replaced, table, rnd))
    assert outcome(entrants, kept, judges, TOP1, normalise) == outcome(entrants, table, judges, TOP1, normalise)
    expected = outcome(entrants, table, judges, TOP1, normalise)
    if isinstance(expected, list):
        # each eligible judge counted once for each candidate, however often they submitted
        for r in expected:
            e = next(e for e in entrants if e.candidate_id == r.candidate_id)
            assert r.judges == sum(1 for j in judges if not is_recused(j, e) and any(
                s.judge_id == j.judge_id and s.candidate_id == e.candidate_id for s in table))
            assert MIN_SCORES <= r.judges <= len(judges)


JUDGE_SCORES = st.dictionaries(st.sampled_from(["j1", "j2", "j3"]),
                               st.dictionaries(st.sampled_from(["a", "b", "c", "d", "e"]), st.integers(0, 100),
                                               min_size=1), min_size=1)


@given(JUDGE_SCORES)
def test_z_scores_keep_each_judges_own_order_of_candidates(by_judge):
    z = zscores(by_judge)
    assert {j: set(row) for j, row in z.items()} == {j: set(row) for j, row in by_judge.items()}
    for j, row in by_judge.items():
        for a in row:
            for b in row:
                if row[a] < row[b]:
                    assert z[j][a] < z[j][b]
                elif row[a] == row[b]:
                    assert z[j][a] == z[j][b]


@given(st.dictionaries(st.sampled_from(["j1", "j2"]),
                       st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), st.floats(0, 100, allow_nan=False),
                                       min_size=1), min_size=1))
def test_z_scores_never_invert_a_judges_order_whatever_the_values(by_judge):
    z = zscores(by_judge)
    for j, row in by_judge.items():
        for a in row:
            for b in row:
                if row[a] <= row[b]:
                    assert z[j][a] <= z[j][b]
