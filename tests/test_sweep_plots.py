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
from matplotlib.text import Text
from SALib.sample import morris as morris_sampler
from SALib.sample import sobol as sobol_sampler
from test_analysis import PROBLEM, breaks_with, decided_by_x1, fail, points_table

from sim.analysis import (
    DUMMY,
    SHOWN,
    discover_boxes,
    morris_indices,
    noise_floor,
    ranked,
    sobol_indices,
)
from sim.sweep_plots import (
    MAX_BARS,
    levels,
    plain,
    pooled_shares,
    slug,
    sweep_figures,
    varied_parameters,
    wrap_label,
)

RISK = "parties.russia.position.sovereignty"
STRATEGY = "council.strategy"


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


def tick_texts(ax, axis: str = "x") -> list[str]:
    labels = ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()
    return [t.get_text() for t in labels]


def overlapping(texts) -> bool:
    """Whether any two drawn texts (not tilted) overlap (after `render`); arrows not counted."""
    boxes = [Text.get_window_extent(text) for text in texts if text.get_text()]
    return any(a.overlaps(b) for a, b in itertools.combinations(boxes, 2))


def tilted_apart(ax) -> bool:
    """Whether tilted x tick labels are parallel strips at least a line of text apart."""
    labels = ax.get_xticklabels()
    angle = np.radians(labels[0].get_rotation())
    x = ax.transData.transform(np.column_stack([ax.get_xticks(), np.zeros(len(labels))]))[:, 0]
    line = labels[0].get_fontsize() * ax.figure.dpi / 72
    return bool((np.diff(x) * np.sin(angle) >= line).all())


def caption(fig: Figure) -> str:
    return fig.texts[-1].get_text().replace("\n", " ")


def test_wrap_label():
    assert wrap_label("withdraw_if_veto_expected", 14) == "withdraw_if_\nveto_expected"
    assert wrap_label("table_anyway", 14) == "table_anyway"
    assert wrap_label("parties.russia.position.sovereignty", 16) == (
        "parties.russia.\nposition.\nsovereignty"
    )
    assert wrap_label("averyveryverylongword", 5) == "averyveryverylongword"
    assert wrap_label("a b c", 1) == "a\nb\nc"


def test_helpers():
    assert slug(RISK) == "parties-russia-position-sovereignty"
    assert slug("council.strategy") == "council-strategy"
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


STRATEGIES = ["table_anyway", "withdraw_if_veto_expected", "amend_to_avoid_veto"]


def test_long_category_labels_are_wrapped_and_do_not_overlap():
    # the stances_vs_strategy sweep: three strategies in a main-effects panel a third wide
    table = grid(**{RISK: [0.1, 0.5, 0.9], "china": [0.1, 0.9], STRATEGY: STRATEGIES})
    fig = sweep_figures(table, [RISK, "china", STRATEGY], "grid")["main_effects"]
    render(fig)
    ax = fig.axes[2]
    assert [t.replace("\n", "") for t in tick_texts(ax)] == STRATEGIES
    assert "withdraw_if_\nveto_expected" in tick_texts(ax)
    assert not overlapping(ax.get_xticklabels())


def test_many_long_categories_are_tilted_and_do_not_overlap():
    names = [f"strategy_number_{n}_with_a_rather_long_name" for n in range(7)]
    table = grid(**{RISK: [0.1, 0.9], "china": [0.1, 0.9], STRATEGY: names})
    fig = sweep_figures(table, [RISK, "china", STRATEGY], "grid")["main_effects"]
    render(fig)
    labels = fig.axes[2].get_xticklabels()
    assert {label.get_rotation() for label in labels} == {labels[0].get_rotation()}
    assert labels[0].get_rotation() in (30, 45, 60, 90)
    assert [label.get_text() for label in labels] == names  # tilted, not wrapped
    assert tilted_apart(fig.axes[2])


