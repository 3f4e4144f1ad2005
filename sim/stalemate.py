"""The hurting stalemate, leverage and red lines that give way (docs/ODD.md, section 7.7).

Each disputant pays a cost for every round without agreement (its own `stalemate_cost`, or the
scenario's `ripeness`, plus any sanctions); a mediator or patron may promise inducements for an
agreement. Both count in the disputant's choice between a proposal and no deal
(`sim.agents.Party.accepts`), and together they wear down the stated end of its red lines,
against the audience cost of retreating in public, toward their core: how they do is a rule of
`RED_LINE_RULES` (`hurting_stalemate`, or `fixed` for lines that never move).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.rules import Registry
from sim.utility import sum_in_order


@dataclass(frozen=True, eq=False)
class Leverage:
    """Every giver's leverage over the parties, G givers, N parties, W replicate columns."""

    from_round: np.ndarray
    """(G, W): the round each giver's offer and sanctions begin."""
    inducements: np.ndarray
    """(G, N, W): utility each giver adds to a party's utility of accepting an agreement."""
    sanctions: np.ndarray
    """(G, N, W): utility each giver costs a party per round without agreement."""

    def restrict(self, keep: np.ndarray) -> Leverage:
        """The leverage in the replicates `keep` selects (shared columns stay shared)."""

        def cut(values: np.ndarray) -> np.ndarray:
            return values if values.shape[-1] == 1 else values[..., keep]

        return Leverage(cut(self.from_round), cut(self.inducements), cut(self.sanctions))


def rounds_since(round_: int, start: np.ndarray | int) -> np.ndarray:
    """The rounds from `start` to `round_`, both counted (0 before `start`)."""
    return np.maximum(round_ - np.asarray(start) + 1, 0)


def inducement(leverage: Leverage, round_: int) -> np.ndarray:
    """Per party, the inducements offered for an agreement in this round, (N, W).

    Source: power mediation, a mediator's "carrots" that make an agreement worth more to a
    party than its alternative (Touval & Zartman 1985; Beardsley 2011, *The Mediation
    Dilemma*, ch. 2 on leverage). This is interpreted as: the sum of the inducements of the
    givers whose offer has begun (`from_round` <= round).
    """
    offered = (rounds_since(round_, leverage.from_round) > 0)[:, None, :]
    return _over_givers(leverage.inducements * offered)


def stalemate_cost(
    cost_per_round: np.ndarray, first_round: int, leverage: Leverage, round_: int
) -> np.ndarray:
    """Per party, what this round of stalemate costs it, (N, W).

    Source: a mutually hurting stalemate, in which each side's cost of no agreement mounts
    with time, makes a conflict ripe for settlement (Zartman 1989, *Ripe for Resolution*;
    Zartman 2000); sanctions add to the cost of no deal (the "sticks" of power mediation:
    Touval & Zartman 1985; Beardsley 2011). This is interpreted as: from the talks' first
    round on, each party's `stalemate_cost`, plus every sanction that has begun. The model
    adds these up round by round (`NegotiationModel.feel_stalemate`), so a cost changed by an
    event counts from its round on.
    """
    hurt = cost_per_round * (round_ >= first_round)
    sanctioned = leverage.sanctions * (rounds_since(round_, leverage.from_round) > 0)[:, None, :]
    return hurt + _over_givers(sanctioned)


def _over_givers(values: np.ndarray) -> np.ndarray:
    """The sum over the givers' axis, in order; 0 without givers."""
    if len(values) == 0:
        return np.zeros(values.shape[1:])
    return sum_in_order(values, axis=0)


RedLineRule = Callable[..., tuple[np.ndarray, np.ndarray]]
"""A red-line rule: (stated, core, salience, pressure, audience_cost) in, the lines in force out."""

RED_LINE_RULES: Registry[RedLineRule] = Registry("red-line rule")
"""The rules for the red lines a disputant holds, by the name `red_line_rule` gives them."""


@RED_LINE_RULES.register("fixed")
def fixed(
    stated: tuple[np.ndarray, np.ndarray],
    core: tuple[np.ndarray, np.ndarray],
    salience: np.ndarray,
    pressure: np.ndarray,
    audience_cost: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Red lines that never move: the stated ones hold whatever the pressure.

    Source: red lines as fixed reservation points (Raiffa 1982, ch. 4), as in the first
    version of this model. This is interpreted as: the lines in force are the stated ones
    (the cores, the pressure and the audience cost are not read).
    """
    return stated


@RED_LINE_RULES.register("hurting_stalemate")
def lines_in_force(
    stated: tuple[np.ndarray, np.ndarray],
    core: tuple[np.ndarray, np.ndarray],
    salience: np.ndarray,
    pressure: np.ndarray,
    audience_cost: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The red lines a party holds this round: the stated ones worn down toward their core.

    Source: a stated red line is a public commitment that a leader can retreat from only at
    an audience cost (Fearon 1994, APSR 88:577); the stalemate's cost and the inducements on
    offer enlarge the set of agreements the leader can sell at home (Putnam 1988, two-level
    games, International Organization 42:427; Zartman 1989); the core, the reservation point
    proper, is never given up (Raiffa 1982). This is interpreted as: the pressure p (cost of
    the stalemate so far plus inducements offered) beyond the audience cost a moves each
    stated end outward by (p - a)+ / s_k on issue k (the distance whose utility equals that
    excess, s_k the salience), never past the core.

    Args:
        stated: the stated red lines (low, high), each (N, K, W).
        core: their cores (low, high), each (N, K, W), containing the stated lines.
        salience: salience on the unit scale, (N, K, W).
        pressure: stalemate cost plus inducements, (N, W).
        audience_cost: (N, W).

    Returns:
        The red lines in force (low, high), each (N, K, W).
    """
    excess = np.maximum(pressure - audience_cost, 0.0)[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        reach = np.where(salience > 0, excess / salience, np.where(excess > 0, np.inf, 0.0))
    low = np.maximum(core[0], stated[0] - reach)
    high = np.minimum(core[1], stated[1] + reach)
    return low, high
