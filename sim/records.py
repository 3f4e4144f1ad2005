"""Per-replicate records of a model run, and their tidy table."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import pandas as pd

from sim.council import NO


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


def column(*parts: object) -> str:
    """A column of the runs table: its parts joined by "." (e.g. `position.kosovo.sovereignty`)."""
    return ".".join(str(part) for part in parts)


def holds_text(name: str) -> bool:
    """Whether a column of the tidy tables holds text (outcomes, names, votes).

    Reading such columns as text keeps a party called `true` or `inf` a name, not a value.
    """
    return name in {"outcome", "recognised_by", "kind", "party", "issue"} or bool(
        re.fullmatch(r"session\d+\.(vetoed_by|vote\.[a-z][a-z0-9_]*)", name)
    )


QUANTILES = (0.05, 0.5, 0.95)
"""The quantiles a trajectory reports per round: a 90% band around the median."""


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

    def vetoed_by(self) -> list[tuple[str, ...]]:
        """Per replicate, the members who vetoed a draft at any session."""
        any_session = self.vetoed.any(axis=0)
        return [
            tuple(m for m, hit in zip(self.members, col, strict=True) if hit)
            for col in any_session.T
        ]

    def to_frame(self) -> pd.DataFrame:
        """The tidy table of the run: one row per replicate.

        Columns: `replicate`, `outcome`, `end_round`, the outcome's point per issue
        (`point.<issue>`), troika `proposals`, drafts tabled and withdrawn, the Council record
        per session (`session<round>.` tabled, withdrawn, amendments, yes, no, abstain,
        vetoed_by, and `vote.<member>`: yes, no, abstain, or empty where no vote was held),
        `recognised_by`, the final gap per issue (`gap.<issue>`) and the final position of each
        party per issue (`position.<party>.<issue>`). Lists of names are joined by ";". Names
        never contain "." or ";", so no two columns or list items can be confused.
        """
        labels = np.array([o.label for o in Outcome])[self.outcome - Outcome.ONGOING]
        columns: dict[str, object] = {
            "replicate": np.arange(self.replicates),
            "outcome": labels,
            "end_round": self.end_round,
        }
        for k, issue in enumerate(self.issues):
            columns[column("point", issue)] = self.point[:, k]
        columns["proposals"] = self.proposals
        columns["drafts_tabled"] = self.tabled.sum(axis=0)
        columns["drafts_withdrawn"] = self.withdrawn.sum(axis=0)
        vote_labels = np.array(["no", "abstain", "yes"])
        for s, round_ in enumerate(self.sessions):
            session = f"session{round_}"
            columns[column(session, "tabled")] = self.tabled[s]
            columns[column(session, "withdrawn")] = self.withdrawn[s]
            columns[column(session, "amendments")] = self.amendments[s]
            columns[column(session, "yes")] = self.yes[s]
            columns[column(session, "no")] = self.no[s]
            columns[column(session, "abstain")] = self.abstain[s]
            columns[column(session, "vetoed_by")] = _names(self.members, self.vetoed[s])
            for m, member in enumerate(self.members):
                labels = vote_labels[self.votes[s, m] - NO]
                columns[column(session, "vote", member)] = np.where(self.tabled[s], labels, "")
        columns["recognised_by"] = _names(self.parties, self.recognised)
        for k, issue in enumerate(self.issues):
            columns[column("gap", issue)] = self.gap[:, k]
        for n, party in enumerate(self.parties):
            for k, issue in enumerate(self.issues):
                columns[column("position", party, issue)] = self.positions[n, :, k]
        return pd.DataFrame(columns)


def _names(names: tuple[str, ...], hits: np.ndarray) -> list[str]:
    """Per replicate (column of `hits`, shape (len(names), R)), the names hit, joined by ";"."""
    return [";".join(n for n, hit in zip(names, column, strict=True) if hit) for column in hits.T]


@dataclass(frozen=True, eq=False)
class Trajectory:
    """Per-round summaries of a run across its live replicates (from the data collector).

    Row t describes the state after round t (row 0: the starting positions). T rounds, N
    parties, K issues; the last axis of a quantile array runs over `QUANTILES`.
    """

    scenario: str
    issues: tuple[str, ...]
    parties: tuple[str, ...]
    live: np.ndarray
    """(T,) int: replicates still negotiating after the round."""
    positions: np.ndarray
    """(T, N, K, 3): quantiles of each party's position over the live replicates."""
    united: np.ndarray
    """(T,) int: replicates that received a joint troika proposal in the round."""
    proposal: np.ndarray
    """(T, K, 3): quantiles of the joint proposals made in the round (NaN where none)."""

    def to_frame(self) -> pd.DataFrame:
        """The tidy table: one row per round, kind, party and issue.

        Columns: `round`, `kind` ("position" or "proposal"), `party` (empty for proposals),
        `issue`, `replicates` (those the quantiles are taken over), `p05`, `median`, `p95`.
        Rounds without a proposal have no proposal rows.
        """
        rounds = np.arange(len(self.live))
        n, k = len(self.parties), len(self.issues)
        positions = pd.DataFrame(
            {
                "round": np.repeat(rounds, n * k),
                "kind": "position",
                "party": np.tile(np.repeat(self.parties, k), len(rounds)),
                "issue": np.tile(self.issues, len(rounds) * n),
                "replicates": np.repeat(self.live, n * k),
            }
        )
        made = self.united > 0
        proposals = pd.DataFrame(
            {
                "round": np.repeat(rounds[made], k),
                "kind": "proposal",
                "party": "",
                "issue": np.tile(self.issues, int(made.sum())),
                "replicates": np.repeat(self.united[made], k),
            }
        )
        for q, column in enumerate(("p05", "median", "p95")):
            positions[column] = self.positions[..., q].reshape(-1)
            proposals[column] = self.proposal[made][..., q].reshape(-1)
        table = pd.concat([positions, proposals], ignore_index=True)
        return table.sort_values(["round", "kind"], kind="stable", ignore_index=True)
