"""The figures of a sweep: which figures each design gets, what their axes say, that they draw."""

from __future__ import annotations

import io
import itertools

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.contour import ContourSet
from matplotlib.figure import Figure
from SALib.sample import morris as morris_sampler
from SALib.sample import sobol as sobol_sampler
from test_analysis import PROBLEM, breaks_with, decided_by_x1, fail, points_table

from sim.analysis import (
    DUMMY,
    discover_boxes,
    morris_indices,
    noise_floor,
    ranked,
    sobol_indices,
)
from sim.sweep_plots import (
    levels,
    plain,
    pooled_shares,
    slug,
    sweep_figures,
    varied_parameters,
)

RISK = "parties.russia.position.sovereignty"
STRATEGY = "security_council.strategy"


def shares_of(x: np.ndarray) -> np.ndarray:
    """Agreement grows with x, resolution shrinks, unilateral stays at 0.1."""
    x = np.asarray(x, dtype=float)
    agreement, resolution = 0.6 * x, 0.2 * (1 - x)
    return np.column_stack(
        [agreement, resolution, np.full_like(x, 0.1), 0.9 - agreement - resolution]
    )


def grid(**values: list[object]) -> pd.DataFrame:
    """A full-factorial points table, first parameter slowest; shares driven by the first."""
    rows = list(itertools.product(*values.values()))
    columns = {name: [row[i] for row in rows] for i, name in enumerate(values)}
    first = next(iter(values))
    x = columns[first] if not isinstance(columns[first][0], str) else [0.5] * len(rows)
    return points_table(columns, shares_of(np.asarray(x, dtype=float)), 200, seed=1)


def render(fig: Figure) -> None:
    """Draw `fig` for real (Agg), as saving it would."""
    FigureCanvasAgg(fig)
    fig.canvas.draw()


def test_helpers():
    assert slug(RISK) == "parties-russia-position-sovereignty"
    assert slug("security_council.strategy") == "security_council-strategy"
    assert plain("cost_$a_b$") == r"cost_\$a_b\$"
    assert levels(pd.Series([0.5, 0.1, 0.5, 0.3])) == [0.1, 0.3, 0.5]
    assert levels(pd.Series(["wait", "table", "wait"])) == ["wait", "table"]
    table = grid(**{RISK: [0.1, 0.9], "noise": [0.0, 0.1], DUMMY: [0.3]})
    assert varied_parameters(table, [RISK, "noise", DUMMY]) == [RISK, "noise"]


def test_pooled_shares_are_the_shares_of_all_replicates_with_wilson_intervals():
    table = grid(**{RISK: [0.1, 0.9], "noise": [0.0, 0.05, 0.1]})
    pooled = pooled_shares(table, [RISK], "agreement")
    assert pooled[RISK].tolist() == [0.1, 0.9]
    assert pooled["points"].tolist() == [3, 3]
    first = table[table[RISK] == 0.1]
    assert pooled["share"].iloc[0] == pytest.approx(first["agreement"].mean())
    assert pooled["low"].iloc[0] < pooled["share"].iloc[0] < pooled["high"].iloc[0]
    single = pooled_shares(table, [RISK, "noise"], "agreement")
    assert single["low"].to_numpy() == pytest.approx(table["agreement_low"].to_numpy())
    assert single["high"].to_numpy() == pytest.approx(table["agreement_high"].to_numpy())


def test_one_numeric_parameter_lines_with_bands():
    table = grid(**{RISK: list(np.linspace(0.1, 0.9, 9))})
    figures = sweep_figures(table, [RISK], "grid", name="russia")
    assert list(figures) == [f"outcomes_vs_{slug(RISK)}"]
    fig = figures[f"outcomes_vs_{slug(RISK)}"]
    ax = fig.axes[0]
    assert ax.get_xlabel() == RISK
    assert ax.get_ylabel() == "share of replicates"
    assert [line.get_label() for line in ax.get_lines()] == [
        "agreement",
        "resolution",
        "unilateral",
        "deadlock",
    ]
    agreement = ax.get_lines()[0].get_ydata()
    assert agreement == pytest.approx(table["agreement"].to_numpy())
    assert len(ax.collections) == 4  # the interval bands
    assert fig.get_suptitle() == f"russia: outcomes against {RISK}"
    render(fig)


