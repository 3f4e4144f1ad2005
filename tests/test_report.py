"""The Markdown report of a sweep: what it says, built from synthetic results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from SALib.sample import morris as morris_sampler
from SALib.sample import sobol as sobol_sampler
from test_analysis import PROBLEM, breaks_with, decided_by_x1, fail, points_table

from sim.analysis import DUMMY, discover_boxes, morris_indices, sobol_indices
from sim.report import key_number_lines, report_markdown

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
    assert f"The deadlock breaks most often at point {most['point_id']}, share" in text
    assert f"`x1` = {most['x1']:.4g}" in text
    assert "The deadlock breaks least often at point" in text
    assert "No detectable effect on breaks (Sobol ST at or below the dummy's noise floor" in text
    assert "): `x2`" in text


def test_report_ranks_the_sobol_indices(sobol_sweep):
    text = report(sobol_sweep)
    assert "## Sobol' indices of breaks" in text
    assert "| rank | parameter | S1 | ST |" in text
    assert "| 1 | `x1` |" in text


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
    assert lines[0] == "Shares over the 4 points that ran:"
    assert "| breaks | 0.000 | 0.375 | 0.750 |" in lines
    assert any(line.startswith("- The deadlock breaks most often at point 3") for line in lines)
    assert any("`s` = a\\|b" in line for line in lines)
    with pytest.raises(ValueError, match="no column 'peace'"):
        key_number_lines(points, ["x1"], target="peace")


def test_report_counts_failed_points(sobol_sweep):
    points = fail(sobol_sweep["points"], 0)
    text = report(sobol_sweep, key_numbers=points, failed=1, sobol=None, discovery=None)
    assert "640 points (639 ran, 1 failed)" in text
    assert "Shares over the 639 points that ran:" in text
    assert pd.notna(points["breaks"]).sum() == 639
