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
_NASH_SWEEPS = 6
_NASH_STEPS = 32
_NASH_EPSILON = 1e-9


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
    2. The product is maximised through its logarithm, which is concave on the set where all
       gains are positive; below a gain of 1e-9 the logarithm is continued by its tangent line,
       so the objective stays concave everywhere.
    3. If no point gives every disputant a positive gain (no zone of agreement), the rule
       therefore returns the point that minimises the summed shortfall below the no-deal
       utilities, a well-defined "least bad" proposal.
    4. The maximum is found by coordinate ascent (golden-section search on one issue at a
       time, 6 sweeps of 32 steps); the concave objective's non-smooth terms are separable by
       issue, so coordinate-wise optima are global optima.

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
    for _ in range(_NASH_SWEEPS):
        for k in range(x.shape[0]):
            rest = utility(x, positions, salience[:, :, None], loss) + _issue_loss(
                x[k], positions, salience, k, loss
            )

            def objective(value: np.ndarray, rest: np.ndarray = rest, k: int = k) -> np.ndarray:
                gain = rest - _issue_loss(value, positions, salience, k, loss) - no_deal
                return _concave_log(gain).sum(axis=0)

            x[k] = _golden_section_max(objective, low[k], high[k])
    return x


def _issue_loss(
    value: np.ndarray, positions: np.ndarray, salience: np.ndarray, k: int, loss: Loss
) -> np.ndarray:
    """Each disputant's utility loss on issue k alone at `value` ((R,)), shape (D, R)."""
    one_issue = slice(k, k + 1)
    return -utility(value, positions[:, one_issue], salience[:, one_issue, None], loss)


def _concave_log(gain: np.ndarray) -> np.ndarray:
    safe = np.maximum(gain, _NASH_EPSILON)
    return np.where(
        gain >= _NASH_EPSILON,
        np.log(safe),
        np.log(_NASH_EPSILON) + (gain - _NASH_EPSILON) / _NASH_EPSILON,
    )


def _golden_section_max(objective, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Maximise a unimodal function on [low, high], element-wise over replicates."""
    a, b = low.copy(), high.copy()
    c = b - _GOLDEN * (b - a)
    d = a + _GOLDEN * (b - a)
    fc, fd = objective(c), objective(d)
    for _ in range(_NASH_STEPS):
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
