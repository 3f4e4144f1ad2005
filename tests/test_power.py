"""Tests for sim.power: exact voting power (Shapley-Shubik, Banzhaf) of any voting rule: the
Security Council, the EEC/EU Council with weighted votes, random weighted and double-majority
games against brute force."""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations, pairwise, permutations
from math import comb, factorial

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_voting_rules import EU_12, EU_15, plain_wins, voting_rules

from sim.power import banzhaf, shapley_shubik
from sim.voting import VotingRule, rule_from_preset, voting_rule

P5 = ("China", "France", "Russian Federation", "United Kingdom", "United States")
ELECTED = tuple(f"elected_{i}" for i in range(1, 11))
COUNCIL = P5 + ELECTED
RULE = rule_from_preset("security_council", COUNCIL, P5)

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
    power = shapley_shubik(RULE)
    assert list(power) == list(COUNCIL)
    assert all(isinstance(v, Fraction) for v in power.values())
    assert {power[m] for m in P5} == {SS_PERMANENT}
    assert {power[m] for m in ELECTED} == {SS_ELECTED}
    assert sum(power.values()) == 1
    # Published approximations, as a cross-check of the exact values.
    assert float(SS_PERMANENT) == pytest.approx(0.1963, abs=5e-5)
    assert float(SS_ELECTED) == pytest.approx(0.00186, abs=5e-6)


def test_banzhaf_of_the_council():
    power = banzhaf(RULE)
    assert list(power) == list(COUNCIL)
    assert {power[m] for m in P5} == {BZ_PERMANENT}
    assert {power[m] for m in ELECTED} == {BZ_ELECTED}
    assert sum(power.values()) == 1
    assert float(BZ_PERMANENT) == pytest.approx(0.1669, abs=5e-5)
    assert float(BZ_ELECTED) == pytest.approx(0.0165, abs=5e-5)

    absolute = banzhaf(RULE, normalized=False)
    assert {absolute[m] for m in P5} == {Fraction(53, 1024)}
    assert {absolute[m] for m in ELECTED} == {Fraction(21, 4096)}


def test_power_does_not_depend_on_member_order():
    shuffled = (*ELECTED[:4], "France", *ELECTED[4:], "China", "United States")
    shuffled += ("Russian Federation", "United Kingdom")
    rule = rule_from_preset("security_council", shuffled, P5)
    assert shapley_shubik(rule) == shapley_shubik(RULE)
    assert banzhaf(rule) == banzhaf(RULE)
    assert list(banzhaf(rule)) == list(shuffled)


def test_council_power_under_either_abstention_rule_and_without_the_veto():
    # In the game a member votes yes or not: a permanent member's abstention blocks too.
    literal = rule_from_preset("security_council", COUNCIL, P5, abstention_vetoes=True)
    assert shapley_shubik(literal) == shapley_shubik(RULE)
    assert banzhaf(literal) == banzhaf(RULE)
    # Without the veto all fifteen are equal.
    no_veto = rule_from_preset("security_council", COUNCIL, P5, veto=False)
    assert set(shapley_shubik(no_veto).values()) == {Fraction(1, 15)}
    assert set(banzhaf(no_veto).values()) == {Fraction(1, 15)}


# --------------------------------------------------------------------------------------------
# Brute force: every coalition, written out plainly
# --------------------------------------------------------------------------------------------


def _brute_swings(rule: VotingRule) -> dict[str, list[int]]:
    """Member -> [swing coalitions of s others, for s = 0..n-1], deciding every coalition with
    the plain reference of tests/test_voting_rules.py."""
    members = rule.members
    n = len(members)
    wins = {
        frozenset(c): plain_wins(rule, set(c))
        for size in range(n + 1)
        for c in combinations(members, size)
    }
    swings = {m: [0] * n for m in members}
    for coalition, won in wins.items():
        if not won:
            for m in set(members) - coalition:
                swings[m][len(coalition)] += wins[coalition | {m}]
    return swings


def _brute_shapley_shubik(rule: VotingRule) -> dict[str, Fraction]:
    """From the swings: a swing coalition of s others is s! (n-1-s)! orderings."""
    n = len(rule.members)
    return {
        m: Fraction(
            sum(k * factorial(s) * factorial(n - 1 - s) for s, k in enumerate(c)), factorial(n)
        )
        for m, c in _brute_swings(rule).items()
    }


