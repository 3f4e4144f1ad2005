"""The command line of experiments: `run.py sweep`, `run.py analyse` and `run.py report`.

`sweep` runs a sweep file (`sim.experiment`) into a new results folder (`sim.sweep`), or resumes
an interrupted one (`--resume DIR`), then analyses it (`sim.findings`). Exit statuses are those
of `sim.cli`; a sweep stopped by a signal keeps its finished runs and says how to resume it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tqdm import tqdm

from sim.executors import DaskCluster, Executor, ExecutorError, InProcess, LocalProcesses
from sim.experiment import Design, LoadedSweep, check_points, design_points, load_sweep
from sim.inputs import printable, shown, shown_path
from sim.launch import raise_if_stopped, say, silence_stdout, stopped
from sim.results import ResultsError, enclosing_results
from sim.scenario import ScenarioError
from sim.sweep import CHUNK_RUNS, Progress, SweepFolder, SweepSettings, run_sweep, start_sweep

INVALID = 1
USAGE = 2
BROKEN_PIPE = 141


def add_commands(commands: Any, formatter: type[argparse.HelpFormatter]) -> None:
    """Add `sweep`, `analyse` and `report` to the command line's sub-commands."""
    sweep = commands.add_parser(
        "sweep",
        help="run a declared experiment over scenario parameters",
        description="Run every point of a sweep file's design (grid, Latin hypercube, Sobol or "
        "Morris) into a new results folder, then analyse it.",
        epilog="""\
examples:
  python run.py sweep scenarios/sweeps/red_lines_vs_ripeness.yaml --workers 2
  python run.py sweep scenarios/sweeps/sobol_top10.yaml --dask-local 4
  python run.py sweep scenarios/sweeps/morris_screening.yaml --scheduler tcp://10.0.0.5:8786
  python run.py sweep --resume results/red_lines_vs_ripeness-20261128T120000Z --workers 2
  python run.py sweep SWEEP.yaml --until-ci-width 0.05 --max-replicates 20000

The folder holds sweep.yaml and scenario.yaml (as run), design.parquet, runs/part-*.parquet
(one row per run), points.parquet and points.csv (one row per point), manifest.json, the
figures and report.md. The numbers do not depend on the executor or the number of workers.""",
        formatter_class=formatter,
    )
    sweep.add_argument(
        "sweep", nargs="?", metavar="SWEEP", help="a sweep YAML file (not with --resume)"
    )
    sweep.add_argument(
        "--resume",
        type=Path,
        metavar="DIR",
        help="finish an interrupted sweep in its folder: only the missing runs are made",
    )
    sweep.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="the new or empty folder to write, not inside another results folder (default: "
        "results/<sweep name>-<UTC time>/)",
    )
    where = sweep.add_mutually_exclusive_group()
    where.add_argument(
        "--workers", type=_positive, metavar="N", help="run in N local worker processes"
    )
    where.add_argument(
        "--dask-local",
        type=_positive,
        metavar="N",
        help="start a Dask LocalCluster of N worker processes and run on it",
    )
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 (docs/cluster.md)",
    )
    sweep.add_argument(
        "--until-ci-width",
        type=_share,
        metavar="W",
        help="add replicates to each point until every outcome's 95%% interval is at most W "
        "wide, e.g. 0.05",
    )
    sweep.add_argument(
        "--max-replicates",
        type=_positive,
        metavar="N",
        help="the most replicates --until-ci-width gives a point (default: 100 x the sweep's)",
    )
    sweep.add_argument(
        "--chunk-runs",
        type=_positive,
        default=CHUNK_RUNS,
        metavar="N",
        help=f"about how many runs one task and one part file hold (default {CHUNK_RUNS})",
    )
    sweep.add_argument(
        "--dry-run",
        action="store_true",
        help="check the sweep file and print its size, without running it",
    )
    _figure_format(sweep)
    sweep.add_argument(
        "--quiet", action="store_true", help="print only the results folder; no progress bar"
    )

    analyse = commands.add_parser(
        "analyse",
        help="analyse a sweep's results folder (also run at the end of a sweep)",
        description="Draw a sweep's figures, compute its sensitivity indices and scenario "
        "discovery boxes, write its report, and print the findings.",
        epilog="example:\n  python run.py analyse results/red_lines_vs_ripeness-20261128T120000Z",
        formatter_class=formatter,
    )
    analyse.add_argument("folder", type=Path, metavar="RESULTS_DIR", help="a sweep's folder")
    analyse.add_argument(
        "--threshold",
        type=_share,
        default=0.5,
        metavar="T",
        help="scenario discovery looks for points where the target outcome's share is at "
        "least T (default 0.5)",
    )
    _figure_format(analyse)

    report = commands.add_parser(
        "report",
        help="write a sweep's one-page Markdown report",
        description="Write report.md in a sweep's folder (with its figures) and print its path.",
        epilog="example:\n  python run.py report results/red_lines_vs_ripeness-20261128T120000Z",
        formatter_class=formatter,
    )
    report.add_argument("folder", type=Path, metavar="RESULTS_DIR", help="a sweep's folder")
    _figure_format(report)


