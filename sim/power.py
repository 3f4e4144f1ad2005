"""Voting power of the members of any body whose decision rule is a `sim.voting.VotingRule`.

The rule defines a simple game: a coalition wins iff the draft is adopted when its members vote
yes and everybody else does not (`sim.voting.VotingRule.wins`). Abstention is not a yes vote,
and a veto player's not-yes blocks whether it votes no or abstains, so a winning coalition
contains every veto player when the veto applies. A member's power is measured by how often
it is a swing: a coalition that loses without it and wins with it (Felsenthal & Machover 1998,
*The Measurement of Voting Power*, Edward Elgar, on weighted and double-majority games).

The indices are exact `Fraction`s. The swings are counted

* by a dynamic programme over the members, tabulating coalitions by number of members and
  weight (the generating functions of Mann & Shapley 1962, "Values of Large Games VI", RAND
  RM-3158), when the weights are integers with a total of at most 10**6: the Security
  Council and the EEC/EC/EU Council with weighted votes, in milliseconds;
* otherwise by enumerating the coalitions, when there are at most 22 members.

Otherwise the indices raise ValueError.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from sim.voting import NO, YES, VotingRule

__all__ = ["banzhaf", "shapley_shubik"]

MAX_TOTAL_WEIGHT = 10**6
"""Largest total of integer weights counted by the dynamic programme (whose table has one
column per weight up to the quota: 27 distinct weights near this total take seconds and a
few hundred MB)."""
MAX_ENUMERATED = 22
"""Most members whose coalitions are enumerated when the programme does not apply."""


def _shifted(counts: np.ndarray, weight: int, cap: int) -> np.ndarray:
    """Coalition counts by weight (last axis, ``cap`` pooling weights >= cap), ``weight`` added."""
    out = np.zeros_like(counts)
    if weight < cap:
        out[..., weight:cap] = counts[..., : cap - weight]
    out[..., cap] = counts[..., max(cap - weight, 0) :].sum(axis=-1)
    return out


def _without(counts: np.ndarray, weight: int, cap: int) -> np.ndarray:
    """Remove a member of ``weight`` from coalition counts by (number of members, weight).

    Inverts the step that added it, ``counts[k] = out[k] + shifted(out[k - 1])``, row by row.
    """
    out = np.zeros_like(counts)
    out[0] = counts[0]
    for k in range(1, len(counts)):
        out[k] = counts[k] - _shifted(out[k - 1], weight, cap)
    return out


def _swings_by_programme(rule: VotingRule) -> list[list[int]]:
    """:func:`_swings` by the dynamic programme; the weights must be integers."""
    n = len(rule.members)
    weights = [int(w) for w in rule.weights]
    cap = max(math.ceil(rule.weight_quota), 0)  # an integer weight passes iff it is >= cap
    vetoes = rule.veto_players.tolist() if rule.veto else [False] * n
    # Every winning coalition has all the veto players: tabulate the others' coalitions.
    n_veto = sum(vetoes)
    veto_weight = sum(w for w, v in zip(weights, vetoes, strict=True) if v)
    free = [w for w, v in zip(weights, vetoes, strict=True) if not v]
    counts = np.zeros((len(free) + 1, cap + 1), dtype=np.int64 if n < 63 else object)
    counts[0, 0] = 1
    for weight in free:
        counts[1:] += _shifted(counts[:-1], weight, cap)
    size = np.arange(len(free) + 1)[:, np.newaxis]  # free members in the coalition
    bucket = np.arange(cap + 1)[np.newaxis, :]  # their weight (cap: cap or more)
    by_kind: dict[tuple[int, bool], list[int]] = {}
    for weight, is_veto in zip(weights, vetoes, strict=True):
        if (weight, is_veto) in by_kind:
            continue
        if is_veto:
            # The other veto players and any free members: a loss without this member.
            others, first_size = counts, n_veto - 1
            swing = rule.has_votes(n_veto + size, veto_weight + bucket)
        else:
            others, first_size = _without(counts, weight, cap), n_veto
            swing = rule.has_votes(
                n_veto + size + 1, veto_weight + bucket + weight
            ) & ~rule.has_votes(n_veto + size, veto_weight + bucket)
        by_size = [0] * n
        for k, row in enumerate((others * swing).sum(axis=1)):
            if row:
                by_size[first_size + k] = int(row)
        by_kind[weight, is_veto] = by_size
    return [by_kind[kind] for kind in zip(weights, vetoes, strict=True)]


def _swings_by_enumeration(rule: VotingRule) -> list[list[int]]:
    """:func:`_swings` by deciding every coalition with :meth:`VotingRule.count`."""
    n = len(rule.members)
    bit = np.arange(n)[:, np.newaxis]
    chunks = (np.arange(start, min(start + 2**16, 2**n)) for start in range(0, 2**n, 2**16))
    # Coalition c holds member m iff bit m of c is set.
    wins = np.concatenate([rule.count(np.where(c >> bit & 1, YES, NO)).adopted for c in chunks])
    size = np.zeros(1, dtype=np.int64)
    for _ in range(n):
        size = np.concatenate([size, size + 1])
    swings = []
    for m in range(n):
        by_member = wins.reshape(-1, 2, 2**m)  # [:, 1, :] with member m, [:, 0, :] without
        swing = by_member[:, 1, :] & ~by_member[:, 0, :]
        sizes = size.reshape(-1, 2, 2**m)[:, 0, :][swing]
        swings.append([int(k) for k in np.bincount(sizes, minlength=n)])
    return swings


def _swings(rule: VotingRule) -> list[list[int]]:
    """Count each member's swings by the number of other members in the coalition.

    ``swings[m][s]`` is the number of coalitions of ``s`` members other than ``m`` that lose
    without ``m`` and win with it.

    Raises:
        ValueError: If the grand coalition loses or the empty one wins, or the indices cannot
            be computed exactly (weights not integers with a small total, and more than
            :data:`MAX_ENUMERATED` members).

    """
    if not rule.wins(rule.members) or rule.wins(()):
        raise ValueError(
            "a voting game needs the members together to win and a draft nobody votes for to fail"
        )
    weights = rule.weights
    if np.all(weights == np.round(weights)) and rule.total_weight <= MAX_TOTAL_WEIGHT:
        return _swings_by_programme(rule)
    if len(rule.members) <= MAX_ENUMERATED:
        return _swings_by_enumeration(rule)
    raise ValueError(
        f"exact voting power needs integer weights totalling at most {MAX_TOTAL_WEIGHT} or at "
        f"most {MAX_ENUMERATED} members; this body has {len(rule.members)} members with "
        f"weights totalling {rule.total_weight}"
    )


def shapley_shubik(rule: VotingRule) -> dict[str, Fraction]:
    """Exact Shapley-Shubik index of each member.

    Shapley and Shubik (1954), "A Method for Evaluating the Distribution of Power in a
    Committee System", APSR 48:787-792: a member's power is the share of the ``n!`` orderings
    of the members in which it is pivotal, i.e. turns the coalition of those before it from
    losing to winning. A swing coalition of ``s`` others makes it pivotal in
    ``s! (n - 1 - s)!`` orderings.

    Args:
        rule: The body's decision rule.

    Returns:
        Member name -> power, in member order; the values sum to 1.

    Raises:
        ValueError: If the members together lose or nobody's votes win, or exact indices
            are out of reach (see the module docstring).

    """
    n = len(rule.members)
    return {
        member: Fraction(
            sum(k * math.factorial(s) * math.factorial(n - 1 - s) for s, k in enumerate(counts)),
            math.factorial(n),
        )
        for member, counts in zip(rule.members, _swings(rule), strict=True)
    }


def banzhaf(rule: VotingRule, normalized: bool = True) -> dict[str, Fraction]:
    """Exact Banzhaf index of each member.

    Banzhaf (1965), "Weighted Voting Doesn't Work: A Mathematical Analysis", Rutgers Law
    Review 19:317-343: a member's power is the number of coalitions in which it is a swing
    (critical: the coalition wins with it and loses without it).

    Args:
        rule: The body's decision rule.
        normalized: If True, divide each member's swings by the total number of swings of
            all members, so the values sum to 1. If False, divide by ``2**(n-1)``: the
            absolute Banzhaf index, the probability that the member is decisive when every
            other member votes yes or no independently with probability 1/2 (Felsenthal &
            Machover 1998's Bz).

    Returns:
        Member name -> power, in member order.

    Raises:
        ValueError: As :func:`shapley_shubik`.

    """
    swings = [sum(counts) for counts in _swings(rule)]
    denominator = sum(swings) if normalized else 2 ** (len(rule.members) - 1)
    return {m: Fraction(k, denominator) for m, k in zip(rule.members, swings, strict=True)}
