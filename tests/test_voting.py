"""Tests for sim.council: the Art. 27(3) decision rule and voting power in the Council."""

from __future__ import annotations

import csv
import re
from fractions import Fraction
from itertools import combinations, permutations
from math import comb, factorial
from pathlib import Path

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.council import (
    ABSTAIN,
    NO,
    VOTE_CODES,
    YES,
    Tally,
    VoteResult,
    banzhaf,
    count_votes,
    resolve_vote,
    shapley_shubik,
)

P5 = ("China", "France", "Russian Federation", "United Kingdom", "United States")
ELECTED = tuple(f"elected_{i}" for i in range(1, 11))
COUNCIL = P5 + ELECTED

# --------------------------------------------------------------------------------------------
# Recorded votes: every row of tests/data/unsc_votes.csv is a test case
# --------------------------------------------------------------------------------------------

DATA = Path(__file__).parent / "data" / "unsc_votes.csv"
COLUMNS = [
    "document",
    "date",
    "subject",
    "yes",
    "no",
    "abstain",
    "voted_no",
    "abstained",
    "adopted",
]


def _read_rows() -> list[dict[str, str]]:
    with DATA.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


ROWS = _read_rows()


def _names(cell: str) -> list[str]:
    return [name.strip() for name in cell.split(";") if name.strip()]


def test_vote_data_has_expected_columns_and_rows():
    with DATA.open(newline="", encoding="utf-8") as f:
        assert next(csv.reader(f)) == COLUMNS
    assert ROWS, "no recorded votes to test against"


@pytest.mark.parametrize("row", ROWS, ids=[row["document"] for row in ROWS])
def test_resolve_vote_reproduces_recorded_vote(row):
    voted_no, abstained = _names(row["voted_no"]), _names(row["abstained"])
    votes = {name: "no" for name in voted_no} | {name: "abstain" for name in abstained}
    assert len(votes) == len(voted_no) + len(abstained), "a member is listed twice"
    # Everyone else of the 15 voted yes: the permanent members not listed by name, then
    # elected members whose names the record does not give (placeholders).
    votes |= {name: "yes" for name in P5 if name not in votes}
    votes |= {f"elected_{i}": "yes" for i in range(1, 15 - len(votes) + 1)}
    assert len(votes) == 15

    yes, no, abstain = int(row["yes"]), int(row["no"]), int(row["abstain"])
    adopted = {"true": True, "false": False}[row["adopted"].strip().lower()]
    result = resolve_vote(votes, P5)

    assert result.adopted is adopted
    assert (result.yes, result.no, result.abstain) == (yes, no, abstain)
    if yes >= 9:
        assert result.vetoed_by == tuple(name for name in voted_no if name in P5)
    else:
        assert result.vetoed_by == ()


# --------------------------------------------------------------------------------------------
# count_votes: hand-computed replicates
# --------------------------------------------------------------------------------------------

_LETTER = {"Y": YES, "N": NO, "A": ABSTAIN}


def _ballots(*columns: str) -> np.ndarray:
    """Votes array (15, R): each column is 15 letters Y/N/A, the 5 permanent members first."""
    return np.array(
        [[_LETTER[c] for c in col.replace(" ", "")] for col in columns], dtype=np.int8
    ).T


IS_P5 = np.array([True] * 5 + [False] * 10)

#         permanent     elected
BALLOTS = _ballots(
    "AYYYY YYYYYYYYYY",  # 0: China-style abstention (S/RES/1244): 14-0-1, adopted
    "AAAAA YYYYYYYYAA",  # 1: 8 yes: fails, nobody vetoed
    "NYYYY YYYYYAAAAA",  # 2: 9 yes + a permanent no: vetoed by member 0
    "NAAAA YYYYYYYAAA",  # 3: 7 yes + a permanent no: fails anyway, not a veto
    "NNAAA YYYYYYYYYA",  # 4: 9 yes + two permanent no: both vetoed
    "YYYYY YYYYNNNNNN",  # 5: 9 yes, six elected no: adopted (elected no is no veto)
)


def test_count_votes_hand_computed_with_veto():
    tally = count_votes(BALLOTS, IS_P5)
    assert isinstance(tally, Tally)
    np.testing.assert_array_equal(tally.yes, [14, 8, 9, 7, 9, 9])
    np.testing.assert_array_equal(tally.no, [0, 0, 1, 1, 2, 6])
    np.testing.assert_array_equal(tally.abstain, [1, 7, 5, 7, 4, 0])
    np.testing.assert_array_equal(tally.adopted, [True, False, False, False, False, True])
    expected_vetoed = np.zeros((15, 6), dtype=bool)
    expected_vetoed[0, 2] = True
    expected_vetoed[[0, 1], 4] = True
    np.testing.assert_array_equal(tally.vetoed, expected_vetoed)


