"""`run.py sweep`, `analyse`, `report`, and sweep files in `validate` and `schema`."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim import cli
from sim.sweep import read_runs

ROOT = Path(__file__).resolve().parents[1]
KOSOVO = ROOT / "scenarios" / "kosovo_2007.yaml"

GRID = f"""\
name: cli_grid
question: Does the sponsor's strategy decide whether the Council resolves the dispute?
scenario: {KOSOVO}
design: grid
replicates: 40
seed: 4
parameters:
  council.strategy: [table_anyway, amend_to_avoid_veto]
"""


def run(capsys, *words: object) -> tuple[int, str, str]:
    status = cli.main([str(w) for w in words])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return status, out, err


@pytest.fixture
def sweep_file(tmp_path: Path) -> Path:
    path = tmp_path / "grid.yaml"
    path.write_text(GRID)
    return path


def test_sweep_runs_analyses_and_reports(tmp_path, sweep_file, capsys):
    status, out, err = run(capsys, "sweep", sweep_file, "--out", tmp_path / "out")
    assert status == 0, err
    assert "Does the sponsor's strategy decide" in out
    assert "2 points (0 failed), 80 runs (80 made now)" in out
    assert f"results: {tmp_path / 'out'}" in out
    files = {p.name for p in (tmp_path / "out").iterdir()}
    assert {
        "sweep.yaml",
        "scenario.yaml",
        "design.parquet",
        "points.parquet",
        "points.csv",
    } <= files
    assert {"manifest.json", "report.md", "runs"} <= files
    assert "outcomes_vs_council-strategy.png" in files
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["command"][1:] == ["sweep", str(sweep_file), "--out", str(tmp_path / "out")]
    # report rewrites report.md; analyse prints the findings again
    status, out, _ = run(capsys, "report", tmp_path / "out")
    assert status == 0 and out.strip() == str(tmp_path / "out" / "report.md")
    status, out, _ = run(capsys, "analyse", tmp_path / "out", "--figure-format", "svg")
    assert status == 0 and "2 points" in out
    assert (tmp_path / "out" / "outcomes_vs_council-strategy.svg").exists()


def test_quiet_prints_only_the_folder(tmp_path, sweep_file, capsys):
    status, out, err = run(capsys, "sweep", sweep_file, "--out", tmp_path / "out", "--quiet")
    assert (status, out, err) == (0, f"{tmp_path / 'out'}\n", "")


def test_the_numbers_do_not_depend_on_the_workers(tmp_path, sweep_file, capsys):
    assert run(capsys, "sweep", sweep_file, "--out", tmp_path / "one", "--quiet")[0] == 0
    words = ["sweep", sweep_file, "--out", tmp_path / "two", "--quiet", "--workers", "2"]
    assert run(capsys, *words, "--chunk-runs", "10")[0] == 0
    pd.testing.assert_frame_equal(read_runs(tmp_path / "one"), read_runs(tmp_path / "two"))


def test_dry_run_counts_and_writes_nothing(tmp_path, sweep_file, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, _ = run(capsys, "sweep", sweep_file, "--dry-run")
    assert status == 0
    assert "grid design, 2 points x 40 replicates = 80 runs of kosovo_2007" in out
    assert not (tmp_path / "results").exists()


def test_an_invalid_sweep_file_is_an_error_naming_the_place(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "bad.yaml"
    path.write_text(GRID.replace("council.strategy", "council.stratgy"))
    status, out, err = run(capsys, "sweep", path)
    assert status == 1 and out == ""
    assert str(path) in err and "parameters.council.stratgy" in err
    assert not (tmp_path / "results").exists()


def test_usage_errors(tmp_path, sweep_file, capsys):
    status, _, err = run(capsys, "sweep")
    assert status == 2 and "give a sweep file, or --resume DIR" in err
    status, _, err = run(capsys, "sweep", sweep_file, "--resume", tmp_path)
    assert status == 2
    status, _, err = run(capsys, "sweep", sweep_file, "--workers", "0")
    assert status == 2 and "expected at least 1" in err
    status, _, err = run(capsys, "sweep", sweep_file, "--workers", "2", "--dask-local", "2")
    assert status == 2 and "not allowed with" in err
    status, _, err = run(capsys, "sweep", sweep_file, "--until-ci-width", "2")
    assert status == 2 and "(0, 1]" in err
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    status, _, err = run(capsys, "sweep", sweep_file, "--out", tmp_path / "full")
    assert status == 2 and "already holds files" in err


def test_resume_and_analyse_refuse_what_is_not_a_sweep_folder(tmp_path, capsys):
    for command in (["sweep", "--resume"], ["analyse"], ["report"]):
        status, _, err = run(capsys, *command, tmp_path)
        assert status == 1 and "not a sweep folder" in err


def test_an_interrupted_sweep_says_how_to_resume_and_resumes(tmp_path, sweep_file, capsys):
    text = GRID.replace("replicates: 40", "replicates: 3000")
    sweep_file.write_text(text)
    out = tmp_path / "out"
    command = [sys.executable, str(ROOT / "run.py"), "sweep", str(sweep_file), "--out", str(out)]
    process = subprocess.Popen([*command, "--chunk-runs", "500"], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list((out / "runs").glob("part-*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    if process.returncode == 130:
        assert "interrupted: the finished runs are kept in" in err
        assert f"run.py sweep --resume {out}" in err
        assert "Traceback" not in err
    status, printed, _ = run(capsys, "sweep", "--resume", out, "--quiet")
    assert status == 0 and printed == f"{out}\n"
    runs = read_runs(out)
    assert len(runs) == 6000 and not runs.duplicated(["point_id", "replicate"]).any()


def test_validate_knows_sweep_files(tmp_path, sweep_file, capsys):
    status, out, _ = run(capsys, "validate", sweep_file, KOSOVO)
    assert status == 0 and out == f"{sweep_file}: ok\n{KOSOVO}: ok\n"


def test_schema_of_sweep_files(capsys):
    status, out, _ = run(capsys, "schema", "--sweep")
    schema = json.loads(out)
    assert status == 0 and schema["title"] == "stalemate sweep"
    assert {"scenario", "design", "parameters"} <= set(schema["required"])


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml")))
def test_the_shipped_sweeps_are_valid(path, capsys):
    status, _, err = run(capsys, "sweep", path, "--dry-run")
    assert status == 0, err


LAX = f"""\
name: lax
scenario: {KOSOVO}
design: latin
samples: 20
replicates: 10
seed: 20071219
parameters:
  parties.kosovo.position.sovereignty: {{from: 0.8, to: 1.0}}
  parties.kosovo.red_lines.sovereignty.0: {{from: 0.3, to: 1.0}}
