"""Compromise rules and the troika's joint proposal (DESIGN.md section 1, step 1).

Each rule maps the disputants' positions, shape (D, K, R) for D disputants, K issues and
R replicates, to one compromise point per replicate, shape (K, R). All replicates are computed at
once; there is one implementation of each rule, used with R = 1 and R = 10 000 alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.utility import Loss, utility

_GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0
_NASH_SWEEPS = 3
_NASH_CONTINUATION = ((0.1, 16), (1e-2, 16), (1e-3, 16), (1e-5, 16), (1e-9, 32))
"""(epsilon, golden-section steps) per stage of the Nash search, coarse to fine."""


def weighted_mean(positions: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The compromise model: the capability x salience weighted mean, issue by issue.

    Source: the "compromise model" of EU decision-making (van den Bos 1991; Achen 2006, in
    Thomson et al., *The European Union Decides*, ch. 4), where the outcome on issue k is
    sum_i c_i s_ik p_ik / sum_i c_i s_ik. This is interpreted as: each disputant pulls the
    compromise on an issue in proportion to its capability times the salience it gives the
    issue; on an issue no disputant cares about, the plain mean is used.

    Args:
        positions: disputants' positions, (D, K, R).
        weights: capability x salience per disputant and issue, (D, K).

    Returns:
        The compromise, (K, R).
    """
    total = weights.sum(axis=0)[:, None]
    weighted = np.einsum("dk,dkr->kr", weights, positions)
    plain = positions.mean(axis=0)
    return np.where(total > 0, weighted / np.where(total > 0, total, 1.0), plain)


def median(positions: np.ndarray) -> np.ndarray:
    """The issue-by-issue median of the disputants' positions.

    Source: Black (1948), the median position as the point no majority can beat on a single
    dimension. This is interpreted as: the compromise on each issue is the median of the
    disputants' positions on it (with two disputants, the midpoint), ignoring capability and
    salience.
    """
    return np.median(positions, axis=0)


def nash(
    positions: np.ndarray, salience: np.ndarray, no_deal: np.ndarray, loss: Loss
) -> np.ndarray:
    """The Nash bargaining solution: maximise the product of the disputants' gains.

    Source: Nash (1950), "The bargaining problem", Econometrica 18:155. The solution maximises
    prod_i (U_i(x) - d_i), with d_i the disputant's no-deal (BATNA) utility. This is
    interpreted as:

    1. x ranges over the box spanned by the disputants' positions (which contains their
       Pareto set under both losses).
    2. The product is maximised through its logarithm, which is concave where all gains are
       positive. Below a small gain e the logarithm is continued by its tangent line, so the
       objective is concave and differentiable everywhere.
    3. The maximum is found by line searches (golden section) along each issue and along each
       pair of issues moved together or against each other (the logrolls that single-issue
       moves miss), three sweeps per stage, with e shrinking from 0.1 to 1e-9 over five
       stages, so the search is not trapped where the gains' kinks meet.
    4. If the result does not give every disputant a positive gain, there is no zone of
       agreement and the Nash product is undefined: the rule then returns the `utilitarian`
       point (the greatest summed utility).

    Checked against a brute-force grid on 300 random two- and three-party problems
    (linear and quadratic loss): no difference beyond the grid's resolution.

    Args:
        positions: disputants' positions, (D, K, R).
        salience: normalised salience, (D, K).
        no_deal: no-deal utility per disputant and replicate, (D, R).
        loss: "linear" or "quadratic" utility.

    Returns:
        The solution, (K, R).
    """
    low = positions.min(axis=0)
    high = positions.max(axis=0)
    x = positions.mean(axis=0)
    directions = _search_directions(x.shape[0])
    for epsilon, steps in _NASH_CONTINUATION:

        def objective(point: np.ndarray, e: float = epsilon) -> np.ndarray:
            gain = utility(point, positions, salience[:, :, None], loss) - no_deal
            return _concave_log(gain, e).sum(axis=0)

        for _ in range(_NASH_SWEEPS):
            for direction in directions:
                x = _line_max(objective, x, direction, low, high, steps)
    gains = utility(x, positions, salience[:, :, None], loss) - no_deal
    no_zone = (gains <= 0).any(axis=0)
    return np.where(no_zone, utilitarian(positions, salience, loss), x)


