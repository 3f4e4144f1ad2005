"""The summary of a run's records: outcome shares with Wilson intervals, sessions, vetoes."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import HOLDOUT_NO, kosovo, make_scenario, voting_scenario

from sim.model import NegotiationModel
from sim.pipeline import simulate
from sim.records import RunRecords
from sim.scenario import Scenario
from sim.summary import (
    identical_replicates,
    outcome_table,
    session_table,
    summarise,
    wilson_interval,
)


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        # Published values (Newcombe 1998, Stat Med 17:857, table I): 0/10, 5/10, 15/148.
        (0, 10, 0.0, 0.2775),
        (5, 10, 0.2366, 0.7634),
        (15, 148, 0.0624, 0.1605),
        (10, 10, 0.7225, 1.0),
    ],
)
def test_wilson_interval_matches_published_values(successes, trials, low, high):
    got = wilson_interval(successes, trials)
    assert got == pytest.approx((low, high), abs=5e-5)


def test_wilson_interval_of_no_trials_is_the_whole_range():
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_wilson_interval_is_exact_at_the_ends():
    # With no successes the Wilson lower bound is 0 on paper, with all successes the upper
    # bound is 1 (Wilson 1927): centre and half-width are then equal. In floating point the
    # formula misses them by rounding at some small n: 10 of 10 gives 1 - 1.1e-16 for the
    # upper bound, 0 of 69 gives 3.5e-18 for the lower (0 of 10 happens to give 0.0 already).
    # Only the code's special-casing of the ends makes them exact.
    # The other bound, by hand, with z^2 = 1.959964^2 = 3.841459:
    #   n of n: low = n / (n + z^2);  0 of n: high = z^2 / (n + z^2).
    #   10 of 10: low = 10 / 13.841459 = 0.722467   (Newcombe 1998, table I: 0.7225)
    #   0 of 10: high = 3.841459 / 13.841459 = 0.277533   (Newcombe: 0.2775)
    #   0 of 69: high = 3.841459 / 72.841459 = 0.052737
    low, high = wilson_interval(10, 10)
    assert high == 1.0
    assert low == pytest.approx(0.722467, abs=1e-6)
    low, high = wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.277533, abs=1e-6)
    low, high = wilson_interval(0, 69)
    assert low == 0.0
    assert high == pytest.approx(0.052737, abs=1e-6)


def records_from_columns(scenario: Scenario, columns: dict[str, list]) -> RunRecords:
    """Records of `scenario` read from a runs table whose `columns` are written by hand.

    The table's other columns (points, gaps, positions, votes...) are those of the scenario's
    records before any round is run, with every replicate deadlocked at the horizon unless
    `columns` say otherwise; the summary does not read them.
    """
    replicates = len(next(iter(columns.values())))
    frame = NegotiationModel(scenario, replicates=replicates).records().to_frame()
    frame = frame.assign(outcome="deadlock", end_round=scenario.horizon).assign(**columns)
    return RunRecords.from_frame(frame, scenario)


def hand_runs() -> RunRecords:
    """Five replicates of a one-session Council (round 2) with a unilateral actor; the
    deadlocked replicate ended at the horizon, 6."""
    return records_from_columns(
        voting_scenario(HOLDOUT_NO, horizon=6),
        {
            "outcome": ["unilateral", "deadlock", "unilateral", "resolution", "unilateral"],
            "end_round": [4, 6, 2, 2, 5],
            "session2.tabled": [True, False, True, True, False],
            "session2.withdrawn": [False, True, False, False, True],
            "session2.amendments": [0, 2, 1, 0, 0],
            "session2.vetoed_by": ["holdout", "", "holdout;perm3", "", ""],
            "recognised_by": ["north;broker", "", "broker", "", "holdout"],
            "resolution_adopted": [False, False, False, True, False],
            "resolution_accepted": [False, False, False, True, False],
        },
    )


def test_outcome_table_counts_shares_and_medians_by_hand():
    table = outcome_table(hand_runs()).set_index("outcome")
    assert list(table.index) == ["agreement", "resolution", "unilateral", "deadlock"]
    assert table["count"].tolist() == [0, 1, 3, 1]
    assert table["share"].tolist() == [0.0, 0.2, 0.6, 0.2]
    # Unilateral ended in rounds 4, 2 and 5: median 4.
    assert table.loc["unilateral", "median_end_round"] == 4.0
    assert np.isnan(table.loc["agreement", "median_end_round"])
    assert (table.loc["unilateral", "ci_low"], table.loc["unilateral", "ci_high"]) == (
        wilson_interval(3, 5)
    )


def test_session_table_by_hand():
    table = session_table(hand_runs())
    row = table.iloc[0].to_dict()
    # All five reached the session; 3 tabled (one adopted and accepted, two vetoed),
    # 2 withdrawn, 2 amended (amendments 2 and 1).
    assert row == {
        "round": 2,
        "reached": 5,
        "withdrawn": 2,
        "tabled": 3,
        "adopted": 1,
        "accepted": 1,
        "vetoed": 2,
        "amended": 2,
    }


def test_a_resolution_a_disputant_rejects_is_adopted_not_accepted():
    runs = records_from_columns(
        voting_scenario(HOLDOUT_NO, horizon=6),
        {
            "outcome": ["unilateral", "resolution"],
            "end_round": [4, 2],
            "session2.tabled": [True, True],
            "resolution_adopted": [True, True],
            "resolution_accepted": [False, True],
        },
    )
    row = session_table(runs).iloc[0]
    assert (row["tabled"], row["adopted"], row["accepted"]) == (2, 2, 1)


def test_vetoes_count_replicates_not_vetoes():
    # (Was a test of `name_counts`, which the summary no longer needs.) Two sessions, in
    # rounds 1 and 2: a member that vetoes at both sessions of a replicate counts once. With
    # holdout, perm3, perm4, perm5 for a, b, c, d: replicate 0 names holdout at both sessions
    # (counted once), perm3 at one; an empty field read back from CSV is missing (NaN).
    scenario = voting_scenario(HOLDOUT_NO, council={"sessions": [1, 2]})
    first = ["holdout;perm3", "", "holdout", np.nan]
    second = ["holdout", "perm3", "", "perm4"]
    records = records_from_columns(
        scenario, {"session1.vetoed_by": first, "session2.vetoed_by": second}
    )
    vetoes = summarise(records, scenario).vetoes.set_index("member")["replicates"]
    assert vetoes[["holdout", "perm3", "perm4", "perm5"]].tolist() == [2, 2, 1, 0]
    # No session: nobody vetoed anything.
    scenario = voting_scenario(HOLDOUT_NO, council={"sessions": []})
    records = records_from_columns(scenario, {"end_round": [3]})
    assert summarise(records, scenario).vetoes["replicates"].tolist() == [0] * 5


def test_summarise_vetoes_and_recognitions_by_hand():
    scenario = voting_scenario(HOLDOUT_NO)
    summary = summarise(hand_runs(), scenario)
    vetoes = summary.vetoes.set_index("member")
    assert list(vetoes.index) == ["holdout", "sponsor", "perm3", "perm4", "perm5"]
    assert vetoes["replicates"].tolist() == [2, 0, 1, 0, 0]
    assert vetoes.loc["holdout", "share"] == pytest.approx(0.4)
    recognised = summary.recognitions.set_index("party")
    # Three unilateral outcomes; broker recognised in two of them, north and holdout in one.
    assert recognised.loc["broker", "replicates"] == 2
    assert recognised.loc["broker", "share"] == pytest.approx(2 / 3)
    assert recognised.loc["north", "replicates"] == 1
    assert recognised.loc["south", "replicates"] == 0
    assert summary.sponsor == "sponsor"
    assert summary.replicates == 5


def test_summary_text_and_json():
    summary = summarise(hand_runs(), voting_scenario(HOLDOUT_NO))
    text = summary.to_text()
    assert "tiny: 5 replicates, seed 7" in text
    assert " round  reached  withdrawn  tabled  adopted  accepted  vetoed  amended" in text
    assert "     2        5          2       3        1         1       2        2" in text
    assert "vetoed by: holdout 2 (40.0%), perm3 1 (20.0%)" in text
    assert "broker 67%" in text
    data = json.loads(json.dumps(summary.to_dict(), allow_nan=False))
    assert data["outcomes"][0] == {
        "outcome": "agreement",
        "count": 0,
        "share": 0.0,
        "ci_low": 0.0,
        "ci_high": wilson_interval(0, 5)[1],  # exact: no rounding on the way to JSON
        "median_end_round": None,
    }
    assert data["council"]["sessions"][0]["vetoed"] == 2
    assert data["identical"] is False


# --- identical replicates: one outcome, no interval ------------------------------------------


def test_identical_replicates_compare_every_recorded_column():
    scenario = make_scenario()  # the runs table of 3 replicates, all deadlocked at round 6
    same = records_from_columns(scenario, {"end_round": [6, 6, 6]})
    assert identical_replicates(same)
    # A column no summary reads (a final position) still tells the replicates apart.
    frame = same.to_frame()
    frame.loc[1, "position.north.b"] = 0.3
    assert not identical_replicates(RunRecords.from_frame(frame, scenario))
    # Missing values count as a value: all missing is identical, missing in one row is not.
    assert frame["point.a"].isna().all()
    frame = same.to_frame()
    frame.loc[2, "point.a"] = 0.5
    assert not identical_replicates(RunRecords.from_frame(frame, scenario))
    assert not identical_replicates(hand_runs())


def test_one_replicate_is_identical_to_itself():
    scenario = make_scenario()
    single = records_from_columns(scenario, {"end_round": [4]})
    assert identical_replicates(single)
    text = summarise(single, scenario).to_text()
    assert "A single replicate: one outcome, not a distribution (no interval is shown" in text
    assert "ci_low" not in text


def test_identical_replicates_are_reported_without_intervals():
    scenario = make_scenario()
    summary = summarise(records_from_columns(scenario, {"end_round": [6] * 4}), scenario)
    assert summary.identical
    text = summary.to_text()
    assert "All 4 replicates are identical" in text
    assert "one outcome, not a distribution (no interval is shown)" in " ".join(text.split())
    assert "ci_low" not in text and "ci_high" not in text
    assert "   outcome  count share median_end_round" in text
    assert "  deadlock      4 1.000                6" in text
    data = json.loads(json.dumps(summary.to_dict(), allow_nan=False))
    assert data["identical"] is True
    deadlock = data["outcomes"][3]
    assert deadlock == {
        "outcome": "deadlock",
        "count": 4,
        "share": 1.0,
        "ci_low": None,
        "ci_high": None,
        "median_end_round": 6.0,
    }
    assert all(row["ci_low"] is None and row["ci_high"] is None for row in data["outcomes"])
    # The outcome table (summary.csv) keeps its columns: only the report leaves them out.
    assert summary.outcomes.columns.tolist() == outcome_table(hand_runs()).columns.tolist()


def test_differing_replicates_keep_their_intervals():
    summary = summarise(hand_runs(), voting_scenario(HOLDOUT_NO))
    assert not summary.identical
    text = summary.to_text()
    assert "identical" not in text
    assert "   outcome  count share ci_low ci_high median_end_round" in text
    data = summary.to_dict()
    low, high = wilson_interval(3, 5)
    assert (data["outcomes"][2]["ci_low"], data["outcomes"][2]["ci_high"]) == (low, high)


def test_a_scenario_without_a_random_element_runs_identical_replicates():
    # The tiny scenario: stance noise 0, decision noise 0, no unilateral option.
    run = simulate(make_scenario(replicates=12), trajectories=False)
    assert run.summary.identical
    assert "All 12 replicates are identical" in run.summary.to_text()
    # Stance noise makes the final positions differ, though every replicate still deadlocks:
    # the shares are the same, but the replicates are a sample, so the intervals stay.
    noisy = simulate(make_scenario(replicates=12, noise=0.05), trajectories=False)
    assert noisy.records.counts()["deadlock"] == 12
    assert not noisy.summary.identical
    assert "ci_low" in noisy.summary.to_text()


@pytest.fixture(scope="module")
def kosovo_run():
    scenario = kosovo()
    records = NegotiationModel(scenario, replicates=500, seed=3).run()
    return scenario, records


def test_summary_agrees_with_the_records(kosovo_run):
    scenario, records = kosovo_run
    table = RunRecords.from_frame(records.to_frame(), scenario, seed=records.seed)
    summary = summarise(table, scenario)
    counts = summary.outcomes.set_index("outcome")["count"].to_dict()
    assert counts == records.counts()
    session = summary.sessions.iloc[0]
    assert session["withdrawn"] == records.council.withdrawn[0].sum()
    assert session["tabled"] == records.council.tabled[0].sum()
    unilateral = records.outcome == 3
    others = [p for p in scenario.party_names if p != "kosovo"]
    recognised = summary.recognitions.set_index("party")["replicates"]
    for n, name in enumerate(records.parties):
        if name in others:
            assert recognised[name] == records.recognised[n, unilateral].sum()
