"""Running sweeps: seeds per point, executors, chunking, resume, failed points, extension."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from sim.executors import DaskCluster, ExecutorError, InProcess, LocalProcesses
from sim.experiment import load_sweep
from sim.pipeline import simulate
from sim.results import ResultsError
from sim.streams import point_seeds
from sim.sweep import (
    SweepFolder,
    SweepSettings,
    read_points,
    read_runs,
    run_sweep,
    start_sweep,
)

ROOT = Path(__file__).resolve().parents[1]
KOSOVO = ROOT / "scenarios" / "kosovo_2007.yaml"

GRID = f"""\
name: grid_test
scenario: {KOSOVO}
design: grid
replicates: 60
seed: 11
parameters:
  parties.russia.position.sovereignty: {{from: 0.2, to: 0.8, steps: 3}}
  council.strategy: [table_anyway, amend_to_avoid_veto]
"""


def sweep_file(tmp_path: Path, text: str = GRID, name: str = "sweep.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def run(tmp_path: Path, out: str, executor=None, text: str = GRID, **settings):
    loaded = load_sweep(sweep_file(tmp_path, text))
    folder = start_sweep(loaded, tmp_path / out, settings=SweepSettings(**settings))
    try:
        outcome = run_sweep(folder, executor)
    finally:
        if executor is not None:
            executor.close()
    return folder, outcome


# --- seeds and the one engine ----------------------------------------------------------------


def test_a_point_is_the_run_of_its_values_with_its_seed(tmp_path):
    folder, outcome = run(tmp_path, "out")
    points = outcome.points_table
    np.testing.assert_array_equal(points["seed"], point_seeds(11, 6))
    runs = read_runs(folder.path)
    row = points.iloc[4]  # russia 0.8, table_anyway
    alone = simulate(
        KOSOVO,
        overrides={
            "parties.russia.position.sovereignty": float(
                row["parties.russia.position.sovereignty"]
            ),
            "council.strategy": row["council.strategy"],
        },
        replicates=60,
        seed=int(row["seed"]),
        trajectories=False,
    ).records.to_frame()
    mine = runs[runs["point_id"] == 4].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        mine[alone.columns.drop("replicate")], alone.drop(columns="replicate")
    )
    np.testing.assert_array_equal(mine["replicate"], np.arange(60))


def test_the_points_table_counts_the_runs(tmp_path):
    folder, outcome = run(tmp_path, "out")
    points, runs = outcome.points_table, read_runs(folder.path)
    assert len(runs) == 6 * 60 and (points["replicates"] == 60).all()
    for _, row in points.iterrows():
        mine = runs[runs["point_id"] == row["point_id"]]
        for label in ("agreement", "resolution", "unilateral", "deadlock"):
            assert row[label] == pytest.approx((mine["outcome"] == label).mean())
            assert row[f"{label}_low"] <= row[label] <= row[f"{label}_high"]
        assert row["breaks"] == pytest.approx((mine["outcome"] != "deadlock").mean())
        assert row["median_end_round"] == mine["end_round"].median()
    assert (points["status"] == "done").all()
    assert read_points(folder.path).equals(pd.read_parquet(folder.file("points.parquet")))
    csv = pd.read_csv(folder.file("points.csv"), keep_default_na=False, na_values=[""])
    assert list(csv.columns) == list(points.columns)


def test_the_manifest_says_what_ran(tmp_path):
    folder, _ = run(tmp_path, "out")
    record = json.loads(folder.file("manifest.json").read_text())
    assert record["status"] == "complete"
    assert (record["points"], record["done"], record["failed"], record["runs"]) == (6, 6, 0, 360)
    assert record["design"] == "grid" and record["seed"] == 11 and record["replicates"] == 60
    assert "parties.russia.position.sovereignty" in record["parameters"]
    assert {"numpy", "SALib", "dask"} <= record["packages"].keys()


def test_the_folder_reruns_from_its_own_files(tmp_path):
    # sweep.yaml names scenario.yaml beside it: the folder is self-contained.
    folder, _ = run(tmp_path, "out")
    again = load_sweep(folder.file("sweep.yaml"))
    assert again.sweep.scenario == "scenario.yaml"
    assert again.base == load_sweep(tmp_path / "sweep.yaml").base


# --- executors and chunking ------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("reference")
    folder, outcome = run(tmp_path, "in_process")
    return read_runs(folder.path), outcome.points_table


@pytest.mark.parametrize("chunk_runs", [7, 60, 100_000])
def test_any_chunking_gives_the_same_tables(tmp_path, reference, chunk_runs):
    folder, outcome = run(tmp_path, "out", chunk_runs=chunk_runs)
    pd.testing.assert_frame_equal(read_runs(folder.path), reference[0])
    pd.testing.assert_frame_equal(outcome.points_table, reference[1])


def test_local_processes_give_the_same_tables(tmp_path, reference):
    # Tasks of whole 60-run points until they hold 90 runs: 3 tasks of 2 points.
    folder, outcome = run(tmp_path, "out", LocalProcesses(2), chunk_runs=90)
    assert len(folder.parts()) == 3
    pd.testing.assert_frame_equal(read_runs(folder.path), reference[0])
    pd.testing.assert_frame_equal(outcome.points_table, reference[1])


def test_a_dask_local_cluster_gives_the_same_tables(tmp_path, reference):
    executor = DaskCluster(local_workers=2)
    assert executor.workers == 2
    folder, outcome = run(tmp_path, "out", executor, chunk_runs=120)
    pd.testing.assert_frame_equal(read_runs(folder.path), reference[0])
    pd.testing.assert_frame_equal(outcome.points_table, reference[1])


def test_a_dask_cluster_at_an_address_sends_the_tables_back(tmp_path, reference):
    # A cluster reached by its address may not share this machine's files: the workers send
    # their tables back, and this process writes the parts.
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        executor = DaskCluster(address=cluster.scheduler_address)
        assert not executor.shares_files
        folder, outcome = run(tmp_path, "out", executor, chunk_runs=120)
    pd.testing.assert_frame_equal(read_runs(folder.path), reference[0])
    pd.testing.assert_frame_equal(outcome.points_table, reference[1])


class _Apart(InProcess):
    """An executor whose workers do not see this process's files."""

    shares_files = False


