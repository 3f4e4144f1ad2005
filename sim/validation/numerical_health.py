"""Group: numerical health of the Monte Carlo estimates.

(a) The half-width of the 95% interval of a share that is not degenerate shrinks as
1/sqrt(R). (b) Replicates run one at a time equal the batch's same replicates exactly, and
their outcomes are distributed as a batch's under another seed.
"""

from __future__ import annotations

import math
from collections import Counter
from itertools import pairwise

import numpy as np

from sim.model import NegotiationModel
from sim.pipeline import prepare_scenario, simulate
from sim.records import OUTCOMES, Outcome, RunRecords
from sim.validation.checks import Check, Context, Expected, Group
from sim.validation.stats import Estimate, homogeneity, share

TITLE = "Numerical health"

SCENARIO = "kosovo_2007_eu_leverage"
"""The scenario whose outcome varies: about 27% agreement, the rest declarations."""

SIZES = (1, 4, 16)
"""The convergence runs have R = scale x SIZES / 4 replicates (500, 2000, 8000 by default)."""

BAND = (1.8, 2.2)
"""The ratio of successive half-widths (R growing fourfold) is expected in this band."""

NOT_DEGENERATE = (0.2, 0.8)
"""The band assumes the share lies in this interval."""

ONE_AT_A_TIME = 3 / 20
"""Replicates run one at a time: this fraction of the scale (300 by default)."""

BATCH = 3 / 2
"""The batch compared with them in distribution: this multiple of the scale (3000)."""

LEVEL = 0.01
"""The level of the tests of homogeneity: a p-value below it fails."""

SOURCE_SCALING = (
    "the central limit theorem; the Wilson interval's half-width is about "
    "1.96 sqrt(p (1 - p) / R) (Wilson 1927; Brown, Cai & DasGupta 2001)"
)
SOURCE_STREAMS = (
    'README.md ("Each replicate draws its random numbers from the stream of its block of 250 '
    'replicates"); docs/ODD.md, section 2.5 (the replicate axis); sim/streams.py'
)


def _scenario_path(context: Context) -> str:
    return str(context.path(f"scenarios/{SCENARIO}.yaml"))


def _agreement(records: RunRecords) -> Estimate:
    return share(int((records.outcome == Outcome.AGREEMENT).sum()), records.replicates)


