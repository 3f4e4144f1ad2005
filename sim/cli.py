"""The command line: run a scenario and print how its replicates ended."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sim.model import run_scenario
from sim.scenario import ScenarioError, load_scenario, parse_override, with_overrides

EXAMPLE = "example: python run.py scenarios/kosovo_2007.yaml --replicates 5000 --seed 1"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `run.py`."""
    parser = argparse.ArgumentParser(
        prog="run.py",
        description="Run a negotiation scenario's replicates and print how they ended.",
        epilog=EXAMPLE,
    )
    parser.add_argument("scenario", help="a scenario YAML file, e.g. scenarios/kosovo_2007.yaml")
    parser.add_argument(
        "--replicates", type=int, metavar="N", help="number of replicates (default: the file's)"
    )
    parser.add_argument("--seed", type=int, metavar="S", help="random seed (default: the file's)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a scenario value by dotted path, e.g. parties.russia.flexibility=0.3 "
        "(repeatable)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (1 for invalid input)."""
    args = build_parser().parse_args(argv)
    try:
        scenario = load_scenario(args.scenario)
        overrides = dict(parse_override(text) for text in args.set)
        if args.replicates is not None:
            overrides["replicates"] = args.replicates
        if args.seed is not None:
            overrides["seed"] = args.seed
        if overrides:
            scenario = with_overrides(scenario, overrides, source=f"{args.scenario} (overrides)")
    except ScenarioError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    try:
        records = run_scenario(scenario)
    except MemoryError:
        print(
            f"error: not enough memory for {scenario.replicates} replicates of {args.scenario}; "
            "ask for fewer with --replicates",
            file=sys.stderr,
        )
        return 1
    print(f"{scenario.name}: {records.replicates} replicates, seed {records.seed}")
    share = "{:.3f}".format
    formats = {"share": share, "ci_low": share, "ci_high": share, "median_end_round": "{:g}".format}
    print(records.summary().to_string(index=False, formatters=formats, na_rep="-"))
    return 0
