"""The demo's running log: what happened in each round so far, in plain words.

This is the log's one seam. A model that narrates (`NegotiationModel(..., narrate=True)`, with
`sim.narrative`) is told from its events, as `python run.py explain` tells them: a round in
which something happens in full, a run of quiet rounds in one line. A model that does not (an
engine without `sim.narrative`) is told by `plain_round` from what every model exposes: the
events of the scenario that happened, the mediators' proposal, the Council's session, the
outcome. `event_log` gives either as `LogEntry` items, oldest first; the page shows them
newest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.records import Outcome
from sim.voting import NO, YES

if TYPE_CHECKING:
    from sim.model import NegotiationModel


@dataclass(frozen=True)
class LogEntry:
    """A round (or a run of quiet rounds) told in plain words."""

    heading: str
    """E.g. "Week 20 (from 17 December 2007)" or "Weeks 2-3"."""
    first: int
    last: int
    lines: tuple[str, ...]
    """What happened, a sentence (or a table's row) a line."""
    quiet: bool = False
    """Whether nothing happened but the clock (the lines then summarise the rounds)."""


def event_log(model: NegotiationModel) -> list[LogEntry]:
    """The rounds run so far, oldest first (see the module docstring)."""
    narrator = getattr(model, "narrator", None)
    if narrator is not None:
        return narrated(narrator.narrative())
    return list(getattr(model, "plain_log", []))


def narrated(narrative: Any) -> list[LogEntry]:
    """A `sim.narrative.Narrative` told round by round, as `run.py explain` tells it."""
    from sim.narrative import Teller

    entries = []
    for heading, first, last, quiet, blocks in Teller(narrative).segments():
        lines: list[str] = []
        for block in blocks:
            if isinstance(block, str):
                lines.append(block)
            else:  # a table: its rows as indented lines
                lines += [f"    {line}" for line in block.lines]
        if quiet:
            lines = [lines[0][:1].upper() + lines[0][1:]] if lines else []
        entries.append(LogEntry(heading, first, last, tuple(lines), quiet))
    return entries


# --- the plain log, from what any model exposes -------------------------------------------------


def _when(model: NegotiationModel, round_: int) -> str:
    unit = model.scenario.time_unit
    return f"{unit[:1].upper()}{unit[1:]} {round_}"


def _point(model: NegotiationModel, column: np.ndarray) -> str:
    """A point on the unit scale, in the issues' own units."""
    values = np.asarray(column, dtype=float).reshape(len(model.issues), -1)[:, 0]
    low, high = model.scales[:, 0], model.scales[:, 1]
    shown = low + (high - low) * values
    return ", ".join(
        f"{issue.replace('_', ' ')} {value:.3g}"
        for issue, value in zip(model.issues, shown, strict=True)
    )


def _names(model: NegotiationModel, mask: np.ndarray) -> str:
    members = model.council.members
    return ", ".join(party.label for party, hit in zip(members, mask, strict=True) if hit)


def plain_round(model: NegotiationModel, round_: int) -> LogEntry:
    """Round `round_` of a one-replicate model, just run, told from what the model exposes."""
    lines = []
    for plan in model.events:
        if int(plan.round[0]) == round_ and model.happened[plan.index, 0]:
            event = model.scenario.events[plan.index]
            lines.append(f"Event: {event.label or event.name}.")
    proposal = model.round_proposal
    if proposal is not None and proposal.point.shape[-1]:
        if bool(proposal.united[0]):
            lines.append(f"The mediators propose {_point(model, proposal.point)}.")
        else:
            lines.append("The mediators are split: no joint proposal.")
    council = model.council
    if council is not None and council.sits(round_):
        record = model.council_log.at(council.sessions.index(round_))
        if record.withdrawn[0]:
            lines.append(f"{council.sponsor.label} withdraws its draft before the vote.")
        elif record.tabled[0]:
            tally = f"{record.yes[0]} yes, {record.no[0]} no, {record.abstain[0]} abstaining"
            vetoed = record.vetoed[:, 0]
            verdict = (
                f"vetoed by {_names(model, vetoed)}"
                if vetoed.any()
                else ("adopted" if model.adopted[0] else "not adopted")
            )
            lines.append(f"The Council votes on the draft: {tally}; {verdict}.")
            against = record.votes[:, 0] == NO
            if against.any():
                lines.append(f"Against: {_names(model, against)}.")
            supporting = record.votes[:, 0] == YES
            if supporting.any():
                lines.append(f"In favour: {_names(model, supporting)}.")
    if model.outcome[0] != Outcome.ONGOING and int(model.end_round[0]) == round_:
        outcome = Outcome(int(model.outcome[0]))
        where = ""
        if not np.isnan(model.outcome_point[0]).any():
            where = f", at {_point(model, model.outcome_point[0])}"
        lines.append(f"Outcome: {outcome.label}{where}.")
    return LogEntry(_when(model, round_), round_, round_, tuple(lines or ["Nothing happens."]))