def test_count_votes_hand_computed_without_veto():
    tally = count_votes(BALLOTS, IS_P5, veto=False)
    np.testing.assert_array_equal(tally.adopted, [True, False, True, False, True, True])
    assert not tally.vetoed.any()
    assert tally.vetoed.shape == (15, 6)


def test_count_votes_threshold_is_a_parameter():
    tally = count_votes(BALLOTS, IS_P5, threshold=8)
    # Column 1 (8 yes) now passes; column 3 (7 yes + permanent no) still fails, not a veto.
    np.testing.assert_array_equal(tally.adopted, [True, True, False, False, False, True])
    assert not tally.vetoed[:, 3].any()


def test_count_votes_accepts_other_integer_dtypes_and_returns_read_only_arrays():
    tally = count_votes(BALLOTS.astype(np.int64), IS_P5)
    np.testing.assert_array_equal(tally.adopted, count_votes(BALLOTS, IS_P5).adopted)
    with pytest.raises(ValueError):
        tally.adopted[0] = False


def test_vote_codes():
    assert (YES, NO, ABSTAIN) == (1, -1, 0)
    assert all(np.asarray(code).dtype == np.int8 for code in (YES, NO, ABSTAIN))
    assert VOTE_CODES == {"yes": YES, "no": NO, "abstain": ABSTAIN}


# --------------------------------------------------------------------------------------------
# count_votes: invariants and agreement with a one-replicate-at-a-time reference
# --------------------------------------------------------------------------------------------


@st.composite
def ballot_boxes(draw):
    m = draw(st.integers(0, 15))
    r = draw(st.integers(0, 8))
    votes = draw(hnp.arrays(np.int8, (m, r), elements=st.sampled_from([-1, 0, 1])))
    permanent = draw(hnp.arrays(np.bool_, (m,)))
    threshold = draw(st.integers(1, 16))
    veto = draw(st.booleans())
    return votes, permanent, threshold, veto


def _reference(column, permanent, threshold, veto):
    """The rule for one replicate, written out plainly."""
    yes = sum(v == 1 for v in column)
    permanent_no = [bool(p and v == -1) for v, p in zip(column, permanent, strict=True)]
    adopted = yes >= threshold and not (veto and any(permanent_no))
    vetoed = [veto and yes >= threshold and pn for pn in permanent_no]
    return adopted, vetoed


@settings(max_examples=200, deadline=None)
@given(ballot_boxes())
def test_count_votes_invariants(box):
    votes, permanent, threshold, veto = box
    tally = count_votes(votes, permanent, threshold=threshold, veto=veto)
    m, r = votes.shape
    assert tally.yes.shape == tally.no.shape == tally.abstain.shape == tally.adopted.shape
    assert tally.adopted.shape == (r,)
    assert tally.vetoed.shape == (m, r)
    np.testing.assert_array_equal(tally.yes + tally.no + tally.abstain, m)
    assert np.all(tally.yes[tally.adopted] >= threshold)
    assert not np.any(tally.vetoed.any(axis=0) & tally.adopted)
    assert not tally.vetoed[~permanent].any()
    for j in range(r):
        adopted, vetoed = _reference(votes[:, j], permanent, threshold, veto)
        assert tally.adopted[j] == adopted
        assert tally.vetoed[:, j].tolist() == vetoed


# --------------------------------------------------------------------------------------------
# resolve_vote
# --------------------------------------------------------------------------------------------


def test_resolve_vote_basic_outcomes():
    assert resolve_vote(dict.fromkeys(COUNCIL, "yes"), P5) == VoteResult(True, 15, 0, 0, ())
    votes = dict.fromkeys(COUNCIL, "abstain") | dict.fromkeys(ELECTED[:9], "yes")
    votes["United States"] = "no"
    assert resolve_vote(votes, P5) == VoteResult(False, 9, 1, 5, ("United States",))
    assert resolve_vote(votes, P5, veto=False) == VoteResult(True, 9, 1, 5, ())