def test_categories_of_a_heatmap_and_a_scatter_are_wrapped():
    table = grid(**{RISK: [0.1, 0.5, 0.9], STRATEGY: STRATEGIES})
    heatmap = sweep_figures(table, [RISK, STRATEGY], "grid")["heatmap_breaks"]
    render(heatmap)
    assert [t.replace("\n", "") for t in tick_texts(heatmap.axes[0], "y")] == STRATEGIES
    assert not overlapping(heatmap.axes[0].get_yticklabels())
    rng = np.random.default_rng(3)
    values = {RISK: rng.random(90), STRATEGY: rng.choice(STRATEGIES, 90)}
    sampled = points_table(values, shares_of(values[RISK]), 50, seed=1)
    scatter = sweep_figures(sampled, list(values), "latin")["scatter_breaks"]
    render(scatter)
    panel = next(ax for ax in scatter.axes if ax.get_xlabel() == STRATEGY)
    assert not overlapping(panel.get_xticklabels())


def test_latin_scatter_panel_per_parameter():
    rng = np.random.default_rng(2)
    values = {"noise": rng.random(60), STRATEGY: rng.choice(["a", "b"], 60), RISK: rng.random(60)}
    table = points_table(values, shares_of(values[RISK]), 100, seed=2)
    figures = sweep_figures(table, list(values), "latin", target="agreement")
    assert list(figures) == ["scatter_agreement"]
    fig = figures["scatter_agreement"]
    panels = [ax for ax in fig.axes if ax.get_visible()]
    labels = [ax.get_xlabel().replace("\n", "") for ax in panels]
    assert labels[0] == RISK and sorted(labels) == sorted(values)  # what drives it first
    assert panels[0].get_title(loc="left").startswith("1. |rank correlation| 0.9")
    assert panels[0].get_ylabel() == "share: agreement"
    assert "every parameter that varies, largest |rank correlation| with agreement first" in (
        caption(fig)
    )
    render(fig)


def many_parameters(
    count: int, trajectories: int = 6
) -> tuple[dict[str, object], pd.DataFrame, np.ndarray]:
    """A Morris design of `count` parameters and the dummy; breaks rise with x1, x2, x3 only."""
    names = [f"group.parameter_{n}" for n in range(1, count + 1)]
    problem = {
        "num_vars": count + 1,
        "names": [*names, DUMMY],
        "bounds": [[0.0, 1.0]] * (count + 1),
    }
    sample = morris_sampler.sample(problem, trajectories, num_levels=4, seed=7)
    p = 0.5 * sample[:, 0] + 0.3 * sample[:, 1] + 0.15 * sample[:, 2]
    columns = {name: sample[:, i] for i, name in enumerate(problem["names"])}
    return problem, points_table(columns, breaks_with(p), 400, seed=4), sample


def test_many_parameters_scatter_shows_the_top_by_index_in_a_compact_grid():
    problem, table, sample = many_parameters(40)
    indices = morris_indices(table, problem, sample, "breaks")
    fig = sweep_figures(table, problem["names"], "morris", morris=indices)["scatter_breaks"]
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == SHOWN
    expected = ranked(indices)["parameter"].tolist()[:SHOWN]
    assert [ax.get_xlabel().replace("\n", "") for ax in panels] == expected
    assert expected[:3] == ["group.parameter_1", "group.parameter_2", "group.parameter_3"]
    assert len({ax.get_position().x0 for ax in fig.axes}) <= 4  # at most 4 columns
    assert fig.get_figwidth() < 16 and fig.get_figheight() < 12
    shown_dummy = DUMMY in expected
    hidden = 40 - (SHOWN - shown_dummy)
    assert f"the {SHOWN - shown_dummy} parameters with the largest mu* of breaks, of 40" in (
        caption(fig)
    )
    assert f"{hidden} more" in caption(fig) and "not shown" in caption(fig)
    render(fig)


