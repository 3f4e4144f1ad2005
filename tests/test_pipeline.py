"""The pipeline as a library: `simulate` runs a scenario, `write_results` writes its folder."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import KOSOVO
from test_records import assert_same

from sim import NegotiationModel, Run, read_results, run_scenario, simulate, write_results
from sim.results import ResultsError
from sim.scenario import ScenarioError, load_scenario, with_overrides


@pytest.fixture(scope="module")
def run() -> Run:
    return simulate(
        KOSOVO,
        replicates=120,
        seed=7,
        overrides={"council.strategy": "table_anyway"},
    )


def test_the_scenario_as_run_carries_overrides_replicates_and_seed(run):
    assert run.scenario.replicates == 120 and run.scenario.seed == 7
    assert run.scenario.council.strategy == "table_anyway"
    assert run.scenario_file == str(KOSOVO)
    assert run.overrides == {"council.strategy": "table_anyway"}
    assert run.started <= run.finished


def test_the_records_are_the_models(run):
    model_records = NegotiationModel(run.scenario).run()
    assert_same(run.records, model_records)
    assert_same(run_scenario(run.scenario), model_records)


def test_rerunning_the_scenario_as_run_reproduces_it(run):
    again = simulate(run.scenario)
    assert_same(again.records, run.records)
    np.testing.assert_array_equal(again.trajectory.positions, run.trajectory.positions)


def test_summary_and_trajectory_describe_the_records(run):
    counts = dict(zip(run.summary.outcomes["outcome"], run.summary.outcomes["count"], strict=True))
    assert counts == run.records.counts()
    assert run.trajectory.live[0] == 120


def test_progress_is_reported_every_round():
    calls = []
    done = simulate(KOSOVO, replicates=50, seed=1, progress=lambda *a: calls.append(a))
    assert [r for r, _ in calls] == list(range(1, len(calls) + 1))
    live = [n for _, n in calls]
    assert live == sorted(live, reverse=True) and live[-1] == 0
    assert calls[-1][0] == done.records.end_round.max()


def test_without_trajectories_there_is_no_folder_to_write(tmp_path):
    bare = simulate(load_scenario(KOSOVO), replicates=20, trajectories=False)
    assert bare.trajectory is None
    with pytest.raises(ValueError, match="trajectories=True"):
        write_results(bare, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_bad_override_is_a_scenario_error():
    with pytest.raises(ScenarioError, match=r"parties\.russia\.flexibility"):
        simulate(KOSOVO, overrides={"parties.russia.flexibility": 2})


def test_written_folder_reads_back_to_the_same_run(run, tmp_path):
    folder = write_results(run, tmp_path / "out", figure_format="svg", command=["notebook"])
    results = read_results(folder)
    assert_same(results.records, run.records)
    assert results.scenario == run.scenario
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["complete"] and manifest["command"] == ["notebook"]
    assert manifest["overrides"] == run.overrides and manifest["seed"] == 7
    assert sorted(p.suffix for p in folder.glob("*.svg")) == [".svg"] * 4


def test_default_folder_is_new_under_results(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first, second = write_results(run), write_results(run)
    assert first.parent == second.parent == tmp_path.joinpath("results").relative_to(tmp_path)
    assert first != second and first.name.startswith("kosovo_2007-")


def test_an_exact_folder_that_holds_files_is_refused(run, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ResultsError, match="already holds files"):
        write_results(run, tmp_path)


def test_overrides_equal_a_scenario_changed_by_hand():
    changed = with_overrides(load_scenario(KOSOVO), {"mediation.rule": "median"})
    by_hand = simulate(changed, replicates=40, seed=3, trajectories=False)
    by_override = simulate(
        KOSOVO, replicates=40, seed=3, overrides={"mediation.rule": "median"}, trajectories=False
    )
    assert_same(by_hand.records, by_override.records)
