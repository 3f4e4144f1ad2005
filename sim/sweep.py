"""Running a sweep: every point of a design, streamed to a results folder that can be resumed.

A sweep (`sim.experiment`) is run point by point with the same library function as
`run.py run` (`sim.pipeline.simulate`), with the point's values as overrides. Point i's seed is
child i of the sweep's `SeedSequence(seed)` (`sim.streams.point_seeds`), and a point's
replicates are drawn in blocks of their own (`sim.streams`), so a point's runs are the same on
one worker or many, in any chunking, and asking for more replicates extends a point without
redrawing it.

The work is cut into tasks of whole pieces (replicates first..first+count-1 of one point),
about `CHUNK_RUNS` runs each. Each task's runs are written, as it finishes, to a part of the
runs table, `runs/part-NNNNN.parquet`, atomically; a piece that raises is written with its error
to `runs/part-NNNNN.errors.json` instead. Only the tallies of finished parts stay in memory.

The folder (see `SweepFolder`):

    sweep.yaml        the sweep as run (its scenario: scenario.yaml, beside it)
    scenario.yaml     the base scenario as run
    design.parquet    the planned points: point_id, seed, the parameter values
    runs/part-*.parquet    one row per run: point_id, replicate, parameters, the run record
    points.parquet, points.csv    one row per point: shares of each outcome with 95% intervals
    manifest.json     design, seed, counts, software, and status: running or complete

An interrupted sweep is resumed with `run_sweep` on its folder (`run.py sweep --resume DIR`):
it runs only the pieces whose runs are not in a part and gives the same tables.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sim.executors import Executor, InProcess
from sim.experiment import DUMMY, OUTCOME_NAMES, Design, LoadedSweep, design_points, load_sweep
from sim.inputs import InputError, read_bytes, shown, shown_path
from sim.pipeline import simulate
from sim.results import (
    TABLE_BYTES,
    ResultsError,
    atomic_write,
    default_folder,
    environment,
    holds_files,
    read_json,
    write_csv,
    write_text,
)
from sim.scenario import Scenario, ScenarioError
from sim.streams import BLOCK, point_seeds
from sim.summary import Z_95, wilson_interval

MANIFEST = "manifest.json"
SWEEP = "sweep.yaml"
SCENARIO = "scenario.yaml"
DESIGN = "design.parquet"
RUNS = "runs"
POINTS = "points.parquet"
POINTS_CSV = "points.csv"
LOCK = ".lock"
MANIFEST_KEYS = ("status", "points", "settings")
"""What a sweep's manifest must hold to be resumed or read."""
FORMAT = 1
"""The layout of sweep folders (file names, columns); the manifest records it."""

CHUNK_RUNS = 20_000
"""About how many runs one task holds (whole pieces; a point above it is cut into pieces)."""

OUTCOMES = tuple(name for name in OUTCOME_NAMES if name != "breaks")
"""The terminal outcomes, in reporting order."""

UNPACKED_BYTES = 4 * TABLE_BYTES
"""The most memory the columns read from one parquet file of a sweep folder may take once
unpacked, as its footer and dictionaries say (checked before they are unpacked): 1 GiB, room
for a part of 500 000 runs of kosovo_2007's 99 columns (25 times `CHUNK_RUNS`)."""

PART = re.compile(r"part-(\d{5,9})\.(parquet|errors\.json)")
"""The name of a part of the runs table (or of its errors), with its number."""


@dataclass(frozen=True)
class Piece:
    """Replicates `first` .. `first + count - 1` of one point."""

    point_id: int
    seed: int
    values: dict[str, Any]
    """The point's parameter values (dummy included: it goes in the table, not the scenario)."""
    first: int
    count: int


@dataclass(frozen=True)
class Task:
    """Pieces run together and written as one part of the runs table."""

    part: int
    base: Scenario
    pieces: tuple[Piece, ...]
    folder: str | None = None
    """Where the worker writes the part itself (a worker that shares this machine's files);
    None: the table goes back to be written by the process that runs the sweep."""
    returned: tuple[str, ...] = ()
    """The columns a worker that wrote its part sends back (what the tallies read)."""

    @property
    def runs(self) -> int:
        """Runs in the task."""
        return sum(piece.count for piece in self.pieces)


@dataclass(frozen=True)
class TaskResult:
    """What a task gives back: its runs as an Arrow table, and the errors of failed pieces."""

    part: int
    table: pa.Table | None
    errors: list[dict[str, Any]]
    points: list[int]
    """The points of the task (finished or failed)."""
    written: bool = False
    """Whether the worker wrote the part itself (`table` then holds only `Task.returned`)."""


def run_task(task: Task) -> TaskResult:
    """Run a task's pieces (in a worker); a piece that raises is reported, not dropped."""
    tables, errors = [], []
    for piece in task.pieces:
        try:
            tables.append(_run_piece(task.base, piece))
        except Exception as error:  # recorded in the folder with the point, never dropped
            errors.append(
                {
                    "point_id": piece.point_id,
                    "first": piece.first,
                    "count": piece.count,
                    "error": f"{type(error).__name__}: {error}",
                }
            )
    table = pa.concat_tables(tables, promote_options="permissive") if tables else None
    result = TaskResult(task.part, table, errors, sorted({p.point_id for p in task.pieces}))
    if task.folder is None:
        return result
    _write(SweepFolder(task.folder), result)  # here, instead of pickling it to the sweep
    kept = None if table is None else table.select(list(task.returned))
    return TaskResult(task.part, kept, errors, result.points, written=True)


