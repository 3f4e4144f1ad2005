"""What is wrong with an input: each `Problem`, and the `ScenarioError` that lists them.

A message quotes the input only as a short excerpt with its control characters escaped
(`sim.inputs.shown`), so a huge value or a name with terminal escape codes is never printed
whole or raw, and it lists at most `SHOWN_PROBLEMS` problems.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sim.inputs import EXCERPT, shown, shown_path

SHOWN_PROBLEMS = 20
"""The most problems a message lists one by one; it counts the rest."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a scenario: where, what was found, what was expected."""

    path: str
    found: str
    expected: str

    def __str__(self) -> str:
        where = shown(self.path, 2 * EXCERPT) or "(top level)"
        found, expected = shown(self.found, 2 * EXCERPT), shown(self.expected, 8 * EXCERPT)
        return f"{where}: found {found}; expected {expected}"


class ScenarioError(ValueError):
    """A scenario file (or an override) is invalid; the message lists every problem."""

    def __init__(self, source: str, problems: Iterable[Problem]):
        self.source = source
        self.problems = list(problems)
        name = shown_path(source)
        if len(self.problems) == 1:
            message = f"{name}: {self.problems[0]}"
        else:
            lines = [f"{name}: {len(self.problems)} problems"]
            lines += [f"  {problem}" for problem in self.problems[:SHOWN_PROBLEMS]]
            if len(self.problems) > SHOWN_PROBLEMS:
                lines.append(f"  ... and {len(self.problems) - SHOWN_PROBLEMS} more")
            message = "\n".join(lines)
        super().__init__(message)


def describe(value: Any) -> str:
    """A found value as a message quotes it: its kind for containers, else a short repr."""
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, date):
        return f"the date {value.isoformat()}"
    if isinstance(value, str) and len(value) > EXCERPT:
        return f"the text '{shown(value)}'"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"an integer of about {int(value.bit_length() * math.log10(2)) + 1:,} digits"
    return shown(repr(value))


def is_index(key: str) -> bool:
    """Whether a dotted path's element names a list item: ASCII digits, few enough to convert.

    (`str.isdigit` is true of '²', which `int` refuses, and of a 5 000-digit text.)
    """
    return key.isascii() and key.isdigit() and len(key) <= 18
