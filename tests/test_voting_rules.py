"""Tests for sim.voting's general decision rules: weights, quotas, double majorities, vetoes,
abstention, and the presets of actual bodies (the Security Council: tests/test_voting.py)."""

from __future__ import annotations

import math

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.rules import UnknownRuleError
from sim.voting import (
    ABSTAIN,
    NO,
    VOTING_RULES,
    YES,
    VotingRule,
    resolve_vote,
    rule_from_preset,
    voting_rule,
)

EU_15 = (
    "germany",
    "france",
    "italy",
    "united_kingdom",
    "spain",
    "belgium",
    "greece",
    "netherlands",
    "portugal",
    "austria",
    "sweden",
    "denmark",
    "ireland",
    "finland",
    "luxembourg",
)
EU_12 = tuple(m for m in EU_15 if m not in ("austria", "sweden", "finland"))
EU_1995 = rule_from_preset("eu_council_1995", EU_15)


def _column(rule: VotingRule, no=(), abstain=()) -> np.ndarray:
    """One replicate's votes: the named members vote no or abstain, everybody else yes."""
    code = {m: NO for m in no} | {m: ABSTAIN for m in abstain}
    return np.array([[code.get(m, YES)] for m in rule.members], dtype=np.int8)


def _votes(rule: VotingRule, *columns: dict) -> np.ndarray:
    return np.hstack([_column(rule, **column) for column in columns])


# --------------------------------------------------------------------------------------------
# A plain reference: the rule for one replicate, written out member by member
# --------------------------------------------------------------------------------------------


def reference(rule: VotingRule, column) -> tuple[bool, list[bool], float]:
    """(adopted, vetoed per member, yes weight) of one replicate, from the rule's fields."""
    n = len(rule.members)
    yes = sum(v == YES for v in column)
    yes_weight = 0.0
    for weight, vote in zip(rule.weights, column, strict=True):
        if vote == YES:
            yes_weight += weight
    total = sum(rule.weights)
    slack = 1e-12 * total
    count_met = yes >= rule.threshold and yes >= math.ceil(rule.member_share * n - 1e-12)
    weight_met = yes_weight >= rule.weight_threshold - slack
    weight_met = weight_met and yes_weight >= rule.weight_share * total - slack
    deemed = 0 < rule.blocking_members and n - yes < rule.blocking_members
    had_votes = count_met and (weight_met or deemed)
    blocking = {NO, ABSTAIN} if rule.abstention_vetoes else {NO}
    vetoed = [
        bool(rule.veto and had_votes and player and vote in blocking)
        for player, vote in zip(rule.veto_players, column, strict=True)
    ]
    return had_votes and not any(vetoed), vetoed, yes_weight


def plain_wins(rule: VotingRule, coalition) -> bool:
    """Whether ``coalition`` voting yes, everybody else no, adopts (by :func:`reference`)."""
    column = [YES if m in coalition else NO for m in rule.members]
    return reference(rule, column)[0]


