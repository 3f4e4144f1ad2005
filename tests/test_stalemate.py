"""Tests for sim.stalemate: the hurting stalemate, leverage and red lines that give way.

The formulas are checked on arrays built by hand; then, through the model, a disputant whose
stated red line blocks the troika's proposal is shown to accept it once the stalemate has cost
it enough, unless its core forbids it, with the audience cost, inducements and sanctions moving
the round it does so. Every expectation is computed by hand in the comment next to it.

The tiny scenario of conftest.py: north at (0.1, 0.1) states [0, 0.2] on `a`; south at (0.9,
0.9); the broker, alone in the troika, proposes the disputants' mean (0.5, 0.5) every round;
equal salience (0.5 per issue); no-deal points at the status quo (0.5, 0.5); nobody moves.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_model, merge, party

from sim.mediation import Proposal
from sim.model import NegotiationModel
from sim.records import Outcome, RunRecords
from sim.stalemate import Leverage, inducement, lines_in_force, rounds_since, stalemate_cost


def leverage(from_round, inducements, sanctions) -> Leverage:
    """Leverage arrays from nested lists: (G, W), (G, N, W), (G, N, W)."""
    return Leverage(
        np.array(from_round, dtype=float),
        np.array(inducements, dtype=float),
        np.array(sanctions, dtype=float),
    )


NO_LEVERAGE = leverage(np.zeros((0, 1)), np.zeros((0, 2, 1)), np.zeros((0, 2, 1)))

TWO_GIVERS = leverage(
    from_round=[[1], [3]],
    inducements=[[[0.1], [0.2]], [[0.3], [0.0]]],
    sanctions=[[[0.05], [0.0]], [[0.0], [0.2]]],
)
"""Giver 0 from round 1: offers 0.1 to party 0 and 0.2 to party 1, sanctions party 0 by 0.05 a
round. Giver 1 from round 3: offers 0.3 to party 0, sanctions party 1 by 0.2 a round."""


# --- the formulas ------------------------------------------------------------------------------


def test_rounds_since_counts_both_ends_and_none_before():
    assert rounds_since(5, 3) == 3  # rounds 3, 4, 5
    assert rounds_since(3, 3) == 1
    assert rounds_since(2, 3) == 0
    np.testing.assert_array_equal(rounds_since(4, np.array([1, 4, 6])), [4, 1, 0])


@pytest.mark.parametrize(
    ("round_", "expected"),
    [
        (0, [0.0, 0.0]),  # nobody offers yet
        (1, [0.1, 0.2]),  # giver 0 only
        (2, [0.1, 0.2]),  # an inducement is offered, not accumulated
        (3, [0.4, 0.2]),  # giver 1 joins: 0.1 + 0.3 for party 0
        (10, [0.4, 0.2]),
    ],
)
def test_inducement_sums_the_offers_that_have_begun(round_, expected):
    np.testing.assert_allclose(inducement(TWO_GIVERS, round_), np.array(expected)[:, None])


@pytest.mark.parametrize(
    ("round_", "expected"),
    [
        # Own cost (0.1, 0) from the talks' first round 2; sanctions from their givers' rounds.
        (0, [0.0, 0.0]),
        (1, [0.05, 0.0]),  # no talks yet: giver 0's sanction only
        (2, [0.15, 0.0]),  # 0.1 + 0.05
        (3, [0.15, 0.2]),  # giver 1 sanctions party 1 from round 3
        (4, [0.15, 0.2]),
    ],
)
def test_stalemate_cost_is_what_a_round_costs_own_cost_and_sanctions(round_, expected):
    cost = stalemate_cost(np.array([[0.1], [0.0]]), 2, TWO_GIVERS, round_)
    np.testing.assert_allclose(cost, np.array(expected)[:, None])


def test_the_rounds_costs_add_up_to_rate_times_rounds_since_each_start():
    # Over rounds 1..4 (as the model adds them up): party 0, 0.1 x 3 rounds of talks + 0.05 x
    # 4 rounds of sanction = 0.5; party 1, 0.2 x 2 rounds of sanction = 0.4 (brief: C_i(t) =
    # cost x (t - first + 1)+ + sum of sanctions x (t - from + 1)+).
    total = sum(stalemate_cost(np.array([[0.1], [0.0]]), 2, TWO_GIVERS, t) for t in range(1, 5))
    np.testing.assert_allclose(total, [[0.5], [0.4]])
    closed = np.array([[0.1], [0.0]]) * rounds_since(4, 2) + np.array(
        [[0.05 * rounds_since(4, 1)], [0.2 * rounds_since(4, 3)]]
    )
    np.testing.assert_allclose(total, closed)


def test_without_givers_there_is_no_inducement_and_only_the_own_cost():
    np.testing.assert_array_equal(inducement(NO_LEVERAGE, 5), np.zeros((2, 1)))
    # (0.2, 0.05) a round from round 1: round 5 costs (0.2, 0.05); nothing before round 1.
    cost = stalemate_cost(np.array([[0.2], [0.05]]), 1, NO_LEVERAGE, 5)
    np.testing.assert_allclose(cost, [[0.2], [0.05]])
    np.testing.assert_array_equal(
        stalemate_cost(np.array([[0.2], [0.05]]), 1, NO_LEVERAGE, 0), np.zeros((2, 1))
    )


def test_leverage_per_replicate_columns():
    # One giver, two replicates: offers from round 2 in replicate 0, from round 5 in 1.
    per_replicate = leverage(
        from_round=[[2, 5]],
        inducements=[[[0.1, 0.1], [0.0, 0.0]]],
        sanctions=[[[0.0, 0.0], [0.3, 0.3]]],
    )
    np.testing.assert_allclose(inducement(per_replicate, 3), [[0.1, 0.0], [0.0, 0.0]])
    # Party 1 sanctioned 0.3 a round: in round 3 in replicate 0, not yet in replicate 1.
    cost = stalemate_cost(np.zeros((2, 1)), 1, per_replicate, 3)
    np.testing.assert_allclose(cost, [[0.0, 0.0], [0.3, 0.0]])
    kept = per_replicate.restrict(np.array([False, True]))
    np.testing.assert_array_equal(kept.from_round, [[5]])


STATED = (np.array([[[0.3], [0.3], [0.3]]]), np.array([[[0.5], [0.5], [0.5]]]))
"""One party, three issues, stated red lines [0.3, 0.5] on each."""
CORE = (np.array([[[0.0], [0.25], [0.0]]]), np.array([[[1.0], [0.6], [1.0]]]))
"""Cores: [0, 1] on the first and last issue, [0.25, 0.6] on the second."""
SALIENCE = np.array([[[0.5], [0.5], [0.0]]])
"""Half the weight on each of the first two issues, none on the third."""


def held(pressure: float, audience_cost: float) -> tuple[np.ndarray, np.ndarray]:
    low, high = lines_in_force(
        STATED, CORE, SALIENCE, np.array([[pressure]]), np.array([[audience_cost]])
    )
    return low[0, :, 0], high[0, :, 0]


def test_lines_give_way_by_the_excess_pressure_over_salience():
    # Pressure 0.15 against an audience cost of 0.1: excess 0.05, over salience 0.5: the
    # stated ends move out by 0.1 -> [0.2, 0.6] on issue 0, and on issue 1, whose core is
    # [0.25, 0.6]: [0.25, 0.6] (the low end stops at the core). Issue 2 has no salience: any
    # excess at all takes it to its core [0, 1].
    low, high = held(pressure=0.15, audience_cost=0.1)
    np.testing.assert_allclose(low, [0.2, 0.25, 0.0])
    np.testing.assert_allclose(high, [0.6, 0.6, 1.0])


def test_cores_bind_under_a_large_pressure():
    # Excess 0.2 / 0.5 = 0.4: issue 0 to [-0.1, 0.9], kept at its core's low end 0 -> [0, 0.9];
    # issue 1 to [-0.1, 0.9], kept inside its core -> [0.25, 0.6].
    low, high = held(pressure=0.3, audience_cost=0.1)
    np.testing.assert_allclose(low, [0.0, 0.25, 0.0])
    np.testing.assert_allclose(high, [0.9, 0.6, 1.0])
    # However large the pressure, a line never passes its core.
    low, high = held(pressure=1e6, audience_cost=0.0)
    np.testing.assert_allclose(low, [0.0, 0.25, 0.0])
    np.testing.assert_allclose(high, [1.0, 0.6, 1.0])


@pytest.mark.parametrize(("pressure", "audience_cost"), [(0.0, 0.0), (0.05, 0.1), (0.1, 0.1)])
def test_no_excess_over_the_audience_cost_holds_the_stated_lines(pressure, audience_cost):
    # Pressure at or below the audience cost: no excess, every stated line holds, the issue
    # without salience included (no excess moves nothing, however little it weighs).
    low, high = held(pressure, audience_cost)
    np.testing.assert_allclose(low, [0.3, 0.3, 0.3])
    np.testing.assert_allclose(high, [0.5, 0.5, 0.5])


def test_lines_in_force_per_party_and_replicate():
    # Two parties, one issue, two replicates; stated [0.4, 0.6], cores [0, 1], salience 1.
    # Party 0: pressure (0.1, 0.3), audience cost 0.1 -> excess (0, 0.2) -> [0.4, 0.6], [0.2, 0.8].
    # Party 1: pressure (0.5, 0.5), audience cost 0 -> excess 0.5 -> [0, 1] in both.
    stated = (np.full((2, 1, 1), 0.4), np.full((2, 1, 1), 0.6))
    core = (np.zeros((2, 1, 1)), np.ones((2, 1, 1)))
    low, high = lines_in_force(
        stated,
        core,
        np.ones((2, 1, 1)),
        np.array([[0.1, 0.3], [0.5, 0.5]]),
        np.array([[0.1], [0.0]]),
    )
    np.testing.assert_allclose(low[:, 0], [[0.4, 0.2], [0.0, 0.0]])
    np.testing.assert_allclose(high[:, 0], [[0.6, 0.8], [1.0, 1.0]])


# --- through the model: a stated line that blocks a proposal -----------------------------------

WORN = {
    "parties": {
        "north": {"red_line_cores": {"a": [0.0, 1.0]}, "stalemate_cost": 0.05},
        "south": {"red_lines": None},
    }
}
"""North states [0, 0.2] on a with core [0, 1] and loses 0.05 a round of talks; south's red
lines are open, and it accepts the proposal (0.5, 0.5), worth as much as its no-deal point.
North's stated end on a moves out by pressure / 0.5: it holds 0.2 + 2 x pressure, and reaches
the proposal's 0.5 at a pressure of 0.15. Its utility test always holds (U = U(no deal))."""


