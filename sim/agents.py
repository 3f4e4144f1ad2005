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
from sim.unilateral import UNILATERAL_RULES, Situation
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
    flexibility, an issue twice as salient at half of it; equal saliences give 1 everywhere,
    and so does a party that cares about no issue at all.

    Args:
        salience: one party's salience (K, 1), or every party's (N, K, 1).

    Returns:
        The factors, in the shape of `salience`.
    """
    floor = np.where(salience > 0, salience, np.inf).min(axis=-2, keepdims=True)
    floor = np.where(np.isinf(floor), 1.0, floor)
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

    Attributes stored in the model (each settable between steps, each with its shape; W is
    1 for a value shared by all replicates, L where it was drawn per replicate):
        position: its current ideal point in every live replicate, (K, L).
        salience: how much each issue matters to it, absolute, on the unit scale, (K, W).
        capability: relative power (> 0), (W,).
        flexibility: share of the distance to its targets it moves per round, in [0, 1], (W,).
        red_low, red_high: the stated ends of its acceptable interval per issue, (K, W);
            `red_lines` reads and sets both at once, as (K, 2) rows [low, high].
        core_low, core_high: the cores of its red lines, never given up, (K, W).
        no_deal: the point it expects without agreement (its BATNA), (K, W).
        stalemate_cost: utility lost per round of stalemate, (W,).
        audience_cost: utility cost of retreating from its stated red lines, (W,).
        restraint: how strongly it holds its clients back from acting alone, (W,).
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
    core_low = Stored()
    core_high = Stored()
    no_deal = Stored()
    stalemate_cost = Stored()
    audience_cost = Stored()
    restraint = Stored()
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

    def __repr__(self) -> str:
        return f"Party({self.name!r})"

    @property
    def position(self) -> np.ndarray:
        """Its current ideal point in every live replicate, shape (K, L).

        A read-only view of this round's positions: the model replaces its positions array
        every round (finished replicates are dropped; their final positions are in
        `NegotiationModel.final_positions`), so read it again after a step. Assigning a point
        (an issue -> value mapping, K values, or (K, L)) moves the party there in every live
        replicate. Both are on the unit scale (each issue's scale mapped to [0, 1]; see
        `NegotiationModel.scales`).
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
        self.model.open_option(self)
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
        """The point it would declare acting alone, (K, W); None without an option."""
        option = self.model.options.get(self.index)
        return None if option is None else option.point

    def utility(self, points: np.ndarray) -> np.ndarray:
        """Utility of `points` ((K, 1) or (K, R)) in each replicate, shape (R,)."""
        model, i = self.model, self.index  # the model's rows, read without the descriptors
        return utility(points, model.positions[i], model.salience[i], model.loss)

    def no_deal_utility(self) -> np.ndarray:
        """Utility of its no-deal point (its BATNA) in each replicate, shape (R,)."""
        return self.utility(self.model.no_deal[self.index])

    def red_lines_in_force(self) -> tuple[np.ndarray, np.ndarray]:
        """The red lines it holds this round (low, high), each (K, W).

        A disputant's stated red lines give way toward their cores under the stalemate's
        pressure (`sim.stalemate.lines_in_force`); any other party holds its stated ones.
        """
        model, i = self.model, self.index
        row = model.disputant_row.get(i)
        if row is None or model.held_low is None:
            return model.red_low[i], model.red_high[i]
        return model.held_low[row], model.held_high[row]

    def within_red_lines(self, points: np.ndarray) -> np.ndarray:
        """Whether each point ((K, R)) lies inside all its red lines in force, shape (R,)."""
        low, high = self.red_lines_in_force()
        inside = (points >= low - TOLERANCE) & (points <= high + TOLERANCE)
        return inside.all(axis=0)

    def pressure(self) -> tuple[np.ndarray | float, np.ndarray | float]:
        """The stalemate's accumulated cost to it and the inducements offered it this round.

        Both in utility, (W,); 0 for a party that is not a disputant (`sim.stalemate`).
        """
        model = self.model
        row = model.disputant_row.get(self.index)
        if row is None or model.stalemate is None:
            return 0.0, 0.0
        return model.stalemate[row], model.offered[row]

    def accepts(self, proposal: np.ndarray) -> np.ndarray:
        """Whether it accepts `proposal` ((K, R)) in each replicate, shape (R,).

        Source: a negotiator accepts an offer no worse than its best alternative to a
        negotiated agreement (Fisher & Ury 1981; Raiffa 1982, ch. 4) and never one that
        crosses a red line; the alternative worsens as a hurting stalemate drags on (Zartman
        1989) and inducements add to the offer (Touval & Zartman 1985). This is interpreted
        as: accept iff the proposal lies inside every red line in force and
        U(proposal) + inducements >= U(no-deal point) - the stalemate's accumulated cost,
        with its current ideal point.
        """
        cost, offered = self.pressure()
        gain = self.utility(proposal) + offered
        return self.within_red_lines(proposal) & (gain >= self.no_deal_utility() - cost)

    def may_act(self, round_: int) -> bool:
        """Whether its unilateral option can be open in this round in any replicate.

        From the scenario alone (the earliest round its option can take, drawn or not), so
        that whether a round draws random numbers never depends on other replicates.
        """
        option = self._unilateral
        return option is not None and round_ >= self.model.earliest_possible[self.index]

    def unilateral_hazard(
        self, round_: int, backing: np.ndarray, endorsed: np.ndarray | None = None
    ) -> np.ndarray:
        """Probability of acting alone this round, per replicate (0 without an option).

        The option's rule (`sim.unilateral.UNILATERAL_RULES`) sets it from the `Situation`:
        whether the option is open, the `backing` (the capability share of the other parties
        expected to recognise the act), the patrons' consent (`NegotiationModel.consent`,
        from `endorsed`, the parties expected to judge the act favourably, (N, L); all of
        them if not given), the value of acting alone and of staying.
        """
        if not self.may_act(round_):
            return np.zeros_like(backing)
        model = self.model
        option = model.options[self.index]
        endorsed = (
            np.ones((len(model.parties), len(backing)), dtype=bool)
            if endorsed is None
            else endorsed
        )
        cost, offered = self.pressure()
        acting = backing * self.utility(option.point) + (1 - backing) * self.utility(
            model.status_quo
        )
        staying = waiting = self.no_deal_utility() - cost
        proposal = model.last_proposal
        offer = on_table = None
        if proposal is not None:
            on_table = proposal.united & self.within_red_lines(proposal.point)
            offer = self.utility(proposal.point) + offered
            staying = np.where(on_table, np.maximum(staying, offer), staying)
        situation = Situation(
            round=round_,
            open=round_ >= np.asarray(option.earliest_round),
            backing=backing,
            consent=model.consent(self, endorsed),
            acting=acting,
            staying=np.broadcast_to(staying, backing.shape),
        )
        hazard = UNILATERAL_RULES[self._unilateral.rule](option, situation)
        if model.narrator is not None:
            model.narrator.weighs(self, situation, hazard, waiting, offer, on_table)
        return hazard

    def acts_alone(
        self, round_: int, backing: np.ndarray, endorsed: np.ndarray | None = None
    ) -> np.ndarray:
        """Whether it acts alone this round, per replicate: a draw against its hazard, (L,).

        One uniform number is drawn per live replicate from its stream (`sim.streams`; none
        without an open option).
        """
        if not self.may_act(round_):
            return np.zeros(backing.shape, dtype=bool)
        model = self.model
        draws = model.streams.uniform(model.live_replicates)
        acts = draws < self.unilateral_hazard(round_, backing, endorsed)
        if model.narrator is not None:
            model.narrator.draws(self, draws)
        return acts


