"""What a run's replicates add up to: outcome shares with intervals, the Council's record.

Everything is computed from the typed records (`RunRecords`, as a run returns them or as
`RunRecords.from_frame` reads them back from a results folder's `runs.csv`), so a summary
printed after a run and one read back from its folder agree.

A run whose replicates are all identical (`identical_replicates`: a scenario with nothing
random in it, or one replicate) is one outcome, not a sample from a distribution: its printed
summary says so and shows no interval, since a confidence interval describes sampling
variation and there is none.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.records import OUTCOMES, Outcome, RunRecords
from sim.scenario import CouncilSpec, Scenario

Z_95 = 1.959964
"""The standard normal quantile of a two-sided 95% interval."""


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval for a binomial share (95% for the default z).

    Source: Wilson (1927), JASA 22:209. Its coverage stays near the nominal level for shares
    near 0 or 1, where the normal approximation fails (Brown, Cai & DasGupta 2001).
    """
    if trials == 0:
        return (0.0, 1.0)
    share = successes / trials
    denominator = 1 + z * z / trials
    centre = (share + z * z / (2 * trials)) / denominator
    half = z * np.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)  # exact at the ends, not 1e-19
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return (low, high)


def identical_replicates(records: RunRecords) -> bool:
    """Whether every replicate's record is the same (True for a run of one replicate).

    Read from the tidy table (`RunRecords.to_frame`) without its `replicate` column: every
    other column must hold a single distinct value, a missing value (NaN) counting as a value.
    Every field `RunRecords` records is a column there, so fields added later are compared too.
    Identical replicates are one outcome, not a sample: there is no sampling variation for a
    confidence interval to describe.
    """
    if records.replicates <= 1:
        return True
    if (records.outcome != records.outcome[0]).any():
        return False  # a shortcut for most runs; the table below decides the rest
    frame = records.to_frame().drop(columns="replicate")
    return bool((frame.nunique(dropna=False) <= 1).all())


def outcome_table(records: RunRecords) -> pd.DataFrame:
    """One row per terminal outcome, in `OUTCOMES` order.

    Columns: `outcome`, `count`, `share`, `ci_low` and `ci_high` (the 95% Wilson interval of
    the share), `median_end_round` (empty where the outcome never happened).
    """
    total = records.replicates
    rows = []
    for outcome in OUTCOMES:
        ended = records.outcome == outcome
        count = int(ended.sum())
        low, high = wilson_interval(count, total)
        median = float(np.median(records.end_round[ended])) if count else np.nan
        rows.append(
            {
                "outcome": outcome.label,
                "count": count,
                "share": count / total if total else np.nan,
                "ci_low": low,
                "ci_high": high,
                "median_end_round": median,
            }
        )
    return pd.DataFrame(rows)


SESSION_COLUMNS = [
    "round",
    "reached",
    "withdrawn",
    "tabled",
    "adopted",
    "accepted",
    "vetoed",
    "amended",
]


def session_table(records: RunRecords) -> pd.DataFrame:
    """One row per Council session: how many replicates reached it and what became of the draft.

    Columns: `round`, `reached` (replicates where the Council sat on the draft), `withdrawn`,
    `tabled` (put to the vote), `adopted`, `accepted` (adopted, and inside every disputant's
    red lines, so it ended the dispute; an adopted resolution a disputant rejects does not),
    `vetoed` (had the votes but a permanent member voted no), `amended` (the draft was amended
    before the session). The Council does not sit again where it adopted a resolution, so a
    replicate's adoption is at its last session with a vote.
    """
    council = records.council
    tabled = council.tabled
    votes_after = np.flip(np.cumsum(np.flip(tabled, axis=0), axis=0), axis=0) - tabled
    adopted = tabled & (votes_after == 0) & records.adopted
    rows = [
        {
            "round": round_,
            "reached": int((council.tabled[s] | council.withdrawn[s]).sum()),
            "withdrawn": int(council.withdrawn[s].sum()),
            "tabled": int(council.tabled[s].sum()),
            "adopted": int(adopted[s].sum()),
            "accepted": int((adopted[s] & records.accepted).sum()),
            "vetoed": int(council.vetoed[s].any(axis=0).sum()),
            "amended": int((council.amendments[s] > 0).sum()),
        }
        for s, round_ in enumerate(records.sessions)
    ]
    return pd.DataFrame(rows, columns=SESSION_COLUMNS)


