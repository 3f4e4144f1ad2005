"""The bodies parties form: the mediating troika and the Security Council.

A body holds its rules' parameters (a troika's biases and compromise rule, the Council's
membership, threshold and sponsor) and decides what the system does: the troika's joint
proposal, the Council's tally. The parties' own state stays in the model's arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from sim.checks import (
    BodyCheck,
    CheckedBody,
    field_check,
    point,
    rule_name,
    schema_check,
    unit_check,
)
from sim.compliance import COMPLIANCE_RULES
from sim.mediation import COMPROMISE_RULES, Disputants, Proposal, formulation, troika_proposal
from sim.parameters import ScenarioValues, stack
from sim.records import SessionRecord
from sim.scenario import CouncilSession, CouncilSpec, Decision, Mediation, TroikaMember
from sim.strategies import SPONSOR_STRATEGIES, Preparation
from sim.voting import ABSTAIN, NO, VotingRule

if TYPE_CHECKING:
    from sim.agents import Party
    from sim.model import NegotiationModel


def _biases(troika: Troika, value: Any) -> np.ndarray:
    """One bias per mediator, each checked as `mediation.mediators.<name>.bias`."""
    biases = np.asarray(value, dtype=object).reshape(-1)
    if len(biases) != len(troika.members):
        raise ValueError(f"bias: found {len(biases)} values; expected {len(troika.members)}")
    return np.array([_BIAS(b) for b in biases], dtype=float)


def _deadline(troika: Troika, value: Any) -> int:
    """The last round of talks, checked as `mediation.deadline` (None: the horizon)."""
    return troika.model.horizon if value is None else _DEADLINE(value)


def _draft(council: Council, value: Any) -> np.ndarray:
    """The sponsor's draft on the unit scale, checked value by value, as a column (K, 1)."""
    return point(value, council.model.issues, _DRAFT, "draft")


def _threshold(council: Council, value: Any) -> int | None:
    """Affirmative votes needed, checked as `council.threshold` and <= the members."""
    threshold = _THRESHOLD(value)
    fewest = min(len(council.spec.members_at(round_)) for round_ in (1, *council.sessions))
    if threshold is not None and threshold > fewest:
        raise ValueError(f"threshold: found {threshold}; expected at most the {fewest} members")
    return threshold


_BIAS = schema_check(TroikaMember, "bias")
_DEADLINE = schema_check(Mediation, "deadline")
_DRAFT = unit_check("draft")
_THRESHOLD = schema_check(CouncilSpec, "threshold")


class Troika(CheckedBody):
    """The mediating troika (EU, Russia, USA in 2007): proposes a compromise each round.

    Its rules' parameters can be changed between steps and are checked as the scenario's
    `mediation` values are: `rule` names a registered compromise rule
    (`sim.mediation.COMPROMISE_RULES`; an unknown name raises `sim.rules.UnknownRuleError`),
    `bias` is one value per member, `cohesion`, `pull`, `first_round` and `deadline` as in
    the schema. Its members are fixed when the model is built.
    """

    checks: ClassVar[dict[str, BodyCheck]] = {
        "rule": rule_name(COMPROMISE_RULES),
        "bias": _biases,
        "cohesion": field_check(Mediation, "cohesion"),
        "pull": field_check(Mediation, "pull"),
        "formulate": field_check(Mediation, "formulate"),
        "first_round": field_check(Mediation, "first_round"),
        "deadline": _deadline,
    }

    def __init__(self, model: NegotiationModel, spec: Mediation, values: ScenarioValues):
        self.model = model
        self._members = tuple(model.party(name) for name in spec.mediators)
        self.bias = [member.bias for member in spec.mediators.values()]
        self.rule = spec.rule
        self.cohesion = spec.cohesion
        self.pull = spec.pull
        self.formulate = spec.formulate
        self.first_round = spec.first_round
        self.deadline = spec.deadline
        biases = [f"mediation.mediators.{m}.bias" for m in spec.mediators]
        if any(path in values.drawn for path in biases):  # (M, R): one column per replicate
            biased = zip(biases, spec.mediators.values(), strict=True)
            object.__setattr__(self, "bias", stack([values(p, t.bias) for p, t in biased]))
        for name in ("cohesion", "pull"):  # drawn per replicate: (R,)
            if f"mediation.{name}" in values.drawn:
                object.__setattr__(self, name, values.drawn[f"mediation.{name}"])

    @property
    def members(self) -> tuple[Party, ...]:
        """The mediators, in the scenario's order."""
        return self._members

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
            salience=model.salience[index],
            no_deal=model.no_deal[index],
            loss=model.loss,
        )
        return COMPROMISE_RULES[self.rule](disputants)

    def propose(self) -> Proposal:
        """The joint proposal of this round (see `mediation.troika_proposal`).

        With `formulate`, the joint proposal is then moved into the disputants' common
        ground (`mediation.formulation`).
        """
        model = self.model
        mediators = model.positions[[m.index for m in self.members]]
        compromise = self.compromise()
        proposal = troika_proposal(compromise, mediators, self.bias, self.cohesion)
        formulated = proposal
        if self.formulate and model.held_low is not None:
            point = formulation(proposal.point, model.held_low, model.held_high)
            formulated = Proposal(point, proposal.united, proposal.members)
        if model.narrator is not None:
            model.narrator.propose(self, compromise, proposal, formulated)
        return formulated


