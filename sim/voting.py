"""The Security Council's decision rule on non-procedural matters (UN Charter Art. 27(3)).

UN Charter Art. 27(3): decisions on all other (non-procedural) matters "shall be made by an
affirmative vote of nine members including the concurring votes of the permanent members".
By settled Council practice, accepted by the International Court of Justice (Advisory Opinion
on Namibia, ICJ Reports 1971, p. 16, para. 22), a permanent member's abstention does not
prevent adoption: only its negative vote is a veto. (Art. 27(3)'s proviso that a party to a
dispute abstain in decisions under Chapter VI is not modelled here.)

So a draft is adopted iff it gets at least ``threshold`` (9 of 15) affirmative votes and no
permanent member votes against it. This module provides:

* :func:`count_votes`, the vectorised rule applied to many replicates at once (one
  implementation of the rule, used by the Council body, `sim.bodies.Council`);
* :func:`resolve_vote`, the same rule for one vote given as a name -> vote mapping.

The voting power this rule gives each member is in `sim.power`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from numbers import Integral

import numpy as np

__all__ = [
    "ABSTAIN",
    "NO",
    "VOTE_CODES",
    "YES",
    "Tally",
    "VoteResult",
    "check_threshold",
    "count_votes",
    "name_set",
    "resolve_vote",
]

YES = np.int8(1)
"""Code of an affirmative vote."""
NO = np.int8(-1)
"""Code of a negative vote (a veto when cast by a permanent member on a draft with the votes)."""
ABSTAIN = np.int8(0)
"""Code of an abstention; never a veto (Namibia, ICJ 1971, para. 22)."""

VOTE_CODES: dict[str, np.int8] = {"yes": YES, "no": NO, "abstain": ABSTAIN}
"""Vote strings accepted by :func:`resolve_vote`, mapped to their codes."""


@dataclass(frozen=True, eq=False)
class Tally:
    """Outcome of :func:`count_votes` for ``R`` replicates of a vote by ``M`` members.

    The arrays are read-only. Equality is identity (element-wise comparison of arrays has
    no single truth value); compare fields with numpy instead.

    Attributes:
        yes: ``(R,)`` number of affirmative votes in each replicate.
        no: ``(R,)`` number of negative votes.
        abstain: ``(R,)`` number of abstentions.
        vetoed: ``(M, R)`` bool; ``vetoed[m, r]`` is True iff the veto applies, member ``m``
            is permanent, it voted no in replicate ``r``, and the draft had at least
            ``threshold`` affirmative votes there, i.e. ``m``'s no defeated it.
        adopted: ``(R,)`` bool; whether the draft was adopted in each replicate.

    """

    yes: np.ndarray
    no: np.ndarray
    abstain: np.ndarray
    vetoed: np.ndarray
    adopted: np.ndarray


def check_threshold(threshold: object) -> int:
    """Return ``threshold`` as an int, or raise ValueError unless it is an integer >= 1."""
    if isinstance(threshold, bool) or not isinstance(threshold, Integral):
        raise ValueError(f"threshold must be an integer, got {threshold!r}")
    if threshold < 1:
        raise ValueError(f"threshold must be at least 1, got {threshold}")
    return int(threshold)


def count_votes(
    votes: np.ndarray,
    permanent: np.ndarray,
    threshold: int = 9,
    veto: bool = True,
) -> Tally:
    """Apply the Art. 27(3) decision rule to many independent replicates at once.

    A draft is adopted iff it has at least ``threshold`` affirmative votes and, when ``veto``
    is on, no permanent member votes no (UN Charter Art. 27(3)). A permanent member's
    abstention is not a veto (ICJ, Namibia Advisory Opinion, 1971, para. 22). A permanent
    member's no on a draft that lacked ``threshold`` affirmative votes anyway is not recorded
    as a veto, since it did not decide the outcome.

    Args:
        votes: Integer array of shape ``(M, R)``: the vote code (:data:`YES`, :data:`NO`,
            :data:`ABSTAIN`) of each of ``M`` members in each of ``R`` replicates.
        permanent: Bool array of shape ``(M,)``, True for permanent members.
        threshold: Affirmative votes needed for adoption (9 in the 15-member Council).
            Values above ``M`` are allowed (nothing is then adopted).
        veto: Whether permanent members' negative votes block adoption. False gives the
            rule without the veto, for counterfactuals.

    Returns:
        The :class:`Tally` of each replicate.

    Raises:
        ValueError: If ``votes`` is not a 2-D integer array of vote codes, ``permanent`` is
            not a bool array of shape ``(M,)``, or ``threshold`` is not an integer >= 1.

    """
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
    permanent = np.asarray(permanent)
    if permanent.dtype != np.bool_:
        raise ValueError(f"permanent must be a bool array, got dtype {permanent.dtype}")
    if permanent.shape != votes.shape[:1]:
        raise ValueError(
            f"permanent must have shape ({votes.shape[0]},) to match votes of shape "
            f"{votes.shape}, got shape {permanent.shape}"
        )
    threshold = check_threshold(threshold)

    yes = np.count_nonzero(votes == YES, axis=0)
    no = np.count_nonzero(votes == NO, axis=0)
    abstain = np.count_nonzero(votes == ABSTAIN, axis=0)
    has_votes = yes >= threshold
    if veto:
        vetoed = (votes == NO) & permanent[:, np.newaxis] & has_votes[np.newaxis, :]
    else:
        vetoed = np.zeros(votes.shape, dtype=bool)
    adopted = has_votes & ~vetoed.any(axis=0)

    for array in (yes, no, abstain, vetoed, adopted):
        array.flags.writeable = False
    return Tally(yes=yes, no=no, abstain=abstain, vetoed=vetoed, adopted=adopted)


@dataclass(frozen=True)
class VoteResult:
    """Outcome of one vote, as returned by :func:`resolve_vote`.

    Attributes:
        adopted: Whether the draft was adopted.
        yes: Number of affirmative votes.
        no: Number of negative votes.
        abstain: Number of abstentions.
        vetoed_by: Permanent members whose no defeated a draft that had the votes, in the
            order the members appear in the ``votes`` mapping.

    """

    adopted: bool
    yes: int
    no: int
    abstain: int
    vetoed_by: tuple[str, ...]


def name_set(names: Iterable[str], what: str) -> set[str]:
    """Return ``names`` as a set, refusing a bare string (an iterable of characters)."""
    if isinstance(names, str):
        raise TypeError(f"{what} must be a collection of member names, not a string: {names!r}")
    return set(names)


def _vote_code(member: str, value: object) -> np.int8:
    """Parse one member's vote string (case-insensitive, surrounding whitespace ignored)."""
    code = VOTE_CODES.get(value.strip().lower()) if isinstance(value, str) else None
    if code is None:
        raise ValueError(
            f"invalid vote for {member!r}: {value!r} (expected 'yes', 'no' or 'abstain')"
        )
    return code