def _brute_banzhaf(rule: VotingRule, normalized: bool) -> dict[str, Fraction]:
    swings = {m: sum(c) for m, c in _brute_swings(rule).items()}
    total = sum(swings.values()) if normalized else 2 ** (len(rule.members) - 1)
    return {m: Fraction(k, total) for m, k in swings.items()}


def _pivots(rule: VotingRule) -> dict[str, Fraction]:
    """Shapley-Shubik by its definition: the share of orderings in which a member is pivotal."""
    pivots = dict.fromkeys(rule.members, 0)
    for order in permutations(rule.members):
        for i, member in enumerate(order):
            if plain_wins(rule, set(order[: i + 1])):
                pivots[member] += 1
                break
    return {m: Fraction(k, factorial(len(rule.members))) for m, k in pivots.items()}


# --------------------------------------------------------------------------------------------
# The EEC/EC/EU Council with weighted votes
# --------------------------------------------------------------------------------------------

EEC_6 = ("france", "germany", "italy", "belgium", "netherlands", "luxembourg")


def _by_kind(large, medium, luxembourg=0) -> dict[str, Fraction]:
    values = dict.fromkeys(EEC_6[:3], large) | dict.fromkeys(EEC_6[3:5], medium)
    return values | {"luxembourg": Fraction(luxembourg)}


def test_eec_1958_luxembourg_is_a_dummy():
    # Art. 148(2) EEC: 4, 4, 4, 2, 2, 1 votes, quota 12 (Felsenthal & Machover 1998). All
    # other weights are even, so Luxembourg's one vote never turns 11 into 12.
    rule = rule_from_preset("eu_council_1958", EEC_6)
    assert shapley_shubik(rule) == _by_kind(Fraction(7, 30), Fraction(3, 20))
    assert shapley_shubik(rule) == _pivots(rule)
    assert banzhaf(rule) == _by_kind(Fraction(5, 21), Fraction(3, 21))
    assert banzhaf(rule) == _brute_banzhaf(rule, normalized=True)
    # Swings by hand: France is a swing in the 10 coalitions of the others weighing 8 to 11
    # ({G,I}, {G,I,L}, {G,I,B}, {G,I,N}, {G,I,B,L}, {G,I,N,L}, {G,B,N}, {G,B,N,L}, {I,B,N},
    # {I,B,N,L}); Belgium in the 6 weighing 10 or 11 (two large, the Netherlands, with or
    # without Luxembourg); of 2**5 = 32 coalitions of the others.
    assert banzhaf(rule, normalized=False) == _by_kind(Fraction(10, 32), Fraction(6, 32))


@pytest.mark.parametrize(
    ("preset", "members"), [("eu_council_1995", EU_15), ("eu_council_1986", EU_12)]
)
def test_eu_weighted_votes_against_brute_force(preset, members):
    rule = rule_from_preset(preset, members)
    ss = shapley_shubik(rule)
    assert ss == _brute_shapley_shubik(rule)
    assert sum(ss.values()) == 1
    for normalized in (True, False):
        assert banzhaf(rule, normalized) == _brute_banzhaf(rule, normalized)
    # Equal weights, equal power; more weight, no less power.
    by_weight = sorted(zip(rule.weights, ss.values(), strict=True))
    assert all(a[1] <= b[1] for a, b in pairwise(by_weight))
    assert all(a[1] == b[1] for a, b in pairwise(by_weight) if a[0] == b[0])


# --------------------------------------------------------------------------------------------
# Small and random games against brute force, and properties
# --------------------------------------------------------------------------------------------


def test_small_game_by_hand():
    # 3 members, "p" a veto player, 2 votes needed. Orderings where p is pivotal: p second or
    # third (4 of 6); a is pivotal only in (p, a, b), b only in (p, b, a).
    # Swings: p in {a}, {b}, {a, b}; a only in {p}; b only in {p}.
    rule = voting_rule(["p", "a", "b"], veto_players=["p"], threshold=2)
    third, sixth = Fraction(1, 3), Fraction(1, 6)
    assert shapley_shubik(rule) == {"p": 2 * third, "a": sixth, "b": sixth}
    fifth = Fraction(1, 5)
    assert banzhaf(rule) == {"p": 3 * fifth, "a": fifth, "b": fifth}
    quarter = Fraction(1, 4)
    assert banzhaf(rule, normalized=False) == {"p": 3 * quarter, "a": quarter, "b": quarter}


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
    rule = voting_rule(members, veto_players=permanent, threshold=threshold)
    assert shapley_shubik(rule) == _pivots(rule) == _brute_shapley_shubik(rule)
    for normalized in (True, False):
        assert banzhaf(rule, normalized) == _brute_banzhaf(rule, normalized)


