"""Random numbers per block of replicates: seeds that extend and split.

A run's replicates are numbered 0, 1, 2, ... and grouped in blocks of `BLOCK` (replicates 0-249
are block 0, 250-499 block 1, ...). Block j draws from its own generator, seeded by
`numpy.random.SeedSequence(seed, spawn_key=(j,))` (the j-th child of the run's seed sequence;
O'Neill 2015 on PCG streams, numpy's SeedSequence for independent streams). At every place the
model draws, each block draws for all its `BLOCK` replicates, live or not, and the model keeps
the draws of the replicates it asked for. A replicate's random numbers therefore depend only on
the seed, its number and the round, never on how many replicates run beside it or which of them
have ended, so:

- asking for more replicates extends a run: its first replicates are unchanged;
- a run of replicates 500-999 equals the second half of a run of 0-999 (`first`), so a run can
  be split into pieces run anywhere and joined;
- a sweep's points get their seeds from the sweep's seed sequence in a fixed order
  (`point_seeds`), so results do not depend on the number of workers or on chunking.
"""

from __future__ import annotations

import numpy as np

BLOCK = 250
"""Replicates per block of random numbers (the granularity by which a run can be extended)."""


class ReplicateStreams:
    """The random numbers of replicates `first` .. `first + count - 1` of a run seeded `seed`.

    Args:
        seed: the run's seed.
        count: number of replicates.
        first: number of the first replicate, a multiple of `BLOCK`.
    """

    def __init__(self, seed: int, count: int, first: int = 0):
        if first % BLOCK:
            raise ValueError(f"the first replicate must be a multiple of {BLOCK}, got {first}")
        self.first = first
        start = first // BLOCK
        stop = start + -(-count // BLOCK)
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
        of = replicates // BLOCK
        blocks = of[np.r_[True, of[1:] != of[:-1]]]
        full = np.empty((*shape, len(blocks) * BLOCK))
        for slot, block in enumerate(blocks):
            full[..., slot * BLOCK : (slot + 1) * BLOCK] = draw(
                self._generators[block], (*shape, BLOCK)
            )
        columns = np.searchsorted(blocks, of) * BLOCK + replicates % BLOCK
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
