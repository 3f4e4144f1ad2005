"""Benchmark: Monte Carlo runs per second, vectorised over replicates vs one at a time.

Runs a scenario (default kosovo_2007) at R = 10 000 replicates in one model, then the same
model one replicate at a time (R = 1, as mesa's batch_run would run it) on a smaller count,
and prints runs per second, peak memory of the vectorised run, and the speed-up. It times the
engine alone (`run_scenario`: the model and its records, no summary, no trajectories), as
`simulate(..., trajectories=False)` runs it.

    python benchmarks/bench_replicates.py [SCENARIO] [--replicates 10000] [--single 300]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

from sim import load_scenario, run_scenario


def best_rate(scenario, replicates: int, repeats: int) -> float:
    """Best runs per second over `repeats` vectorised runs of `replicates` replicates."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run_scenario(scenario, replicates=replicates)
        best = min(best, time.perf_counter() - start)
    return replicates / best


def one_at_a_time_rate(scenario, runs: int) -> float:
    """Runs per second when every replicate is its own R = 1 model (own seed)."""
    start = time.perf_counter()
    for seed in range(runs):
        run_scenario(scenario, replicates=1, seed=seed)
    return runs / (time.perf_counter() - start)


def peak_memory_mib(scenario, replicates: int) -> float:
    """Peak memory allocated during one vectorised run (numpy arrays included), in MiB."""
    tracemalloc.start()
    run_scenario(scenario, replicates=replicates)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="scenarios/kosovo_2007.yaml")
    parser.add_argument("--replicates", type=int, default=10_000)
    parser.add_argument("--single", type=int, default=300, help="R = 1 runs to time")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    scenario = load_scenario(args.scenario)
    vectorised = best_rate(scenario, args.replicates, args.repeats)
    single = one_at_a_time_rate(scenario, args.single)
    memory = peak_memory_mib(scenario, args.replicates)
    print(f"scenario:            {scenario.name}")
    print(f"vectorised, R={args.replicates}: {vectorised:,.0f} runs/s (best of {args.repeats})")
    print(f"peak memory:         {memory:,.1f} MiB")
    print(f"one at a time, R=1:  {single:,.0f} runs/s ({args.single} runs)")
    print(f"speed-up:            {vectorised / single:,.0f}x")


if __name__ == "__main__":
    main()
