"""Comparative statics of Model 2 on the Kosovo case (docs/kosovo-model2.md).

Each test runs a Kosovo scenario at two or three values of one parameter, a few hundred
replicates each with a fixed seed, and asserts the direction the committed sweep
(scenarios/sweeps/model2_*.yaml) found, with a margin: a difference of shares must exceed three
standard errors of the difference, and a difference of mean end weeks three standard errors of
the difference of the means. The values are chosen where the sweeps found the effect; a margin
of three standard errors leaves a false alarm about once in 700 runs of a test.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from sim.pipeline import simulate
from sim.records import Outcome, RunRecords

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
REPLICATES = 800
SEED = 2007
MARGIN = 3.0
SERBIA_CORE = "parties.serbia.red_line_cores.sovereignty.1"
KOSOVO_CORE = "parties.kosovo.red_line_cores.sovereignty.0"


def run(scenario: str, **overrides: object) -> RunRecords:
    """The records of `scenario` (a file in scenarios/, without .yaml) with `overrides`."""
    return simulate(
        SCENARIOS / f"{scenario}.yaml",
        overrides=overrides,
        replicates=REPLICATES,
        seed=SEED,
        trajectories=False,
    ).records


def share(records: RunRecords, outcome: str) -> float:
    return records.counts()[outcome] / records.replicates


def rises(low: float, high: float, n: int = REPLICATES) -> bool:
    """Whether the share `high` exceeds `low` by more than MARGIN standard errors."""
    error = math.sqrt(low * (1 - low) / n + high * (1 - high) / n)
    return high - low > MARGIN * max(error, 1 / n)


def falls_in_mean(earlier: np.ndarray, later: np.ndarray) -> bool:
    """Whether the mean of `earlier` is below that of `later` by more than MARGIN errors."""
    error = math.sqrt(earlier.var(ddof=1) / len(earlier) + later.var(ddof=1) / len(later))
    return later.mean() - earlier.mean() > MARGIN * max(error, 1 / len(earlier))


def test_a_wider_overlap_of_the_cores_brings_more_agreement():
    # model2_overlap.yaml: Serbia's core reaching further toward Kosovo's (drawn) core.
    shares = [
        share(run("kosovo_2007_eu_leverage", **{SERBIA_CORE: core}), "agreement")
        for core in (0.5, 0.6, 0.8)
    ]
    assert shares[0] == 0.0  # below Kosovo's least core (0.5): no zone of agreement
    assert rises(shares[0], shares[1])
    assert rises(shares[1], shares[2])


def test_b_a_hurting_stalemate_brings_earlier_ends_and_agreement_where_a_zone_exists():
    # model2_ripeness.yaml: where the cores overlap (Serbia's 0.7 >= Kosovo's 0.6), a more
    # hurting stalemate brings agreement, and earlier; where they do not, no agreement.
    zone = {SERBIA_CORE: 0.7, KOSOVO_CORE: 0.6}
    mild, hurting, harsher = (
        run("kosovo_2007_hurting_stalemate", ripeness=r, **zone) for r in (0.005, 0.0125, 0.02)
    )
    assert rises(share(mild, "agreement"), share(hurting, "agreement"))
    assert rises(share(hurting, "agreement"), share(harsher, "agreement"))
    assert falls_in_mean(hurting.end_round, mild.end_round)
    assert falls_in_mean(harsher.end_round, hurting.end_round)
    no_zone = {SERBIA_CORE: 0.4, KOSOVO_CORE: 0.6}
    for ripeness in (0.005, 0.02):
        records = run("kosovo_2007_hurting_stalemate", ripeness=ripeness, **no_zone)
        assert share(records, "agreement") == 0.0


def test_c_larger_inducements_bring_more_agreement():
    # model2_inducements.yaml: the EU's inducements to both sides, raised together.
    shares = [
        share(
            run(
                "kosovo_2007_eu_leverage",
                **{"leverage.eu.inducements.serbia": size, "leverage.eu.inducements.kosovo": size},
            ),
            "agreement",
        )
        for size in (0.1, 0.2, 0.4)
    ]
    assert rises(shares[0], shares[1])
    assert rises(shares[1], shares[2])


def test_d_patrons_withholding_consent_make_the_declaration_rarer_and_later():
    # model2_consent.yaml: the restraint of the USA and the EU (from week 20) lifted with a
    # smaller chance, or later.
    rarely, surely = (run("kosovo_2007", **{"events.1.probability": p}) for p in (0.25, 1.0))
    assert rises(share(rarely, "unilateral"), share(surely, "unilateral"))
    assert rises(share(surely, "deadlock"), share(rarely, "deadlock"))
    soon, late = (run("kosovo_2007", **{"events.1.round": week}) for week in (24, 33))
    assert falls_in_mean(soon.end_round, late.end_round)
    declared = late.outcome == Outcome.UNILATERAL
    assert declared.any() and late.end_round[declared].min() >= 33  # never before consent


def test_e_without_the_veto_resolutions_are_adopted_but_rejected():
    # model2_veto.yaml: without the veto the Western draft is adopted in some replicates, but
    # Serbia rejects it (compliance), so no resolution ends the dispute and Kosovo declares.
    veto, no_veto = (run("kosovo_2007", **{"council.veto": v}) for v in (True, False))
    assert veto.adopted.mean() == 0.0
    assert rises(veto.adopted.mean(), no_veto.adopted.mean())
    for records in (veto, no_veto):
        assert share(records, "resolution") == 0.0
        assert not records.accepted.any()
        assert share(records, "unilateral") == 1.0
