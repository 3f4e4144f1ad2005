"""Compromise rules and the troika's joint proposal (docs/ODD.md, sections 7.2 and 7.3).

A compromise rule maps the disputants (`Disputants`: positions of shape (D, K, R) for D
disputants, K issues and R replicates, with their capability, salience and no-deal utility) to
one compromise point per replicate, shape (K, R). The rules are registered by name in
`COMPROMISE_RULES`, the family a scenario's `mediation.rule` chooses from (see `sim.rules`). All
replicates are computed at once; there is one implementation of each rule, used with R = 1 and
R = 10 000 alike. The arithmetic behind the rules (`weighted_mean`, `nash`, `utilitarian`) is
kept as plain functions of arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sim.rules import Registry
from sim.utility import Loss, sum_in_order, utility


@dataclass(frozen=True, eq=False)
class Disputants:
    """What a compromise rule knows of the disputants, over R replicates."""

    positions: np.ndarray
    """Their current ideal points, (D, K, R)."""
    capability: np.ndarray
    """Their capability, (D,) or (D, W) with a replicate axis (W = 1 or R)."""
    salience: np.ndarray
    """Their salience on the unit scale, (D, K) or (D, K, W) with a replicate axis."""
    no_deal: np.ndarray
    """Their no-deal (BATNA) points, (D, K, 1)."""
    loss: Loss
    """The scenario's utility: "linear" or "quadratic"."""

    def __post_init__(self) -> None:
        if np.ndim(self.capability) == 1:
            object.__setattr__(self, "capability", np.asarray(self.capability)[:, None])
        object.__setattr__(self, "salience", _with_replicates(self.salience))

    @cached_property
    def no_deal_utility(self) -> np.ndarray:
        """Each disputant's utility of its no-deal point in each replicate, (D, R)."""
        return utility(self.no_deal, self.positions, self.salience, self.loss)


def _with_replicates(salience: np.ndarray) -> np.ndarray:
    """Salience (D, K) given a replicate axis of width 1, (D, K, 1); (D, K, W) as it is."""
    salience = np.asarray(salience, dtype=float)
    return salience[..., None] if salience.ndim == 2 else salience


CompromiseRule = Callable[[Disputants], np.ndarray]
"""A compromise rule: the disputants in, the compromise (K, R) out."""

COMPROMISE_RULES: Registry[CompromiseRule] = Registry("compromise rule")
"""The compromise rules by the name `mediation.rule` gives them."""


@COMPROMISE_RULES.register("weighted_mean")
def compromise_model(disputants: Disputants) -> np.ndarray:
    """The capability x salience weighted mean of the disputants' positions, issue by issue.

    Source: the "compromise model" of EU decision-making (van den Bos 1991; Achen 2006, in
    Thomson et al., *The European Union Decides*, ch. 4): the outcome on issue k is
    sum_i c_i s_ik p_ik / sum_i c_i s_ik. This is interpreted as: each disputant pulls the
    compromise on an issue in proportion to its capability times the salience it gives the
    issue (`weighted_mean`); on an issue no disputant cares about, the plain mean is used.
    """
    weights = disputants.capability[:, None, :] * disputants.salience
    return weighted_mean(disputants.positions, weights)


@COMPROMISE_RULES.register("nash")
def nash_bargaining(disputants: Disputants) -> np.ndarray:
    """The Nash bargaining solution: the point that maximises the product of the gains.

    Source: Nash (1950), "The bargaining problem", Econometrica 18:155: the solution maximises
    prod_i (U_i(x) - d_i), with d_i the disputant's utility of its no-deal (BATNA) point. This
    is interpreted as in `nash` (the ellipsoid method over the box of the disputants'
    positions); without a zone of agreement it falls back to the `utilitarian` point of the
    capability x salience weighted utilities.
    """
    return nash(
        disputants.positions,
        disputants.salience,
        disputants.no_deal_utility,
        disputants.loss,
        disputants.capability,
    )