def test_one_categorical_parameter_grouped_bars():
    table = grid(**{STRATEGY: ["table_anyway", "withdraw_if_veto_expected"], DUMMY: [0.5]})
    figures = sweep_figures(table, [STRATEGY, DUMMY], "grid")
    fig = figures[f"outcomes_vs_{slug(STRATEGY)}"]
    ax = fig.axes[0]
    assert len(ax.patches) == 2 * 4
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["table_anyway", "withdraw_if_veto_expected"]
    render(fig)


def test_two_parameters_heatmaps_with_contours_where_numeric():
    table = grid(**{RISK: list(np.linspace(0, 1, 6)), "noise": list(np.linspace(0, 0.2, 5))})
    figures = sweep_figures(table, [RISK, "noise"], "grid")
    assert list(figures) == [f"heatmap_{o}" for o in ("breaks", *OUTCOME_ORDER)]
    ax = figures["heatmap_breaks"].axes[0]
    assert ax.get_xlabel() == RISK and ax.get_ylabel() == "noise"
    image = ax.get_images()[0].get_array()
    assert image.shape == (5, 6)  # noise along y, the risk along x
    expected = table.pivot_table(index="noise", columns=RISK, values="breaks").to_numpy()
    assert np.asarray(image) == pytest.approx(expected)
    assert any(isinstance(c, ContourSet) for c in ax.collections)
    render(figures["heatmap_breaks"])


OUTCOME_ORDER = ("agreement", "resolution", "unilateral", "deadlock")


def test_two_parameters_with_a_category_and_a_failed_point():
    table = fail(grid(**{RISK: [0.1, 0.5, 0.9], STRATEGY: ["a$b", "c_d"]}), 2)
    figures = sweep_figures(table, [RISK, STRATEGY], "grid")
    ax = figures["heatmap_breaks"].axes[0]
    assert not any(isinstance(c, ContourSet) for c in ax.collections)
    assert [t.get_text() for t in ax.get_yticklabels()] == [r"a\$b", "c_d"]
    image = ax.get_images()[0].get_array()
    assert np.ma.is_masked(image) and image.mask.sum() == 1
    assert "1 failed" in figures["heatmap_breaks"].texts[-1].get_text()
    render(figures["heatmap_breaks"])


def test_more_than_two_parameters_main_effects():
    table = grid(**{RISK: [0.1, 0.5, 0.9], "noise": [0.0, 0.1], STRATEGY: ["a", "b"]})
    figures = sweep_figures(table, [RISK, "noise", STRATEGY], "grid")
    assert list(figures) == ["main_effects"]
    panels = [ax for ax in figures["main_effects"].axes if ax.get_visible()]
    assert [ax.get_xlabel() for ax in panels] == [RISK, "noise", STRATEGY]
    render(figures["main_effects"])


def test_latin_scatter_panel_per_parameter():
    rng = np.random.default_rng(2)
    values = {RISK: rng.random(60), "noise": rng.random(60), STRATEGY: rng.choice(["a", "b"], 60)}
    table = points_table(values, shares_of(values[RISK]), 100, seed=2)
    figures = sweep_figures(table, list(values), "latin", target="agreement")
    assert list(figures) == ["scatter_agreement"]
    panels = [ax for ax in figures["scatter_agreement"].axes if ax.get_visible()]
    assert [ax.get_xlabel() for ax in panels] == list(values)
    assert panels[0].get_ylabel() == "share: agreement"
    render(figures["scatter_agreement"])


@pytest.fixture(scope="module")
def sobol_points() -> pd.DataFrame:
    sample = sobol_sampler.sample(PROBLEM, 64, calc_second_order=False, seed=11)
    columns = {name: sample[:, i] for i, name in enumerate(PROBLEM["names"])}
    return points_table(columns, breaks_with(decided_by_x1(sample[:, 0])), 200, seed=3)