def stalemate_run(replicates: int = 2, **changes) -> RunRecords:
    return make_model(replicates=replicates, **merge(WORN, changes)).run()


def test_the_stalemate_wears_a_stated_line_down_until_the_proposal_is_accepted():
    # Pressure 0.05 t: round 1 holds 0.3, round 2 0.4, round 3 0.5: agreement in round 3.
    model = make_model(replicates=2, **WORN)
    north = model.party("north")
    for round_, high in [(1, 0.3), (2, 0.4)]:
        model.step()
        assert model.active.all(), round_
        np.testing.assert_allclose(north.red_lines_in_force()[1], [[high], [1.0]])
        np.testing.assert_allclose(model.stalemate, [[0.05 * round_], [0.0]])
        np.testing.assert_array_equal(north.red_high, [[0.2], [1.0]])  # the stated line stays
    model.step()
    records = model.records()
    assert records.outcome.tolist() == [Outcome.AGREEMENT] * 2
    assert records.end_round.tolist() == [3] * 2
    np.testing.assert_allclose(records.point, np.full((2, 2), 0.5))


def test_a_core_that_excludes_the_proposal_never_gives_way_to_it():
    # Core [0, 0.4]: the held line stops at 0.4 < 0.5 however long the stalemate: deadlock.
    narrow = {"parties": {"north": {"red_line_cores": {"a": [0.0, 0.4]}}}}
    model = make_model(replicates=2, **merge(WORN, narrow))
    records = model.run()
    assert records.outcome.tolist() == [Outcome.DEADLOCK] * 2
    assert records.end_round.tolist() == [6] * 2
    assert records.proposals.tolist() == [6] * 2
    # By round 6 the pressure 0.3 would take it to 0.8; the core keeps it at 0.4.
    np.testing.assert_allclose(model.held_high[0], [[0.4], [1.0]])


