"""Tests for sim.power: voting power (Shapley-Shubik, Banzhaf) in the Security Council."""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations, permutations
from math import comb, factorial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.power import banzhaf, shapley_shubik

P5 = ("China", "France", "Russian Federation", "United Kingdom", "United States")
ELECTED = tuple(f"elected_{i}" for i in range(1, 11))
COUNCIL = P5 + ELECTED

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
