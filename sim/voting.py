"""Decision rules of voting bodies: who votes, with what weight, what quota adopts, who vetoes.

A :class:`VotingRule` decides a draft in each of ``R`` replicates at once. With ``yes`` the
members voting yes, ``yes_weight`` their weight and ``M`` the members, a draft is adopted iff

* ``yes >= max(threshold, ceil(member_share * M))`` (a number or a share of the members),
* ``yes_weight >= max(weight_threshold, weight_share * total weight)`` (weighted votes, or
  population), or, when ``blocking_members > 0``, fewer than ``blocking_members`` members do
  not vote yes (Art. 16(4) TEU: "a blocking minority must include at least four Council
  members, failing which the qualified majority shall be deemed attained"), and
* no veto player's vote blocks it: its no, and its abstention too if ``abstention_vetoes``.

Abstentions and absences are not yes votes. Build a rule with :func:`voting_rule`, or from a
body's Treaty or Charter with :func:`rule_from_preset` and the presets of :data:`VOTING_RULES`:
the Security Council (UN Charter Art. 27(3)), the Council of the EEC/EC/EU with weighted votes
(Art. 148(2) EEC/TEC, 1958, 1986, 1995) and with the double majority (Art. 16(4) TEU and
Art. 238(3)(a) TFEU, since 2014), unanimity (Art. 238(4) TFEU) and a simple majority.

* :meth:`VotingRule.count` applies a rule to a ``(M, R)`` array of vote codes;
* :func:`resolve_vote` applies it to one vote given as a name -> vote mapping.

A body (`sim.bodies.Council`) votes by the rule of the members sitting in each session.

The voting power a rule gives each member is in `sim.power`.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from numbers import Integral, Real
from typing import Any

import numpy as np

from sim.rules import Registry

__all__ = [
    "ABSTAIN",
    "NO",
    "VOTE_CODES",
    "VOTING_RULES",
    "YES",
    "Tally",
    "VoteResult",
    "VotingRule",
    "VotingRulePreset",
    "resolve_vote",
    "rule_from_preset",
    "voting_rule",
]

YES = np.int8(1)
"""Code of an affirmative vote."""
NO = np.int8(-1)
"""Code of a negative vote (a veto when cast by a veto player on a draft with the votes)."""
ABSTAIN = np.int8(0)
"""Code of an abstention: not a yes vote; a veto player's is a veto only under
``abstention_vetoes`` (not in the Security Council: Namibia, ICJ 1971, para. 22)."""

VOTE_CODES: dict[str, np.int8] = {"yes": YES, "no": NO, "abstain": ABSTAIN}
"""Vote strings accepted by :func:`resolve_vote`, mapped to their codes."""

_TOLERANCE = 1e-12
"""Slack of the quotas: of the member quota in members, of the weight quota relative to the
total weight (so that 0.56 of 25 members, 14.000000000000002, asks for 14)."""


@dataclass(frozen=True, eq=False)
class Tally:
    """Outcome of :meth:`VotingRule.count` for ``R`` replicates of a vote by ``M`` members.

    The arrays are read-only. Equality is identity (element-wise comparison of arrays has
    no single truth value); compare fields with numpy instead.

    Attributes:
        yes: ``(R,)`` number of affirmative votes in each replicate.
        yes_weight: ``(R,)`` float, the weight of the affirmative votes (summed member by
            member in member order, so a replicate's value does not depend on ``R``).
        no: ``(R,)`` number of negative votes.
        abstain: ``(R,)`` number of abstentions.
        vetoed: ``(M, R)`` bool; ``vetoed[m, r]`` is True iff the veto applies, ``m`` is a
            veto player, it voted no (or abstained, under ``abstention_vetoes``) in replicate
            ``r``, and the draft had the votes there, i.e. ``m``'s vote defeated it.
        adopted: ``(R,)`` bool; whether the draft was adopted in each replicate.

    """

    yes: np.ndarray
    yes_weight: np.ndarray
    no: np.ndarray
    abstain: np.ndarray
    vetoed: np.ndarray
    adopted: np.ndarray


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _check_votes(votes: np.ndarray) -> np.ndarray:
    """Return ``votes`` as an array, or raise ValueError unless a 2-D array of vote codes."""
    votes = np.asarray(votes)
    if votes.ndim != 2:
        raise ValueError(
            f"votes must be a 2-D array of shape (members, replicates), got shape {votes.shape}"
        )
    if votes.dtype.kind not in "iu":
        raise ValueError(f"votes must be an integer array of vote codes, got dtype {votes.dtype}")
    bad = ~np.isin(votes, (YES, NO, ABSTAIN))
    if bad.any():
        m, r = np.argwhere(bad)[0]
        raise ValueError(
            f"votes[{m}, {r}] = {votes[m, r]} is not a vote code "
            f"(YES={YES}, NO={NO}, ABSTAIN={ABSTAIN})"
        )
    return votes


@dataclass(frozen=True, eq=False, kw_only=True)
class VotingRule:
    """The decision rule of a voting body (see the module docstring for the rule).

    Build one with :func:`voting_rule` or :func:`rule_from_preset`, which check the values;
    constructing it directly only copies the arrays (read-only) and checks their shapes.
    Equality is identity.

    Attributes:
        members: The members' names, in the order of the rows of a votes array.
        weights: ``(M,)`` float, each member's vote weight (1 in a body of equals).
        threshold: Affirmative votes (members) needed.
        weight_threshold: Affirmative weight needed.
        member_share: Share of the members that must vote yes (e.g. 0.55).
        weight_share: Share of the total weight the yes votes must hold (e.g. 0.65).
        blocking_members: If > 0, the weight condition is deemed met when fewer than this
            many members do not vote yes (Art. 16(4) TEU).
        veto_players: ``(M,)`` bool, the members whose vote can block adoption.
        veto: Whether a veto player's no blocks adoption (False: a counterfactual body).
        abstention_vetoes: Whether a veto player's abstention blocks too (the literal
            "concurring votes"); False is the Security Council's practice (Namibia Advisory
            Opinion, ICJ Reports 1971, p. 16, para. 22) and the EU Council's rule
            (Art. 238(4) TFEU).

    """

    members: tuple[str, ...]
    weights: np.ndarray
    threshold: int = 0
    weight_threshold: float = 0.0
    member_share: float = 0.0
    weight_share: float = 0.0
    blocking_members: int = 0
    veto_players: np.ndarray
    veto: bool = True
    abstention_vetoes: bool = False

    def __post_init__(self) -> None:
        members = tuple(self.members)
        weights = _read_only(np.array(self.weights, dtype=float))
        veto_players = _read_only(np.array(self.veto_players, dtype=bool))
        for name, array in (("weights", weights), ("veto_players", veto_players)):
            if array.shape != (len(members),):
                raise ValueError(
                    f"{name} must have shape ({len(members)},), one per member; "
                    f"got shape {array.shape}"
                )
        object.__setattr__(self, "members", members)
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "veto_players", veto_players)

    @property
    def total_weight(self) -> float:
        """The members' weights summed in member order."""
        return float(sum(self.weights.tolist()))

    @property
    def member_quota(self) -> int:
        """Affirmative votes needed: ``max(threshold, ceil(member_share * M))``."""
        share = math.ceil(self.member_share * len(self.members) - _TOLERANCE)
        return max(self.threshold, share)

    @property
    def weight_quota(self) -> float:
        """The least affirmative weight that passes.

        ``max(weight_threshold, weight_share * total weight)``, less 1e-12 of the total
        weight.
        """
        total = self.total_weight
        return max(self.weight_threshold, self.weight_share * total) - _TOLERANCE * total

    def has_votes(self, yes: np.ndarray, yes_weight: np.ndarray) -> np.ndarray:
        """Whether ``yes`` affirmative votes of weight ``yes_weight`` meet the quotas.

        The veto is not considered. Arrays broadcast against each other.
        """
        weight_met = yes_weight >= self.weight_quota
        if self.blocking_members > 0:
            weight_met = weight_met | (len(self.members) - yes < self.blocking_members)
        return (yes >= self.member_quota) & weight_met

    def count(self, votes: np.ndarray) -> Tally:
        """Apply the rule to many independent replicates at once.

        Args:
            votes: Integer array of shape ``(M, R)``: the vote code (:data:`YES`,
                :data:`NO`, :data:`ABSTAIN`) of each member, in member order, in each of
                ``R`` replicates.

        Returns:
            The :class:`Tally` of each replicate.

        Raises:
            ValueError: If ``votes`` is not a 2-D integer array of vote codes with one row
                per member.

        """
        votes = _check_votes(votes)
        if votes.shape[0] != len(self.members):
            raise ValueError(
                f"votes must have one row per member ({len(self.members)}), got shape {votes.shape}"
            )
        return self._tally(votes)

    def _tally(self, votes: np.ndarray) -> Tally:
        """:meth:`count` without checking ``votes``."""
        is_yes = votes == YES
        yes = np.count_nonzero(is_yes, axis=0)
        no = np.count_nonzero(votes == NO, axis=0)
        abstain = np.count_nonzero(votes == ABSTAIN, axis=0)
        yes_weight = np.zeros(votes.shape[1])
        for weight, member_yes in zip(self.weights, is_yes, strict=True):
            yes_weight += np.where(member_yes, weight, 0.0)
        has_votes = self.has_votes(yes, yes_weight)
        if self.veto:
            blocks = (votes == NO) | ((votes == ABSTAIN) & self.abstention_vetoes)
            vetoed = blocks & self.veto_players[:, np.newaxis] & has_votes[np.newaxis, :]
        else:
            vetoed = np.zeros(votes.shape, dtype=bool)
        adopted = has_votes & ~vetoed.any(axis=0)
        for array in (yes, yes_weight, no, abstain, vetoed, adopted):
            array.flags.writeable = False
        return Tally(
            yes=yes, yes_weight=yes_weight, no=no, abstain=abstain, vetoed=vetoed, adopted=adopted
        )

    def wins(self, coalition: Iterable[str]) -> bool:
        """Whether the draft is adopted when ``coalition`` votes yes and every other member no.

        Raises:
            ValueError: If ``coalition`` is a string or names someone who is not a member.

        """
        names = set(_names(coalition, "coalition"))
        _check_known(names, self.members, "coalition")
        column = np.array([[YES if m in names else NO] for m in self.members], dtype=np.int8)
        return bool(self._tally(column).adopted[0])


