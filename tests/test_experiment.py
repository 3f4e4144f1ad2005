"""Tests for sim.experiment: sweep files, their checks, and the points of each design."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from sim.experiment import (
    DUMMY,
    MAX_POINTS,
    check_points,
    design_points,
    design_size,
    load_sweep,
    numeric_fields,
    overrides,
    sweep_json_schema,
)
from sim.scenario import ScenarioError, load_scenario, with_overrides

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "kosovo_2007.yaml"
SOVEREIGNTY = "parties.russia.position.sovereignty"
STRATEGY = "council.strategy"
SPONSOR = "council.sponsor"


def write(tmp_path: Path, data: dict[str, Any] | str, name: str = "sweep.yaml") -> Path:
    path = tmp_path / name
    text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def sweep(design: str = "grid", parameters: dict[str, Any] | None = None, **keys: Any) -> dict:
    data: dict[str, Any] = {"name": "test_sweep", "scenario": str(BASE), "design": design}
    data |= keys
    data["parameters"] = parameters if parameters is not None else {"horizon": [30, 40]}
    return data


def load(tmp_path: Path, data: dict[str, Any] | str):
    return load_sweep(write(tmp_path, data))


def points(tmp_path: Path, data: dict[str, Any]):
    return design_points(load(tmp_path, data))


def refused(tmp_path: Path, data: dict[str, Any] | str) -> ScenarioError:
    path = write(tmp_path, data)
    with pytest.raises(ScenarioError) as info:
        load_sweep(path)
    error = info.value
    assert error.source == str(path)
    assert str(error).startswith(str(path))
    return error


def problem_at(error: ScenarioError, where: str):
    matches = [p for p in error.problems if p.path == where]
    assert matches, f"no problem at {where}: {error}"
    return matches[0]


# --- grid -------------------------------------------------------------------------------------


def test_grid_is_the_full_factorial_first_parameter_slowest(tmp_path):
    parameters = {
        SOVEREIGNTY: {"from": 0.1, "to": 0.9, "steps": 9},
        STRATEGY: ["table_anyway", "withdraw_if_veto_expected"],
        "horizon": {"from": 30, "to": 60, "steps": 4},
    }
    design = points(tmp_path, sweep("grid", parameters))
    table = design.points
    assert len(table) == 9 * 2 * 4 == 72
    assert list(table.columns) == [SOVEREIGNTY, STRATEGY, "horizon"]
    assert design.parameters == [SOVEREIGNTY, STRATEGY, "horizon"]
    assert list(table.index) == list(range(72))
    assert design.problem is None
    # point p = 8 i + 4 j + k: sovereignty i, strategy j, horizon k
    levels = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    assert table[SOVEREIGNTY].tolist() == [v for v in levels for _ in range(8)]
    strategies = ["table_anyway"] * 4 + ["withdraw_if_veto_expected"] * 4
    assert table[STRATEGY].tolist() == strategies * 9
    assert table["horizon"].tolist() == [30, 40, 50, 60] * 18
    assert table.iloc[13].tolist() == [0.2, "withdraw_if_veto_expected", 40]
    # encoded: numbers as listed, categories as their index
    assert design.encoded.shape == (72, 3)
    assert design.encoded[13].tolist() == [0.2, 1.0, 40.0]


def test_a_grid_range_spaces_steps_values_with_both_ends(tmp_path):
    parameters = {
        "ripeness": {"from": 0, "to": 1, "steps": 5},
        "noise": {"from": 0.1, "to": 0.3, "steps": 3},
    }
    table = points(tmp_path, sweep("grid", parameters)).points
    assert sorted(set(table["ripeness"])) == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert sorted(set(table["noise"])) == [0.1, 0.2, 0.3]  # 0.1 + 0.1 reads 0.2, not 0.2000...1
    assert table["ripeness"].dtype == np.float64


def test_whole_number_paths_are_rounded_after_spacing(tmp_path):
    parameters = {"horizon": {"from": 30, "to": 40, "steps": 4}}  # 30, 33.3, 36.7, 40
    table = points(tmp_path, sweep("grid", parameters)).points
    assert table["horizon"].tolist() == [30, 33, 37, 40]
    assert table["horizon"].dtype == np.int64


def test_whole_numbers_written_as_floats_are_applied_as_ints(tmp_path):
    parameters = {"unilateral.kosovo.earliest_round": [10.0, 20]}
    table = points(tmp_path, sweep("grid", parameters)).points
    assert table["unilateral.kosovo.earliest_round"].tolist() == [10, 20]
    assert overrides(table.iloc[0]) == {"unilateral.kosovo.earliest_round": 10}
    assert type(overrides(table.iloc[0])["unilateral.kosovo.earliest_round"]) is int


def test_booleans_and_text_are_grid_categories(tmp_path):
    parameters = {"council.veto": [True, False]}
    design = points(tmp_path, sweep("grid", parameters))
    assert design.points["council.veto"].tolist() == [True, False]
    assert design.encoded[:, 0].tolist() == [0.0, 1.0]
    assert overrides(design.points.iloc[1]) == {"council.veto": False}


# --- samplers ----------------------------------------------------------------------------------

SAMPLED = {
    "ripeness": {"from": 0.0, "to": 0.2},
    "noise": {"uniform": [0, 0.1]},
    "horizon": {"triangular": [30, 52, 80]},
    "decision.noise": {"normal": [0.1, 0.05], "clip": [0.05, 0.15]},
    SPONSOR: {"choice": ["usa", "uk"]},
}


def test_sobol_has_n_times_d_plus_2_points_within_bounds(tmp_path):
    design = points(tmp_path, sweep("sobol", SAMPLED, samples=8, seed=3, dummy=True))
    table = design.points
    # D = 5 parameters + dummy = 6: N (D + 2) = 8 x 8 (Saltelli et al. 2010)
    assert len(table) == 64
    assert design.parameters == [*SAMPLED, DUMMY]
    assert list(table.columns) == [*SAMPLED, DUMMY]
    assert design.encoded.shape == (64, 6)
    assert table["ripeness"].between(0.0, 0.2).all()
    assert table["noise"].between(0.0, 0.1).all()
    assert table["horizon"].dtype == np.int64
    assert table["horizon"].between(30, 80).all()
    assert table["decision.noise"].between(0.05, 0.15).all()
    assert set(table[SPONSOR]) <= {"usa", "uk"}
    assert table[DUMMY].dtype == np.float64
    assert table[DUMMY].between(0.0, 1.0).all()
    assert design.problem == {
        "num_vars": 6,
        "names": [*SAMPLED, DUMMY],
        "bounds": [[0.0, 0.2], [0.0, 0.1], [30.0, 80.0, 0.44], [0.1, 0.05], [0.0, 2.0], [0.0, 1.0]],
        "dists": ["unif", "unif", "triang", "norm", "unif", "unif"],
    }
    # encoded keeps the sampler's raw numbers (horizon unrounded, normal unclipped)
    assert np.array_equal(np.floor(design.encoded[:, 2] + 0.5), table["horizon"])
    assert np.array_equal(design.encoded[:, 5], table[DUMMY])


def test_choice_is_an_index_drawn_on_0_to_n_and_floored(tmp_path):
    design = points(tmp_path, sweep("sobol", SAMPLED, samples=8, seed=3))
    index = design.encoded[:, 4]
    assert set(index) <= {0.0, 1.0}
    assert design.points[SPONSOR].tolist() == [["usa", "uk"][int(i)] for i in index]
    assert DUMMY not in design.points.columns
    assert len(design.points) == 8 * (5 + 2)


def test_morris_has_r_times_d_plus_1_points_on_its_levels(tmp_path):
    parameters = {"ripeness": {"from": 0.0, "to": 0.3}, SPONSOR: {"choice": ["usa", "uk"]}}
    loaded = load(tmp_path, sweep("morris", parameters, samples=4, seed=1, dummy=True))
    assert loaded.sweep.levels == 4  # the default, filled in
    design = design_points(loaded)
    # D = 2 + dummy: r (D + 1) = 4 x 4 (Morris 1991)
    assert len(design.points) == 16
    # 4 levels on [0, 0.3]: 0, 0.1, 0.2, 0.3
    assert set(np.round(design.points["ripeness"], 12)) <= {0.0, 0.1, 0.2, 0.3}
    # the choice's levels 0, 1, 2, 3 (at 0, 2/3, 4/3, 2) are the options 0, 0, 1, 1
    assert set(design.encoded[:, 1]) <= {0.0, 1.0}
    assert design.points[SPONSOR].tolist() == [["usa", "uk"][int(i)] for i in design.encoded[:, 1]]
    assert design.problem["names"] == ["ripeness", SPONSOR, DUMMY]


def test_latin_has_n_points_one_per_stratum(tmp_path):
    parameters = {"ripeness": {"from": 0.0, "to": 1.0}, "noise": {"uniform": [0, 0.5]}}
    design = points(tmp_path, sweep("latin", parameters, samples=10, seed=7))
    assert len(design.points) == 10
    # each of the 10 equal strata of each range holds one point (McKay et al. 1979)
    assert sorted(np.floor(design.points["ripeness"] * 10).astype(int)) == list(range(10))
    assert sorted(np.floor(design.points["noise"] * 20).astype(int)) == list(range(10))


@pytest.mark.parametrize("design, samples", [("latin", 10), ("sobol", 8), ("morris", 4)])
def test_samples_are_deterministic_in_the_seed(tmp_path, design, samples):
    parameters = {"ripeness": {"from": 0.0, "to": 0.2}, SPONSOR: {"choice": ["usa", "uk"]}}
    first = points(tmp_path, sweep(design, parameters, samples=samples, seed=11))
    again = points(tmp_path, sweep(design, parameters, samples=samples, seed=11))
    other = points(tmp_path, sweep(design, parameters, samples=samples, seed=12))
    assert first.points.equals(again.points)
    assert np.array_equal(first.encoded, again.encoded)
    assert not np.array_equal(first.encoded, other.encoded)


def test_design_size_counts_points_before_sampling(tmp_path):
    loaded = load(tmp_path, sweep("sobol", SAMPLED, samples=16, dummy=True))
    assert design_size(loaded.sweep) == 16 * (6 + 2)
    loaded = load(tmp_path, sweep("morris", {"ripeness": {"from": 0, "to": 1}}, samples=10))
    assert design_size(loaded.sweep) == 10 * 2


def test_overrides_are_python_scalars_without_the_dummy(tmp_path):
    design = points(tmp_path, sweep("sobol", SAMPLED, samples=8, seed=3, dummy=True))
    row = design.points.iloc[5]
    values = overrides(row)
    assert list(values) == list(SAMPLED)
    assert type(values["horizon"]) is int
    assert type(values["ripeness"]) is float
    assert type(values[SPONSOR]) is str
    assert overrides(row, parameters=["horizon"]) == {"horizon": values["horizon"]}
    table = design.points.assign(point_id=range(len(design.points)))
    assert overrides(table.iloc[5], parameters=design.parameters) == values
    # every point is a valid scenario
    scenario = load_scenario(BASE)
    assert with_overrides(scenario, values).horizon == values["horizon"]


# --- loading --------------------------------------------------------------------------------


def test_defaults_are_filled_from_the_base(tmp_path):
    loaded = load(tmp_path, sweep("grid", {"horizon": [30, 40]}))
    base = load_scenario(BASE)
    assert loaded.base == base
    assert loaded.sweep.replicates == base.replicates
    assert loaded.sweep.seed == base.seed
    assert loaded.sweep.levels is None
    assert loaded.sweep.outcomes == [
        "agreement",
        "resolution",
        "unilateral",
        "deadlock",
        "breaks",
        "end_round",
    ]
    assert loaded.sweep.target == "breaks"
    assert loaded.path == tmp_path / "sweep.yaml"


def test_the_base_path_is_relative_to_the_sweep_file(tmp_path):
    folder = tmp_path / "sweeps"
    folder.mkdir()
    data = sweep("grid", {"horizon": [30]}, scenario=os.path.relpath(BASE, folder))
    loaded = load_sweep(write(folder, data))
    assert loaded.base.name == "kosovo_2007"


def test_the_sweep_as_run_reads_back_the_same(tmp_path):
    parameters = {**SAMPLED}
    loaded = load(tmp_path, sweep("sobol", parameters, samples=8, dummy=True, replicates=20))
    again = load(tmp_path, loaded.sweep.to_yaml())
    assert again.sweep == loaded.sweep


def test_numeric_fields_of_the_runs_table(tmp_path):
    names = numeric_fields(load_scenario(BASE))
    for name in (
        "end_round",
        "proposals",
        "drafts_tabled",
        "drafts_withdrawn",
        "gap.sovereignty",
        "point.minority_protection",
        "position.russia.sovereignty",
    ):
        assert name in names
    assert "outcome" not in names and "replicate" not in names
    assert not [name for name in names if name.startswith("session")]


def test_numeric_outcomes_are_accepted(tmp_path):
    outcomes = ["breaks", "end_round", "gap.sovereignty", "position.kosovo.sovereignty"]
    loaded = load(tmp_path, sweep("grid", outcomes=outcomes, target="unilateral"))
    assert loaded.sweep.outcomes == outcomes
    assert loaded.sweep.target == "unilateral"


def test_odd_levels_warn_but_load(tmp_path):
    data = sweep("morris", {"ripeness": {"from": 0, "to": 1}}, samples=2, levels=5)
    with pytest.warns(UserWarning, match=r"levels: found 5; expected an even number"):
        loaded = load(tmp_path, data)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(design_points(loaded).points) == 2 * 2


def test_json_schema_describes_sweep_files():
    schema = json.loads(sweep_json_schema())
    assert schema["title"] == "stalemate sweep"
    properties = schema["properties"]
    for key in ("name", "scenario", "design", "samples", "levels", "parameters", "outcomes"):
        assert key in properties
        assert properties[key].get("description")
    assert schema["additionalProperties"] is False
    assert "from" in schema["$defs"]["Range"]["properties"]
    assert schema["$defs"]["Range"]["additionalProperties"] is False


# --- refusals ---------------------------------------------------------------------------------


def test_a_misspelt_key_gets_a_suggestion(tmp_path):
    data = sweep()
    data["desing"] = data.pop("design")
    problem = problem_at(refused(tmp_path, data), "desing")
    assert problem.found == "unknown key 'desing'"
    assert "(did you mean 'design'?)" in problem.expected


def test_a_misspelt_range_key_gets_a_suggestion(tmp_path):
    data = sweep("grid", {"ripeness": {"from": 0, "too": 1, "steps": 3}})
    problem = problem_at(refused(tmp_path, data), "parameters.ripeness.too")
    assert problem.found == "unknown key 'too'"
    assert "from, to, steps" in problem.expected and "(did you mean 'to'?)" in problem.expected


def test_an_unknown_distribution_gets_a_suggestion(tmp_path):
    data = sweep("latin", {"ripeness": {"unifrom": [0, 1]}}, samples=4)
    problem = problem_at(refused(tmp_path, data), "parameters.ripeness")
    assert problem.found == "a mapping with keys unifrom"
    assert "(did you mean 'uniform'?)" in problem.expected


def test_a_bad_design_gets_a_suggestion(tmp_path):
    problem = problem_at(refused(tmp_path, sweep("sobal")), "design")
    assert problem.found == "'sobal'"
    assert "'grid', 'latin', 'sobol' or 'morris'" in problem.expected
    assert "(did you mean 'sobol'?)" in problem.expected


def test_an_unknown_scenario_path_is_refused(tmp_path):
    data = sweep("grid", {"parties.rusia.flexibility": [0.1]})
    error = refused(tmp_path, data)
    problem = problem_at(error, "parameters.parties.rusia.flexibility")
    assert problem.found == "no key 'rusia' at parties.rusia"
    assert "(did you mean 'russia'?)" in problem.expected
    assert "parameters.parties.rusia.flexibility: found no key 'rusia'" in str(error)


def test_a_missing_base_file_is_a_problem_of_the_sweep(tmp_path):
    error = refused(tmp_path, sweep(scenario="nowhere.yaml"))
    problem = problem_at(error, "scenario")
    assert problem.found.startswith("'nowhere.yaml', which is not a file")
    assert "relative to the sweep file" in problem.expected


def test_an_invalid_base_scenario_raises_its_own_error(tmp_path):
    base = write(tmp_path, "name: Not A Name\n", name="bad_base.yaml")
    path = write(tmp_path, sweep(scenario="bad_base.yaml"))
    with pytest.raises(ScenarioError) as info:
        load_sweep(path)
    assert info.value.source == str(base)


def test_samples_are_required_by_samplers(tmp_path):
    error = refused(tmp_path, sweep("latin", {"ripeness": {"from": 0, "to": 1}}))
    problem = problem_at(error, "samples")
    assert problem.found == "nothing"
    assert "design latin needs it" in problem.expected


def test_samples_are_refused_for_a_grid(tmp_path):
    problem = problem_at(refused(tmp_path, sweep("grid", samples=8)), "samples")
    assert problem.found == "8"
    assert "no samples for design grid" in problem.expected


def test_sobol_samples_must_be_a_power_of_2(tmp_path):
    data = sweep("sobol", {"ripeness": {"from": 0, "to": 1}}, samples=100)
    problem = problem_at(refused(tmp_path, data), "samples")
    assert problem.found == "100"
    assert problem.expected.startswith("a power of 2 (e.g. 64 or 128)")


def test_morris_refuses_a_normal(tmp_path):
    data = sweep("morris", {"ripeness": {"normal": [0.1, 0.01]}}, samples=4)
    problem = problem_at(refused(tmp_path, data), "parameters.ripeness.normal")
    assert problem.found == "a normal distribution"
    assert "bounded" in problem.expected


def test_levels_are_only_for_morris(tmp_path):
    data = sweep("latin", {"ripeness": {"from": 0, "to": 1}}, samples=4, levels=4)
    problem = problem_at(refused(tmp_path, data), "levels")
    assert problem.expected == "no levels for design latin: only morris"


def test_a_dummy_is_only_for_sobol_and_morris(tmp_path):
    problem = problem_at(refused(tmp_path, sweep("grid", dummy=True)), "dummy")
    assert problem.found == "true"
    assert "sobol and morris" in problem.expected


@pytest.mark.parametrize(
    "design, spec, where, found, expected",
    [
        ("grid", {"from": 0, "to": 1}, "parameters.ripeness.steps", "nothing", "a grid range"),
        ("latin", {"from": 0, "to": 1, "steps": 3}, "parameters.ripeness.steps", "3", "no steps"),
        ("latin", [0.1, 0.2], "parameters.ripeness", "a list of values", "{choice: [...]}"),
        ("grid", {"uniform": [0, 1]}, "parameters.ripeness", "a uniform distribution", "grid"),
        ("latin", {"from": 0.2, "to": 0.1}, "parameters.ripeness.to", "0.1", "greater than from"),
        ("latin", {"uniform": [1, 1]}, "parameters.ripeness.uniform", "[1.0, 1.0]", "a < b"),
        (
            "latin",
            {"triangular": [0, 1, 1]},
            "parameters.ripeness.triangular",
            "[0.0, 1.0, 1.0]",
            "mode < b",
        ),
        ("latin", {"normal": [0.1, 0]}, "parameters.ripeness.normal.1", "0.0", "deviation > 0"),
        (
            "latin",
            {"normal": [0.1, 0.1], "clip": [1, 0]},
            "parameters.ripeness.clip",
            "[1.0, 0.0]",
            "lo < hi",
        ),
        ("grid", [0.1, 0.1], "parameters.ripeness", "the value 0.1 twice", "each value once"),
        ("grid", [0, 0.0], "parameters.ripeness", "the value 0.0 twice", "each value once"),
        (
            "latin",
            {"choice": [0.1, 0.1]},
            "parameters.ripeness.choice",
            "the value 0.1 twice",
            "each value once",
        ),
        (
            "latin",
            {"from": -0.1, "to": 0.1},
            "parameters.ripeness.from",
            "-0.1",
            "greater than or equal to 0",
        ),
        ("latin", {"normal": [0.05, 0.02]}, "parameters.ripeness.normal", "-0.05", "add clip"),
        ("grid", 0.1, "parameters.ripeness", "0.1", "a fixed value belongs in the scenario"),
    ],
)
def test_parameter_specs_are_checked(tmp_path, design, spec, where, found, expected):
    samples = {} if design == "grid" else {"samples": 4}
    problem = problem_at(refused(tmp_path, sweep(design, {"ripeness": spec}, **samples)), where)
    assert problem.found == found
    assert expected in problem.expected


def test_a_fraction_for_a_whole_number_path_is_refused(tmp_path):
    problem = problem_at(
        refused(tmp_path, sweep("grid", {"horizon": [30, 40.5]})), "parameters.horizon.1"
    )
    assert problem.found == "40.5"
    assert problem.expected == "a whole number (horizon is one)"


def test_more_grid_steps_than_whole_numbers_are_refused(tmp_path):
    data = sweep("grid", {"horizon": {"from": 30, "to": 32, "steps": 5}})
    problem = problem_at(refused(tmp_path, data), "parameters.horizon.steps")
    assert problem.expected.startswith("at most 3 steps")


def test_each_listed_value_is_checked_against_the_base(tmp_path):
    data = sweep("grid", {STRATEGY: ["table_anyway", "tabel_anyway"]})
    problem = problem_at(refused(tmp_path, data), f"parameters.{STRATEGY}.1")
    assert problem.found == "'tabel_anyway'"
    assert "(did you mean 'table_anyway'?)" in problem.expected


def test_a_misspelt_issue_in_a_new_key_is_an_unknown_path(tmp_path):
    data = sweep("grid", {"parties.kosovo.salience.sovereignity": [0.5, 0.7]})
    problem = problem_at(refused(tmp_path, data), "parameters.parties.kosovo.salience.sovereignity")
    assert problem.found == "an undefined issue"
    assert "(did you mean 'sovereignty'?)" in problem.expected


def test_a_value_is_checked_against_its_field_not_the_other_values(tmp_path):
    # horizon 10 puts the base's Council session (20) beyond the horizon: a cross-check, made on
    # the points (a session parameter could move it), not at load
    loaded = load(tmp_path, sweep("grid", {"horizon": [10, 52]}))
    invalid = check_points(loaded, design_points(loaded))
    assert [point for point, _ in invalid] == [0]
    error = invalid[0][1]
    assert error.source == f"{loaded.path} (point 0)"
    problem = problem_at(error, "council.sessions.0")
    assert problem.found == "20"
    assert "within the horizon (10)" in problem.expected


def test_the_sweep_sets_seed_and_replicates_itself(tmp_path):
    problem = problem_at(refused(tmp_path, sweep("grid", {"seed": [1, 2]})), "parameters.seed")
    assert "the sweep sets seed itself" in problem.expected


def test_unknown_and_repeated_outcomes_are_refused(tmp_path):
    error = refused(tmp_path, sweep("grid", outcomes=["breaks", "end_rond", "breaks"]))
    problem = problem_at(error, "outcomes.1")
    assert problem.found == "'end_rond'"
    assert "(did you mean 'end_round'?)" in problem.expected
    assert problem_at(error, "outcomes.2").found == "'breaks' again"


def test_the_target_is_an_outcome(tmp_path):
    problem = problem_at(refused(tmp_path, sweep("grid", target="end_round")), "target")
    assert "'breaks'" in problem.expected


def test_a_grid_over_a_million_points_is_refused(tmp_path):
    parameters = {
        "ripeness": {"from": 0, "to": 1, "steps": 1001},
        "noise": {"from": 0, "to": 1, "steps": 1001},
    }
    problem = problem_at(refused(tmp_path, sweep("grid", parameters)), "parameters")
    assert problem.found == "a design of 1,002,001 points"
    assert f"at most {MAX_POINTS:,} points" in problem.expected


def test_a_repeated_key_in_the_file_is_refused(tmp_path):
    text = f"name: a\nname: b\nscenario: {BASE}\ndesign: grid\nparameters: {{horizon: [30]}}\n"
    problem = problem_at(refused(tmp_path, text), "name")
    assert "again on line 2" in problem.found


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path):
    problem = problem_at(refused(tmp_path, "- just\n- a list\n"), "")
    assert problem.found == "a list"


def test_a_parameter_path_must_be_dotted_names(tmp_path):
    problem = problem_at(refused(tmp_path, sweep("grid", {"Horizon": [30]})), "parameters.Horizon")
    assert "joined by '.'" in problem.expected


def test_every_problem_is_reported_at_once(tmp_path):
    data = sweep("sobol", {"ripeness": [0.1], "noise": {"from": 0, "to": 1}}, levels=4, dummy=False)
    error = refused(tmp_path, data)
    assert {p.path for p in error.problems} == {"samples", "levels", "parameters.ripeness"}
    assert str(error).startswith(f"{tmp_path / 'sweep.yaml'}: 3 problems")


# --- combinations: the points' scenarios -------------------------------------------------------

KOSOVO_POSITION = "parties.kosovo.position.sovereignty"
KOSOVO_LOW = "parties.kosovo.red_lines.sovereignty.0"
KOSOVO_HIGH = "parties.kosovo.red_lines.sovereignty.1"


def test_ends_valid_only_in_combination_load_and_every_point_is_valid(tmp_path):
    # the red line's high end 0.9 against the base's position 1.0 is invalid, but with the
    # position varied too every point has position <= 0.9 <= high end
    parameters = {KOSOVO_POSITION: {"from": 0.8, "to": 0.9}, KOSOVO_HIGH: {"from": 0.9, "to": 1.0}}
    loaded = load(tmp_path, sweep("latin", parameters, samples=20, seed=5))
    design = design_points(loaded)
    assert check_points(loaded, design) == []
    grid = {KOSOVO_POSITION: [0.8, 0.85, 0.9], KOSOVO_HIGH: {"from": 0.9, "to": 1.0, "steps": 3}}
    loaded = load(tmp_path, sweep("grid", grid))
    assert check_points(loaded, design_points(loaded)) == []


def test_ranges_that_cross_load_and_the_invalid_points_are_found(tmp_path):
    # each end is valid against the base, but a point with the red line's low end above the
    # position is not (ODD 8.10)
    parameters = {KOSOVO_POSITION: {"from": 0.8, "to": 1.0}, KOSOVO_LOW: {"from": 0.3, "to": 1.0}}
    loaded = load(tmp_path, sweep("latin", parameters, samples=20, seed=20071219))
    design = design_points(loaded)
    table = design.points
    positions, lows = table[KOSOVO_POSITION].tolist(), table[KOSOVO_LOW].tolist()
    expected = [i for i in range(len(table)) if lows[i] > positions[i]]
    assert 0 < len(expected) < len(table)
    invalid = check_points(loaded, design)
    assert [point for point, _ in invalid] == expected
    for point, error in invalid:
        assert error.source == f"{loaded.path} (point {point})"
        problem = problem_at(error, KOSOVO_POSITION)
        assert problem.found == repr(positions[point])
        assert problem.expected == f"a position inside the party's red line [{lows[point]}, 1.0]"
    # deterministic, the same as setting each point's values with with_overrides, and limited
    again = check_points(loaded, design_points(loaded))
    assert [(p, str(e)) for p, e in again] == [(p, str(e)) for p, e in invalid]
    for point in range(len(table)):
        values = overrides(table.iloc[point], design.parameters)
        try:
            with_overrides(loaded.base, values, source=f"{loaded.path} (point {point})")
        except ScenarioError as error:
            assert str(error) == str(dict(invalid)[point])
        else:
            assert point not in expected
    assert [p for p, _ in check_points(loaded, design, limit=1)] == expected[:1]


def test_values_valid_alone_can_make_invalid_points_of_a_grid(tmp_path):
    parameters = {
        "horizon": [25, 52],
        "council.sessions.0": [20, 30],
        STRATEGY: ["table_anyway", "amend_to_avoid_veto"],
    }
    loaded = load(tmp_path, sweep("grid", parameters))
    invalid = check_points(loaded, design_points(loaded))
    # horizon 25 with the session at 30: points 2 and 3 (first parameter slowest)
    assert [point for point, _ in invalid] == [2, 3]
    assert {p.path for _, error in invalid for p in error.problems} == {"council.sessions.0"}


def test_every_point_of_a_valid_grid_is_valid(tmp_path):
    parameters = {
        KOSOVO_LOW: {"from": 0.3, "to": 1.0, "steps": 8},
        "parties.serbia.red_lines.sovereignty.1": {"from": 0.2, "to": 0.9, "steps": 8},
        "ripeness": [0.0, 0.1],
    }
    loaded = load(tmp_path, sweep("grid", parameters))
    design = design_points(loaded)
    assert len(design.points) == 128
    assert check_points(loaded, design) == []


def test_check_points_of_a_design_with_a_dummy_and_categories(tmp_path):
    loaded = load(tmp_path, sweep("sobol", SAMPLED, samples=8, seed=3, dummy=True))
    assert check_points(loaded, design_points(loaded)) == []
    unknown = {**SAMPLED, SPONSOR: {"choice": ["usa", "usaa"]}}
    loaded = load(tmp_path, sweep("sobol", unknown, samples=8, seed=3))
    design = design_points(loaded)
    invalid = check_points(loaded, design)
    assert [p for p, _ in invalid] == [
        i for i, v in enumerate(design.points[SPONSOR]) if v == "usaa"
    ]
    problem = problem_at(invalid[0][1], SPONSOR)
    assert problem.found == "'usaa', which is not a party"
    assert "(did you mean 'usa'?)" in problem.expected


def test_check_points_refuses_a_limit_below_1(tmp_path):
    loaded = load(tmp_path, sweep())
    with pytest.raises(ValueError, match="limit"):
        check_points(loaded, design_points(loaded), limit=0)


# --- morris categories --------------------------------------------------------------------------


def test_morris_refuses_a_choice_whose_options_do_not_divide_the_levels(tmp_path):
    parameters = {
        "ripeness": {"from": 0.0, "to": 0.2},
        STRATEGY: {"choice": ["table_anyway", "withdraw_if_veto_expected", "amend_to_avoid_veto"]},
    }
    problem = problem_at(
        refused(tmp_path, sweep("morris", parameters, samples=4)), f"parameters.{STRATEGY}.choice"
    )
    assert problem.found == "3 options on 4 levels (default 4)"
    assert "a multiple of the number of options" in problem.expected
    assert problem.expected.endswith("e.g. levels: 6")
    problem = problem_at(
        refused(tmp_path, sweep("morris", parameters, samples=4, levels=8)),
        f"parameters.{STRATEGY}.choice",
    )
    assert problem.found == "3 options on 8 levels"
    assert problem.expected.endswith("e.g. levels: 12")
    # latin and sobol draw the index uniformly on [0, 3]: any number of options is balanced
    load(tmp_path, sweep("latin", parameters, samples=4))


def test_morris_levels_are_shared_equally_by_the_options(tmp_path):
    options = ["table_anyway", "withdraw_if_veto_expected", "amend_to_avoid_veto"]
    parameters = {"ripeness": {"from": 0.0, "to": 1.0}, STRATEGY: {"choice": options}}
    loaded = load(tmp_path, sweep("morris", parameters, samples=40, levels=6, seed=2))
    design = design_points(loaded)
    from SALib.sample import morris as salib_morris

    raw = salib_morris.sample(dict(design.problem), 40, num_levels=6, seed=2)
    level = np.rint(raw[:, 1] / 3 * 5).astype(int)  # the choice's level, 0..5, at k 3 / 5
    assert set(level) == set(range(6))
    # levels 0, 1 -> option 0; 2, 3 -> 1; 4, 5 -> 2
    assert design.encoded[:, 1].tolist() == (level // 2).tolist()
    assert design.points[STRATEGY].tolist() == [options[k // 2] for k in level]
    # every step of a trajectory (a jump of 3 levels) changes the option
    steps = design.encoded[:, 1].reshape(40, 3)
    assert (np.diff(steps, axis=1) != 0).sum() == 40  # one of the two steps moves the choice


def test_a_sweep_reads_former_section_names(tmp_path):
    # `security_council` and `mediation.troika` are still read, as in files and --set.
    old = {"security_council.veto": [True, False], "mediation.troika.russia.bias": [0.0, 0.3]}
    loaded = load(tmp_path, sweep(parameters=old))
    assert list(loaded.sweep.parameters) == ["council.veto", "mediation.mediators.russia.bias"]
