"""Tests for declared uncertainty: values written as distributions, drawn once per replicate.

A value listed in `sim.scenario.UNCERTAIN_VALUES` may be written as a distribution, in place
of its number or under `uncertainty: {path: distribution}`. The scenario keeps the central
value and the distribution; each replicate draws its own value from its stream
(`sim.parameters.draw_uncertain`), recorded as the runs table's `drawn.<path>` columns. Values
that set a run's structure are refused, and so is a distribution that can reach outside the
value's range. Scenarios are the tiny one of conftest.py.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from conftest import HOLDOUT_NO, make_model, make_scenario, make_yaml, merge, voting_scenario

from sim.distributions import Choice, Normal, Triangular, Uniform
from sim.model import NegotiationModel
from sim.parameters import draw_uncertain
from sim.records import Outcome, RunRecords
from sim.scenario import UNCERTAIN_VALUES, ScenarioError, parse_scenario, with_overrides
from sim.streams import ReplicateStreams

FLEXIBLE = {"parties": {"north": {"red_lines": None, "flexibility": {"uniform": [0.2, 0.6]}}}}
"""North's flexibility drawn uniformly from [0.2, 0.6] (central value 0.4); its red lines open."""


def refused(**changes) -> str:
    with pytest.raises(ScenarioError) as error:
        make_scenario(**changes)
    return str(error.value)


# --- reading -----------------------------------------------------------------------------------


def test_inline_and_declared_forms_load_the_same():
    inline = make_scenario(**FLEXIBLE)
    declared = make_scenario(
        parties={"north": {"red_lines": None}},
        uncertainty={"parties.north.flexibility": {"uniform": [0.2, 0.6]}},
    )
    assert inline == declared
    assert inline.uncertainty == {"parties.north.flexibility": Uniform(uniform=[0.2, 0.6])}


@pytest.mark.parametrize(
    ("distribution", "central", "kind"),
    [
        ({"uniform": [0.2, 0.6]}, 0.4, Uniform),  # the midpoint
        ({"triangular": [0.1, 0.3, 0.9]}, 0.3, Triangular),  # the mode
        ({"normal": [0.5, 0.1], "clip": [0.0, 1.0]}, 0.5, Normal),  # the mean
        ({"beta": [2, 6], "range": [0.2, 1.0]}, 0.4, None),  # 0.2 + 0.8 x 2 / 8
        ({"choice": [0.7, 0.1, 0.3, 0.5]}, 0.3, Choice),  # the lower median of the options
    ],
)
def test_the_scenario_holds_the_central_value_and_the_distribution(distribution, central, kind):
    scenario = make_scenario(parties={"north": {"flexibility": distribution}})
    assert scenario.parties["north"].flexibility == pytest.approx(central)
    declared = scenario.uncertainty["parties.north.flexibility"]
    if kind is not None:
        assert isinstance(declared, kind)
    assert declared.central() == pytest.approx(central)


def test_a_value_declared_twice_is_refused():
    message = refused(
        **FLEXIBLE, uncertainty={"parties.north.flexibility": {"uniform": [0.2, 0.6]}}
    )
    assert "parties.north.flexibility: found a distribution here and under uncertainty" in message


@pytest.mark.parametrize(
    "path",
    ["horizon", "replicates", "seed", "mediation.first_round", "mediation.deadline"],
)
def test_a_structural_value_is_refused_with_a_message_naming_it(path):
    message = refused(uncertainty={path: {"uniform": [2, 5]}})
    assert f"{path}: found a distribution; expected a number: this value sets the run's " in (
        message
    )
    assert "run.py sweep" in message
    assert "parties.<party>.flexibility" in message  # what may be drawn is listed


def test_a_structural_value_written_inline_is_refused_too():
    message = refused(horizon={"choice": [4, 6]})
    assert "horizon: found a distribution" in message
    message = refused(council=None, mediation={"first_round": {"uniform": [1, 3]}})
    assert "mediation.first_round: found a distribution" in message


