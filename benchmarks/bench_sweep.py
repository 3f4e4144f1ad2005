"""Benchmark: the sweep engine at scale -- runs per second, memory and disk of a large grid sweep.

What it runs: a grid sweep over kosovo_2007 of two parameters, Russia's position on
sovereignty (`parties.russia.position.sovereignty`, 0 to 1: would a Russia closer to
independence let the Council act?) and `ripeness` (0 to 0.25 per week of stalemate), by
default 40 x 50 = 2,000 points at 500 replicates each, i.e. 1,000,000 runs, on
`LocalProcesses(2)` (`run.py sweep --workers 2`) or, with `--dask-local N`, on a Dask
`LocalCluster` of N workers. The sweep file is written to a temporary folder (its scenario: the
absolute path of scenarios/kosovo_2007.yaml) and run with `sim.sweep.start_sweep` +
`run_sweep`, as `run.py sweep` runs it, without the analysis (figures, indices, report) that
follows. (In kosovo_2007 nearly every run of this grid ends in Kosovo's declaration; the
grid measures throughput, and its points differ in cost: the middle of Russia's range is
the slowest.)

What it reports:
- wall time of start_sweep + run_sweep (worker start-up included) and runs per second;
- CPU seconds over the sweep: of this process, of its workers, and of other processes on the
  machine (its busy time in /proc/stat minus this benchmark's), to tell a slow engine from a
  busy machine;
- peak memory of this process and all its worker processes: the peak of the sum of their
  resident sets (RSS, sampled every 0.1 s with psutil, or /proc when psutil is missing; an
  overestimate, shared library pages count once per process), the peak of the sum of their
  PSS (/proc/<pid>/smaps_rollup, every 1 s; shared pages split among the processes), this
  process alone and the largest worker; and, after the workers have exited, the kernel's
  high-water marks: VmHWM of this process and `getrusage(RUSAGE_CHILDREN).ru_maxrss` (the
  largest child);
- the size of the runs table's parquet parts (total, per run);
- measured in the same invocation, after the sweep: the single-model rate of
  benchmarks/bench_replicates.py (`best_rate`: one vectorised model of the base scenario) at
  R = 10,000 and at R = 500 (the sweep's per-point size), and, as a third reference, the
  engine's own rate in this process (`sim.sweep.run_task` on one task of points spread over
  the grid: overrides, model, tables and Arrow included); and the efficiency
  sweep rate / (workers x reference rate) for each.

Targets (the issue's): 1,000,000 runs in under 60 s with 2 workers on the 2-core machine;
peak memory (this process and its workers) under 1 GB; a sweep rate of at least 70% of
workers x the single-model rate. The script measures and prints; it asserts nothing. Other
work on the machine shows in the CPU lines; run it twice if they are large.

`--profile` instead runs one task of 20 points (spread over the grid) x 500 replicates in this
process and prints where its time goes (overrides and validation, model set-up, model steps,
records, the record's columns, identifying columns and the Arrow table) under cProfile, then
the top functions.

    python benchmarks/bench_sweep.py                      # 2,000 points x 500, --workers 2
    python benchmarks/bench_sweep.py --points 200 --replicates 100 --workers 2
    python benchmarks/bench_sweep.py --dask-local 2
    python benchmarks/bench_sweep.py --out results/bench-sweep   # keep the folder
    python benchmarks/bench_sweep.py --profile
"""

from __future__ import annotations

import argparse
import cProfile
import io
import math
import os
import pstats
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

from sim import load_scenario
from sim.executors import DaskCluster, Executor, LocalProcesses
from sim.experiment import load_sweep
from sim.sweep import CHUNK_RUNS, SweepFolder, SweepSettings, Task, run_sweep, run_task, start_sweep

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_replicates import best_rate

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "kosovo_2007.yaml"
RUSSIA = "parties.russia.position.sovereignty"
RIPENESS = "ripeness"
TARGET_SECONDS = 60.0
TARGET_MEMORY = 2**30
TARGET_EFFICIENCY = 0.70
MIB = 2**20


# --- the sweep file ------------------------------------------------------------------------