@dataclass(frozen=True)
class Summary:
    """The summary of one run of a scenario: outcomes, Council sessions, vetoes, recognitions."""

    scenario: str
    replicates: int
    seed: int
    time_unit: str
    outcomes: pd.DataFrame
    """See `outcome_table`; this is `summary.csv`."""
    sessions: pd.DataFrame
    """See `session_table` (no rows without a Security Council)."""
    sponsor: str | None
    """The Council member whose drafts are tabled or withdrawn."""
    vetoes: pd.DataFrame
    """Per permanent member: `member`, `replicates` in which it vetoed a draft, `share`."""
    recognitions: pd.DataFrame
    """Per party: `party`, `replicates` in which it recognised a unilateral act, and `share`
    of the replicates that ended in one."""
    identical: bool
    """Every replicate's record is the same (`identical_replicates`): the run is one outcome,
    so the text and the JSON show no interval (`outcomes` keeps the Wilson bounds of
    `summary.csv`, which describe no sampling variation here)."""

    def to_dict(self) -> dict[str, object]:
        """The summary as plain JSON-ready data (NaN as null).

        `identical` says whether all replicates are the same; if so the outcomes' interval
        fields (`ci_low`, `ci_high`) are null: there is no sampling variation to bound.
        """

        def records(frame: pd.DataFrame) -> list[dict[str, object]]:
            return [
                {key: _plain(value) for key, value in row.items()}
                for row in frame.to_dict(orient="records")
            ]

        outcomes = self.outcomes
        if self.identical:
            outcomes = outcomes.assign(**{name: None for name in INTERVAL_COLUMNS})
        return {
            "scenario": self.scenario,
            "replicates": self.replicates,
            "seed": self.seed,
            "time_unit": self.time_unit,
            "identical": self.identical,
            "outcomes": records(outcomes),
            "council": {
                "sponsor": self.sponsor,
                "sessions": records(self.sessions),
                "vetoes": records(self.vetoes),
            },
            "recognitions": records(self.recognitions),
        }

    def to_text(self, width: int = 96) -> str:
        """The summary as the command line prints it, lists wrapped at `width` characters.

        Outcome shares come with their 95% Wilson intervals, unless the replicates are all
        identical: then a sentence says so and the shares are printed without intervals.
        """
        unit = self.time_unit
        share = "{:.3f}".format
        outcomes = self.outcomes.rename(columns={"median_end_round": f"median_end_{unit}"})
        formats = {"share": share, "ci_low": share, "ci_high": share}
        formats[f"median_end_{unit}"] = "{:g}".format
        lines = [f"{self.scenario}: {self.replicates} replicates, seed {self.seed}"]
        if self.identical:
            lines.append(_wrapped_note(_identical_note(self.replicates), width))
            outcomes = outcomes.drop(columns=list(INTERVAL_COLUMNS))
        lines.append(outcomes.to_string(index=False, formatters=formats, na_rep="-"))
        if self.sponsor is not None and len(self.sessions):
            lines.append("")
            lines.append(
                _wrapped_note(f"Council sessions (drafts sponsored by {self.sponsor}):", width)
            )
            lines.append(self.sessions.rename(columns={"round": unit}).to_string(index=False))
            vetoers = self.vetoes[self.vetoes["replicates"] > 0]
            vetoed = [
                f"{v.member} {_count(v.replicates, self.replicates)}"
                for v in vetoers.itertuples(index=False)
            ]
            if len(self.vetoes):  # a body with veto players
                lines.append(_wrapped("vetoed by: ", vetoed or ["nobody"], width))
        unilateral = int(self.outcomes.set_index("outcome").loc["unilateral", "count"])
        if unilateral:
            recognitions = self.recognitions.sort_values("share", ascending=False, kind="stable")
            recognised = recognitions[recognitions["replicates"] > 0]
            never = recognitions[recognitions["replicates"] == 0]["party"]
            lines.append(f"\nRecognised the unilateral act (share of {unilateral} replicates):")
            lines.append(
                _wrapped(
                    "", [f"{r.party} {_percent(r.share)}" for r in recognised.itertuples()], width
                )
            )
            if len(never):
                lines.append(_wrapped("never: ", list(never), width))
        return "\n".join(lines)