@COMPROMISE_RULES.register("median")
def issue_median(disputants: Disputants) -> np.ndarray:
    """The capability x salience weighted median of the disputants' positions, issue by issue.

    Source: Black (1948), the median as the point no majority can beat on one dimension; with
    actors weighted by capability x salience, the "median voter" model of EU decision-making
    (Achen 2006, in Thomson et al., *The European Union Decides*, ch. 4; Bueno de Mesquita
    1994). This is interpreted as: on each issue, the position at which the cumulative weight
    c_i s_ik of the disputants ordered by position first reaches half the total
    (`weighted_median`); where the weights split exactly in half, the midpoint of the two
    middle positions; on an issue no disputant cares about, the plain median.
    """
    weights = disputants.capability[:, None, :] * disputants.salience
    return weighted_median(disputants.positions, weights)


_NASH_EPSILON = 1e-9
"""Below this gain the logarithm in the Nash objective is continued by its tangent line."""
_NASH_TOLERANCE = 1e-9
"""The Nash search stops when its ellipsoid is this small relative to the issue space."""


def weighted_mean(positions: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The weighted mean of positions, issue by issue; the plain mean where the weights are 0.

    The arithmetic of the compromise model (`compromise_model`) and of the utilitarian point
    under quadratic loss (`utilitarian`).

    Args:
        positions: disputants' positions, (D, K, R).
        weights: capability x salience per disputant and issue, (D, K) or (D, K, W).

    Returns:
        The compromise, (K, R).
    """
    weights = _with_replicates(weights)
    total = weights.sum(axis=0)
    weighted = sum_in_order(weights * positions, axis=0)
    plain = sum_in_order(positions, axis=0) / len(positions)
    return np.where(total > 0, weighted / np.where(total > 0, total, 1.0), plain)


def nash(
    positions: np.ndarray,
    salience: np.ndarray,
    no_deal: np.ndarray,
    loss: Loss,
    capability: np.ndarray | float = 1.0,
) -> np.ndarray:
    """The Nash bargaining solution: maximise the product of the disputants' gains.

    Source: Nash (1950), "The bargaining problem", Econometrica 18:155. The solution maximises
    prod_i (U_i(x) - d_i), with d_i the disputant's no-deal (BATNA) utility. This is
    interpreted as:

    1. x ranges over the box spanned by the disputants' positions (which contains their
       Pareto set under both losses).
    2. The product is maximised through its logarithm, which is concave where all gains are
       positive; below a gain of 1e-9 the logarithm is continued by its tangent line, so the
       objective is concave everywhere.
    3. The maximum is found by the ellipsoid method (`_ellipsoid_max`), which needs only
       concavity, not smoothness: the kinks of linear utility, where coordinate-wise searches
       stall, do not trap it.
    4. If the result does not give every disputant a positive gain, there is no zone of
       agreement and the Nash product is undefined: the rule then returns the `utilitarian`
       point of the capability-weighted utilities (the greatest sum of c_i U_i).

    It costs about 0.7 s per round for 10 000 replicates with three issues (the number of
    ellipsoid steps grows with the square of the number of issues).

    Args:
        positions: disputants' positions, (D, K, R).
        salience: salience, (D, K) or (D, K, W).
        no_deal: no-deal utility per disputant and replicate, (D, R).
        loss: "linear" or "quadratic" utility.
        capability: the disputants' capability, (D, 1) or (D, W), for the fallback.

    Returns:
        The solution, (K, R).
    """
    low = positions.min(axis=0)
    high = positions.max(axis=0)
    weights = _with_replicates(salience)

    def log_product(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The objective at x (K, R) and a supergradient of it, (R,) and (K, R)."""
        gap = x - positions
        gains = (
            -sum_in_order(weights * (gap * gap if loss == "quadratic" else np.abs(gap)), axis=-2)
            - no_deal
        )
        slope = 1.0 / np.maximum(gains, _NASH_EPSILON)
        descent = 2.0 * gap if loss == "quadratic" else np.sign(gap)
        gradient = -sum_in_order(slope[:, None, :] * weights * descent, axis=0)
        return sum_in_order(_concave_log(gains, _NASH_EPSILON), axis=0), gradient

    x = _ellipsoid_max(log_product, low, high)
    gains = utility(x, positions, weights, loss) - no_deal
    no_zone = (gains <= 0).any(axis=0)
    capability = np.asarray(capability, dtype=float)
    capability = capability.reshape(len(capability) if capability.ndim else 1, 1, -1)
    fallback = utilitarian(positions, capability * weights, loss)
    return np.where(no_zone, fallback, x)


