"""Voting power under the Security Council's decision rule (UN Charter Art. 27(3)).

Exact Shapley-Shubik and Banzhaf indices of the simple game in which a coalition wins iff it
has at least ``threshold`` members and includes every permanent member: the game that
`sim.voting.count_votes` decides. Values are exact `Fraction`s, computed by counting coalitions
of each kind of member with binomial coefficients rather than enumerating them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import comb, factorial

from sim.voting import check_threshold, name_set

__all__ = ["banzhaf", "shapley_shubik"]


@dataclass(frozen=True)
class _Game:
    """The Council's simple game, described by kinds of member rather than by names.

    A coalition with ``a`` permanent and ``b`` elected members wins iff ``a + b >= threshold``
    and ``a == n_permanent``. Members of the same kind are symmetric, so each kind's power
    is determined by :meth:`swings_by_size`, and coalitions are counted with binomial
    coefficients instead of being enumerated.
    """

    members: tuple[str, ...]
    permanent: frozenset[str]
    threshold: int

    @property
    def n_permanent(self) -> int:
        """Number of permanent members."""
        return len(self.permanent)

    @property
    def n_elected(self) -> int:
        """Number of elected (non-permanent) members."""
        return len(self.members) - len(self.permanent)

    def wins(self, a: int, b: int) -> bool:
        """Whether a coalition of ``a`` permanent and ``b`` elected members wins."""
        return a == self.n_permanent and a + b >= self.threshold

    def swings_by_size(self, is_permanent: bool) -> dict[int, int]:
        """Count the coalitions in which one member of the given kind is a swing.

        Args:
            is_permanent: The kind of the member.

        Returns:
            ``{s: k}``: there are ``k`` coalitions of ``s`` *other* members that lose
            without the member and win with it. Sizes with no swing are omitted.

        """
        others_p = self.n_permanent - is_permanent
        others_e = self.n_elected - (not is_permanent)
        counts: dict[int, int] = {}
        for a in range(others_p + 1):
            for b in range(others_e + 1):
                joined = (a + 1, b) if is_permanent else (a, b + 1)
                if self.wins(*joined) and not self.wins(a, b):
                    counts[a + b] = counts.get(a + b, 0) + comb(others_p, a) * comb(others_e, b)
        return counts


def _game(members: Sequence[str], permanent: Iterable[str], threshold: int) -> _Game:
    """Validate a voting game's description and return it as a :class:`_Game`."""
    if isinstance(members, str):
        raise TypeError(f"members must be a sequence of names, not a string: {members!r}")
    members = tuple(members)
    if len(set(members)) != len(members):
        duplicates = sorted({m for m in members if members.count(m) > 1})
        raise ValueError(f"member names must be unique; repeated: {duplicates}")
    permanent_names = name_set(permanent, "permanent")
    unknown = permanent_names.difference(members)
    if unknown:
        raise ValueError(f"permanent members not among members: {sorted(unknown)}")
    threshold = check_threshold(threshold)
    if threshold > len(members):
        raise ValueError(
            f"threshold must be between 1 and the number of members ({len(members)}), "
            f"got {threshold}"
        )
    return _Game(members, frozenset(permanent_names), threshold)


def shapley_shubik(
    members: Sequence[str], permanent: Iterable[str], threshold: int = 9
) -> dict[str, Fraction]:
    """Exact Shapley-Shubik index of each member.

    Shapley and Shubik (1954), "A Method for Evaluating the Distribution of Power in a
    Committee System", APSR 48:787-792: a member's power is the share of the ``n!`` orderings
    of the members in which it is pivotal, i.e. turns the coalition of those before it from
    losing to winning. A swing coalition ``S`` of ``s`` others makes it pivotal in
    ``s! (n - 1 - s)!`` orderings.

    Args:
        members: Names of all members (unique).
        permanent: Names of the permanent members (a subset of ``members``).
        threshold: Size a winning coalition needs (it must also include every permanent
            member).

    Returns:
        Member name -> power, in the order of ``members``; the values sum to 1.

    Raises:
        ValueError: If names repeat, ``permanent`` is not a subset of ``members``, or
            ``threshold`` is not an integer in ``1..len(members)``.

    """
    game = _game(members, permanent, threshold)
    n = len(game.members)
    # Orderings in which a member of each kind is pivotal: s! (n-1-s)! per swing coalition.
    pivotal = {
        kind: sum(
            k * factorial(s) * factorial(n - 1 - s) for s, k in game.swings_by_size(kind).items()
        )
        for kind in (True, False)
    }
    power = {kind: Fraction(count, factorial(n)) for kind, count in pivotal.items()}
    return {m: power[m in game.permanent] for m in game.members}


def banzhaf(
    members: Sequence[str],
    permanent: Iterable[str],
    threshold: int = 9,
    normalized: bool = True,
) -> dict[str, Fraction]:
    """Exact Banzhaf index of each member.

    Banzhaf (1965), "Weighted Voting Doesn't Work: A Mathematical Analysis", Rutgers Law
    Review 19:317-343: a member's power is the number of winning coalitions in which it is
    critical (a swing: the coalition loses without it).

    Args:
        members: Names of all members (unique).
        permanent: Names of the permanent members (a subset of ``members``).
        threshold: Size a winning coalition needs (it must also include every permanent
            member).
        normalized: If True, divide each member's swings by the total number of swings of
            all members, so the values sum to 1. If False, divide by ``2**(n-1)``: the
            absolute Banzhaf index, the probability that the member is decisive when every
            other member votes yes or no independently with probability 1/2.

    Returns:
        Member name -> power, in the order of ``members``.

    Raises:
        ValueError: If names repeat, ``permanent`` is not a subset of ``members``, or
            ``threshold`` is not an integer in ``1..len(members)``.

    """
    game = _game(members, permanent, threshold)
    swings = {kind: sum(game.swings_by_size(kind).values()) for kind in (True, False)}
    if normalized:
        # Positive: the grand coalition wins and the empty one loses (1 <= threshold <= n).
        denominator = swings[True] * game.n_permanent + swings[False] * game.n_elected
    else:
        denominator = 2 ** (len(game.members) - 1)
    return {m: Fraction(swings[m in game.permanent], denominator) for m in game.members}
