"""Results folders: atomic writes, staging and commit, the manifest, reading back."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import make_scenario, make_yaml

from sim import cli, simulate
from sim.records import TRAJECTORY_TEXT, RunRecords
from sim.results import (
    MANIFEST,
    ResultsError,
    ResultsFolder,
    atomic_write,
    default_folder,
    git_commit,
    manifest,
    read_csv,
    read_results,
    write_csv,
    write_text,
)

STARTED = datetime(2007, 12, 19, 15, 0, 5, tzinfo=UTC)


def test_atomic_write_replaces_whole_or_not_at_all(tmp_path):
    path = tmp_path / "table.csv"
    write_text(path, "old\n")

    def fails_half_way(tmp):
        tmp.write_text("new but cut sh")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, fails_half_way)
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]  # no temporary left


def test_csv_round_trip_keeps_names_that_pandas_reads_as_missing(tmp_path):
    frame = pd.DataFrame({"vetoed_by": ["nan", "", "null;none"], "x": [1.5, float("nan"), 2.0]})
    write_csv(tmp_path / "t.csv", frame)
    back = read_csv(tmp_path / "t.csv")
    assert back["vetoed_by"].tolist()[0] == "nan"
    assert back["vetoed_by"].tolist()[2] == "null;none"
    assert back["vetoed_by"].isna().tolist() == [False, True, False]
    assert back["x"].isna().tolist() == [False, True, False]


def test_default_folder_is_named_by_scenario_and_utc_time(tmp_path):
    assert default_folder("kosovo_2007", STARTED, tmp_path).name == "kosovo_2007-20071219T150005Z"


def test_folder_appears_only_on_commit(tmp_path):
    destination = tmp_path / "out"
    with ResultsFolder(destination) as folder:
        folder.write_text("scenario.yaml", "name: x\n")
        assert not destination.exists()
        assert folder.staging.name.startswith(".out.")
        written = folder.commit()
    assert written == destination
    assert (destination / "scenario.yaml").read_text() == "name: x\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_interrupted_folder_leaves_nothing(tmp_path):
    with pytest.raises(KeyboardInterrupt), ResultsFolder(tmp_path / "out") as folder:
        folder.write_text("runs.csv", "replicate\n0\n")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_exact_destination_must_not_hold_files(tmp_path):
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "runs.csv").write_text("precious\n")
    with pytest.raises(ResultsError, match="already holds files"):
        ResultsFolder(taken)
    assert (taken / "runs.csv").read_text() == "precious\n"


def test_empty_destination_is_used(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with ResultsFolder(empty) as folder:
        folder.write_text("a.txt", "a")
        assert folder.commit() == empty
    assert (empty / "a.txt").read_text() == "a"


def test_default_name_taken_meanwhile_gets_a_suffix(tmp_path):
    destination = tmp_path / "run-20071219T150005Z"
    with ResultsFolder(destination, exact=False) as first:
        with ResultsFolder(destination, exact=False) as second:
            second.write_text("a.txt", "second")
            assert second.commit() == destination
        first.write_text("a.txt", "first")
        written = first.commit()
    assert written.name == "run-20071219T150005Z-2"
    assert (destination / "a.txt").read_text() == "second"
    assert (written / "a.txt").read_text() == "first"


def test_exact_destination_taken_meanwhile_is_an_error(tmp_path):
    destination = tmp_path / "out"
    with ResultsFolder(destination) as folder:
        destination.mkdir()
        (destination / "x").write_text("someone else's")
        with pytest.raises(ResultsError, match="already holds files"):
            folder.commit()
    assert (destination / "x").read_text() == "someone else's"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_unwritable_place_is_a_results_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ResultsError, match="cannot write results"):
        ResultsFolder(blocker / "out")


def test_manifest_records_the_run():
    scenario = make_scenario()
    finished = datetime(2007, 12, 19, 15, 1, 5, 500000, tzinfo=UTC)
    record = manifest(
        scenario, "tiny.yaml", {"horizon": 5}, ["run.py", "x"], STARTED, finished, "svg"
    )
    assert record["complete"] is True
    assert (record["scenario"], record["seed"], record["replicates"]) == ("tiny", 7, 4)
    assert record["overrides"] == {"horizon": 5}
    assert record["duration_seconds"] == 60.5
    assert record["started"] == "2007-12-19T15:00:05+00:00"
    assert {"mesa", "numpy", "pandas", "matplotlib"} <= set(record["packages"])
    assert record["stalemate"] == "0.1.0"


def test_git_commit_outside_a_work_tree_is_none(tmp_path):
    assert git_commit(tmp_path) is None


def test_manifest_lists_data_files_with_their_hashes(tmp_path):
    with ResultsFolder(tmp_path / "out") as folder:
        folder.write_text("runs.csv", "replicate\n0\n")
        folder.write_text("outcomes.png", "not data")
        folder.write_manifest({"complete": True})
        folder.commit()
    record = json.loads((tmp_path / "out" / MANIFEST).read_text())
    assert record["files"] == {
        "runs.csv": {
            "bytes": 12,
            # sha256 of b"replicate\n0\n" (computed with hashlib)
            "sha256": "a95732498a3f871c06466848bef4992acf0a449d34e56b71bc21bec5d5529df3",
        }
    }


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: None, "no such results folder"),
        (lambda d: d.mkdir(), "not a results folder"),
        (lambda d: (d.mkdir(), (d / MANIFEST).write_text("{")), "unreadable"),
        (
            lambda d: (d.mkdir(), (d / MANIFEST).write_text('{"complete": false}')),
            "did not finish",
        ),
    ],
)
def test_read_results_refuses_what_is_not_a_complete_folder(tmp_path, setup, message):
    folder = tmp_path / "r"
    setup(folder)
    with pytest.raises(ResultsError, match=message):
        read_results(folder)


def test_results_folder_has_the_umasks_permissions(tmp_path):
    mask = os.umask(0o022)
    try:
        with ResultsFolder(tmp_path / "out") as folder:
            written = folder.commit()
    finally:
        os.umask(mask)
    assert stat.S_IMODE(written.stat().st_mode) == 0o755


def write_run(tmp_path, yaml_text: str, name: str = "out") -> Path:
    scenario_file = tmp_path / f"{name}.yaml"
    scenario_file.write_text(yaml_text)
    out = tmp_path / name
    assert cli.main([str(scenario_file), "--quiet", "--out", str(out)]) == 0
    return out


# A Council of three whose only permanent member is called `true` and votes no (a veto),
# beside a member called `inf`: names that pandas would read as a boolean and a number.
AWKWARD_NAMES = make_yaml(
    parties={
        "true": {"position": {"a": 0.1, "b": 0.1}, "flexibility": 0.0},
        "inf": {"position": {"a": 0.9, "b": 0.9}, "flexibility": 0.0},
    },
    council={
        "members": ["true", "inf", "broker"],
        "permanent": ["true"],
        "threshold": 1,
        "sessions": [2],
        "sponsor": "inf",
        "strategy": "table_anyway",
        "draft": {"a": 0.9, "b": 0.9},
    },
)


def test_names_pandas_would_retype_are_read_back_as_names(tmp_path):
    folder = write_run(tmp_path, AWKWARD_NAMES)
    results = read_results(folder)
    runs = results.runs
    assert runs["session2.vetoed_by"].tolist() == ["true"] * 4
    assert runs["session2.vote.true"].tolist() == ["no"] * 4
    assert runs["session2.vote.inf"].tolist() == ["yes"] * 4
    vetoes = results.summary.vetoes.set_index("member")["replicates"].to_dict()
    assert vetoes == {"true": 4}


def test_a_table_changed_after_the_run_is_refused(tmp_path):
    folder = write_run(tmp_path, AWKWARD_NAMES)
    runs = folder / "runs.csv"
    runs.write_bytes(runs.read_bytes()[:-40])  # cut short
    with pytest.raises(ResultsError, match=r"runs\.csv: changed since the run"):
        read_results(folder)
    runs.unlink()
    with pytest.raises(ResultsError, match=r"runs\.csv: No such file"):
        read_results(folder)


def test_git_commit_of_a_folder_inside_a_work_tree_is_none(tmp_path):
    # An installed package inside some other repository must not report that repository.
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "site").mkdir()
    assert git_commit(tmp_path / "site") is None


def test_git_commit_and_dirty_flag_of_a_work_tree(tmp_path):
    def git(*args):
        done = subprocess.run(
            ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t", *args],
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    git("init", "-q")
    (tmp_path / "model.py").write_text("a = 1\n")
    git("add", "model.py")
    git("commit", "-q", "-m", "first")
    head = git("rev-parse", "HEAD")
    assert git_commit(tmp_path) == {"commit": head, "dirty": False}
    (tmp_path / "model.py").write_text("a = 2\n")
    assert git_commit(tmp_path) == {"commit": head, "dirty": True}


# Issues and parties called like text columns: issues `outcome`, `kind` and `party` (beside
# `a` and `b`), parties `vote` and `true` (a Council member, with a session in round 20).
ISSUES = ["a", "b", "outcome", "kind", "party"]
AT = {"north": 0.1, "south": 0.9, "broker": 0.5, "vote": 0.5, "true": 0.5}
NAMED_LIKE_COLUMNS = make_scenario(
    issues={"outcome": "o", "kind": "k", "party": "p"},
    status_quo=dict.fromkeys(ISSUES, 0.5),
    parties={name: {"position": dict.fromkeys(ISSUES, value)} for name, value in AT.items()},
    council={
        "members": ["true", "vote", "broker"],
        "permanent": ["true"],
        "threshold": 1,
        "sessions": [20],
        "sponsor": "vote",
        "draft": dict.fromkeys(ISSUES, 0.5),
    },
    horizon=20,
)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("outcome", True),
        ("recognised_by", True),
        ("session20.vetoed_by", True),
        ("session20.vote.true", True),
        ("party", True),
        # Numbers, even where an issue or a party is called like a text column:
        ("point.outcome", False),
        ("gap.kind", False),
        ("position.vote.a", False),
        ("position.true.party", False),
        ("session20.yes", False),
        ("end_round", False),
    ],
)
def test_text_columns_are_known_by_their_whole_name(name, text):
    # The text columns of the runs table of the scenario, and of a trajectory table (`party`).
    columns = RunRecords.text_columns(NAMED_LIKE_COLUMNS) | TRAJECTORY_TEXT
    assert (name in columns) is text


def test_a_folder_of_another_format_is_refused(tmp_path):
    folder = write_run(tmp_path, AWKWARD_NAMES)
    manifest_path = folder / MANIFEST
    record = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps({**record, "format": 0}))
    with pytest.raises(ResultsError, match="results format 0, this version reads format 1"):
        read_results(folder)


def rehashed(folder: Path, name: str, edit) -> None:
    """Edit a table of `folder` with `edit(frame) -> frame`, and record its new hash in the
    manifest, as someone passing on a doctored folder would."""
    path = folder / name
    frame = pd.read_csv(path, keep_default_na=False, dtype=str)
    edit(frame).to_csv(path, index=False, lineterminator="\n")
    manifest = json.loads((folder / "manifest.json").read_text())
    data = path.read_bytes()
    manifest["files"][name] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    (folder / "manifest.json").write_text(json.dumps(manifest))


def assign(column: str, value: str):
    def edit(frame):
        frame.loc[0, column] = value
        return frame

    return edit


@pytest.mark.parametrize(
    ("name", "edit", "message"),
    [
        ("runs.csv", assign("end_round", "1000000000000000"), "end_round holds"),
        ("runs.csv", assign("end_round", "-1"), "end_round holds -1"),
        ("runs.csv", assign("outcome", "martians"), "outcome holds 'martians'"),
        ("runs.csv", assign("outcome", "ongoing"), "finished runs"),
        ("runs.csv", assign("session2.vote.true", "maybe"), r"session2\.vote\.true holds 'maybe'"),
        ("runs.csv", lambda f: f.drop(columns="position.true.a"), "no column 'position.true.a'"),
        ("runs.csv", lambda f: f.iloc[:0], r"0 rows in runs\.csv; expected one per replicate"),
        ("trajectories.csv", lambda f: f.drop(columns="replicates"), "no column 'replicates'"),
        ("trajectories.csv", assign("party", "atlantis"), "party holds 'atlantis'"),
        ("trajectories.csv", assign("kind", "rumour"), "kind holds 'rumour'"),
        ("trajectories.csv", assign("round", "-3"), "round holds -3"),
        ("trajectories.csv", lambda f: f.iloc[:0], "no rows"),
        ("trajectories.csv", lambda f: f.iloc[1:], "do not describe one run"),
        ("trajectories.csv", lambda f: pd.concat([f, f.iloc[:1]]), "do not describe one run"),
        ("trajectories.csv", assign("median", "0.123"), r"row 0 .* p05 <= median <= p95"),
    ],
)
def test_a_doctored_folder_is_refused_in_one_line(tmp_path, capsys, name, edit, message):
    folder = write_run(tmp_path, AWKWARD_NAMES)
    rehashed(folder, name, edit)
    with pytest.raises(ResultsError, match=message):
        read_results(folder)
    assert cli.main(["plot", str(folder)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_the_trajectory_reads_back_exactly(tmp_path):
    folder = write_run(tmp_path, AWKWARD_NAMES)
    results = read_results(folder)
    again = simulate(results.scenario)
    for name in ("live", "united", "positions", "proposal"):
        np.testing.assert_array_equal(
            getattr(results.trajectory, name), getattr(again.trajectory, name)
        )


def test_an_atomic_write_never_follows_a_link_planted_at_its_temporary_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import secrets

    from sim.results import write_text

    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / ".outcomes.png.aaaaaaaa.tmp").symlink_to(outside)  # a name the writer will try
    names = iter(["aaaaaaaa", "bbbbbbbb"])
    monkeypatch.setattr(secrets, "token_hex", lambda _: next(names))
    write_text(folder / "outcomes.png", "drawn")
    assert outside.read_text() == "keep me"
    assert (folder / "outcomes.png").read_text() == "drawn"
    assert not (folder / ".outcomes.png.bbbbbbbb.tmp").exists()


def test_a_new_out_being_staged_by_a_live_run_is_refused(tmp_path: Path) -> None:
    destination = tmp_path / "new"
    with ResultsFolder(destination, exact=True) as live:
        assert live.staging.parent == tmp_path
        problem = cli._unusable(destination)
        assert problem is not None and "is being written by another run, now" in problem
    assert cli._unusable(destination) is None  # the run has ended: the name is free again
