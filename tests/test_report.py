"""The Markdown report of a sweep: what it says, built from synthetic results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from SALib.sample import morris as morris_sampler
from SALib.sample import sobol as sobol_sampler
from test_analysis import PROBLEM, breaks_with, decided_by_x1, fail, points_table

from sim.analysis import (
    DUMMY,
    MORRIS_DISCOVERY,
    SHOWN,
    Discovery,
    discover_boxes,
    morris_indices,
    skipped_discovery,
    sobol_indices,
)
from sim.report import (
    MAX_POINT_VALUES,
    MAX_TABLE_ROWS,
    discovery_section,
    key_number_lines,
    report_markdown,
)

QUESTION = "Under which positions does the deadlock break?"


@pytest.fixture(scope="module")
def sobol_sweep() -> dict[str, object]:
    sample = sobol_sampler.sample(PROBLEM, 128, calc_second_order=False, seed=11)
    columns = {name: sample[:, i] for i, name in enumerate(PROBLEM["names"])}
    points = points_table(columns, breaks_with(decided_by_x1(sample[:, 0])), 200, seed=3)
    return {
        "points": points,
        "sobol": sobol_indices(points, PROBLEM, "breaks"),
        "discovery": discover_boxes(points, PROBLEM["names"], "breaks", threshold=0.5),
    }


def report(sweep: dict[str, object], **changes: object) -> str:
    points = sweep["points"]
    settings = {
        "name": "russia_china_vs_strategy",
        "question": QUESTION,
        "description": "Two positions | one dummy.",
        "design": "sobol",
        "parameters": {"x1": "uniform [0, 1]", "x2": "uniform [0, 1]"},
        "replicates": 200,
        "seed": 2007,
        "points": len(points),
        "runs": 200 * len(points),
        "failed": 0,
        "figures": ["scatter_breaks.png", "sobol_indices.png", "prim_box.png"],
        "key_numbers": points,
        "sobol": sweep["sobol"],
        "discovery": sweep["discovery"],
    }
    return report_markdown(**(settings | changes))


def test_report_states_question_design_and_parameters(sobol_sweep):
    text = report(sobol_sweep)
    assert text.startswith("# russia_china_vs_strategy\n\nTwo positions | one dummy.\n")
    assert f"**Question.** {QUESTION}" in text
    assert "A sobol design of 640 points (all ran), 200 replicates per point" in text
    assert "(128000 runs in all), seed 2007." in text
    assert "| parameter | values |\n|---|---|\n| `x1` | uniform [0, 1] |\n" in text
    assert f"`{DUMMY}` that the model never reads" in text
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_report_key_numbers(sobol_sweep):
    points = sobol_sweep["points"]
    text = report(sobol_sweep)
    breaks = points["breaks"]
    row = f"| breaks | {breaks.min():.3f} | {breaks.median():.3f} | {breaks.max():.3f} |"
    assert row in text
    most = points.loc[breaks.idxmax()]
    ties = int((breaks == breaks.max()).sum())
    assert ties > 1  # the steep logistic saturates: several points break every time
    assert (
        f"The deadlock breaks most often at {ties} points (share {breaks.max():.3f} at each); "
        f"the first is point {most['point_id']} (95% interval" in text
    )
    assert f"`x1` = {most['x1']:.4g}" in text
    assert "The deadlock breaks least often at" in text
    assert "No detectable effect on breaks (Sobol ST at or below the dummy's noise floor" in text
    assert "): `x2`" in text


def test_report_ranks_the_sobol_indices(sobol_sweep):
    text = report(sobol_sweep)
    assert "## Sobol' indices of breaks" in text
    assert "| rank | parameter | S1 | ST |" in text
    assert "| 1 | `x1` |" in text


def test_report_cuts_long_index_tables_and_lists():
    names = [f"p{n}" for n in range(40)]
    morris = pd.DataFrame(
        {
            "parameter": [*names, DUMMY],
            "mu_star": [*np.linspace(0.5, 0.01, 40), 0.2],
            "mu_star_conf": 0.01,
            "sigma": 0.1,
        }
    )
    values = {name: np.linspace(0, 1, 4) for name in [*names, DUMMY]}
    points = points_table(values, breaks_with([0.1, 0.3, 0.5, 0.7]))
    text = report({"points": points, "sobol": None, "discovery": None}, morris=morris)
    section = text.split("## Morris screening of breaks")[1].split("\n## ")[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 1 + MAX_TABLE_ROWS + 1  # header, the top, the dummy
    assert rows[1].startswith("| 1 | `p0` |")
    assert rows[-1].startswith(
        f"| {int((morris['mu_star'] > 0.2).sum()) + 1} | `{DUMMY}` (noise) |"
    )
    assert f"{40 - MAX_TABLE_ROWS} more parameters, with smaller mu*, are not listed" in section
    weak = int((morris["mu_star"].iloc[:40] <= 0.21).sum())
    assert weak > SHOWN
    assert f"Parameters at or below it: {weak} of the 40 parameters (morris.csv has" in section
    assert f"noise floor 0.21): {weak} of the 40 parameters" in text


def test_report_morris_table():
    sample = morris_sampler.sample(PROBLEM, 10, num_levels=4, seed=5)
    columns = {name: sample[:, i] for i, name in enumerate(PROBLEM["names"])}
    points = points_table(columns, breaks_with(decided_by_x1(sample[:, 0])), 200, seed=3)
    indices = morris_indices(points, PROBLEM, sample, "breaks")
    text = report({"points": points, "sobol": None, "discovery": None}, morris=indices)
    assert "## Morris screening of breaks" in text
    assert "| 1 | `x1` |" in text
    assert "Sobol'" not in text and "scenario discovery" not in text


def test_report_boxes_and_rules(sobol_sweep):
    found = sobol_sweep["discovery"]
    text = report(sobol_sweep)
    assert "## Where it happens: scenario discovery" in text
    assert f"coverage {found.coverage:.2f}" in text and f"density {found.density:.2f}" in text
    x1 = found.limits.set_index("parameter").loc["x1"]
    assert f"| `x1` | {x1['low']:.3g} to {x1['high']:.3g} |" in text
    assert f"- {found.rules[0]}" in text


def test_report_says_why_discovery_was_skipped(sobol_sweep):
    skipped = skipped_discovery(sobol_sweep["points"], "breaks", 0.5, MORRIS_DISCOVERY)
    text = report(sobol_sweep, discovery=skipped)
    section = text.split("## Where it happens: scenario discovery")[1]
    assert f"breaks >= 0.5, {skipped.of_interest} of 640 points" in section
    assert "PRIM and CART are not run on a morris design: its points lie on" in section
    assert "PRIM box" not in section and "CART rules" not in section


def test_report_notes(sobol_sweep):
    text = report(sobol_sweep, notes=["agreement is 0.000 at every point: no Sobol' indices"])
    assert "## Notes\n\n- Agreement is 0.000 at every point: no Sobol' indices.\n" in text
    assert text.index("## Notes") < text.index("## Figures")
    assert "## Notes" not in report(sobol_sweep)


def test_report_without_a_box_says_why(sobol_sweep):
    none = discover_boxes(sobol_sweep["points"], ["x1", "x2"], "breaks", threshold=1.5)
    text = report(sobol_sweep, discovery=none)
    assert "No point of 640 has breaks >= 1.5" in text


def test_report_embeds_the_figures(sobol_sweep):
    text = report(sobol_sweep)
    assert "![scatter breaks](scatter_breaks.png)" in text
    assert "![prim box](prim_box.png)" in text


def test_report_is_deterministic_and_takes_ready_key_numbers(sobol_sweep):
    assert report(sobol_sweep) == report(sobol_sweep)
    text = report(sobol_sweep, key_numbers=["- forty-two", "- seven"], question=None)
    assert "## Key numbers\n\n- forty-two\n- seven" in text
    assert "**Question.**" not in text


def test_key_numbers_leave_failed_points_out():
    values = {"x1": np.linspace(0, 1, 5), "s": ["a|b", "c", "d", "e", "f"]}
    points = fail(points_table(values, breaks_with(values["x1"])), 4)
    lines = key_number_lines(points, ["x1", "s"])
    assert lines[0] == "Over the 4 points that ran:"
    assert "| breaks | 0.000 | 0.375 | 0.750 |" in lines
    assert any(line.startswith("- The deadlock breaks most often at point 3,") for line in lines)
    assert any("`s` = a\\|b" in line for line in lines)
    with pytest.raises(ValueError, match="no column 'peace'"):
        key_number_lines(points, ["x1"], target="peace")


def test_key_numbers_table_has_every_outcome_column_the_terminal_shows():
    values = {"x1": np.linspace(0, 1, 5)}
    points = points_table(values, breaks_with(values["x1"]))
    points["median_end_round"] = [10.0, 12.0, 14.0, 16.0, 18.0]
    lines = key_number_lines(points, ["x1"])
    assert "| median_end_round | 10 | 14 | 18 |" in lines
    assert "| mean_vetoes | 0.5 | 0.5 | 0.5 |" in lines
    chosen = key_number_lines(points, ["x1"], outcomes=["breaks", "median_end_round"])
    rows = [line.split(" | ")[0] for line in chosen if line.startswith("| ") and "---" not in line]
    assert rows == ["| outcome", "| breaks", "| median_end_round"]


def test_key_numbers_of_a_constant_target_say_so_once():
    values = {"x1": np.linspace(0, 1, 6)}
    points = points_table(values, breaks_with(values["x1"]))
    lines = key_number_lines(points, ["x1"], target="resolution")
    assert "- resolution: 0.000 at every point" in lines
    assert not any("likely" in line for line in lines)
    lines = key_number_lines(fail(points, 2), ["x1"], target="resolution")
    assert "- resolution: 0.000 at every point that ran" in lines


def test_key_numbers_count_the_points_that_share_the_extremes():
    values = {"x1": np.linspace(0, 1, 6)}
    points = points_table(values, breaks_with([0.0, 0.0, 0.5, 1.0, 1.0, 1.0]))
    lines = key_number_lines(points, ["x1"])
    assert (
        "- The deadlock breaks most often at 3 points (share 1.000 at each); the first is "
        "point 3 (95% interval"
    ) in "\n".join(lines)
    assert "- The deadlock breaks least often at 2 points (share 0.000 at each); the first is " in (
        "\n".join(lines)
    )
    assert "the first is point 0 (" in "\n".join(lines)


def test_key_numbers_show_only_varied_and_the_most_influential_parameters():
    names = [f"p{n}" for n in range(25)]
    rng = np.random.default_rng(3)
    values = {name: rng.random(50) for name in names} | {"fixed": np.full(50, 0.3)}
    points = points_table(values, breaks_with(values["p7"]), 200, seed=1)
    lines = key_number_lines(points, [*names, "fixed"])
    most = next(line for line in lines if "most often" in line)
    assert "`fixed`" not in most  # not varied
    assert most.count("` = ") == MAX_POINT_VALUES
    assert most.split(", with ")[1].startswith("`p7` = ")  # what drives it, first
    assert (
        f"Parameter values below: the {MAX_POINT_VALUES} of 25 varied parameters with the "
        "largest |rank correlation| with breaks (points.csv has every value)."
    ) in lines
    morris = pd.DataFrame(
        {
            "parameter": [*names, DUMMY],
            "mu_star": [*np.linspace(0.01, 0.5, 25), 0.0],
            "mu_star_conf": 0.01,
            "sigma": 0.1,
        }
    )
    lines = key_number_lines(points, [*names, "fixed"], morris=morris)
    most = next(line for line in lines if "most often" in line)
    assert most.split(", with ")[1].startswith("`p24` = ")  # the largest mu*
    assert "`p15` = " in most and "`p14` = " not in most
    assert "with the largest mu* of breaks" in "\n".join(lines)
    few = key_number_lines(points, ["p1", "p2", "fixed"])
    assert "Parameter values below" not in "\n".join(few)
    assert next(line for line in few if "most often" in line).count("` = ") == 2


def test_report_counts_failed_points(sobol_sweep):
    points = fail(sobol_sweep["points"], 0)
    text = report(sobol_sweep, key_numbers=points, failed=1, sobol=None, discovery=None)
    assert "640 points (639 ran, 1 failed)" in text
    assert "Over the 639 points that ran:" in text
    assert pd.notna(points["breaks"]).sum() == 639


def test_report_gives_the_tree_rules_where_prim_found_no_box():
    # 40 of 100 points of interest; PRIM's box was not significant, the tree still has rules.
    discovery = Discovery(
        outcome="unilateral",
        threshold=0.5,
        points=100,
        of_interest=40,
        rules=("status_quo.sovereignty > 0.8",),
        accuracy=0.75,
        cv_accuracy=0.70,
        message="PRIM's box restricts no parameter significantly",
    )
    text = discovery_section(discovery)
    assert "PRIM's box restricts no parameter significantly." in text
    assert "training accuracy 0.75, cross-validated 0.70, against 0.60" in text
    assert "- status_quo.sovereignty > 0.8" in text
