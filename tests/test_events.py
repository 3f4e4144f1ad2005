"""Tests for the scenario's events: scheduled or random changes of party values.

An event (`events: [{name, round, probability, set: {path: value}}]`) happens, in each
replicate with its probability (one uniform number per replicate, drawn when the model is
built), at the start of its round; its changes hold from then on, in the replicates where it
happened, which `happened` and the runs table's `event.<name>` columns record. The tiny scenario
of conftest.py deadlocks at round 6 whatever happens, unless an event opens the red lines.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_model, make_scenario, party

from sim.model import NegotiationModel
from sim.records import Outcome, RunRecords
from sim.scenario import ScenarioError

STRONGER_NORTH = {
    "name": "windfall",
    "round": 3,
    "probability": 0.5,
    "set": {"parties.north.capability": 2.0},
}
"""North's capability 1 -> 2 from round 3, in about half the replicates."""

THAW = {
    "name": "thaw",
    "round": 3,
    "probability": 0.5,
    "set": {"parties.north.red_lines.a": [0.0, 1.0], "parties.south.red_lines.a": [0.0, 1.0]},
}
"""Both red lines on a opened in round 3: the proposal (0.5, 0.5) is then worth as much as the
no-deal points (the status quo) to both, and both accept it."""


def test_an_event_changes_a_value_from_its_round_in_the_replicates_where_it_happens():
    model = make_model(replicates=200, seed=1, events=[STRONGER_NORTH])
    north = model.party("north").index
    happens = model.events[0].happens
    assert 0 < happens.sum() < 200
    for _ in (1, 2):
        model.step()
        np.testing.assert_array_equal(model.capability[north], 1.0)
        assert not model.happened.any()
        # Compromise: the mean of north (0.1) and south (0.9): 0.5.
        np.testing.assert_allclose(model.round_proposal.point, 0.5)
    for _ in (3, 4):
        model.step()
        capability = np.broadcast_to(model.capability[north], (200,))
        np.testing.assert_array_equal(capability, np.where(happens, 2.0, 1.0))
        np.testing.assert_array_equal(model.happened[0], happens)
        # Capability-weighted compromise where it happened: (2 x 0.1 + 0.9) / 3 = 0.3667.
        expected = np.where(happens, 1.1 / 3, 0.5)
        np.testing.assert_allclose(model.round_proposal.point[0], expected)
    # Other parties and values are untouched.
    np.testing.assert_array_equal(model.capability[model.party("south").index], 1.0)


def test_an_event_that_opens_the_red_lines_ends_the_deadlock_where_it_happens():
    model = make_model(replicates=200, seed=1, events=[THAW])
    happens = model.events[0].happens.copy()
    records = model.run()
    np.testing.assert_array_equal(records.happened[0], happens)
    np.testing.assert_array_equal(records.outcome == Outcome.AGREEMENT, happens)
    assert set(records.end_round[happens]) == {3}
    assert set(records.end_round[~happens]) == {6}
    assert records.events == ("thaw",)
    frame = records.to_frame()
    assert frame["event.thaw"].dtype == bool
    assert frame["event.thaw"].tolist() == happens.tolist()


def test_probability_one_half_over_many_replicates():
    # 4000 replicates at p = 0.5: sd sqrt(0.25 / 4000) = 0.0079; within 4 sd.
    records = make_model(replicates=4000, seed=9, events=[STRONGER_NORTH]).run()
    assert records.happened[0].mean() == pytest.approx(0.5, abs=4 * np.sqrt(0.25 / 4000))


def test_a_certain_event_happens_everywhere_and_an_impossible_one_nowhere():
    certain = {**STRONGER_NORTH, "probability": 1.0}
    impossible = {**THAW, "probability": 0.0}
    records = make_model(replicates=50, events=[certain, impossible]).run()
    assert records.happened[0].all()
    assert not records.happened[1].any()
    assert records.outcome.tolist() == [Outcome.DEADLOCK] * 50
    assert records.events == ("windfall", "thaw")


def test_an_event_is_recorded_only_where_the_replicate_was_still_running():
    # The thaw (round 3, p 0.5) ends its replicates in round 3; a certain event in round 4
    # happens only in the others.
    late = {**STRONGER_NORTH, "name": "late", "round": 4, "probability": 1.0}
    records = make_model(replicates=100, seed=2, events=[THAW, late]).run()
    thawed = records.happened[0]
    assert thawed.any() and (~thawed).any()
    np.testing.assert_array_equal(records.happened[1], ~thawed)


