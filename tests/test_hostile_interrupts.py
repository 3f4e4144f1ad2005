"""Hostile command lines: signals at every stage, a closed or full stdout, unusable folders.

A catalogue of `python run.py ...` runs, each a separate process in a fresh working directory,
each with the exit status and the message it must give and what it must leave on disk:

- signals (SIGINT, SIGTERM, SIGHUP) while the libraries load, during the simulation, while the
  figures are drawn and at a sweep of delays after that (into the commit, the printing and the
  exit). Whatever stage a signal lands in: the exit status is 128 + the signal (or that of a
  run that had finished: 0, or 1 if its output could not be written), there is no traceback,
  the message is true of what is on disk ("no complete results were written" only when no
  complete folder exists, else it names the folder), no half-written folder is visible and no
  staging folder is left;
- a stdout that is full (/dev/full), closed (`>&-`) or a pipe whose reader has gone: the folder is
  complete and the message says where;
- `--out` folders that are refused (inside another results folder, held by a live run, left by
  an interrupted one, a name too long) or fail midway (a file size limit), leaving nothing;
- `--seed` against `--set seed=`; control characters in names and arguments, always escaped.

The cases run three at a time (a module fixture), to keep the file well under a minute on two
cores. Stages are found by what a run shows on disk (its staging folder, the tables staged
before the figures) and, for the libraries' loading, by its signal mask in /proc: Linux only.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from sim.results import ResultsError, ResultsFolder

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="uses /proc, /dev/full and bash"
)

ROOT = Path(__file__).resolve().parents[1]
RUN_PY = ROOT / "run.py"
KOSOVO = ROOT / "scenarios" / "kosovo_2007.yaml"
QUICK = ("--replicates", "20", "--quiet")
TIMEOUT = 120
LONG = "x" * 250  # a legal name (255 bytes at most) whose old staging name was too long
TOO_LONG = "x" * 256
WHAT = {
    signal.SIGINT: "interrupted",
    signal.SIGTERM: "stopped by SIGTERM",
    signal.SIGHUP: "stopped by SIGHUP",
}

CLOSED = 'exec "$@" >&-'
"""A bash template: run the program with its stdout closed."""
SMALL_FILES = 'ulimit -f 2; exec "$@"'
"""A bash template: no file of more than 2 KiB (scenario.yaml is more): a disk that fills."""


@dataclass
class Result:
    """A finished process: its status, its output, its working directory, the signal sent."""

    status: int
    stdout: str
    stderr: str
    work: Path
    signal: int | None


@dataclass
class Case:
    """One command line, how it is started and stopped, and what it must do.

    `message` is the whole of stderr ("{work}" stands for the working directory), or None to
    leave it to `check`. `stop` is a signal sent once `trigger` holds (at once if None),
    `delay` seconds later.
    """

    id: str
    words: tuple[str, ...]
    status: int | None = None
    message: str | None = None
    setup: Callable[[Path, ExitStack], None] | None = None
    stdout: str = "pipe"
    shell: str | None = None
    stop: int | None = None
    trigger: Callable[[subprocess.Popen, Path], bool] | None = None
    delay: float = 0.0
    check: Callable[[Result], None] | None = None


# --- starting, stopping, looking -------------------------------------------------------------


def start(case: Case, work: Path, stack: ExitStack) -> subprocess.Popen:
    """Start `python run.py WORDS` in `work`, its stdout as the case asks."""
    program = [sys.executable, str(RUN_PY), *case.words]
    if case.shell is not None:
        program = ["bash", "-c", case.shell, "bash", *program]
    stdout = subprocess.PIPE
    if case.stdout == "full":
        stdout = stack.enter_context(open("/dev/full", "w"))
    process = subprocess.Popen(program, cwd=work, stdout=stdout, stderr=subprocess.PIPE, text=True)
    if case.stdout == "gone":  # the reader has gone before the program writes (`| head -c1`)
        process.stdout.close()
    return process


def run_case(case: Case, work: Path) -> Result:
    """Run the case to its end, signalled if it says so."""
    with ExitStack() as stack:
        if case.setup is not None:
            case.setup(work, stack)
        process = start(case, work, stack)
        if case.stop is not None:
            deadline = time.monotonic() + TIMEOUT
            while case.trigger and not case.trigger(process, work) and process.poll() is None:
                assert time.monotonic() < deadline, f"{case.id}: never reached its stage"
                time.sleep(0.005)
            time.sleep(case.delay)
            if process.poll() is None:
                process.send_signal(case.stop)
        stdout, stderr = process.communicate(timeout=TIMEOUT)
    return Result(process.returncode, stdout or "", stderr, work, case.stop)


def handlers_installed(process: subprocess.Popen, work: Path) -> bool:
    """Whether the program catches SIGTERM yet: it has begun to run (its first lines)."""
    try:
        status = Path(f"/proc/{process.pid}/status").read_text()
    except OSError:
        return False
    caught = next(line for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught.split()[1], 16) >> (signal.SIGTERM - 1) & 1)


def staging_made(process: subprocess.Popen, work: Path) -> bool:
    """Whether a staging folder exists: the libraries are loaded, the simulation begins."""
    return any(work.glob("**/.*.partial"))


def figures_begun(process: subprocess.Popen, work: Path) -> bool:
    """Whether the tables are staged: the figures are being drawn."""
    return any(work.glob("**/.*.partial/trajectories.csv"))


def hidden(work: Path) -> list[Path]:
    """Staging folders and temporary files anywhere under `work`."""
    return [p for p in work.rglob("*") if p.name.endswith((".partial", ".tmp"))]


def results_folders(work: Path) -> list[Path]:
    """Visible folders holding a manifest, relative to `work`."""
    found = [p.parent.relative_to(work) for p in work.rglob("manifest.json")]
    return sorted(p for p in found if not any(part.startswith(".") for part in p.parts))


def is_complete(folder: Path) -> bool:
    record = json.loads((folder / "manifest.json").read_text())
    return record["complete"] is True and all((folder / name).is_file() for name in record["files"])


def visible(work: Path) -> list[str]:
    return sorted(str(p.relative_to(work)) for p in work.rglob("*"))


def left(*names: str) -> Callable[[Result], None]:
    """A check: exactly `names` are in the working directory (what the setup made)."""

    def check(result: Result) -> None:
        assert visible(result.work) == sorted(names)

    return check


# --- what a stopped run must show ------------------------------------------------------------


def stopped_cleanly(made: tuple[str, ...], at_once: bool) -> Callable[[Result], None]:
    """The invariants of a run sent a signal, whatever stage it landed in.

    Args:
        made: what the case's setup put in the working directory (it must be all that is left
            when no complete results were written).
        at_once: whether the signal was sent as the process started, when it may kill Python
            before the program has run a line.
    """

    def check(result: Result) -> None:
        err, work = result.stderr, result.work
        assert "Traceback" not in err and "Exception ignored" not in err, err
        assert hidden(work) == [], hidden(work)
        folders = results_folders(work)
        assert all(is_complete(work / f) for f in folders), "an incomplete folder is visible"
        signum = result.signal
        what = WHAT[signum]
        if result.status == -signum:  # killed before Python ran a line of the program
            assert at_once and err == "" and visible(work) == sorted(made)
        elif result.status == 0:  # it had finished
            assert len(folders) == 1 and err == ""
            assert result.stdout in ("", f"{folders[0]}\n")
        elif result.status == 1:  # it had finished, but the output could not be written
            (folder,) = folders
            assert err.startswith("error: cannot write the output (")
            assert err.endswith(f"); the complete results are in {folder}\n")
        elif folders:
            (folder,) = folders
            assert result.status == 128 + signum
            assert err == f"{what}: the complete results are in {folder}\n"
        else:
            assert result.status == 128 + signum, err
            assert err in (f"{what}\n", f"{what}: no complete results were written\n")
            assert visible(work) == sorted(made), "something was left behind"

    return check


def empty_out(work: Path, stack: ExitStack) -> None:
    (work / "out").mkdir()


def stop_case(
    id: str,
    signum: int,
    trigger: Callable[[subprocess.Popen, Path], bool] | None,
    delay: float,
    where: str,
    stdout: str = "pipe",
) -> Case:
    """A run of Kosovo into `where` (new, empty: an existing empty --out, default: results/)."""
    out = () if where == "default" else ("--out", "out")
    made = ("out",) if where == "empty" else ()
    return Case(
        id=id,
        words=(str(KOSOVO), *QUICK, *out),
        setup=empty_out if where == "empty" else None,
        shell=CLOSED if stdout == "closed" else None,
        stop=signum,
        trigger=trigger,
        delay=delay,
        check=stopped_cleanly(made, at_once=trigger is None),
    )


STOPS = [
    # At once: Python may not have run a line of the program yet (SIGTERM then kills it).
    stop_case("at-once-sigterm", signal.SIGTERM, None, 0.0, "new"),
    # While the libraries load: from the program's first lines on, at a sweep of delays.
    stop_case("loading-sigint-0s", signal.SIGINT, handlers_installed, 0.0, "new"),
    stop_case("loading-sigterm-0.05s", signal.SIGTERM, handlers_installed, 0.05, "new"),
    stop_case("loading-sighup-0.2s", signal.SIGHUP, handlers_installed, 0.2, "empty"),
    stop_case("loading-sigint-0.4s", signal.SIGINT, handlers_installed, 0.4, "default"),
    stop_case("loading-sigterm-0.8s", signal.SIGTERM, handlers_installed, 0.8, "empty"),
    # During the simulation (the staging folder has just been made).
    stop_case("simulating-sigint-new", signal.SIGINT, staging_made, 0.0, "new"),
    stop_case("simulating-sigterm-default", signal.SIGTERM, staging_made, 0.0, "default"),
    stop_case("simulating-sighup-empty", signal.SIGHUP, staging_made, 0.0, "empty"),
    # While the figures are drawn, then later and later: the commit, the printing, the exit.
    stop_case("figures-sigint-empty-0s", signal.SIGINT, figures_begun, 0.0, "empty"),
    stop_case("figures-sigterm-new-0.4s", signal.SIGTERM, figures_begun, 0.4, "new"),
    stop_case("late-sigint-default-0.9s", signal.SIGINT, figures_begun, 0.9, "default"),
    stop_case("late-sigterm-empty-1.3s", signal.SIGTERM, figures_begun, 1.3, "empty"),
    stop_case("late-sighup-new-1.8s", signal.SIGHUP, figures_begun, 1.8, "new", "closed"),
]


# --- a full, closed or gone stdout ------------------------------------------------------------


def complete_in(folder: str) -> Callable[[Result], None]:
    def check(result: Result) -> None:
        assert is_complete(result.work / folder)
        assert hidden(result.work) == []

    return check


def seed_recorded_as_run(result: Result) -> None:
    complete_in("out")(result)
    record = json.loads((result.work / "out" / "manifest.json").read_text())
    assert record["seed"] == 6 and record["overrides"] == {"seed": 6}


OUTPUTS = [
    Case(
        "full-stdout",
        (str(KOSOVO), *QUICK, "--set", "seed=6", "--seed", "6", "--out", "out"),
        1,
        "error: cannot write the output (No space left on device); the complete results are "
        "in out\n",
        stdout="full",
        check=seed_recorded_as_run,
    ),
    Case(
        "closed-stdout",
        (str(KOSOVO), *QUICK, "--out", "out"),
        1,
        "error: cannot write the output (standard output is closed); the complete results are "
        "in out\n",
        shell=CLOSED,
        check=complete_in("out"),
    ),
    Case(
        "reader-gone",
        (str(KOSOVO), "--replicates", "20", "--out", "out"),
        141,
        "error: the reader of the output went away; the complete results are in out\n",
        stdout="gone",
        check=complete_in("out"),
    ),
    Case(
        "schema-full-stdout",
        ("schema",),
        1,
        "error: cannot write the output: No space left on device\n",
        stdout="full",
    ),
    Case(
        "schema-closed-stdout",
        ("schema",),
        1,
        "error: cannot write the output: standard output is closed\n",
        shell=CLOSED,
    ),
]


# --- refused or failing --out folders; conflicting options; escapes -------------------------


GRID = f"""\
name: grid
question: Does the sponsor's strategy decide whether the Council resolves the dispute?
scenario: {KOSOVO}
design: grid
replicates: 20
seed: 4
parameters:
  council.strategy: [table_anyway, amend_to_avoid_veto]
