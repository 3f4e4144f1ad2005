"""Estimates with 95% intervals, and the statistical checks the groups share.

Shares carry the Wilson interval (Wilson 1927; `sim.summary.wilson_interval`) and the standard
error sqrt(p (1 - p) / n); means carry mean ± 1.96 standard errors. A shift between two
estimates passes if it exceeds `MARGIN` standard errors of the difference in the expected
direction, the standard error floored at 1/n as in tests/test_comparative_statics.py (two
shares of 0, or of 1, have no spread to measure a difference against). Two samples of a
categorical outcome are compared by Pearson's chi-square test of homogeneity.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from sim.summary import Z_95, wilson_interval
from sim.validation.checks import Check, Context, Expected

MARGIN = 3.0
"""A shift passes if it exceeds this many standard errors of the difference."""

MIN_EXPECTED = 5.0
"""A chi-square test's cells need at least this expected count (Cochran 1954)."""


@dataclass(frozen=True)
class Estimate:
    """A Monte Carlo estimate: its value, 95% interval, standard error and sample size."""

    value: float
    low: float
    high: float
    se: float
    n: int
    count: int | None = None
    """For a share: how many of the n replicates."""

    def text(self, digits: int = 3) -> str:
        """The value and its interval, e.g. `0.271 [0.263, 0.280]`."""
        f = f"{{:.{digits}f}}".format
        return f"{f(self.value)} [{f(self.low)}, {f(self.high)}]"

    def described(self, digits: int = 3) -> str:
        """`text`, with the count for a share, e.g. `0.271 [0.263, 0.280] (542 of 2000)`."""
        if self.count is None:
            return f"{self.text(digits)} (n = {self.n})"
        return f"{self.text(digits)} ({self.count} of {self.n})"


def share(count: int, n: int) -> Estimate:
    """The share `count / n` with its Wilson interval and standard error."""
    count, n = int(count), int(n)
    value = count / n if n else math.nan
    low, high = wilson_interval(count, n)
    se = math.sqrt(value * (1 - value) / n) if n else math.nan
    return Estimate(value, float(low), float(high), se, n, count)


def mean(values: Sequence[float] | np.ndarray) -> Estimate:
    """The mean of `values` with mean ± 1.96 standard errors (sample sd / sqrt(n))."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    average = float(values.mean()) if n else math.nan
    se = float(values.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    return Estimate(average, average - Z_95 * se, average + Z_95 * se, se, n)


def standard_errors(before: Estimate, after: Estimate) -> float:
    """How many standard errors `after - before` is (the error floored at 1/n)."""
    error = math.sqrt(before.se**2 + after.se**2)
    floor = 1 / min(before.n, after.n)
    return (after.value - before.value) / max(error, floor)


def share_check(
    context: Context,
    name: str,
    compared: str,
    count: int,
    n: int,
    expected: Expected,
    source: str,
    note: str = "",
) -> Check:
    """A share against a bound: passes if its whole 95% interval satisfies the bound.

    `expected` is `Expected.at_least(b)` (the interval's low end must be at least b) or
    `Expected.at_most(b)` (its high end at most b).
    """
    estimate = share(count, n)
    if expected.relation == ">=":
        passed = n > 0 and estimate.low >= expected.value
    elif expected.relation == "<=":
        passed = n > 0 and estimate.high <= expected.value
    else:
        raise ValueError(f"a share is checked against a bound, not {expected.relation!r}")
    return context.check(
        name,
        compared,
        expected,
        source,
        estimate.described(),
        passed,
        note,
        value=(estimate.value, estimate.low, estimate.high),
    )


def shift_check(
    context: Context,
    name: str,
    compared: str,
    before: tuple[str, Estimate],
    after: tuple[str, Estimate],
    rises: bool,
    source: str,
    note: str = "",
) -> Check:
    """Whether an estimate moves from `before` to `after` (each `(label, estimate)`) as expected.

    Passes if the difference exceeds `MARGIN` standard errors of the difference in the
    expected direction (up if `rises`, else down).
    """
    (first, a), (second, b) = before, after
    z = standard_errors(a, b)
    passed = (z if rises else -z) > MARGIN
    digits = 3 if a.count is not None else 2
    obtained = (
        f"{a.text(digits)} at {first}; {b.text(digits)} at {second}; difference "
        f"{b.value - a.value:+.{digits}f} = {z:+.1f} SE"
    )
    word = "rises" if rises else "falls"
    expected = Expected.above(MARGIN, f"{word} by > {MARGIN:g} SE")
    return context.check(name, compared, expected, source, obtained, passed, note, value=z)


@dataclass(frozen=True)
class Homogeneity:
    """A chi-square test of homogeneity of two samples over pooled categories."""

    statistic: float
    p_value: float
    dof: int
    categories: tuple[tuple[Hashable, ...], ...]
    """The categories tested, in the order given: each a tuple of the categories pooled in it."""


def homogeneity(first: Mapping[Hashable, int], second: Mapping[Hashable, int]) -> Homogeneity:
    """Pearson's chi-square test that two samples come from one categorical distribution.

    Categories empty in both samples are left out. While some cell's expected count is below
    `MIN_EXPECTED`, the rarest category is pooled with the next rarest (Cochran 1954). With a
    single category left the samples cannot differ: p = 1. A 2 x 2 table carries Yates's
    continuity correction (scipy's default), which makes the test conservative.
    """
    from scipy.stats import chi2_contingency

    names = [k for k in dict.fromkeys([*first, *second]) if first.get(k, 0) + second.get(k, 0)]
    groups = [([name], first.get(name, 0), second.get(name, 0)) for name in names]
    while len(groups) > 1:
        groups.sort(key=lambda g: (g[1] + g[2], names.index(g[0][0])))
        table = np.array([[g[1] for g in groups], [g[2] for g in groups]], dtype=float)
        expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0) / table.sum()
        if expected.min() >= MIN_EXPECTED:
            break
        rarest, next_rarest = groups[0], groups[1]
        groups = [
            (next_rarest[0] + rarest[0], next_rarest[1] + rarest[1], next_rarest[2] + rarest[2]),
            *groups[2:],
        ]
    groups.sort(key=lambda g: min(names.index(name) for name in g[0]))
    categories = tuple(tuple(sorted(g[0], key=names.index)) for g in groups)
    if len(groups) < 2:
        return Homogeneity(0.0, 1.0, 0, categories)
    table = np.array([[g[1] for g in groups], [g[2] for g in groups]])
    result = chi2_contingency(table)
    return Homogeneity(float(result.statistic), float(result.pvalue), int(result.dof), categories)
