"""What the declared uncertainty decides: scenario discovery over the values each replicate drew.

A run of a scenario with declared uncertainty (`Scenario.uncertainty`) records, per replicate,
the values it drew (`RunRecords.drawn_values`) and how it ended. Each replicate is then a sample
of the uncertain inputs with its outcome, which is what scenario discovery needs (Bryant &
Lempert 2010): `discover_drawn` asks PRIM which ranges of the drawn values the replicates with
an outcome share, as `sim.analysis.discover_boxes` does for a sweep's points.
"""

from __future__ import annotations

import pandas as pd

from sim.analysis import Discovery, discover_boxes
from sim.records import OUTCOMES, Outcome, RunRecords

DRAWN_OUTCOMES = (*(o.label for o in OUTCOMES), "breaks", "resolution_adopted")
"""The outcomes a replicate can be asked about: each terminal outcome, "breaks" (any outcome
but deadlock) and "resolution_adopted" (the Council adopted a resolution, accepted or not)."""


def drawn_table(records: RunRecords) -> pd.DataFrame:
    """One row per replicate: the values it drew (a column per path) and its outcomes (0 or 1)."""
    table = pd.DataFrame(
        {path: records.drawn_values[i] for i, path in enumerate(records.uncertain)}
    )
    for outcome in OUTCOMES:
        table[outcome.label] = (records.outcome == outcome).astype(float)
    table["breaks"] = (records.outcome != Outcome.DEADLOCK).astype(float)
    table["resolution_adopted"] = records.adopted.astype(float)
    return table


def discover_drawn(records: RunRecords, outcome: str, seed: int = 0) -> Discovery:
    """The ranges of the drawn values in which the replicates ending in `outcome` lie.

    Source: scenario discovery (Bryant & Lempert 2010, Technol. Forecast. Soc. Change 77:34)
    with PRIM (Friedman & Fisher 1999) and a CART tree, as in `sim.analysis.discover_boxes`.
    This is interpreted as: each replicate is a point whose parameters are its drawn values
    and whose share of `outcome` is 1 if it ended so, else 0; a replicate is of interest where
    that share is 1 (threshold 0.5). Replicates are independent draws, as the quasi-p values
    assume.

    Raises:
        ValueError: if the run drew no value, or `outcome` is not one of `DRAWN_OUTCOMES`.
    """
    if not records.uncertain:
        raise ValueError(
            "the scenario declares no uncertain value: nothing was drawn per replicate "
            "(write a value as a distribution, e.g. {uniform: [0.4, 0.6]}; docs/ODD.md)"
        )
    if outcome not in DRAWN_OUTCOMES:
        raise ValueError(f"outcome {outcome!r}; expected one of {', '.join(DRAWN_OUTCOMES)}")
    table = drawn_table(records)
    return discover_boxes(table, list(records.uncertain), outcome, 0.5, seed=seed)