def _run_piece(base: Scenario, piece: Piece) -> pa.Table:
    """One piece's runs: `simulate` with the point's values, then its identifying columns."""
    overrides = {path: value for path, value in piece.values.items() if path != DUMMY}
    run = simulate(
        base,
        overrides=overrides,
        replicates=piece.count,
        seed=piece.seed,
        trajectories=False,
        first_replicate=piece.first,
        source=f"point {piece.point_id}",
    )
    record = run.records.columns()
    columns: dict[str, Any] = {
        "point_id": np.full(piece.count, piece.point_id, dtype=np.int64),
        "replicate": record.pop("replicate") + piece.first,
    }
    for path, value in piece.values.items():
        columns[path] = np.repeat(np.array([value]), piece.count)
    return pa.table({**columns, **record})


# --- the folder ----------------------------------------------------------------------------


class SweepFolder:
    """A sweep's results folder: its files, its plan and what is already done."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def file(self, name: str) -> Path:
        """The path of a file of the folder."""
        return self.path / name

    def manifest(self) -> dict[str, Any]:
        """The manifest, read within limits (`sim.results.read_json`), checked to be a sweep's."""
        path = self.file(MANIFEST)
        if not os.path.lexists(path):
            raise ResultsError(f"{shown_path(self.path)}: not a sweep folder (no {MANIFEST})")
        record = read_json(path)
        if not isinstance(record, dict) or record.get("kind") != "sweep":
            raise ResultsError(f"{shown_path(path)}: not the manifest of a sweep")
        missing = [key for key in MANIFEST_KEYS if key not in record]
        if missing:
            raise ResultsError(
                f"{shown_path(path)}: no {missing[0]!r}; expected the manifest `start_sweep` writes"
            )
        for key, (expected, fits) in _MANIFEST_VALUES.items():
            if not fits(record[key]):
                raise ResultsError(
                    f"{shown_path(path)}: {key!r} holds {shown(json.dumps(record[key]))}; "
                    f"expected {expected}"
                )
        return record

    def write_manifest(self, record: dict[str, Any]) -> None:
        """Write the manifest atomically."""
        write_text(self.file(MANIFEST), json.dumps(record, indent=2) + "\n")

    def settings(self, record: dict[str, Any]) -> SweepSettings:
        """The settings the sweep runs with, from its manifest (each checked)."""
        given = record["settings"]
        for key, value in given.items():
            expected, fits = _SETTINGS.get(key, ("no such setting", lambda _: False))
            if not fits(value):
                raise ResultsError(
                    f"{shown_path(self.file(MANIFEST))}: no valid sweep settings ({shown(key)!r} "
                    f"holds {shown(json.dumps(value))}; expected {expected})"
                )
        return SweepSettings(**given)

    def loaded(self) -> LoadedSweep:
        """The sweep as run, with its base scenario, from the folder's own files."""
        try:
            return load_sweep(self.file(SWEEP))
        except ScenarioError as error:
            problem = f"the sweep as run is not valid: {error}"
            raise ResultsError(f"{shown_path(self.path)}: {problem}") from None

    def design(self) -> pd.DataFrame:
        """The planned points: `point_id` (0, 1, 2, ...), `seed` and the parameter values."""
        path = self.file(DESIGN)
        design = read_parquet(path, "the design of a sweep")
        if not {"point_id", "seed"} <= set(design.columns):
            raise ResultsError(f"{shown_path(path)}: not the design of a sweep")
        try:
            _check_whole(design["point_id"], 0, len(design) - 1)
            if not (design["point_id"].to_numpy() == np.arange(len(design))).all():
                raise ValueError("point_id is not 0, 1, 2, ... in order")
            _check_whole(design["seed"], 0, np.inf)
        except ValueError as error:
            raise ResultsError(f"{shown_path(path)}: {error}") from None
        return design

    def parts(self) -> list[Path]:
        """The parts of the runs table written so far, in order."""
        return self._named("parquet")

    def error_files(self) -> list[Path]:
        """The error records of failed pieces, in order."""
        return self._named("errors.json")

    def _named(self, kind: str) -> list[Path]:
        """The files `part-NNNNN.<kind>` of `runs/`, in order; another `part-*` is refused."""
        found = []
        for path in sorted((self.path / RUNS).glob(f"part-*.{kind}")):
            named = PART.fullmatch(path.name)
            if named is None or named[2] != kind:
                raise ResultsError(
                    f"{shown_path(path)}: not a part the sweep wrote (part-NNNNN.{kind}); "
                    "remove it and resume"
                )
            found.append(path)
        return found

    def next_part(self) -> int:
        """The number of the next part to write."""
        paths = (*self.parts(), *self.error_files())
        numbers = [int(PART.fullmatch(path.name)[1]) for path in paths]  # type: ignore[index]
        return max(numbers, default=-1) + 1

    def write_part(self, result: TaskResult) -> None:
        """Write a task's runs and errors atomically: errors first, then the runs."""
        stem = self.path / RUNS / f"part-{result.part:05d}"
        if result.errors:
            text = json.dumps(result.errors, indent=1) + "\n"
            write_text(stem.with_name(stem.name + ".errors.json"), text)
        if result.table is not None:
            table = result.table
            atomic_write(stem.with_suffix(".parquet"), lambda tmp: pq.write_table(table, tmp))

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the folder for this process while it runs the sweep (POSIX advisory lock).

        The lock file is opened without following a link and without blocking, and must be a
        regular file (a FIFO in its place would otherwise hang the sweep).

        Raises:
            ResultsError: if another process holds it (a second `--resume` of a running sweep
                would run the same pieces twice), or the lock file is not a regular file.
        """
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock
            yield
            return
        path = self.path / LOCK
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NONBLOCK | os.O_NOFOLLOW
        try:
            descriptor = os.open(path, flags, 0o666)
        except OSError as error:
            reason = error.strerror or str(error)
            raise ResultsError(f"{shown_path(path)}: cannot be opened ({reason})") from None
        with open(descriptor, "a") as handle:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                raise ResultsError(f"{shown_path(path)}: not a regular file; remove it and resume")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise ResultsError(
                    f"{shown_path(self.path)}: another process is running this sweep; wait for "
                    "it to end"
                ) from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def errors(self) -> list[dict[str, Any]]:
        """Every failed piece's error record (read within limits, each field checked)."""
        found = []
        for path in self.error_files():
            again = "delete it and resume to run those points again"
            try:
                records = read_json(path)
            except ResultsError as error:
                raise ResultsError(f"{error}: not a list of failed pieces; {again}") from None
            if not (isinstance(records, list) and all(map(_failed_piece, records))):
                raise ResultsError(
                    f"{shown_path(path)}: not a list of failed pieces (found "
                    f"{shown(json.dumps(records))}); {again}"
                )
            found.extend(records)
        return found