@pytest.mark.parametrize(
    ("path", "distribution", "found", "expected"),
    [
        (
            "parties.north.flexibility",
            {"uniform": [0.5, 1.5]},
            "uniform on [0.5, 1.5], which reaches 1.5",
            "less than or equal to 1",
        ),
        (
            "parties.north.flexibility",
            {"uniform": [-0.5, 0.5]},
            "which reaches -0.5",
            "greater than or equal to 0",
        ),
        (
            "parties.north.capability",
            {"uniform": [0.0, 2.0]},
            "which reaches 0.0",
            "greater than 0",
        ),
        (
            "parties.north.restraint",
            {"triangular": [0.0, 0.5, 1.2]},
            "which reaches 1.2",
            "less than or equal to 1",
        ),
        (
            "parties.north.flexibility",
            {"normal": [0.5, 0.2]},
            "normal(0.5, 0.2), which reaches -0.5",
            "(add clip: [lo, hi])",
        ),
        (
            "status_quo.a",
            {"beta": [2, 2], "range": [0.5, 1.5]},
            "which reaches beyond [0, 1]",
            "a distribution on the value's scale",
        ),
        (
            "parties.north.position.a",
            {"choice": [0.1, 1.1]},
            "which reaches beyond [0, 1]",
            "a distribution on the value's scale",
        ),
    ],
)
def test_a_distribution_reaching_outside_the_fields_range_is_refused(
    path, distribution, found, expected
):
    # Both ways of writing it name the value's path (under `uncertainty`, the path must name
    # a value written in the file).
    for changes in (
        merge(_inline(path, 0.5), {"uncertainty": {path: distribution}}),
        _inline(path, distribution),
    ):
        message = refused(**changes)
        assert f"{path}: found " in message
        assert found in message
        assert expected in message


def _inline(path: str, distribution: dict) -> dict:
    """The changes writing `distribution` in place of the value at `path`."""
    changes: dict = distribution
    for key in reversed(path.split(".")):
        changes = {key: changes}
    return changes


def test_a_malformed_distribution_is_refused_with_its_path():
    message = refused(uncertainty={"parties.north.flexibility": {"uniform": [0.6, 0.2]}})
    assert "uncertainty.parties.north.flexibility" in message
    message = refused(uncertainty={"parties.north.flexibility": {"lognormal": [0.0, 1.0]}})
    assert "uncertainty.parties.north.flexibility" in message
    message = refused(uncertainty={"parties.nobody.flexibility": {"uniform": [0.2, 0.6]}})
    assert "uncertainty.parties.nobody" in message


