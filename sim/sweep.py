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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.executors import Executor, InProcess
from sim.experiment import DUMMY, OUTCOME_NAMES, Design, LoadedSweep, design_points, load_sweep
from sim.pipeline import simulate
from sim.results import (
    ResultsError,
    atomic_write,
    default_folder,
    environment,
    holds_files,
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
        """The manifest, read and checked to be a sweep's."""
        path = self.file(MANIFEST)
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ResultsError(f"{self.path}: not a sweep folder (no {MANIFEST})") from None
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise ResultsError(f"{path}: cannot be read as JSON ({error})") from None
        if not isinstance(record, dict) or record.get("kind") != "sweep":
            raise ResultsError(f"{path}: not the manifest of a sweep")
        missing = [key for key in MANIFEST_KEYS if key not in record]
        if missing or not isinstance(record["points"], int):
            what = f"no {missing[0]!r}" if missing else "a 'points' that is not a whole number"
            raise ResultsError(f"{path}: {what}; expected the manifest `start_sweep` writes")
        return record

    def write_manifest(self, record: dict[str, Any]) -> None:
        """Write the manifest atomically."""
        write_text(self.file(MANIFEST), json.dumps(record, indent=2) + "\n")

    def settings(self, record: dict[str, Any]) -> SweepSettings:
        """The settings the sweep runs with, from its manifest."""
        try:
            return SweepSettings(**record["settings"])
        except (KeyError, TypeError):
            raise ResultsError(f"{self.file(MANIFEST)}: no valid sweep settings") from None

    def loaded(self) -> LoadedSweep:
        """The sweep as run, with its base scenario, from the folder's own files."""
        try:
            return load_sweep(self.file(SWEEP))
        except ScenarioError as error:
            raise ResultsError(f"{self.path}: the sweep as run is not valid: {error}") from None

    def design(self) -> pd.DataFrame:
        """The planned points: `point_id`, `seed` and the parameter values."""
        try:
            design = pd.read_parquet(self.file(DESIGN))
        except (OSError, pa.ArrowException) as error:
            raise ResultsError(f"{self.file(DESIGN)}: cannot be read ({error})") from None
        if not {"point_id", "seed"} <= set(design.columns):
            raise ResultsError(f"{self.file(DESIGN)}: not the design of a sweep")
        return design

    def parts(self) -> list[Path]:
        """The parts of the runs table written so far, in order."""
        return sorted((self.path / RUNS).glob("part-*.parquet"))

    def error_files(self) -> list[Path]:
        """The error records of failed pieces, in order."""
        return sorted((self.path / RUNS).glob("part-*.errors.json"))

    def next_part(self) -> int:
        """The number of the next part to write."""
        numbers = [int(p.name[5:10]) for p in (*self.parts(), *self.error_files())]
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

        Raises:
            ResultsError: if another process holds it (a second `--resume` of a running sweep
                would run the same pieces twice).
        """
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock
            yield
            return
        with open(self.path / LOCK, "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise ResultsError(
                    f"{self.path}: another process is running this sweep; wait for it to end"
                ) from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def errors(self) -> list[dict[str, Any]]:
        """Every failed piece's error record."""
        found = []
        for path in self.error_files():
            try:
                records = json.loads(path.read_text(encoding="utf-8"))
                found.extend(
                    {**r, "point_id": int(r["point_id"]), "first": int(r["first"])} for r in records
                )
            except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError) as error:
                raise ResultsError(
                    f"{path}: not a list of failed pieces ({error}); delete it and resume "
                    "to run those points again"
                ) from None
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
    tally = Tally.of(folder, _fields(loaded.sweep.outcomes))
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
    def of(cls, folder: SweepFolder, fields: list[str]) -> Tally:
        """The tally of the parts already in `folder`."""
        tally = cls(fields)
        for path in folder.parts():
            tally._add(_read_columns(path, tally.columns))
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
            needed = max((2 * Z_95) ** 2 * p * (1 - p) / width**2, Z_95**2 / width, n[column] + 1)
            more[point] = min(cap, math.ceil(needed / BLOCK) * BLOCK)
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


def _read_columns(path: Path, columns: list[str]) -> pd.DataFrame:
    try:
        return pq.read_table(path, columns=columns).to_pandas()
    except (OSError, pa.ArrowException) as error:
        problem = (
            f"cannot be read as a part of the runs table ({error}); delete it and resume "
            "to run its points again"
        )
        raise ResultsError(f"{path}: {problem}") from None


def read_runs(folder: str | Path, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The runs table of a sweep folder (every part), sorted by point and replicate.

    `columns` picks columns (`point_id` and `replicate` always come first); parts written by
    points with different Council sessions are joined with the missing columns empty.
    """
    sweep = SweepFolder(folder)
    parts = sweep.parts()
    if not parts:
        return pd.DataFrame()
    keys = ["point_id", "replicate"]
    wanted = None if columns is None else [*keys, *(c for c in columns if c not in keys)]
    tables = [pq.read_table(p, columns=wanted) for p in parts]
    frame = pa.concat_tables(tables, promote_options="permissive").to_pandas()
    return frame.sort_values(keys, ignore_index=True)


def read_points(folder: str | Path) -> pd.DataFrame:
    """The points table of a complete sweep folder."""
    sweep = SweepFolder(folder)
    record = sweep.manifest()
    if record.get("status") != "complete":
        raise ResultsError(
            f"{sweep.path}: the sweep is not complete ({record.get('status')}); "
            f"resume it with: run.py sweep --resume {sweep.path}"
        )
    return pd.read_parquet(sweep.file(POINTS))