def test_workers_with_or_without_shared_files_write_the_same_parts(tmp_path):
    shared, _ = run(tmp_path, "shared", chunk_runs=90)
    apart, _ = run(tmp_path, "apart", _Apart(), chunk_runs=90)
    for mine, theirs in zip(shared.parts(), apart.parts(), strict=True):
        # compared as frames: a deadlocked run's point is NaN, which tables never call equal
        assert pq.read_table(mine).to_pandas().equals(pq.read_table(theirs).to_pandas())


def _die_once(marker: str) -> int:
    """Kill the worker process the first time it is called (the marker file says so)."""
    path = Path(marker)
    if not path.exists():
        path.write_text("died")
        os.kill(os.getpid(), signal.SIGKILL)
    return os.getpid()


def _always_die(_: object) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_killed_workers_task_is_run_again(tmp_path):
    executor = LocalProcesses(2)
    try:
        results = list(executor.map_unordered(_die_once, [str(tmp_path / "marker")] * 3))
    finally:
        executor.close()
    assert len(results) == 3 and (tmp_path / "marker").exists()


def test_a_task_that_always_kills_its_worker_is_an_error(tmp_path):
    executor = LocalProcesses(1)
    try:
        with pytest.raises(ExecutorError, match="died"):
            list(executor.map_unordered(_always_die, [1]))
    finally:
        executor.close()


def test_in_process_runs_in_order():
    assert list(InProcess().map_unordered(lambda x: x * 2, [1, 2, 3])) == [2, 4, 6]


# --- resume ----------------------------------------------------------------------------------