@pytest.mark.parametrize(
    ("changes", "round_"),
    [
        ({}, 3),  # pressure 0.05 t reaches 0.15 in round 3
        # Audience cost 0.05: the excess 0.05 t - 0.05 reaches 0.15 in round 4.
        ({"parties": {"north": {"audience_cost": 0.05}}}, 4),
        # Inducement 0.05 from round 1: pressure 0.05 t + 0.05 reaches 0.15 in round 2.
        ({"leverage": {"broker": {"budget": 0.1, "inducements": {"north": 0.05}}}}, 2),
        # The same inducement from round 3 only: 0.05 x 3 + 0.05 = 0.2 in round 3, as without.
        (
            {
                "leverage": {
                    "broker": {"budget": 0.1, "from_round": 3, "inducements": {"north": 0.05}}
                }
            },
            3,
        ),
        # Sanction 0.05 a round from round 1: cost 0.1 t reaches 0.15 in round 2.
        ({"leverage": {"broker": {"budget": 0.0, "sanctions": {"north": 0.05}}}}, 2),
        # Inducement to south only: north's line is untouched, round 3.
        ({"leverage": {"broker": {"budget": 0.5, "inducements": {"south": 0.5}}}}, 3),
    ],
    ids=["cost", "audience_cost", "inducement", "late_inducement", "sanction", "other_party"],
)
def test_the_round_of_agreement_follows_the_pressure(changes, round_):
    records = stalemate_run(**changes)
    assert records.outcome.tolist() == [Outcome.AGREEMENT] * 2
    assert records.end_round.tolist() == [round_] * 2