def test_every_listed_kind_of_value_may_be_drawn():
    # One distribution of each listed kind of value that the tiny scenario has.
    scenario = make_scenario(
        parties={
            "north": {
                "position": {"a": {"uniform": [0.0, 0.2]}},
                "salience": {"a": {"uniform": [0.5, 1.0]}, "b": 0.5},
                "capability": {"uniform": [0.5, 2.0]},
                "flexibility": {"uniform": [0.0, 0.3]},
                "red_lines": {"a": [0.0, {"uniform": [0.2, 0.3]}]},
                "red_line_cores": {"a": [0.0, {"uniform": [0.3, 0.6]}]},
                "no_deal": {"a": {"uniform": [0.4, 0.6]}, "b": 0.5},
                "stalemate_cost": {"uniform": [0.0, 0.1]},
                "audience_cost": {"uniform": [0.0, 0.1]},
                "restraint": {"uniform": [0.0, 1.0]},
            }
        },
        alliances=[{"between": ["north", "broker"], "strength": {"uniform": [-0.5, 0.5]}}],
        status_quo={"a": {"uniform": [0.4, 0.6]}},
        mediation={
            "mediators": {"broker": {"bias": {"uniform": [0.0, 0.3]}}},
            "cohesion": {"uniform": [0.1, 0.5]},
            "pull": {"uniform": [0.5, 1.0]},
        },
        decision={
            "noise": {"uniform": [0.0, 0.1]},
            "abstain_band": {"uniform": [0.0, 0.1]},
            "patron_alignment": {"uniform": [0.0, 0.2]},
        },
        unilateral={
            "south": {
                "point": {"a": {"uniform": [0.8, 1.0]}, "b": 0.9},
                "earliest_round": {"uniform": [1, 4]},
                "base_rate": {"uniform": [0.0, 0.2]},
                "growth": {"uniform": [0.0, 0.1]},
                "resolve": {"uniform": [0.0, 2.0]},
            }
        },
        leverage={
            "broker": {
                "budget": 0.2,
                "from_round": {"choice": [1, 2]},
                "inducements": {"north": {"uniform": [0.0, 0.1]}},
                "sanctions": {"south": {"uniform": [0.0, 0.1]}},
            }
        },
        events=[
            {
                "name": "e",
                "round": 2,
                "probability": 0.5,
                "set": {"parties.north.capability": 2.0},
            }
        ],
        uncertainty={
            "events.0.probability": {"uniform": [0.2, 0.8]},
            "events.0.round": {"choice": [2, 3]},
        },
        ripeness={"uniform": [0.0, 0.1]},
        noise={"uniform": [0.0, 0.05]},
    )
    # North 10, alliance 1, status quo 1, mediation 3, decision 3, unilateral 5, leverage 3,
    # event 2, ripeness and noise 2.
    assert len(scenario.uncertainty) == 30
    records = NegotiationModel(scenario, replicates=300, seed=1).run()
    assert (records.outcome != Outcome.ONGOING).all()
    assert records.drawn_values.shape == (30, 300)
    assert records.uncertain == tuple(sorted(scenario.uncertainty))
    # Every listed kind of value is among them, but the Council's (the tiny scenario has none).
    for template in UNCERTAIN_VALUES:
        if template.startswith("council"):
            continue
        pattern = re.escape(template)
        for placeholder, part in [("<party>", "[a-z_]+"), ("<issue>", "[a-z]"), ("<n>", "[0-9]+")]:
            pattern = pattern.replace(re.escape(placeholder), part)
        pattern = pattern.replace(re.escape("<0|1>"), "[01]")
        assert any(re.fullmatch(pattern, path) for path in scenario.uncertainty), template


def test_the_councils_values_may_be_drawn():
    # The 15-seat Council of conftest: its draft and amendment step, drawn per replicate.
    scenario = voting_scenario(
        HOLDOUT_NO,
        "amend_to_avoid_veto",
        council={
            "draft": {"a": {"uniform": [0.8, 1.0]}},
            "amendment_step": {"uniform": [0.1, 0.5]},
        },
    )
    model = NegotiationModel(scenario, replicates=30, seed=1)
    assert model.council.draft.shape == (2, 30)
    np.testing.assert_array_equal(model.council.draft[0], model.drawn["council.draft.a"])
    records = model.run()
    assert records.drawn_values.shape == (2, 30)


# --- drawing -----------------------------------------------------------------------------------


def test_each_replicate_draws_its_own_value_within_the_ends():
    model = make_model(replicates=500, seed=3, **FLEXIBLE)
    drawn = model.drawn["parties.north.flexibility"]
    assert drawn.shape == (500,)
    assert (drawn >= 0.2).all() and (drawn <= 0.6).all()
    assert len(np.unique(drawn)) == 500
    # Uniform on [0.2, 0.6]: mean 0.4, sd 0.4 / sqrt(12) = 0.115; standard error 0.0052.
    assert drawn.mean() == pytest.approx(0.4, abs=4 * 0.4 / np.sqrt(12 * 500))
    north = model.party("north").index
    np.testing.assert_array_equal(model.flexibility[north], drawn)
    # Only what was drawn has a replicate axis; everything else is shared (W = 1).
    assert model.flexibility.shape == (3, 500)
    assert model.capability.shape == (3, 1)
    assert model.salience.shape == (3, 2, 1)
    assert model.red_low.shape == model.core_high.shape == model.no_deal.shape == (3, 2, 1)
    assert model.alliance_strength.shape == (3, 3, 1)


