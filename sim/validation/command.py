"""The `validate-model` command: run every group of checks, write the report, print a summary.

Exit status: 0 if every check passed, 1 if any failed (or the report cannot be written), 2 for
a malformed command line (an option's value, an `--out` that cannot take the report).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim.inputs import printable, shown_path
from sim.validation.checks import DEFAULT_REPLICATES, DEFAULT_SEED, MIN_REPLICATES, ROOT

DEFAULT_OUT = ROOT / "docs" / "validation.md"
"""The committed report."""

MAX_SEED = 2**63 - 2
"""The largest seed accepted (a group may use the seed + 1)."""

FAILED = 1
USAGE = 2


def _whole(text: str, least: int, most: int | None = None) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < least or (most is not None and value > most):
        bound = f"from {least} to {most}" if most is not None else f"at least {least}"
        raise argparse.ArgumentTypeError(f"{value} is out of range; expected {bound}")
    return value


def _replicates(text: str) -> int:
    return _whole(text, MIN_REPLICATES)


def _seed(text: str) -> int:
    return _whole(text, 0, MAX_SEED)


def _report_path(text: str) -> Path:
    path = Path(text)
    if path.suffix != ".md" or path.stem in ("", "."):
        raise argparse.ArgumentTypeError(f"{text!r} does not name a Markdown file ending in .md")
    return path


def add_command(commands: Any, formatter: type[argparse.HelpFormatter]) -> None:
    """Add `validate-model` to the command line's sub-commands."""
    parser = commands.add_parser(
        "validate-model",
        help="check the model against recorded votes, history and its own statistics; write "
        "docs/validation.md",
        description="Run the model's validation checks (the Council rule against recorded "
        "votes, kosovo_2007 against 2007-2008, Model 2's comparative statics, the numerical "
        "health of the Monte Carlo estimates), write the report and its figures, and print "
        "one line per group. Exit status 1 if any check fails.",
        epilog=f"""\
examples:
  python run.py validate-model
  python run.py validate-model --replicates 500 --seed 7 --out /tmp/validation.md

The figures go to the folder beside the report named after it without .md (by default
docs/validation/). The same seed and model give the same report, byte for byte.
Exit status: 0 every check passed, 1 a check failed or the report cannot be written,
2 a malformed command line. (Default scale {DEFAULT_REPLICATES}, seed {DEFAULT_SEED}.)""",
        formatter_class=formatter,
    )
    parser.add_argument(
        "--out",
        type=_report_path,
        default=DEFAULT_OUT,
        metavar="PATH",
        help="the report to write, a .md file in an existing folder (default: the "
        "repository's docs/validation.md)",
    )
    parser.add_argument(
        "--replicates",
        type=_replicates,
        default=DEFAULT_REPLICATES,
        metavar="N",
        help=f"the scale of the Monte Carlo checks, at least {MIN_REPLICATES}: each group "
        f"runs a stated multiple of it (default: {DEFAULT_REPLICATES})",
    )
    parser.add_argument(
        "--seed",
        type=_seed,
        default=DEFAULT_SEED,
        metavar="S",
        help=f"the random seed of the Monte Carlo checks (default: {DEFAULT_SEED})",
    )


def regenerating(replicates: int, seed: int) -> str:
    """The command line that regenerates a report, as the report quotes it."""
    words = ["python run.py validate-model"]
    if replicates != DEFAULT_REPLICATES:
        words.append(f"--replicates {replicates}")
    if seed != DEFAULT_SEED:
        words.append(f"--seed {seed}")
    return " ".join(words)


def _unusable(out: Path) -> str | None:
    """Why the report cannot be written to `out` (checked before the checks run), or None."""
    if out.is_dir():
        return f"--out {out} is a folder; name a .md file"
    if not out.parent.exists():
        return f"--out {out}: the folder {out.parent} does not exist"
    if not out.parent.is_dir():
        return f"--out {out}: {out.parent} is not a folder"
    figures = out.with_suffix("")
    if figures.exists() and not figures.is_dir():
        return f"--out {out}: its figures' folder {figures} is a file"
    return None


def validate_model(args: argparse.Namespace) -> int:
    """Run the checks, write the report and figures, print a summary; the exit status."""
    from sim.validation.checks import Context
    from sim.validation.runner import run_groups, write_report

    if problem := _unusable(args.out):
        print(printable(f"error: {problem}"), file=sys.stderr)
        return USAGE
    context = Context(seed=args.seed, replicates=args.replicates)
    validation = run_groups(context, progress=lambda result: print(result.summary_line()))
    try:
        written = write_report(validation, args.out, regenerating(args.replicates, args.seed))
    except OSError as error:
        reason = error.strerror or error
        print(printable(f"error: cannot write {shown_path(args.out)}: {reason}"), file=sys.stderr)
        return FAILED
    checks = validation.checks
    failed = [c for c in checks if not c.passed]
    figures = len(written) - 1
    where = f" and {figures} figures in {shown_path(args.out.with_suffix(''))}" if figures else ""
    print(f"report: {shown_path(args.out)}{where}")
    if failed:
        print(f"FAILED: {len(failed)} of {len(checks)} checks")
        for check in failed:
            print(f"  {check.group}: {check.name}")
        return FAILED
    print(f"passed: all {len(checks)} checks")
    return 0