def test_a_sanction_raises_the_cost_and_an_inducement_does_not():
    # Own cost 0.05 a round, a sanction of 0.05 a round from round 2, an inducement of 0.1
    # from round 1: by round 3, cost 0.05 x 3 + 0.05 x 2 = 0.25, inducement 0.1.
    changes = {
        "leverage": {
            "broker": {"budget": 0.1, "from_round": 2, "sanctions": {"north": 0.05}},
            "south": {"budget": 0.1, "inducements": {"north": 0.1}},
        },
        "parties": {"north": {"red_line_cores": {"a": [0.0, 0.2]}}},  # no agreement
    }
    model = make_model(replicates=1, **merge(WORN, changes))
    for _ in range(3):
        model.step()
    assert model.running
    np.testing.assert_allclose(model.stalemate, [[0.25], [0.0]])
    np.testing.assert_allclose(model.offered, [[0.1], [0.0]])
    cost, offered = model.party("north").pressure()
    np.testing.assert_allclose([cost, offered], [[0.25], [0.1]])


def test_the_stalemate_costs_nothing_before_the_talks_begin():
    # Talks from round 3: by round 2 no cost; by round 4, two rounds: 0.1.
    model = make_model(replicates=1, **merge(WORN, {"mediation": {"first_round": 3}}))
    for round_ in range(1, 5):
        model.step()
        expected = 0.05 * max(round_ - 2, 0)
        np.testing.assert_allclose(model.stalemate, [[expected], [0.0]], err_msg=str(round_))