"""


def test_points_that_are_invalid_scenarios_are_found_before_the_run(tmp_path, capsys):
    # Each value is valid alone; two latin points put Kosovo's position below its red line.
    path = tmp_path / "lax.yaml"
    path.write_text(LAX)
    for words in (["validate", path], ["sweep", path, "--dry-run"]):
        status, out, err = run(capsys, *words)
        assert status == 1 and out == ""
        assert "2 of 20 points are invalid scenarios" in err
        assert "(point 2): parties.kosovo.position.sovereignty" in err
    # A latin sweep runs the valid points and records the others as failed ...
    status, _, err = run(capsys, "sweep", path, "--out", tmp_path / "latin", "--quiet")
    assert status == 0 and "they will be recorded as failed" in err
    points = pd.read_csv(tmp_path / "latin" / "points.csv", keep_default_na=False)
    assert points.loc[points["status"] == "failed", "point_id"].tolist() == [2, 5]
    # ... a Sobol sweep, whose analysis needs every point, does not start.
    path.write_text(
        LAX.replace("design: latin", "design: sobol").replace("samples: 20", "samples: 8")
    )
    status, _, err = run(capsys, "sweep", path, "--out", tmp_path / "sobol")
    assert status == 1 and "a sobol analysis needs every point" in err
    assert not (tmp_path / "sobol").exists()


def _alive(pid: int) -> bool:
    """Whether process `pid` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in status


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
def test_workers_leave_when_the_sweep_is_killed(tmp_path, sweep_file):
    # A sweep killed outright (SIGKILL: no clean-up) must not leave its workers running.
    sweep_file.write_text(GRID.replace("replicates: 40", "replicates: 20000"))
    out = tmp_path / "out"
    command = [sys.executable, str(ROOT / "run.py"), "sweep", str(sweep_file), "--out", str(out)]
    process = subprocess.Popen(
        [*command, "--workers", "2", "--chunk-runs", "2000"], stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while not list((out / "runs").glob("part-*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.05)
    children = [
        int(p) for p in Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    ]
    assert children  # the workers (and multiprocessing's resource tracker)
    process.kill()
    process.wait()
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in children)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda out: (out / "manifest.json").write_text('{"kind": "sweep"}'), "no 'status'"),
        (
            lambda out: (out / "runs" / "part-00000.errors.json").write_text("[1"),
            "not a list of failed pieces",
        ),
        (
            lambda out: (out / "runs" / "part-00000.parquet").write_text("junk"),
            "cannot be read as a part of the runs table",
        ),
    ],
)
def test_a_damaged_sweep_folder_is_an_error_not_a_traceback(
    tmp_path, sweep_file, capsys, damage, message
):
    out = tmp_path / "out"
    assert run(capsys, "sweep", sweep_file, "--out", out, "--quiet")[0] == 0
    damage(out)
    status, _, err = run(capsys, "sweep", "--resume", out)
    assert status == 1 and message in err
