"""Run the registered groups of checks, and write the report and its figures atomically."""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.results import save_figure, write_text
from sim.validation import GROUPS
from sim.validation.checks import Check, Context, Expected, FigureEntry, Group
from sim.validation.report import render


@dataclass(frozen=True)
class GroupResult:
    """What one group gave: its checks and figures (and how long it took, for the console)."""

    group: Group
    checks: list[Check]
    figures: list[FigureEntry]
    seconds: float

    @property
    def passed(self) -> int:
        """How many of its checks passed."""
        return sum(check.passed for check in self.checks)

    def summary_line(self) -> str:
        """One line for the console, e.g. `Council rule ...: 4 checks, 4 passed (0.1 s)`."""
        failed = len(self.checks) - self.passed
        status = f"{failed} FAILED" if failed else "all passed"
        return (
            f"{self.group.title}: {len(self.checks)} checks, {self.passed} passed, {status} "
            f"({self.seconds:.1f} s)"
        )


@dataclass(frozen=True)
class Validation:
    """Every group's result, with the settings they ran with."""

    context: Context
    results: list[GroupResult]

    @property
    def checks(self) -> list[Check]:
        """Every check, group by group."""
        return [check for result in self.results for check in result.checks]

    @property
    def passed(self) -> bool:
        """Whether every check passed."""
        return all(check.passed for check in self.checks)


def load_groups(names: Sequence[str] = GROUPS) -> list[Group]:
    """The registered groups, in order: the `GROUP` of each module `sim.validation.<name>`."""
    return [importlib.import_module(f"sim.validation.{name}").GROUP for name in names]


def run_group(group: Group, context: Context) -> GroupResult:
    """Run one group. An exception becomes a failing check that names it, not a crash."""
    own = context.for_group(group.title)
    started = time.perf_counter()
    try:
        checks = list(group.checks(own))
    except Exception as error:  # a broken group or data file is a failed check, reported
        checks = [
            own.check(
                "the group runs",
                "whether the group's checks could be computed at all",
                Expected.equal("no error", "no error"),
                "this report",
                f"{type(error).__name__}: {error}",
                False,
                note="the group stopped here; its other checks were not made",
            )
        ]
    names = [check.name for check in checks]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"group {group.title!r} names two checks {repeated[0]!r}")
    return GroupResult(group, checks, list(own.figures), time.perf_counter() - started)


def run_groups(
    context: Context,
    groups: Sequence[Group] | None = None,
    progress: Callable[[GroupResult], None] | None = None,
) -> Validation:
    """Run `groups` (default: every registered group) in order; `progress` after each."""
    results = []
    for group in load_groups() if groups is None else groups:
        result = run_group(group, context)
        results.append(result)
        if progress is not None:
            progress(result)
    return Validation(context, results)


def figures_folder(report: Path) -> Path:
    """Where a report's figures go: the folder beside it named after it without `.md`."""
    return report.with_suffix("")


def write_report(validation: Validation, report: Path, command: str) -> list[Path]:
    """Write the figures (each atomically), then the report (atomically); returns the paths.

    The report is written last, so it never links to a figure not yet in place. `command` is
    the command line that regenerates it, as the report quotes it.
    """
    folder = figures_folder(report)
    figures = [entry for result in validation.results for entry in result.figures]
    names = [entry.name for entry in figures]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"two figures are named {repeated[0]!r}")
    written = []
    if figures:
        folder.mkdir(exist_ok=True)
    for entry in figures:
        path = folder / f"{entry.name}.png"
        save_figure(path, entry.figure)
        written.append(path)
    write_text(report, render(validation, folder.name, command))
    written.append(report)
    return written