def test_a_stalemate_cost_changed_between_steps_counts_from_then_on():
    # 0.05 a round for rounds 1 and 2, then 0.2 a round: by round 4, 0.1 + 0.4 = 0.5.
    narrow = {"parties": {"north": {"red_line_cores": {"a": [0.0, 0.2]}}}}  # no agreement
    model = make_model(replicates=1, **merge(WORN, narrow))
    model.step()
    model.step()
    model.party("north").stalemate_cost = 0.2
    model.step()
    model.step()
    np.testing.assert_allclose(model.party("north").pressure()[0], [0.5])


# --- acceptance: utility against the no-deal point, less the cost --------------------------------

LONGING = {
    "parties": {
        "north": {"red_lines": None, "no_deal": {"a": 0.1, "b": 0.1}, "stalemate_cost": 0.11},
        "south": {"red_lines": None},
    }
}
"""North's red lines are open, but its no-deal point is its own position: U(no deal) = 0, while
U(0.5, 0.5) = -(0.5 x 0.4 + 0.5 x 0.4) = -0.4. It accepts when 0.11 t (+ inducement) >= 0.4."""


def test_acceptance_weighs_the_proposal_plus_inducement_against_no_deal_less_cost():
    # After 3 rounds (north refuses each time): -0.4 >= 0 - 0.33? no. Round 4 adds 0.11:
    # -0.4 >= 0 - 0.44: yes.
    model = make_model(replicates=1, **LONGING)
    north = model.party("north")
    proposal = np.array([[0.5], [0.5]])
    for _ in range(3):
        model.step()
    assert model.running
    np.testing.assert_allclose(north.pressure()[0], [0.33])
    assert not north.accepts(proposal)[0]
    model.feel_stalemate(4)  # what round 4 does first
    np.testing.assert_allclose(north.pressure()[0], [0.44])
    assert north.accepts(proposal)[0]


@pytest.mark.parametrize(
    ("inducement_", "round_"),
    [(0.0, 4), (0.2, 2)],  # 0.11 x 4 = 0.44 >= 0.4; 0.11 x 2 + 0.2 = 0.42 >= 0.4 (0.31 in round 1)
)
def test_an_inducement_makes_a_disputant_accept_earlier(inducement_, round_):
    changes = {"leverage": {"broker": {"budget": 0.2, "inducements": {"north": inducement_}}}}
    records = make_model(replicates=2, **merge(LONGING, changes)).run()
    assert records.outcome.tolist() == [Outcome.AGREEMENT] * 2
    assert records.end_round.tolist() == [round_] * 2


# --- positions and the parties that are not disputants -----------------------------------------


def joint(point=(0.5, 0.5)) -> Proposal:
    column = np.array(point, dtype=float)[:, None]
    return Proposal(point=column, united=np.array([True]), members=column[None].copy())


@pytest.mark.parametrize(
    ("core_high", "cost", "expected_a"),
    [
        (0.2, 0.0, 0.2),  # no pressure: clipped at the stated end 0.2
        (1.0, 0.1, 0.4),  # pressure 0.1: held end 0.2 + 0.2 = 0.4
        (1.0, 0.3, 0.5),  # pressure 0.3: held end 0.8, the target 0.5 is inside
        (0.3, 0.3, 0.3),  # the core 0.3 stops it
    ],
)
def test_a_disputants_position_is_clipped_into_its_held_lines(core_high, cost, expected_a):
    # North (flexibility 1) heads for the proposal (0.5, 0.5) in round 1.
    model = make_model(
        replicates=1,
        parties={
            "north": {
                "flexibility": 1.0,
                "red_line_cores": {"a": [0.0, core_high]},
                "stalemate_cost": cost,
            }
        },
    )
    model.feel_stalemate(1)
    model.parties.concede(joint(), 1)
    np.testing.assert_allclose(model.party("north").position, [[expected_a], [0.5]])