# --- running -------------------------------------------------------------------------------

Progress = Callable[[int, int], None]
"""Called as tasks finish, with the points and runs finished since the last call."""


@dataclass
class SweepSettings:
    """How a sweep runs (recorded in the manifest, so a resumed sweep runs the same way)."""

    until_ci_width: float | None = None
    """Add replicates to a point until every outcome's 95% interval is at most this wide."""
    max_replicates: int | None = None
    """The most replicates `until_ci_width` gives a point (default: 100 x the sweep's)."""
    chunk_runs: int = CHUNK_RUNS

    def to_dict(self) -> dict[str, Any]:
        """As recorded in the manifest."""
        return {
            "until_ci_width": self.until_ci_width,
            "max_replicates": self.max_replicates,
            "chunk_runs": self.chunk_runs,
        }


def start_sweep(
    loaded: LoadedSweep,
    destination: str | Path | None = None,
    *,
    settings: SweepSettings | None = None,
    command: Sequence[str] | None = None,
    design: Design | None = None,
) -> SweepFolder:
    """Create a sweep's folder with its plan; `run_sweep` then fills it.

    Args:
        loaded: the sweep (`sim.experiment.load_sweep`).
        destination: a new or empty folder, or None for `results/<name>-<UTC time>/`.
        settings: how to run it (default `SweepSettings()`).
        command: the command line to record.
        design: its points, if already made (`sim.experiment.design_points`).

    Raises:
        ResultsError: if the folder exists with files in it, or cannot be written.
    """
    settings = settings or SweepSettings()
    started = datetime.now(UTC)
    path = Path(destination) if destination else _new_default(loaded.sweep.name, started)
    if holds_files(path):
        raise ResultsError(f"{path} already holds files; choose a new folder")
    design = design or design_points(loaded)
    planned = design.points.copy()
    planned.insert(0, "seed", point_seeds(loaded.sweep.seed, len(planned)))
    planned.insert(0, "point_id", np.arange(len(planned), dtype=np.int64))
    folder = SweepFolder(path)
    sweep = loaded.sweep.model_copy(update={"scenario": SCENARIO})
    try:
        (path / RUNS).mkdir(parents=True, exist_ok=True)
        write_text(folder.file(SCENARIO), loaded.base.to_yaml())
        write_text(folder.file(SWEEP), sweep.to_yaml())
        atomic_write(folder.file(DESIGN), lambda tmp: planned.to_parquet(tmp, index=False))
        folder.write_manifest(
            {
                "kind": "sweep",
                "format": FORMAT,
                "status": "running",
                "name": sweep.name,
                "question": sweep.question,
                "design": sweep.design,
                "parameters": {
                    path: spec
                    for path, spec in sweep.model_dump(mode="json", by_alias=True)[
                        "parameters"
                    ].items()
                },
                "seed": sweep.seed,
                "replicates": sweep.replicates,
                "block": BLOCK,
                "points": len(planned),
                "settings": settings.to_dict(),
                "command": list(command) if command is not None else None,
                "started": started.isoformat(timespec="seconds"),
                **environment(),
            }
        )
    except OSError as error:
        raise ResultsError(f"cannot write the sweep to {path}: {error.strerror or error}") from None
    return folder