@st.composite
def voting_rules(draw, max_members: int = 7, weights: str | None = None) -> VotingRule:
    """Random rules: weights "integer", "half" (k + 1/2, sums exact) or "float"."""
    n = draw(st.integers(1, max_members))
    members = [f"m{i}" for i in range(n)]
    kind = weights or draw(st.sampled_from(["integer", "half", "float"]))
    values = {
        "integer": st.integers(1, 9),
        "half": st.integers(0, 9).map(lambda k: k + 0.5),
        "float": st.floats(0.1, 10.0),
    }[kind]
    weight = dict(zip(members, draw(st.lists(values, min_size=n, max_size=n)), strict=True))
    total = sum(weight.values())
    try:
        return voting_rule(
            members,
            weights=weight,
            veto_players=draw(st.sets(st.sampled_from(members))),
            threshold=draw(st.integers(0, n)),
            weight_threshold=draw(st.integers(0, math.floor(total)) | st.floats(0, total)),
            member_share=draw(st.sampled_from([0.0, 0.5, 0.55, 2 / 3, 1.0])),
            weight_share=draw(st.sampled_from([0.0, 0.5, 0.62, 0.65, 1.0])),
            blocking_members=draw(st.integers(0, n + 1)),
            veto=draw(st.booleans()),
            abstention_vetoes=draw(st.booleans()),
        )
    except ValueError:  # a rule that adopts what nobody votes for
        assume(False)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_count_agrees_with_the_reference_and_does_not_depend_on_r(data):
    rule = data.draw(voting_rules())
    m = len(rule.members)
    votes = data.draw(
        hnp.arrays(np.int8, (m, data.draw(st.integers(0, 8))), elements=st.sampled_from([-1, 0, 1]))
    )
    tally = rule.count(votes)
    r = votes.shape[1]
    assert tally.yes.shape == tally.yes_weight.shape == tally.adopted.shape == (r,)
    assert tally.vetoed.shape == (m, r)
    np.testing.assert_array_equal(tally.yes + tally.no + tally.abstain, m)
    assert not np.any(tally.vetoed.any(axis=0) & tally.adopted)
    assert not tally.vetoed[~rule.veto_players].any()
    for j in range(r):
        adopted, vetoed, yes_weight = reference(rule, votes[:, j])
        assert tally.adopted[j] == adopted
        assert tally.vetoed[:, j].tolist() == vetoed
        assert tally.yes_weight[j] == yes_weight  # bit for bit
        one = rule.count(votes[:, j : j + 1])
        assert one.yes_weight[0] == tally.yes_weight[j] and one.adopted[0] == tally.adopted[j]


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_wins_is_count_with_everybody_else_voting_no(data):
    rule = data.draw(voting_rules())
    coalition = data.draw(st.sets(st.sampled_from(rule.members)))
    assert rule.wins(coalition) == plain_wins(rule, coalition)
    assert rule.wins(rule.members)  # the quotas can be reached
    assert not rule.wins(())


# --------------------------------------------------------------------------------------------
# Weighted votes: the EU Council of 1995 and 1986, by hand
# --------------------------------------------------------------------------------------------


def test_eu_1995_weights_and_quota():
    assert EU_1995.members == EU_15
    assert EU_1995.weights.tolist() == [10, 10, 10, 10, 8, 5, 5, 5, 5, 4, 4, 3, 3, 3, 2]
    assert EU_1995.total_weight == 87 and EU_1995.weight_threshold == 62
    assert not EU_1995.veto_players.any()
    assert EU_1995.member_quota == 0


def test_eu_1995_hand_computed():
    large, five = ["germany", "france", "italy", "united_kingdom"], ["belgium", "greece"]
    five += ["netherlands", "portugal"]
    votes = _votes(
        EU_1995,
        # 0: the four large + Spain + the four five-vote members: 40 + 8 + 20 = 68 >= 62
        {"no": ["austria", "sweden", "denmark", "ireland", "finland", "luxembourg"]},
        # 1: a blocking minority of 26 votes: Germany, France, Denmark, Ireland: 61 < 62
        {"no": ["germany", "france", "denmark", "ireland"]},
        # 2: 25 votes do not block: Germany, France, Belgium: 62
        {"no": ["germany", "france", "belgium"]},
        # 3: abstaining is not voting yes: the same 26 votes abstain and still block
        {"abstain": ["germany", "france", "denmark", "ireland"]},
        # 4: the small eleven (47 votes) against the large four: 40 < 62
        {"no": [m for m in EU_15 if m not in large]},
    )
    tally = EU_1995.count(votes)
    np.testing.assert_array_equal(tally.yes_weight, [68, 61, 62, 61, 40])
    np.testing.assert_array_equal(tally.yes, [9, 11, 12, 11, 4])
    np.testing.assert_array_equal(tally.adopted, [True, False, True, False, False])
    assert not tally.vetoed.any()
    assert EU_1995.wins([*large, "spain", *five])
    # Spain, Belgium, Greece, the Netherlands and Denmark: 26 votes block; 61 remain.
    blocking = ("spain", "belgium", "greece", "netherlands", "denmark")
    assert not EU_1995.wins([m for m in EU_15 if m not in blocking])


def test_eu_1986_blocking_minority_is_23_votes():
    rule = rule_from_preset("eu_council_1986", EU_12)
    assert rule.total_weight == 76 and rule.weight_threshold == 54
    # Germany, United Kingdom and Denmark: 23 votes, leaving 53 < 54; Germany, France and
    # Luxembourg: 22 votes, leaving 54.
    assert not rule.wins([m for m in EU_12 if m not in ("germany", "united_kingdom", "denmark")])
    assert rule.wins([m for m in EU_12 if m not in ("germany", "france", "luxembourg")])