def _ellipsoid_max(objective, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Maximise a concave function on the box [low, high] ((K, R)) by the ellipsoid method.

    Source: the central-cut ellipsoid method (Shor 1977; Nemirovski & Yudin 1983). Each
    replicate has its own ellipsoid, starting as the ball around the box; each step cuts it
    through its centre with a supergradient of the objective (or, when the centre is outside the
    box, with the violated side of the box) and keeps the half that holds the maximum. The
    radius shrinks by a fixed factor per step, so a fixed number of steps reaches a tolerance of
    1e-9 of the box; the answer is the best centre seen inside the box. Issues on which the box
    has no width are held fixed; a single issue is padded with a dummy second one (the method
    needs two).
    """
    issues, replicates = low.shape
    dims = max(issues, 2)
    width = np.zeros((dims, replicates))
    width[:issues] = high - low
    free = width > _NASH_TOLERANCE
    centre = np.zeros((dims, replicates))
    centre[:issues] = (low + high) / 2
    radius = np.sqrt(sum_in_order(width * width, axis=0) / 4) + _NASH_TOLERANCE
    shape = np.zeros((replicates, dims, dims))
    shape[:, np.arange(dims), np.arange(dims)] = (radius * radius)[:, None]
    best = centre[:issues].copy()
    best_value = np.full(replicates, -np.inf)
    steps = int(np.ceil(2 * dims * (dims + 1) * np.log(1 / _NASH_TOLERANCE)))
    grow = dims * dims / (dims * dims - 1.0)
    for _ in range(steps):
        point = centre[:issues]
        below, above = point < low, point > high
        inside = ~(below | above).any(axis=0)
        value, gradient = objective(np.clip(point, low, high))
        improved = inside & (value > best_value)
        best[:, improved] = point[:, improved]
        best_value = np.where(improved, value, best_value)
        cut = np.zeros((dims, replicates))
        cut[:issues] = np.where(inside, gradient, below.astype(float) - above.astype(float))
        cut = np.where(free, cut, 0.0)
        stretched = sum_in_order(shape.transpose(2, 1, 0) * cut[:, None, :], axis=0)
        norm = np.sqrt(np.maximum(sum_in_order(cut * stretched, axis=0), 0.0))
        active = norm > 0
        step = np.where(active, stretched / np.where(active, norm, 1.0), 0.0)
        centre = centre + step / (dims + 1)
        outer = np.einsum("ir,jr->rij", step, step)
        updated = grow * (shape - 2.0 / (dims + 1) * outer)
        shape = np.where(active[:, None, None], updated, shape)
    return best


def utilitarian(positions: np.ndarray, weights: np.ndarray, loss: Loss) -> np.ndarray:
    """The point that maximises the disputants' weighted summed utility, issue by issue, (K, R).

    Source: the utilitarian solution (Harsanyi 1955). Utility is separable by issue, so the
    maximum of sum_i w_ik U_ik is taken on each issue alone: with linear loss the weighted
    median of the positions (`weighted_median`), with quadratic loss the weighted mean.

    Args:
        positions: disputants' positions, (D, K, R).
        weights: the weight of each disputant's utility on each issue (its salience, or
            capability x salience), (D, K) or (D, K, W).
        loss: "linear" or "quadratic" utility.
    """
    if loss == "quadratic":
        return weighted_mean(positions, weights)
    return weighted_median(positions, weights)


def weighted_median(positions: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The weighted median of positions, issue by issue, (K, R).

    The position at which the cumulative weight of the positions in increasing order first
    reaches half the total; where it reaches exactly half (to 1e-12 of the total), the
    midpoint of that position and the next. Where all weights on an issue are 0, the plain
    median.

    Args:
        positions: disputants' positions, (D, K, R).
        weights: their weights, (D, K) or (D, K, W).
    """
    weights = np.broadcast_to(_with_replicates(weights), positions.shape)
    weights = np.where(weights.sum(axis=0) > 0, weights, 1.0)
    order = np.argsort(positions, axis=0, kind="stable")
    ranked = np.take_along_axis(positions, order, axis=0)
    cumulative = np.cumsum(np.take_along_axis(weights, order, axis=0), axis=0)
    half = cumulative[-1] / 2
    tolerance = 1e-12 * cumulative[-1]
    lower = (cumulative < half - tolerance).sum(axis=0, keepdims=True)
    upper = (cumulative <= half + tolerance).sum(axis=0, keepdims=True)
    upper = np.minimum(upper, len(positions) - 1)
    pick = np.take_along_axis
    return ((pick(ranked, lower, axis=0) + pick(ranked, upper, axis=0)) / 2)[0]