def test_the_drawn_value_is_the_one_the_rules_use():
    # North (at 0.1, red lines open) moves its drawn flexibility times 0.4 toward the proposal
    # (0.5, 0.5) in round 1.
    model = make_model(replicates=50, seed=3, **FLEXIBLE)
    drawn = model.drawn["parties.north.flexibility"]
    model.step()
    np.testing.assert_allclose(model.party("north").position, np.tile(0.1 + 0.4 * drawn, (2, 1)))


def test_the_draws_are_recorded_per_replicate():
    scenario = make_scenario(
        **merge(FLEXIBLE, {"parties": {"south": {"capability": {"choice": [1, 2, 4]}}}})
    )
    model = NegotiationModel(scenario, replicates=60, seed=8)
    records = model.run()
    assert records.uncertain == ("parties.north.flexibility", "parties.south.capability")
    np.testing.assert_array_equal(records.drawn_values[0], model.drawn["parties.north.flexibility"])
    assert set(records.drawn_values[1]) == {1.0, 2.0, 4.0}
    frame = records.to_frame()
    np.testing.assert_array_equal(frame["drawn.parties.north.flexibility"], records.drawn_values[0])
    np.testing.assert_array_equal(frame["drawn.parties.south.capability"], records.drawn_values[1])
    back = RunRecords.from_frame(frame, scenario, records.seed)
    np.testing.assert_array_equal(back.drawn_values, records.drawn_values)


def test_a_run_without_uncertainty_records_no_draws():
    records = make_model(replicates=3).run()
    assert records.uncertain == ()
    assert records.drawn_values.shape == (0, 3)
    assert not [c for c in records.to_frame().columns if c.startswith("drawn.")]


def test_draws_depend_only_on_the_seed_and_the_replicate():
    # Replicate i draws the same values whatever R and wherever the piece starts; its whole
    # record is the same too (the draws are made before anything else, from its own stream).
    scenario = make_scenario(
        **merge(
            FLEXIBLE,
            {
                "parties": {"south": {"flexibility": {"triangular": [0.0, 0.1, 0.5]}}},
                "noise": {"uniform": [0.0, 0.05]},
            },
        )
    )
    whole = NegotiationModel(scenario, replicates=700, seed=12).run()
    for replicates, first in [(100, 0), (50, 300), (200, 480)]:
        piece = NegotiationModel(scenario, replicates=replicates, seed=12, first_replicate=first)
        records = piece.run()
        rows = slice(first, first + replicates)
        np.testing.assert_array_equal(records.drawn_values, whole.drawn_values[:, rows])
        np.testing.assert_array_equal(records.outcome, whole.outcome[rows])
        np.testing.assert_array_equal(records.positions, whole.positions[:, rows])
    other = NegotiationModel(scenario, replicates=100, seed=13).run()
    assert not np.array_equal(other.drawn_values, whole.drawn_values[:, :100])


def test_draw_uncertain_in_path_order():
    scenario = make_scenario(
        uncertainty={
            "parties.south.flexibility": {"uniform": [0.0, 1.0]},
            "parties.north.flexibility": {"uniform": [0.0, 1.0]},
        }
    )
    drawn = draw_uncertain(scenario, ReplicateStreams(5, 10), 10)
    assert list(drawn) == ["parties.north.flexibility", "parties.south.flexibility"]
    # The first path takes the streams' first uniform numbers, the second the next ones.
    streams = ReplicateStreams(5, 10)
    np.testing.assert_array_equal(
        drawn["parties.north.flexibility"], streams.uniform(np.arange(10))
    )
    np.testing.assert_array_equal(
        drawn["parties.south.flexibility"], streams.uniform(np.arange(10))
    )