def test_eu_1958_weights():
    rule = rule_from_preset(
        "eu_council_1958", ["france", "germany", "italy", "belgium", "netherlands", "luxembourg"]
    )
    assert rule.weights.tolist() == [4, 4, 4, 2, 2, 1] and rule.weight_threshold == 12


def test_treaty_weights_can_be_overridden_and_extended():
    rule = rule_from_preset("eu_council_1995", (*EU_15, "norway"), weights={"norway": 3})
    assert rule.weights[-1] == 3 and rule.total_weight == 90
    rule = rule_from_preset("eu_council_1995", EU_15, weights={"luxembourg": 5})
    assert rule.weights[-1] == 5
    with pytest.raises(ValueError, match=r"'norway'.*germany, france"):
        rule_from_preset("eu_council_1995", (*EU_15, "norway"))


def test_treaty_threshold_override_for_acts_not_on_a_commission_proposal():
    # Art. 148(2) TEC: 62 votes cast by at least ten members.
    rule = rule_from_preset("eu_council_1995", EU_15, threshold=10)
    nine = ["germany", "france", "italy", "united_kingdom", "spain", "belgium", "greece"]
    nine += ["netherlands", "portugal"]  # 68 votes, but nine members
    assert EU_1995.wins(nine) and not rule.wins(nine)
    assert rule.wins([*nine, "luxembourg"])


# --------------------------------------------------------------------------------------------
# The double majority (Art. 16(4) TEU; Art. 238(3)(a) TFEU), by hand
# --------------------------------------------------------------------------------------------

# Nine members; populations sum to 100. 55% of 9 = 4.95: five members; 65% of the population.
POPULATIONS = {"a": 40, "b": 20, "c": 10} | {m: 5 for m in "defghi"}


def test_double_majority_hand_computed():
    rule = voting_rule(
        list(POPULATIONS),
        weights=POPULATIONS,
        member_share=0.55,
        weight_share=0.65,
        blocking_members=4,
    )
    assert rule.member_quota == 5
    assert rule.weight_quota == pytest.approx(65)
    votes = _votes(
        rule,
        # 0: three populous members (70%) vote no: no blocking minority (fewer than four
        #    members), so the population condition is deemed met: six members adopt.
        {"no": ["a", "b", "c"]},
        # 1: add a fourth member: a blocking minority (five members with 25% remain).
        {"no": ["a", "b", "c", "d"]},
        # 2: four small members against (20%): five members with 80% adopt.
        {"no": ["d", "e", "f", "g"]},
        # 3: five small members against: four members (75%) are too few.
        {"no": ["d", "e", "f", "g", "h"]},
        # 4: the most populous abstains (not yes): eight members, 60% < 65%, but only one
        #    member does not vote yes, so the draft is adopted.
        {"abstain": ["a"]},
        # 5: four members abstain (55% of the population): a blocking minority.
        {"abstain": ["a", "g", "h", "i"]},
    )
    tally = rule.count(votes)
    np.testing.assert_array_equal(tally.yes, [6, 5, 5, 4, 8, 5])
    np.testing.assert_array_equal(tally.yes_weight, [30, 25, 80, 75, 60, 45])
    np.testing.assert_array_equal(tally.adopted, [True, False, True, False, True, False])
    without_clause = voting_rule(
        list(POPULATIONS), weights=POPULATIONS, member_share=0.55, weight_share=0.65
    )
    np.testing.assert_array_equal(
        without_clause.count(votes).adopted, [False, False, True, False, False, False]
    )


def test_eu_2014_preset():
    fifteen = POPULATIONS | {f"x{i}": 1 for i in range(6)}
    rule = rule_from_preset("eu_council_2014", list(fifteen), weights=fifteen)
    assert (rule.threshold, rule.member_share, rule.weight_share) == (15, 0.55, 0.65)
    assert rule.blocking_members == 4 and rule.member_quota == 15
    with pytest.raises(ValueError, match="population"):
        rule_from_preset("eu_council_2014", list(POPULATIONS))
    # Taken literally, Art. 16(4) TEU's "at least fifteen" cannot be met by nine members.
    with pytest.raises(ValueError, match="threshold 15"):
        rule_from_preset("eu_council_2014", list(POPULATIONS), weights=POPULATIONS)