def test_resolve_vote_vetoed_by_follows_order_of_votes():
    votes = dict.fromkeys(ELECTED, "yes") | {"United States": "no", "China": "no"}
    votes |= {"France": "yes", "Russian Federation": "no", "United Kingdom": "abstain"}
    result = resolve_vote(votes, P5)
    assert result.vetoed_by == ("United States", "China", "Russian Federation")
    assert not result.adopted


def test_resolve_vote_tolerates_case_and_whitespace():
    votes = dict.fromkeys(COUNCIL, " Yes ") | {"China": "ABSTAIN\n", "elected_1": "\tNo"}
    assert resolve_vote(votes, P5) == VoteResult(True, 13, 1, 1, ())


def test_resolve_vote_absent_permanent_member_is_not_a_veto():
    votes = dict.fromkeys(ELECTED[:9], "yes")  # 9 elected vote yes, the permanent five absent
    assert resolve_vote(votes, P5) == VoteResult(True, 9, 0, 0, ())
    assert resolve_vote({}, P5) == VoteResult(False, 0, 0, 0, ())


@pytest.mark.parametrize("bad", ["maybe", "", "yes please", "y", None, 1, True])
def test_resolve_vote_rejects_bad_vote(bad):
    votes = dict.fromkeys(COUNCIL, "yes") | {"elected_3": bad}
    with pytest.raises(ValueError, match=r"'elected_3'.*" + re.escape(repr(bad))):
        resolve_vote(votes, P5)


def test_resolve_vote_rejects_string_as_permanent():
    with pytest.raises(TypeError):
        resolve_vote(dict.fromkeys(COUNCIL, "yes"), "China")


# --------------------------------------------------------------------------------------------
# count_votes: bad input
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("votes", "permanent", "threshold", "match"),
    [
        (np.ones(15, dtype=np.int8), IS_P5, 9, "2-D"),
        (np.ones((15, 2, 2), dtype=np.int8), IS_P5, 9, "2-D"),
        (np.ones((15, 2)), IS_P5, 9, "integer"),
        (np.ones((15, 2), dtype=bool), IS_P5, 9, "integer"),
        (np.full((15, 2), 2, dtype=np.int8), IS_P5, 9, "vote code"),
        (np.full((15, 2), -2, dtype=np.int64), IS_P5, 9, "vote code"),
        (np.ones((15, 2), dtype=np.int8), IS_P5[:14], 9, "shape"),
        (np.ones((15, 2), dtype=np.int8), IS_P5[:, None], 9, "shape"),
        (np.ones((15, 2), dtype=np.int8), IS_P5.astype(int), 9, "bool"),
        (np.ones((15, 2), dtype=np.int8), IS_P5, 0, "threshold"),
        (np.ones((15, 2), dtype=np.int8), IS_P5, -3, "threshold"),
        (np.ones((15, 2), dtype=np.int8), IS_P5, 8.5, "threshold"),
        (np.ones((15, 2), dtype=np.int8), IS_P5, True, "threshold"),
    ],
)
def test_count_votes_rejects_bad_input(votes, permanent, threshold, match):
    with pytest.raises(ValueError, match=match):
        count_votes(votes, permanent, threshold=threshold)


def test_count_votes_error_locates_bad_code():
    votes = np.ones((15, 3), dtype=np.int8)
    votes[4, 2] = 7
    with pytest.raises(ValueError, match=r"votes\[4, 2\] = 7"):
        count_votes(votes, IS_P5)


