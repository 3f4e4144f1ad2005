"""The agents: parties, and the troika and Council they form.

Every actor is a `Party` (a Mesa agent). Its state lives in the model's party-major arrays,
shape (N, K, R) for N parties, K issues and R replicates, so each decision method decides for
all R replicates at once; with R = 1 a party is an ordinary agent to inspect and step. The
troika and the Security Council are bodies of parties: they hold no state of their own beyond
their rules' parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim import mediation
from sim.council import ABSTAIN, NO, count_votes
from sim.scenario import Mediation, PartySpec, SecurityCouncil, UnilateralOption
from sim.utility import sum_in_order, utility

if TYPE_CHECKING:
    from sim.model import NegotiationModel

_TOLERANCE = 1e-9
"""Slack for comparisons with red lines, so a proposal on a boundary is not lost to rounding."""


def concession_by_salience(salience: np.ndarray) -> np.ndarray:
    """How readily a party moves on each issue, relative to its least salient issue.

    Source: negotiators concede on the issues they value less and hold firm on those they
    value most, which is what makes logrolling across issues possible (Homans 1961; Raiffa
    1982, ch. 10; the exchange model of Stokman & Van Oosten 1994). This is interpreted as:
    the factor on issue k is s_min / s_k, where s_min is the party's smallest positive
    salience (1 on an issue it gives no weight): the least salient issue moves at full
    flexibility, an issue twice as salient at half of it; equal saliences give 1 everywhere.
    """
    positive = salience[salience > 0]
    floor = positive.min()
    return floor / np.maximum(salience, floor)


class Party(mesa.Agent):
    """A negotiating party: a state, a province, or an organisation such as the EU.

    Attributes:
        name: the scenario's key for the party.
        label: its display name.
        index: its row on the model's party axis.
        capability: relative power (> 0).
        flexibility: share of the distance to its targets it moves per round, in [0, 1].
        concession: per-issue factor on its flexibility (see `concession_by_salience`), (K, 1).
        salience: issue weights, normalised to sum to 1, a column (K, 1).
        red_low, red_high: its acceptable interval per issue, columns (K, 1).
        disputant: whether an agreement needs its consent.
        no_deal: the point it expects without agreement (its BATNA), a column (K, 1).
        unilateral: its option to act alone, if it has one.
    """

    def __init__(
        self,
        model: NegotiationModel,
        name: str,
        spec: PartySpec,
        unilateral: UnilateralOption | None = None,
    ):
        super().__init__(model)
        issues = model.issues
        self.name = name
        self.label = spec.label or name
        self.index = len(model.parties)
        self.capability = spec.capability
        self.flexibility = spec.flexibility
        raw = np.array([[(spec.salience or {}).get(issue, 1.0)] for issue in issues])
        self.salience = raw / raw.sum()
        self.concession = concession_by_salience(self.salience)
        lines = np.array([spec.red_lines.get(issue, (0.0, 1.0)) for issue in issues])
        self.red_low, self.red_high = lines[:, :1], lines[:, 1:]
        self.disputant = spec.disputant
        self.no_deal = model.point(spec.no_deal) if spec.no_deal else model.status_quo
        self.unilateral = unilateral
        self.unilateral_point = model.point(unilateral.point) if unilateral else None

    def __repr__(self) -> str:
        return f"Party({self.name!r})"

    @property
    def position(self) -> np.ndarray:
        """Its current ideal point in every live replicate, shape (K, L) (a view, not a copy).

        Finished replicates are dropped from the model's state; their final positions are in
        `NegotiationModel.final_positions`.
        """
        return self.model.positions[self.index]

    def utility(self, points: np.ndarray) -> np.ndarray:
        """Utility of `points` ((K, 1) or (K, R)) in each replicate, shape (R,)."""
        return utility(points, self.position, self.salience, self.model.loss)

    def no_deal_utility(self) -> np.ndarray:
        """Utility of its no-deal point (its BATNA) in each replicate, shape (R,)."""
        return self.utility(self.no_deal)

    def within_red_lines(self, points: np.ndarray) -> np.ndarray:
        """Whether each point ((K, R)) lies inside all its red lines, shape (R,)."""
        inside = (points >= self.red_low - _TOLERANCE) & (points <= self.red_high + _TOLERANCE)
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


class Troika:
    """The mediating troika (EU, Russia, USA in 2007): proposes a compromise each round."""

    def __init__(self, model: NegotiationModel, spec: Mediation):
        self.model = model
        self.members = [model.party(name) for name in spec.troika]
        self.bias = np.array([member.bias for member in spec.troika.values()])
        self.rule = spec.rule
        self.cohesion = spec.cohesion
        self.pull = spec.pull
        self.first_round = spec.first_round
        self.deadline = spec.deadline if spec.deadline is not None else model.horizon

    def in_session(self, round_: int) -> bool:
        """Whether talks are held in this round."""
        return self.first_round <= round_ <= self.deadline

    def compromise(self) -> np.ndarray:
        """The disputants' compromise under the scenario's rule, shape (K, R)."""
        disputants = self.model.disputants
        positions = self.model.positions[[d.index for d in disputants]]
        if self.rule == "weighted_mean":
            weights = np.array([d.capability * d.salience[:, 0] for d in disputants])
            return mediation.weighted_mean(positions, weights)
        if self.rule == "median":
            return mediation.median(positions)
        salience = np.array([d.salience[:, 0] for d in disputants])
        no_deal = np.array([d.no_deal_utility() for d in disputants])
        return mediation.nash(positions, salience, no_deal, self.model.loss)

    def propose(self) -> mediation.Proposal:
        """The joint proposal of this round (see `mediation.troika_proposal`)."""
        mediators = self.model.positions[[m.index for m in self.members]]
        return mediation.troika_proposal(self.compromise(), mediators, self.bias, self.cohesion)


@dataclass(frozen=True)
class Session:
    """What happened at one Council session, per live replicate (L of them)."""

    tabled: np.ndarray
    """(L,) bool: a draft was put to the vote."""
    withdrawn: np.ndarray
    """(L,) bool: the sponsor withdrew its draft without a vote."""
    amendments: np.ndarray
    """(L,) int: amendments made before tabling or withdrawing."""
    draft: np.ndarray
    """(K, L): the draft as tabled (or last amended)."""
    votes: np.ndarray
    """(M, L) int8: each member's vote (ABSTAIN where no vote was held)."""
    yes: np.ndarray
    no: np.ndarray
    abstain: np.ndarray
    vetoed: np.ndarray
    """(M, L) bool: the member's no defeated a draft that had the votes."""
    adopted: np.ndarray