def test_eu_2014_partial_blocking_minority():
    # "The minimum number of members representing more than 35% of the population, plus
    # one": "a" alone holds 40%, so two members block; of ten equal members four hold 40%
    # (three only 30%), so five block.
    rule = rule_from_preset("eu_council_2014_partial", list(POPULATIONS), weights=POPULATIONS)
    assert (rule.threshold, rule.blocking_members) == (0, 2)
    assert (rule.member_share, rule.weight_share) == (0.55, 0.65)
    equal = {f"m{i}": 1 for i in range(10)}
    assert (
        rule_from_preset("eu_council_2014_partial", list(equal), weights=equal).blocking_members
        == 5
    )
    with pytest.raises(ValueError, match="population"):
        rule_from_preset("eu_council_2014_partial", list(POPULATIONS))
    # Here "a" and one more member block, though the seven others hold 55% of the people.
    assert not rule.wins(set(POPULATIONS) - {"a", "i"})
    assert rule.wins(set(POPULATIONS) - {"b", "c"})  # 70%


# --------------------------------------------------------------------------------------------
# Unanimity (Art. 238(4) TFEU) and simple majority
# --------------------------------------------------------------------------------------------


def test_unanimity_abstention_does_not_prevent_adoption():
    rule = rule_from_preset("unanimity", ["x", "y", "z"])
    assert rule.veto_players.all() and rule.threshold == 1
    votes = _votes(rule, {"abstain": ["z"]}, {"no": ["z"]}, {"abstain": ["x", "y", "z"]}, {})
    tally = rule.count(votes)
    np.testing.assert_array_equal(tally.adopted, [True, False, False, True])
    np.testing.assert_array_equal(tally.vetoed[:, 1], [False, False, True])
    assert not tally.vetoed[:, [0, 2, 3]].any()  # all abstaining: no yes vote, no veto

    literal = rule_from_preset("unanimity", ["x", "y", "z"], abstention_vetoes=True)
    tally = literal.count(votes)
    np.testing.assert_array_equal(tally.adopted, [False, False, False, True])
    np.testing.assert_array_equal(tally.vetoed[:, 0], [False, False, True])
    assert not tally.vetoed[:, 2].any()  # nothing to veto without a yes vote
    assert resolve_vote({"x": "yes", "y": "yes"}, literal).adopted  # z absent: no veto


@pytest.mark.parametrize(("m", "quota"), [(1, 1), (2, 2), (3, 2), (4, 3), (5, 3), (193, 97)])
def test_majority_of_the_members(m, quota):
    rule = rule_from_preset("majority", [f"m{i}" for i in range(m)])
    assert rule.threshold == quota and not rule.veto_players.any()


def test_security_council_preset():
    members = ["p1", "p2", *(f"e{i}" for i in range(13))]
    rule = rule_from_preset("security_council", members, ["p1", "p2"])
    assert rule.threshold == 9 and rule.veto and not rule.abstention_vetoes
    assert rule.veto_players.tolist() == [True, True] + [False] * 13
    assert (rule.weights == 1).all()


def test_presets_are_registered_with_their_sources():
    assert VOTING_RULES.names == (
        "security_council",
        "eu_council_1958",
        "eu_council_1986",
        "eu_council_1995",
        "eu_council_2014",
        "eu_council_2014_partial",
        "unanimity",
        "majority",
    )
    fields = {"weights", "veto_players", "threshold", "weight_threshold", "member_share"}
    fields |= {"weight_share", "blocking_members", "veto", "abstention_vetoes"}
    for name in VOTING_RULES:  # every field, at the body's value
        assert set(VOTING_RULES[name](EU_15, (), dict.fromkeys(EU_15, 1))) == fields
    with pytest.raises(UnknownRuleError):
        rule_from_preset("qmv", EU_15)
    with pytest.raises(TypeError):
        rule_from_preset("majority", EU_15, quorum=3)


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------

NAMES = ["a", "b", "c"]