def grid_shape(points: int) -> tuple[int, int]:
    """Steps of (Russia's sovereignty, ripeness): the factorisation nearest 4:5 (40 x 50).

    A prime number of points has none with both at least 2: ripeness alone then (steps 1 for
    Russia means the parameter is left out).
    """
    best = None
    for first in range(2, points // 2 + 1):
        if points % first == 0:
            badness = abs(math.log(first / (points // first)) - math.log(4 / 5))
            if best is None or badness < best[0]:
                best = (badness, first)
    return (1, points) if best is None else (best[1], points // best[1])


def sweep_data(points: int, replicates: int) -> dict:
    """The benchmark's sweep file, as YAML data."""
    russia, ripeness = grid_shape(points)
    parameters = {}
    if russia > 1:
        parameters[RUSSIA] = {"from": 0.0, "to": 1.0, "steps": russia}
    if ripeness > 1:
        parameters[RIPENESS] = {"from": 0.0, "to": 0.25, "steps": ripeness}
    else:
        parameters[RIPENESS] = [0.05]
    return {
        "name": "bench_sweep",
        "description": "Benchmark of the sweep engine (benchmarks/bench_sweep.py).",
        "question": "Does moving Russia towards independence, or ripeness, break the deadlock?",
        "scenario": str(SCENARIO),
        "design": "grid",
        "replicates": replicates,
        "parameters": parameters,
    }


# --- memory --------------------------------------------------------------------------------


class MemorySampler:
    """Samples the RSS of this process and its descendants in a thread; keeps the peaks.

    Every `pss_every` samples it also sums their PSS (/proc/<pid>/smaps_rollup: shared pages
    split among the processes sharing them), which does not count shared libraries twice.
    """

    def __init__(self, interval: float = 0.1, pss_every: int = 10):
        self.interval = interval
        self.pss_every = pss_every
        self._samples = 0
        self.peak_total = self.peak_main = self.peak_child = self.peak_pss = 0
        self.most_processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        try:
            import psutil

            self._psutil = psutil
            self._me = psutil.Process()
            self.method = "psutil"
        except ImportError:
            self._psutil = None
            self.method = "/proc"

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        self._samples += 1
        if self._samples % self.pss_every == 1:
            pids = [os.getpid(), *self._pids()]
            pss = sum(_proc_field(pid, "smaps_rollup", "Pss") for pid in pids)
            self.peak_pss = max(self.peak_pss, pss)
        main, children = self._rss()
        self.peak_main = max(self.peak_main, main)
        self.peak_child = max(self.peak_child, *children, 0)
        self.peak_total = max(self.peak_total, main + sum(children))
        self.most_processes = max(self.most_processes, len(children))

    def _rss(self) -> tuple[int, list[int]]:
        """RSS in bytes of this process and of each descendant."""
        if self._psutil is not None:
            children = []
            for child in self._me.children(recursive=True):
                try:
                    children.append(child.memory_info().rss)
                except (self._psutil.NoSuchProcess, self._psutil.AccessDenied):
                    pass
            return self._me.memory_info().rss, children
        return _proc_rss(os.getpid()), [_proc_rss(p) for p in _proc_descendants(os.getpid())]

    def _pids(self) -> list[int]:
        """The descendants' process ids."""
        if self._psutil is not None:
            try:
                return [child.pid for child in self._me.children(recursive=True)]
            except self._psutil.NoSuchProcess:
                return []
        return _proc_descendants(os.getpid())


def _proc_status(pid: int, key: str) -> int:
    """A kB field of /proc/<pid>/status, in bytes (0 if the process is gone)."""
    return _proc_field(pid, "status", key)


def _proc_field(pid: int, name: str, key: str) -> int:
    """A kB field of /proc/<pid>/<name>, in bytes (0 if the process is gone)."""
    try:
        with open(f"/proc/{pid}/{name}", encoding="ascii") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _proc_rss(pid: int) -> int:
    return _proc_status(pid, "VmRSS")


def _proc_descendants(root: int) -> list[int]:
    """Descendants of `root`, from the parent ids in /proc/*/stat."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                parents[int(entry)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                pass
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        kids = [pid for pid, ppid in parents.items() if ppid == parent]
        found.extend(kids)
        frontier.extend(kids)
    return found


# --- references ----------------------------------------------------------------------------


def spread_task(folder: SweepFolder, runs: int) -> Task:
    """One task of whole points spread evenly over the grid, about `runs` runs."""
    from sim.sweep import Piece, _python

    loaded = folder.loaded()
    planned = folder.design()
    replicates = loaded.sweep.replicates
    count = max(1, min(len(planned), runs // replicates))
    rows = planned.iloc[[round(i * (len(planned) - 1) / max(count - 1, 1)) for i in range(count)]]
    parameters = [c for c in planned.columns if c not in ("point_id", "seed")]
    pieces = tuple(
        Piece(
            int(row["point_id"]),
            int(row["seed"]),
            {p: _python(row[p]) for p in parameters},
            0,
            replicates,
        )
        for _, row in rows.iterrows()
    )
    return Task(0, loaded.base, pieces)


def engine_rate(task: Task, repeats: int = 2) -> float:
    """Best runs per second of `run_task` on `task` in this process."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run_task(task)
        best = min(best, time.perf_counter() - start)
    return task.runs / best


# --- the benchmark -------------------------------------------------------------------------


def run(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    try:
        sweep_file = work / "bench_sweep.yaml"
        data = sweep_data(args.points, args.replicates)
        sweep_file.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        destination = args.out if args.out is not None else work / "results"
        loaded = load_sweep(sweep_file)
        shape = " x ".join(f"{len(_values(spec))} {path}" for path, spec in _specs(data))
        total_runs = args.points * args.replicates
        executor: Executor
        if args.dask_local:
            where = f"Dask LocalCluster, {args.dask_local} workers"
        else:
            where = f"LocalProcesses({args.workers})"
        print(f"sweep:      {args.points:,} points ({shape}) x {args.replicates:,} replicates")
        print(f"            = {total_runs:,} runs of {loaded.base.name}, {where}")
        print(f"            chunk_runs {args.chunk_runs:,}; load average {_load()}")

        done = [0, 0]
        last = [0.0]

        def progress(points: int, runs: int) -> None:
            done[0] += points
            done[1] += runs
            elapsed = time.perf_counter() - started
            if elapsed - last[0] >= 10 or done[0] == args.points:
                last[0] = elapsed
                rate = done[1] / max(elapsed, 1e-9)
                print(
                    f"  {elapsed:6.1f} s  {done[0]:>6,} points  {done[1]:>10,} runs  "
                    f"{rate:>8,.0f} runs/s",
                    flush=True,
                )

        cpu_before = _cpu_seconds()
        with MemorySampler() as memory:
            started = time.perf_counter()
            settings = SweepSettings(chunk_runs=args.chunk_runs)
            folder = start_sweep(loaded, destination, settings=settings)
            planned = time.perf_counter()
            executor = (
                DaskCluster(local_workers=args.dask_local)
                if args.dask_local
                else LocalProcesses(args.workers)
            )
            ready = time.perf_counter()
            try:
                outcome = run_sweep(folder, executor, progress=progress)
            finally:
                finished = time.perf_counter()
                executor.close()
            closed = time.perf_counter()
        cpu = {k: v - cpu_before[k] for k, v in _cpu_seconds().items()}
        workers = executor.workers
        wall = finished - started
        rate = outcome.ran / wall
        main_hwm = _proc_status(os.getpid(), "VmHWM")
        child_maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        parts = folder.parts()
        part_bytes = sum(p.stat().st_size for p in parts)

        print()
        print(
            f"runs made:         {outcome.ran:,} ({outcome.points:,} points, "
            f"{outcome.failed} failed)"
        )
        full = 1_000_000 / rate
        others = "" if workers == 2 else f"; this run has {workers} workers"
        print(f"wall time:         {wall:,.1f} s")
        print(
            f"  1,000,000 runs at this rate: {full:,.1f} s (target < {TARGET_SECONDS:.0f} s "
            f"with 2 workers: {_verdict(full < TARGET_SECONDS)}{others})"
        )
        print(f"  start_sweep      {planned - started:6.2f} s")
        print(f"  executor start   {ready - planned:6.2f} s")
        print(f"  run_sweep        {finished - ready:6.2f} s")
        print(f"  executor close   {closed - finished:6.2f} s (not in the wall time)")
        span = closed - started
        others = cpu["machine"] - cpu["self"] - cpu["children"]
        print(f"CPU over those {span:,.1f} s ({os.cpu_count()} cores):")
        print(
            f"  this process      {cpu['self']:7,.1f} s ({cpu['self'] / span:.0%} of a core: "
            "tallies, parquet writes, memory sampling)"
        )
        print(
            f"  worker processes  {cpu['children']:7,.1f} s ({cpu['children'] / span:.2f} cores "
            f"of the {workers} workers)"
        )
        print(
            f"  other processes   {max(others, 0):7,.1f} s ({max(others, 0) / span:.2f} cores: "
            "the machine's busy time minus this benchmark's)"
        )
        print(
            f"sweep rate:        {rate:,.0f} runs/s with {workers} workers "
            f"({rate / workers:,.0f} per worker)"
        )
        print(f"peak memory ({memory.method}, every {memory.interval} s):")
        print(
            f"  this process + workers (sum of RSS) {memory.peak_total / MIB:8,.0f} MiB  "
            f"(target < {TARGET_MEMORY / MIB:,.0f} MiB: "
            f"{_verdict(memory.peak_total < TARGET_MEMORY)})"
        )
        print(
            f"  this process + workers (sum of PSS) {memory.peak_pss / MIB:8,.0f} MiB  "
            f"(every {memory.pss_every * memory.interval:g} s; shared pages counted once)"
        )
        print(f"  this process                        {memory.peak_main / MIB:8,.0f} MiB")
        print(
            f"  largest worker process              {memory.peak_child / MIB:8,.0f} MiB  "
            f"({memory.most_processes} child processes at most)"
        )
        print(f"  VmHWM of this process               {main_hwm / MIB:8,.0f} MiB")
        print(f"  ru_maxrss of the largest child      {child_maxrss / MIB:8,.0f} MiB")
        print(
            f"runs parquet:      {part_bytes / MIB:,.1f} MiB in {len(parts)} parts "
            f"({part_bytes / max(outcome.runs, 1):,.1f} bytes per run)"
        )

        print(f"\nreferences, measured now (load average {_load()}):")
        scenario = load_scenario(SCENARIO)
        references = [
            ("single model, R=10000 (best of 3)", best_rate(scenario, 10_000, 3)),
            (
                f"single model, R={args.replicates} (best of 10)",
                best_rate(scenario, args.replicates, 10),
            ),
        ]
        task = spread_task(folder, args.chunk_runs)
        label = f"run_task in-process, {len(task.pieces)} spread points (best of 3)"
        references.append((label, engine_rate(task, repeats=3)))
        for label, reference in references:
            efficiency = rate / (workers * reference)
            verdict = _verdict(efficiency >= TARGET_EFFICIENCY)
            print(
                f"  {label:<48} {reference:>8,.0f} runs/s -> efficiency "
                f"{rate:,.0f} / ({workers} x {reference:,.0f}) = {efficiency:.0%} "
                f"(target >= {TARGET_EFFICIENCY:.0%}: {verdict})"
            )
        if args.out is not None:
            print(f"\nresults kept in {folder.path}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def profile(args: argparse.Namespace) -> None:
    """Where a task's time goes: `run_task` on 20 points x `--replicates`, in this process.

    Timed as a whole (best of 3), then under cProfile, by stage (shares by cumulative time;
    cProfile slows Python-heavy code more than numpy-heavy code).
    """
    work = Path(tempfile.mkdtemp(prefix="bench-sweep-profile-"))
    try:
        sweep_file = work / "bench_sweep.yaml"
        data = sweep_data(args.points, args.replicates)
        sweep_file.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        folder = start_sweep(load_sweep(sweep_file), work / "results")
        task = spread_task(folder, 20 * args.replicates)
        run_task(task)  # warms up imports and caches
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            run_task(task)
            best = min(best, time.perf_counter() - start)
        print(
            f"run_task: {len(task.pieces)} points x {args.replicates} replicates = "
            f"{task.runs:,} runs; {best:.3f} s, {task.runs / best:,.0f} runs/s (best of 3)\n"
        )

        run_task(task)
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.enable()
        run_task(task)
        profiler.disable()
        wall = time.perf_counter() - start
        stats = pstats.Stats(profiler)
        total = _cumulative(stats, "sim/sweep.py", "run_task")
        print(f"\ncProfile ({wall:.3f} s under the profiler), by cumulative time:")
        stages = [
            ("overrides + validation (prepare_scenario)", "sim/pipeline.py", "prepare_scenario"),
            ("model set-up (NegotiationModel.__init__)", "sim/model.py", "__init__"),
            ("model steps (NegotiationModel.step)", "sim/model.py", "step"),
            ("records (NegotiationModel.records)", "sim/model.py", "records"),
            ("record columns (RunRecords.columns)", "sim/records.py", "columns"),
        ]
        accounted = 0.0
        for label, where, name in stages:
            seconds = _cumulative(stats, where, name)
            accounted += seconds
            print(f"  {label:<52} {seconds:7.3f} s {seconds / total:6.1%}")
        piece = _cumulative(stats, "sim/sweep.py", "_run_piece")
        inner = _cumulative(stats, "sim/pipeline.py", "simulate") + _cumulative(
            stats, "sim/records.py", "columns"
        )
        label = "_run_piece's own: id columns + Arrow table"
        print(f"  {label:<52} {piece - inner:7.3f} s {(piece - inner) / total:6.1%}")
        accounted += piece - inner
        rest = total - accounted
        label = "rest: concat of the pieces' tables, simulate's glue"
        print(f"  {label:<52} {rest:7.3f} s {rest / total:6.1%}")
        print(f"  {'run_task':<52} {total:7.3f} s {1:6.1%}")
        print("\ntop 25 functions by internal time:")
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(25)
        print(_trim(text.getvalue()))
        print("\ntop 40 by cumulative time:")
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(40)
        print(_trim(text.getvalue()))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _cumulative(stats: pstats.Stats, where: str, name: str) -> float:
    """Cumulative seconds of the function `name` in a file whose path contains `where`.

    Several matches (e.g. recursion-free methods of one name in one file) are summed; the
    model's `step` is matched only in NegotiationModel's file.
    """
    total = 0.0
    for (path, _, function), (_, _, _, cumulative, _) in stats.stats.items():
        if function == name and where in path:
            total += cumulative
    return total


def _trim(text: str) -> str:
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    return "\n".join(line.replace(str(ROOT) + "/", "") for line in lines[start:] if line.strip())


def _specs(data: dict) -> list[tuple[str, object]]:
    return list(data["parameters"].items())


def _values(spec: object) -> list:
    if isinstance(spec, list):
        return spec
    return [None] * spec["steps"]


def _cpu_seconds() -> dict[str, float]:
    """CPU seconds so far: this process, its reaped children, and the whole machine (busy)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open("/proc/stat", encoding="ascii") as stat:
        ticks = [int(x) for x in stat.readline().split()[1:]]
    idle = ticks[3] + ticks[4]  # idle + iowait
    busy = (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")  # user .. steal
    return {
        "self": me.ru_utime + me.ru_stime,
        "children": kids.ru_utime + kids.ru_stime,
        "machine": busy,
    }


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=2_000, help="grid points (default 2000)")
    parser.add_argument("--replicates", type=int, default=500, help="per point (default 500)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=2, help="local worker processes")
    where.add_argument("--dask-local", type=int, metavar="N", help="a Dask LocalCluster of N")
    parser.add_argument("--chunk-runs", type=int, default=CHUNK_RUNS, help="runs per task")
    parser.add_argument(
        "--out", type=Path, help="keep the results in this new folder (default: a temporary one)"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="instead: cProfile one task of 20 points x --replicates in this process",
    )
    args = parser.parse_args()
    if args.profile:
        profile(args)
    else:
        run(args)


if __name__ == "__main__":
    main()