# --------------------------------------------------------------------------------------------
# Building a rule
# --------------------------------------------------------------------------------------------


def _names(names: Iterable[str], what: str) -> tuple[str, ...]:
    """Return ``names`` as a tuple, refusing a bare string (an iterable of characters)."""
    if isinstance(names, str):
        raise ValueError(f"{what} must be a collection of member names, not a string: {names!r}")
    return tuple(names)


def _check_known(names: Iterable[str], members: Sequence[str], what: str) -> None:
    unknown = set(names).difference(members)
    if unknown:
        raise ValueError(f"{what} not among the members: {sorted(unknown, key=str)}")


def _member_names(members: Iterable[str]) -> tuple[str, ...]:
    members = _names(members, "members")
    if not members:
        raise ValueError("a voting body needs at least one member")
    if not all(isinstance(m, str) and m for m in members):
        raise ValueError(f"member names must be non-empty strings, got {list(members)!r}")
    if len(set(members)) != len(members):
        duplicates = sorted({m for m in members if members.count(m) > 1})
        raise ValueError(f"member names must be unique; repeated: {duplicates}")
    return members


def _real(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    return float(value)


def _whole(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
        raise ValueError(f"{what} must be a whole number >= 0, got {value!r}")
    return int(value)


def _weights(members: tuple[str, ...], weights: Mapping[str, float] | None) -> np.ndarray:
    """The weights of ``members`` in order: all 1 if ``weights`` is None."""
    if weights is None:
        return np.ones(len(members))
    if not isinstance(weights, Mapping):
        raise ValueError(f"weights must map member names to weights, got {weights!r}")
    _check_known(weights, members, "weights given for names")
    missing = [m for m in members if m not in weights]
    if missing:
        raise ValueError(f"no weight for members {missing}")
    values = [_real(weights[m], f"the weight of {m!r}") for m in members]
    for member, value in zip(members, values, strict=True):
        if value <= 0:
            raise ValueError(f"the weight of {member!r} must be positive, got {value}")
    return np.array(values)


def voting_rule(
    members: Sequence[str],
    *,
    weights: Mapping[str, float] | None = None,
    veto_players: Iterable[str] = (),
    threshold: int = 0,
    weight_threshold: float = 0.0,
    member_share: float = 0.0,
    weight_share: float = 0.0,
    blocking_members: int = 0,
    veto: bool = True,
    abstention_vetoes: bool = False,
) -> VotingRule:
    """Check a body's decision rule and return it as a :class:`VotingRule`.

    Args:
        members: The members' names (unique, non-empty strings).
        weights: Member name -> vote weight (> 0) for every member; None: all 1.
        veto_players: Names of the members whose vote can block adoption.
        threshold: Affirmative votes (members) needed.
        weight_threshold: Affirmative weight needed.
        member_share: Share of the members, in [0, 1], that must vote yes.
        weight_share: Share of the total weight, in [0, 1], the yes votes must hold.
        blocking_members: If > 0, the weight condition is deemed met when fewer than this
            many members do not vote yes.
        veto: Whether a veto player's no blocks adoption.
        abstention_vetoes: Whether a veto player's abstention blocks too.

    Returns:
        The rule.

    Raises:
        ValueError: If a collection of names is a string, names repeat or are not members,
            a weight is missing, not a number or not positive, a count is not a whole
            number >= 0, a share is outside [0, 1], a quota exceeds what all the members
            together have, or the rule would adopt a draft that nobody votes for.

    """
    members = _member_names(members)
    vetoes = set(_names(veto_players, "veto_players"))
    _check_known(vetoes, members, "veto_players")
    for name, flag in (("veto", veto), ("abstention_vetoes", abstention_vetoes)):
        if not isinstance(flag, bool):
            raise ValueError(f"{name} must be True or False, got {flag!r}")
    shares = {"member_share": member_share, "weight_share": weight_share}
    for name, share in shares.items():
        if not 0 <= _real(share, name) <= 1:
            raise ValueError(f"{name} must be between 0 and 1, got {share}")
    weight_threshold = _real(weight_threshold, "weight_threshold")
    if weight_threshold < 0:
        raise ValueError(f"weight_threshold must be >= 0, got {weight_threshold}")
    rule = VotingRule(
        members=members,
        weights=_weights(members, weights),
        threshold=_whole(threshold, "threshold"),
        weight_threshold=weight_threshold,
        member_share=float(member_share),
        weight_share=float(weight_share),
        blocking_members=_whole(blocking_members, "blocking_members"),
        veto_players=np.array([m in vetoes for m in members], dtype=bool),
        veto=veto,
        abstention_vetoes=abstention_vetoes,
    )
    if rule.threshold > len(members):
        raise ValueError(
            f"threshold {rule.threshold} can never be reached by the {len(members)} members"
        )
    if rule.blocking_members > len(members):
        raise ValueError(
            f"blocking_members {rule.blocking_members} is more than the {len(members)} members: "
            "no minority could ever block, so the weight quota would never count"
        )
    if rule.weight_quota > rule.total_weight:
        raise ValueError(
            f"weight_threshold {weight_threshold} can never be reached: the members' total "
            f"weight is {rule.total_weight}"
        )
    if rule.has_votes(np.zeros(1, dtype=int), np.zeros(1))[0]:
        raise ValueError(
            "the rule would adopt a draft that nobody votes for: set a quota (threshold, "
            "weight_threshold, member_share or weight_share)"
        )
    return rule


# --------------------------------------------------------------------------------------------
# Presets: the rules of actual bodies
# --------------------------------------------------------------------------------------------

VotingRulePreset = Callable[
    [Sequence[str], Sequence[str], Mapping[str, float] | None], dict[str, Any]
]
"""A preset: the members, the veto players and the weights (or None) in; every keyword
argument of :func:`voting_rule`, at the body's values, out (a scenario may override some)."""

VOTING_RULES: Registry[VotingRulePreset] = Registry("voting rule")
"""The presets, by name: the decision rules of actual bodies."""

_DEFAULTS = {
    name: parameter.default
    for name, parameter in inspect.signature(voting_rule).parameters.items()
    if parameter.kind is parameter.KEYWORD_ONLY
}


def _fields(**fields: Any) -> dict[str, Any]:
    """Every keyword argument of :func:`voting_rule`: ``fields``, the others at their defaults."""
    return _DEFAULTS | fields


_EEC_1958 = {
    "france": 4,
    "germany": 4,
    "italy": 4,
    "belgium": 2,
    "netherlands": 2,
    "luxembourg": 1,
}
_EU_1995 = {
    "germany": 10,
    "france": 10,
    "italy": 10,
    "united_kingdom": 10,
    "spain": 8,
    "belgium": 5,
    "greece": 5,
    "netherlands": 5,
    "portugal": 5,
    "austria": 4,
    "sweden": 4,
    "denmark": 3,
    "ireland": 3,
    "finland": 3,
    "luxembourg": 2,
}
_EU_1986 = {m: w for m, w in _EU_1995.items() if m not in ("austria", "sweden", "finland")}


def _treaty_weights(
    preset: str,
    table: Mapping[str, int],
    members: Sequence[str],
    weights: Mapping[str, float] | None,
) -> dict[str, float]:
    """The Treaty's ``table`` of weights for ``members``, with the given ``weights`` on top."""
    merged = {m: table[m] for m in members if m in table} | dict(weights or {})
    missing = [m for m in members if m not in merged]
    if missing:
        raise ValueError(
            f"{preset}: no weight for {missing}; the Treaty gives weights to "
            f"{', '.join(table)} (give others in weights)"
        )
    return merged


@VOTING_RULES.register("security_council")
def security_council(
    members: Sequence[str], veto_players: Sequence[str], weights: Mapping[str, float] | None
) -> dict[str, Any]:
    """Nine affirmative votes including the concurring votes of the permanent members.

    Source: UN Charter Art. 27(3) (non-procedural matters; nine of fifteen members since the
    1965 amendment, seven of eleven before). A permanent member's abstention is not a veto by
    the Council's practice, accepted in the Namibia Advisory Opinion (ICJ Reports 1971, p. 16,
    para. 22). The veto players are the given permanent members. (The proviso that a party
    to a dispute abstain in decisions under Chapter VI is not modelled.)
    """
    return _fields(weights=weights, veto_players=veto_players, threshold=9)


@VOTING_RULES.register("eu_council_1958")
def eu_council_1958(
    members: Sequence[str], veto_players: Sequence[str], weights: Mapping[str, float] | None
) -> dict[str, Any]:
    """Qualified majority of the EEC-6: 12 of 17 weighted votes.

    Source: Art. 148(2) EEC (Treaty of Rome, 1957): France, Germany, Italy 4; Belgium,
    Netherlands 2; Luxembourg 1; 12 votes on a proposal from the Commission (12 votes cast by
    at least four members otherwise: override threshold=4). Luxembourg is a dummy
    (Felsenthal & Machover 1998). Given weights override the table.
    """
    weights = _treaty_weights("eu_council_1958", _EEC_1958, members, weights)
    return _fields(weights=weights, veto_players=veto_players, weight_threshold=12)


@VOTING_RULES.register("eu_council_1986")
def eu_council_1986(
    members: Sequence[str], veto_players: Sequence[str], weights: Mapping[str, float] | None
) -> dict[str, Any]:
    """Qualified majority of the EC-12: 54 of 76 weighted votes.

    Source: Art. 148(2) EEC as amended by the Act of Accession of Spain and Portugal (OJ L 302,
    15.11.1985), in force from 1 January 1986 and unchanged by the Single European Act:
    Germany, France, Italy, United Kingdom 10; Spain 8; Belgium, Greece, Netherlands,
    Portugal 5; Denmark, Ireland 3; Luxembourg 2; 54 votes on a proposal from the Commission
    (54 votes cast by at least eight members otherwise: override threshold=8). Given weights
    override the table.
    """
    weights = _treaty_weights("eu_council_1986", _EU_1986, members, weights)
    return _fields(weights=weights, veto_players=veto_players, weight_threshold=54)


@VOTING_RULES.register("eu_council_1995")
def eu_council_1995(
    members: Sequence[str], veto_players: Sequence[str], weights: Mapping[str, float] | None
) -> dict[str, Any]:
    """Qualified majority of the EU-15: 62 of 87 weighted votes.

    Source: Art. 148(2) TEC as amended by Art. 15 of the 1994 Act of Accession of Austria,
    Finland and Sweden, adjusted by Art. 8 of Council Decision 95/1/EC, Euratom, ECSC (OJ L 1,
    1.1.1995); Art. 205(2) TEC after the Treaty of Amsterdam. The 1986 weights plus Austria,
    Sweden 4 and Finland 3; 62 votes on a proposal from the Commission (62 votes cast by at
    least ten members otherwise: override threshold=10). Given weights override the table.
    """
    weights = _treaty_weights("eu_council_1995", _EU_1995, members, weights)
    return _fields(weights=weights, veto_players=veto_players, weight_threshold=62)


def _populations(preset: str, weights: Mapping[str, float] | None) -> Mapping[str, float]:
    if weights is None:
        raise ValueError(f"{preset} needs weights: each member's population")
    return weights


@VOTING_RULES.register("eu_council_2014")
def eu_council_2014(
    members: Sequence[str], veto_players: Sequence[str], weights: Mapping[str, float] | None
) -> dict[str, Any]:
    """Double majority of the whole Council: 55% of the members, at least fifteen, with 65%.

    Source: Art. 16(4) TEU (from 1 November 2014): at least 55% of the members of the
    Council, comprising at least fifteen of them, representing member states with at least
    65% of the Union's population; "a blocking minority must include at least four Council
    members, failing which the qualified majority shall be deemed attained". The weights
    are the members' populations (required). Taken literally: a body of fewer than fifteen
    members can adopt nothing under it (ValueError); a Council in which not all members
    vote follows Art. 238(3)(a) TFEU, the preset eu_council_2014_partial. When the Council
    does not act on a proposal of the Commission or the High Representative, Art. 238(2)
    TFEU asks for 72% of the members with 65% of the population, with no fifteen-member
    floor or blocking clause: override member_share=0.72, threshold=0, blocking_members=0.
    """
    return _fields(
        weights=_populations("eu_council_2014", weights),
        veto_players=veto_players,
        threshold=15,
        member_share=0.55,
        weight_share=0.65,
        blocking_members=4,
    )


@VOTING_RULES.register("eu_council_2014_partial")
def eu_council_2014_partial(
    members: Sequence[str], veto_players: Sequence[str], weights: Mapping[str, float] | None
) -> dict[str, Any]:
    """Double majority when not all members vote: 55% of those voting, with 65% of their people.

    Source: Art. 238(3)(a) TFEU (from 1 November 2014; e.g. the euro area, enhanced
    cooperation): at least 55% of the members representing the participating member states,
    comprising at least 65% of their population; a blocking minority must include at least
    the minimum number of members representing more than 35% of that population, plus one
    member, failing which the qualified majority is deemed attained. The weights are the
    members' populations (required).
    """
    populations = _weights(_member_names(members), _populations("eu_council_2014_partial", weights))
    held = np.cumsum(np.sort(populations)[::-1])
    fewest = int(np.argmax(held > 0.35 * held[-1])) + 1
    return _fields(
        weights=weights,
        veto_players=veto_players,
        member_share=0.55,
        weight_share=0.65,
        blocking_members=fewest + 1,
    )


@VOTING_RULES.register("unanimity")
def unanimity(
    members: Sequence[str], veto_players: Sequence[str], weights: Mapping[str, float] | None
) -> dict[str, Any]:
    """Unanimity: every member a veto player; abstentions do not prevent adoption.

    Source: Art. 238(4) TFEU (formerly Art. 148(3) EEC): "abstentions by Members present in
    person or represented shall not prevent the adoption by the Council of acts which require
    unanimity". At least one member must vote yes.
    """
    return _fields(weights=weights, veto_players=members, threshold=1)


@VOTING_RULES.register("majority")
def majority(
    members: Sequence[str], veto_players: Sequence[str], weights: Mapping[str, float] | None
) -> dict[str, Any]:
    """Simple majority of the members: more than half of them vote yes.

    Source: Art. 238(1) TFEU: "where it is required to act by a simple majority, the Council
    shall act by a majority of its component members" (abstentions and absences count as
    not yes).
    """
    return _fields(weights=weights, veto_players=veto_players, threshold=len(members) // 2 + 1)


def rule_from_preset(
    name: str,
    members: Sequence[str],
    veto_players: Iterable[str] = (),
    weights: Mapping[str, float] | None = None,
    **overrides: Any,
) -> VotingRule:
    """The rule of the preset ``name`` for these members, with single fields overridden.

    Args:
        name: A preset of :data:`VOTING_RULES`.
        members: The members' names.
        veto_players: The veto players the preset uses (the Security Council's permanent
            members); presets without them take them as a counterfactual.
        weights: Member name -> weight, where the preset needs or allows them.
        **overrides: Keyword arguments of :func:`voting_rule` replacing the preset's.

    Raises:
        sim.rules.UnknownRuleError: If ``name`` is not a preset.
        ValueError: As :func:`voting_rule`, or if the preset lacks a weight it needs.
        TypeError: If an override is not an argument of :func:`voting_rule`.

    """
    preset = VOTING_RULES[name]
    members = _member_names(members)
    fields = preset(members, _names(veto_players, "veto_players"), weights) | overrides
    return voting_rule(members, **fields)


# --------------------------------------------------------------------------------------------
# One vote by name, and the Security Council's rule for sim.bodies
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VoteResult:
    """Outcome of one vote, as returned by :func:`resolve_vote`.

    Attributes:
        adopted: Whether the draft was adopted.
        yes: Number of affirmative votes.
        no: Number of negative votes.
        abstain: Number of abstentions (members that did not vote are not counted).
        vetoed_by: Veto players whose vote defeated a draft that had the votes, in member
            order.
        yes_weight: Weight of the affirmative votes.

    """

    adopted: bool
    yes: int
    no: int
    abstain: int
    vetoed_by: tuple[str, ...]
    yes_weight: float


def _vote_code(member: str, value: object) -> np.int8:
    """Parse one member's vote string (case-insensitive, surrounding whitespace ignored)."""
    code = VOTE_CODES.get(value.strip().lower()) if isinstance(value, str) else None
    if code is None:
        raise ValueError(
            f"invalid vote for {member!r}: {value!r} (expected 'yes', 'no' or 'abstain')"
        )
    return code


def resolve_vote(votes: Mapping[str, str], rule: VotingRule) -> VoteResult:
    """Decide one vote under ``rule``, by calling :meth:`VotingRule.count`.

    Members missing from ``votes`` did not vote: that is not a yes vote, and not a veto even
    under ``abstention_vetoes`` (nor is a permanent member's absence a veto in the Security
    Council's practice).

    Args:
        votes: Member name -> ``"yes"``, ``"no"`` or ``"abstain"`` (case-insensitive,
            surrounding whitespace ignored).
        rule: The body's rule.

    Returns:
        The :class:`VoteResult`.

    Raises:
        ValueError: If a name is not a member, or a vote is not one of the accepted strings
            (the message names the member and the value).

    """
    _check_known(votes, rule.members, "votes cast by names")
    row = {m: i for i, m in enumerate(rule.members)}
    codes = np.full((len(rule.members), 1), ABSTAIN, dtype=np.int8)  # M members, R = 1
    voted = np.zeros(len(rule.members), dtype=bool)
    for name, value in votes.items():
        codes[row[name], 0] = _vote_code(name, value)
        voted[row[name]] = True
    tally = replace(rule, veto_players=rule.veto_players & voted).count(codes)
    return VoteResult(
        adopted=bool(tally.adopted[0]),
        yes=int(tally.yes[0]),
        no=int(tally.no[0]),
        abstain=int(tally.abstain[0]) - int(np.count_nonzero(~voted)),
        vetoed_by=tuple(m for m, v in zip(rule.members, tally.vetoed[:, 0], strict=True) if v),
        yes_weight=float(tally.yes_weight[0]),
    )
