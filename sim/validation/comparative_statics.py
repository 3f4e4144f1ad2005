"""Group: the directions of Model 2's comparative statics, with intervals.

The directions tests/test_comparative_statics.py asserts (and docs/kosovo-model2.md, section 2,
reports from the sweeps), each as checks: the estimate at each value with its 95% interval,
the expected direction and its source, passed if the difference exceeds three standard errors
in that direction. Every run has `context.replicates` replicates and the report's seed.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from sim.pipeline import simulate
from sim.records import Outcome, RunRecords
from sim.validation.checks import Check, Context, Expected, Group
from sim.validation.stats import Estimate, mean, share, shift_check

TITLE = "Comparative statics of Model 2"

SERBIA_CORE = "parties.serbia.red_line_cores.sovereignty.1"
KOSOVO_CORE = "parties.kosovo.red_line_cores.sovereignty.0"


def _share_of(outcome: Outcome) -> Callable[[RunRecords], Estimate]:
    def measure(records: RunRecords) -> Estimate:
        return share(int((records.outcome == outcome).sum()), records.replicates)

    return measure


def _adopted(records: RunRecords) -> Estimate:
    return share(int(records.adopted.sum()), records.replicates)


def _mean_week(records: RunRecords) -> Estimate:
    return mean(records.end_round)


MEASURES: dict[str, Callable[[RunRecords], Estimate]] = {
    "agreement share": _share_of(Outcome.AGREEMENT),
    "unilateral share": _share_of(Outcome.UNILATERAL),
    "deadlock share": _share_of(Outcome.DEADLOCK),
    "share adopting a resolution": _adopted,
    "mean end week": _mean_week,
}
"""What a comparative static measures in each run."""


@dataclass(frozen=True)
class Static:
    """One direction: a measure of a scenario at successive values of one parameter."""

    key: str
    """The section of docs/kosovo-model2.md, e.g. `2a`."""
    name: str
    """A short name for the checks, e.g. `overlap`."""
    title: str
    scenario: str
    parameter: str
    """The parameter in words, with its dotted path."""
    values: tuple[Any, ...]
    overrides: Callable[[Any], dict[str, Any]]
    measure: str
    rises: bool
    source: str
    fixed: str = ""
    """What else is set, in words (or empty)."""

    def label(self, value: Any) -> str:
        """A value as written in the report."""
        return f"{value:g}" if isinstance(value, float) else str(value).lower()


def _sweep(name: str, section: str, papers: str, odd: str) -> str:
    return (
        f"{papers} (docs/ODD.md, {odd}); scenarios/sweeps/model2_{name}.yaml, docs/kosovo-model2.md"
        f", section {section}"
    )


OVERLAP = _sweep("overlap", "2a", "Raiffa 1982 (the reservation point)", "section 7.7.3")
RIPENESS = _sweep("ripeness", "2b", "Zartman 1989, 2000 (the hurting stalemate)", "section 7.7.1")
INDUCEMENTS = _sweep(
    "inducements", "2c", "Touval & Zartman 1985; Beardsley 2011 (leverage)", "section 7.7.2"
)
CONSENT = _sweep(
    "consent",
    "2d",
    "Coggins 2011 (external support for secession); Ker-Lindsay 2009, Weller 2009 (the "
    "patrons' restraint)",
    "sections 7.14 and 7.16",
)
VETO = _sweep("veto", "2e", "UN Charter Art. 27(3); ICJ 1971 (the veto)", "section 7.11")

ZONE = {SERBIA_CORE: 0.7, KOSOVO_CORE: 0.6}
"""Cores that overlap (Serbia's reaches 0.7, Kosovo's 0.6): a zone of agreement exists."""
NO_ZONE = {SERBIA_CORE: 0.4, KOSOVO_CORE: 0.6}
"""Cores that do not overlap: no zone of agreement."""


def _both(size: float) -> dict[str, Any]:
    return {"leverage.eu.inducements.serbia": size, "leverage.eu.inducements.kosovo": size}


STATICS = (
    Static(
        "2a",
        "overlap",
        "a wider overlap of the cores brings more agreement",
        "kosovo_2007_eu_leverage",
        f"how far Serbia's core on status reaches (`{SERBIA_CORE}`)",
        (0.5, 0.6, 0.8),
        lambda v: {SERBIA_CORE: v},
        "agreement share",
        True,
        OVERLAP,
    ),
    Static(
        "2b",
        "ripeness, agreement",
        "a more hurting stalemate brings agreement where a zone exists",
        "kosovo_2007_hurting_stalemate",
        "the stalemate's cost per week (`ripeness`)",
        (0.005, 0.0125, 0.02),
        lambda v: {"ripeness": v, **ZONE},
        "agreement share",
        True,
        RIPENESS,
        fixed="with overlapping cores (Serbia's reaches 0.7, Kosovo's 0.6)",
    ),
    Static(
        "2b",
        "ripeness, end week",
        "a more hurting stalemate ends the talks earlier where a zone exists",
        "kosovo_2007_hurting_stalemate",
        "the stalemate's cost per week (`ripeness`)",
        (0.005, 0.0125, 0.02),
        lambda v: {"ripeness": v, **ZONE},
        "mean end week",
        False,
        RIPENESS,
        fixed="with overlapping cores (Serbia's reaches 0.7, Kosovo's 0.6)",
    ),
    Static(
        "2c",
        "inducements",
        "larger inducements bring more agreement",
        "kosovo_2007_eu_leverage",
        "the EU's inducements to each side (`leverage.eu.inducements.*`)",
        (0.1, 0.2, 0.4),
        _both,
        "agreement share",
        True,
        INDUCEMENTS,
    ),
    Static(
        "2d",
        "consent chance, declarations",
        "consent that comes more surely brings more declarations",
        "kosovo_2007",
        "the chance the patrons lift their restraint (`events.1.probability`)",
        (0.25, 1.0),
        lambda v: {"events.1.probability": v},
        "unilateral share",
        True,
        CONSENT,
    ),
    Static(
        "2d",
        "consent chance, deadlocks",
        "consent that comes more surely leaves fewer deadlocks",
        "kosovo_2007",
        "the chance the patrons lift their restraint (`events.1.probability`)",
        (0.25, 1.0),
        lambda v: {"events.1.probability": v},
        "deadlock share",
        False,
        CONSENT,
    ),
    Static(
        "2d",
        "consent week, end week",
        "later consent brings a later end",
        "kosovo_2007",
        "the week the patrons lift their restraint (`events.1.round`)",
        (24, 33),
        lambda v: {"events.1.round": v},
        "mean end week",
        True,
        CONSENT,
    ),
    Static(
        "2e",
        "veto, adoptions",
        "without the veto, resolutions are adopted",
        "kosovo_2007",
        "the veto (`security_council.veto`)",
        (True, False),
        lambda v: {"security_council.veto": v},
        "share adopting a resolution",
        True,
        VETO,
    ),
)
"""The directions checked, in the order of docs/kosovo-model2.md."""


class Runs:
    """The runs of the group, each made once: (scenario, overrides) -> records."""

    def __init__(self, context: Context):
        self.context = context
        self._made: dict[tuple[str, tuple[tuple[str, Any], ...]], RunRecords] = {}

    def __call__(self, scenario: str, overrides: dict[str, Any]) -> RunRecords:
        """The records of `scenario` (a file in scenarios/, without .yaml) with `overrides`."""
        key = (scenario, tuple(sorted(overrides.items())))
        if key not in self._made:
            self._made[key] = simulate(
                self.context.path(f"scenarios/{scenario}.yaml"),
                overrides=overrides,
                replicates=self.context.replicates,
                seed=self.context.seed,
                trajectories=False,
            ).records
        return self._made[key]


def checks(context: Context) -> list[Check]:
    """A check per step of each direction, then the levels the directions rest on."""
    runs = Runs(context)
    made = []
    panels = []
    for static in STATICS:
        measure = MEASURES[static.measure]
        estimates = [measure(runs(static.scenario, static.overrides(v))) for v in static.values]
        panels.append((static, estimates))
        compared = (
            f"{static.title}: {static.measure} of {static.scenario} against {static.parameter}"
        )
        if static.fixed:
            compared += f", {static.fixed}"
        steps = pairwise(zip(static.values, estimates, strict=True))
        for (a, first), (b, second) in steps:
            made.append(
                shift_check(
                    context,
                    f"{static.key} {static.name}: {static.label(a)} → {static.label(b)}",
                    compared,
                    (static.label(a), first),
                    (static.label(b), second),
                    static.rises,
                    static.source,
                )
            )
    made += _levels(context, runs)
    _draw(context, panels)
    return made


def _zero_check(
    context: Context, name: str, compared: str, count: int, n: int, source: str
) -> Check:
    estimate = share(count, n)
    return context.check(
        name,
        compared,
        Expected.equal(0, "none (0 replicates)"),
        source,
        estimate.described(),
        count == 0,
        value=count,
    )


def _levels(context: Context, runs: Runs) -> list[Check]:
    """The levels tests/test_comparative_statics.py asserts beside the directions."""
    made = []
    records = runs("kosovo_2007_eu_leverage", {SERBIA_CORE: 0.5})
    made.append(
        _zero_check(
            context,
            "2a overlap: none without overlapping cores",
            "agreement share of kosovo_2007_eu_leverage with Serbia's core reaching 0.5, the "
            "least Kosovo's core can be",
            int((records.outcome == Outcome.AGREEMENT).sum()),
            records.replicates,
            OVERLAP,
        )
    )
    for ripeness in (0.005, 0.02):
        records = runs("kosovo_2007_hurting_stalemate", {"ripeness": ripeness, **NO_ZONE})
        made.append(
            _zero_check(
                context,
                f"2b ripeness {ripeness:g}: no agreement without a zone",
                f"agreement share of kosovo_2007_hurting_stalemate at ripeness {ripeness:g} "
                "with cores that do not overlap (Serbia's reaches 0.4, Kosovo's 0.6)",
                int((records.outcome == Outcome.AGREEMENT).sum()),
                records.replicates,
                RIPENESS,
            )
        )
    late = runs("kosovo_2007", {"events.1.round": 33})
    weeks = late.end_round[late.outcome == Outcome.UNILATERAL]
    earliest = int(weeks.min()) if len(weeks) else None
    made.append(
        context.check(
            "2d consent week 33: no declaration before it",
            "the earliest week of a declaration in kosovo_2007 when the patrons lift their "
            "restraint in week 33",
            Expected.at_least(33, "week"),
            CONSENT,
            f"week {earliest} ({len(weeks)} declarations)" if earliest else "no declaration",
            earliest is not None and earliest >= 33,
            value=earliest,
        )
    )
    for veto in (True, False):
        records = runs("kosovo_2007", {"security_council.veto": veto})
        made.append(
            _zero_check(
                context,
                f"2e veto {str(veto).lower()}: no resolution ends the dispute",
                f"share of kosovo_2007 ending in an accepted resolution, veto "
                f"{str(veto).lower()} (an adopted draft lies outside Serbia's red line in force)",
                int(records.accepted.sum()),
                records.replicates,
                VETO.replace("ICJ 1971 (the veto)", "ICJ 1971 (the veto); Hurd 2007 (compliance)"),
            )
        )
    return made


def _draw(context: Context, panels: list[tuple[Static, list[Estimate]]]) -> None:
    from matplotlib.figure import Figure

    columns = 4
    rows = -(-len(panels) // columns)
    figure = Figure(figsize=(12, 3.3 * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for ax, (static, estimates) in zip(axes, panels, strict=False):
        x = np.arange(len(estimates))
        values = np.array([e.value for e in estimates])
        below = values - np.array([e.low for e in estimates])
        above = np.array([e.high for e in estimates]) - values
        colour = "#4c72b0" if static.measure != "mean end week" else "#dd8452"
        ax.errorbar(x, values, yerr=[below, above], fmt="o-", color=colour, capsize=4)
        ax.set_xticks(x, [static.label(v) for v in static.values])
        ax.set_xlim(-0.5, len(x) - 0.5)
        if static.measure != "mean end week":
            ax.set_ylim(-0.05, 1.05)
        title = textwrap.fill(f"{static.key}: {static.title}", width=36)
        ax.set_title(title, fontsize="small")
        ax.set_ylabel(static.measure, fontsize="small")
        ax.set_xlabel(static.parameter.split(" (`")[0].removeprefix("how far "), fontsize="small")
        ax.tick_params(labelsize="small")
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    context.figure(
        "comparative_statics",
        figure,
        "Each comparative static's estimate at each value of its parameter, with 95% intervals "
        "(Wilson for shares, ±1.96 SE for mean weeks); "
        f"{context.replicates} replicates per value, seed {context.seed}.",
    )


GROUP = Group(
    title=TITLE,
    about="""\
The directions that tests/test_comparative_statics.py asserts, and that the sweeps of
docs/kosovo-model2.md (section 2) found, checked with intervals: each run of a scenario has
scale replicates (2000 at the default scale) and the report's seed, so the values of one
parameter share their random numbers. A direction is checked step by step between successive
values: the difference must exceed 3 standard errors of the difference (the square root of
the sum of the two squared standard errors, floored at 1/n as in the test) in the expected
direction. The source names the mechanism's reference (its section of docs/ODD.md) and the
sweep. The levels the test asserts beside the directions (no agreement without overlapping
cores, no declaration before consent, no resolution that ends the dispute) are checked as
counts of zero.""",
    checks=checks,
)