def test_whether_an_event_happens_depends_only_on_the_seed_and_the_replicate():
    scenario = make_scenario(events=[STRONGER_NORTH, THAW])
    whole = NegotiationModel(scenario, replicates=600, seed=4).run()
    piece = NegotiationModel(scenario, replicates=100, seed=4, first_replicate=400).run()
    fewer = NegotiationModel(scenario, replicates=300, seed=4).run()
    np.testing.assert_array_equal(piece.happened, whole.happened[:, 400:500])
    np.testing.assert_array_equal(fewer.happened, whole.happened[:, :300])
    np.testing.assert_array_equal(piece.outcome, whole.outcome[400:500])


def test_an_event_may_set_a_position_a_no_deal_point_or_an_alliance():
    # Round 2, everywhere: the broker moves to (0.2, 0.8); north's no-deal point (0.5, 0.5)
    # becomes (0.3, 0.3); the alliance north-broker (strength 0) becomes 1, which pulls the
    # broker (flexibility 1, capability 1 each: A = 0.5) toward north from round 2 on.
    event = {
        "name": "shift",
        "round": 2,
        "set": {
            "parties.broker.position.a": 0.2,
            "parties.broker.position.b": 0.8,
            "parties.north.no_deal.a": 0.3,
            "parties.north.no_deal.b": 0.3,
            "alliances.0.strength": 1.0,
        },
    }
    model = make_model(
        replicates=2,
        parties={"broker": {"flexibility": 1.0}, "north": {"no_deal": {"a": 0.5, "b": 0.5}}},
        alliances=[{"between": ["north", "broker"], "strength": 0.0}],
        events=[event],
    )
    broker, north = model.party("broker"), model.party("north")
    model.step()
    np.testing.assert_allclose(broker.position, 0.5)  # no tie yet
    np.testing.assert_allclose(north.no_deal, [[0.5], [0.5]])
    model.step()
    # Moved to (0.2, 0.8), then pulled 0.5 x (north - broker) = 0.5 x (-0.1, -0.7).
    np.testing.assert_allclose(broker.position, [[0.15] * 2, [0.45] * 2])
    np.testing.assert_allclose(north.no_deal, [[0.3], [0.3]])
    assert model.alliance_strength[broker.index, north.index] == 1.0
    assert model.alliance_strength[north.index, broker.index] == 1.0


def test_cores_stay_outside_the_stated_lines_that_events_move():
    # North states [0, 0.2] on a with core [0, 0.5]. "turn" (round 2) states [0, 0.5]; "firm"
    # (round 3) narrows the core to [0, 0.4], which would lie inside the stated line now: the
    # core is kept at the stated end, 0.5. Each event alone is valid against the file.
    events = [
        {"name": "turn", "round": 2, "set": {"parties.north.red_lines.a": [0.0, 0.5]}},
        {"name": "firm", "round": 3, "set": {"parties.north.red_line_cores.a": [0.0, 0.4]}},
    ]
    model = make_model(
        replicates=1, parties={"north": {"red_line_cores": {"a": [0.0, 0.5]}}}, events=events
    )
    north = model.party("north")
    model.step()
    np.testing.assert_array_equal(north.core_high, [[0.5], [1.0]])
    model.step()
    np.testing.assert_array_equal(north.red_high, [[0.5], [1.0]])
    np.testing.assert_array_equal(north.core_high, [[0.5], [1.0]])
    model.step()
    np.testing.assert_array_equal(north.core_high, [[0.5], [1.0]])
    np.testing.assert_array_equal(north.core_low, [[0.0], [0.0]])


def test_an_event_sets_the_stalemate_and_audience_costs():
    # From round 2, north pays 0.1 a round of talks (nothing before): by round 3, 0.2.
    event = {
        "name": "hurt",
        "round": 2,
        "set": {"parties.north.stalemate_cost": 0.1, "parties.north.audience_cost": 0.05},
    }
    model = make_model(replicates=1, events=[event])
    north = model.party("north")
    model.step()
    np.testing.assert_array_equal(north.stalemate_cost, [0.0])
    model.step()
    model.step()
    np.testing.assert_allclose(north.stalemate_cost, [0.1])
    np.testing.assert_allclose(north.audience_cost, [0.05])
    np.testing.assert_allclose(north.pressure()[0], [0.2])


def test_an_event_that_restrains_a_patron_stops_its_clients_acts():
    # South may act alone (expected_value, resolve 5: hazard 1 with consent; see
    # test_unilateral) with `friend` (c 3) as its patron; from round 3, in about half the
    # replicates, the patron holds it back (restraint 1). Where it happened, no act from
    # round 3 on; hazard 1 otherwise: every replicate that reaches round 3 without the event
    # acts in round 3.
    event = {"name": "hold", "round": 3, "probability": 0.5, "set": {"parties.friend.restraint": 1}}
    model = make_model(
        replicates=400,
        seed=6,
        parties={"friend": party(0.9, 0.9, capability=3.0), "south": {"flexibility": 0.0}},
        alliances=[{"between": ["south", "friend"], "strength": 0.8}],
        unilateral={
            "south": {
                "point": {"a": 0.9, "b": 0.9},
                "rule": "expected_value",
                "resolve": 5.0,
                "earliest_round": 3,
            }
        },
        events=[event],
    )
    records = model.run()
    held = records.happened[0]
    acted = records.outcome == Outcome.UNILATERAL
    assert held.any() and (~held).any()
    assert not acted[held].any()
    assert acted[~held].all() and set(records.end_round[~held]) == {3}