LAYERED_UP_TO = 4096
"""Values per party up to which `Ties.sum` works layer by layer rather than tie by tie."""


class Ties:
    """Weighted ties between parties, summed tie by tie.

    `sum(values)[i] = sum_j W_ij values[j]`. The weights are (N, N), or (N, N, W) with a
    replicate axis (W = 1: shared; W = L: one weight per live replicate). The sum runs over
    the non-zero ties in a fixed order, element by element, so each replicate's result is the
    same whatever the number of replicates alongside it (a BLAS matrix product may round
    differently with the batch shape).
    """

    def __init__(self, weights: np.ndarray):
        weights = np.asarray(weights, dtype=float)
        if weights.ndim == 2:
            weights = weights[..., None]
        shared = weights.shape[-1] == 1
        self.pairs = [
            (int(i), int(j), float(weights[i, j, 0]) if shared else weights[i, j])
            for i, j in np.argwhere((weights != 0).any(axis=-1))
        ]
        self.row_sums = weights.sum(axis=1)
        """Per party, the sum of its ties' weights, (N, W)."""
        self.abs_row_sums = np.abs(weights).sum(axis=1)
        """Per party, the sum of its ties' absolute weights, (N, W)."""
        # Layer t holds every party's t-th tie, so one numpy operation per layer adds each
        # party's ties in the same order as one by one.
        rows: dict[int, list[tuple[int, Any]]] = {}
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
        inner = (1,) * (values.ndim - 2)
        for parties, others, weights in self._layers:
            total[parties] += weights.reshape(len(weights), *inner, -1) * values[others]
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

    def judges_alike(self) -> bool:
        """Whether every replicate judges by the same rules and ties (none drawn per replicate).

        Then `judge` may be given any subset of the live replicates' columns.
        """
        model = self.model
        rules = model.decision
        drawn = any(isinstance(getattr(rules, name), np.ndarray) for name in rules.checks)
        return not drawn and model.alliance_strength.shape[-1] == model.capability.shape[-1] == 1

    def random_terms(self, replicates: np.ndarray) -> np.ndarray | None:
        """The random terms of the parties' judgements in `replicates`, (N, L).

        They come from the replicates' streams (`sim.streams`); None when `decision.noise` is
        0 (nothing is drawn).
        """
        noise = self.model.decision.noise
        if not isinstance(noise, np.ndarray) and noise == 0:
            return None
        return self.model.streams.normal((len(self),), replicates)

    def concede(self, proposal: Proposal | None, round_: int) -> None:
        """Move every party toward its allies and every disputant toward the proposal.

        Sources: alliance pull as capability-weighted social influence (French 1956; Friedkin
        & Johnsen 1990); concession toward the mediator's proposal (Zeuthen 1930; Pruitt 1981);
        red lines as reservation points never crossed (Raiffa 1982), a disputant's as they
        stand this round (`sim.stalemate.lines_in_force`); the drift as the usual stochastic
        stand-in for influences left out (Grimm & Railsback 2005). This is interpreted as:

        1. Alliance pull on party i: sum_j A_ij (p_j - p_i) (`NegotiationModel.ties`; rivals push
           apart).
        2. Mediation pull on a disputant: `mediation.pull` x (proposal - p_i), in rounds with a
           joint proposal.
        3. If the weights of these pulls (sum_j |A_ij|, plus `mediation.pull` in a round with a
           joint proposal) add up to more than 1, the pulls are scaled down to add up to 1, so
           the party heads for a point within reach and never overshoots it.
        4. The party moves its flexibility times the (scaled) sum, scaled per issue by
           `concession_by_salience` (it gives ground on the issues it cares least about).
        5. Noise: a disputant's stance drifts by a normal term with sd `noise` per issue
           (domestic politics shifting the negotiators' stances; other parties' idiosyncrasies
           enter where they act, as the random term of their judgement of a text).
        6. The result is clipped into the party's red lines (a disputant's in force).
        """
        model = self.model
        positions = model.positions
        k, r = positions.shape[1:]
        ties = model.ties.pull
        movers, disputants = model.movers, model.disputant_rows  # disputants among the movers
        start = positions[movers]
        pull = ties.sum(positions)[movers] - ties.row_sums[movers][:, None, :] * start
        weight = np.broadcast_to(ties.abs_row_sums[movers], (len(movers), r)).copy()
        if proposal is not None:
            mediated = proposal.united * (proposal.point - start[disputants])
            pull[disputants] += model.troika.pull * mediated
            weight[disputants] += model.troika.pull * proposal.united
        flexibility = model.flexibility[movers][:, None, :]
        share = flexibility * model.concession[movers] / np.maximum(weight, 1.0)[:, None]
        moved = start + share * pull
        if isinstance(model.noise, np.ndarray) or model.noise > 0:  # drawn: always
            drift = model.streams.normal((len(disputants), k), model.live_replicates)
            moved[disputants] += model.noise * drift
        held = moved[disputants]
        np.clip(moved, model.red_low[movers], model.red_high[movers], out=moved)
        if model.held_low is not None:
            moved[disputants] = np.clip(held, model.held_low, model.held_high)
        positions = positions.copy()
        positions[movers] = moved
        model.positions = positions
