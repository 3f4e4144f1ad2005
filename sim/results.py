"""Results folders: write a run's tables, scenario, manifest and figures; read them back.

A results folder holds `scenario.yaml` (the scenario exactly as run), `manifest.json` (what
ran, with which software, when, and whether the folder is complete), `runs.csv` (one row per
replicate, `RunRecords.to_frame`), `summary.csv` (one row per outcome), `trajectories.csv`
(per-round quantiles, `Trajectory.to_frame`) and the figures. `sim.pipeline.write_results`
writes one; `read_results` reads it back.

Nothing half-written ever looks whole: the folder is assembled under a hidden staging name
(beside a new destination, inside an existing empty one), each file is written to a temporary
name and renamed, the manifest is marked complete last, and only then are the staged files
moved into place (see `ResultsFolder`). A run stopped by a signal (Ctrl-C, SIGTERM, SIGHUP)
or an error removes its staging folder and the folders it made; one killed outright (SIGKILL)
leaves only a hidden `.*.partial` staging folder, which `staging_in_use` tells from a live
run's.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import threading
import warnings
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

from sim.inputs import (
    SCENARIO_BYTES,
    InputError,
    MiB,
    decoded,
    read_bytes,
    read_text,
    shown,
    shown_path,
)
from sim.records import (
    OUTCOMES,
    TRAJECTORY_COLUMNS,
    TRAJECTORY_TEXT,
    Outcome,
    RunRecords,
    Trajectory,
    check_columns,
)
from sim.scenario import Scenario, ScenarioError, validate_scenario
from sim.summary import Summary, summarise
from sim.yaml_reading import read_yaml

RESULTS_ROOT = Path("results")
"""Where runs write their folders by default (relative to the working directory)."""

MANIFEST = "manifest.json"
SCENARIO = "scenario.yaml"
RUNS = "runs.csv"
SUMMARY = "summary.csv"
TRAJECTORIES = "trajectories.csv"
DATA_FILES = (SCENARIO, RUNS, SUMMARY, TRAJECTORIES)

FORMAT = 1
"""The layout of results folders (file names, columns); a manifest records it."""

PACKAGES = (
    "mesa",
    "numpy",
    "pandas",
    "pyarrow",
    "pydantic",
    "pyyaml",
    "matplotlib",
    "tqdm",
    "SALib",
    "scikit-learn",
    "PRIM",
    "dask",
    "distributed",
)
"""The packages whose versions a manifest records (those not installed are left out)."""


STAGING_NAME_BYTES = 200
"""The most bytes of a file's name that its staging or temporary name repeats (a name may
have 255), so a hidden working name is never too long where the name itself is not."""

HELD_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
"""The signals `signals_held` holds: those that ask a program to stop."""


class ResultsError(Exception):
    """A results folder that cannot be written or read; the message says why."""


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call `write(temporary)` for a temporary file beside `path`, then rename it to `path`.

    The rename is atomic on POSIX and Windows (`os.replace`), so `path` is either absent, its
    old version or the whole new file, never a part of one. The temporary file is created new
    under a random name first, so `write` never follows a link someone placed at its name
    (`run.py plot` writes into a folder it did not make).
    """
    temporary = _new_file(path.parent, f".{_bounded(path.name, STAGING_NAME_BYTES)}.", ".tmp")
    try:
        write(temporary)
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _new_file(parent: Path, prefix: str, suffix: str) -> Path:
    """A new, empty file with a random name and the umask's permissions."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    while True:
        path = parent / f"{prefix}{secrets.token_hex(4)}{suffix}"
        try:
            os.close(os.open(path, flags, 0o666))
        except FileExistsError:
            continue
        return path


def write_text(path: Path, text: str) -> None:
    """Write `text` (UTF-8, Unix line ends) to `path` atomically."""
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8", newline="\n"))


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    """Write `frame` as CSV (no index, NaN as an empty field) to `path` atomically."""
    atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n"))


def save_figure(path: Path, figure: Figure) -> None:
    """Save `figure` atomically in the format its file name ends with (png, svg or pdf).

    SVG and PDF files carry no creation date and SVG ids a fixed salt, so redrawing the same
    data gives the same file.
    """
    fmt = path.suffix.lstrip(".")
    metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt)
    import matplotlib  # only where figures are saved: sweep workers never load it

    with matplotlib.rc_context({"svg.hashsalt": "stalemate"}):
        atomic_write(path, lambda tmp: figure.savefig(tmp, format=fmt, metadata=metadata))


def read_csv(path: Path, text: Collection[str] = ()) -> pd.DataFrame:
    """Read a table written by `write_csv`, every number exactly as written.

    The columns in `text` are read as text and only empty fields as missing (see `_frame`).
    The file is read within `TABLE_BYTES`, and only if it is a regular file.

    Raises:
        ResultsError: if the file cannot be read, or is not a table of comma-separated values.
    """
    try:
        data = read_bytes(path, TABLE_BYTES)
    except InputError as error:
        raise ResultsError(f"{shown_path(path)}: {error}") from None
    with _reading(path):
        return _frame(_decoded(path, data), text)


def default_folder(name: str, started: datetime, root: Path = RESULTS_ROOT) -> Path:
    """`root/<name>-<UTC timestamp>`, e.g. results/kosovo_2007-20071219T150000Z."""
    return root / f"{name}-{started.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def holds_files(folder: Path) -> bool:
    """Whether `folder` exists and is not an empty directory."""
    return folder.exists() and (not folder.is_dir() or any(folder.iterdir()))


def enclosing_results(path: Path) -> Path | None:
    """The results or sweep folder that `path` lies inside (the nearest), or None.

    A folder is one if it holds a `manifest.json` written by this program (a run's or a
    sweep's), complete or not.
    """
    for folder in path.resolve().parents:
        if _written_by_us(folder / MANIFEST):
            return folder
    return None


def _written_by_us(manifest: Path) -> bool:
    try:
        record = json.loads(read_text(manifest, MiB))
    except (InputError, ValueError, RecursionError):
        return False
    return (
        isinstance(record, dict)
        and "format" in record
        and ("complete" in record or record.get("kind") == "sweep")
    )


def staging_in_use(folder: Path) -> bool:
    """Whether a live run holds the staging folder `folder` (see `ResultsFolder`).

    False where advisory locks are unknown (not POSIX) or the file system refuses them.
    """
    try:
        import fcntl
    except ImportError:  # not POSIX: no locks
        return False
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(descriptor)
    return False


def staged_beside(destination: Path) -> list[Path]:
    """The staging folders of runs writing the new folder `destination` (see `ResultsFolder`)."""
    prefix = _staging_prefix(destination)
    try:
        siblings = list(destination.parent.iterdir())
    except OSError:
        return []
    return sorted(p for p in siblings if p.name.startswith(prefix) and p.name.endswith(".partial"))


def _staging_prefix(destination: Path) -> str:
    return f".{_bounded(destination.name, STAGING_NAME_BYTES)}."


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP during the block, then act on those that came as before.

    What must not be cut short (moving a folder into place, removing a staging folder) runs in
    it, so a Ctrl-C lands before or after, never in the middle. Python runs signal handlers in
    its main thread only; in another thread the block holds nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    came: list[int] = []
    previous = {s: signal.signal(s, lambda signum, _: came.append(signum)) for s in HELD_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        for signum in came:
            _deliver(signum, previous[signum])


def _deliver(signum: int, handler: Any) -> None:
    """Act on a held signal as its handler would have."""
    if callable(handler):
        handler(signum, None)
    elif handler in (signal.SIG_DFL, None):
        signal.raise_signal(signum)


class ResultsFolder:
    """A results folder being written: files go to a staging folder until `commit`.

    Use it as a context manager (or call `discard` when done): leaving the block without
    committing (an error, Ctrl-C) deletes the staging folder and the folders made for it
    (`--out new/sub/out` makes `new` and `new/sub`), so nothing is left behind. Making the
    staging folder, the commit and the cleanup each run with signals held (`signals_held`):
    a Ctrl-C in them takes effect once they are done, and after a commit `written` says
    where the complete folder is.

    A new destination is staged beside it (`.<name>.<random>.partial`, the name cut to
    `STAGING_NAME_BYTES` bytes) and renamed into place whole. An existing empty folder (an
    `--out` made beforehand, a mount point, `.`) is staged inside it (`.<random>.partial`) and
    filled on commit: first a manifest marked incomplete, then the files, then the complete
    manifest; if a move fails, the moved files go back and the folder is empty again. (Only a
    process killed outright, SIGKILL, in those milliseconds leaves a folder whose manifest says
    it is incomplete.) The staging folder is held with an advisory lock (`fcntl.flock`, on
    POSIX), so another run can tell it from one an interrupted run left (`staging_in_use`).

    Args:
        destination: the folder to write. It must not hold files yet.
        exact: if False, a destination taken by the time of the commit (another run finishing
            in the same second) is replaced by the first free `<destination>-2`, `-3`, ...;
            if True (an `--out` the user chose), that is an error.
    """

    def __init__(self, destination: Path, exact: bool = True):
        self.destination = destination
        self.exact = exact
        self.written: Path | None = None
        """The complete folder, once committed."""
        self.staging: Path | None = None
        self._made: list[Path] = []
        self._lock: int | None = None
        try:
            with signals_held():
                self._open()
        except BaseException:
            self.discard()
            raise

    def _open(self) -> None:
        destination = self.destination
        try:
            if holds_files(destination) and self.exact:
                raise ResultsError(
                    f"{shown_path(destination)} already holds files; choose a new folder"
                )
            self.in_place = self.exact and destination.is_dir()
            if self.in_place:
                self.staging = _new_folder(destination, ".", ".partial")
            else:
                self._make(destination.parent)
                _try_name(destination)
                self.staging = _new_folder(
                    destination.parent, _staging_prefix(destination), ".partial"
                )
            self._lock = _hold(self.staging)
        except OSError as error:
            raise ResultsError(
                f"cannot write results to {shown_path(destination)}: {_reason(error)}"
            ) from None

    def _make(self, folder: Path) -> None:
        """Make `folder` and its missing parents, noting those made (outermost first)."""
        missing = []
        for path in (folder, *folder.parents):
            if path.is_dir():
                break
            missing.append(path)
        for path in reversed(missing):
            try:
                path.mkdir()
            except FileExistsError:
                continue  # made meanwhile by someone else (or a file: the next mkdir says so)
            self._made.append(path)

    def __enter__(self) -> ResultsFolder:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.discard()

    def discard(self) -> None:
        """Unless committed, remove the staging folder and the folders made for it."""
        with signals_held():
            _release(self._lock)
            self._lock = None
            if self.written is None and self.staging is not None:
                shutil.rmtree(self.staging, ignore_errors=True)
            if self.written is None:
                for folder in reversed(self._made):
                    try:
                        folder.rmdir()
                    except OSError:
                        break  # something else is in it now: it is not ours alone
            self._made = []

    def path(self, name: str) -> Path:
        """Where the file `name` is staged."""
        return self.staging / name

    def write_text(self, name: str, text: str) -> None:
        """Stage a text file."""
        self._guard(write_text, self.path(name), text)

    def write_csv(self, name: str, frame: pd.DataFrame) -> None:
        """Stage a table as CSV."""
        self._guard(write_csv, self.path(name), frame)

    def save_figure(self, name: str, figure: Figure) -> None:
        """Stage a figure; `name` ends with its format (png, svg or pdf)."""
        self._guard(save_figure, self.path(name), figure)

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Stage the manifest, with the size and SHA-256 of each data file staged so far.

        (Figures are left out: `run.py plot` redraws them from the data.)
        """
        files = {
            name: {"bytes": path.stat().st_size, "sha256": _sha256(path)}
            for name in DATA_FILES
            if (path := self.path(name)).is_file()
        }
        text = json.dumps({**manifest, "files": files}, indent=2, default=str) + "\n"
        self.write_text(MANIFEST, text)

    def commit(self) -> Path:
        """Move the staged files into place; returns the folder written (also `written`)."""
        with signals_held():
            self.written = self._fill() if self.in_place else self._rename()
            _release(self._lock)
            self._lock = None
        return self.written

    def _rename(self) -> Path:
        for target in self._candidates():
            if holds_files(target) and not self.exact:
                continue
            if holds_files(target):
                raise ResultsError(f"{shown_path(target)} already holds files; choose a new folder")
            try:
                os.replace(self.staging, target)
            except OSError as error:
                if not self.exact and holds_files(target):
                    continue  # taken since we looked
                raise ResultsError(f"cannot write {shown_path(target)}: {_reason(error)}") from None
            return target
        raise AssertionError("unreachable: candidates never run out")

    def _fill(self) -> Path:
        target = self.destination
        if any(path != self.staging for path in target.iterdir()):
            raise ResultsError(f"{shown_path(target)} already holds files; choose a new folder")
        staged = sorted(path.name for path in self.staging.iterdir() if path.name != MANIFEST)
        manifest = self.path(MANIFEST)
        moved: list[str] = []
        try:
            if manifest.exists():  # says what it is if the process is killed before the end
                record = json.loads(manifest.read_text(encoding="utf-8"))
                incomplete = json.dumps({**record, "complete": False}, indent=2) + "\n"
                write_text(target / MANIFEST, incomplete)
            for name in staged:
                os.replace(self.path(name), target / name)
                moved.append(name)
            if manifest.exists():
                os.replace(manifest, target / MANIFEST)
        except OSError as error:
            self._unfill(moved)
            raise ResultsError(f"cannot write {shown_path(target)}: {_reason(error)}") from None
        shutil.rmtree(self.staging, ignore_errors=True)
        return target

    def _unfill(self, moved: list[str]) -> None:
        """Take the files moved into the destination back out: it is empty again."""
        for name in moved:
            try:
                os.replace(self.destination / name, self.path(name))
            except OSError:
                (self.destination / name).unlink(missing_ok=True)
        (self.destination / MANIFEST).unlink(missing_ok=True)

    def _candidates(self) -> Iterator[Path]:
        yield self.destination
        if not self.exact:
            for suffix in itertools.count(2):
                yield self.destination.with_name(f"{self.destination.name}-{suffix}")

    def _guard(self, write: Callable[[Path, Any], None], path: Path, content: Any) -> None:
        try:
            write(path, content)
        except OSError as error:
            raise ResultsError(f"cannot write {path.name}: {_reason(error)}") from None


def _try_name(folder: Path) -> None:
    """Make and remove `folder`: a name the file system refuses (too long) fails before a run."""
    try:
        folder.mkdir()
    except FileExistsError:
        return
    folder.rmdir()


def _hold(folder: Path) -> int | None:
    """Open `folder` and lock it (see `staging_in_use`); None where locks are unknown."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no locks
        return None
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # a file system without locks: the run goes on unlocked
        os.close(descriptor)
        return None
    return descriptor


def _release(descriptor: int | None) -> None:
    if descriptor is not None:
        os.close(descriptor)


def manifest(
    scenario: Scenario,
    source: str | None,
    overrides: dict[str, Any],
    command: list[str] | None,
    started: datetime,
    finished: datetime,
    figure_format: str,
) -> dict[str, Any]:
    """What a results folder records about its finished run.

    (`ResultsFolder` marks a folder incomplete while it is being filled.)
    """
    return {
        "complete": True,
        "format": FORMAT,
        "stalemate": _version("stalemate"),
        "scenario": scenario.name,
        "source": source,
        "seed": scenario.seed,
        "replicates": scenario.replicates,
        "overrides": overrides,
        "command": command,
        "working_directory": str(Path.cwd()),
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "duration_seconds": round((finished - started).total_seconds(), 3),
        "figure_format": figure_format,
        **environment(),
    }


def environment() -> dict[str, Any]:
    """The software a run used: Python, the platform, package versions, the git commit."""
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": {name: v for name in PACKAGES if (v := _version(name)) is not None},
        "git": git_commit(Path(__file__).resolve().parent.parent),
    }


def git_commit(directory: Path) -> dict[str, Any] | None:
    """The commit of the git work tree rooted at `directory`, and whether tracked files differ.

    None when git is not installed or `directory` is not the root of a work tree (an installed
    package, even one inside some other repository).
    """
    # Inherited GIT_DIR, GIT_WORK_TREE (inside a git hook, say) would point git elsewhere.
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(directory), *args],
            env=environment,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return done.stdout.strip()

    try:
        if Path(git("rev-parse", "--show-toplevel")).resolve() != directory.resolve():
            return None
        commit = git("rev-parse", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no") != ""
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": dirty}


MANIFEST_BYTES = 1 * MiB
"""The largest manifest read (a run's or a sweep's is under 2 KiB)."""

MANIFEST_DEPTH = 64
"""The deepest nesting of lists and mappings read in a manifest. A run's is at most a few
levels deeper than its `overrides` (a `--set` value: at most `sim.yaml_reading.MAX_DEPTH`)."""

TABLE_BYTES = 256 * MiB
"""The largest table read. `runs.csv` of kosovo_2007 (18 parties, 3 issues, a Council of 15,
six drawn values: 99 columns) takes 1 025 bytes a replicate: 102 536 021 bytes for 100 000
replicates (measured), which `read_results` reads in 6 s at a peak of 740 MB. The limit is 2.6
times that: room for such a run of a scenario with more columns, while a table at the limit
still reads back within 2 GB."""

FILE_LIMITS = {
    SCENARIO: SCENARIO_BYTES,
    RUNS: TABLE_BYTES,
    SUMMARY: TABLE_BYTES,
    TRAJECTORIES: TABLE_BYTES,
}
"""The largest size read of each data file of a results folder."""

MANIFEST_FIELDS = {
    "complete": ("true or false",),
    "format": ("a whole number",),
    "stalemate": ("text", "null"),
    "scenario": ("text",),
    "source": ("text", "null"),
    "seed": ("a whole number",),
    "replicates": ("a whole number",),
    "overrides": ("a mapping",),
    "command": ("a list of text", "null"),
    "working_directory": ("text",),
    "started": ("text",),
    "finished": ("text",),
    "duration_seconds": ("a number",),
    "figure_format": ("text",),
    "python": ("text",),
    "platform": ("text",),
    "packages": ("a mapping of text",),
    "git": ("a mapping", "null"),
    "files": ("a mapping",),
}
"""The fields of a run's manifest (`manifest`, `environment`, `ResultsFolder.write_manifest`)
and the kinds of JSON value each may hold (`_kinds`)."""


@dataclass(frozen=True)
class Results:
    """A results folder read back: its tables, scenario, manifest and summary."""

    folder: Path
    manifest: dict[str, Any]
    scenario: Scenario
    runs: pd.DataFrame
    """One row per replicate (`runs.csv`)."""
    records: RunRecords
    """The runs table as typed records (`RunRecords.from_frame`)."""
    trajectory: Trajectory
    """The per-round quantiles as a typed trajectory (`Trajectory.from_frame`)."""
    trajectories: pd.DataFrame
    """Per-round quantiles of positions and proposals (`trajectories.csv`, as
    `trajectory.to_frame()` writes it)."""
    summary: Summary
    """The summary, recomputed from `runs` (it matches `summary.csv`)."""


def read_results(folder: str | Path) -> Results:
    """Read a complete results folder; a `ResultsError` says what is missing or wrong.

    A results folder is untrusted input. Each file is read once, only if it is a regular file,
    and only up to its limit (`MANIFEST_BYTES`, `FILE_LIMITS`; `sim.inputs.read_bytes`), so a
    FIFO, a device or a huge file in its place is refused without blocking or filling memory.
    Each data file must match the size and SHA-256 its manifest records (the bytes read are the
    bytes hashed and parsed), so a table changed or cut short since the run is refused rather
    than summarised. Whatever the hashes say, the manifest must hold the fields a run writes,
    of their kinds, and agree with the scenario; every table must hold the columns and values
    the writer writes for that scenario (`RunRecords.from_frame`, `Trajectory.from_frame`:
    rounds within the horizon, positions on their scales, known outcomes and votes), and
    `summary.csv` the summary of `runs.csv`. So no number read can make a figure allocate more
    than the scenario itself allows.

    A file may be a symbolic link, even to outside the folder (data managers such as git-annex
    or DataLad store files so): it is read within the same limits, and a data file is parsed
    (and quoted in a message) only once its SHA-256 is the manifest's.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ResultsError(f"{shown_path(folder)}: no such results folder")
    if not os.path.lexists(folder / MANIFEST):
        raise ResultsError(f"{shown_path(folder)}: no {MANIFEST}; not a results folder")
    record = _read_manifest(folder / MANIFEST)
    texts = {name: _read_listed(folder / name, record) for name in DATA_FILES}
    scenario = _read_scenario(folder / SCENARIO, texts.pop(SCENARIO))
    _check_run(folder / MANIFEST, record, scenario)
    runs_text = texts.pop(RUNS)
    with _reading(folder / RUNS):
        _check_header(runs_text, RunRecords.column_names(scenario))
    if (rows := _rows(runs_text)) != scenario.replicates:
        raise ResultsError(
            f"{shown_path(folder)}: {rows:,} rows in {RUNS}; expected one per replicate "
            f"({scenario.replicates:,}, as its manifest and {SCENARIO} say)"
        )
    with _reading(folder / RUNS):
        runs = _frame(runs_text, RunRecords.text_columns(scenario))
        records = RunRecords.from_frame(runs, scenario)
        _check_finished(records)
    with _reading(folder / TRAJECTORIES):
        trajectory = _read_trajectory(texts.pop(TRAJECTORIES), scenario)
    summary = summarise(records, scenario)
    with _reading(folder / SUMMARY):
        _check_summary(texts.pop(SUMMARY), summary)
    return Results(
        folder=folder,
        manifest=record,
        scenario=scenario,
        runs=runs,
        records=records,
        trajectory=trajectory,
        trajectories=trajectory.to_frame(),
        summary=summary,
    )


def read_json(path: Path, limit: int = MANIFEST_BYTES) -> Any:
    """The JSON document in the file `path`: at most `limit` bytes, `MANIFEST_DEPTH` deep.

    The nesting is counted before the text is parsed, so no nesting can exhaust the stack.

    Raises:
        ResultsError: naming the file, if it cannot be read or is not such a document.
    """
    try:
        text = read_text(path, limit)
    except InputError as error:
        raise ResultsError(f"{shown_path(path)}: {error}") from None
    depth = _nesting(text)
    if depth > MANIFEST_DEPTH:
        raise ResultsError(
            f"{shown_path(path)}: lists and mappings nested {depth:,} deep; expected at most "
            f"{MANIFEST_DEPTH}"
        )
    try:
        return json.loads(text)
    except ValueError as error:
        raise ResultsError(f"{shown_path(path)}: unreadable JSON ({shown(str(error))})") from None


_ESCAPED = re.compile(r"\\.", re.DOTALL)
_QUOTED = re.compile(r'"[^"]*"')


def _nesting(text: str) -> int:
    """How deep the lists and mappings of the JSON `text` nest (brackets in strings aside)."""
    bare = _QUOTED.sub("", _ESCAPED.sub("", text))
    steps = (1 if bracket in "[{" else -1 for bracket in bare if bracket in "[]{}")
    return max(itertools.accumulate(steps), default=0)


def _read_manifest(path: Path) -> dict[str, Any]:
    """A complete run's manifest of this format, with each field a run writes, of its kind."""
    record = read_json(path)
    if not isinstance(record, dict):
        raise ResultsError(
            f"{shown_path(path)}: holds {shown(json.dumps(record))}; expected a mapping of the "
            "fields a run writes"
        )
    if record.get("complete") is not True:
        raise ResultsError(
            f"{shown_path(path.parent)}: the run did not finish (its manifest is incomplete)"
        )
    if record.get("format") != FORMAT:
        raise ResultsError(
            f"{shown_path(path.parent)}: written in results format "
            f"{shown(json.dumps(record.get('format')))}, this version reads format {FORMAT}; "
            "rerun its scenario.yaml into a new folder"
        )
    for name, kinds in MANIFEST_FIELDS.items():
        if name not in record:
            raise ResultsError(
                f"{shown_path(path)}: no field '{name}'; expected the fields a run writes"
            )
        if not _kinds(record[name]) & set(kinds):
            raise ResultsError(
                f"{shown_path(path)}: '{name}' holds {shown(json.dumps(record[name]))}; "
                f"expected {' or '.join(kinds)}"
            )
    return record


def _kinds(value: Any) -> set[str]:
    """The kinds of JSON value `value` is, as `MANIFEST_FIELDS` names them."""
    if value is None:
        return {"null"}
    if isinstance(value, bool):
        return {"true or false"}
    if isinstance(value, int):
        return {"a whole number", "a number"}
    if isinstance(value, float):
        return {"a number"}
    if isinstance(value, str):
        return {"text"}
    kind = "a list" if isinstance(value, list) else "a mapping"
    items = value if isinstance(value, list) else value.values()
    return {kind, f"{kind} of text"} if all(isinstance(i, str) for i in items) else {kind}


def _read_listed(path: Path, record: dict[str, Any]) -> str:
    """The text of the data file `path`, once its size and SHA-256 are the manifest's."""
    recorded = record["files"].get(path.name)
    if not (
        isinstance(recorded, dict)
        and "a whole number" in _kinds(recorded.get("bytes"))
        and "text" in _kinds(recorded.get("sha256"))
    ):
        raise ResultsError(
            f"{shown_path(path.parent / MANIFEST)}: does not list {path.name} with its "
            "'bytes' and 'sha256'; expected every data file listed"
        )
    try:
        data = read_bytes(path, FILE_LIMITS[path.name])
    except InputError as error:
        raise ResultsError(f"{shown_path(path)}: {error}") from None
    if (len(data), hashlib.sha256(data).hexdigest()) != (recorded["bytes"], recorded["sha256"]):
        raise ResultsError(
            f"{shown_path(path)}: changed since the run (its size or SHA-256 differs from the "
            "manifest); rerun the folder's scenario.yaml into a new folder to rebuild it"
        )
    return _decoded(path, data)


def _decoded(path: Path, data: bytes) -> str:
    """`data` read from `path` as UTF-8 text; a `ResultsError` says where it is not."""
    try:
        return decoded(data)
    except InputError as error:
        raise ResultsError(f"{shown_path(path)}: {error}") from None


def _read_scenario(path: Path, text: str) -> Scenario:
    """The scenario as run, from the text of its `scenario.yaml`.

    It is a whole scenario, never a variant: the writer writes no `extends`, so no other file
    is read.
    """
    source = shown_path(path)
    try:
        return validate_scenario(read_yaml(text, source), source)
    except ScenarioError as error:
        raise ResultsError(str(error)) from None


def _check_run(path: Path, record: dict[str, Any], scenario: Scenario) -> None:
    """Check that the manifest `record` names the scenario, seed and replicates of `scenario`."""
    for name, value in (
        ("scenario", scenario.name),
        ("seed", scenario.seed),
        ("replicates", scenario.replicates),
    ):
        if record[name] != value:
            raise ResultsError(
                f"{shown_path(path)}: '{name}' holds {shown(json.dumps(record[name]))}; "
                f"expected {value}, as in {SCENARIO}"
            )


def _read_trajectory(text: str, scenario: Scenario) -> Trajectory:
    """The trajectory in the text of `trajectories.csv` of a run of `scenario`.

    It may have at most as many rows as such a run writes, counted before a frame is built.
    """
    _check_header(text, TRAJECTORY_COLUMNS)
    parties, issues = len(scenario.parties), len(scenario.issues)
    most = (scenario.horizon + 1) * (parties + 1) * issues
    if (rows := _rows(text)) > most:
        raise ValueError(
            f"{rows:,} rows; expected at most {most:,}: per round (0 to the horizon "
            f"{scenario.horizon}), a row per party ({parties}) and issue ({issues}), and one per "
            "issue for the proposals"
        )
    return Trajectory.from_frame(_frame(text, TRAJECTORY_TEXT), scenario)


def _rows(text: str) -> int:
    """The rows of the CSV `text`: its lines after the header (one a row: see `_frame`)."""
    return text.count("\n") + (not text.endswith("\n")) - 1


def _check_finished(records: RunRecords) -> None:
    """Check that every replicate of `records` has ended (a results folder holds finished runs)."""
    ongoing = records.outcome == Outcome.ONGOING
    if ongoing.any():
        finished = ", ".join(f"'{o.label}'" for o in OUTCOMES)
        raise ValueError(
            f"outcome holds 'ongoing'; expected one of {finished}: a results folder holds "
            f"finished runs (row {ongoing.argmax()})"
        )


def _check_summary(text: str, summary: Summary) -> None:
    """Check that the text of `summary.csv` is `summary` as the writer writes it (`write_csv`)."""
    written = summary.outcomes.to_csv(index=False, lineterminator="\n")
    if text == written:
        return
    lines = enumerate(itertools.zip_longest(text.split("\n"), written.split("\n")), 1)
    number, (found, expected) = next((n, pair) for n, pair in lines if pair[0] != pair[1])
    raise ValueError(
        f"line {number} is {_quoted(found)}; expected {_quoted(expected)}, the summary of {RUNS}"
    )


def _quoted(line: str | None) -> str:
    return "the end of the file" if line is None else f"'{shown(line)}'"


def _check_header(text: str, columns: Sequence[str]) -> None:
    """Check that the header line of the CSV `text` names exactly `columns` (`check_columns`).

    The line is split into at most one field more than `columns`, so a header of any number of
    columns is refused at no cost, before a frame is built.
    """
    header = text.partition("\n")[0]
    if not header:
        raise ValueError(f"no header line; expected one naming {len(columns)} columns")
    found = header.split(",", len(columns))
    if len(found) > len(columns):
        raise ValueError(f"{header.count(',') + 1:,} columns; expected {len(columns)}")
    check_columns(found, columns)


def _frame(text: str, text_columns: Collection[str]) -> pd.DataFrame:
    """The CSV `text` as a frame: numbers exactly as written, `text_columns` as text.

    Only empty fields are missing: pandas would otherwise read a party named `nan` as
    missing, or `true` as a boolean. (pandas 3 parses floats to the last digit, so a number
    reads back as it was written.) The writer quotes nothing (names hold no comma or quote)
    and ends lines with a line feed alone, so a quote or a carriage return is read as itself,
    and each line is one row, a blank one too (`_rows`). Raises ValueError if a row has more
    fields than the header.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            return pd.read_csv(
                io.StringIO(text),
                keep_default_na=False,
                na_values=[""],
                dtype=dict.fromkeys(text_columns, str),
                index_col=False,
                quoting=csv.QUOTE_NONE,
                lineterminator="\n",
                skip_blank_lines=False,
            )
        except pd.errors.ParserWarning:
            raise ValueError("a row has more fields than the header") from None
        except pd.errors.ParserError as error:
            problem = shown(str(error).strip(), None)
            raise ValueError(f"not a table as written ({problem})") from None


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    """Turn a ValueError raised while the file `path` is read into a `ResultsError` naming it."""
    try:
        yield
    except ValueError as error:
        raise ResultsError(f"{shown_path(path)}: {error}") from None


def _bounded(name: str, limit: int) -> str:
    """The longest start of `name` that is at most `limit` bytes in the file system's encoding."""
    cut = name[:limit]
    while len(os.fsencode(cut)) > limit:
        cut = cut[:-1]
    return cut


def _new_folder(parent: Path, prefix: str, suffix: str) -> Path:
    """A new folder with a random name and the umask's permissions.

    (`tempfile.mkdtemp` would make it private, and it becomes the results folder.)
    """
    while True:
        folder = parent / f"{prefix}{secrets.token_hex(4)}{suffix}"
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return folder


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


__all__ = [
    "RESULTS_ROOT",
    "Results",
    "ResultsError",
    "ResultsFolder",
    "atomic_write",
    "default_folder",
    "enclosing_results",
    "environment",
    "git_commit",
    "holds_files",
    "manifest",
    "read_csv",
    "read_json",
    "read_results",
    "save_figure",
    "signals_held",
    "staged_beside",
    "staging_in_use",
    "write_csv",
    "write_text",
]