# --- events refused ------------------------------------------------------------------------------


def refused(*events, **changes) -> str:
    with pytest.raises(ScenarioError) as error:
        make_scenario(events=list(events), **changes)
    return str(error.value)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        pytest.param(
            "parties.north.name",
            "x",
            r"events\.0\.set\.parties\.north\.name: .*cannot change",
        ),
        pytest.param(
            "parties.north.salience.a",
            2.0,
            r"events\.0\.set\.parties\.north\.salience\.a: ",
        ),
        pytest.param(
            "round",
            3,
            r"events\.0\.set\.round: found a value an event cannot change",
        ),
        ("parties.north.capability", -1.0, r"events\.0\.set\.parties\.north\.capability: found -1"),
        ("parties.north.flexibility", 1.5, r"events\.0\.set\.parties\.north\.flexibility: "),
        ("parties.north.restraint", "full", r"events\.0\.set\.parties\.north\.restraint: "),
        (
            "parties.nobody.capability",
            1.0,
            r"events\.0\.set\.parties\.nobody\.capability: found .nobody., which is not a party",
        ),
        ("parties.north.position.z", 0.5, r"events\.0\.set\.parties\.north\.position\.z: "),
        (
            "parties.north.red_lines.a",
            [0.5, 0.1],
            r"events\.0\.set\.parties\.north\.red_lines\.a: .*low <= high",
        ),
        ("alliances.3.strength", 0.5, r"events\.0\.set\.alliances\.3"),
    ],
)
def test_an_event_that_sets_what_it_cannot_is_refused_with_its_path(path, value, message):
    event = {"name": "bad", "round": 2, "set": {path: value}}
    with pytest.raises(ScenarioError, match=message):
        make_scenario(events=[event])


def test_an_events_round_probability_and_name_are_checked():
    good = {"name": "e", "round": 2, "set": {"parties.north.capability": 2.0}}
    assert "events.0.round" in refused({**good, "round": 0})
    assert "events.0.probability" in refused({**good, "probability": 1.5})
    assert "events.1.name" in refused(good, {**good, "round": 3})  # the same name twice
    assert "events.0.set" in refused({**good, "set": {}})
    assert "events.0.name" in refused({**good, "name": "Not A Name"})


def test_an_event_after_the_horizon_is_read_and_never_happens():
    # Round 7 of a 6-round horizon (a sweep of the horizon may cut an event off).
    late = {"name": "late", "round": 7, "set": {"parties.north.capability": 2.0}}
    records = make_model(replicates=5, events=[late]).run()
    assert not records.happened.any()
    assert records.events == ("late",)


def test_the_second_of_two_events_is_named_in_its_error():
    good = {"name": "first", "round": 2, "set": {"parties.north.capability": 2.0}}
    bad = {"name": "second", "round": 3, "set": {"parties.south.capability": 0.0}}
    message = refused(good, bad)
    assert "events.1.set.parties.south.capability" in message
    assert "events.0" not in message


def test_records_with_events_read_back_from_their_table():
    scenario = make_scenario(events=[STRONGER_NORTH, THAW])
    records = NegotiationModel(scenario, replicates=40, seed=3).run()
    back = RunRecords.from_frame(records.to_frame(), scenario, records.seed)
    np.testing.assert_array_equal(back.happened, records.happened)
    assert back.happened.dtype == bool
    assert back.events == ("windfall", "thaw")


def test_an_event_may_set_a_no_deal_point_left_to_its_default():
    event = {"name": "e", "round": 2, "set": {"parties.north.no_deal.a": 0.3}}
    model = make_model(replicates=1, events=[event])
    model.step()
    model.step()
    np.testing.assert_allclose(model.party("north").no_deal, [[0.3], [0.5]])


def test_a_problem_elsewhere_in_the_file_is_not_blamed_on_an_event():
    # North's position (0.5 on a) lies outside its own red line [0, 0.2]: a problem of the
    # file, not of the event, which is named once, at its own path.
    good = {"name": "e", "round": 2, "set": {"parties.south.capability": 2.0}}
    message = refused(good, parties={"north": {"position": {"a": 0.5, "b": 0.1}}})
    assert "parties.north.position.a" in message
    assert "events.0" not in message
