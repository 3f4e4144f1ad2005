"""The command line end to end, in a temporary working directory."""

from __future__ import annotations

import io
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import KOSOVO

from sim import cli
from sim.model import NegotiationModel
from sim.records import RunRecords
from sim.results import read_csv, read_results
from sim.scenario import load_scenario
from sim.summary import outcome_table

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
FIGURES = {"outcomes", "trajectories", "council_votes", "time_to_outcome"}


def run(capsys, *words: str) -> tuple[int, str, str]:
    status = cli.main([str(w) for w in words])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return status, out, err


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """One run of Kosovo (300 replicates, seed 5, horizon 40) in a fresh working directory."""
    work = tmp_path_factory.mktemp("work")
    words = [KOSOVO, "--replicates", 300, "--seed", 5, "--set", "horizon=40", "--quiet"]
    status = cli.main([str(w) for w in [*words, "--out", work / "kosovo"]])
    assert status == 0
    return work / "kosovo"


def test_default_run_writes_a_new_folder_under_results(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, KOSOVO, "--replicates", "200")
    assert status == 0
    assert err == ""  # no progress bar when stderr is not a terminal
    (written,) = (tmp_path / "results").iterdir()
    assert written.name.startswith("kosovo_2007-") and written.name.endswith("Z")
    assert f"results: {Path('results') / written.name}" in out
    assert "kosovo_2007: 200 replicates, seed 20071219" in out
    assert "unilateral" in out
    assert " week  reached  withdrawn  tabled  adopted  accepted  vetoed  amended" in out
    assert "   20      200        200       0        0         0       0        0" in out
    assert {p.name for p in written.iterdir()} == {
        "scenario.yaml",
        "manifest.json",
        "runs.csv",
        "summary.csv",
        "trajectories.csv",
    } | {f"{name}.png" for name in FIGURES}
    # A second run never overwrites the first.
    status, _, _ = run(capsys, KOSOVO, "--replicates", "200")
    assert status == 0
    assert len(list((tmp_path / "results").iterdir())) == 2
    assert not [p for p in (tmp_path / "results").iterdir() if p.name.startswith(".")]


def test_default_folder_is_named_after_the_scenario_as_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    status, _, _ = run(capsys, KOSOVO, "--replicates", "20", "--set", "name=renamed", "--quiet")
    assert status == 0
    (written,) = (tmp_path / "results").iterdir()
    assert written.name.startswith("renamed-")


def test_a_bad_set_value_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    status, _, err = run(capsys, KOSOVO, "--set", "mediation.rule=bogus")
    assert status == 1
    assert "(command line): mediation.rule: found 'bogus'" in err
    assert not (tmp_path / "results").exists()


def test_outputs_agree_with_each_other(folder):
    results = read_results(folder)
    runs, manifest = results.runs, results.manifest
    assert len(runs) == 300 == manifest["replicates"]
    assert runs["replicate"].tolist() == list(range(300))
    pd.testing.assert_frame_equal(read_csv(folder / "summary.csv"), outcome_table(results.records))
    assert results.summary.outcomes["count"].sum() == 300
    assert manifest["complete"] is True
    assert manifest["seed"] == 5
    assert manifest["overrides"] == {"horizon": 40}
    words = [str(KOSOVO), "--replicates", "300", "--seed", "5", "--set", "horizon=40"]
    assert manifest["command"][1:] == [*words, "--quiet", "--out", str(folder)]
    assert manifest["working_directory"] == str(Path.cwd())
    assert manifest["duration_seconds"] >= 0
    assert set(manifest["files"]) == {
        "scenario.yaml",
        "runs.csv",
        "summary.csv",
        "trajectories.csv",
    }
    assert manifest["files"]["runs.csv"]["bytes"] == (folder / "runs.csv").stat().st_size
    trajectories = results.trajectories
    assert trajectories["round"].max() <= 40
    first = trajectories[(trajectories["round"] == 0) & (trajectories["kind"] == "position")]
    assert (first["replicates"] == 300).all()


def test_set_is_applied_and_the_scenario_recorded_as_run(folder):
    as_run = load_scenario(folder / "scenario.yaml")
    assert (as_run.horizon, as_run.seed, as_run.replicates) == (40, 5, 300)
    expected = load_scenario(KOSOVO).model_copy(
        update={"horizon": 40, "seed": 5, "replicates": 300}
    )
    assert as_run == expected
    assert read_results(folder).runs["end_round"].max() <= 40


def test_rerun_from_the_folder_reproduces_runs_byte_for_byte(folder, tmp_path, capsys):
    seed = json.loads((folder / "manifest.json").read_text())["seed"]
    again = tmp_path / "again"
    status, _, _ = run(capsys, folder / "scenario.yaml", "--seed", seed, "--out", again, "--quiet")
    assert status == 0
    for table in ("runs.csv", "summary.csv", "trajectories.csv"):
        assert (again / table).read_bytes() == (folder / table).read_bytes(), table


