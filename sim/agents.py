"""The agents: the parties to a negotiation, and what each of them decides.

Every actor is a `Party` (a Mesa agent). It keeps no copy of its state: its attributes read and
write through to the model's party-major arrays (`NegotiationModel.state`), shape (N, K, ...)
for N parties and K issues, so a value set between steps (a slider in a demo, an analyst in a
notebook) is what every rule uses next. Each decision method decides for all live replicates
at once; with one replicate a party is an ordinary agent to inspect and step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from sim.scenario import UnilateralOption
from sim.utility import utility

if TYPE_CHECKING:
    from sim.model import NegotiationModel

TOLERANCE = 1e-9
"""Slack for comparisons with red lines, so a proposal on a boundary is not lost to rounding."""


def concession_by_salience(salience: np.ndarray) -> np.ndarray:
    """How readily a party moves on each issue, relative to its least salient issue.

    Source: negotiators concede on the issues they value less and hold firm on those they
    value most, which is what makes logrolling across issues possible (Homans 1961; Raiffa
    1982, ch. 10; the exchange model of Stokman & Van Oosten 1994). This is interpreted as:
    the factor on issue k is s_min / s_k, where s_min is the party's smallest positive
    salience (1 on an issue it gives no weight): the least salient issue moves at full
    flexibility, an issue twice as salient at half of it; equal saliences give 1 everywhere.

    Args:
        salience: one party's salience (K, 1), or every party's (N, K, 1).

    Returns:
        The factors, in the shape of `salience`.
    """
    floor = np.where(salience > 0, salience, np.inf).min(axis=-2, keepdims=True)
    return floor / np.maximum(salience, floor)


class Stored:
    """A party attribute kept in the model's party-major array of the same name.

    Reading gives the party's row of the array (a read-only view, so it follows later
    changes); assigning goes through `NegotiationModel.set_party`, which checks the value.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, party: Party | None, owner: type) -> Any:
        if party is None:
            return self
        return party.model.state(self.name)[party.index]

    def __set__(self, party: Party, value: Any) -> None:
        party.model.set_party(party.index, self.name, value)


class Party(mesa.Agent):
    """A negotiating party: a state, a province, or an organisation such as the EU.

    Attributes stored in the model (each settable between steps, each with its shape):
        position: its current ideal point in every live replicate, (K, L).
        salience: issue weights, normalised to sum to 1, a column (K, 1).
        capability: relative power (> 0).
        flexibility: share of the distance to its targets it moves per round, in [0, 1].
        red_low, red_high: its acceptable interval per issue, columns (K, 1); `red_lines`
            reads and sets both at once, as (K, 2) rows [low, high].
        no_deal: the point it expects without agreement (its BATNA), a column (K, 1).
        disputant: whether an agreement needs its consent.

    Other attributes:
        name: the scenario's key for the party.
        label: its display name.
        index: its row on the model's party axis.
        unilateral: its option to act alone, if it has one.
    """

    salience = Stored()
    capability = Stored()
    flexibility = Stored()
    red_low = Stored()
    red_high = Stored()
    no_deal = Stored()
    disputant = Stored()

    def __init__(
        self,
        model: NegotiationModel,
        name: str,
        label: str | None = None,
        unilateral: UnilateralOption | None = None,
    ):
        super().__init__(model)
        self.name = name
        self.label = label or name
        self.index = len(model.parties)
        self.unilateral = unilateral

    def __repr__(self) -> str:
        return f"Party({self.name!r})"

    @property
    def position(self) -> np.ndarray:
        """Its current ideal point in every live replicate, shape (K, L) (a view, not a copy).

        Finished replicates are dropped from the model's state; their final positions are in
        `NegotiationModel.final_positions`. Assigning a point (K values, a column (K, 1) or
        (K, L)) moves the party there in every live replicate.
        """
        return self.model.positions[self.index]

    @position.setter
    def position(self, value: Any) -> None:
        self.model.set_party(self.index, "position", value)

    @property
    def red_lines(self) -> np.ndarray:
        """Its acceptable interval per issue, (K, 2): rows [low, high] (a copy).

        Assigning K pairs moves both ends at once (setting `red_low` and `red_high` one after
        the other may cross them on the way).
        """
        return np.hstack([self.red_low, self.red_high])

    @red_lines.setter
    def red_lines(self, value: Any) -> None:
        self.model.set_party(self.index, "red_lines", value)

    @property
    def concession(self) -> np.ndarray:
        """Per-issue factor on its flexibility, (K, 1) (see `concession_by_salience`)."""
        return concession_by_salience(self.salience)

    @property
    def unilateral_point(self) -> np.ndarray | None:
        """The point it would declare acting alone, a column (K, 1); None without an option."""
        option = self.unilateral
        return None if option is None else self.model.point(option.point)

    def utility(self, points: np.ndarray) -> np.ndarray:
        """Utility of `points` ((K, 1) or (K, R)) in each replicate, shape (R,)."""
        return utility(points, self.position, self.salience, self.model.loss)

    def no_deal_utility(self) -> np.ndarray:
        """Utility of its no-deal point (its BATNA) in each replicate, shape (R,)."""
        return self.utility(self.no_deal)

    def within_red_lines(self, points: np.ndarray) -> np.ndarray:
        """Whether each point ((K, R)) lies inside all its red lines, shape (R,)."""
        inside = (points >= self.red_low - TOLERANCE) & (points <= self.red_high + TOLERANCE)
        return inside.all(axis=0)

    def accepts(self, proposal: np.ndarray) -> np.ndarray:
        """Whether it accepts `proposal` ((K, R)) in each replicate, shape (R,).

        Source: a negotiator accepts an offer no worse than its best alternative to a
        negotiated agreement (Fisher & Ury 1981; Raiffa 1982, ch. 4) and never one that
        crosses a red line. This is interpreted as: accept iff the proposal lies inside every
        red line and U(proposal) >= U(no-deal point), both with its current ideal point.
        """
        return self.within_red_lines(proposal) & (self.utility(proposal) >= self.no_deal_utility())

    def may_act(self, round_: int) -> bool:
        """Whether it has a unilateral option open in this round."""
        return self.unilateral is not None and round_ >= self.unilateral.earliest_round

    def unilateral_hazard(self, round_: int, backing: np.ndarray) -> np.ndarray:
        """Probability of acting alone this round, per replicate (0 without an option).

        Source: unilateral secession becomes likelier the longer talks stay deadlocked and the
        more external support the seceding side can count on (Coggins 2011, "Friends in high
        places", International Organization 65:433; on Kosovo, Ker-Lindsay 2009). This is
        interpreted as: from `earliest_round` on, the hazard is
        min(1, base_rate + growth x (round - earliest_round)) times `backing`, the capability
        share of the other parties expected to recognise the act.
        """
        option = self.unilateral
        if not self.may_act(round_):
            return np.zeros_like(backing)
        rate = min(1.0, option.base_rate + option.growth * (round_ - option.earliest_round))
        return rate * backing

    def acts_alone(self, round_: int, backing: np.ndarray) -> np.ndarray:
        """Whether it acts alone this round, per replicate: a draw against its hazard, (L,).

        One uniform number is drawn per live replicate from the model's generator (none
        without an open option), so the draw sequence does not depend on the outcome.
        """
        if not self.may_act(round_):
            return np.zeros(backing.shape, dtype=bool)
        return self.model.rng.random(len(backing)) < self.unilateral_hazard(round_, backing)