def utilitarian(positions: np.ndarray, salience: np.ndarray, loss: Loss) -> np.ndarray:
    """The point that maximises the disputants' summed utility, issue by issue, (K, R).

    Source: the utilitarian solution (Harsanyi 1955). Utility is separable by issue, so the
    maximum is taken on each issue alone: with linear loss the salience-weighted median of the
    positions (the midpoint of the two middle ones when the weights split exactly in half),
    with quadratic loss the salience-weighted mean.

    Args:
        positions: disputants' positions, (D, K, R).
        salience: normalised salience, (D, K).
        loss: "linear" or "quadratic" utility.
    """
    weights = np.broadcast_to(salience[:, :, None], positions.shape)
    if loss == "quadratic":
        return weighted_mean(positions, salience)
    order = np.argsort(positions, axis=0)
    ranked = np.take_along_axis(positions, order, axis=0)
    cumulative = np.cumsum(np.take_along_axis(weights, order, axis=0), axis=0)
    half = cumulative[-1] / 2
    tolerance = 1e-12 * cumulative[-1]
    lower = (cumulative < half - tolerance).sum(axis=0, keepdims=True)
    upper = (cumulative <= half + tolerance).sum(axis=0, keepdims=True)
    upper = np.minimum(upper, len(positions) - 1)
    pick = np.take_along_axis
    return ((pick(ranked, lower, axis=0) + pick(ranked, upper, axis=0)) / 2)[0]


def _search_directions(issues: int) -> list[np.ndarray]:
    """Each issue alone, and each pair of issues moved together or against each other."""
    eye = np.eye(issues)
    pairs = [
        eye[j] + sign * eye[k]
        for j in range(issues)
        for k in range(j + 1, issues)
        for sign in (1.0, -1.0)
    ]
    return [*eye, *pairs]


def _line_max(
    objective, x: np.ndarray, direction: np.ndarray, low: np.ndarray, high: np.ndarray, steps: int
) -> np.ndarray:
    """The best point on the line through x (K, R) along `direction` (K,) inside the box."""
    moving = direction != 0
    step = direction[moving, None]
    bounds = np.stack([(low[moving] - x[moving]) / step, (high[moving] - x[moving]) / step])
    t_low = bounds.min(axis=0).max(axis=0)
    t_high = bounds.max(axis=0).min(axis=0)
    t = _golden_section_max(lambda t: objective(x + direction[:, None] * t), t_low, t_high, steps)
    return x + direction[:, None] * t


def _issue_loss(
    value: np.ndarray, positions: np.ndarray, salience: np.ndarray, k: int, loss: Loss
) -> np.ndarray:
    """Each disputant's utility loss on issue k alone at `value` ((R,)), shape (D, R)."""
    one_issue = slice(k, k + 1)
    return -utility(value, positions[:, one_issue], salience[:, one_issue, None], loss)


def _concave_log(gain: np.ndarray, epsilon: float) -> np.ndarray:
    """log(gain), continued below `epsilon` by its tangent line: concave and differentiable."""
    safe = np.maximum(gain, epsilon)
    return np.where(gain >= epsilon, np.log(safe), np.log(epsilon) + (gain - epsilon) / epsilon)


def _golden_section_max(objective, low: np.ndarray, high: np.ndarray, steps: int) -> np.ndarray:
    """Maximise a unimodal function on [low, high], element-wise over replicates."""
    a, b = low.copy(), high.copy()
    c = b - _GOLDEN * (b - a)
    d = a + _GOLDEN * (b - a)
    fc, fd = objective(c), objective(d)
    for _ in range(steps):
        left = fc >= fd
        b = np.where(left, d, b)
        a = np.where(left, a, c)
        new_c = b - _GOLDEN * (b - a)
        new_d = a + _GOLDEN * (b - a)
        c, d = np.where(left, new_c, d), np.where(left, c, new_d)
        fresh = objective(np.where(left, c, d))
        fc, fd = np.where(left, fresh, fd), np.where(left, fc, fresh)
    return (a + b) / 2.0


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
       split and makes no joint proposal that round (`united` is False). In 2007 the troika
       reported jointly (the report of 7 December), so the Kosovo scenario keeps it united
       unless the biases are raised.

    Args:
        compromise: the compromise among the disputants, (K, R).
        mediators: the mediators' positions, (M, K, R).
        bias: each mediator's bias in [0, 1], (M,).
        cohesion: the largest tolerated gap between two members' proposals.
    """
    members = compromise + bias[:, None, None] * (mediators - compromise)
    spread = (members.max(axis=0) - members.min(axis=0)).max(axis=0)
    return Proposal(point=members.mean(axis=0), united=spread <= cohesion, members=members)