# --------------------------------------------------------------------------------------------
# Voting power of the 15-member Council, derived by hand
# --------------------------------------------------------------------------------------------
#
# A coalition wins iff it has >= 9 members including all 5 permanent ones.
#
# Banzhaf (count swings; 2**14 = 16384 coalitions of the other 14 members):
#   * Permanent member P. Without P a coalition always loses (it lacks a permanent member), so
#     P is a swing iff S + P wins: S has the other 4 permanent members and k elected with
#     4 + k + 1 >= 9, i.e. k = 4..10:
#       sum_{k=4}^{10} C(10,k) = 210 + 252 + 210 + 120 + 45 + 10 + 1 = 848.
#   * Elected member E. E is a swing iff S wins with E and not without: S has all 5 permanent
#     and k of the other 9 elected with 5 + k + 1 >= 9 > 5 + k, i.e. k = 3: C(9,3) = 84.
#   * Total swings: 5 * 848 + 10 * 84 = 4240 + 840 = 5080.
#     Normalised:  P = 848/5080 = 106/635 ~ 0.16693,  E = 84/5080 = 21/1270 ~ 0.016535.
#     Absolute:    P = 848/16384 = 53/1024,            E = 84/16384 = 21/4096.
#
# Shapley-Shubik (share of the 15! orderings in which the member is pivotal):
#   * Elected member E is pivotal iff the 8 members before it are all 5 permanent and 3 of the
#     other 9 elected (then 8 + E = 9 wins; before, 8 < 9 loses; with fewer than 3 elected
#     before it E does not complete a winning coalition; with more, it was already won or E is
#     in position > 9 with some permanent member missing). So C(9,3) choices of who precedes
#     E, 8! orders before it and 6! after:
#       SS(E) = C(9,3) * 8! * 6! / 15! = 84 / (15! / (8! 6!)) = 84 / 45045 = 4/2145 ~ 0.0018648
#     (15! / (8! 6!) = 7 * C(15,7) = 7 * 6435 = 45045; gcd(84, 45045) = 21).
#   * Efficiency (the values sum to 1) and symmetry: 5 SS(P) + 10 SS(E) = 1, so
#       SS(P) = (1 - 10 * 4/2145) / 5 = (2105/2145) / 5 = 421/2145 ~ 0.19627.
#   * Check directly: P is pivotal iff the s = 4 + k members before it are the other 4
#     permanent and k = 4..10 elected: SS(P) = sum_k C(10,k) (4+k)! (10-k)! / 15!.

SS_PERMANENT = Fraction(421, 2145)
SS_ELECTED = Fraction(4, 2145)
BZ_PERMANENT = Fraction(106, 635)
BZ_ELECTED = Fraction(21, 1270)


def test_hand_derivation_is_self_consistent():
    assert sum(comb(10, k) for k in range(4, 11)) == 848
    assert comb(9, 3) == 84
    assert Fraction(848, 5080) == BZ_PERMANENT and Fraction(84, 5080) == BZ_ELECTED
    assert factorial(15) // (factorial(8) * factorial(6)) == 45045
    assert Fraction(84, 45045) == SS_ELECTED
    assert (1 - 10 * SS_ELECTED) / 5 == SS_PERMANENT
    direct = sum(
        Fraction(comb(10, k) * factorial(4 + k) * factorial(10 - k), factorial(15))
        for k in range(4, 11)
    )
    assert direct == SS_PERMANENT


def test_shapley_shubik_of_the_council():
    power = shapley_shubik(COUNCIL, P5)
    assert list(power) == list(COUNCIL)
    assert all(isinstance(v, Fraction) for v in power.values())
    assert {power[m] for m in P5} == {SS_PERMANENT}
    assert {power[m] for m in ELECTED} == {SS_ELECTED}
    assert sum(power.values()) == 1
    # Published approximations, as a cross-check of the exact values.
    assert float(SS_PERMANENT) == pytest.approx(0.1963, abs=5e-5)
    assert float(SS_ELECTED) == pytest.approx(0.00186, abs=5e-6)


def test_banzhaf_of_the_council():
    power = banzhaf(COUNCIL, P5)
    assert list(power) == list(COUNCIL)
    assert {power[m] for m in P5} == {BZ_PERMANENT}
    assert {power[m] for m in ELECTED} == {BZ_ELECTED}
    assert sum(power.values()) == 1
    assert float(BZ_PERMANENT) == pytest.approx(0.1669, abs=5e-5)
    assert float(BZ_ELECTED) == pytest.approx(0.0165, abs=5e-5)

    absolute = banzhaf(COUNCIL, P5, normalized=False)
    assert {absolute[m] for m in P5} == {Fraction(53, 1024)}
    assert {absolute[m] for m in ELECTED} == {Fraction(21, 4096)}


def test_power_does_not_depend_on_member_order():
    shuffled = (*ELECTED[:4], "France", *ELECTED[4:], "China", "United States")
    shuffled += ("Russian Federation", "United Kingdom")
    assert shapley_shubik(shuffled, P5) == shapley_shubik(COUNCIL, P5)
    assert banzhaf(shuffled, P5) == banzhaf(COUNCIL, P5)


# --------------------------------------------------------------------------------------------
# Voting power: small games against brute force
# --------------------------------------------------------------------------------------------


def _wins(coalition, permanent, threshold):
    return len(coalition) >= threshold and permanent <= coalition


def _brute_shapley_shubik(members, permanent, threshold):
    pivots = dict.fromkeys(members, 0)
    for order in permutations(members):
        for i, member in enumerate(order):
            if _wins(set(order[: i + 1]), permanent, threshold):
                pivots[member] += 1
                break
    return {m: Fraction(k, factorial(len(members))) for m, k in pivots.items()}


