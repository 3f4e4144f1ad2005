"""Scenario discovery over the values drawn per replicate (`sim.drawn`, `run.py discover`)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import KOSOVO

from sim.cli import main
from sim.drawn import discover_drawn, drawn_table
from sim.model import NegotiationModel
from sim.scenario import load_scenario, with_overrides

LEVERAGE = KOSOVO.with_name("kosovo_2007_eu_leverage.yaml")
SERBIA_CORE = "parties.serbia.red_line_cores.sovereignty.1"
KOSOVO_CORE = "parties.kosovo.red_line_cores.sovereignty.0"


@pytest.fixture(scope="module")
def leverage_runs():
    return NegotiationModel(load_scenario(LEVERAGE), replicates=1500, seed=4).run()


def test_the_table_holds_each_replicates_draws_and_outcomes(leverage_runs):
    table = drawn_table(leverage_runs)
    assert list(table.columns[: len(leverage_runs.uncertain)]) == list(leverage_runs.uncertain)
    assert len(table) == 1500
    np.testing.assert_array_equal(table["agreement"], (leverage_runs.outcome == 1).astype(float))
    assert set(table["breaks"]) <= {0.0, 1.0}


def test_agreement_lies_where_the_cores_overlap(leverage_runs):
    # Agreement needs Kosovo's lowest acceptable status below Serbia's highest: the box
    # bounds Kosovo's core from above and Serbia's from below.
    found = discover_drawn(leverage_runs, "agreement")
    limits = found.limits.set_index("parameter")
    assert {KOSOVO_CORE, SERBIA_CORE} <= set(limits.index)
    assert found.density > 0.6
    table = drawn_table(leverage_runs)
    apart = table[KOSOVO_CORE] > table[SERBIA_CORE]
    assert table.loc[apart, "agreement"].sum() == 0


def test_a_run_without_uncertainty_is_refused(tmp_path):
    scenario = load_scenario(LEVERAGE)
    plain = with_overrides(scenario, {path: 0.5 for path in ("parties.serbia.audience_cost",)})
    plain = plain.model_copy(update={"uncertainty": {}})
    records = NegotiationModel(plain, replicates=20, seed=1).run()
    with pytest.raises(ValueError, match="declares no uncertain value"):
        discover_drawn(records, "agreement")


def test_the_command_prints_the_box(tmp_path, capsys):
    out = tmp_path / "run"
    assert main([str(LEVERAGE), "--replicates", "600", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["discover", str(out), "--outcome", "agreement"]) == 0
    text = capsys.readouterr().out
    assert "600 replicates, 6 values drawn" in text
    assert "PRIM box" in text and KOSOVO_CORE in text
    assert main(["discover", str(tmp_path / "missing")]) != 0