def test_an_integer_value_draws_whole_numbers():
    scenario = make_scenario(
        unilateral={"south": {"point": {"a": 0.9, "b": 0.9}, "earliest_round": {"uniform": [1, 5]}}}
    )
    assert scenario.unilateral["south"].earliest_round == 3  # the central value, whole
    model = NegotiationModel(scenario, replicates=400, seed=2)
    drawn = model.drawn["unilateral.south.earliest_round"]
    assert np.issubdtype(drawn.dtype, np.integer)
    assert set(drawn.tolist()) == {1, 2, 3, 4, 5}
    assert model.earliest_possible[model.party("south").index] == 1


def test_an_integer_value_refuses_an_option_that_is_not_whole():
    message = refused(
        unilateral={
            "south": {"point": {"a": 0.9, "b": 0.9}, "earliest_round": {"choice": [1, 2.5]}}
        }
    )
    assert "unilateral.south.earliest_round: found the option 2.5; expected a whole number" in (
        message
    )


def test_a_drawn_earliest_round_opens_the_option_per_replicate():
    # South may declare (0.9, 0.9) from the round each replicate drew (1 to 5), base rate 1;
    # talks from round 6, so nothing else ends a replicate first.
    changes = {
        "parties": {"broker": {"position": {"a": 0.9, "b": 0.9}}},
        "mediation": {"first_round": 6},
        "unilateral": {
            "south": {
                "point": {"a": 0.9, "b": 0.9},
                "earliest_round": {"uniform": [1, 5]},
                "base_rate": 1.0,
            }
        },
    }
    # Backing: the broker (at the point) recognises it, north (0.1, 0.1) does not: 1 / 2.
    # So the hazard is 0.5 from the drawn round on; never before it.
    model = make_model(replicates=400, seed=4, **changes)
    earliest = model.drawn["unilateral.south.earliest_round"].copy()
    records = model.run()
    acted = records.outcome == Outcome.UNILATERAL
    assert acted.any()
    assert (records.end_round[acted] >= earliest[acted]).all()
    first = acted & (records.end_round == earliest)
    assert first.mean() == pytest.approx(0.5, abs=4 * np.sqrt(0.25 / 400))


# --- changing a scenario with uncertainty -------------------------------------------------------


def test_with_overrides_a_number_removes_the_uncertainty():
    scenario = make_scenario(**FLEXIBLE)
    plain = with_overrides(scenario, {"parties.north.flexibility": 0.3})
    assert plain.uncertainty == {}
    assert plain.parties["north"].flexibility == 0.3
    records = NegotiationModel(plain, replicates=3).run()
    assert records.drawn_values.shape == (0, 3)


def test_with_overrides_of_a_parent_removes_the_uncertainty_beneath_it():
    scenario = make_scenario(
        **merge(FLEXIBLE, {"parties": {"north": {"capability": {"uniform": [1.0, 2.0]}}}})
    )
    north = scenario.parties["north"].model_dump(mode="json")
    north["flexibility"] = 0.1
    plain = with_overrides(scenario, {"parties.north": north})
    assert plain.uncertainty == {}
    # An unrelated override keeps it.
    kept = with_overrides(scenario, {"parties.south.flexibility": 0.2})
    assert kept.uncertainty == scenario.uncertainty


def test_with_overrides_a_distribution_declares_it():
    scenario = with_overrides(make_scenario(), {"noise": {"uniform": [0.0, 0.1]}})
    assert scenario.uncertainty == {"noise": Uniform(uniform=[0.0, 0.1])}
    assert scenario.noise == pytest.approx(0.05)
    with pytest.raises(ScenarioError, match="horizon: found a distribution"):
        with_overrides(make_scenario(), {"horizon": {"uniform": [3, 6]}})


