"""Per-replicate records of a model run, and their tidy table."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import pandas as pd


class Outcome(IntEnum):
    """How a replicate ended ("the deadlock breaks" means anything but DEADLOCK)."""

    ONGOING = -1
    DEADLOCK = 0
    AGREEMENT = 1
    RESOLUTION = 2
    UNILATERAL = 3

    @property
    def label(self) -> str:
        """The outcome's name as written in tables."""
        return self.name.lower()


OUTCOMES = (Outcome.AGREEMENT, Outcome.RESOLUTION, Outcome.UNILATERAL, Outcome.DEADLOCK)
"""Terminal outcomes in their fixed reporting order."""


def wilson_interval(successes: int, trials: int, z: float = 1.959964) -> tuple[float, float]:
    """The Wilson score interval for a binomial share (95% for the default z)."""
    if trials == 0:
        return (0.0, 1.0)
    share = successes / trials
    denominator = 1 + z * z / trials
    centre = (share + z * z / (2 * trials)) / denominator
    half = z * np.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True, eq=False)
class RunRecords:
    """Everything recorded about R replicates of one scenario run.

    Array shapes use R replicates, N parties, K issues, S Council sessions and M members.
    """

    scenario: str
    seed: int
    issues: tuple[str, ...]
    parties: tuple[str, ...]
    sessions: tuple[int, ...]
    """The rounds of the Council sessions."""
    members: tuple[str, ...]
    outcome: np.ndarray
    """(R,) int8 `Outcome` codes."""
    end_round: np.ndarray
    """(R,) int: the round the replicate ended (the horizon for a deadlock)."""
    point: np.ndarray
    """(R, K): the agreement, adopted draft or declared point; NaN for a deadlock."""
    proposals: np.ndarray
    """(R,) int: joint troika proposals made."""
    tabled: np.ndarray
    """(S, R) bool: a draft was put to the vote at the session."""
    withdrawn: np.ndarray
    """(S, R) bool: the sponsor withdrew its draft at the session."""
    amendments: np.ndarray
    """(S, R) int: amendments made to the draft before the session."""
    yes: np.ndarray
    """(S, R) int: the tally at the session (0 where no vote was held)."""
    no: np.ndarray
    abstain: np.ndarray
    votes: np.ndarray
    """(S, M, R) int8: each member's vote (see `sim.council` codes; 0 where no vote)."""
    vetoed: np.ndarray
    """(S, M, R) bool: the member's no defeated a draft that had the votes."""
    recognised: np.ndarray
    """(N, R) bool: the party recognised a unilateral act."""
    positions: np.ndarray
    """(N, R, K): final positions (current ones for replicates still running)."""
    gap: np.ndarray
    """(R, K): final gap between the disputants per issue (largest minus smallest)."""

    @property
    def replicates(self) -> int:
        """Number of replicates R."""
        return int(self.outcome.shape[0])

    def counts(self) -> dict[str, int]:
        """Number of replicates per terminal outcome, in reporting order."""
        return {o.label: int((self.outcome == o).sum()) for o in OUTCOMES}

    def summary(self) -> pd.DataFrame:
        """One row per terminal outcome: count, share, its 95% Wilson interval, median end round.

        The Wilson score interval (Wilson 1927, JASA 22:209) keeps its coverage near 95% even
        for shares near 0 or 1, where the normal approximation fails.
        """
        rows = []
        for outcome in OUTCOMES:
            ended = self.outcome == outcome
            count = int(ended.sum())
            low, high = wilson_interval(count, self.replicates)
            rows.append(
                {
                    "outcome": outcome.label,
                    "count": count,
                    "share": count / self.replicates,
                    "ci_low": low,
                    "ci_high": high,
                    "median_end_round": float(np.median(self.end_round[ended])) if count else None,
                }
            )
        return pd.DataFrame(rows)

    def vetoed_by(self) -> list[tuple[str, ...]]:
        """Per replicate, the members who vetoed a draft at any session."""
        any_session = self.vetoed.any(axis=0)
        return [
            tuple(m for m, hit in zip(self.members, col, strict=True) if hit)
            for col in any_session.T
        ]

    def to_frame(self) -> pd.DataFrame:
        """The tidy table of the run: one row per replicate.

        Columns: outcome, end round, the outcome's point per issue, proposals, the Council
        record per session, vetoes, recognitions, the final gap per issue and the final
        position of each party per issue.
        """
        labels = np.array([o.label for o in Outcome])[self.outcome - Outcome.ONGOING]
        columns: dict[str, object] = {
            "replicate": np.arange(self.replicates),
            "outcome": labels,
            "end_round": self.end_round,
        }
        for k, issue in enumerate(self.issues):
            columns[f"point_{issue}"] = self.point[:, k]
        columns["proposals"] = self.proposals
        columns["drafts_tabled"] = self.tabled.sum(axis=0)
        columns["drafts_withdrawn"] = self.withdrawn.sum(axis=0)
        for s, round_ in enumerate(self.sessions):
            prefix = f"session{round_}_"
            columns[prefix + "tabled"] = self.tabled[s]
            columns[prefix + "withdrawn"] = self.withdrawn[s]
            columns[prefix + "amendments"] = self.amendments[s]
            columns[prefix + "yes"] = self.yes[s]
            columns[prefix + "no"] = self.no[s]
            columns[prefix + "abstain"] = self.abstain[s]
        columns["vetoed_by"] = [";".join(names) for names in self.vetoed_by()]
        columns["recognised_by"] = [
            ";".join(p for p, hit in zip(self.parties, col, strict=True) if hit)
            for col in self.recognised.T
        ]
        for k, issue in enumerate(self.issues):
            columns[f"gap_{issue}"] = self.gap[:, k]
        for n, party in enumerate(self.parties):
            for k, issue in enumerate(self.issues):
                columns[f"position_{party}_{issue}"] = self.positions[n, :, k]
        return pd.DataFrame(columns)