def test_sobol_bars_with_intervals_and_the_noise_floor(sobol_points):
    indices = sobol_indices(sobol_points, PROBLEM, "breaks")
    figures = sweep_figures(sobol_points, PROBLEM["names"], "sobol", sobol=indices)
    assert list(figures) == ["scatter_breaks", "sobol_indices"]
    ax = figures["sobol_indices"].axes[0]
    order = ranked(indices)["parameter"].tolist()
    assert order[0] == "x1" and [t.get_text() for t in ax.get_xticklabels()] == order
    assert len(ax.patches) == 2 * 3
    floor = noise_floor(indices)
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 1 and dashed[0].get_ydata()[0] == pytest.approx(floor)
    assert "noise floor" in dashed[0].get_label()
    render(figures["sobol_indices"])


def test_sobol_of_a_constant_outcome_still_draws(sobol_points):
    indices = sobol_indices(sobol_points, PROBLEM, "resolution")
    fig = sweep_figures(sobol_points, PROBLEM["names"], "sobol", sobol=indices)["sobol_indices"]
    assert "no indices" in fig.axes[0].texts[0].get_text()
    render(fig)


def test_morris_points_labelled_and_the_dummy_marked():
    sample = morris_sampler.sample(PROBLEM, 10, num_levels=4, seed=5)
    columns = {name: sample[:, i] for i, name in enumerate(PROBLEM["names"])}
    table = points_table(columns, breaks_with(decided_by_x1(sample[:, 0])), 200, seed=3)
    indices = morris_indices(table, PROBLEM, sample, "breaks")
    fig = sweep_figures(table, PROBLEM["names"], "morris", morris=indices)["morris_indices"]
    ax = fig.axes[0]
    labels = sorted(t.get_text() for t in ax.texts)
    assert labels == sorted(["x1", "x2", f"{DUMMY} (noise)"])
    assert ax.get_xlabel().startswith("mu*") and ax.get_ylabel().startswith("sigma")
    render(fig)


def test_discovery_trajectory_and_box():
    rng = np.random.default_rng(4)
    values = {"x1": rng.random(500), "x2": rng.random(500), STRATEGY: rng.choice(["a", "b"], 500)}
    inside = (values["x1"] > 0.3) & (values[STRATEGY] == "b")
    table = points_table(values, breaks_with(np.where(inside, 0.9, 0.1)), 50, seed=1)
    found = discover_boxes(table, list(values), "breaks")
    figures = sweep_figures(table, list(values), "latin", discovery=found)
    assert list(figures) == ["scatter_breaks", "prim_trajectory", "prim_box"]
    trajectory = figures["prim_trajectory"].axes[0]
    assert trajectory.get_xlabel().startswith("coverage")
    assert trajectory.get_ylabel().startswith("density")
    box = figures["prim_box"].axes[0]
    assert [t.get_text() for t in box.get_yticklabels()] == ["x1", STRATEGY]
    written = " ".join(t.get_text() for t in box.texts)
    low = found.limits.set_index("parameter").loc["x1", "low"]
    assert f"{low:.3g}" in written and "one of b" in written
    for fig in figures.values():
        render(fig)
    nothing = discover_boxes(table, list(values), "breaks", threshold=1.01)
    assert "prim_box" not in sweep_figures(table, list(values), "latin", discovery=nothing)


def test_dollars_and_underscores_in_names_are_drawn_as_text():
    awkward = "cost_$usd$_a_b.c"  # unescaped, mathtext would read "$usd$" as mathematics
    table = grid(**{awkward: [0.1, 0.5], "s": ["x_$1$_y", "z"], "t": [1, 2]})
    figures = sweep_figures(table, [awkward, "s", "t"], "grid", name="sweep_$x$_y")
    fig = figures["main_effects"]
    assert fig.axes[0].get_xlabel() == plain(awkward)
    render(fig)
    fig.savefig(io.BytesIO(), format="png")
    raw = Figure()
    raw.text(0, 0, "x_$a_b_c$")  # why `plain` is needed: a double subscript
    with pytest.raises(ValueError):
        render(raw)
