"""The agents: the parties to a negotiation, and what they decide.

Every actor is a `Party` (a Mesa agent). It keeps no copy of its state: its attributes read and
write through to the model's party-major arrays (`NegotiationModel.state`), shape (N, K, ...)
for N parties and K issues, so a value set between steps (a slider in a demo, an analyst in a
notebook) is what every rule uses next. Each decision method decides for all live replicates
at once; with one replicate a party is an ordinary agent to inspect and step.

What a party decides on its own is a method of the `Party`: whether it accepts a proposal,
whether it acts alone. Two decisions tie each party to others, and the parties take them
together, party-major, as methods of `Parties` (the model's parties in index order): how each
judges a text, a Council draft or a declaration (a client aligns with its patrons), and how
each moves its stance (toward its allies, and a disputant toward the troika's proposal).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import mesa
import numpy as np

from sim.mediation import Proposal
from sim.scenario import UnilateralOption
from sim.utility import utility
from sim.voting import ABSTAIN, NO, YES

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

    Reading gives the party's row of the array (a read-only view, which follows later changes:
    the parameter arrays are changed in place); assigning goes through
    `NegotiationModel.set_party`, which checks the value.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, party: Party | None, owner: type) -> Any:
        if party is None:
            return self
        return getattr(party.model, self.name)[party.index]

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
        self._unilateral = unilateral
        self._unilateral_point = None if unilateral is None else model.point(unilateral.point)

    def __repr__(self) -> str:
        return f"Party({self.name!r})"

    @property
    def position(self) -> np.ndarray:
        """Its current ideal point in every live replicate, shape (K, L).

        A read-only view of this round's positions: the model replaces its positions array
        every round (finished replicates are dropped; their final positions are in
        `NegotiationModel.final_positions`), so read it again after a step. Assigning a point
        (an issue -> value mapping, K values, or (K, L)) moves the party there in every live
        replicate, checked as a scenario's position is.
        """
        view = self.model.positions[self.index]
        view.flags.writeable = False
        return view

    @position.setter
    def position(self, value: Any) -> None:
        self.model.set_party(self.index, "position", value)

    @property
    def unilateral(self) -> UnilateralOption | None:
        """Its option to act alone (`sim.scenario.UnilateralOption`), or None."""
        return self._unilateral

    @unilateral.setter
    def unilateral(self, option: UnilateralOption | None) -> None:
        if option is not None and not isinstance(option, UnilateralOption):
            raise ValueError(f"unilateral must be a UnilateralOption or None, got {option!r}")
        self._unilateral = option
        self._unilateral_point = None if option is None else self.model.point(option.point)
        self.model.derive()

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
        return self.model.concession[self.index]

    @property
    def unilateral_point(self) -> np.ndarray | None:
        """The point it would declare acting alone, a column (K, 1); None without an option."""
        return self._unilateral_point

    def utility(self, points: np.ndarray) -> np.ndarray:
        """Utility of `points` ((K, 1) or (K, R)) in each replicate, shape (R,)."""
        model, i = self.model, self.index  # the model's rows, read without the descriptors
        return utility(points, model.positions[i], model.salience[i], model.loss)

    def no_deal_utility(self) -> np.ndarray:
        """Utility of its no-deal point (its BATNA) in each replicate, shape (R,)."""
        return self.utility(self.model.no_deal[self.index])

    def within_red_lines(self, points: np.ndarray) -> np.ndarray:
        """Whether each point ((K, R)) lies inside all its red lines, shape (R,)."""
        model, i = self.model, self.index
        low, high = model.red_low[i], model.red_high[i]
        inside = (points >= low - TOLERANCE) & (points <= high + TOLERANCE)
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
        option = self._unilateral
        return option is not None and round_ >= option.earliest_round

    def unilateral_hazard(self, round_: int, backing: np.ndarray) -> np.ndarray:
        """Probability of acting alone this round, per replicate (0 without an option).

        Source: unilateral secession becomes likelier the longer talks stay deadlocked and the
        more external support the seceding side can count on (Coggins 2011, "Friends in high
        places", International Organization 65:433; on Kosovo, Ker-Lindsay 2009). This is
        interpreted as: from `earliest_round` on, the hazard is
        min(1, base_rate + growth x (round - earliest_round)) times `backing`, the capability
        share of the other parties expected to recognise the act.
        """
        option = self._unilateral
        if not self.may_act(round_):
            return np.zeros_like(backing)
        rate = min(1.0, option.base_rate + option.growth * (round_ - option.earliest_round))
        return rate * backing

    def acts_alone(self, round_: int, backing: np.ndarray) -> np.ndarray:
        """Whether it acts alone this round, per replicate: a draw against its hazard, (L,).

        One uniform number is drawn per live replicate from its stream (`sim.streams`; none
        without an open option).
        """
        if not self.may_act(round_):
            return np.zeros(backing.shape, dtype=bool)
        model = self.model
        draws = model.streams.uniform(model.live_replicates)
        return draws < self.unilateral_hazard(round_, backing)


LAYERED_UP_TO = 4096
"""Values per party up to which `Ties.sum` works layer by layer rather than tie by tie."""


class Ties:
    """Weighted ties between parties, summed tie by tie.

    `sum(values)[i] = sum_j W_ij values[j]`. The sum runs over the non-zero ties in a fixed
    order, element by element, so each replicate's result is the same whatever the number of
    replicates alongside it (a BLAS matrix product may round differently with the batch shape).
    """

    def __init__(self, weights: np.ndarray):
        self.pairs = [(int(i), int(j), float(weights[i, j])) for i, j in np.argwhere(weights)]
        self.row_sums = weights.sum(axis=1)
        self.abs_row_sums = np.abs(weights).sum(axis=1)
        # Layer t holds every party's t-th tie, so one numpy operation per layer adds each
        # party's ties in the same order as one by one.
        rows: dict[int, list[tuple[int, float]]] = {}
        for i, j, weight in self.pairs:
            rows.setdefault(i, []).append((j, weight))
        depth = max((len(ties) for ties in rows.values()), default=0)
        self._layers = [
            (
                np.array([i for i, ties in rows.items() if len(ties) > t]),
                np.array([ties[t][0] for ties in rows.values() if len(ties) > t]),
                np.array([ties[t][1] for ties in rows.values() if len(ties) > t]),
            )
            for t in range(depth)
        ]

    def sum(self, values: np.ndarray) -> np.ndarray:
        """Per party, the weighted sum of the other parties' `values` (party axis first).

        Few replicates: one numpy operation per layer of ties (less Python); many: one per tie
        (less copying). Both add each party's ties in the same order, so they agree exactly.
        """
        total = np.zeros_like(values, dtype=float)
        if values[0].size > LAYERED_UP_TO:
            for i, j, weight in self.pairs:
                total[i] += weight * values[j]
            return total
        expand = (slice(None),) + (None,) * (values.ndim - 1)
        for parties, others, weights in self._layers:
            total[parties] += weights[expand] * values[others]
        return total


class AllianceTies(NamedTuple):
    """The two ways alliances tie parties (see `NegotiationModel.ties`)."""

    pull: Ties
    """A_ij: how hard party j pulls party i's stance."""
    patronage: Ties
    """P_ij: the weight of patron j's stance in client i's judgement."""


def stance(score: np.ndarray, band: float) -> np.ndarray:
    """Yes above `band`, no below `-band`, abstain in between: int8 vote codes."""
    return np.where(score > band, YES, np.where(score < -band, NO, ABSTAIN)).astype(np.int8)


class Parties(Sequence[Party]):
    """The model's parties in index order, and the decisions they take together.

    Judging a text and moving a stance tie each party to others (its patrons, its allies), so
    they are taken by all parties at once, party-major, over every live replicate: one
    implementation, as fast with 1 replicate as with 10 000.
    """

    def __init__(self, model: NegotiationModel):
        self.model = model
        self._parties: list[Party] = []

    def append(self, party: Party) -> None:
        """Add the next party (its `index` is its place here)."""
        self._parties.append(party)

    def __getitem__(self, index: int) -> Party:  # type: ignore[override]
        return self._parties[index]

    def __len__(self) -> int:
        return len(self._parties)

    def __iter__(self) -> Iterator[Party]:
        return iter(self._parties)

    def __repr__(self) -> str:
        return f"Parties({[party.name for party in self._parties]})"

    def utilities(self, points: np.ndarray) -> np.ndarray:
        """Every party's utility of `points` ((K, 1) or (K, L)), shape (N, L)."""
        model = self.model
        return utility(points, model.positions, model.salience, model.loss)

    def net_utility(self, text: np.ndarray) -> np.ndarray:
        """Every party's utility of `text` ((K, 1) or (K, L)) over the status quo, (N, L)."""
        return self.utilities(text) - self.utilities(self.model.status_quo)

    def judge(self, net: np.ndarray, terms: np.ndarray | None = None) -> np.ndarray:
        """Each party's stance on a text (a draft, a declaration) against the status quo.

        Source: spatial voting on a motion against the status quo (Tsebelis 2002, *Veto
        Players*) with alignment to a patron (UN votes follow alignment blocs: Voeten 2000,
        International Organization 54:185, on the General Assembly; applied here to Council
        votes and recognitions). This is interpreted as:

        1. The party's net utility is U(text) - U(status quo) (`net_utility`).
        2. Its sincere stance is yes above `abstain_band`, no below minus the band, abstain
           in between.
        3. Its judgement adds `patron_alignment` x sum over patrons of strength x the patron's
           sincere stance (+1, 0, -1), and `noise` x its random term, if any.
        4. The judgement is yes / no / abstain by the same band.

        Args:
            net: net utilities, (N, L) (columns may be any subset of the live replicates).
            terms: the parties' standard normal random terms for these columns, (N, L)
                (`random_terms`); None for a forecast, which leaves them out.

        Returns:
            (N, L) int8 codes YES, NO or ABSTAIN.
        """
        model = self.model
        rules = model.decision
        band = rules.abstain_band
        score = net + rules.patron_alignment * model.ties.patronage.sum(stance(net, band))
        if terms is not None:
            score = score + rules.noise * terms
        return stance(score, band)

    def random_terms(self, replicates: np.ndarray) -> np.ndarray | None:
        """The random terms of the parties' judgements in `replicates`, (N, L).

        They come from the replicates' streams (`sim.streams`); None when `decision.noise` is
        0 (nothing is drawn).
        """
        if self.model.decision.noise == 0:
            return None
        return self.model.streams.normal((len(self),), replicates)

    def concede(self, proposal: Proposal | None, round_: int) -> None:
        """Move every party toward its allies and every disputant toward the proposal.

        Sources: alliance pull as capability-weighted social influence (French 1956; Friedkin
        & Johnsen 1990); concession toward the mediator's proposal (Zeuthen 1930; Pruitt 1981);
        ripeness, flexibility growing with the cost of a mutually hurting stalemate (Zartman
        1989, 2000); red lines as reservation points never crossed (Raiffa 1982); the drift as
        the usual stochastic stand-in for influences left out (Grimm & Railsback 2005). This is
        interpreted as:

        1. Alliance pull on party i: sum_j A_ij (p_j - p_i) (`NegotiationModel.ties`; rivals push
           apart).
        2. Mediation pull on a disputant: `mediation.pull` x (proposal - p_i), in rounds with a
           joint proposal.
        3. If the weights of these pulls (sum_j |A_ij|, plus `mediation.pull` in a round with a
           joint proposal) add up to more than 1, the pulls are scaled down to add up to 1, so
           the party heads for a point within reach and never overshoots it.
        4. The party moves its effective flexibility times the (scaled) sum, where the effective
           flexibility is min(1, flexibility x (1 + ripeness x rounds since talks began)),
           scaled per issue by `concession_by_salience` (it gives ground on the issues
           it cares least about).
        5. Noise: a disputant's stance drifts by a normal term with sd `noise` per issue
           (domestic politics shifting the negotiators' stances; other parties' idiosyncrasies
           enter where they act, as the random term of their judgement of a text).
        6. The result is clipped into the party's red lines.
        """
        model = self.model
        positions = model.positions
        _, k, r = positions.shape
        ties = model.ties.pull
        disputants = model.disputant_index
        pull = ties.sum(positions) - ties.row_sums[:, None, None] * positions
        weight = np.repeat(ties.abs_row_sums[:, None], r, axis=1)
        if proposal is not None:
            mediated = proposal.united * (proposal.point - positions[disputants])
            pull[disputants] += model.troika.pull * mediated
            weight[disputants] += model.troika.pull * proposal.united
        stalemate = max(0, round_ - model.troika.first_round)
        flexibility = np.minimum(1.0, model.flexibility * (1.0 + model.ripeness * stalemate))
        share = flexibility[:, None, None] * model.concession / np.maximum(weight, 1.0)[:, None]
        moved = positions + share * pull
        if model.noise > 0:
            drift = model.streams.normal((len(disputants), k), model.live_replicates)
            moved[disputants] += model.noise * drift
        model.positions = np.clip(moved, model.red_low, model.red_high, out=moved)