def test_a_party_that_is_not_a_disputant_holds_its_stated_lines():
    # The broker states [0.4, 0.6] on a with core [0, 1] and a stalemate cost: it pays none
    # (not a disputant) and holds its stated lines; pulled by an ally toward 0.1 it stops at 0.4.
    model = make_model(
        replicates=1,
        parties={
            "broker": party(
                0.5,
                0.5,
                flexibility=1.0,
                red_lines={"a": [0.4, 0.6]},
                red_line_cores={"a": [0.0, 1.0]},
                stalemate_cost=1.0,
            ),
            "ally": party(0.1, 0.5, capability=100.0),
        },
        alliances=[{"between": ["broker", "ally"], "strength": 1.0}],
    )
    broker = model.party("broker")
    model.feel_stalemate(5)
    assert broker.pressure() == (0.0, 0.0)
    low, high = broker.red_lines_in_force()
    np.testing.assert_array_equal(low, [[0.4], [0.0]])
    np.testing.assert_array_equal(high, [[0.6], [1.0]])
    model.parties.concede(None, 5)
    np.testing.assert_allclose(broker.position[0], [0.4])


def test_cores_default_to_the_stated_lines_and_lie_outside_them():
    model = make_model(replicates=1, parties={"south": {"red_line_cores": {"a": [0.6, 1.0]}}})
    north, south = model.party("north"), model.party("south")
    np.testing.assert_array_equal(north.core_low, north.red_low)
    np.testing.assert_array_equal(north.core_high, north.red_high)
    np.testing.assert_array_equal(south.core_low, [[0.6], [0.0]])
    # Widening a stated line beyond its core takes the core with it.
    north.red_lines = [[0.0, 0.5], [0.0, 1.0]]
    np.testing.assert_array_equal(north.core_high, [[0.5], [1.0]])
    with pytest.raises(ValueError, match="inside the party's stated red line"):
        north.core_high = [0.3, 1.0]


def test_the_stalemate_state_is_shaped_per_disputant_and_replicate():
    model: NegotiationModel = make_model(replicates=3, **WORN)
    model.step()
    assert model.stalemate.shape[0] == model.offered.shape[0] == 2
    assert model.held_low.shape[:2] == model.held_high.shape[:2] == (2, 2)
    assert model.held_high.shape[-1] in (1, 3)


def test_a_core_inside_its_stated_line_is_taken_as_the_line():
    # North states [0, 0.2] on a; a core [0.05, 0.15] lies inside it: the core is the stated
    # line, which then never gives way, whatever the pressure.
    model = make_model(
        replicates=1,
        parties={"north": {"red_line_cores": {"a": [0.05, 0.15]}, "stalemate_cost": 1.0}},
    )
    north = model.party("north")
    np.testing.assert_array_equal(north.core_low, [[0.0], [0.0]])
    np.testing.assert_array_equal(north.core_high, [[0.2], [1.0]])
    model.step()
    np.testing.assert_array_equal(north.red_lines_in_force()[1], [[0.2], [1.0]])


def test_the_fixed_rule_holds_the_stated_lines_whatever_the_pressure():
    from sim.stalemate import RED_LINE_RULES, fixed

    stated = (np.array([[[0.2]]]), np.array([[[0.4]]]))
    core = (np.array([[[0.0]]]), np.array([[[1.0]]]))
    low, high = fixed(stated, core, np.array([[[0.5]]]), np.array([[10.0]]), np.array([[0.0]]))
    assert (low, high) == stated
    assert RED_LINE_RULES["hurting_stalemate"] is lines_in_force


def test_under_fixed_red_lines_the_stalemate_never_wears_a_line_down():
    # WORN's north reaches the proposal in round 3 under the hurting stalemate (above); with
    # fixed red lines its stated end 0.2 holds: no agreement by the horizon.
    records = stalemate_run(red_line_rule="fixed")
    assert records.outcome.tolist() == [Outcome.DEADLOCK] * 2
