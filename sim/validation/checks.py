"""What a validation check is, and what a group of checks is given to run.

A `Check` records one comparison of the model with an expectation: what is compared, what is
expected (an `Expected`: a value, an interval or a relation, as text and as data), where the
expectation comes from, what the model gave, and whether it passed. A group is a function
`checks(context) -> list[Check]`; its `Context` carries the settings of the command (the seed,
the scale of the Monte Carlo checks), the repository's folders and a place for its figures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

ROOT = Path(__file__).resolve().parents[2]
"""The repository's root folder (scenarios/, tests/data/, validation/)."""

DATA_FOLDER = "validation"
"""The folder at the repository's root where groups find their data files."""

DEFAULT_SEED = 20071219
"""The seed of the committed report (the date of the Council meeting, as in the scenarios)."""

DEFAULT_REPLICATES = 2000
"""The default scale of the Monte Carlo checks (`Context.replicates`)."""

MIN_REPLICATES = 20
"""The smallest scale the Monte Carlo checks accept (their smallest run is a fraction of it)."""


@dataclass(frozen=True)
class Expected:
    """What a check expects, as data (`relation`, `value`) and in words (`text`).

    `relation` is one of `==` (the value itself), `in` (a closed interval `(low, high)`),
    `>=`, `<=`, `>` or `<` (a bound).
    """

    relation: str
    value: Any
    text: str

    @classmethod
    def equal(cls, value: Any, text: str | None = None) -> Expected:
        """Exactly `value`."""
        return cls("==", value, text or f"{value}")

    @classmethod
    def between(cls, low: float, high: float, text: str | None = None) -> Expected:
        """A value in the closed interval [low, high]."""
        return cls("in", (low, high), text or f"in [{low:g}, {high:g}]")

    @classmethod
    def at_least(cls, bound: float, what: str = "share") -> Expected:
        """A value of at least `bound`."""
        return cls(">=", bound, f"{what} ≥ {bound:g}")

    @classmethod
    def at_most(cls, bound: float, what: str = "share") -> Expected:
        """A value of at most `bound`."""
        return cls("<=", bound, f"{what} ≤ {bound:g}")

    @classmethod
    def above(cls, bound: float, text: str) -> Expected:
        """A value strictly above `bound` (say what it is in `text`)."""
        return cls(">", bound, text)


@dataclass(frozen=True)
class Check:
    """One comparison of the model with an expectation, and its result."""

    group: str
    """The title of the group the check belongs to."""
    name: str
    """A short name, unique within its group."""
    compared: str
    """What is compared, in words."""
    expected: Expected
    source: str
    """Where the expectation comes from: a document symbol, an article or a book (docs/ODD.md's
    citation keys), or a file of this repository."""
    obtained: str
    """What the model gave, in words and numbers."""
    passed: bool
    note: str = ""
    value: Any = None
    """What the model gave, as data (a number, an interval, a tuple...)."""


@dataclass(frozen=True)
class FigureEntry:
    """A figure a group drew, to be saved as `<name>.png` beside the report."""

    group: str
    name: str
    caption: str
    figure: Figure


@dataclass(frozen=True)
class Context:
    """What a group is given: the command's settings, the repository, a place for figures."""

    seed: int = DEFAULT_SEED
    replicates: int = DEFAULT_REPLICATES
    """The scale of the Monte Carlo checks: each group states what it runs at this scale."""
    root: Path = ROOT
    group: str = ""
    """The title of the group being run (filled by the runner)."""
    figures: list[FigureEntry] = field(default_factory=list)
    """The figures the group drew (`figure`), in order."""

    def for_group(self, title: str) -> Context:
        """The context of one group: its title, and an empty list of figures."""
        return replace(self, group=title, figures=[])

    def path(self, relative: str) -> Path:
        """A file of the repository, by its path from the root (e.g. `scenarios/x.yaml`)."""
        return self.root / relative

    def data_file(self, name: str) -> Path | None:
        """`validation/<name>` at the repository's root, if that file exists; else None."""
        path = self.root / DATA_FOLDER / name
        return path if path.is_file() else None

    def check(
        self,
        name: str,
        compared: str,
        expected: Expected,
        source: str,
        obtained: str,
        passed: bool,
        note: str = "",
        value: Any = None,
    ) -> Check:
        """A `Check` of the group being run."""
        return Check(
            group=self.group,
            name=name,
            compared=compared,
            expected=expected,
            source=source,
            obtained=obtained,
            passed=bool(passed),
            note=note,
            value=value,
        )

    def figure(self, name: str, figure: Figure, caption: str) -> None:
        """Keep a figure for the report, saved as `<name>.png` in the figures' folder."""
        self.figures.append(FigureEntry(self.group, name, caption, figure))


@dataclass(frozen=True)
class Group:
    """A group of checks: its title, a paragraph introducing it, and the function to run."""

    title: str
    about: str
    """What the group validates and how, for the report (plain text, one paragraph or more)."""
    checks: Callable[[Context], list[Check]]