def convergence(context: Context) -> list[Check]:
    """(a) The half-width shrinks as 1/sqrt(R): ratios of successive widths near 2."""
    sizes = [context.replicates * k // 4 for k in SIZES]
    estimates = [
        _agreement(
            simulate(
                _scenario_path(context), replicates=r, seed=context.seed, trajectories=False
            ).records
        )
        for r in sizes
    ]
    widths = [(e.high - e.low) / 2 for e in estimates]
    largest = estimates[-1]
    low, high = NOT_DEGENERATE
    made = [
        context.check(
            "(a) the share is not degenerate",
            f"agreement share of {SCENARIO} at R = {sizes[-1]} (the band below assumes a "
            "share away from 0 and 1)",
            Expected.between(low, high, f"in [{low:g}, {high:g}]"),
            "docs/ODD.md, section 11 (agreement 27.0% in 20 000 replicates); the band's "
            "derivation assumes a share in this range (this group's introduction)",
            largest.described(),
            low <= largest.value <= high,
            value=largest.value,
        )
    ]
    for (r1, w1), (r2, w2) in pairwise(zip(sizes, widths, strict=True)):
        ratio = w1 / w2 if w2 else math.inf
        made.append(
            context.check(
                f"(a) width ratio R = {r1} / R = {r2}",
                f"half-width of the 95% Wilson interval of the agreement share of {SCENARIO} "
                f"at R = {r1}, divided by that at R = {r2}",
                Expected.between(*BAND, f"in [{BAND[0]:g}, {BAND[1]:g}] (1/sqrt(R): 2)"),
                SOURCE_SCALING,
                f"{w1:.4f} / {w2:.4f} = {ratio:.3f}",
                BAND[0] <= ratio <= BAND[1],
                value=ratio,
            )
        )
    _draw(context, sizes, estimates, widths)
    return made


def one_at_a_time(context: Context) -> list[Check]:
    """(b) R = 1 models equal the batch exactly, and agree in distribution with another seed."""
    count = max(2, round(context.replicates * ONE_AT_A_TIME))
    batch_size = max(2, round(context.replicates * BATCH))
    scenario = prepare_scenario(_scenario_path(context), seed=context.seed, replicates=1)
    singles = [
        NegotiationModel(scenario, replicates=1, first_replicate=i).run() for i in range(count)
    ]
    batch = simulate(scenario, replicates=count, trajectories=False).records
    rows = batch.to_frame().drop(columns="replicate")
    same = sum(
        rows.iloc[[i]].reset_index(drop=True).equals(one.to_frame().drop(columns="replicate"))
        for i, one in enumerate(singles)
    )
    other_seed = context.seed + 1
    other = simulate(scenario, replicates=batch_size, seed=other_seed, trajectories=False).records
    made = [
        context.check(
            "(b) one at a time = the batch",
            f"every recorded value (outcome, end week, drawn values, votes, positions: all "
            f"{rows.shape[1]} columns of the runs table) of replicates 0-{count - 1} of "
            f"{SCENARIO}, run one at a time (`NegotiationModel(scenario, replicates=1, "
            f"first_replicate=i)`), against the same replicates of one batch of {count}, seed "
            f"{context.seed}",
            Expected.equal(count, f"all {count} identical"),
            SOURCE_STREAMS,
            f"{same} of {count} identical",
            same == count,
            value=same,
        )
    ]
    outcomes_one = Counter(o.label for s in singles for o in map(Outcome, s.outcome))
    outcomes_batch = Counter(Outcome(o).label for o in other.outcome)
    weeks_one = Counter(int(w) for s in singles for w in s.end_round)
    weeks_batch = Counter(int(w) for w in other.end_round)
    order = [o.label for o in OUTCOMES]
    weeks = sorted({*weeks_one, *weeks_batch})
    for what, first, second, named in (
        ("outcome", _ordered(outcomes_one, order), _ordered(outcomes_batch, order), _outcomes),
        ("end week", _ordered(weeks_one, weeks), _ordered(weeks_batch, weeks), _weeks),
    ):
        test = homogeneity(first, second)
        made.append(
            context.check(
                f"(b) one at a time ~ a batch: {what}",
                f"distribution of the {what} of the {count} replicates run one at a time (seed "
                f"{context.seed}) against a batch of {batch_size} (seed {other_seed}): "
                "Pearson's chi-square test of homogeneity",
                Expected.at_least(LEVEL, "p-value"),
                "Pearson 1900 (the chi-square test), Yates 1934 (its continuity correction), "
                f"Cochran 1954 (pooling cells with an expected count below 5); {SOURCE_STREAMS}",
                f"chi-square {test.statistic:.2f}, {test.dof} df, p = {test.p_value:.3f}",
                test.p_value >= LEVEL,
                note=f"categories tested ({what}): {'; '.join(map(named, test.categories))}",
                value=test.p_value,
            )
        )
    return made


def _ordered(counts: Counter, order: list) -> dict:
    return {name: counts.get(name, 0) for name in order}


def _outcomes(pooled: tuple) -> str:
    return " + ".join(pooled)


def _weeks(pooled: tuple) -> str:
    """Weeks pooled in one category, as ranges: `weeks 15-18, 34, 36-40`."""
    runs: list[list[int]] = []
    for week in sorted(pooled):
        if runs and week == runs[-1][-1] + 1:
            runs[-1].append(week)
        else:
            runs.append([week])
    text = ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else f"{r[0]}" for r in runs)
    return f"week{'s' if len(pooled) > 1 else ''} {text}"


def checks(context: Context) -> list[Check]:
    """(a) then (b)."""
    return convergence(context) + one_at_a_time(context)