def test_runs_table_is_the_models_records(folder):
    scenario = load_scenario(folder / "scenario.yaml")
    records = NegotiationModel(scenario).run()
    expected = records.to_frame()
    back = read_csv(folder / "runs.csv", RunRecords.text_columns(scenario))
    assert list(back.columns) == list(expected.columns)
    for column in expected.columns:
        if expected[column].dtype.kind in "biuf":
            np.testing.assert_array_equal(back[column], expected[column], err_msg=column)
        else:  # text: empty fields come back as missing
            assert back[column].fillna("").tolist() == expected[column].tolist(), column


def test_json_summary(tmp_path, capsys):
    status, out, _ = run(
        capsys, KOSOVO, "--replicates", "100", "--format", "json", "--out", tmp_path / "j"
    )
    assert status == 0
    data = json.loads(out)
    assert data["folder"] == str(tmp_path / "j")
    assert data["replicates"] == 100
    assert [row["outcome"] for row in data["outcomes"]] == [
        "agreement",
        "resolution",
        "unilateral",
        "deadlock",
    ]
    assert data["council"]["sponsor"] == "usa"
    assert data["council"]["sessions"][0]["withdrawn"] == 100


def test_quiet_prints_only_the_folder(tmp_path, capsys):
    status, out, err = run(capsys, KOSOVO, "--replicates", "50", "--quiet", "--out", tmp_path / "q")
    assert (status, out, err) == (0, f"{tmp_path / 'q'}\n", "")


def test_figure_format_and_plot_redraw(folder, capsys):
    status, out, _ = run(capsys, "plot", folder, "--figure-format", "svg")
    assert status == 0
    for name in FIGURES:
        svg = folder / f"{name}.svg"
        assert svg.read_text().lstrip().startswith("<?xml")
        assert str(svg) in out
    before = (folder / "outcomes.svg").read_bytes()
    run(capsys, "plot", folder, "--figure-format", "svg")
    assert (folder / "outcomes.svg").read_bytes() == before  # no date in the file


def test_table_anyway_reports_vetoes(tmp_path, capsys):
    status, out, _ = run(
        capsys,
        SCENARIOS / "kosovo_2007_table_anyway.yaml",
        "--replicates",
        "300",
        "--out",
        tmp_path / "t",
    )
    assert status == 0
    assert "vetoed by: china" in out and "russia" in out


# --- errors ----------------------------------------------------------------------------------


def nothing_written(place: Path) -> bool:
    return not place.exists() or not any(place.iterdir())


@pytest.mark.parametrize(
    ("words", "status", "message"),
    [
        (["missing.yaml"], 1, "missing.yaml: (top level): found"),
        ([KOSOVO, "--set", "parties.russia.flexibility=2"], 1, "parties.russia.flexibility"),
        ([KOSOVO, "--set", "parties.rusia.flexibility=0.2"], 1, "parties.rusia"),
        ([KOSOVO, "--replicates", "0"], 1, "replicates"),
        ([KOSOVO, "--set", "time_unit=2007-12-19"], 1, "found the date 2007-12-19"),
        ([KOSOVO, "--set", "description=yes"], 1, """--set "key='yes'" on the command line"""),
        ([KOSOVO, "--set", "horizon"], 2, "PATH=VALUE"),
        ([KOSOVO, "--replicates", "many"], 2, "invalid int value"),
        ([KOSOVO, "--figure-format", "gif"], 2, "invalid choice"),
        ([KOSOVO, "--colour"], 2, "unrecognized arguments"),
        (["run"], 2, "the following arguments are required"),
        ([], 2, "commands"),
    ],
)
def test_errors_exit_with_a_message_and_write_nothing(
    tmp_path, monkeypatch, capsys, words, status, message
):
    monkeypatch.chdir(tmp_path)
    got, out, err = run(capsys, *words)
    assert got == status
    assert message in err
    assert out == ""
    assert nothing_written(tmp_path / "results")


def test_out_folder_holding_files_is_a_usage_error(tmp_path, capsys):
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine")
    status, _, err = run(capsys, KOSOVO, "--replicates", "10", "--out", taken)
    assert status == 2
    assert "already holds files" in err
    assert [p.name for p in taken.iterdir()] == ["notes.txt"]


def test_unwritable_out_folder_is_an_input_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    status, _, err = run(capsys, KOSOVO, "--replicates", "10", "--out", blocker / "out")
    assert status == 1
    assert "cannot write results" in err


def test_ctrl_c_leaves_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    step = NegotiationModel.step

    def interrupted(model):
        if model.steps >= 3:
            raise KeyboardInterrupt
        step(model)

    monkeypatch.setattr(NegotiationModel, "step", interrupted)
    status, _, err = run(capsys, KOSOVO, "--replicates", "50")
    assert status == 130
    assert "interrupted: no complete results were written" in err
    assert list(tmp_path.iterdir()) == []  # not even the results/ folder it made