@settings(max_examples=150, deadline=None)
@given(voting_rules(max_members=6), st.booleans())
def test_random_games_against_brute_force(rule, normalized):
    # Integer weights take the dynamic programme, the others the enumeration.
    ss = shapley_shubik(rule)
    assert ss == _pivots(rule)
    assert sum(ss.values()) == 1
    bz = banzhaf(rule, normalized=normalized)
    assert bz == _brute_banzhaf(rule, normalized)
    if normalized:
        assert sum(bz.values()) == 1


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_symmetric_members_have_equal_power(data):
    # Exact weights (integers, or k + 1/2): members alike in weight and veto are symmetric.
    rule = data.draw(voting_rules(weights=data.draw(st.sampled_from(["integer", "half"]))))
    ss, bz = shapley_shubik(rule), banzhaf(rule)
    kinds = list(zip(rule.weights, rule.veto_players, strict=True))
    for i, j in combinations(range(len(kinds)), 2):
        if kinds[i] == kinds[j]:
            a, b = rule.members[i], rule.members[j]
            assert ss[a] == ss[b] and bz[a] == bz[b]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(1, 6), min_size=1, max_size=7),
    st.data(),
)
def test_a_dummy_has_no_power(halves, data):
    # Even weights and an even quota: the member with one vote never decides (as Luxembourg).
    weights = {f"m{i}": 2 * h for i, h in enumerate(halves)} | {"dummy": 1}
    quota = 2 * data.draw(st.integers(1, sum(halves)))
    rule = voting_rule(list(weights), weights=weights, weight_threshold=quota)
    assert shapley_shubik(rule)["dummy"] == 0
    assert banzhaf(rule)["dummy"] == 0
    assert banzhaf(rule, normalized=False)["dummy"] == 0


def test_large_bodies():
    # 23 equal members by the programme, and the 193 of the General Assembly.
    for n in (23, 193):
        members = [f"m{i}" for i in range(n)]
        rule = rule_from_preset("majority", members)
        assert set(shapley_shubik(rule).values()) == {Fraction(1, n)}
        assert set(banzhaf(rule).values()) == {Fraction(1, n)}
    # A dictator among 23: the only one with power.
    rule = voting_rule(members[:23], veto_players=["m0"], threshold=1)
    assert shapley_shubik(rule) == {"m0": 1} | dict.fromkeys(members[1:23], 0)


# --------------------------------------------------------------------------------------------
# Bad games
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("index", [shapley_shubik, banzhaf])
def test_power_needs_integer_weights_or_few_members(index):
    members = [f"m{i}" for i in range(23)]
    halves = voting_rule(members, weights=dict.fromkeys(members, 1.5), threshold=12)
    with pytest.raises(ValueError, match=r"integer weights .* at most 22 members"):
        index(halves)
    heavy = voting_rule(members, weights=dict.fromkeys(members, 10**5), threshold=12)
    with pytest.raises(ValueError, match="integer weights"):
        index(heavy)


def test_power_enumerates_up_to_22_members():
    members = [f"m{i}" for i in range(22)]
    weights = dict.fromkeys(members[:11], 1.5) | dict.fromkeys(members[11:], 2.5)
    rule = voting_rule(members, weights=weights, weight_threshold=22.0)
    # Integer weights 3 and 5 with quota 44 make the same game, counted by the programme.
    doubled = voting_rule(
        members, weights={m: 2 * w for m, w in weights.items()}, weight_threshold=44
    )
    power = banzhaf(rule)
    assert power == banzhaf(doubled)
    assert sum(power.values()) == 1


@pytest.mark.parametrize("index", [shapley_shubik, banzhaf])
def test_power_rejects_a_game_that_is_not_one(index):
    # Built directly, a rule is not checked: nothing is adopted, or everything is.
    unreachable = VotingRule(
        members=("a", "b"), weights=np.ones(2), threshold=3, veto_players=np.zeros(2, bool)
    )
    free = VotingRule(members=("a", "b"), weights=np.ones(2), veto_players=np.zeros(2, bool))
    for rule in (unreachable, free):
        with pytest.raises(ValueError, match="members together to win"):
            index(rule)