@dataclass(frozen=True, eq=False)
class Session:
    """What one Council session produced, over the L live replicates."""

    record: SessionRecord
    """What the run records of it."""
    draft: np.ndarray
    """(K, L): the draft as tabled (or last amended)."""
    adopted: np.ndarray
    """(L,) bool: the draft was adopted."""


class Council(CheckedBody):
    """A decision body (the Security Council, the EU Council): its members vote at sessions.

    The body's voting rule is a preset of `sim.voting.VOTING_RULES` with the scenario's values
    in place of the preset's (`CouncilSpec.voting_fields`), built for the members sitting in
    each session's round (terms change the membership: the Council's elected members rotate
    on 1 January). Each session may have its own draft, sponsor and strategy
    (`CouncilSpec.schedule`).

    Its rules' parameters can be changed between steps and are checked as the scenario's
    `council` values are: `strategy` names a registered sponsor strategy
    (`sim.strategies.SPONSOR_STRATEGIES`; an unknown name raises
    `sim.rules.UnknownRuleError`), `draft` is a point (an issue -> value mapping or K values),
    `threshold`, `veto`, `max_amendments` and `amendment_step` as in the schema; the strategy
    and draft are those of sessions that set none of their own. Its seats (everyone who is a
    member in some term), veto players, terms and sessions are fixed when the model is built
    (the run's records are laid out by them).
    """

    checks: ClassVar[dict[str, BodyCheck]] = {
        "strategy": rule_name(SPONSOR_STRATEGIES),
        "compliance": rule_name(COMPLIANCE_RULES),
        "draft": _draft,
        "threshold": _threshold,
        "veto": field_check(CouncilSpec, "veto"),
        "max_amendments": field_check(CouncilSpec, "max_amendments"),
        "amendment_step": field_check(CouncilSpec, "amendment_step"),
    }

    def __init__(self, model: NegotiationModel, spec: CouncilSpec, values: ScenarioValues):
        self.model = model
        self.spec = spec
        seats = spec.seats
        self._members = tuple(model.party(name) for name in seats)
        self._member_index = np.array([m.index for m in self._members])
        self._member_index.flags.writeable = False
        self._permanent = np.array([name in spec.permanent for name in seats])
        self._permanent.flags.writeable = False
        self._schedule = tuple(spec.schedule)
        self._sessions = tuple(session.round for session in self._schedule)
        self._default_sponsor = model.party(spec.sponsor)
        self._sponsor = self._default_sponsor
        self.threshold = spec.threshold
        self.veto = spec.veto
        self.strategy = spec.strategy
        self.compliance = spec.compliance
        draft = values.point("council.draft", spec.draft, model.issues)  # on the unit scale
        if draft.shape[-1] == 1:
            self.draft = draft
        else:  # (K, R): drawn, one column per replicate
            object.__setattr__(self, "draft", draft)
        self._drafts = {  # the sessions' own drafts, on the unit scale
            session.round: values.point("", session.draft, model.issues)
            for session in self._schedule
            if session.draft is not None
        }
        self.max_amendments = spec.max_amendments
        self.amendment_step = spec.amendment_step
        if "council.amendment_step" in values.drawn:  # (R,)
            step = values.drawn["council.amendment_step"]
            object.__setattr__(self, "amendment_step", step)

    @property
    def members(self) -> tuple[Party, ...]:
        """Its seats: everyone who is a member in some term (the order of per-member arrays)."""
        return self._members

    @property
    def member_index(self) -> np.ndarray:
        """The seats' party indices, (M,) (read-only)."""
        return self._member_index

    @property
    def permanent(self) -> np.ndarray:
        """(M,) bool: which seats are veto players (read-only)."""
        return self._permanent

    @property
    def sessions(self) -> tuple[int, ...]:
        """The rounds the body sits in, each once, in order."""
        return self._sessions

    @property
    def sponsor(self) -> Party:
        """The sponsor of the session being held (between sessions: the body's sponsor)."""
        return self._sponsor

    def sits(self, round_: int) -> bool:
        """Whether the body holds a session in this round."""
        return round_ in self.sessions

    def seated(self, round_: int) -> np.ndarray:
        """(M,) bool: which seats are members in this round."""
        sitting = self.spec.members_at(round_)
        return np.array([party.name in sitting for party in self.members])

    def rule(self, round_: int) -> VotingRule:
        """The voting rule of the members sitting in this round (`CouncilSpec.rule`).

        The body's `threshold` and `veto`, if changed between steps, replace the file's.
        """
        changed = {"veto": self.veto} | (
            {} if self.threshold is None else {"threshold": self.threshold}
        )
        return self.spec.model_copy(update=changed).rule(round_)

    def _rows(self, rule: VotingRule) -> np.ndarray:
        """The seat of each of the rule's members, in the rule's order (a term's own order)."""
        seats = [party.name for party in self.members]
        return np.array([seats.index(name) for name in rule.members])

    def expected_vetoers(self, draft: np.ndarray) -> np.ndarray:
        """Veto players the sponsor expects to block the draft, (M, L) bool.

        Source: sponsors canvass the members before a vote and know where the permanent
        members stand (Russia announced its no before the Kosovo draft of July 2007 was
        withdrawn; Wallensteen & Johansson 2004 on the practice). This is interpreted as: the
        sponsor forecasts each member's vote by its judgement of the draft without the random
        term (it knows stances, not the day's mood); a sitting veto player expected to vote
        no (or to abstain, where the rule counts an abstention as a veto) is a vetoer; without
        the veto nobody is.
        """
        if not self.veto:
            return np.zeros((len(self.members), draft.shape[-1]), dtype=bool)
        round_ = self.model.steps
        rule = self.rule(round_)
        parties = self.model.parties
        expected = parties.judge(parties.net_utility(draft))[self.member_index]
        blocks = (expected == NO) | ((expected == ABSTAIN) & rule.abstention_vetoes)
        return blocks & (self.permanent & self.seated(round_))[:, None]

    def prepare(self) -> Preparation:
        """The sponsor's strategy applied to its draft in every live replicate."""
        replicates = self.model.positions.shape[-1]
        session = self._current()
        base = self._drafts.get(self.model.steps, self.draft)
        draft = np.broadcast_to(base, (base.shape[0], replicates)).copy()
        strategy = (session.strategy if session is not None else None) or self.strategy
        prepared = SPONSOR_STRATEGIES[strategy](self, draft)
        if self.model.narrator is not None:
            self.model.narrator.prepared(self, session, base, strategy, prepared)
        return prepared

    def _current(self) -> CouncilSession | None:
        """The scheduled session of this round (the model's round), if there is one."""
        return next((s for s in self._schedule if s.round == self.model.steps), None)

    def session(self) -> Session:
        """Hold a session: the sponsor prepares its draft, the members vote, the rule decides.

        The members' votes are their judgements of the draft (`sim.agents.Parties.judge`); the
        adoption rule is the body's (`rule`, e.g. UN Charter Art. 27(3)). A seat that is not a
        member this round does not vote (recorded as an abstention where a vote is held).
        """
        round_ = self.model.steps
        current = self._current()
        if current is not None and current.sponsor is not None:
            self._sponsor = self.model.party(current.sponsor)
        try:
            prepared = self.prepare()
        finally:
            self._sponsor = self._default_sponsor
        tabled = prepared.tabled
        parties = self.model.parties
        terms = parties.random_terms(self.model.live_replicates)
        votes = parties.judge(parties.net_utility(prepared.draft), terms)
        seated = self.seated(round_)
        votes = np.where(tabled[None, :] & seated[:, None], votes[self.member_index], ABSTAIN)
        votes = votes.astype(np.int8)
        rule = self.rule(round_)
        rows = self._rows(rule)  # the sitting members' seats, in the rule's order
        tally = rule.count(votes[rows])
        vetoed = np.zeros(votes.shape, dtype=bool)
        vetoed[rows] = tally.vetoed & tabled[None, :]
        if self.model.narrator is not None:
            self.model.narrator.voted(self, terms, tally)
        record = SessionRecord(
            tabled=tabled,
            withdrawn=prepared.withdrawn,
            amendments=prepared.amendments,
            yes=np.where(tabled, tally.yes, 0),
            no=np.where(tabled, tally.no, 0),
            abstain=np.where(tabled, tally.abstain, 0),
            vetoed=vetoed,
            votes=votes,
        )
        return Session(record=record, draft=prepared.draft, adopted=tally.adopted & tabled)


class DecisionRules(CheckedBody):
    """How every party judges a text (`sim.agents.Parties.judge`): the scenario's `decision`.

    `abstain_band`, `patron_alignment` and `noise` are checked as in the schema when set
    between steps; a value drawn per replicate is an (L,) array.
    """

    checks: ClassVar[dict[str, BodyCheck]] = {
        "abstain_band": field_check(Decision, "abstain_band"),
        "patron_alignment": field_check(Decision, "patron_alignment"),
        "noise": field_check(Decision, "noise"),
    }

    def __init__(self, spec: Decision, values: ScenarioValues):
        for name in self.checks:
            value = values(f"decision.{name}", getattr(spec, name))
            if np.ndim(value):
                object.__setattr__(self, name, value)
            else:
                setattr(self, name, value)
