"""Benchmark: where the time of `python run.py SCENARIO` goes, stage by stage.

Times, for one scenario (default kosovo_2007) at its replicate count (default 10 000), the
library functions the command calls (`sim.pipeline`): `simulate` without and with per-round
trajectories, then the parts of `write_results` (the runs table, writing the CSV files, drawing
and saving the figures) and the whole of it; then the whole command (in this process, and as a
new `python run.py` process, imports included, whose peak resident memory it prints).

    python benchmarks/bench_run_command.py [SCENARIO] [--replicates 10000]
"""

from __future__ import annotations

import argparse
import io
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager, redirect_stdout
from pathlib import Path

from sim import cli, load_scenario, simulate, write_results
from sim.plots import render_figures
from sim.results import save_figure, write_csv
from sim.scenario import with_overrides

RUN_PY = Path(__file__).resolve().parents[1] / "run.py"


@contextmanager
def timed(label: str):
    start = time.perf_counter()
    yield
    print(f"{label:<32} {time.perf_counter() - start:6.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="scenarios/kosovo_2007.yaml")
    parser.add_argument("--replicates", type=int, default=10_000)
    args = parser.parse_args()
    scenario = with_overrides(load_scenario(args.scenario), {"replicates": args.replicates})
    print(f"{scenario.name}, R = {scenario.replicates}")

    with timed("simulate (no trajectories)"):
        simulate(scenario, trajectories=False)
    with timed("simulate (with trajectories)"):
        run = simulate(scenario)
    with timed("runs table"):
        runs = run.records.to_frame()
    with timed("trajectory table"):
        trajectories = run.trajectory.to_frame()
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        with timed("write runs/summary/trajectories"):
            write_csv(folder / "runs.csv", runs)
            write_csv(folder / "summary.csv", run.summary.outcomes)
            write_csv(folder / "trajectories.csv", trajectories)
        with timed("draw figures"):
            figures = render_figures(run.records, trajectories, run.summary, scenario)
        with timed("save figures (png)"):
            for name, figure in figures.items():
                save_figure(folder / f"{name}.png", figure)
        with timed("write_results (all of it)"):
            write_results(run, folder / "library")
        words = [args.scenario, "--replicates", str(args.replicates), "--quiet", "--out"]
        with timed("whole command (in process)"), redirect_stdout(io.StringIO()):
            cli.main([*words, str(folder / "timed")])
        with timed("whole command (new process)"):
            subprocess.run(
                [sys.executable, str(RUN_PY), *words, str(folder / "process")],
                check=True,
                capture_output=True,
            )
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
    print(f"{'peak resident memory (process)':<32} {peak:6.0f} MiB")


if __name__ == "__main__":
    main()
