"""The bodies parties form: the mediating troika and the Security Council.

A body holds its rules' parameters (a troika's biases and compromise rule, the Council's
membership, threshold and sponsor) and decides what the system does: the troika's joint
proposal, the Council's tally. The parties' own state stays in the model's arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from sim.checks import BodyCheck, CheckedBody, field_check, point, rule_name, schema_check
from sim.compliance import COMPLIANCE_RULES
from sim.mediation import COMPROMISE_RULES, Disputants, Proposal, formulation, troika_proposal
from sim.parameters import ScenarioValues, stack
from sim.records import SessionRecord
from sim.scenario import Decision, Mediation, SecurityCouncil, TroikaMember
from sim.strategies import SPONSOR_STRATEGIES, Preparation
from sim.voting import ABSTAIN, NO, count_votes

if TYPE_CHECKING:
    from sim.agents import Party
    from sim.model import NegotiationModel


def _biases(troika: Troika, value: Any) -> np.ndarray:
    """One bias per troika member, each checked as `mediation.troika.<name>.bias`."""
    biases = np.asarray(value, dtype=object).reshape(-1)
    if len(biases) != len(troika.members):
        raise ValueError(f"bias: found {len(biases)} values; expected {len(troika.members)}")
    return np.array([_BIAS(b) for b in biases], dtype=float)


def _deadline(troika: Troika, value: Any) -> int:
    """The last round of talks, checked as `mediation.deadline` (None: the horizon)."""
    return troika.model.horizon if value is None else _DEADLINE(value)


def _draft(council: Council, value: Any) -> np.ndarray:
    """The sponsor's draft, checked as `security_council.draft`, as a column (K, 1)."""
    return point(value, council.model.issues, _DRAFT, "draft")


def _threshold(council: Council, value: Any) -> int:
    """Affirmative votes needed, checked as `security_council.threshold` and <= the members."""
    threshold = _THRESHOLD(value)
    if threshold > len(council.members):
        raise ValueError(
            f"threshold: found {threshold}; expected at most the {len(council.members)} members"
        )
    return threshold


_BIAS = schema_check(TroikaMember, "bias")
_DEADLINE = schema_check(Mediation, "deadline")
_DRAFT = schema_check(SecurityCouncil, "draft", "*", what="draft")
_THRESHOLD = schema_check(SecurityCouncil, "threshold")


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
        self._members = tuple(model.party(name) for name in spec.troika)
        self.bias = [member.bias for member in spec.troika.values()]
        self.rule = spec.rule
        self.cohesion = spec.cohesion
        self.pull = spec.pull
        self.formulate = spec.formulate
        self.first_round = spec.first_round
        self.deadline = spec.deadline
        biases = [f"mediation.troika.{m}.bias" for m in spec.troika]
        if any(path in values.drawn for path in biases):  # (M, R): one column per replicate
            biased = zip(biases, spec.troika.values(), strict=True)
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
        proposal = troika_proposal(self.compromise(), mediators, self.bias, self.cohesion)
        if not self.formulate or model.held_low is None:
            return proposal
        point = formulation(proposal.point, model.held_low, model.held_high)
        return Proposal(point, proposal.united, proposal.members)


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
    """The Security Council: its members vote on the sponsor's draft at scheduled sessions.

    Its rules' parameters can be changed between steps and are checked as the scenario's
    `security_council` values are: `strategy` names a registered sponsor strategy
    (`sim.strategies.SPONSOR_STRATEGIES`; an unknown name raises
    `sim.rules.UnknownRuleError`), `draft` is a point (an issue -> value mapping or K values),
    `threshold`, `veto`, `max_amendments` and `amendment_step` as in the schema. Its members,
    permanent members, sponsor and session rounds are fixed when the model is built (the run's
    records are laid out by them).
    """

    checks: ClassVar[dict[str, BodyCheck]] = {
        "strategy": rule_name(SPONSOR_STRATEGIES),
        "compliance": rule_name(COMPLIANCE_RULES),
        "draft": _draft,
        "threshold": _threshold,
        "veto": field_check(SecurityCouncil, "veto"),
        "max_amendments": field_check(SecurityCouncil, "max_amendments"),
        "amendment_step": field_check(SecurityCouncil, "amendment_step"),
    }

    def __init__(self, model: NegotiationModel, spec: SecurityCouncil, values: ScenarioValues):
        self.model = model
        self._members = tuple(model.party(name) for name in spec.members)
        self._member_index = np.array([m.index for m in self._members])
        self._member_index.flags.writeable = False
        self._permanent = np.array([name in spec.permanent for name in spec.members])
        self._permanent.flags.writeable = False
        self._sessions = tuple(spec.session_rounds)
        self._sponsor = model.party(spec.sponsor)
        self.threshold = spec.threshold
        self.veto = spec.veto
        self.strategy = spec.strategy
        self.compliance = spec.compliance
        self.draft = spec.draft
        self.max_amendments = spec.max_amendments
        self.amendment_step = spec.amendment_step
        drafts = [f"security_council.draft.{issue}" for issue in model.issues]
        if any(path in values.drawn for path in drafts):  # (K, R): one column per replicate
            draft = values.point("security_council.draft", spec.draft, model.issues)
            object.__setattr__(self, "draft", draft)
        if "security_council.amendment_step" in values.drawn:  # (R,)
            step = values.drawn["security_council.amendment_step"]
            object.__setattr__(self, "amendment_step", step)

    @property
    def members(self) -> tuple[Party, ...]:
        """The members, in the scenario's order (the order of every per-member array)."""
        return self._members

    @property
    def member_index(self) -> np.ndarray:
        """The members' party indices, (M,) (read-only)."""
        return self._member_index

    @property
    def permanent(self) -> np.ndarray:
        """(M,) bool: which members are permanent (read-only)."""
        return self._permanent

    @property
    def sessions(self) -> tuple[int, ...]:
        """The rounds the Council sits in, each once, in order."""
        return self._sessions

    @property
    def sponsor(self) -> Party:
        """The member whose draft is put to the Council."""
        return self._sponsor

    def sits(self, round_: int) -> bool:
        """Whether the Council holds a session in this round."""
        return round_ in self.sessions

    def expected_vetoers(self, draft: np.ndarray) -> np.ndarray:
        """Permanent members the sponsor expects to vote no, (M, L) bool.

        Source: sponsors canvass the members before a vote and know where the permanent
        members stand (Russia announced its no before the Kosovo draft of July 2007 was
        withdrawn; Wallensteen & Johansson 2004 on the practice). This is interpreted as: the
        sponsor forecasts each member's vote by its judgement of the draft without the random
        term (it knows stances, not the day's mood); without the veto nobody is a vetoer.
        """
        if not self.veto:
            return np.zeros((len(self.members), draft.shape[-1]), dtype=bool)
        parties = self.model.parties
        expected = parties.judge(parties.net_utility(draft))[self.member_index]
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
        terms = parties.random_terms(self.model.live_replicates)
        votes = parties.judge(parties.net_utility(prepared.draft), terms)
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
