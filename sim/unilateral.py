"""Unilateral action: the rules for how likely a party is to act alone in a round.

A party with a unilateral option (Kosovo: declare independence) acts alone in a round with a
probability, its hazard, that a rule of `UNILATERAL_RULES` sets from the `Situation` the model
sees that round (docs/ODD.md, section 7.14). A scenario chooses the rule per option
(`unilateral.<party>.rule`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.rules import Registry


@dataclass(frozen=True, eq=False)
class Situation:
    """What an actor weighs in one round, per live replicate (arrays of shape (L,))."""

    round: int
    """The current round."""
    open: np.ndarray
    """bool: the option is open (the round is at or after its earliest round)."""
    backing: np.ndarray
    """The capability share of the other parties expected to recognise the act, in [0, 1]."""
    consent: np.ndarray
    """The patrons' consent, in [0, 1]: 1 where it has no patron."""
    acting: np.ndarray
    """The expected utility of acting alone."""
    staying: np.ndarray
    """The utility of not acting: the better of the offer on the table and waiting."""


@dataclass(frozen=True, eq=False)
class Option:
    """The numbers of one unilateral option; each a number or an (L,) array per replicate."""

    point: np.ndarray
    """The point declared, (K, W)."""
    earliest_round: int | np.ndarray
    base_rate: float | np.ndarray
    growth: float | np.ndarray
    resolve: float | np.ndarray


UnilateralRule = Callable[[Option, Situation], np.ndarray]
"""A unilateral rule: the option and the situation in, the hazard per replicate (L,) out."""

UNILATERAL_RULES: Registry[UnilateralRule] = Registry("unilateral rule")
"""The unilateral rules by the name `unilateral.<party>.rule` gives them."""


@UNILATERAL_RULES.register("clock")
def clock(option: Option, situation: Situation) -> np.ndarray:
    """A hazard that grows with the rounds of deadlock, scaled by the expected backing.

    Source: unilateral secession becomes likelier the longer talks stay deadlocked and the
    more external support the seceding side can count on (Coggins 2011, "Friends in high
    places", International Organization 65:433; on Kosovo, Ker-Lindsay 2009). This is
    interpreted as: from `earliest_round` on, the hazard is
    min(1, base_rate + growth x (round - earliest_round)) x backing.
    """
    waited = np.maximum(situation.round - np.asarray(option.earliest_round), 0)
    rate = np.minimum(1.0, option.base_rate + option.growth * waited)
    return np.where(situation.open, rate * situation.backing, 0.0)


@UNILATERAL_RULES.register("expected_value")
def expected_value(option: Option, situation: Situation) -> np.ndarray:
    """Act alone when acting beats the offer on the table and waiting, with the patrons' consent.

    Source: secession as a choice between the expected value of acting alone, which rests on
    the recognitions it can expect from states weighted by their power, and of staying in
    talks (Coggins 2011; Fearon 2004 on the value of the outside option); patrons restrain
    or license a client's unilateral step (Ker-Lindsay 2009 and Weller 2009 on the United
    States and the EU asking Pristina to wait until the troika process and Serbia's
    presidential election of January-February 2008 were over). This is interpreted as:

    1. Acting alone is worth E = b U(declared point) + (1 - b) U(status quo): the declared
       point where it is recognised (b, the backing: the capability share of the others
       expected to recognise it), the status quo where it is not.
    2. Staying is worth the better of the offer on the table (a joint proposal inside its red
       lines in force, plus any inducement) and waiting (its no-deal utility less the
       stalemate's accumulated cost).
    3. The hazard is consent x min(1, resolve x max(0, E - staying)), from `earliest_round` on:
       no gain, no act; a patron withholding consent holds it back.
    """
    gain = np.maximum(situation.acting - situation.staying, 0.0)
    hazard = situation.consent * np.minimum(1.0, option.resolve * gain)
    return np.where(situation.open, hazard, 0.0)
