"""Results folders: write a run's tables, scenario, manifest and figures; read them back.

A results folder holds `scenario.yaml` (the scenario exactly as run), `manifest.json` (what
ran, with which software, when, and whether the folder is complete), `runs.csv` (one row per
replicate, `RunRecords.to_frame`), `summary.csv` (one row per outcome), `trajectories.csv`
(per-round quantiles, `Trajectory.to_frame`) and the figures. `sim.pipeline.write_results`
writes one; `read_results` reads it back.

Nothing half-written ever looks whole: the folder is assembled under a hidden staging name
(beside a new destination, inside an existing empty one), each file is written to a temporary
name and renamed, the manifest is marked complete last, and only then are the staged files
moved into place (see `ResultsFolder`). An interrupted run removes its staging folder; one
killed outright leaves only a hidden `.*.partial` folder whose manifest says
`"complete": false`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import platform
import secrets
import shutil
import subprocess
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

from sim.records import TRAJECTORY_TEXT, Outcome, RunRecords, Trajectory
from sim.scenario import Scenario, ScenarioError, load_scenario
from sim.summary import Summary, summarise

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


class ResultsError(Exception):
    """A results folder that cannot be written or read; the message says why."""


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call `write(temporary)` for a temporary file beside `path`, then rename it to `path`.

    The rename is atomic on POSIX and Windows (`os.replace`), so `path` is either absent, its
    old version or the whole new file, never a part of one.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(temporary)
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


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

    The columns in `text` are read as text and only empty fields as missing: pandas would
    otherwise read a party named `nan` as missing, or `true` as a boolean. (pandas 3 parses
    floats to the last digit, so a number reads back as it was written.)
    """
    header = pd.read_csv(path, nrows=0).columns
    dtypes = {name: str for name in header if name in text}
    return pd.read_csv(path, keep_default_na=False, na_values=[""], dtype=dtypes)


def default_folder(name: str, started: datetime, root: Path = RESULTS_ROOT) -> Path:
    """`root/<name>-<UTC timestamp>`, e.g. results/kosovo_2007-20071219T150000Z."""
    return root / f"{name}-{started.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def holds_files(folder: Path) -> bool:
    """Whether `folder` exists and is not an empty directory."""
    return folder.exists() and (not folder.is_dir() or any(folder.iterdir()))


