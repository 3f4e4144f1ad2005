"""The bodies parties form: the mediating troika and the Security Council.

A body holds its rules' parameters (a troika's biases and compromise rule, the Council's
membership, threshold and sponsor) and decides what the system does: the troika's joint
proposal, the Council's tally. The parties' own state stays in the model's arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.mediation import COMPROMISE_RULES, Disputants, Proposal, troika_proposal
from sim.records import SessionRecord
from sim.rules import RuleName
from sim.scenario import Mediation, SecurityCouncil
from sim.strategies import SPONSOR_STRATEGIES, Preparation
from sim.voting import ABSTAIN, NO, count_votes

if TYPE_CHECKING:
    from sim.model import NegotiationModel


class Troika:
    """The mediating troika (EU, Russia, USA in 2007): proposes a compromise each round.

    `rule` names a registered compromise rule (`sim.mediation.COMPROMISE_RULES`); assigning
    an unknown name raises `sim.rules.UnknownRuleError`.
    """

    rule = RuleName(COMPROMISE_RULES)

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
        """The disputants' compromise under the troika's rule, shape (K, L)."""
        model = self.model
        index = model.disputant_index
        disputants = Disputants(
            positions=model.positions[index],
            capability=model.capability[index],
            salience=model.salience[index, :, 0],
            no_deal=model.no_deal[index],
            loss=model.loss,
        )
        return COMPROMISE_RULES[self.rule](disputants)

    def propose(self) -> Proposal:
        """The joint proposal of this round (see `mediation.troika_proposal`)."""
        mediators = self.model.positions[[m.index for m in self.members]]
        return troika_proposal(self.compromise(), mediators, self.bias, self.cohesion)


@dataclass(frozen=True, eq=False)
class Session:
    """What one Council session produced, over the L live replicates."""

    record: SessionRecord
    """What the run records of it."""
    draft: np.ndarray
    """(K, L): the draft as tabled (or last amended)."""
    adopted: np.ndarray
    """(L,) bool: the draft was adopted."""


class Council:
    """The Security Council: its members vote on the sponsor's draft at scheduled sessions.

    `strategy` names a registered sponsor strategy (`sim.strategies.SPONSOR_STRATEGIES`);
    assigning an unknown name raises `sim.rules.UnknownRuleError`.
    """

    strategy = RuleName(SPONSOR_STRATEGIES)

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

    def sits(self, round_: int) -> bool:
        """Whether the Council holds a session in this round."""
        return round_ in self.sessions

    def expected_vetoers(self, draft: np.ndarray) -> np.ndarray:
        """Permanent members the sponsor expects to vote no, (M, L) bool.

        The sponsor forecasts each member's vote without the random term of the decision
        rule (it knows stances, not the day's mood).
        """
        if not self.veto:
            return np.zeros((len(self.members), draft.shape[-1]), dtype=bool)
        parties = self.model.parties
        expected = parties.judge(parties.net_utility(draft), noisy=False)[self.member_index]
        return (expected == NO) & self.permanent[:, None]

    def prepare(self) -> Preparation:
        """The sponsor's strategy applied to its draft in every live replicate."""
        replicates = self.model.positions.shape[-1]
        draft = np.broadcast_to(self.draft, (self.draft.shape[0], replicates)).copy()
        return SPONSOR_STRATEGIES[self.strategy](self, draft)

    def session(self) -> Session:
        """Hold a session: the sponsor prepares its draft, the members vote, the rule decides.

        The members' votes are their judgements of the draft (`sim.agents.Parties.judge`); the
        adoption rule is `sim.voting.count_votes` (UN Charter Art. 27(3)).
        """
        prepared = self.prepare()
        tabled = prepared.tabled
        parties = self.model.parties
        votes = parties.judge(parties.net_utility(prepared.draft), noisy=True)
        votes = np.where(tabled[None, :], votes[self.member_index], ABSTAIN).astype(np.int8)
        tally = count_votes(votes, self.permanent, self.threshold, self.veto)
        record = SessionRecord(
            tabled=tabled,
            withdrawn=prepared.withdrawn,
            amendments=prepared.amendments,
            yes=np.where(tabled, tally.yes, 0),
            no=np.where(tabled, tally.no, 0),
            abstain=np.where(tabled, tally.abstain, 0),
            vetoed=tally.vetoed & tabled[None, :],
            votes=votes,
        )
        return Session(record=record, draft=prepared.draft, adopted=tally.adopted & tabled)
