"""Random numbers per block of replicates: seeds that extend and split.

A run's replicates are numbered 0, 1, 2, ... and grouped in blocks of `BLOCK` (replicates 0-249
are block 0, 250-499 block 1, ...). Block j draws from its own generator, seeded by
`numpy.random.SeedSequence(seed, spawn_key=(j,))` (the j-th child of the run's seed sequence;
O'Neill 2014 on PCG streams, numpy's SeedSequence for independent streams).

The model draws for every live replicate at once (or for every replicate). At each such draw,
each block holding a live replicate draws for all its `BLOCK` replicates, live, ended or not
in this run, and each replicate keeps its own numbers. A block's generator thus advances the
same way whenever any of its replicates is still running, and once none is, its later numbers
are never used. So a replicate's random numbers depend only on the seed, its number and the
round, never on how many replicates run beside it or which of them have ended:

- asking for more replicates extends a run: its first replicates are unchanged;
- a run of replicates 600-999 equals those rows of a run of 0-999 (`first`), so a run can be
  split into pieces run anywhere and joined;
- a sweep's points get their seeds from the sweep's seed sequence in a fixed order
  (`point_seeds`), so results do not depend on the number of workers or on chunking.
"""

from __future__ import annotations

import numpy as np

BLOCK = 250
"""Replicates per block of random numbers, each block with its own generator."""


class ReplicateStreams:
    """The random numbers of replicates `first` .. `first + count - 1` of a run seeded `seed`.

    A draw is for replicates given by their numbers within this piece (0 .. count-1): every
    live replicate, or every replicate. (A draw for some of the live replicates only would tie
    a replicate's numbers to its neighbours' fates.)

    Args:
        seed: the run's seed.
        count: number of replicates.
        first: number of the first replicate.
    """

    def __init__(self, seed: int, count: int, first: int = 0):
        if first < 0:
            raise ValueError(f"the first replicate must be at least 0, got {first}")
        self._offset = first % BLOCK
        start = first // BLOCK
        stop = (first + count - 1) // BLOCK + 1
        self._generators = [
            np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))
            for block in range(start, stop)
        ]

    def uniform(self, replicates: np.ndarray) -> np.ndarray:
        """Uniform numbers on [0, 1), one per replicate in `replicates` (local numbers)."""
        return self._draw(lambda g, size: g.random(size), (), replicates)

    def normal(self, shape: tuple[int, ...], replicates: np.ndarray) -> np.ndarray:
        """Standard normal numbers of shape `shape + (len(replicates),)`."""
        return self._draw(lambda g, size: g.standard_normal(size), shape, replicates)

    def _draw(self, draw, shape: tuple[int, ...], replicates: np.ndarray) -> np.ndarray:
        if len(replicates) == 0:
            return np.empty((*shape, 0))
        numbers = replicates + self._offset  # counted from the start of the first block
        of = numbers // BLOCK
        blocks = of[np.concatenate(([True], of[1:] != of[:-1]))]  # `of` is sorted
        full = np.empty((*shape, len(blocks) * BLOCK))
        for slot, block in enumerate(blocks):
            full[..., slot * BLOCK : (slot + 1) * BLOCK] = draw(
                self._generators[block], (*shape, BLOCK)
            )
        columns = np.searchsorted(blocks, of) * BLOCK + numbers % BLOCK
        if columns[-1] - columns[0] + 1 == len(columns):  # a contiguous run: no gather
            return full[..., columns[0] : columns[-1] + 1]
        return full[..., columns]


def point_seeds(seed: int, points: int) -> np.ndarray:
    """Seeds of a sweep's points 0 .. points-1: the state of child i of `SeedSequence(seed)`.

    Each is a 63-bit integer (it fits a signed 64-bit column and a scenario's `seed`), so a
    point can be rerun alone as an ordinary run with that seed.
    """
    return np.array(
        [
            int(np.random.SeedSequence(seed, spawn_key=(i,)).generate_state(1, np.uint64)[0] >> 1)
            for i in range(points)
        ],
        dtype=np.int64,
    )