def _draw(context: Context, sizes: list[int], estimates: list[Estimate], widths: list[float]):
    from matplotlib.figure import Figure

    figure = Figure(figsize=(5.5, 3.8), layout="constrained")
    ax = figure.add_subplot()
    ax.loglog(sizes, widths, "o", color="#4c72b0", label="half-width of the 95% interval")
    grid = np.geomspace(sizes[0] / 1.5, sizes[-1] * 1.5, 50)
    anchor = widths[0] * math.sqrt(sizes[0])
    ax.loglog(
        grid,
        anchor / np.sqrt(grid),
        "--",
        color="#888888",
        label="1/sqrt(R) through the first point",
    )
    ax.minorticks_off()
    ax.set_xticks(sizes, [str(r) for r in sizes])
    ax.set_yticks(widths, [f"{w:.4f}" for w in widths])
    ax.set_xlabel("replicates R")
    ax.set_ylabel("half-width")
    ax.set_title(f"agreement share of {SCENARIO}", fontsize="small")
    ax.legend(fontsize="small", frameon=False)
    context.figure(
        "interval_width",
        figure,
        f"Half-width of the 95% Wilson interval of the agreement share of {SCENARIO} at R = "
        f"{', '.join(map(str, sizes))} (seed {context.seed}), on log-log axes, with the line "
        "1/sqrt(R) through the first point.",
    )


GROUP = Group(
    title=TITLE,
    about=f"""\
(a) Convergence. The agreement share of `scenarios/{SCENARIO}.yaml` (about 0.27: not
degenerate at 0 or 1) is estimated at R = scale/4, scale and 4 x scale replicates (500, 2000
and 8000 at the default scale) with the report's seed, so each run begins with the replicates
of the smaller ones. If the estimate's error shrinks as 1/sqrt(R), each fourfold R halves the
half-width of its 95% interval: the ratio of successive half-widths is expected in
[{BAND[0]:g}, {BAND[1]:g}]. Why that band: the ratio is 2 sqrt(p1 (1 - p1) / (p2 (1 - p2))) for
the two estimates p1 and p2 (the Wilson interval's corrections to that formula move it by less
than 1% at R >= 500), so it departs from 2 only by the estimates' sampling difference. By the
delta method its relative standard error is |1 - 2p| sqrt(0.75 / (R p (1 - p))) / 2 for nested
runs of R and 4R: 1.4% at p = 0.27 and R = 500, at most 3% for p in
[{NOT_DEGENERATE[0]:g}, {NOT_DEGENERATE[1]:g}]. A ratio more than 10% from 2 is therefore more
than 3 standard errors away, and means the width does not scale as 1/sqrt(R). A first check
makes sure the share lies in that range (at a smaller scale than the default the band is
tighter than 3 standard errors).

(b) One replicate at a time. Replicate i run alone, as a model of one replicate
(`NegotiationModel(scenario, replicates=1, first_replicate=i)`), must give exactly the record
of replicate i of a batch with the same seed: every replicate draws from its own stream. And
the outcomes and end weeks of the replicates run one at a time (3 x scale / 20: 300 at the
default scale, seed S) must be distributed as those of a batch (3 x scale / 2: 3000) run with
another seed (S + 1). The test is Pearson's chi-square test of homogeneity (scipy's
`chi2_contingency`, with Yates's correction on a 2 x 2 table), categories with an expected
count below 5 pooled with the next rarest; it fails at p < {LEVEL:g}.

References beyond docs/ODD.md's bibliography: Pearson, K. (1900). On the criterion that a given
system of deviations from the probable in the case of a correlated system of variables is such
that it can be reasonably supposed to have arisen from random sampling. Philosophical Magazine,
5th series, 50(302), 157-175. Yates, F. (1934). Contingency tables involving small numbers and
the chi-square test. Supplement to the Journal of the Royal Statistical Society, 1(2), 217-235.
Cochran, W. G. (1954). Some methods for strengthening the common chi-square tests. Biometrics,
10(4), 417-451.""",
    checks=checks,
)