def _new_default(name: str, started: datetime) -> Path:
    """`results/<name>-<UTC time>`, with `-2`, `-3`... if taken."""
    first = path = default_folder(name, started)
    suffix = 2
    while path.exists():
        path = first.with_name(f"{first.name}-{suffix}")
        suffix += 1
    return path


@dataclass
class SweepOutcome:
    """What `run_sweep` did."""

    folder: Path
    points: int
    failed: int
    runs: int
    ran: int
    """Runs made by this call (a resumed sweep makes only the missing ones)."""
    points_table: pd.DataFrame = field(repr=False)


def run_sweep(
    folder: SweepFolder | str | Path,
    executor: Executor | None = None,
    *,
    progress: Progress | None = None,
) -> SweepOutcome:
    """Run every piece of the folder's plan that has no runs yet, then write the points table.

    Works the same on a new folder (`start_sweep`) and an interrupted one (resume): what is in
    `runs/` already is kept, failed pieces are run again.

    Raises:
        ResultsError: if the folder is not a sweep folder or cannot be written.
    """
    folder = folder if isinstance(folder, SweepFolder) else SweepFolder(folder)
    with folder.lock():
        return _run(folder, executor or InProcess(), progress)


def _run(folder: SweepFolder, executor: Executor, progress: Progress | None) -> SweepOutcome:
    record = folder.manifest()
    settings = folder.settings(record)
    loaded = folder.loaded()
    planned = folder.design()
    ran = 0
    tally = Tally.of(
        folder, _fields(loaded.sweep.outcomes), RunBounds.of(loaded, planned, settings)
    )
    wanted = dict.fromkeys(planned["point_id"].tolist(), loaded.sweep.replicates)
    tried = None
    if progress is not None:  # the points a resumed sweep has already finished
        progress(len(wanted) - len(tally.missing(wanted)), 0)
    while True:
        missing = tally.missing(wanted)
        if not missing:
            if settings.until_ci_width is None:
                break
            cap = settings.max_replicates or 100 * loaded.sweep.replicates
            more = tally.more_needed(settings.until_ci_width, cap)
            if not more:
                break
            wanted.update(more)
            continue
        if missing == tried:
            break  # the same pieces failed again: they are recorded as failed
        tried = missing
        shared = folder if getattr(executor, "shares_files", False) else None
        tasks = _tasks(folder, loaded.base, planned, missing, settings.chunk_runs, shared, tally)
        for result in executor.map_unordered(run_task, tasks):
            if not result.written:
                _write(folder, result)
            tally.add(result)
            runs = 0 if result.table is None else result.table.num_rows
            ran += runs
            if progress is not None:
                progress(len(result.points), runs)
    points = tally.points_table(planned, folder.errors())
    _write_points(folder, points)
    failed = int((points["status"] == "failed").sum())
    record.update(
        status="complete",
        finished=datetime.now(UTC).isoformat(timespec="seconds"),
        done=int(len(points) - failed),
        failed=failed,
        runs=int(points["replicates"].sum()),
    )
    folder.write_manifest(record)
    return SweepOutcome(folder.path, len(points), failed, record["runs"], ran, points)


def _write(folder: SweepFolder, result: TaskResult) -> None:
    try:
        folder.write_part(result)
    except OSError as error:
        raise ResultsError(f"cannot write to {folder.path}: {error.strerror or error}") from None


def _write_points(folder: SweepFolder, points: pd.DataFrame) -> None:
    try:
        atomic_write(folder.file(POINTS), lambda tmp: points.to_parquet(tmp, index=False))
        write_csv(folder.file(POINTS_CSV), points)
    except OSError as error:
        raise ResultsError(f"cannot write to {folder.path}: {error.strerror or error}") from None


def _tasks(
    folder: SweepFolder,
    base: Scenario,
    planned: pd.DataFrame,
    missing: dict[int, list[tuple[int, int]]],
    chunk_runs: int,
    shared: SweepFolder | None,
    tally: Tally,
) -> Iterator[Task]:
    """The missing pieces in point order, grouped into tasks of about `chunk_runs` runs.

    With a `shared` folder, workers write their parts there and send back only the columns
    the `tally` reads.
    """
    where = None if shared is None else str(shared.path)
    returned = tuple(tally.columns)
    parameters = [c for c in planned.columns if c not in ("point_id", "seed")]
    rows = planned.set_index("point_id")
    part = folder.next_part()
    pieces: list[Piece] = []
    runs = 0
    for point in sorted(missing):
        # column by column: a row of numbers would turn an integer value into a float
        values = {p: _python(rows.at[point, p]) for p in parameters}
        for first, count in missing[point]:
            for start in range(first, first + count, chunk_runs):
                size = min(chunk_runs, first + count - start)
                pieces.append(Piece(int(point), int(rows.at[point, "seed"]), values, start, size))
                runs += size
                if runs >= chunk_runs:
                    yield Task(part, base, tuple(pieces), where, returned)
                    part, pieces, runs = part + 1, [], 0
    if pieces:
        yield Task(part, base, tuple(pieces), where, returned)


