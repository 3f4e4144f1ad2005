"""The validation report as Markdown: an introduction, a summary table, one section per group.

The text depends only on the checks (and the seed and scale they ran with), never on the time
or the machine, so regenerating it without a change to the model gives the same bytes.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.validation.runner import Validation

COLUMNS = ("check", "compared", "expected", "source", "obtained", "result")
"""The columns of a group's table."""

INTRODUCTION = """\
This report checks the model against what it should reproduce: the Security Council's decision
rule against recorded votes, the Kosovo scenario against what happened in 2007-2008, the
directions of Model 2's comparative statics, the numerical health of its Monte Carlo estimates,
the voting power it computes against published values and exact counts, its compromise rules on
a published single-issue case, and a second Council history (Syria 2011-2012) in one run. Each
check states what is compared, what is expected (a value, an interval or a relation), where the
expectation comes from, and what the model gave. Citation keys (Wilson 1927, Zartman 1989, ...)
are those of the bibliography of docs/ODD.md, unless a group gives the reference in full.

Regenerate it, with its figures in `{folder}/`, by

```bash
{command}
```

which exits with status 1 if any check fails. Its Monte Carlo checks ran with seed {seed} at
scale {replicates} (`--replicates`: each group says how many replicates it runs at that scale).
The report holds no time or date: with the same seed and an unchanged model it is regenerated
byte for byte, and a test (tests/test_validation.py) compares this file with what the command
writes.

How the checks decide. A share comes with its 95% Wilson interval (Wilson 1927), shown as
`share [low, high] (count of n)`. A share expected to be at least a bound passes if the whole
interval is at or above it, one expected to be at most a bound if the whole interval is at or
below it. A mean comes with mean ± 1.96 standard errors. A change between two runs passes if
the difference exceeds {margin:g} standard errors (SE) of the difference in the expected
direction."""


def _paragraphs(text: str, width: int = 96) -> list[str]:
    """Plain text reflowed: paragraphs (separated by blank lines) filled to `width`."""
    paragraphs = [" ".join(p.split()) for p in text.strip().split("\n\n") if p.strip()]
    filled = [
        textwrap.fill(p, width=width, break_long_words=False, break_on_hyphens=False)
        for p in paragraphs
    ]
    return "\n\n".join(filled).split("\n")


def _cell(text: object) -> str:
    """A table cell: one line, with `|` escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _row(cells: list[object]) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _table(header: tuple[str, ...], rows: list[list[object]]) -> list[str]:
    return [_row(list(header)), "|" + "---|" * len(header), *(_row(r) for r in rows)]


def render(validation: Validation, folder: str, command: str) -> str:
    """The report of `validation`, its figures linked in `folder` (relative to the report)."""
    from sim.validation.stats import MARGIN

    context = validation.context
    lines = ["# Validation of the model", ""]
    lines += INTRODUCTION.format(
        folder=folder,
        command=command,
        seed=context.seed,
        replicates=context.replicates,
        margin=MARGIN,
    ).split("\n")
    total = len(validation.checks)
    passed = sum(check.passed for check in validation.checks)
    verdict = "every check passed" if passed == total else f"{total - passed} checks FAILED"
    lines += ["", "## Summary", "", f"{passed} of {total} checks passed: {verdict}.", ""]
    rows: list[list[object]] = [
        [f"{n}. {r.group.title}", len(r.checks), r.passed]
        for n, r in enumerate(validation.results, start=1)
    ]
    rows.append(["all", total, passed])
    lines += _table(("group", "checks", "passed"), rows)
    number = 0
    for n, result in enumerate(validation.results, start=1):
        lines += ["", f"## {n}. {result.group.title}", ""]
        lines += [*_paragraphs(result.group.about), ""]
        lines += _table(
            COLUMNS,
            [
                [
                    c.name,
                    c.compared,
                    c.expected.text,
                    c.source,
                    c.obtained,
                    "pass" if c.passed else "**FAIL**",
                ]
                for c in result.checks
            ],
        )
        notes = [c for c in result.checks if c.note]
        if notes:
            lines += ["", "Notes:", ""]
            lines += [f"- {_cell(c.name)}: {' '.join(c.note.split())}" for c in notes]
        for entry in result.figures:
            number += 1
            lines += ["", f"![{_cell(entry.caption)}]({folder}/{entry.name}.png)", ""]
            lines.append(f"*Figure {number}. {' '.join(entry.caption.split())}*")
    return "\n".join(lines) + "\n"