def _brute_banzhaf(members, permanent, threshold, normalized):
    swings = dict.fromkeys(members, 0)
    for member in members:
        others = [m for m in members if m != member]
        for size in range(len(others) + 1):
            for coalition in map(set, combinations(others, size)):
                with_member = coalition | {member}
                if _wins(with_member, permanent, threshold) and not _wins(
                    coalition, permanent, threshold
                ):
                    swings[member] += 1
    total = sum(swings.values()) if normalized else 2 ** (len(members) - 1)
    return {m: Fraction(k, total) for m, k in swings.items()}


def test_small_game_by_hand():
    # 3 members, "p" permanent, 2 votes needed. Orderings where p is pivotal: p second or
    # third (4 of 6); a is pivotal only in (p, a, b), b only in (p, b, a).
    # Swings: p in {a}, {b}, {a, b}; a only in {p}; b only in {p}.
    members, permanent = ["p", "a", "b"], {"p"}
    third, sixth = Fraction(1, 3), Fraction(1, 6)
    assert shapley_shubik(members, permanent, 2) == {"p": 2 * third, "a": sixth, "b": sixth}
    fifth = Fraction(1, 5)
    assert banzhaf(members, permanent, 2) == {"p": 3 * fifth, "a": fifth, "b": fifth}
    quarter = Fraction(1, 4)
    expected = {"p": 3 * quarter, "a": quarter, "b": quarter}
    assert banzhaf(members, permanent, 2, normalized=False) == expected


@pytest.mark.parametrize(
    ("members", "permanent", "threshold"),
    [
        (["a"], set(), 1),
        (["a"], {"a"}, 1),
        (["a", "b", "c"], set(), 2),  # simple majority
        (["a", "b", "c", "d"], {"a", "b"}, 3),
        (["a", "b", "c", "d", "e"], {"c"}, 3),
        (["a", "b", "c", "d", "e"], {"a", "b", "c", "d", "e"}, 1),  # unanimity
        (["a", "b", "c", "d", "e"], {"e"}, 1),  # dictator
    ],
)
def test_small_games_against_brute_force(members, permanent, threshold):
    assert shapley_shubik(members, permanent, threshold) == _brute_shapley_shubik(
        members, permanent, threshold
    )
    for normalized in (True, False):
        assert banzhaf(members, permanent, threshold, normalized) == _brute_banzhaf(
            members, permanent, threshold, normalized
        )


@st.composite
def small_games(draw):
    n = draw(st.integers(1, 6))
    members = draw(st.permutations([f"m{i}" for i in range(n)]))
    permanent = draw(st.sets(st.sampled_from(members)))
    threshold = draw(st.integers(1, n))
    return members, permanent, threshold


@settings(max_examples=60, deadline=None)
@given(small_games(), st.booleans())
def test_random_small_games_against_brute_force(game, normalized):
    members, permanent, threshold = game
    ss = shapley_shubik(members, permanent, threshold)
    assert ss == _brute_shapley_shubik(members, permanent, threshold)
    assert sum(ss.values()) == 1
    bz = banzhaf(members, permanent, threshold, normalized=normalized)
    assert bz == _brute_banzhaf(members, permanent, threshold, normalized)
    if normalized:
        assert sum(bz.values()) == 1


# --------------------------------------------------------------------------------------------
# Voting power: bad input
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("index", [shapley_shubik, banzhaf])
@pytest.mark.parametrize(
    ("members", "permanent", "threshold", "match"),
    [
        (COUNCIL, (*P5, "Germany"), 9, "Germany"),
        (ELECTED, P5, 9, "not among members"),
        ((*COUNCIL, "China"), P5, 9, "unique"),
        (COUNCIL, P5, 0, "threshold"),
        (COUNCIL, P5, 16, "threshold"),
        (COUNCIL, P5, 9.0, "threshold"),
        ((), (), 1, "threshold"),
    ],
)
def test_power_rejects_bad_game(index, members, permanent, threshold, match):
    with pytest.raises(ValueError, match=match):
        index(members, permanent, threshold)


@pytest.mark.parametrize("index", [shapley_shubik, banzhaf])
def test_power_rejects_strings_as_name_collections(index):
    with pytest.raises(TypeError):
        index("abc", [], 2)
    with pytest.raises(TypeError):
        index(COUNCIL, "China")