def _python(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


# --- tallies -------------------------------------------------------------------------------


def _fields(outcomes: Sequence[str]) -> list[str]:
    """The per-run fields whose means the points table reports (beyond shares and rounds)."""
    return [o for o in outcomes if o not in OUTCOME_NAMES and o != "end_round"]


@dataclass
class Tally:
    """Per point: the replicates run, runs by outcome, end rounds, sums of the fields reported.

    It grows with the number of points, never with the number of runs.
    """

    fields: list[str]
    counts: pd.DataFrame = field(default_factory=pd.DataFrame)
    """point_id x outcome label -> runs."""
    rounds: pd.Series = field(default_factory=lambda: pd.Series(dtype=np.int64))
    """(point_id, end_round) -> runs."""
    sums: pd.DataFrame = field(default_factory=pd.DataFrame)
    """point_id x (field, "sum" | "count")."""
    covered: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    """Per point, the ranges of replicates run: (first, stop)."""

    @classmethod
    def of(cls, folder: SweepFolder, fields: list[str], bounds: RunBounds) -> Tally:
        """The tally of the parts already in `folder` (each checked against `bounds`)."""
        tally = cls(fields)
        for path in folder.parts():
            tally._add(_read_part(path, tally.columns, bounds))
        return tally

    @property
    def columns(self) -> list[str]:
        """The columns of the runs table a tally reads."""
        return ["point_id", "replicate", "outcome", "end_round", *self.fields]

    def add(self, result: TaskResult) -> None:
        """Add a finished task's runs."""
        if result.table is not None:
            self._add(result.table.select(self.columns).to_pandas())

    def _add(self, runs: pd.DataFrame) -> None:
        counts = pd.crosstab(runs["point_id"], runs["outcome"])
        self.counts = (
            counts.add(self.counts, fill_value=0).fillna(0) if len(self.counts) else counts
        )
        rounds = runs.groupby(["point_id", "end_round"]).size()
        self.rounds = rounds.add(self.rounds, fill_value=0) if len(self.rounds) else rounds
        if self.fields:
            sums = runs.groupby("point_id")[self.fields].agg(["sum", "count"])
            self.sums = sums.add(self.sums, fill_value=0).fillna(0) if len(self.sums) else sums
        # A part holds whole pieces, so each point's replicates in it are one range.
        spans = runs.groupby("point_id")["replicate"].agg(["min", "max"])
        for point, low, high in spans.itertuples():
            self.covered.setdefault(int(point), []).append((int(low), int(high) + 1))

    @property
    def replicates(self) -> dict[int, int]:
        """Runs per point so far."""
        return {p: sum(b - a for a, b in spans) for p, spans in self.covered.items()}

    def missing(self, wanted: dict[int, int]) -> dict[int, list[tuple[int, int]]]:
        """Per point, the ranges of replicates (first, count) not yet run out of `wanted`."""
        gaps = {}
        for point, count in wanted.items():
            start, found = 0, []
            for low, high in sorted(self.covered.get(point, [])):
                if low > start:
                    found.append((start, min(low, count) - start))
                start = max(start, high)
                if start >= count:
                    break
            if start < count:
                found.append((start, count - start))
            found = [(a, n) for a, n in found if n > 0]
            if found:
                gaps[point] = found
        return gaps

    def more_needed(self, width: float, cap: int) -> dict[int, int]:
        """Points whose widest outcome interval is wider than `width`, with new counts.

        The count is estimated from the width of the widest interval's share p: the normal
        approximation 2 z sqrt(p (1 - p) / n), or z^2 / n for a share of 0 or 1 (the Wilson
        interval's width there, Wilson 1927), rounded up to whole blocks of replicates
        (`sim.streams.BLOCK`) and capped at `cap`.
        """
        have = self.replicates
        ids = list(have)
        n = np.array([have[p] for p in ids], dtype=np.int64)
        counts = self._counts(ids)
        labels = (*OUTCOMES, "breaks")
        widths, shares = [], []
        for label in labels:
            share, low, high = _shares(counts[label], n)
            widths.append(high - low)
            shares.append(share)
        widest = np.argmax(np.array(widths), axis=0)
        more = {}
        for column, point in enumerate(ids):
            label = widest[column]
            if n[column] >= cap or widths[label][column] <= width:
                continue
            p = shares[label][column]
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                needed = max(
                    (2 * Z_95) ** 2 * p * (1 - p) / np.float64(width) ** 2,
                    Z_95**2 / np.float64(width),
                    n[column] + 1,
                )
            # a width so small that the count is no number (1e-200 squared is 0) asks for the cap
            more[point] = min(cap, math.ceil(needed / BLOCK) * BLOCK) if needed < cap else cap
        return more

    def points_table(self, planned: pd.DataFrame, errors: list[dict[str, Any]]) -> pd.DataFrame:
        """The points table (`points.parquet`): the plan, status, shares with 95% intervals.

        A point is failed if a piece of it raised and was not run since; its shares are those
        of the replicates that did run (NaN if none).
        """
        table = planned.copy()
        failed: dict[int, str] = {}
        for error in errors:
            point, first = int(error["point_id"]), int(error["first"])
            if not any(a <= first < b for a, b in self.covered.get(point, [])):
                failed.setdefault(point, str(error["error"]))
        ids = table["point_id"].tolist()
        have = self.replicates
        table["status"] = ["failed" if p in failed else "done" for p in ids]
        table["error"] = [failed.get(p, "") for p in ids]
        table["replicates"] = np.array([have.get(p, 0) for p in ids], dtype=np.int64)
        n = table["replicates"].to_numpy()
        counts = self._counts(ids)
        for label in (*OUTCOMES, "breaks"):
            share, low, high = _shares(counts[label], n)
            table[label], table[f"{label}_low"], table[f"{label}_high"] = share, low, high
        table["median_end_round"] = self._median_rounds().reindex(ids).to_numpy()
        for name in self.fields:
            total = self.sums.get((name, "sum"), pd.Series(dtype=float)).reindex(ids)
            count = self.sums.get((name, "count"), pd.Series(dtype=float)).reindex(ids)
            table[f"mean_{name}"] = (total / count.where(count > 0)).to_numpy(dtype=float)
        return table

    def _counts(self, ids: list[int]) -> dict[str, np.ndarray]:
        """Per outcome label and "breaks", the runs of each point in `ids`."""
        counts = self.counts.reindex(index=ids, columns=list(OUTCOMES), fill_value=0)
        found = {label: counts[label].to_numpy(dtype=np.int64) for label in OUTCOMES}
        found["breaks"] = counts.sum(axis=1).to_numpy(dtype=np.int64) - found["deadlock"]
        return found

    def _median_rounds(self) -> pd.Series:
        """Per point, the median end round of its runs (as `numpy.median` of them all)."""
        if not len(self.rounds):
            return pd.Series(dtype=float)
        rounds = self.rounds.sort_index().rename("runs").reset_index()
        runs = rounds["runs"].to_numpy(dtype=np.int64)
        by_point = rounds.groupby("point_id")["runs"]
        after = by_point.cumsum().to_numpy()  # runs up to and including this round
        total = by_point.transform("sum").to_numpy()
        middle = {}
        for name, position in (("low", (total - 1) // 2), ("high", total // 2)):
            holds = (after - runs <= position) & (position < after)  # the round at `position`
            middle[name] = pd.Series(
                rounds["end_round"].to_numpy(dtype=float)[holds],
                index=rounds["point_id"].to_numpy()[holds],
            )
        return (middle["low"] + middle["high"]) / 2


def _shares(k: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shares k / n with their 95% Wilson intervals (`sim.summary.wilson_interval`).

    NaN where n is 0.
    """
    share, low, high = np.full(len(k), np.nan), np.full(len(k), np.nan), np.full(len(k), np.nan)
    for i, (successes, trials) in enumerate(zip(k.tolist(), n.tolist(), strict=True)):
        if trials:
            share[i] = successes / trials
            low[i], high[i] = wilson_interval(successes, trials)
    return share, low, high


# --- reading a sweep folder back ------------------------------------------------------------


def read_runs(folder: str | Path, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The runs table of a sweep folder (every part), sorted by point and replicate.

    `columns` picks columns (`point_id` and `replicate` always come first); parts written by
    points with different Council sessions are joined with the missing columns empty. Each
    part is read within limits (`read_parquet`).
    """
    sweep = SweepFolder(folder)
    parts = sweep.parts()
    if not parts:
        return pd.DataFrame()
    keys = ["point_id", "replicate"]
    wanted = None if columns is None else [*keys, *(c for c in columns if c not in keys)]
    tables = [_parquet_table(p, "a part of the runs table", wanted) for p in parts]
    frame = pa.concat_tables(tables, promote_options="permissive").to_pandas()
    return frame.sort_values(keys, ignore_index=True)


def read_points(folder: str | Path) -> pd.DataFrame:
    """The points table of a complete sweep folder: one row per planned point, each checked.

    Raises:
        ResultsError: if the sweep is not complete, or its points table cannot be read, has
            not one row per point (`point_id` 0, 1, 2, ...), or holds a status other than done
            or failed, a count of replicates that is not a whole number, or a share (or its
            interval) outside [0, 1].
    """
    sweep = SweepFolder(folder)
    record = sweep.manifest()
    if record.get("status") != "complete":
        raise ResultsError(
            f"{shown_path(sweep.path)}: the sweep is not complete "
            f"({shown(str(record.get('status')))}); resume it with: run.py sweep --resume "
            f"{shown_path(sweep.path)}"
        )
    path = sweep.file(POINTS)
    points = read_parquet(path, "the points table of a sweep", rows=record["points"])
    try:
        _check_points(points)
    except ValueError as error:
        raise ResultsError(f"{shown_path(path)}: {error}") from None
    return points


def read_parquet(
    path: Path, what: str, columns: Sequence[str] | None = None, rows: int | None = None
) -> pd.DataFrame:
    """A parquet file of a sweep folder (`what` it should be), read within limits.

    See `_parquet_table`; `rows`, if given, is the number of rows it must have.
    """
    table = _parquet_table(path, what, columns)
    if rows is not None and table.num_rows != rows:
        raise ResultsError(
            f"{shown_path(path)}: {table.num_rows:,} rows; expected {rows:,}, one per point"
        )
    return table.to_pandas()


def _parquet_table(path: Path, what: str, columns: Sequence[str] | None = None) -> pa.Table:
    """The `columns` (default: all) of a parquet file of a sweep folder, read within limits.

    The file is read only if it is a regular file of at most `TABLE_BYTES`
    (`sim.inputs.read_bytes`); its columns must hold numbers, booleans or text; and before any
    is unpacked, what its footer says they hold (rows by columns, and their bytes unpacked),
    and then the longest text in each text column times its rows, must fit `UNPACKED_BYTES`.

    Raises:
        ResultsError: naming the file and `what` it should be, if it cannot be read so.
    """
    try:
        data = read_bytes(path, TABLE_BYTES)
    except InputError as error:
        raise ResultsError(f"{shown_path(path)}: {error}") from None
    try:
        parquet = pq.ParquetFile(pa.BufferReader(data))
        names = list(parquet.schema_arrow.names if columns is None else columns)
        texts = _text_columns(parquet.schema_arrow, names)
        _check_unpacked(parquet.metadata, names)
        coded = pq.read_table(pa.BufferReader(data), columns=texts, read_dictionary=texts)
        _check_texts(coded)
        return pq.read_table(pa.BufferReader(data), columns=names)
    except (OSError, KeyError, pa.ArrowException) as error:  # the library's words: cut short
        problem = shown(str(error).strip().split("\n")[0])
        raise ResultsError(f"{shown_path(path)}: cannot be read as {what} ({problem})") from None
    except ValueError as error:  # a check's own words
        raise ResultsError(f"{shown_path(path)}: cannot be read as {what} ({error})") from None


def _text_columns(schema: pa.Schema, names: list[str]) -> list[str]:
    """The text columns among `names`; ValueError for a missing column or one of another type."""
    texts = []
    for name in names:
        kind = schema.field(name).type  # KeyError: no such column
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            texts.append(name)
        elif not (
            pa.types.is_integer(kind)
            or pa.types.is_floating(kind)
            or pa.types.is_boolean(kind)
            or pa.types.is_null(kind)
        ):
            raise ValueError(
                f"column '{shown(name)}' holds {shown(str(kind))}; expected numbers, booleans "
                "or text"
            )
    return texts


def _check_unpacked(metadata: pq.FileMetaData, names: list[str]) -> None:
    """Check that the columns `names` take at most `UNPACKED_BYTES`, as the footer says."""
    wanted = set(names)
    packed = sum(
        group.column(c).total_uncompressed_size
        for group in map(metadata.row_group, range(metadata.num_row_groups))
        for c in range(group.num_columns)
        if group.column(c).path_in_schema in wanted
    )
    unpacked = metadata.num_rows * 8 * len(names) + packed
    if unpacked > UNPACKED_BYTES:
        raise ValueError(
            f"{metadata.num_rows:,} rows whose columns take {unpacked:,} bytes unpacked; expected "
            f"at most {UNPACKED_BYTES:,}"
        )


def _check_texts(coded: pa.Table) -> None:
    """Check that the text columns of `coded` (read as dictionaries) unpack within the limit."""
    unpacked = sum(
        len(chunk) * (pc.max(pc.binary_length(chunk.dictionary)).as_py() or 0)
        for column in coded.columns
        for chunk in column.chunks
    )
    if unpacked > UNPACKED_BYTES:
        raise ValueError(
            f"texts of {unpacked:,} bytes unpacked; expected at most {UNPACKED_BYTES:,}"
        )


@dataclass(frozen=True)
class RunBounds:
    """What the rows of a part of a sweep's runs table can hold, by its plan and settings."""

    points: int
    """Points planned: `point_id` is 0 to points - 1."""
    replicates: int
    """The most replicates a point can have: `replicate` is below it."""
    horizon: int
    """The longest horizon of a point: `end_round` is 0 to it."""

    @classmethod
    def of(cls, loaded: LoadedSweep, planned: pd.DataFrame, settings: SweepSettings) -> RunBounds:
        """The bounds of the runs of `loaded`'s plan `planned`, run with `settings`."""
        replicates = loaded.sweep.replicates
        if settings.until_ci_width is not None:
            replicates = max(replicates, settings.max_replicates or 100 * replicates)
        horizon = loaded.base.horizon
        if "horizon" in planned:
            horizon = max(horizon, int(planned["horizon"].max()))
        return cls(len(planned), replicates, horizon)


def _read_part(path: Path, columns: list[str], bounds: RunBounds) -> pd.DataFrame:
    """The `columns` of a part of the runs table, checked against `bounds`.

    Each point's replicates in a part must be one range without repeats (a part holds whole
    pieces), outcomes terminal ones, and the fields read numbers that are not infinite.
    """
    again = "delete it and resume to run its points again"
    try:
        runs = read_parquet(path, "a part of the runs table", columns)
    except ResultsError as error:
        raise ResultsError(f"{error}; {again}") from None
    try:
        _check_whole(runs["point_id"], 0, bounds.points - 1)
        _check_whole(runs["replicate"], 0, bounds.replicates - 1)
        _check_whole(runs["end_round"], 0, bounds.horizon)
        _check_labels(runs["outcome"], OUTCOMES)
        for name in columns:
            if name not in ("point_id", "replicate", "end_round", "outcome"):
                _check_numbers(runs[name], -np.inf, np.inf, missing=True)
        spans = runs.groupby("point_id")["replicate"].agg(["min", "max", "count", "nunique"])
        broken = spans[
            (spans["count"] != spans["max"] - spans["min"] + 1)
            | (spans["nunique"] != spans["count"])
        ]
        if len(broken):
            raise ValueError(
                f"the replicates of point {broken.index[0]} are not one range, each once"
            )
    except ValueError as error:
        raise ResultsError(f"{shown_path(path)}: {error}; {again}") from None
    return runs


def _check_points(points: pd.DataFrame) -> None:
    """Check a points table's plan, status, replicates and shares (ValueError if not)."""
    for name in ("point_id", "status", "replicates", "error"):
        if name not in points:
            raise ValueError(f"no column {name!r}")
    if not (points["point_id"].to_numpy() == np.arange(len(points))).all():
        raise ValueError("point_id is not 0, 1, 2, ... in order")
    _check_labels(points["status"], ("done", "failed"))
    _check_whole(points["replicates"], 0, np.inf)
    for label in (*OUTCOMES, "breaks"):
        for name in (label, f"{label}_low", f"{label}_high"):
            if name in points:
                _check_numbers(points[name], 0, 1, missing=True)


def _check_whole(values: pd.Series, low: float, high: float) -> None:
    """Check that `values` are whole numbers from `low` to `high` (ValueError if not)."""
    if not (pd.api.types.is_integer_dtype(values) or pd.api.types.is_float_dtype(values)):
        raise ValueError(f"{values.name} holds {values.dtype}; expected whole numbers")
    numbers = values.to_numpy(dtype=float)
    fits = (numbers == np.trunc(numbers)) & (numbers >= low) & (numbers <= high)
    _refuse_unless(values, fits, f"a whole number from {low:g} to {high:g}")


def _check_numbers(values: pd.Series, low: float, high: float, missing: bool) -> None:
    """Check that `values` are numbers from `low` to `high` (or missing, if allowed)."""
    if not (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)):
        raise ValueError(f"{values.name} holds {values.dtype}; expected numbers")
    numbers = values.to_numpy(dtype=float)
    fits = (numbers >= low) & (numbers <= high) & ~np.isinf(numbers)
    if missing:
        fits |= np.isnan(numbers)
    _refuse_unless(values, fits, f"a number from {low:g} to {high:g}" + (", or empty" * missing))


def _check_labels(values: pd.Series, labels: Sequence[str]) -> None:
    """Check that `values` are among `labels` (ValueError if not)."""
    fits = values.isin(labels).to_numpy()
    _refuse_unless(values, fits, "one of " + ", ".join(f"'{label}'" for label in labels))


def _refuse_unless(values: pd.Series, fits: np.ndarray, expected: str) -> None:
    if not fits.all():
        row = int(np.argmin(fits))
        found = values.iloc[row]
        found = f"'{shown(found)}'" if isinstance(found, str) else shown(str(found))
        raise ValueError(f"{values.name} holds {found}; expected {expected} (row {row})")


def _failed_piece(record: object) -> bool:
    """Whether `record` is an error record of a failed piece, as `run_task` writes it."""
    return (
        isinstance(record, dict)
        and all(
            _whole(record.get(key)) and record[key] >= 0 for key in ("point_id", "first", "count")
        )
        and isinstance(record.get("error"), str)
    )


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


_MANIFEST_VALUES: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "status": ("'running' or 'complete'", lambda value: value in ("running", "complete")),
    "points": ("a whole number, 0 or more", lambda value: _whole(value) and value >= 0),
    "settings": ("a mapping of sweep settings", lambda value: isinstance(value, dict)),
}
"""The values of a sweep's manifest `MANIFEST_KEYS` that are read: what each may be."""

_SETTINGS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "until_ci_width": (
        "a number in (0, 1], or null",
        lambda value: value is None or (_number(value) and 0 < value <= 1),
    ),
    "max_replicates": (
        "a whole number of at least 1, or null",
        lambda value: value is None or (_whole(value) and value >= 1),
    ),
    "chunk_runs": ("a whole number of at least 1", lambda value: _whole(value) and value >= 1),
}
"""The settings of a sweep (`SweepSettings`) as its manifest records them: what each may be."""