INTERVAL_COLUMNS = ("ci_low", "ci_high")
"""The interval columns of an outcome table, left out of the text of identical replicates."""


def _identical_note(replicates: int) -> str:
    """What the text says instead of intervals when all replicates are identical."""
    if replicates <= 1:
        return (
            "A single replicate: one outcome, not a distribution (no interval is shown; run "
            "more replicates to see how the outcome varies)."
        )
    return (
        f"All {replicates} replicates are identical: nothing random changed any of them, so "
        "this is one outcome, not a distribution (no interval is shown)."
    )


def _wrapped_note(text: str, width: int) -> str:
    return textwrap.fill(text, width=width, break_on_hyphens=False)


def _wrapped(lead: str, items: list[str], width: int) -> str:
    return textwrap.fill(
        ", ".join(items),
        width=width,
        initial_indent="  " + lead,
        subsequent_indent="    ",
        break_on_hyphens=False,
    )


def _plain(value: object) -> object:
    """A table value as JSON has it: numpy scalars as Python numbers, NaN as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _percent(share: float) -> str:
    return "<1%" if share < 0.01 else f"{share:.0%}"


def _count(count: int, total: int) -> str:
    return f"{count} ({count / total:.1%})" if total else str(count)


def _sponsors(council: CouncilSpec, unit: str) -> str:
    """Who sponsors the drafts: one name, or each session's sponsor with its round."""
    sponsors = [session.sponsor or council.sponsor for session in council.schedule]
    if len(set(sponsors)) <= 1:
        return council.sponsor if not sponsors else sponsors[0]
    rounds = council.session_rounds
    return ", ".join(f"{name} ({unit} {r})" for name, r in zip(sponsors, rounds, strict=True))


def summarise(records: RunRecords, scenario: Scenario) -> Summary:
    """The summary of the records of a run of `scenario`."""
    council = scenario.council
    replicates = records.replicates
    permanent = council.permanent_members if council is not None else []
    vetoed_any = records.council.vetoed.any(axis=0)
    vetoed = np.array([vetoed_any[records.members.index(m)].sum() for m in permanent], dtype=int)
    vetoes = pd.DataFrame(
        {
            "member": permanent,
            "replicates": vetoed,
            "share": vetoed / replicates if replicates else np.nan,
        }
    )
    acted = records.outcome == Outcome.UNILATERAL
    parties = [p for p in scenario.party_names if p not in scenario.unilateral]
    recognised = np.array(
        [records.recognised[records.parties.index(p)][acted].sum() for p in parties], dtype=int
    )
    recognitions = pd.DataFrame(
        {
            "party": parties,
            "replicates": recognised,
            "share": recognised / acted.sum() if acted.any() else np.nan,
        }
    )
    return Summary(
        scenario=scenario.name,
        replicates=replicates,
        seed=records.seed,
        time_unit=scenario.time_unit,
        outcomes=outcome_table(records),
        sessions=session_table(records),
        sponsor=_sponsors(council, scenario.time_unit) if council else None,
        vetoes=vetoes,
        recognitions=recognitions,
        identical=identical_replicates(records),
    )