def test_to_yaml_round_trips():
    scenario = make_scenario(
        **merge(
            FLEXIBLE,
            {
                "parties": {
                    "south": {"red_line_cores": {"a": [{"triangular": [0.5, 0.6, 0.8]}, 1.0]}}
                },
                "noise": {"normal": [0.02, 0.01], "clip": [0.0, 0.1]},
            },
        )
    )
    text = scenario.to_yaml()
    assert "uncertainty:" in text
    again = parse_scenario(text)
    assert again == scenario
    assert again.to_yaml() == text
    first = NegotiationModel(scenario, replicates=20, seed=1).run()
    second = NegotiationModel(again, replicates=20, seed=1).run()
    np.testing.assert_array_equal(first.drawn_values, second.drawn_values)


def test_an_alias_bomb_of_distributions_is_refused():
    # Nine levels of ten aliases each: 10^9 distributions if expanded, which would exhaust
    # memory; the walk stops at its limit of distributions instead (how fast is a benchmark's
    # business, not a test's).
    levels = ["  d0: &d0 {uniform: [0.2, 0.6]}"]
    for i in range(1, 10):
        levels.append(f"  d{i}: &d{i} [" + ", ".join([f"*d{i - 1}"] * 10) + "]")
    for where in ("description: *d9", "ripeness: *d9"):
        text = "anchors:\n" + "\n".join(levels) + "\n" + make_yaml() + where + "\n"
        with pytest.raises(ScenarioError):
            parse_scenario(text)


def test_many_distributions_repeated_by_aliases_within_bounds_are_read():
    # A handful of aliases of one distribution: each a path of its own, each drawn.
    text = make_yaml(parties={"north": {"flexibility": 0.0}})
    text = text.replace(
        "name: tiny",
        "name: tiny\nuncertainty:\n  parties.north.flexibility: &d {uniform: [0.1, 0.2]}\n"
        "  parties.south.flexibility: *d",
    )
    scenario = parse_scenario(text)
    assert set(scenario.uncertainty) == {"parties.north.flexibility", "parties.south.flexibility"}
    drawn = NegotiationModel(scenario, replicates=10, seed=1).drawn
    assert not np.array_equal(
        drawn["parties.north.flexibility"], drawn["parties.south.flexibility"]
    )


def test_a_one_replicate_piece_uses_its_draws_of_the_bodies_values():
    # The troika's and the Council's drawn values are used whatever the number of replicates:
    # a run of one replicate equals that row of a larger run.
    uniform = {"uniform": [0.1, 0.9]}
    scenario = voting_scenario(
        HOLDOUT_NO,
        uncertainty={
            "mediation.pull": uniform,
            "mediation.cohesion": {"uniform": [0.0, 0.5]},
            "mediation.mediators.broker.bias": uniform,
            "council.draft.a": uniform,
            "council.amendment_step": uniform,
        },
    )
    model = NegotiationModel(scenario, replicates=1, seed=1)
    assert model.troika.pull.tolist() == model.drawn["mediation.pull"].tolist()
    assert model.council.draft[0].tolist() == model.drawn["council.draft.a"].tolist()
    whole = NegotiationModel(scenario, replicates=6, seed=1).run().to_frame()
    for first in range(6):
        piece = NegotiationModel(scenario, replicates=1, seed=1, first_replicate=first)
        row = piece.run().to_frame().drop(columns="replicate")
        expected = whole.iloc[[first]].drop(columns="replicate").reset_index(drop=True)
        pd.testing.assert_frame_equal(row, expected)


def test_a_malformed_distribution_leaves_no_second_problem_behind():
    with pytest.raises(ScenarioError) as error:
        make_scenario(parties={"north": {"capability": {"uniform": [0.9, 0.1]}}})
    assert len(error.value.problems) == 1
    assert error.value.problems[0].path.startswith("parties.north.capability.uniform")