def _concave_log(gain: np.ndarray, epsilon: float) -> np.ndarray:
    """log(gain), continued below `epsilon` by its tangent line: concave and differentiable."""
    safe = np.maximum(gain, epsilon)
    return np.where(gain >= epsilon, np.log(safe), np.log(epsilon) + (gain - epsilon) / epsilon)


@dataclass(frozen=True)
class Proposal:
    """The troika's output in one round."""

    point: np.ndarray
    """The joint proposal, (K, R): the mean of the members' proposals."""
    united: np.ndarray
    """(R,) bool: the members' proposals were close enough to make a joint proposal."""
    members: np.ndarray
    """Each member's own proposal, (M, K, R)."""

    def restrict(self, keep: np.ndarray) -> Proposal:
        """The proposal in the replicates selected by `keep` only."""
        return Proposal(self.point[:, keep], self.united[keep], self.members[:, :, keep])


def troika_proposal(
    compromise: np.ndarray, mediators: np.ndarray, bias: np.ndarray, cohesion: float
) -> Proposal:
    """Each mediator shifts the compromise toward itself; the troika proposes their mean.

    Source: biased mediation (Kydd 2003, "Which side are you on?", AJPS 47:597; Savun 2008):
    a mediator's proposal leans toward its own preferences. This is interpreted as:

    1. Mediator m proposes c + b_m (p_m - c): the compromise c moved a share b_m (its bias) of
       the way to its own position p_m.
    2. The joint proposal is the mean of the members' proposals.
    3. If two members' proposals differ by more than `cohesion` on any issue, the troika is
       split and makes no joint proposal that round (`united` is False).
       In 2007 the troika reported jointly (the report of 7 December), so the Kosovo
       scenario keeps it united unless the biases are raised.
    4. Without mediators (the disputants bargain directly), the proposal is the compromise.

    Args:
        compromise: the compromise among the disputants, (K, R).
        mediators: the mediators' positions, (M, K, R).
        bias: each mediator's bias in [0, 1], (M,) or (M, W) with a replicate axis.
        cohesion: the largest tolerated gap between two members' proposals (or (W,)).
    """
    if not len(mediators):  # no mediator: the disputants bargain over the compromise itself
        united = np.ones(compromise.shape[-1], dtype=bool)
        return Proposal(point=compromise, united=united, members=mediators)
    bias = np.asarray(bias, dtype=float)
    members = compromise + bias.reshape(len(bias), 1, -1) * (mediators - compromise)
    spread = (members.max(axis=0) - members.min(axis=0)).max(axis=0)
    point = sum_in_order(members, axis=0) / len(members)
    return Proposal(point=point, united=spread <= cohesion, members=members)


def formulation(proposal: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """The proposal moved into the range every disputant can accept, where that range exists.

    Source: the mediator as formulator, who searches for terms inside what each party can
    accept (Touval & Zartman 1985, *International Mediation in Theory and Practice*;
    Zartman & Touval 2007), the zone of possible agreement of Raiffa (1982, ch. 4). This is
    interpreted as: on each issue where the disputants' red lines in force overlap
    ([max of the lows, min of the highs] is not empty), the proposal is clipped into that
    overlap; elsewhere it is left as it is.

    Args:
        proposal: the joint proposal, (K, L).
        low: the low ends of the disputants' red lines in force, (D, K, W).
        high: their high ends, (D, K, W).
    """
    floor, ceiling = low.max(axis=0), high.min(axis=0)
    common = floor <= ceiling
    return np.where(common, np.clip(proposal, floor, np.where(common, ceiling, floor)), proposal)