@pytest.mark.parametrize(
    ("members", "fields", "match"),
    [
        ("abc", {"threshold": 1}, "not a string"),
        ([], {"threshold": 1}, "at least one member"),
        (["a", "a"], {"threshold": 1}, "repeated"),
        (["a", ""], {"threshold": 1}, "non-empty strings"),
        (["a", 1], {"threshold": 1}, "non-empty strings"),
        (NAMES, {"threshold": 1, "veto_players": "a"}, "not a string"),
        (NAMES, {"threshold": 1, "veto_players": ["d"]}, r"veto_players.*\['d'\]"),
        (NAMES, {"threshold": 1, "weights": {"a": 1, "b": 1}}, r"no weight.*\['c'\]"),
        (NAMES, {"threshold": 1, "weights": {"a": 1, "b": 1, "c": 1, "d": 1}}, "'d'"),
        (NAMES, {"threshold": 1, "weights": {"a": 1, "b": 0, "c": 1}}, "'b' must be positive"),
        (NAMES, {"threshold": 1, "weights": {"a": 1, "b": -2, "c": 1}}, "positive"),
        (NAMES, {"threshold": 1, "weights": {"a": 1, "b": "2", "c": 1}}, "finite number"),
        (NAMES, {"threshold": 1, "weights": {"a": 1, "b": np.inf, "c": 1}}, "finite number"),
        (NAMES, {"threshold": 1, "weights": {"a": 1, "b": True, "c": 1}}, "finite number"),
        (NAMES, {"threshold": 1, "weights": [1, 1, 1]}, "map member names"),
        (NAMES, {"threshold": 4}, "threshold 4 can never be reached"),
        (NAMES, {"threshold": -1}, "threshold"),
        (NAMES, {"threshold": 1.0}, "threshold"),
        (NAMES, {"threshold": True}, "threshold"),
        (NAMES, {"weight_threshold": 3.5}, "never be reached.*total weight is 3"),
        (NAMES, {"weight_threshold": -1}, "weight_threshold"),
        (NAMES, {"weight_threshold": np.nan}, "weight_threshold"),
        (NAMES, {"member_share": 1.5}, "member_share must be between 0 and 1"),
        (NAMES, {"weight_share": -0.1}, "weight_share must be between 0 and 1"),
        (NAMES, {"weight_share": "0.5"}, "weight_share"),
        (NAMES, {"threshold": 1, "blocking_members": 1.5}, "blocking_members"),
        (NAMES, {"threshold": 1, "veto": 1}, "veto must be True or False"),
        (NAMES, {"threshold": 1, "abstention_vetoes": None}, "abstention_vetoes"),
        (NAMES, {}, "nobody votes for"),
        (NAMES, {"veto_players": NAMES}, "nobody votes for"),
        (NAMES, {"weight_share": 0.5, "blocking_members": 4}, "more than the 3 members"),
    ],
)
def test_voting_rule_rejects(members, fields, match):
    with pytest.raises(ValueError, match=match):
        voting_rule(members, **fields)


def test_voting_rule_arrays_are_read_only_copies():
    weights = {"a": 1, "b": 2, "c": 3}
    rule = voting_rule(NAMES, weights=weights, veto_players=["a"], threshold=2)
    assert rule.weights.dtype == float and rule.veto_players.dtype == bool
    with pytest.raises(ValueError):
        rule.weights[0] = 5
    with pytest.raises(ValueError):
        rule.veto_players[1] = True
    with pytest.raises(ValueError, match="shape"):
        VotingRule(members=("a", "b"), weights=np.ones(3), veto_players=np.zeros(2, bool))


def test_member_and_weight_quotas_tolerate_rounding():
    twenty_five = [f"m{i}" for i in range(25)]
    assert 0.56 * 25 > 14  # 14.000000000000002
    assert voting_rule(twenty_five, member_share=0.56).member_quota == 14
    assert voting_rule([f"m{i}" for i in range(27)], member_share=0.55).member_quota == 15
    tenths = {"a": 0.2, "b": 0.7, "c": 0.1}
    assert 0.2 + 0.7 + 0.1 < 1  # 0.9999999999999999
    rule = voting_rule(list(tenths), weights=tenths, weight_threshold=1.0)
    assert rule.wins(list(tenths)) and not rule.wins(["a", "b"])


@pytest.mark.parametrize(
    ("votes", "match"),
    [
        (np.ones((2, 1), dtype=np.int8), "one row per member"),
        (np.ones(3, dtype=np.int8), "2-D"),
        (np.ones((3, 1)), "integer"),
        (np.full((3, 1), 5, dtype=np.int8), "vote code"),
    ],
)
def test_count_rejects_bad_votes(votes, match):
    with pytest.raises(ValueError, match=match):
        voting_rule(NAMES, threshold=2).count(votes)


def test_wins_rejects_unknown_names_and_strings():
    rule = voting_rule(NAMES, threshold=2)
    with pytest.raises(ValueError, match="'d'"):
        rule.wins(["a", "d"])
    with pytest.raises(ValueError, match="not a string"):
        rule.wins("ab")