def _figure_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--figure-format",
        choices=("png", "svg", "pdf"),
        default="png",
        help="file format of the figures: png (default), svg or pdf",
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"found {text!r}; expected a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"found {value}; expected at least 1")
    return value


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"found {text!r}; expected a number") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"found {value}; expected a number in (0, 1]")
    return value


def _error(message: str, status: int = INVALID) -> int:
    say(printable(f"error: {message}"))
    return status


def sweep(args: argparse.Namespace) -> int:
    """`run.py sweep`: start (or resume) a sweep, run it, analyse it."""
    if (args.sweep is None) == (args.resume is None):
        return _error("give a sweep file, or --resume DIR (not both)", USAGE)
    if args.resume is not None:
        folder = SweepFolder(args.resume)
        try:
            record = folder.manifest()
        except ResultsError as error:
            return _error(str(error))
        total = int(record["points"])
    else:
        try:
            loaded = load_sweep(args.sweep)
        except ScenarioError as error:
            return _error(str(error))
        design = design_points(loaded)
        total = len(design.points)
        invalid = invalid_points(loaded, design)
        if args.dry_run:
            if invalid:
                return _error(invalid)
            runs = total * loaded.sweep.replicates
            print(
                f"{shown_path(args.sweep)}: ok; {loaded.sweep.design} design, {total} points x "
                f"{loaded.sweep.replicates} replicates = {runs} runs of {loaded.base.name}"
            )
            return 0
        if invalid and loaded.sweep.design in ("sobol", "morris"):
            return _error(f"{invalid}\n(a {loaded.sweep.design} analysis needs every point)")
        if invalid:
            say(printable(f"warning: {invalid}\nthey will be recorded as failed"))
        if args.out is not None and (inside := enclosing_results(args.out)) is not None:
            return _error(
                f"--out {shown_path(args.out)} lies inside the results folder "
                f"{shown_path(inside)}; choose a folder outside it",
                USAGE,
            )
        settings = SweepSettings(args.until_ci_width, args.max_replicates, args.chunk_runs)
        try:
            folder = start_sweep(
                loaded, args.out, settings=settings, command=args.command_line, design=design
            )
        except ResultsError as error:
            return _error(str(error), USAGE if args.out is not None else INVALID)
    try:
        executor = _executor(args)
    except ExecutorError as error:
        return _error(str(error))
    try:
        with _progress_bar(total, show=not args.quiet) as progress:
            outcome = run_sweep(folder, executor, progress=progress)
    except KeyboardInterrupt as error:
        stop = stopped(error)
        say(
            printable(
                f"{stop.what}: the finished runs are kept in {shown_path(folder.path)}; "
                f"finish with\n  python run.py sweep --resume {shown_path(folder.path)}"
            )
        )
        return stop.status
    except (ResultsError, ExecutorError) as error:
        place = shown_path(folder.path)
        return _error(f"{error}\nfinish later with: python run.py sweep --resume {place}")
    finally:
        executor.close()
    return _analyse(folder.path, args, quiet=args.quiet, outcome=outcome)