"""


def results_folder(
    name: str, record: dict, sweep: bool = False
) -> Callable[[Path, ExitStack], None]:
    """A setup: a folder that holds a manifest of ours (`record`) and a table (and a sweep)."""

    def setup(work: Path, stack: ExitStack) -> None:
        (work / name).mkdir()
        (work / name / "manifest.json").write_text(json.dumps(record))
        (work / name / "runs.csv").write_text("replicate\n0\n")
        if sweep:
            (work / "grid.yaml").write_text(GRID)

    return setup


RUN_FOLDER = {"complete": True, "format": 1, "files": {}}
SWEEP_FOLDER = {"kind": "sweep", "format": 1, "status": "running"}


def staging_in_out(locked: bool) -> Callable[[Path, ExitStack], None]:
    """A setup: `out/.abc.partial`, held by a live run (this test) or left by a dead one."""

    def setup(work: Path, stack: ExitStack) -> None:
        staging = work / "out" / ".abc.partial"
        staging.mkdir(parents=True)
        if locked:
            descriptor = os.open(staging, os.O_RDONLY)
            stack.callback(os.close, descriptor)
            fcntl.flock(descriptor, fcntl.LOCK_EX)

    return setup


def a_file(name: str) -> Callable[[Path, ExitStack], None]:
    def setup(work: Path, stack: ExitStack) -> None:
        (work / name).write_text("")

    return setup


def escaped(result: Result) -> None:
    """A check: the escape character is shown as `\\x1b`, never written raw."""
    assert "\x1b" not in result.stderr + result.stdout
    assert "\\x1b[31m" in result.stderr


ESC = "\x1b[31m"

REFUSALS = [
    Case(
        "seed-and-set-seed-disagree",
        (str(KOSOVO), *QUICK, "--set", "seed=6", "--seed", "7"),
        2,
        "error: --seed 7 and --set seed=6 disagree; give the seed once\n",
        check=left(),
    ),
    Case(
        "replicates-and-set-replicates-disagree",
        (str(KOSOVO), "--replicates", "20", "--set", "replicates=30"),
        2,
        "error: --replicates 20 and --set replicates=30 disagree; give the replicates once\n",
        check=left(),
    ),
    Case(
        "out-inside-a-results-folder",
        (str(KOSOVO), *QUICK, "--out", "done/inner"),
        2,
        "error: --out done/inner lies inside the results folder {work}/done; choose a folder "
        "outside it\n",
        setup=results_folder("done", RUN_FOLDER),
        check=left("done", "done/manifest.json", "done/runs.csv"),
    ),
    Case(
        "out-inside-a-sweep-folder",
        (str(KOSOVO), *QUICK, "--out", "swept/inner"),
        2,
        "error: --out swept/inner lies inside the results folder {work}/swept; choose a folder "
        "outside it\n",
        setup=results_folder("swept", SWEEP_FOLDER),
    ),
    Case(
        "sweep-out-inside-a-results-folder",
        ("sweep", "grid.yaml", "--out", "done/sweep", "--quiet"),
        2,
        "error: --out done/sweep lies inside the results folder {work}/done; choose a folder "
        "outside it\n",
        setup=results_folder("done", RUN_FOLDER, sweep=True),
        check=left("done", "done/manifest.json", "done/runs.csv", "grid.yaml"),
    ),
    Case(
        "out-held-by-a-live-run",
        (str(KOSOVO), *QUICK, "--out", "out"),
        2,
        "error: --out out is being written by another run, now (out/.abc.partial); wait for it "
        "to end or choose another folder\n",
        setup=staging_in_out(locked=True),
        check=left("out", "out/.abc.partial"),
    ),
    Case(
        "out-left-by-an-interrupted-run",
        (str(KOSOVO), *QUICK, "--out", "out"),
        2,
        "error: --out out holds what an interrupted run left (out/.abc.partial); delete it first\n",
        setup=staging_in_out(locked=False),
    ),
    Case(
        "out-name-too-long-leaves-no-folders",
        (str(KOSOVO), *QUICK, "--out", f"new/sub/{TOO_LONG}"),
        1,
        f"error: cannot write results to …{f'new/sub/{TOO_LONG}'[-199:]}: File name too long\n",
        check=left(),
    ),
    Case(
        "out-long-legal-name",
        (str(KOSOVO), *QUICK, "--out", f"new/sub/{LONG}"),
        0,
        "",
        check=complete_in(f"new/sub/{LONG}"),
    ),
    Case(
        "disk-full-midway-leaves-no-folders",
        (str(KOSOVO), *QUICK, "--out", "new/sub/out"),
        1,
        "error: cannot write scenario.yaml: File too large\n",
        shell=SMALL_FILES,
        check=left(),
    ),
    Case(
        "disk-full-midway-leaves-no-results-folder",
        (str(KOSOVO), *QUICK),
        1,
        "error: cannot write scenario.yaml: File too large\n",
        shell=SMALL_FILES,
        check=left(),
    ),
    Case(
        "escape-in-an-unrecognized-argument",
        (str(KOSOVO), "--colour", f"{ESC}red"),
        2,
        None,
        check=escaped,
    ),
    Case(
        "escape-in-an-out-name",
        (str(KOSOVO), *QUICK, "--out", f"blocker/{ESC}out"),
        1,
        "error: cannot write results to blocker/\\x1b[31mout: Not a directory\n",
        setup=a_file("blocker"),
        check=left("blocker"),
    ),
    Case(
        "escape-in-a-plotted-folder",
        ("plot", f"{ESC}folder"),
        1,
        None,
        check=escaped,
    ),
]


CATALOGUE = [*STOPS, *OUTPUTS, *REFUSALS]


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Iterator[dict[str, Result]]:
    """Every case of the catalogue, run three at a time."""

    def one(case: Case) -> tuple[str, Result]:
        return case.id, run_case(case, tmp_path_factory.mktemp(case.id[:40]))

    with ThreadPoolExecutor(max_workers=3) as pool:
        yield dict(pool.map(one, CATALOGUE))


@pytest.mark.parametrize("case", CATALOGUE, ids=[case.id for case in CATALOGUE])
def test_hostile_command_line(case, results):
    result = results[case.id]
    assert "Traceback" not in result.stderr, result.stderr
    if case.status is not None:
        assert result.status == case.status, result.stderr
    if case.message is not None:
        assert result.stderr == case.message.format(work=result.work.resolve())
    if case.check is not None:
        case.check(result)


# --- the commit itself, in this process ------------------------------------------------------


def staged_folder(out: Path) -> ResultsFolder:
    """A results folder for `out` with a table, two figures and the manifest staged."""
    folder = ResultsFolder(out)
    for name in ("runs.csv", "outcomes.png", "trajectories.png"):
        folder.write_text(name, "x\n")
    folder.write_manifest({"complete": True, "format": 1})
    return folder


@pytest.mark.parametrize("existing", [True, False], ids=["existing-empty-out", "new-out"])
def test_ctrl_c_during_the_commit_takes_effect_after_it(tmp_path, monkeypatch, existing):
    out = tmp_path / "out"
    if existing:
        out.mkdir()
    folder = staged_folder(out)
    replace = os.replace

    def ctrl_c_then_replace(source, target):
        os.kill(os.getpid(), signal.SIGINT)
        replace(source, target)

    monkeypatch.setattr(os, "replace", ctrl_c_then_replace)
    with pytest.raises(KeyboardInterrupt):
        folder.commit()
    monkeypatch.undo()
    assert folder.written == out
    assert is_complete(out) and hidden(tmp_path) == []


def test_a_fill_that_fails_midway_leaves_the_empty_folder_empty(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    folder = staged_folder(out)
    replace, moves = os.replace, []

    def disk_full_at_the_third_move(source, target):
        moves.append(target)  # the incomplete manifest, outcomes.png, then runs.csv
        if len(moves) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        replace(source, target)

    monkeypatch.setattr(os, "replace", disk_full_at_the_third_move)
    with pytest.raises(ResultsError, match=r"cannot write .*out: No space left on device"):
        folder.commit()
    monkeypatch.undo()
    folder.discard()
    assert folder.written is None
    assert visible(tmp_path) == ["out"]
