"""Tests for sim.unilateral and the model's unilateral action: the rules, consent, the hazard.

The rules are checked on hand-built `Situation`s; the patrons' consent and the value of acting
and of staying on the tiny scenario of conftest.py, with `friend` added: capability 3, at the
declared point (0.9, 0.9), so it judges the declaration +0.4 over the status quo (0.5, 0.5) and
recognises it. South (capability 1, at (0.9, 0.9)) may declare; north and the broker judge it
-0.4 (no). Backing: friend's share of the others' capability, 3 / (1 + 1 + 3) = 0.6. Every
expectation is computed by hand in the comment next to it.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_model, merge, party

from sim.model import NegotiationModel
from sim.records import Outcome
from sim.rules import UnknownRuleError
from sim.scenario import ScenarioError
from sim.unilateral import UNILATERAL_RULES, Option, Situation, clock, expected_value

DECLARATION = {"a": 0.9, "b": 0.9}


def option(**values) -> Option:
    numbers = {"earliest_round": 3, "base_rate": 0.0, "growth": 0.0, "resolve": 0.0} | values
    return Option(point=np.array([[0.9], [0.9]]), **numbers)


def situation(round_=5, **values) -> Situation:
    """A situation in 4 replicates; every array given or filled with a default."""
    defaults = {
        "open": [True] * 4,
        "backing": [1.0] * 4,
        "consent": [1.0] * 4,
        "acting": [0.0] * 4,
        "staying": [0.0] * 4,
    }
    arrays = {name: np.array(values.get(name, value)) for name, value in defaults.items()}
    return Situation(round=round_, **arrays)


# --- the rules --------------------------------------------------------------------------------


def test_the_registry_holds_both_rules():
    assert UNILATERAL_RULES["clock"] is clock
    assert UNILATERAL_RULES["expected_value"] is expected_value
    with pytest.raises(UnknownRuleError):
        UNILATERAL_RULES["coin"]


def test_clock_grows_with_the_rounds_of_deadlock_times_the_backing():
    # Earliest round 3, base 0.1, growth 0.05: in round 5, 0.1 + 0.05 x 2 = 0.2, times the
    # backing (1, 0.5, 0, 1); not open in replicate 3: 0.
    hazard = clock(
        option(base_rate=0.1, growth=0.05),
        situation(open=[True, True, True, False], backing=[1.0, 0.5, 0.0, 1.0]),
    )
    np.testing.assert_allclose(hazard, [0.2, 0.1, 0.0, 0.0])


def test_clock_is_capped_at_one_and_ignores_consent_and_utilities():
    # Round 9: 0.1 + 0.5 x 6 = 3.1, capped at 1, times backing 0.8. Consent and the values of
    # acting and staying play no part in the clock.
    hazard = clock(
        option(base_rate=0.1, growth=0.5),
        situation(
            round_=9,
            backing=[0.8] * 4,
            consent=[0.0, 1.0, 0.5, 0.0],
            acting=[-1.0, 0.0, 1.0, 0.0],
            staying=[0.0, -1.0, 1.0, 0.0],
        ),
    )
    np.testing.assert_allclose(hazard, [0.8] * 4)


def test_clock_at_the_earliest_round_is_the_base_rate():
    # Round 3 = earliest: 0.3 + 0.2 x 0 = 0.3; per-replicate earliest rounds (1, 3, 2, 4)
    # in round 3: waited (2, 0, 1, 0) -> (0.7, 0.3, 0.5, 0.3) (open decides replicate 3).
    np.testing.assert_allclose(
        clock(option(base_rate=0.3, growth=0.2), situation(round_=3)), [0.3] * 4
    )
    hazard = clock(
        option(base_rate=0.3, growth=0.2, earliest_round=np.array([1, 3, 2, 4])),
        situation(round_=3, open=[True, True, True, False]),
    )
    np.testing.assert_allclose(hazard, [0.7, 0.3, 0.5, 0.0])


def test_expected_value_acts_on_the_gain_of_acting_over_staying():
    # Resolve 2. Gains: -0.1 - (-0.4) = 0.3; -0.1 - (-0.2) = 0.1; -0.3 - (-0.2) < 0: 0;
    # 0.3 again with consent 0.5. Hazards: min(1, 0.6) = 0.6, 0.2, 0, 0.5 x 0.6 = 0.3.
    hazard = expected_value(
        option(resolve=2.0),
        situation(
            acting=[-0.1, -0.1, -0.3, -0.1],
            staying=[-0.4, -0.2, -0.2, -0.4],
            consent=[1.0, 1.0, 1.0, 0.5],
        ),
    )
    np.testing.assert_allclose(hazard, [0.6, 0.2, 0.0, 0.3])


def test_expected_value_is_capped_at_one_and_closed_before_its_round():
    # Resolve 5 per replicate (5, 5, 1, 5): gain 0.3 -> 1.5 capped at 1, 1, 0.3; not open: 0.
    hazard = expected_value(
        option(resolve=np.array([5.0, 5.0, 1.0, 5.0])),
        situation(
            open=[True, True, True, False],
            acting=[0.0] * 4,
            staying=[-0.3] * 4,
            consent=[1.0, 0.4, 1.0, 1.0],
        ),
    )
    np.testing.assert_allclose(hazard, [1.0, 0.4, 0.3, 0.0])


def test_expected_value_without_resolve_never_acts():
    hazard = expected_value(option(resolve=0.0), situation(acting=[1.0] * 4, staying=[-1.0] * 4))
    np.testing.assert_array_equal(hazard, [0.0] * 4)


# --- the patrons' consent ---------------------------------------------------------------------


def consent_model(**changes) -> NegotiationModel:
    """South with an option; friend (c 3) and guardian (c 2) more capable, weak (c 0.5) less."""
    base = {
        "parties": {
            "friend": party(0.9, 0.9, capability=3.0),
            "guardian": party(0.9, 0.9, capability=2.0),
            "weak": party(0.9, 0.9, capability=0.5),
        },
        "unilateral": {"south": {"point": DECLARATION, "rule": "expected_value"}},
    }
    return make_model(replicates=1, **merge(base, changes))


def endorsing(model: NegotiationModel, *refusing: str) -> np.ndarray:
    """Every party expected to judge the act favourably but those named, (N, 1)."""
    endorsed = np.ones((len(model.parties), 1), dtype=bool)
    for name in refusing:
        endorsed[model.party(name).index] = False
    return endorsed


def test_consent_is_one_without_patrons():
    # No alliance at all; then an alliance with a less capable party (not a patron) and with a
    # more capable rival (negative strength: not a patron either).
    model = consent_model()
    south = model.party("south")
    np.testing.assert_array_equal(model.consent(south, endorsing(model)), [1.0])
    model = consent_model(
        parties={"weak": {"restraint": 1.0}, "friend": {"restraint": 1.0}},
        alliances=[
            {"between": ["south", "weak"], "strength": 0.9},
            {"between": ["south", "friend"], "strength": -0.5},
        ],
    )
    south = model.party("south")
    np.testing.assert_array_equal(model.consent(south, endorsing(model, "weak", "friend")), [1.0])


@pytest.mark.parametrize(
    ("restraint", "refusing", "expected"),
    [
        # Patrons friend (P 0.8) and guardian (P 0.2): consent
        # (0.8 e_f (1 - r_f) + 0.2 e_g (1 - r_g)) / (0.8 + 0.2).
        ((0.0, 0.0), (), 1.0),
        ((1.0, 1.0), (), 0.0),  # restraint 1 on every patron: no consent
        ((0.0, 1.0), (), 0.8),
        ((0.25, 0.0), (), 0.8 * 0.75 + 0.2),
        ((0.0, 0.5), ("friend",), 0.2 * 0.5),  # friend expected to judge it no
        ((0.0, 0.0), ("friend", "guardian"), 0.0),
    ],
)
def test_consent_weighs_the_patrons_endorsement_and_restraint(restraint, refusing, expected):
    model = consent_model(
        parties={"friend": {"restraint": restraint[0]}, "guardian": {"restraint": restraint[1]}},
        alliances=[
            {"between": ["south", "friend"], "strength": 0.8},
            {"between": ["south", "guardian"], "strength": 0.2},
        ],
    )
    south = model.party("south")
    np.testing.assert_allclose(model.consent(south, endorsing(model, *refusing)), [expected])
    np.testing.assert_allclose(model.patronage[south.index, model.party("friend").index], [0.8])
    assert model.patronage[model.party("friend").index, south.index] == 0.0  # not the reverse


def test_restraint_set_between_steps_takes_effect():
    model = consent_model(alliances=[{"between": ["south", "friend"], "strength": 0.8}])
    south, friend = model.party("south"), model.party("friend")
    np.testing.assert_allclose(model.consent(south, endorsing(model)), [1.0])
    friend.restraint = 0.6
    np.testing.assert_allclose(model.consent(south, endorsing(model)), [0.4])
    with pytest.raises(ValueError, match="restraint"):
        friend.restraint = 1.5


# --- the value of acting and of staying, in the model ------------------------------------------


def unilateral_model(replicates=1, seed=11, option=None, **changes) -> NegotiationModel:
    """South may declare (0.9, 0.9) by `expected_value`; friend (c 3) is its patron (0.8)."""
    base = {
        "parties": {"friend": party(0.9, 0.9, capability=3.0)},
        "alliances": [{"between": ["south", "friend"], "strength": 0.8}],
        "unilateral": {
            "south": {
                "point": DECLARATION,
                "rule": "expected_value",
                "resolve": 1.0,
                **(option or {}),
            }
        },
    }
    return make_model(replicates=replicates, seed=seed, **merge(base, changes))


@pytest.mark.parametrize(("restraint", "expected"), [(0.0, 0.24), (0.5, 0.12), (1.0, 0.0)])
def test_hazard_of_acting_alone_against_waiting(restraint, expected):
    # Acting: 0.6 U(0.9, 0.9) + 0.4 U(status quo) = 0.6 x 0 + 0.4 x -0.4 = -0.16.
    # Staying (no proposal yet): U(no deal = status quo) - 0 = -0.4. Gain 0.24, resolve 1;
    # consent 1 - restraint.
    model = unilateral_model(parties={"friend": {"restraint": restraint}})
    hazard = model.party("south").unilateral_hazard(1, np.array([0.6]))
    np.testing.assert_allclose(hazard, [expected])


def test_a_proposal_on_the_table_inside_its_lines_counts_as_staying():
    # South's red lines open, no-deal point (0, 0): U = -0.9. Round 1: the troika proposes
    # (0.5, 0.5), north refuses it (its line 0.2 on a): it stays on the table for south,
    # U = -0.4. Earliest round 5, so south cannot act in round 1; asked about round 5:
    # staying = max(-0.9, -0.4) = -0.4; acting (backing 0.6) -0.16: gain 0.24.
    changes = {"parties": {"south": {"red_lines": None, "no_deal": {"a": 0.0, "b": 0.0}}}}
    model = unilateral_model(option={"earliest_round": 5}, **changes)
    model.step()
    assert model.last_proposal is not None and model.active.all()
    south = model.party("south")
    np.testing.assert_allclose(south.unilateral_hazard(5, np.array([0.6])), [0.24])
    # With its stated line [0.8, 1] on a, the proposal (0.5) is not on the table for south:
    # staying = -0.9, gain 0.74.
    model = unilateral_model(
        option={"earliest_round": 5},
        parties={"south": {"no_deal": {"a": 0.0, "b": 0.0}}},
    )
    model.step()
    np.testing.assert_allclose(model.party("south").unilateral_hazard(5, np.array([0.6])), [0.74])


def test_an_inducement_and_the_stalemate_cost_enter_staying():
    # As above with the proposal on the table; an inducement of 0.1 to south: staying -0.3,
    # gain 0.14. Then no proposal on the table (stated line kept), stalemate cost 0.2 a round:
    # after round 1, staying = -0.9 - 0.2 = -1.1, gain 0.94.
    changes = {
        "parties": {"south": {"red_lines": None, "no_deal": {"a": 0.0, "b": 0.0}}},
        "leverage": {"broker": {"budget": 0.1, "inducements": {"south": 0.1}}},
    }
    model = unilateral_model(option={"earliest_round": 5}, **changes)
    model.step()
    np.testing.assert_allclose(model.party("south").unilateral_hazard(5, np.array([0.6])), [0.14])
    model = unilateral_model(
        option={"earliest_round": 5},
        parties={"south": {"no_deal": {"a": 0.0, "b": 0.0}, "stalemate_cost": 0.2}},
    )
    model.step()
    np.testing.assert_allclose(model.party("south").unilateral_hazard(5, np.array([0.6])), [0.94])


def test_no_hazard_before_the_earliest_round_or_without_an_option():
    model = unilateral_model(option={"earliest_round": 3})
    south = model.party("south")
    np.testing.assert_array_equal(south.unilateral_hazard(2, np.array([0.6])), [0.0])
    np.testing.assert_allclose(south.unilateral_hazard(3, np.array([0.6])), [0.24])
    np.testing.assert_array_equal(model.party("north").unilateral_hazard(3, np.array([0.6])), [0.0])


def test_an_unknown_rule_is_refused_in_the_scenario():
    with pytest.raises(ScenarioError, match=r"unilateral\.south\.rule"):
        unilateral_model(option={"rule": "coin"})


# --- through the model -------------------------------------------------------------------------


def test_restraint_one_on_every_patron_means_no_act():
    # Two patrons (friend, guardian), both restraint 1: consent 0, no act in any replicate,
    # though acting gains a lot: backing (3 + 2) / 7, acting 2/7 x -0.4, staying -0.4: gain
    # 0.4 x 5/7 = 0.29 a round, times resolve 5: a hazard of 1 with consent.
    changes = {
        "parties": {
            "friend": {"restraint": 1.0},
            "guardian": party(0.9, 0.9, capability=2.0, restraint=1.0),
        },
        "alliances": [
            {"between": ["south", "friend"], "strength": 0.8},
            {"between": ["south", "guardian"], "strength": 0.5},
        ],
    }
    records = unilateral_model(1000, option={"resolve": 5.0}, **changes).run()
    assert records.outcome.tolist() == [Outcome.DEADLOCK] * 1000
    assert not records.recognised.any()
    # One patron lets go: consent 0.5 / (0.8 + 0.5) of the ties, times 1: hazard 0.385.
    changes["parties"]["guardian"]["restraint"] = 0.0
    records = unilateral_model(1000, option={"resolve": 5.0}, **changes).run()
    acted = records.outcome == Outcome.UNILATERAL
    assert acted.any()
    first = (records.end_round == 1) & acted
    assert first.mean() == pytest.approx(0.5 / 1.3, abs=4 * np.sqrt(0.25 / 1000))


@pytest.mark.parametrize("resolve", [0.5, 2.0])
def test_action_frequency_matches_the_expected_value_hazard(resolve):
    # Nothing moves, so the gain is 0.24 in every round: hazard min(1, resolve x 0.24), 0.12
    # or 0.48. Among the replicates live at the start of each round, the share acting should
    # be within 4 standard errors of it.
    records = unilateral_model(4000, seed=2024, option={"resolve": resolve}).run()
    acted = records.outcome == Outcome.UNILATERAL
    hazard = min(1.0, resolve * 0.24)
    for round_ in range(1, 7):
        live = int((records.end_round >= round_).sum())
        acts = int((acted & (records.end_round == round_)).sum())
        tolerance = 4 * np.sqrt(hazard * (1 - hazard) / live)
        assert acts / live == pytest.approx(hazard, abs=tolerance), round_
    recognisers = dict(zip(records.parties, records.recognised, strict=True))
    np.testing.assert_array_equal(recognisers["friend"], acted)


def test_more_resolve_means_earlier_acts():
    # Same seed: hazards 0.12 (resolve 0.5) and 0.48 (resolve 2). More act, and sooner: the
    # mean round of action is 1 / h truncated at the horizon, about 3.1 against 1.9.
    runs = {
        resolve: unilateral_model(4000, seed=5, option={"resolve": resolve}).run()
        for resolve in (0.5, 2.0)
    }
    acted = {r: runs[r].outcome == Outcome.UNILATERAL for r in runs}
    assert acted[2.0].mean() > acted[0.5].mean() + 0.3
    mean_round = {r: runs[r].end_round[acted[r]].mean() for r in runs}
    assert mean_round[2.0] < mean_round[0.5] - 0.5
    # Nothing else draws random numbers, so each replicate meets the same uniform draws in
    # both runs: a replicate that acted by round 3 with the low hazard did with the high one.
    acted_by_3 = {r: acted[r] & (runs[r].end_round <= 3) for r in runs}
    assert acted_by_3[2.0].sum() > acted_by_3[0.5].sum()
    assert not (acted_by_3[0.5] & ~acted_by_3[2.0]).any()
    assert (runs[2.0].end_round[acted[0.5]] <= runs[0.5].end_round[acted[0.5]]).all()


def test_a_clock_option_with_a_patron_that_restrains_still_acts():
    # The clock rule (the default) knows nothing of consent: restraint does not hold it back.
    # Base rate 1 x backing 0.6 = 0.6 in round 1.
    records = unilateral_model(
        2000,
        option={"rule": "clock", "base_rate": 1.0},
        parties={"friend": {"restraint": 1.0}},
    ).run()
    first = (records.outcome == Outcome.UNILATERAL) & (records.end_round == 1)
    assert first.mean() == pytest.approx(0.6, abs=4 * np.sqrt(0.24 / 2000))


def test_the_offer_on_the_table_counts_after_other_replicates_end_in_the_same_round():
    # South (expected_value, resolve 1): red lines open, no-deal point (0, 0), U = -0.9. The
    # troika's (0.5, 0.5), refused by north, stays on the table for it: staying -0.4. Nobody
    # is expected to recognise its declaration (backing 0): acting = U(status quo) = -0.4.
    # No gain: south never acts. North may act first (clock, base rate 1, from round 2,
    # backed by `friend` at its point: 1/3), ending some replicates in each round before
    # south decides; that must not change south's choice in the others.
    model = make_model(
        replicates=400,
        seed=3,
        parties={
            "south": {"red_lines": None, "no_deal": {"a": 0.0, "b": 0.0}},
            "friend": party(0.1, 0.1),
        },
        unilateral={
            "north": {"point": {"a": 0.1, "b": 0.1}, "earliest_round": 2, "base_rate": 1.0},
            "south": {"point": DECLARATION, "rule": "expected_value", "resolve": 1.0},
        },
    )
    records = model.run()
    north_acted = (records.outcome == Outcome.UNILATERAL) & (records.point[:, 0] == 0.1)
    assert north_acted.any()
    south_acted = (records.outcome == Outcome.UNILATERAL) & (records.point[:, 0] == 0.9)
    assert not south_acted.any()