def analyse(args: argparse.Namespace) -> int:
    """`run.py analyse`: analyses, figures and report of a finished sweep; print the findings."""
    return _analyse(args.folder, args, quiet=False)


def report(args: argparse.Namespace) -> int:
    """`run.py report`: write the report (and its figures); print its path."""
    from sim.findings import analyse_sweep, write_findings

    try:
        findings = analyse_sweep(args.folder)
        written = write_findings(findings, args.folder, args.figure_format)
    except (ResultsError, ScenarioError) as error:
        return _error(str(error))
    print(_named(next(p for p in written if p.name == "report.md")))
    return 0


def _analyse(folder: Path, args: argparse.Namespace, quiet: bool, outcome: Any = None) -> int:
    from sim.findings import analyse_sweep, write_findings

    try:
        findings = analyse_sweep(folder, threshold=getattr(args, "threshold", 0.5))
        write_findings(findings, folder, args.figure_format)
    except (ResultsError, ScenarioError) as error:
        return _error(str(error))
    try:
        if not quiet:
            print(printable(findings.to_text()))
        if not quiet and outcome is not None:
            print(
                f"\n{outcome.points} points ({outcome.failed} failed), {outcome.runs} runs "
                f"({outcome.ran} made now)"
            )
        print(_named(folder) if quiet else f"results: {_named(folder)}", flush=True)
    except OSError as error:  # the folder is whole: only printing failed
        silence_stdout()
        where = f"the results are in {shown_path(folder)}"
        if isinstance(error, BrokenPipeError):
            return _error(f"the reader of the output went away; {where}", BROKEN_PIPE)
        return _error(f"cannot write the output ({error.strerror or error}); {where}")
    return 0


def _named(path: Path) -> str:
    """A path as printed on stdout: whole, its control characters escaped."""
    return shown(os.fspath(path), None)


COUNTED = 100_000
"""Designs up to this many points have all their invalid points counted (about 0.3 ms each)."""


def invalid_points(loaded: LoadedSweep, design: Design, shown: int = 3) -> str:
    """What is wrong with the design's invalid points (up to `shown` of them), or ""."""
    every = len(design.points) <= COUNTED
    found = check_points(loaded, design, limit=None if every else shown + 1)
    if not found:
        return ""
    count = str(len(found)) if every or len(found) <= shown else f"{shown} or more"
    lines = [f"{loaded.path}: {count} of {len(design.points)} points are invalid scenarios"]
    lines += [f"  {error}" for _, error in found[:shown]]
    return "\n".join(lines)


def _executor(args: argparse.Namespace) -> Executor:
    if args.workers:
        return LocalProcesses(args.workers)
    if args.dask_local:
        return DaskCluster(local_workers=args.dask_local)
    if args.scheduler:
        return DaskCluster(address=args.scheduler)
    return InProcess()


@contextmanager
def _progress_bar(points: int, show: bool) -> Iterator[Progress]:
    """Points done, runs per second and the time left, on stderr when it is a terminal."""
    started = time.perf_counter()
    runs = 0
    with tqdm(
        total=points,
        unit="point",
        file=sys.stderr,
        delay=0.5,
        leave=False,
        disable=not (show and sys.stderr.isatty()),
    ) as bar:

        def progress(points_done: int, runs_done: int) -> None:
            nonlocal runs
            raise_if_stopped()
            runs += runs_done
            rate = runs / max(time.perf_counter() - started, 1e-9)
            bar.set_postfix_str(f"{rate:,.0f} runs/s", refresh=False)
            bar.update(points_done)

        yield progress
