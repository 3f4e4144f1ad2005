"""Spatial utility: how much a party likes a point of the issue space.

The utility of point x for party i is the negative salience-weighted distance to its ideal
point p_i (the spatial model of Downs 1957 and Enelow & Hinich 1984, as used for negotiation in
Bueno de Mesquita & Stokman 1994):

    linear:     U_i(x) = - sum_k s_ik * |x_k - p_ik|
    quadratic:  U_i(x) = - sum_k s_ik * (x_k - p_ik) ** 2

Salience is absolute: s_ik in [0, 1] says how much issue k matters to party i, as in the
expected-utility and EU decision-making literature (Bueno de Mesquita 1994; Thomson et al.
2006). Points are on the unit scale (each issue's own scale mapped to [0, 1]), so U lies in
[-sum_k s_ik, 0]; by default s_ik = 1/K and U lies in [-1, 0].

Array convention (here and in the model): the issue axis is second to last and the replicate
axis last, e.g. positions (N, K, R); a single point is a column (K, 1) that broadcasts over
replicates. Long contiguous replicate rows make the element-wise work fast.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

Loss = Literal["linear", "quadratic"]


def utility(points: np.ndarray, ideals: np.ndarray, salience: np.ndarray, loss: Loss) -> np.ndarray:
    """Utility of `points` to parties with `ideals` and `salience`, by broadcasting.

    Args:
        points: positions, shape (..., K, R) or a column (K, 1).
        ideals: ideal points, broadcastable against `points`, (..., K, R).
        salience: issue weights in [0, 1], broadcastable, e.g. (..., K, 1).
        loss: "linear" (absolute distance) or "quadratic".

    Returns:
        The utilities, with the broadcast shape minus the issue axis, e.g. (..., R).
    """
    gap = np.abs(points - ideals)
    if loss == "quadratic":
        gap = gap * gap
    return -sum_in_order(salience * gap, axis=-2)


def sum_in_order(values: np.ndarray, axis: int) -> np.ndarray:
    """Sum along `axis` term by term, first to last.

    numpy sums a contiguous axis pairwise, so the same numbers can round differently in a batch
    of one replicate and in a batch of many; a fixed order makes every replicate's result
    independent of the batch it runs in (docs/ODD.md, section 2.5: identical whatever the chunking).
    """
    terms = np.moveaxis(np.asarray(values), axis, 0)
    total = terms[0].astype(float)
    for term in terms[1:]:
        total += term
    return total