def test_validate(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(KOSOVO.read_text().replace("horizon: 52", "horizon: -1"))
    status, out, _ = run(capsys, "validate", *sorted(SCENARIOS.glob("*.yaml")))
    assert status == 0
    assert out.count(": ok") == len(list(SCENARIOS.glob("*.yaml")))
    status, out, err = run(capsys, "validate", KOSOVO, bad)
    assert status == 1
    assert f"{KOSOVO}: ok" in out
    assert f"{bad}: horizon: found -1" in err


def test_schema_is_json_schema(capsys):
    status, out, _ = run(capsys, "schema")
    assert status == 0
    schema = json.loads(out)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert "parties" in schema["$defs"]["Scenario"]["properties"]
    assert "extends" in schema["$defs"]["Variant"]["properties"]


def test_plot_refuses_what_is_not_a_results_folder(tmp_path, capsys):
    status, _, err = run(capsys, "plot", tmp_path)
    assert status == 1
    assert "not a results folder" in err


@pytest.mark.parametrize("command", [[], ["run"], ["validate"], ["schema"], ["plot"]])
def test_help_explains_with_an_example(capsys, command):
    status, out, _ = run(capsys, *command, "--help")
    assert status == 0
    assert "example" in out
    assert "usage:" in out


def test_run_py_as_a_program():
    done = subprocess.run(
        [sys.executable, "run.py", "missing.yaml"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert done.stderr.startswith("error: missing.yaml")
    assert "Traceback" not in done.stderr
    version = subprocess.run(
        [sys.executable, "run.py", "--version"], cwd=ROOT, capture_output=True, text=True
    )
    assert version.stdout.strip() == "stalemate 0.1.0"


def start(*words: object) -> subprocess.Popen:
    """`python run.py WORDS...` as a separate process, its output piped."""
    return subprocess.Popen(
        [sys.executable, "run.py", *map(str, words)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_closed_pipe_is_no_traceback():
    # `run.py schema | head -c 1`: the reader has gone before the program writes.
    process = start("schema")
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait() == 141
    assert stderr == ""


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal(tmp_path, monkeypatch, capsys):
    step = NegotiationModel.step

    def slow(model):  # long enough for the bar's half-second delay
        time.sleep(0.03)
        step(model)

    monkeypatch.setattr(NegotiationModel, "step", slow)
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    status = cli.main([str(KOSOVO), "--replicates", "20", "--out", str(tmp_path / "a")])
    assert status == 0
    assert "kosovo_2007:" in terminal.getvalue() and "week" in terminal.getvalue()
    quiet = Terminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    cli.main([str(KOSOVO), "--replicates", "20", "--quiet", "--out", str(tmp_path / "b")])
    assert quiet.getvalue() == ""
    assert "kosovo_2007: 20 replicates" in capsys.readouterr().out


def test_real_sigint_during_a_run_leaves_nothing(tmp_path):
    process = start(str(KOSOVO), "--replicates", "50000", "--out", tmp_path / "out")
    deadline = time.monotonic() + 60
    while not list(tmp_path.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.01)  # wait for the staging folder: the run has started
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert err == "interrupted: no complete results were written\n"
    assert out == ""
    assert list(tmp_path.iterdir()) == []


def test_plot_that_cannot_write_is_an_input_error(folder, tmp_path, capsys):
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    (copy / "outcomes.pdf").mkdir()  # a folder where the figure should go
    status, _, err = run(capsys, "plot", copy, "--figure-format", "pdf")
    assert status == 1
    assert err.startswith(f"error: cannot write {copy / 'outcomes.pdf'}")


def test_council_without_sessions_runs(tmp_path, capsys):
    out = tmp_path / "s"
    status, stdout, err = run(
        capsys, KOSOVO, "--replicates", 30, "--set", "council.sessions=[]", "--out", out
    )
    assert status == 0, err
    assert "Security Council" not in stdout and "Empty DataFrame" not in stdout
    assert not (out / "council_votes.png").exists()
    assert (out / "outcomes.png").exists()


def test_out_dot_fills_the_empty_working_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, KOSOVO, "--replicates", 20, "--quiet", "--out", ".")
    assert status == 0, err
    assert out == ".\n"
    assert json.loads((tmp_path / "manifest.json").read_text())["complete"] is True
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert read_results(tmp_path).summary.replicates == 20


def test_out_link_to_nothing_is_refused_before_the_run(tmp_path, capsys):
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    status, _, err = run(capsys, KOSOVO, "--out", tmp_path / "dangling")
    assert status == 2
    assert "is a link to nothing" in err


def test_out_holding_an_interrupted_runs_leftovers_says_so(tmp_path, capsys):
    (tmp_path / "out" / ".1234abcd.partial").mkdir(parents=True)
    status, _, err = run(capsys, KOSOVO, "--out", tmp_path / "out")
    assert status == 2
    assert "holds what an interrupted run left" in err and ".1234abcd.partial" in err


def test_ctrl_c_while_the_libraries_load_is_no_traceback():
    process = start("--version")
    time.sleep(0.3)  # loading numpy, pandas, matplotlib and mesa takes about a second
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode in (130, 0)  # 0: it had already finished
    assert "Traceback" not in err