class Council:
    """The Security Council: its members vote on the sponsor's draft at scheduled sessions."""

    def __init__(self, model: NegotiationModel, spec: SecurityCouncil):
        self.model = model
        self.members = [model.party(name) for name in spec.members]
        self.member_index = np.array([m.index for m in self.members])
        self.permanent = np.array([name in spec.permanent for name in spec.members])
        self.threshold = spec.threshold
        self.veto = spec.veto
        self.sessions = spec.session_rounds
        self.sponsor = model.party(spec.sponsor)
        self.strategy = spec.strategy
        self.draft = model.point(spec.draft)
        self.max_amendments = spec.max_amendments
        self.amendment_step = spec.amendment_step

    def expected_vetoers(self, draft: np.ndarray) -> np.ndarray:
        """Permanent members the sponsor expects to vote no, (M, R) bool.

        The sponsor forecasts each member's vote without the random term of the decision
        rule (it knows stances, not the day's mood).
        """
        if not self.veto:
            return np.zeros((len(self.members), draft.shape[-1]), dtype=bool)
        expected = self.model.judge(self.model.net_utility(draft), noisy=False)[self.member_index]
        return (expected == NO) & self.permanent[:, None]

    def prepare(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The sponsor's strategy: which drafts it tables, withdraws, and how it amends them.

        Source: sponsors withdraw drafts that face a veto rather than see them defeated (the
        Western draft on Kosovo, withdrawn on 20 July 2007 when Russia said it would vote
        against; on the practice see Wallensteen & Johansson 2004) or amend them to win a
        permanent member's abstention (Resolution 1973, 2011); an agenda setter moves a text
        toward the pivotal veto player, since it passes only inside every veto player's winset
        (Tsebelis 2002). This is interpreted as:

        1. `table_anyway`: the draft is put to the vote.
        2. `withdraw_if_veto_expected`: the sponsor withdraws if it expects a permanent member
           to vote no.
        3. `amend_to_avoid_veto`: while a veto is expected and amendments are left, the draft
           moves `amendment_step` of the way toward the mean position of the expected vetoers;
           the sponsor stops (and withdraws) rather than make an amendment that it likes less
           than the status quo, and withdraws if a veto is still expected at the end.

        Returns:
            The draft (K, L), tabled (L,) bool, withdrawn (L,) bool, amendments (L,) int, over
            the L live replicates.
        """
        replicates = self.model.positions.shape[-1]
        draft = np.broadcast_to(self.draft, (self.draft.shape[0], replicates)).copy()
        amendments = np.zeros(replicates, dtype=np.int64)
        if self.strategy == "table_anyway":
            return draft, np.ones(replicates, bool), np.zeros(replicates, bool), amendments
        vetoers = self.expected_vetoers(draft)
        threatened = vetoers.any(axis=0)
        if self.strategy == "amend_to_avoid_veto":
            baseline = self.sponsor.utility(self.model.status_quo)
            positions = self.model.positions[self.member_index]
            for _ in range(self.max_amendments):
                weights = vetoers[:, None, :]
                total = sum_in_order(weights * positions, axis=0)
                target = total / np.maximum(weights.sum(axis=0), 1)
                amended = draft + self.amendment_step * (target - draft)
                amend = threatened & (self.sponsor.utility(amended) >= baseline)
                if not amend.any():
                    break
                draft[:, amend] = amended[:, amend]
                amendments += amend
                vetoers = self.expected_vetoers(draft)
                threatened = vetoers.any(axis=0)
        return draft, ~threatened, threatened, amendments

    def session(self) -> Session:
        """Hold a session: the sponsor prepares its draft, the members vote, the rule decides.

        The adoption rule is `sim.council.count_votes` (UN Charter Art. 27(3)).
        """
        draft, tabled, withdrawn, amendments = self.prepare()
        votes = self.model.judge(self.model.net_utility(draft), noisy=True)[self.member_index]
        votes = np.where(tabled[None, :], votes, ABSTAIN).astype(np.int8)
        tally = count_votes(votes, self.permanent, self.threshold, self.veto)
        adopted = tally.adopted & tabled
        return Session(
            tabled=tabled,
            withdrawn=withdrawn,
            amendments=amendments,
            draft=draft,
            votes=votes,
            yes=np.where(tabled, tally.yes, 0),
            no=np.where(tabled, tally.no, 0),
            abstain=np.where(tabled, tally.abstain, 0),
            vetoed=tally.vetoed & tabled[None, :],
            adopted=adopted,
        )


__all__ = ["Council", "Party", "Session", "Troika"]
