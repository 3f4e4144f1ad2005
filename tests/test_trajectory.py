"""Per-round trajectories gathered by the model's DataCollector (`collect=True`)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import HOLDOUT_ABSTAIN, make_model, voting_scenario

from sim.model import NegotiationModel
from sim.records import QUANTILES

DECLARATION = {"a": 1.0, "b": 0.8}


def moving_model(replicates: int = 3) -> NegotiationModel:
    """The base scenario with disputants of flexibility 0.5, no noise, collecting."""
    model = make_model(
        replicates=replicates,
        parties={"north": {"flexibility": 0.5}, "south": {"flexibility": 0.5}},
    )
    return NegotiationModel(model.scenario, replicates=replicates, collect=True)


def test_trajectory_of_a_noise_free_run_by_hand():
    # Round 0: the file's positions. Round 1: proposal (0.5, 0.5) (equal weights); north
    # moves half way: (0.1 + 0.2, 0.1 + 0.2), a clipped at its red line 0.2 -> (0.2, 0.3);
    # south -> (0.8, 0.7). Round 2: proposal (0.5, 0.5); north (0.2, 0.4), south (0.8, 0.6).
    # The red lines exclude every proposal: deadlock at the horizon (6), nobody live after it.
    model = moving_model()
    model.run()
    trajectory = model.trajectory()
    assert trajectory.live.tolist() == [3, 3, 3, 3, 3, 3, 0]
    assert trajectory.united.tolist() == [0, 3, 3, 3, 3, 3, 3]
    north, south, broker = (trajectory.parties.index(p) for p in ("north", "south", "broker"))
    # Identical replicates: the 5%, 50% and 95% quantiles coincide.
    np.testing.assert_allclose(trajectory.positions[0, north], [[0.1] * 3, [0.1] * 3])
    np.testing.assert_allclose(trajectory.positions[1, north], [[0.2] * 3, [0.3] * 3])
    np.testing.assert_allclose(trajectory.positions[1, south], [[0.8] * 3, [0.7] * 3])
    np.testing.assert_allclose(trajectory.positions[2, north], [[0.2] * 3, [0.4] * 3])
    np.testing.assert_allclose(trajectory.positions[2, south], [[0.8] * 3, [0.6] * 3])
    np.testing.assert_allclose(trajectory.positions[:6, broker], 0.5)
    assert np.isnan(trajectory.positions[6]).all()
    assert np.isnan(trajectory.proposal[0]).all()
    np.testing.assert_allclose(trajectory.proposal[1:3], 0.5)


def test_trajectory_frame_layout():
    model = moving_model()
    model.run()
    frame = model.trajectory().to_frame()
    # 7 rounds x 3 parties x 2 issues position rows, 6 rounds x 2 issues proposal rows.
    assert len(frame) == 7 * 3 * 2 + 6 * 2
    assert list(frame.columns) == [
        "round",
        "kind",
        "party",
        "issue",
        "replicates",
        "p05",
        "median",
        "p95",
    ]
    row = frame.query("round == 2 and party == 'north' and issue == 'b'").iloc[0]
    assert (row["kind"], row["replicates"], row["median"]) == ("position", 3, pytest.approx(0.4))
    proposals = frame[frame["kind"] == "proposal"]
    assert proposals["round"].min() == 1
    assert (proposals["party"] == "").all()
    assert frame["round"].is_monotonic_increasing


def noisy_model(replicates: int, collect: bool) -> NegotiationModel:
    changes = {
        "parties": {"north": {"flexibility": 0.3}, "south": {"flexibility": 0.3}},
        "unilateral": {"south": {"point": DECLARATION, "base_rate": 0.05, "growth": 0.02}},
        "decision": {"noise": 0.3},
        "noise": 0.1,
        "horizon": 8,
    }
    return NegotiationModel(
        voting_scenario(HOLDOUT_ABSTAIN, **changes), replicates, seed=11, collect=collect
    )


def test_trajectory_quantiles_are_those_of_the_live_replicates():
    model = noisy_model(400, collect=True)
    expected_live, expected = [400], [np.quantile(model.positions, QUANTILES, axis=-1)]
    while model.running:
        model.step()
        expected_live.append(model.positions.shape[-1])
        if model.positions.shape[-1]:
            expected.append(np.quantile(model.positions, QUANTILES, axis=-1))
    trajectory = model.trajectory()
    assert trajectory.live.tolist() == expected_live
    assert expected_live[1] > expected_live[-2] > 0  # replicates really end along the way
    for t, quantiles in enumerate(expected):
        np.testing.assert_array_equal(trajectory.positions[t], np.moveaxis(quantiles, 0, -1))
    # The band is a band: 5% <= median <= 95% wherever defined.
    defined = ~np.isnan(trajectory.positions[..., 0])
    ordered = np.diff(trajectory.positions, axis=-1) >= 0
    assert ordered[defined].all()


def test_collecting_changes_no_record():
    plain = noisy_model(200, collect=False).run()
    collected = noisy_model(200, collect=True).run()
    np.testing.assert_array_equal(plain.outcome, collected.outcome)
    np.testing.assert_array_equal(plain.end_round, collected.end_round)
    np.testing.assert_array_equal(plain.positions, collected.positions)


def test_trajectory_needs_collect():
    model = noisy_model(2, collect=False)
    model.run()
    with pytest.raises(ValueError, match="collect=False"):
        model.trajectory()