class ResultsFolder:
    """A results folder being written: files go to a staging folder until `commit`.

    Use it as a context manager: leaving the block without committing (an error, Ctrl-C)
    deletes the staging folder, so nothing is left behind.

    A new destination is staged beside it (`.<name>.<random>.partial`) and renamed into place
    whole. An existing empty folder (an `--out` made beforehand, a mount point, `.`) is staged
    inside it and filled on commit: first a manifest marked incomplete, then the files, then
    the complete manifest, so an interruption midway leaves a folder that says so.

    Args:
        destination: the folder to write. It must not hold files yet.
        exact: if False, a destination taken by the time of the commit (another run finishing
            in the same second) is replaced by the first free `<destination>-2`, `-3`, ...;
            if True (an `--out` the user chose), that is an error.
    """

    def __init__(self, destination: Path, exact: bool = True):
        self.destination = destination
        self.exact = exact
        try:
            if holds_files(destination) and exact:
                raise ResultsError(f"{destination} already holds files; choose a new folder")
            self.in_place = exact and destination.is_dir()
            if self.in_place:
                self.staging = _new_folder(destination, ".", ".partial")
            else:
                destination.parent.mkdir(parents=True, exist_ok=True)
                self.staging = _new_folder(destination.parent, f".{destination.name}.", ".partial")
        except OSError as error:
            raise ResultsError(f"cannot write results to {destination}: {_reason(error)}") from None

    def __enter__(self) -> ResultsFolder:
        return self

    def __exit__(self, *exc_info: object) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)

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
        """Move the staged files into place; returns the folder written."""
        if self.in_place:
            return self._fill()
        for target in self._candidates():
            if holds_files(target) and not self.exact:
                continue
            if holds_files(target):
                raise ResultsError(f"{target} already holds files; choose a new folder")
            try:
                os.replace(self.staging, target)
            except OSError as error:
                if not self.exact and holds_files(target):
                    continue  # taken since we looked
                raise ResultsError(f"cannot write {target}: {_reason(error)}") from None
            return target
        raise AssertionError("unreachable: candidates never run out")

    def _fill(self) -> Path:
        target = self.destination
        if any(path != self.staging for path in target.iterdir()):
            raise ResultsError(f"{target} already holds files; choose a new folder")
        staged = sorted(path for path in self.staging.iterdir() if path.name != MANIFEST)
        manifest = self.path(MANIFEST)
        try:
            if manifest.exists():
                record = json.loads(manifest.read_text(encoding="utf-8"))
                incomplete = json.dumps({**record, "complete": False}, indent=2) + "\n"
                write_text(target / MANIFEST, incomplete)
            for path in staged:
                os.replace(path, target / path.name)
            if manifest.exists():
                os.replace(manifest, target / MANIFEST)
            self.staging.rmdir()
        except OSError as error:
            raise ResultsError(f"cannot write {target}: {_reason(error)}") from None
        return target

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

    Each data file must match the size and SHA-256 its manifest records, so a table changed
    or cut short since the run is refused rather than summarised.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ResultsError(f"{folder}: no such results folder")
    try:
        record = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError(f"{folder}: no {MANIFEST}; not a results folder") from None
    except (OSError, ValueError) as error:
        raise ResultsError(f"{folder / MANIFEST}: unreadable ({error})") from None
    if not isinstance(record, dict) or record.get("complete") is not True:
        raise ResultsError(f"{folder}: the run did not finish (its manifest is incomplete)")
    if record.get("format") != FORMAT:
        raise ResultsError(
            f"{folder}: written in results format {record.get('format')}, this version reads "
            f"format {FORMAT}; rerun its scenario.yaml into a new folder"
        )
    for name in DATA_FILES:
        _check_against_manifest(folder / name, record)
    try:
        scenario = load_scenario(folder / SCENARIO)
        runs = read_csv(folder / RUNS, RunRecords.text_columns(scenario))
        records = RunRecords.from_frame(runs, scenario)
        if records.replicates != scenario.replicates:
            raise ValueError(
                f"{records.replicates} rows in {RUNS}; expected one per replicate "
                f"({scenario.replicates})"
            )
        if (records.outcome == Outcome.ONGOING).any():
            raise ValueError("outcome holds 'ongoing': a results folder holds finished runs")
        trajectory = Trajectory.from_frame(
            read_csv(folder / TRAJECTORIES, TRAJECTORY_TEXT), scenario
        )
        summary = summarise(records, scenario)
    except ScenarioError as error:
        raise ResultsError(str(error)) from None
    except OSError as error:
        raise ResultsError(f"{error.filename or folder}: {_reason(error)}") from None
    except (ValueError, KeyError, TypeError) as error:
        raise ResultsError(f"{folder}: its tables do not fit its scenario ({error})") from None
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


def _check_against_manifest(path: Path, record: dict[str, Any]) -> None:
    files = record.get("files")
    recorded = files.get(path.name) if isinstance(files, dict) else None
    if not isinstance(recorded, dict):
        raise ResultsError(f"{path.parent}: the manifest does not list {path.name}")
    try:
        size, digest = path.stat().st_size, _sha256(path)
    except OSError as error:
        raise ResultsError(f"{path}: {_reason(error)}") from None
    if (size, digest) != (recorded.get("bytes"), recorded.get("sha256")):
        raise ResultsError(
            f"{path}: changed since the run (its size or SHA-256 differs from the manifest); "
            "rerun the folder's scenario.yaml into a new folder to rebuild it"
        )


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
    "environment",
    "git_commit",
    "manifest",
    "read_csv",
    "read_results",
    "save_figure",
    "write_csv",
    "write_text",
]