def test_resume_after_a_kill_gives_the_tables_of_an_uninterrupted_sweep(tmp_path, reference):
    # Kill the sweep (SIGKILL: no clean-up) after a random number of parts, then resume.
    path = sweep_file(tmp_path, GRID)
    out = tmp_path / "killed"
    command = [sys.executable, str(ROOT / "run.py"), "sweep", str(path), "--out", str(out)]
    command += ["--chunk-runs", "30", "--quiet"]
    stop_after = np.random.default_rng().integers(1, 11)  # any of the 12 parts
    process = subprocess.Popen(command, cwd=tmp_path, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if len(list((out / "runs").glob("part-*.parquet"))) >= stop_after:
            process.kill()
            break
        time.sleep(0.01)
    process.wait()
    folder = SweepFolder(out)
    if folder.manifest()["status"] == "running":
        with pytest.raises(ResultsError, match="not complete"):
            read_points(out)
    kept = len(read_runs(out))
    outcome = run_sweep(folder)
    assert outcome.ran == 360 - kept
    pd.testing.assert_frame_equal(read_runs(out), reference[0])
    pd.testing.assert_frame_equal(outcome.points_table, reference[1])
    assert folder.manifest()["status"] == "complete"


def test_resume_makes_only_the_missing_runs(tmp_path, reference):
    folder, _ = run(tmp_path, "out", chunk_runs=60)
    parts = folder.parts()
    parts[1].unlink()
    parts[4].unlink()
    outcome = run_sweep(folder)
    assert outcome.ran == 120
    pd.testing.assert_frame_equal(read_runs(folder.path), reference[0])
    pd.testing.assert_frame_equal(outcome.points_table, reference[1])


def test_resuming_a_complete_sweep_makes_no_run(tmp_path):
    folder, _ = run(tmp_path, "out")
    assert run_sweep(folder).ran == 0


# --- failed points ---------------------------------------------------------------------------

CLASHING = f"""\
name: clashing
scenario: {KOSOVO}
design: grid
replicates: 20
seed: 3
parameters:
  horizon: [30, 52]
  unilateral.kosovo.earliest_round: [25, 40]
"""


def test_a_point_that_raises_is_recorded_with_its_error(tmp_path):
    # Each value alone is valid; horizon 30 with the declaration from round 40 is not.
    folder, outcome = run(tmp_path, "out", text=CLASHING)
    points = outcome.points_table
    failed = points[points["status"] == "failed"]
    assert failed["point_id"].tolist() == [1]
    assert "earliest_round" in failed["error"].iloc[0]
    assert failed["replicates"].iloc[0] == 0 and np.isnan(failed["breaks"].iloc[0])
    assert (points.loc[points["status"] == "done", "replicates"] == 20).all()
    assert folder.manifest()["failed"] == 1
    assert folder.errors()[0]["point_id"] == 1


# --- more replicates -------------------------------------------------------------------------


def test_more_replicates_until_the_intervals_are_narrow_extend_the_points(tmp_path, reference):
    folder, outcome = run(tmp_path, "out", until_ci_width=0.05, max_replicates=2000)
    points = outcome.points_table
    widths = [points[f"{o}_high"] - points[f"{o}_low"] for o in ("unilateral", "deadlock")]
    capped = points["replicates"] >= 2000
    assert ((np.maximum(*widths) <= 0.05) | capped).all()
    assert (points["replicates"] > 60).all()
    # The first 60 replicates of each point are those of the sweep without extension.
    runs = read_runs(folder.path)
    first = runs[runs["replicate"] < 60].reset_index(drop=True)
    pd.testing.assert_frame_equal(first, reference[0])


def test_a_width_too_small_to_reach_asks_for_the_cap(tmp_path):
    """1e-200 squared is 0: the count needed is no number, and each point gets the cap."""
    _, outcome = run(tmp_path, "out", until_ci_width=1e-200, max_replicates=250)
    assert (outcome.points_table["replicates"] == 250).all()


def test_the_folder_must_be_new(tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "file").write_text("x")
    with pytest.raises(ResultsError, match="already holds files"):
        start_sweep(load_sweep(sweep_file(tmp_path)), tmp_path / "taken")


def test_a_running_sweep_holds_its_folder(tmp_path):
    # A second process resuming a sweep that is still running would run the same pieces twice.
    folder = start_sweep(load_sweep(sweep_file(tmp_path)), tmp_path / "out")
    with folder.lock(), pytest.raises(ResultsError, match="another process is running"):
        run_sweep(SweepFolder(tmp_path / "out"))
    assert run_sweep(folder).ran == 360  # free again


def test_a_folder_with_a_broken_sweep_file_is_a_results_error(tmp_path):
    folder = start_sweep(load_sweep(sweep_file(tmp_path)), tmp_path / "out")
    folder.file("sweep.yaml").write_text("name: [")
    with pytest.raises(ResultsError, match="the sweep as run is not valid"):
        run_sweep(folder)


def test_integer_values_stay_integers_when_every_parameter_is_a_number(tmp_path):
    # A row of float and integer columns read whole becomes floats: the horizon would arrive
    # as 30.0 and every point fail its scenario's check.
    path = tmp_path / "sweep.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "integers",
                "scenario": str(KOSOVO),
                "design": "grid",
                "replicates": 4,
                "seed": 1,
                "parameters": {"ripeness": [0.0, 0.01], "horizon": [30, 40]},
            }
        ),
        encoding="utf-8",
    )
    folder = start_sweep(load_sweep(path), tmp_path / "out")
    outcome = run_sweep(folder)
    assert outcome.failed == 0
    assert sorted(read_points(folder.path)["horizon"].tolist()) == [30, 30, 40, 40]
