"""One state store: a party's attributes read and write through to the model's arrays.

Each stored attribute is set between steps and shown to change what the rules that use it do
next, with the expected values worked out by hand on the tiny scenario of conftest.py: north
at (0.1, 0.1) with a red line [0, 0.2] on `a`, south at (0.9, 0.9) with [0.8, 1] on `a`, the
broker at (0.5, 0.5); capability 1, equal salience and flexibility 0 for all; status quo and
no-deal points (0.5, 0.5); the troika (the broker alone, unbiased) proposes the weighted mean.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import HOLDOUT_NO, make_model, voting_scenario

from sim.mediation import Proposal
from sim.model import NegotiationModel
from sim.records import Outcome
from sim.rules import UnknownRuleError
from sim.scenario import UnilateralOption


def proposal_at(a: float, b: float, replicates: int = 1) -> Proposal:
    points = np.tile([[a], [b]], (1, replicates))
    return Proposal(point=points, united=np.ones(replicates, bool), members=points[None])


def test_position_reads_and_writes_the_models_array():
    model = make_model(replicates=2)
    north = model.party("north")
    north.position = [0.15, 0.4]
    np.testing.assert_array_equal(model.positions[north.index], [[0.15, 0.15], [0.4, 0.4]])
    # Compromise: equal weights, so the mean of north and south:
    # a (0.15 + 0.9) / 2 = 0.525, b (0.4 + 0.9) / 2 = 0.65.
    np.testing.assert_allclose(model.troika.compromise(), [[0.525] * 2, [0.65] * 2])
    # Per replicate: a (K, L) value sets each replicate's column.
    north.position = [[0.0, 0.2], [0.3, 0.4]]
    np.testing.assert_array_equal(north.position, [[0.0, 0.2], [0.3, 0.4]])


def test_salience_is_absolute_and_moves_compromise_utility_and_concession():
    model = make_model(replicates=1)
    south = model.party("south")
    view = south.salience
    south.salience = [0.75, 0.25]
    np.testing.assert_allclose(south.salience, [[0.75], [0.25]])
    np.testing.assert_allclose(view, [[0.75], [0.25]])  # an earlier view follows the change
    # Weighted mean, weights north (0.5, 0.5), south (0.75, 0.25):
    # a (0.5 * 0.1 + 0.75 * 0.9) / 1.25 = 0.58; b (0.5 * 0.1 + 0.25 * 0.9) / 0.75 = 0.36667.
    np.testing.assert_allclose(model.troika.compromise(), [[0.58], [0.275 / 0.75]])
    # Utility of the status quo (0.5, 0.5): -(0.75 * 0.4 + 0.25 * 0.4) = -0.4, unchanged; of
    # (0.9, 0.5): -(0.25 * 0.4) = -0.1 (it was -0.2 with equal weights).
    np.testing.assert_allclose(south.utility(np.array([[0.9], [0.5]])), [-0.1])
    # Concession s_min / s_k: (0.25 / 0.75, 1).
    np.testing.assert_allclose(model.concession[south.index], [[1 / 3], [1.0]])
    # Salience is on the unit scale: not normalised, and never above 1.
    south.salience = [0.3, 0.1]
    np.testing.assert_allclose(south.salience, [[0.3], [0.1]])
    with pytest.raises(ValueError, match="salience"):
        south.salience = [3.0, 1.0]


def test_capability_moves_the_compromise_and_the_alliance_pull():
    model = make_model(
        replicates=1,
        parties={"broker": {"flexibility": 1.0}},
        alliances=[{"between": ["north", "broker"], "strength": 1.0}],
    )
    north, broker = model.party("north"), model.party("broker")
    north.capability = 3.0
    # Compromise weights north 3 x 0.5, south 1 x 0.5: a = b = (1.5 * 0.1 + 0.5 * 0.9) / 2 = 0.3.
    np.testing.assert_allclose(model.troika.compromise(), [[0.3], [0.3]])
    # Pull on the broker: A = 1 x c_north / (c_broker + c_north) = 3 / 4; weight 0.75 < 1, so
    # the broker moves 0.75 x (0.1 - 0.5) = -0.3 on each issue: to 0.2 (with capability 1 it
    # would have moved 0.5 x -0.4 = -0.2, to 0.3).
    model.parties.concede(None, 1)
    np.testing.assert_allclose(broker.position, [[0.2], [0.2]])


def test_flexibility_scales_the_move():
    model = make_model(
        replicates=1,
        parties={"broker": {"flexibility": 1.0}},
        alliances=[{"between": ["north", "broker"], "strength": 1.0}],
    )
    broker = model.party("broker")
    broker.flexibility = 0.5
    # Pull 0.5 x (0.1 - 0.5) = -0.2, times flexibility 0.5: -0.1, to 0.4.
    model.parties.concede(None, 1)
    np.testing.assert_allclose(broker.position, [[0.4], [0.4]])


def test_red_lines_decide_acceptance_and_clip_the_stance():
    model = make_model(replicates=1)
    north = model.party("north")
    proposal = np.array([[0.5], [0.5]])
    assert not north.accepts(proposal)[0]  # 0.5 is beyond north's red line 0.2 on a
    north.red_high = [0.6, 1.0]
    # Inside the red lines now, and U(0.5, 0.5) = U(no deal = status quo): accepted (>=).
    assert north.accepts(proposal)[0]
    north.red_low = [0.05, 0.0]
    north.red_high = [0.08, 1.0]
    model.parties.concede(None, 1)  # nobody moves (flexibility 0), but the red line clips
    np.testing.assert_allclose(north.position, [[0.08], [0.1]])


def test_red_lines_cannot_cross():
    north = make_model().party("north")
    with pytest.raises(ValueError, match="low > high"):
        north.red_low = [0.5, 0.0]  # above its red_high 0.2 on a


def test_no_deal_point_decides_acceptance():
    model = make_model(replicates=1, parties={"north": {"red_lines": {"a": [0.0, 1.0]}}})
    north = model.party("north")
    proposal = np.array([[0.5], [0.5]])
    assert north.accepts(proposal)[0]  # U = -0.4 = U(status quo)
    north.no_deal = [0.3, 0.3]  # U(no deal) = -(0.5 * 0.2 + 0.5 * 0.2) = -0.2 > -0.4
    assert not north.accepts(proposal)[0]
    np.testing.assert_allclose(north.no_deal_utility(), [-0.2])


def test_disputant_changes_who_bargains_and_who_must_accept():
    model = make_model(replicates=1)
    broker = model.party("broker")
    broker.position = [0.8, 0.2]
    broker.disputant = True
    assert [p.name for p in model.disputants] == ["north", "south", "broker"]
    # Mean of three: a (0.1 + 0.9 + 0.8) / 3 = 0.6, b (0.1 + 0.9 + 0.2) / 3 = 0.4.
    np.testing.assert_allclose(model.troika.compromise(), [[0.6], [0.4]])
    model.party("north").disputant = False
    assert [p.name for p in model.disputants] == ["south", "broker"]
    with pytest.raises(ValueError, match="two disputants"):
        model.party("south").disputant = False


def test_alliance_strength_set_between_steps_pulls_next_round():
    model = make_model(replicates=1, parties={"broker": {"flexibility": 1.0}})
    broker = model.party("broker")
    model.parties.concede(None, 1)
    np.testing.assert_allclose(broker.position, [[0.5], [0.5]])  # no ties: nobody moves
    model.set_alliance("north", "broker", 1.0)
    model.parties.concede(None, 1)
    np.testing.assert_allclose(broker.position, [[0.3], [0.3]])  # 0.5 x (0.1 - 0.5)
    assert model.alliance_strength[broker.index, model.party("north").index] == 1.0


def test_a_change_between_steps_changes_the_outcome():
    # The red lines on `a` do not overlap: every replicate deadlocks. After round 1, both
    # widen to [0, 1]: the troika's proposal (0.5, 0.5) equals both no-deal points, so both
    # accept in round 2 (U(proposal) >= U(no deal)).
    model = make_model(replicates=3)
    model.step()
    assert model.active.all()
    model.party("north").red_high = [1.0, 1.0]
    model.party("south").red_low = [0.0, 0.0]
    model.step()
    assert (model.outcome == Outcome.AGREEMENT).all()
    assert (model.end_round == 2).all()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("capability", 0.0, "capability: found 0.0; expected greater than 0"),
        ("capability", float("inf"), "capability: found inf; expected a finite number"),
        ("capability", True, "capability: found True; expected a valid number"),
        ("flexibility", 1.5, "flexibility: found 1.5; expected less than or equal to 1"),
        ("salience", [-1.0, 2.0], "salience: found -1.0; expected greater than or equal to 0"),
        ("salience", [0.5, 1.5], "salience: found 1.5; expected less than or equal to 1"),
        ("salience", [1.0, 1.0, 1.0], r"salience: found shape \(3, 1\); expected 2 values"),
        ("no_deal", [0.5, 1.5], "no_deal: found 1.5; expected less than or equal to 1"),
        ("no_deal", {"a": 0.5}, "no_deal: found issues"),
        ("position", [0.5], "position: found shape"),
        ("position", ["0.5", 0.5], "position: found '0.5'; expected a valid number"),
        ("disputant", "yes", "disputant: found 'yes'; expected a valid boolean"),
        ("stalemate_cost", -0.1, "stalemate_cost: found -0.1; expected greater than or equal to 0"),
        ("audience_cost", float("nan"), "audience_cost: found nan"),
        ("restraint", 1.5, "restraint: found 1.5; expected less than or equal to 1"),
        ("restraint", "none", "restraint: found 'none'"),
    ],
)
def test_bad_values_are_refused_and_change_nothing(name, value, message):
    model = make_model()
    north = model.party("north")
    before = np.array(getattr(north, name)).copy()
    with pytest.raises(ValueError, match=message):
        setattr(north, name, value)
    np.testing.assert_array_equal(getattr(north, name), before)


def test_points_may_be_given_by_issue():
    model = make_model()
    north = model.party("north")
    north.no_deal = {"b": 0.2, "a": 0.3}
    np.testing.assert_array_equal(north.no_deal, [[0.3], [0.2]])
    north.red_lines = {"a": [0.0, 0.5], "b": [0.1, 0.9]}
    np.testing.assert_array_equal(north.red_lines, [[0.0, 0.5], [0.1, 0.9]])


def test_parameter_arrays_are_read_only():
    model = make_model()
    for name in ("salience", "capability", "flexibility", "red_low", "red_high", "no_deal"):
        with pytest.raises(ValueError, match="read-only"):
            model.state(name)[0] = 0.5
    with pytest.raises(ValueError, match="read-only"):
        model.party("north").salience[0] = 1.0


def test_rule_names_are_checked_when_set():
    model = make_model()
    with pytest.raises(UnknownRuleError, match="compromise rule 'mean'"):
        model.troika.rule = "mean"
    model.troika.rule = "median"
    assert model.troika.rule == "median"


def test_red_lines_move_both_ends_at_once():
    model = make_model(replicates=1)
    north = model.party("north")
    # [0, 0.2] on a to [0.5, 0.8]: setting red_low first would cross red_high (0.2).
    north.red_lines = [[0.5, 0.8], [0.0, 1.0]]
    np.testing.assert_array_equal(north.red_lines, [[0.5, 0.8], [0.0, 1.0]])
    np.testing.assert_array_equal(model.red_low[north.index], [[0.5], [0.0]])
    model.parties.concede(None, 1)  # north at 0.1 on a is clipped to its new low end, 0.5
    np.testing.assert_allclose(north.position, [[0.5], [0.1]])
    with pytest.raises(ValueError, match="low <= high"):
        north.red_lines = [[0.9, 0.8], [0.0, 1.0]]
    with pytest.raises(ValueError, match="pairs"):
        north.red_lines = [0.5, 0.8]


def test_a_unilateral_option_given_between_steps_can_be_taken():
    model = make_model(replicates=200)
    south, broker = model.party("south"), model.party("broker")
    assert model.actors == []
    # Broker moved to (0.9, 0.9): the declared point (0.9, 0.9) is worth +0.4 to it over the
    # status quo (yes); north judges it -0.4 (no). Backing: broker's capability share of the
    # others, 1 / 2; hazard base_rate 1 x 0.5 = 0.5 per replicate in round 1.
    broker.position = [0.9, 0.9]
    south.unilateral = UnilateralOption(point={"a": 0.9, "b": 0.9}, base_rate=1.0)
    assert model.actors == [south]
    model.step()
    acted = model.outcome == Outcome.UNILATERAL
    assert 0.4 < acted.mean() < 0.6  # 200 draws at p = 0.5: sd 0.035
    assert model.recognised[broker.index, acted].all()
    assert not model.recognised[model.party("north").index].any()
    with pytest.raises(ValueError, match="UnilateralOption"):
        south.unilateral = {"point": {"a": 0.9, "b": 0.9}}


def test_the_councils_draft_and_rules_are_checked_and_take_effect():
    # The 15-seat Council of conftest: the holdout (permanent) at (0.1, 0.1) votes no on the
    # draft (0.9, 0.9) and vetoes it. Moved to (0.1, 0.1), the draft is the holdout's ideal:
    # it votes yes (+0.4 over the status quo), and the sponsor's camp, at (0.9, 0.9), votes
    # no (-0.8 + 0.4 = -0.4): 6 yes, 9 no.
    model = NegotiationModel(voting_scenario(HOLDOUT_NO), replicates=2)
    council = model.council
    assert council.session().record.vetoed[0].all()
    council.draft = [0.1, 0.1]
    np.testing.assert_array_equal(council.draft, [[0.1], [0.1]])
    record = council.session().record
    assert record.yes.tolist() == [6, 6] and record.no.tolist() == [9, 9]
    council.draft = {"b": 0.9, "a": 0.9}
    np.testing.assert_array_equal(council.draft, [[0.9], [0.9]])
    council.threshold = 6
    council.veto = False
    assert council.session().adopted.all()  # 9 yes, no veto
    for name, value, message in [
        ("draft", [0.5, 1.2], "draft: found 1.2"),
        ("draft", [0.5, 0.5, 0.5], "draft: found shape"),
        ("threshold", 16, "at most the 15 members"),
        ("veto", "no", "veto: found 'no'"),
        ("amendment_step", -0.1, "amendment_step: found -0.1"),
    ]:
        with pytest.raises(ValueError, match=message):
            setattr(council, name, value)
    with pytest.raises(AttributeError):
        council.members = council.members[:5]
    with pytest.raises(AttributeError):
        council.sessions = (2, 3)
    with pytest.raises(ValueError, match="read-only"):
        council.draft[0] = 7.0


def test_the_troikas_parameters_are_checked_and_take_effect():
    model = make_model(replicates=1, parties={"broker": {"position": {"a": 1.0, "b": 0.5}}})
    troika = model.troika
    troika.rule = "median"
    # Median compromise (0.5, 0.5); the broker at (1, 0.5) with bias 0.5: (0.75, 0.5).
    troika.bias = [0.5]
    np.testing.assert_allclose(troika.propose().point, [[0.75], [0.5]])
    troika.cohesion = 0.0  # one member: never split
    assert troika.propose().united.all()
    troika.deadline = 3
    assert troika.in_session(3) and not troika.in_session(4)
    troika.deadline = None  # back to the horizon (6)
    assert troika.in_session(6)
    for name, value, message in [
        ("bias", [0.5, 0.5], "bias: found 2 values; expected 1"),
        ("bias", [1.5], "bias: found 1.5"),
        ("pull", 2, "pull: found 2"),
        ("first_round", 0, "first_round: found 0"),
    ]:
        with pytest.raises(ValueError, match=message):
            setattr(troika, name, value)
    with pytest.raises(AttributeError):
        troika.members = ()
    with pytest.raises(ValueError, match="read-only"):
        troika.bias[0] = 5.0


def test_the_parameter_arrays_end_in_a_replicate_axis():
    # Nothing drawn: every parameter is shared by the replicates (W = 1); positions are per
    # live replicate (L = 4). N = 3 parties, K = 2 issues.
    model = make_model(replicates=4)
    for name in ("capability", "flexibility", "stalemate_cost", "audience_cost", "restraint"):
        assert model.state(name).shape == (3, 1), name
    for name in ("salience", "red_low", "red_high", "core_low", "core_high", "no_deal"):
        assert model.state(name).shape == (3, 2, 1), name
    assert model.state("alliance_strength").shape == (3, 3, 1)
    assert model.state("disputant").shape == (3,)
    assert model.positions.shape == (3, 2, 4)
    with pytest.raises(ValueError, match="no party-major parameter 'ripeness'"):
        model.state("ripeness")


def test_new_parameter_arrays_are_read_only():
    model = make_model()
    for name in ("core_low", "core_high", "stalemate_cost", "audience_cost", "restraint"):
        with pytest.raises(ValueError, match="read-only"):
            model.state(name)[0] = 0.5


def test_stalemate_and_audience_costs_set_between_steps_wear_the_red_line_down():
    # North states [0, 0.2] on a with core [0, 1]. A stalemate cost of 0.1 a round set after
    # round 1 counts from round 2 on: its pressure in round 2 is 0.1, and the line it holds
    # reaches 0.2 + 0.1 / 0.5 = 0.4. An audience cost of 0.05 set after round 2 leaves an
    # excess of 0.2 - 0.05 = 0.15 in round 3: 0.2 + 0.3 = 0.5.
    model = make_model(replicates=1, parties={"north": {"red_line_cores": {"a": [0.0, 1.0]}}})
    north = model.party("north")
    model.step()
    np.testing.assert_array_equal(north.red_lines_in_force()[1], [[0.2], [1.0]])
    north.stalemate_cost = 0.1
    np.testing.assert_array_equal(north.stalemate_cost, [0.1])
    model.step()
    np.testing.assert_allclose(north.pressure()[0], [0.1])
    np.testing.assert_allclose(north.red_lines_in_force()[1], [[0.4], [1.0]])
    north.audience_cost = 0.05
    model.step()
    np.testing.assert_allclose(north.pressure()[0], [0.2])
    np.testing.assert_allclose(north.red_lines_in_force()[1], [[0.5], [1.0]])


def test_cores_set_between_steps_are_checked_against_the_stated_line():
    model = make_model(replicates=1)
    north = model.party("north")
    north.core_high = [0.5, 1.0]
    np.testing.assert_array_equal(north.core_high, [[0.5], [1.0]])
    with pytest.raises(ValueError, match="core_high would lie inside the party's stated red line"):
        north.core_high = [0.1, 1.0]
    with pytest.raises(ValueError, match="core_low would lie inside the party's stated red line"):
        model.party("south").core_low = [0.9, 0.0]
    # Moving the stated line up to the core, then past it, takes the core along.
    north.red_high = [0.7, 1.0]
    np.testing.assert_array_equal(north.core_high, [[0.7], [1.0]])


def test_the_stalemate_cost_follows_each_party_when_the_disputants_change():
    # North pays 0.5 a round, south nothing: after 2 rounds north has 1.0, south 0. Then the
    # broker joins the disputants (cost 0: ripeness 0): in round 3 north has 1.5, south 0,
    # the broker 0. Then north leaves: in round 4 south still has 0.
    model = make_model(replicates=1, parties={"north": {"stalemate_cost": 0.5}})
    north, south, broker = (model.party(name) for name in ("north", "south", "broker"))
    model.step()
    model.step()
    np.testing.assert_allclose(north.pressure()[0], [1.0])
    broker.disputant = True
    model.step()
    np.testing.assert_allclose(north.pressure()[0], [1.5])
    np.testing.assert_allclose(south.pressure()[0], [0.0])
    north.disputant = False
    model.step()
    np.testing.assert_allclose(south.pressure()[0], [0.0])
    np.testing.assert_allclose(broker.pressure()[0], [0.0])
