"""Sponsor strategies: what the sponsor of a Council draft does before the vote.

Each strategy takes the Council (`sim.bodies.Council`) and the sponsor's draft in every live
replicate, (K, L), and returns a `Preparation`: the draft as it will be tabled or withdrawn,
which replicates see it tabled, which see it withdrawn, and how often it was amended. The
strategies are registered by name in `SPONSOR_STRATEGIES`, the family a scenario's
`council.strategy` chooses from (see `sim.rules`).

Sources common to all: sponsors withdraw drafts that face a veto rather than see them defeated
(the Western draft on Kosovo, withdrawn on 20 July 2007 when Russia said it would vote against;
on the practice see Wallensteen & Johansson 2004) or amend them to win a permanent member's
abstention (Resolution 1973, 2011); an agenda setter moves a text toward the pivotal veto
player, since it passes only inside every veto player's winset (Tsebelis 2002).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.rules import Registry
from sim.utility import sum_in_order

if TYPE_CHECKING:
    from sim.bodies import Council


class Preparation(NamedTuple):
    """A draft made ready for a session, over the L live replicates."""

    draft: np.ndarray
    """(K, L): the draft as tabled or withdrawn."""
    tabled: np.ndarray
    """(L,) bool: put to the vote."""
    withdrawn: np.ndarray
    """(L,) bool: withdrawn without a vote."""
    amendments: np.ndarray
    """(L,) int: amendments made."""


SponsorStrategy = Callable[["Council", np.ndarray], Preparation]
"""A sponsor strategy: the Council and the draft (K, L) in, the `Preparation` out."""

SPONSOR_STRATEGIES: Registry[SponsorStrategy] = Registry("sponsor strategy")
"""The sponsor strategies by the name `council.strategy` gives them."""


@SPONSOR_STRATEGIES.register("table_anyway")
def table_anyway(council: Council, draft: np.ndarray) -> Preparation:
    """The draft is put to the vote whatever the expected vetoes.

    Source: the counterfactual of the July 2007 withdrawal (see the module docstring); drafts
    tabled in the face of a veto, such as the Syria drafts of 2011-2012, show the practice.
    This is interpreted as: tabled in every replicate, never amended.
    """
    replicates = draft.shape[-1]
    never = np.zeros(replicates, dtype=bool)
    return Preparation(draft, ~never, never, np.zeros(replicates, dtype=np.int64))


@SPONSOR_STRATEGIES.register("withdraw_if_veto_expected")
def withdraw_if_veto_expected(council: Council, draft: np.ndarray) -> Preparation:
    """The sponsor withdraws the draft if it expects a permanent member to vote no.

    Source: the Western draft on Kosovo, withdrawn on 20 July 2007 when Russia said it would
    neither vote for it nor abstain (Wallensteen & Johansson 2004 on the practice). This is
    interpreted as: withdrawn in the replicates where `Council.expected_vetoers` names anyone,
    tabled elsewhere, never amended.
    """
    threatened = council.expected_vetoers(draft).any(axis=0)
    return Preparation(draft, ~threatened, threatened, np.zeros(len(threatened), dtype=np.int64))


@SPONSOR_STRATEGIES.register("amend_to_avoid_veto")
def amend_to_avoid_veto(council: Council, draft: np.ndarray) -> Preparation:
    """The sponsor amends the draft toward the expected vetoers, then tables or withdraws it.

    Source: amending to win a permanent member's abstention (Resolution 1973, 2011); the agenda
    setter moving a text into every veto player's winset (Tsebelis 2002). This is interpreted
    as: while a veto is expected and amendments are left (`max_amendments`), the draft moves
    `amendment_step` of the way toward the mean position of the expected vetoers; the sponsor
    stops (and withdraws) rather than make an amendment that it likes less than the status
    quo, and withdraws if a veto is still expected at the end.
    """
    model = council.model
    amendments = np.zeros(draft.shape[-1], dtype=np.int64)
    vetoers = council.expected_vetoers(draft)
    threatened = vetoers.any(axis=0)
    baseline = council.sponsor.utility(model.status_quo)
    positions = model.positions[council.member_index]
    for _ in range(council.max_amendments):
        weights = vetoers[:, None, :]
        total = sum_in_order(weights * positions, axis=0)
        target = total / np.maximum(weights.sum(axis=0), 1)
        amended = draft + council.amendment_step * (target - draft)
        amend = threatened & (council.sponsor.utility(amended) >= baseline)
        if model.narrator is not None:
            model.narrator.amendment(council, vetoers, amended, amend)
        if not amend.any():
            break
        draft[:, amend] = amended[:, amend]
        amendments += amend
        vetoers = council.expected_vetoers(draft)
        threatened = vetoers.any(axis=0)
    return Preparation(draft, ~threatened, threatened, amendments)