def test_scatter_means_sit_on_the_values_of_a_parameter_with_few_values():
    # Morris levels of a range from 0.8 to 1: 0.8, 0.867, 0.933, 1 (bins would merge some)
    problem, table, _ = many_parameters(3, trajectories=20)
    table["group.parameter_1"] = 0.8 + 0.2 * table["group.parameter_1"]
    fig = sweep_figures(table, problem["names"], "morris")["scatter_breaks"]
    panel = next(ax for ax in fig.axes if ax.get_xlabel() == "group.parameter_1")
    line = panel.get_lines()[0]
    assert line.get_xdata() == pytest.approx([0.8, 0.8 + 0.2 / 3, 0.8 + 0.4 / 3, 1.0])
    expected = table.groupby("group.parameter_1")["breaks"].mean().to_numpy()
    assert line.get_ydata() == pytest.approx(expected)
    assert "mean per value" in caption(fig)
    # many distinct values: ten equal-count bins
    rng = np.random.default_rng(1)
    values = {"x": rng.random(200)}
    latin = points_table(values, breaks_with(values["x"]), 50, seed=1)
    binned = sweep_figures(latin, ["x"], "latin")["scatter_breaks"].axes[0].get_lines()[0]
    assert len(binned.get_xdata()) == 10


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


def test_sobol_bars_of_many_parameters_show_the_top_and_the_dummy():
    names = [f"p{n}" for n in range(30)]
    st = np.linspace(0.6, 0.0, 30)
    indices = pd.DataFrame(
        {
            "parameter": [*names, DUMMY],
            "S1": [*st / 2, 0.0],
            "S1_conf": 0.01,
            "ST": [*st, 0.05],
            "ST_conf": 0.01,
        }
    )
    table = points_table({n: np.linspace(0, 1, 4) for n in [*names, DUMMY]}, breaks_with([0.5] * 4))
    fig = sweep_figures(table, [*names, DUMMY], "sobol", sobol=indices)["sobol_indices"]
    labels = tick_texts(fig.axes[0])
    ranked_names = ranked(indices)["parameter"].tolist()
    kept = [p for p in ranked_names if p == DUMMY or p in names[:MAX_BARS]]
    assert labels == kept and len(labels) == MAX_BARS + 1 and DUMMY in labels
    assert f"{30 - MAX_BARS} more, with smaller ST, are not" in caption(fig)
    last = pd.concat([indices.iloc[:25], indices.iloc[[-1]]]).assign(
        ST=[*np.linspace(0.6, 0.1, 25), 0.001]
    )
    fig = sweep_figures(table, [*names, DUMMY], "sobol", sobol=last)["sobol_indices"]
    labels = tick_texts(fig.axes[0])
    assert labels[-1] == DUMMY and len(labels) == MAX_BARS + 1  # the dummy ranks last, still drawn
    render(fig)


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
    assert "Named" not in caption(fig)
    render(fig)


def test_morris_of_many_parameters_names_only_the_top_above_the_noise_floor():
    problem, table, sample = many_parameters(60)
    indices = morris_indices(table, problem, sample, "breaks")
    fig = sweep_figures(table, problem["names"], "morris", morris=indices)["morris_indices"]
    render(fig)
    ax = fig.axes[0]
    named = [t.get_text() for t in ax.texts]
    floor = noise_floor(indices)
    top = ranked(indices)
    top = top[top["parameter"] != DUMMY].head(SHOWN)
    expected = top.loc[top["mu_star"] > floor, "parameter"].tolist()
    assert sorted(named) == sorted([*expected, f"{DUMMY} (noise)"])
    assert {"group.parameter_1", "group.parameter_2"} <= set(named)
    assert len(named) <= SHOWN + 1
    unnamed = ax.collections[0].get_offsets()
    assert len(unnamed) == 60 - len(expected)  # every other parameter, as a point
    text = caption(fig)
    assert f"the {len(expected)} parameters with the largest mu*" in text
    assert f"of 60; the other {60 - len(expected)} are the small unnamed points" in text
    # the names do not overlap one another
    assert not overlapping(ax.texts)


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
