"""Sensitivity indices and scenario discovery on synthetic points tables with known answers.

No negotiation model runs here: `points_table` builds a points table as the sweep writes it
from outcome probabilities that a made-up function of the parameters decides, so which
parameter matters (and where) is known in advance.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pytest
from SALib.sample import morris as morris_sampler
from SALib.sample import sobol as sobol_sampler

from sim.analysis import (
    DUMMY,
    MORRIS_DISCOVERY,
    OUTCOMES,
    association,
    discover_boxes,
    morris_indices,
    negligible_parameters,
    noise_floor,
    outcome_columns,
    parameter_columns,
    rank_parameters,
    ranked,
    skipped_discovery,
    sobol_indices,
    varied_parameters,
)
from sim.summary import wilson_interval

TERMINAL = OUTCOMES[:-1]


def points_table(
    parameters: Mapping[str, object],
    probabilities: np.ndarray,
    replicates: int = 200,
    seed: int | None = None,
) -> pd.DataFrame:
    """A points table as the sweep writes it, for outcome `probabilities` (points x 4).

    With a `seed` each point's outcome counts are a multinomial draw of `replicates`; without,
    they are the probabilities times `replicates`, rounded (no noise at all).
    """
    table = pd.DataFrame(dict(parameters))
    n = len(table)
    table.insert(0, "point_id", np.arange(n))
    table.insert(1, "seed", np.arange(n) + 1000)
    table["status"] = "done"
    table["error"] = ""
    table["replicates"] = replicates
    probabilities = np.asarray(probabilities, dtype=float)
    if seed is None:
        counts = np.round(probabilities * replicates).astype(int)
        counts[:, 3] = replicates - counts[:, :3].sum(axis=1)
    else:
        rng = np.random.default_rng(seed)
        counts = np.array([rng.multinomial(replicates, p / p.sum()) for p in probabilities])
    counts = np.column_stack([counts, replicates - counts[:, 3]])
    for column, outcome in enumerate(OUTCOMES):
        table[outcome] = counts[:, column] / replicates
        bounds = [wilson_interval(int(c), replicates) for c in counts[:, column]]
        table[f"{outcome}_low"] = [low for low, _ in bounds]
        table[f"{outcome}_high"] = [high for _, high in bounds]
    table["median_end_round"] = 12.0
    table["mean_vetoes"] = 0.5
    return table


def breaks_with(p_breaks: np.ndarray) -> np.ndarray:
    """Outcome probabilities in which the deadlock breaks with `p_breaks` (as an agreement)."""
    p = np.clip(np.asarray(p_breaks, dtype=float), 0, 1)
    return np.column_stack([p, np.zeros_like(p), np.zeros_like(p), 1 - p])


def fail(table: pd.DataFrame, point: int) -> pd.DataFrame:
    """`table` with `point` failed: status "failed", an error, no shares."""
    failed = table.copy()
    failed.loc[point, "status"] = "failed"
    failed.loc[point, "error"] = "boom"
    failed.loc[point, [c for c in outcome_columns(table) if c in OUTCOMES]] = np.nan
    return failed


PROBLEM = {"num_vars": 3, "names": ["x1", "x2", DUMMY], "bounds": [[0.0, 1.0]] * 3}


def decided_by_x1(x1: np.ndarray) -> np.ndarray:
    """The deadlock breaks more often the larger x1 (a steep logistic around 0.4)."""
    return 1 / (1 + np.exp(-15 * (x1 - 0.4)))


def sampled(sample: np.ndarray, seed: int | None = None) -> pd.DataFrame:
    columns = {name: sample[:, i] for i, name in enumerate(PROBLEM["names"])}
    return points_table(columns, breaks_with(decided_by_x1(sample[:, 0])), 400, seed)


# --- the points table --------------------------------------------------------------------------


def test_outcomes_and_columns_of_a_points_table():
    table = points_table({"a.b_c": [0.1, 0.2], "s": ["x", "y"]}, breaks_with([0.2, 0.4]))
    assert OUTCOMES == ("agreement", "resolution", "unilateral", "deadlock", "breaks")
    assert outcome_columns(table) == [*OUTCOMES, "median_end_round", "mean_vetoes"]
    assert parameter_columns(table) == ["a.b_c", "s"]
    assert table["breaks"].tolist() == pytest.approx([0.2, 0.4])


def test_varied_parameters_leave_out_constants_and_the_dummy():
    table = points_table(
        {"x": [0.1, 0.2, 0.3], "c": [1.0, 1.0, 1.0], DUMMY: [0.1, 0.5, 0.9]},
        breaks_with([0.2, 0.4, 0.6]),
    )
    assert varied_parameters(table, ["x", "c", DUMMY]) == ["x"]


# --- ranking parameters ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def associated() -> pd.DataFrame:
    """The deadlock breaks with x1 (monotone, not linear) and in category "b" of s; x2 is idle."""
    rng = np.random.default_rng(12)
    n = 400
    values = {
        "x2": rng.random(n),
        "s": rng.choice(["a", "b", "c"], n),
        "x1": rng.random(n),
        "flag": rng.random(n) < 0.5,
    }
    p = 0.6 * values["x1"] ** 3 + 0.3 * (values["s"] == "b")
    return points_table(values, breaks_with(p), 200, seed=5)


def test_association_is_rank_correlation_or_the_correlation_ratio_of_ranks(associated):
    strength = association(associated, ["x2", "s", "x1", "flag"], "breaks")
    assert strength.index.tolist() == ["x2", "s", "x1", "flag"]
    assert strength["x1"] > 0.7 and strength["s"] > 0.3
    assert strength["x2"] < 0.15 and strength["flag"] < 0.15
    assert (strength >= 0).all() and (strength <= 1).all()
    # ranks only: a monotone transformation of the parameter changes nothing
    cubed = associated.assign(x1=associated["x1"] ** 5)
    assert association(cubed, ["x1"], "breaks")["x1"] == pytest.approx(strength["x1"])
    # a perfectly ordered parameter correlates fully
    exact = points_table({"x": np.linspace(0, 1, 20)}, breaks_with(np.linspace(0, 1, 20)), 1000)
    assert association(exact, ["x"], "breaks")["x"] == pytest.approx(1.0)


def test_association_is_nan_without_variation(associated):
    assert association(associated, ["x1"], "resolution").isna().all()  # resolution is always 0
    constant = associated.assign(x2=0.5)
    assert np.isnan(association(constant, ["x2"], "breaks")["x2"])


def test_rank_parameters_by_association_without_an_index(associated):
    ranking = rank_parameters(associated, ["x2", "s", "x1", "flag"], "breaks")
    assert ranking.measure == "|rank correlation|"
    assert ranking.top(2) == ["x1", "s"]
    assert set(ranking.parameters) == {"x2", "s", "x1", "flag"}
    assert list(ranking.scores) == sorted(ranking.scores, reverse=True)
    assert ranking.score("x1") == pytest.approx(association(associated, ["x1"], "breaks")["x1"])
    unvaried = rank_parameters(associated, ["x2", "x1"], "resolution")
    assert unvaried.parameters == ("x2", "x1")  # all NaN: the order given


def test_rank_parameters_by_the_designs_index():
    table = pd.DataFrame({"x": [0.0, 1.0], "y": [1.0, 0.0]})
    table = points_table(table, breaks_with([0.1, 0.9]))
    morris = pd.DataFrame(
        {
            "parameter": ["x", "y", DUMMY],
            "mu_star": [0.1, 0.5, 0.01],
            "mu_star_conf": 0.01,
            "sigma": 0.1,
        }
    )
    ranking = rank_parameters(table, ["x", "y", DUMMY], "breaks", morris)
    assert ranking.parameters == ("y", "x", DUMMY) and ranking.measure == "mu*"
    assert ranking.score("x") == pytest.approx(0.1)
    sobol = pd.DataFrame(
        {"parameter": ["x", "y"], "S1": 0.1, "S1_conf": 0.1, "ST": [0.7, 0.2], "ST_conf": 0.1}
    )
    assert rank_parameters(table, ["x", "y"], "breaks", sobol).parameters == ("x", "y")
    assert rank_parameters(table, ["x", "y"], "breaks", sobol).measure == "ST"
    # all-NaN indices (an outcome that never varies) fall back on the association
    empty = sobol.assign(ST=np.nan)
    assert rank_parameters(table, ["x", "y"], "breaks", empty).measure == "|rank correlation|"


# --- Sobol -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sobol_sample() -> np.ndarray:
    return sobol_sampler.sample(PROBLEM, 512, calc_second_order=False, seed=11)


def test_sobol_finds_the_parameter_that_decides_the_outcome(sobol_sample):
    indices = sobol_indices(sampled(sobol_sample), PROBLEM, "breaks")
    assert list(indices.columns) == ["parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert indices["parameter"].tolist() == ["x1", "x2", DUMMY]
    by = indices.set_index("parameter")
    assert by.loc["x1", "ST"] == pytest.approx(1.0, abs=0.1)
    assert by.loc["x1", "S1"] == pytest.approx(1.0, abs=0.15)
    for idle in ("x2", DUMMY):  # rounding to whole replicates is the only noise: ~0
        assert abs(by.loc[idle, "S1"]) < 0.02
        assert by.loc[idle, "ST"] < 0.02
    assert ranked(indices)["parameter"].iloc[0] == "x1"


def test_sobol_noise_floor_from_the_dummy_of_a_noisy_model(sobol_sample):
    indices = sobol_indices(sampled(sobol_sample, seed=3), PROBLEM, "breaks")
    floor = noise_floor(indices)
    assert floor is not None and 0 < floor < 0.1
    assert negligible_parameters(indices) == ["x2"]
    assert indices.set_index("parameter").loc["x1", "ST"] > 10 * floor


def test_sobol_is_reproducible_in_its_seed(sobol_sample):
    points = sampled(sobol_sample, seed=3)
    first = sobol_indices(points, PROBLEM, "breaks", seed=0)
    pd.testing.assert_frame_equal(first, sobol_indices(points, PROBLEM, "breaks", seed=0))
    other = sobol_indices(points, PROBLEM, "breaks", seed=1)
    assert not np.allclose(first["ST_conf"], other["ST_conf"])
    pd.testing.assert_frame_equal(first[["S1", "ST"]], other[["S1", "ST"]])


def test_sobol_reads_points_in_sampler_order(sobol_sample):
    points = sampled(sobol_sample, seed=3)
    shuffled = points.sample(frac=1.0, random_state=1)
    pd.testing.assert_frame_equal(
        sobol_indices(points, PROBLEM, "breaks"), sobol_indices(shuffled, PROBLEM, "breaks")
    )


def test_sobol_refuses_failed_points(sobol_sample):
    points = fail(sampled(sobol_sample), 7)
    with pytest.raises(ValueError, match=r"1 of 2560 points failed.*point_id 7"):
        sobol_indices(points, PROBLEM, "breaks")


def test_sobol_refuses_a_point_count_that_is_not_n_times_d_plus_2(sobol_sample):
    with pytest.raises(ValueError, match=r"N \* \(D \+ 2\) = N \* 5 points.*has 2559"):
        sobol_indices(sampled(sobol_sample).iloc[:-1], PROBLEM, "breaks")


def test_sobol_of_an_outcome_that_never_varies_is_nan(sobol_sample):
    indices = sobol_indices(sampled(sobol_sample), PROBLEM, "resolution")
    assert indices[["S1", "S1_conf", "ST", "ST_conf"]].isna().all().all()
    assert noise_floor(indices) is None
    assert negligible_parameters(indices) == []


def test_an_unknown_outcome_is_named(sobol_sample):
    with pytest.raises(ValueError, match="no column 'peace'"):
        sobol_indices(sampled(sobol_sample), PROBLEM, "peace")


# --- Morris ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def morris_sample() -> np.ndarray:
    return morris_sampler.sample(PROBLEM, 40, num_levels=4, seed=5)


def test_morris_finds_the_parameter_that_decides_the_outcome(morris_sample):
    points = sampled(morris_sample, seed=2)
    indices = morris_indices(points, PROBLEM, morris_sample, "breaks")
    assert list(indices.columns) == ["parameter", "mu_star", "mu_star_conf", "sigma"]
    by = indices.set_index("parameter")
    assert by.loc["x1", "mu_star"] > 0.5
    assert by.loc["x2", "mu_star"] < 0.1 and by.loc[DUMMY, "mu_star"] < 0.1
    assert ranked(indices)["parameter"].iloc[0] == "x1"
    assert "x1" not in negligible_parameters(indices)


def test_morris_without_noise_gives_idle_parameters_no_effect(morris_sample):
    indices = morris_indices(sampled(morris_sample), PROBLEM, morris_sample, "breaks")
    by = indices.set_index("parameter")
    assert by.loc["x2", "mu_star"] == pytest.approx(0.0, abs=0.01)
    assert by.loc[DUMMY, "mu_star"] == pytest.approx(0.0, abs=0.01)


def test_morris_refuses_broken_trajectories_and_failed_points(morris_sample):
    points = sampled(morris_sample)
    with pytest.raises(ValueError, match=r"r \* \(D \+ 1\)"):
        morris_indices(points.iloc[:-1], PROBLEM, morris_sample[:-1], "breaks")
    with pytest.raises(
        ValueError, match="encoded design has 156 rows but the points table has 160"
    ):
        morris_indices(points, PROBLEM, morris_sample[:-4], "breaks")
    with pytest.raises(ValueError, match="failed"):
        morris_indices(fail(points, 3), PROBLEM, morris_sample, "breaks")


def test_no_noise_floor_without_a_dummy():
    indices = pd.DataFrame({"parameter": ["a"], "ST": [0.5], "ST_conf": [0.1]})
    assert noise_floor(indices) is None
    assert negligible_parameters(indices) == []


# --- scenario discovery ------------------------------------------------------------------------


def uniform_points(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"x1": rng.random(n), "x2": rng.random(n), DUMMY: rng.random(n)}


@pytest.fixture(scope="module")
def planted() -> pd.DataFrame:
    """Uniform points; the deadlock breaks often (0.8) where 0.2 < x1 < 0.5 and x2 > 0.7."""
    values = uniform_points(1000, seed=4)
    inside = (values["x1"] > 0.2) & (values["x1"] < 0.5) & (values["x2"] > 0.7)
    return points_table(values, breaks_with(np.where(inside, 0.8, 0.1)), 100, seed=8)


def test_prim_recovers_a_planted_box(planted):
    found = discover_boxes(planted, ["x1", "x2", DUMMY], "breaks", threshold=0.5)
    assert found.found and found.message == ""
    limits = found.limits.set_index("parameter")
    assert set(limits.index) == {"x1", "x2"}  # the dummy is not restricted
    assert limits.loc["x1", "low"] == pytest.approx(0.2, abs=0.05)
    assert limits.loc["x1", "high"] == pytest.approx(0.5, abs=0.05)
    assert limits.loc["x2", "low"] == pytest.approx(0.7, abs=0.05)
    assert limits.loc["x2", "high"] == pytest.approx(1.0, abs=0.05)
    assert (limits["kind"] == "numeric").all()
    assert (limits["quasi_p"] < 1e-6).all()
    assert found.coverage > 0.9 and found.density > 0.9
    assert found.mass == pytest.approx(0.09, abs=0.03)
    assert found.of_interest == pytest.approx(90, abs=20) and found.points == 1000


def test_prim_peeling_trajectory(planted):
    found = discover_boxes(planted, ["x1", "x2", DUMMY], "breaks")
    steps = found.trajectory
    assert list(steps.columns) == ["box", "coverage", "density", "mass", "res_dim"]
    assert steps["box"].tolist() == list(range(len(steps)))
    assert steps.iloc[0].tolist() == pytest.approx([0, 1.0, found.base_rate, 1.0, 0])
    assert (np.diff(steps["mass"].to_numpy()[: found.chosen + 1]) < 0).all()  # peeling
    chosen = steps.iloc[found.chosen]
    assert chosen["coverage"] == pytest.approx(found.coverage)
    assert chosen["density"] == pytest.approx(found.density)


def test_cart_rules_name_the_planted_parameters(planted):
    found = discover_boxes(planted, ["x1", "x2", DUMMY], "breaks")
    assert found.rules, "a leaf should predict the outcome"
    assert "x1" in found.rules[0] and "x2" in found.rules[0]
    assert DUMMY not in found.rules[0]
    assert found.accuracy > 0.97 and found.cv_accuracy > 0.95
    text = found.to_text()
    assert "coverage" in text and "x1:" in text and found.rules[0] in text


def test_min_density_chooses_a_denser_box(planted):
    dense = discover_boxes(planted, ["x1", "x2", DUMMY], "breaks", min_density=1.0)
    assert dense.density == pytest.approx(1.0)


def test_categorical_and_boolean_parameters():
    rng = np.random.default_rng(9)
    n = 800
    values = {
        "x1": rng.random(n),
        "council.strategy": rng.choice(["table_anyway", "withdraw", "wait"], n),
        "flag": rng.random(n) < 0.5,
        "horizon": rng.integers(30, 80, n),
    }
    inside = (values["council.strategy"] == "withdraw") & (values["x1"] > 0.5)
    points = points_table(values, breaks_with(np.where(inside, 0.9, 0.05)), 100, seed=1)
    found = discover_boxes(points, list(values), "breaks")
    limits = found.limits.set_index("parameter")
    assert set(limits.index) == {"x1", "council.strategy"}
    strategy = limits.loc["council.strategy"]
    assert strategy["kind"] == "categorical"
    assert strategy["values"] == ("withdraw",)
    assert strategy["all_values"] == ("table_anyway", "wait", "withdraw")
    assert limits.loc["x1", "low"] == pytest.approx(0.5, abs=0.05)
    assert "council.strategy: one of withdraw" in found.to_text()
    assert "council.strategy is withdraw" in found.rules[0]


@pytest.mark.parametrize(("threshold", "what"), [(0.95, "no point"), (0.0, "every point")])
def test_nothing_or_everything_of_interest_is_said_not_raised(planted, threshold, what):
    found = discover_boxes(planted, ["x1", "x2"], "breaks", threshold=threshold)
    assert not found.found
    assert found.message.startswith(what) and "no box" in found.message
    assert found.limits.empty and found.trajectory.empty and found.rules == ()
    assert found.message in found.to_text()


def test_failed_points_are_left_out_of_discovery(planted):
    points = fail(fail(planted, 0), 1)
    found = discover_boxes(points, ["x1", "x2"], "breaks")
    assert found.points == 998 and found.excluded == 2
    assert "2 failed points left out" in found.to_text()


def test_a_box_without_significant_restrictions_is_no_box():
    values = uniform_points(400, seed=6)
    p = np.full(400, 0.1)
    p[[5, 77]] = 0.9  # two points of interest anywhere: nothing to explain
    points = points_table(values, breaks_with(p), 1000, seed=None)
    assert discover_boxes(points, ["x1", "x2"], "breaks").found  # quasi-p ~0.01: "significant"
    found = discover_boxes(points, ["x1", "x2"], "breaks", max_quasi_p=1e-6)
    assert found.of_interest == 2 and not found.found
    assert "restricts no parameter significantly (quasi-p <= 1e-06)" in found.message
    assert not found.trajectory.empty and found.limits.empty
    assert "CART rules" in found.to_text()


def test_discovery_can_be_skipped_with_a_reason(planted):
    points = fail(planted, 0)
    skipped = skipped_discovery(points, "breaks", 0.5, MORRIS_DISCOVERY)
    assert skipped.skipped and not skipped.found
    assert skipped.points == 999 and skipped.excluded == 1
    assert skipped.of_interest == int((points["breaks"] >= 0.5).sum())
    assert skipped.message == MORRIS_DISCOVERY
    assert skipped.limits.empty and skipped.rules == () and np.isnan(skipped.accuracy)
    text = skipped.to_text()
    assert text.startswith("Scenario discovery: breaks >= 0.5 at ")
    assert "not run on a morris design" in text and "not independent samples" in text
    assert "CART rules" not in text and "PRIM box" not in text
    assert max(len(line) for line in text.splitlines()[1:]) <= 100
    assert not discover_boxes(points, ["x1", "x2"], "breaks").skipped
