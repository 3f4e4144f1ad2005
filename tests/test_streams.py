"""Random streams per block of replicates: runs extend, split and join without changing a number."""

import numpy as np
import pandas as pd
import pytest

from sim import load_scenario, simulate
from sim.model import NegotiationModel
from sim.records import Outcome
from sim.streams import BLOCK, ReplicateStreams, point_seeds

KOSOVO = "scenarios/kosovo_2007.yaml"


def runs(replicates, seed=5, first=0) -> pd.DataFrame:
    scenario = load_scenario(KOSOVO)
    model = NegotiationModel(scenario, replicates=replicates, seed=seed, first_replicate=first)
    return model.run().to_frame().drop(columns="replicate").reset_index(drop=True)


def test_more_replicates_extend_a_run():
    # 600 replicates: blocks 0 and 1 whole, block 2 cut at 100; 1000 replicates: blocks 0-3.
    short, long = runs(600), runs(1000)
    pd.testing.assert_frame_equal(short, long.iloc[:600].reset_index(drop=True))
    assert long["end_round"].nunique() > 1  # the run is random, so equality is not trivial


def test_a_run_split_in_pieces_equals_the_whole():
    whole = runs(3 * BLOCK)
    pieces = [runs(BLOCK, first=0), runs(2 * BLOCK, first=BLOCK)]
    pd.testing.assert_frame_equal(pd.concat(pieces, ignore_index=True), whole)


def test_one_replicate_alone_equals_itself_in_a_batch():
    # Replicate 0 run alone draws the same numbers as in a batch of 700.
    pd.testing.assert_frame_equal(runs(1), runs(700).iloc[:1])


def test_different_seeds_give_different_runs():
    assert not runs(300, seed=1).equals(runs(300, seed=2))


def test_a_piece_may_start_inside_a_block():
    whole = runs(2 * BLOCK + 50)
    piece = runs(BLOCK, first=BLOCK - 30)  # the end of block 0 and most of block 1
    pd.testing.assert_frame_equal(
        piece, whole.iloc[BLOCK - 30 : 2 * BLOCK - 30].reset_index(drop=True)
    )


def test_the_first_replicate_is_not_negative():
    with pytest.raises(ValueError, match="at least 0"):
        ReplicateStreams(seed=1, count=10, first=-1)


def test_draws_depend_only_on_the_replicates_own_block():
    # Asking for a subset of replicates gives those replicates' numbers from the full draw.
    streams = ReplicateStreams(seed=3, count=3 * BLOCK)
    everyone = streams.normal((2,), np.arange(3 * BLOCK))
    again = ReplicateStreams(seed=3, count=3 * BLOCK)
    some = np.array([1, 2, BLOCK + 7, 3 * BLOCK - 1])
    np.testing.assert_array_equal(again.normal((2,), some), everyone[:, some])
    # Blocks with no replicate asked for draw nothing: block 1 is still at its start here.
    third = ReplicateStreams(seed=3, count=3 * BLOCK)
    third.normal((2,), np.array([0, 2 * BLOCK]))
    np.testing.assert_array_equal(third.normal((2,), np.array([BLOCK])), everyone[:, [BLOCK]])


def test_uniform_numbers_are_uniform():
    draws = ReplicateStreams(seed=8, count=40 * BLOCK).uniform(np.arange(40 * BLOCK))
    assert draws.min() >= 0 and draws.max() < 1
    # Mean of 10 000 U(0, 1): sd 0.29 / 100; within 4 sd of 0.5.
    assert abs(draws.mean() - 0.5) < 4 * 0.2887 / 100


def test_point_seeds_are_fixed_distinct_and_fit_int64():
    seeds = point_seeds(2007, 1000)
    np.testing.assert_array_equal(seeds, point_seeds(2007, 1000))
    np.testing.assert_array_equal(seeds[:10], point_seeds(2007, 10))  # order, not count
    assert len(set(seeds.tolist())) == 1000
    assert seeds.dtype == np.int64 and (seeds >= 0).all()
    assert not np.array_equal(seeds, point_seeds(2008, 1000))


def test_simulate_runs_a_piece_of_a_larger_run():
    whole = simulate(KOSOVO, replicates=2 * BLOCK, seed=9, trajectories=False)
    piece = simulate(KOSOVO, replicates=BLOCK, seed=9, trajectories=False, first_replicate=BLOCK)
    np.testing.assert_array_equal(piece.records.outcome, whole.records.outcome[BLOCK:])
    np.testing.assert_array_equal(piece.records.end_round, whole.records.end_round[BLOCK:])
    assert (whole.records.outcome != Outcome.ONGOING).all()
