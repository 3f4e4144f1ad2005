"""One typed record: `RunRecords` and `SessionRecord`, their tidy table and its way back.

`to_frame` and `from_frame` are two directions of one declared mapping: every record read back
from its table, in memory or through a CSV file, equals the original exactly.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from conftest import HOLDOUT_ABSTAIN, kosovo, make_scenario, voting_scenario

from sim.model import NegotiationModel
from sim.records import Outcome, RunRecords, SessionRecord
from sim.results import read_csv, write_csv
from sim.scenario import validate_scenario, with_overrides


def assert_same(first: RunRecords, second: RunRecords) -> None:
    for field in dataclasses.fields(RunRecords):
        a, b = getattr(first, field.name), getattr(second, field.name)
        if isinstance(a, SessionRecord):
            for session_field in dataclasses.fields(SessionRecord):
                x, y = getattr(a, session_field.name), getattr(b, session_field.name)
                assert x.dtype == y.dtype, session_field.name
                np.testing.assert_array_equal(x, y, err_msg=session_field.name)
        elif isinstance(a, np.ndarray):
            assert a.dtype == b.dtype, field.name
            np.testing.assert_array_equal(a, b, err_msg=field.name)
        else:
            assert a == b, field.name


@pytest.fixture(scope="module")
def vetoes():
    """Kosovo with the draft tabled: vetoes, votes, recognitions, two sessions."""
    scenario = with_overrides(
        kosovo(),
        {"council.strategy": "table_anyway", "council.sessions": [20, 24]},
    )
    return scenario, NegotiationModel(scenario, replicates=300, seed=5).run()


def test_a_frame_reads_back_to_the_same_records(vetoes):
    scenario, records = vetoes
    assert records.council.vetoed.any() and records.recognised.any()
    assert_same(RunRecords.from_frame(records.to_frame(), scenario, records.seed), records)


def test_a_csv_file_reads_back_to_the_same_records(vetoes, tmp_path):
    scenario, records = vetoes
    write_csv(tmp_path / "runs.csv", records.to_frame())
    frame = read_csv(tmp_path / "runs.csv", RunRecords.text_columns(scenario))
    assert_same(RunRecords.from_frame(frame, scenario, records.seed), records)


def test_records_of_a_run_without_council_or_ending_round_trip(tmp_path):
    scenario = make_scenario(horizon=3, replicates=4)
    records = NegotiationModel(scenario).run()
    write_csv(tmp_path / "runs.csv", records.to_frame())
    frame = read_csv(tmp_path / "runs.csv", RunRecords.text_columns(scenario))
    assert_same(RunRecords.from_frame(frame, scenario), records)
    assert np.isnan(records.point).all()  # deadlocks: no point, written as empty fields


def test_names_that_look_like_values_stay_names(tmp_path):
    # A holdout renamed "true", an elected member "nan" and another "inf": CSV readers would
    # take them for a boolean, a missing value and a number.
    text = json.dumps(voting_scenario(HOLDOUT_ABSTAIN).model_dump(mode="json"))
    for old, new in (("holdout", "true"), ("yes1", "nan"), ("no1", "inf")):
        text = text.replace(f'"{old}"', f'"{new}"')
    odd = validate_scenario(json.loads(text))
    records = NegotiationModel(odd, replicates=3).run()
    assert records.council.vetoed.sum() == 0 and "true" in records.members
    write_csv(tmp_path / "runs.csv", records.to_frame())
    frame = read_csv(tmp_path / "runs.csv", RunRecords.text_columns(odd))
    assert_same(RunRecords.from_frame(frame, odd), records)


def test_session_columns_follow_the_one_declaration(vetoes):
    _, records = vetoes
    frame = records.to_frame()
    for round_ in records.sessions:
        for field in dataclasses.fields(SessionRecord):
            column = field.metadata["column"].name or field.name
            assert any(c.startswith(f"session{round_}.{column}") for c in frame.columns)
    log = records.council
    assert log.tabled.shape == (2, 300) and log.votes.shape == (2, 15, 300)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("outcome", "martians", "outcome holds 'martians'; expected one of"),
        ("session20.vote.russia", "maybe", r"session20\.vote\.russia holds 'maybe'"),
        ("session20.vetoed_by", "atlantis", r"session20\.vetoed_by names 'atlantis'"),
        ("session20.tabled", "perhaps", r"session20\.tabled holds 'perhaps'"),
        ("session24.yes", -1, r"session24\.yes holds -1; expected 0 to 15, the Council's members"),
        ("session24.no", 16, r"session24\.no holds 16; expected 0 to 15"),
        ("end_round", 2.5, r"end_round holds 2\.5; expected a whole number \(row 0\)"),
        ("end_round", 53, "end_round holds 53; expected 0 to the horizon 52"),
        ("proposals", "many", r"proposals holds 'many'; expected a number \(row 0\)"),
        ("position.kosovo.sovereignty", 1.5, r"position\.kosovo\.sovereignty holds 1\.5"),
        ("position.serbia.sovereignty", np.nan, r"position\.serbia\.sovereignty holds nan"),
        ("gap.sovereignty", -0.5, r"gap\.sovereignty holds -0\.5; expected 0 to 1"),
    ],
)
def test_a_table_that_does_not_fit_is_refused_with_its_column(vetoes, column, value, message):
    scenario, records = vetoes
    frame = records.to_frame().astype({column: object})
    frame.loc[0, column] = value
    with pytest.raises(ValueError, match=f"^{message}"):
        RunRecords.from_frame(frame, scenario)


def test_a_missing_column_or_replicate_is_refused(vetoes):
    scenario, records = vetoes
    frame = records.to_frame()
    with pytest.raises(ValueError, match=r"no column 'position\.kosovo\.sovereignty'"):
        RunRecords.from_frame(frame.drop(columns="position.kosovo.sovereignty"), scenario)
    with pytest.raises(ValueError, match=r"no column 'session24\.vote\.china'"):
        RunRecords.from_frame(frame.drop(columns="session24.vote.china"), scenario)
    with pytest.raises(ValueError, match="replicate"):
        RunRecords.from_frame(frame.iloc[1:], scenario)
    with pytest.raises(ValueError, match="replicate"):
        RunRecords.from_frame(pd.concat([frame, frame]), scenario)


def test_records_of_a_run_still_going_round_trip(vetoes):
    scenario, _ = vetoes
    model = NegotiationModel(scenario, replicates=20, seed=2)
    for _ in range(3):
        model.step()
    records = model.records()
    assert (records.outcome == Outcome.ONGOING).all()
    assert_same(RunRecords.from_frame(records.to_frame(), scenario, records.seed), records)


def model_two_scenario():
    """Draws, an event and a Council whose adopted resolution north rejects (its red line)."""
    return voting_scenario(
        HOLDOUT_ABSTAIN,
        parties={"north": {"flexibility": {"uniform": [0.0, 0.5]}}},
        events=[
            {
                "name": "windfall",
                "round": 2,
                "probability": 0.5,
                "set": {"parties.south.capability": 2.0},
            }
        ],
        decision={"noise": 0.2},
    )


def test_draws_events_and_compliance_read_back_through_a_csv_file(tmp_path):
    scenario = model_two_scenario()
    records = NegotiationModel(scenario, replicates=40, seed=3).run()
    assert records.adopted.any() and not records.accepted.any()
    assert records.happened.any() and not records.happened.all()
    frame = records.to_frame()
    for column in (
        "drawn.parties.north.flexibility",
        "event.windfall",
        "resolution_adopted",
        "resolution_accepted",
    ):
        assert column in frame
    write_csv(tmp_path / "runs.csv", frame)
    back = read_csv(tmp_path / "runs.csv", RunRecords.text_columns(scenario))
    assert_same(RunRecords.from_frame(back, scenario, records.seed), records)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("event.windfall", "perhaps", r"event\.windfall holds 'perhaps'"),
        ("resolution_adopted", "sometimes", r"resolution_adopted holds 'sometimes'"),
        ("drawn.parties.north.flexibility", "much", r"drawn\.parties\.north\.flexibility holds"),
    ],
)
def test_a_bad_value_in_a_model_two_column_is_refused_with_its_column(column, value, message):
    scenario = model_two_scenario()
    frame = NegotiationModel(scenario, replicates=5, seed=3).run().to_frame()
    frame = frame.astype({column: object})
    frame.loc[0, column] = value
    with pytest.raises(ValueError, match=f"^{message}"):
        RunRecords.from_frame(frame, scenario)


def test_a_table_without_the_draws_of_its_scenario_is_refused():
    scenario = model_two_scenario()
    frame = NegotiationModel(scenario, replicates=5, seed=3).run().to_frame()
    with pytest.raises(ValueError, match=r"no column 'drawn\.parties\.north\.flexibility'"):
        RunRecords.from_frame(frame.drop(columns="drawn.parties.north.flexibility"), scenario)
    with pytest.raises(ValueError, match=r"no column 'event\.windfall'"):
        RunRecords.from_frame(frame.drop(columns="event.windfall"), scenario)