def resolve_vote(
    votes: Mapping[str, str],
    permanent: Iterable[str],
    threshold: int = 9,
    veto: bool = True,
) -> VoteResult:
    """Decide one vote under UN Charter Art. 27(3), by calling :func:`count_votes`.

    Adopted iff at least ``threshold`` members vote yes and no permanent member votes no; a
    permanent member's abstention is not a veto (ICJ, Namibia Advisory Opinion, 1971,
    para. 22). Permanent members absent from ``votes`` did not vote: that is not a veto.

    Args:
        votes: Member name -> ``"yes"``, ``"no"`` or ``"abstain"`` (case-insensitive,
            surrounding whitespace ignored).
        permanent: Names of the permanent members.
        threshold: Affirmative votes needed for adoption.
        veto: Whether permanent members' negative votes block adoption.

    Returns:
        The :class:`VoteResult`.

    Raises:
        ValueError: If a vote is not one of the accepted strings (the message names the
            member and the value), or ``threshold`` is not an integer >= 1.
        TypeError: If ``permanent`` is a single string rather than a collection of names.

    """
    permanent_names = name_set(permanent, "permanent")
    names = list(votes)
    codes = np.array([_vote_code(name, votes[name]) for name in names], dtype=np.int8)
    codes = codes.reshape(len(names), 1)  # M members, R = 1 replicate
    is_permanent = np.array([name in permanent_names for name in names], dtype=bool)
    tally = count_votes(codes, is_permanent, threshold=threshold, veto=veto)
    return VoteResult(
        adopted=bool(tally.adopted[0]),
        yes=int(tally.yes[0]),
        no=int(tally.no[0]),
        abstain=int(tally.abstain[0]),
        vetoed_by=tuple(name for name, v in zip(names, tally.vetoed[:, 0], strict=True) if v),
    )
