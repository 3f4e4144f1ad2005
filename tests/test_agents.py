"""Tests for sim.agents and sim.bodies: parties' decision rules, troika, sponsor and vote.

Models are built from tiny YAML scenarios (see conftest.py); each expectation is computed by
hand in the comment next to it.
"""

from __future__ import annotations

import numpy as np
from conftest import (
    HOLDOUT_ABSTAIN,
    HOLDOUT_ISSUE_A,
    HOLDOUT_NO,
    make_model,
    merge,
    party,
    voting_scenario,
)

from sim.agents import Ties, concession_by_salience
from sim.model import NegotiationModel
from sim.voting import ABSTAIN, NO, YES

# --- concession by salience ------------------------------------------------------------------


def test_equal_salience_concedes_fully_everywhere():
    np.testing.assert_allclose(concession_by_salience(np.full((3, 1), 1 / 3)), np.ones((3, 1)))


def test_concession_is_least_salience_over_salience():
    # s_min = 0.1: (0.1 / 0.7, 0.1 / 0.1, 0.1 / 0.2) = (1/7, 1, 1/2)
    result = concession_by_salience(np.array([[0.7], [0.1], [0.2]]))
    np.testing.assert_allclose(result, [[1 / 7], [1.0], [0.5]])


def test_issue_without_salience_concedes_fully():
    # Positive saliences 0.75 and 0.25: s_min = 0.25 -> (0.25 / 0.75, 1); the zero issue -> 1.
    result = concession_by_salience(np.array([[0.75], [0.25], [0.0]]))
    np.testing.assert_allclose(result, [[1 / 3], [1.0], [1.0]])


# --- a party built from the scenario ---------------------------------------------------------


def test_party_keeps_its_absolute_salience_and_fills_defaults():
    model = make_model(
        parties={"north": {"salience": {"a": 0.75, "b": 0.25}, "red_lines": None}},
    )
    north = model.party("north")
    # Salience as given, (0.75, 0.25); concession (0.25 / 0.75, 1) = (1/3, 1).
    np.testing.assert_allclose(north.salience, [[0.75], [0.25]])
    np.testing.assert_allclose(north.concession, [[1 / 3], [1.0]])
    # No red lines: [0, 1] on every issue. No no-deal point: the status quo (0.5, 0.5).
    np.testing.assert_allclose(north.red_low, [[0.0], [0.0]])
    np.testing.assert_allclose(north.red_high, [[1.0], [1.0]])
    np.testing.assert_allclose(north.no_deal, [[0.5], [0.5]])
    assert north.disputant
    assert not model.party("broker").disputant


def test_party_position_is_issues_by_replicates():
    # Project convention: a point is (K, R); the base scenario has K = 2, and R = 4 here.
    model = make_model(replicates=4)
    position = model.party("south").position
    assert position.shape == (2, 4)
    np.testing.assert_allclose(position, np.full((2, 4), 0.9))


# --- accepting a proposal --------------------------------------------------------------------


def accepts(proposals: list[tuple[float, float]], **north) -> list[bool]:
    """North's answers to one proposal per replicate, north at (0, 0) with a = [0, 0.4]."""
    spec = {"position": {"a": 0.0, "b": 0.0}, "red_lines": {"a": [0.0, 0.4]}, **north}
    model = make_model(replicates=len(proposals), parties={"north": spec})
    points = np.array(proposals, dtype=float).T
    return model.party("north").accepts(points).tolist()


def test_accepts_inside_red_lines_and_no_worse_than_no_deal():
    # North at (0, 0), equal salience 0.5; no-deal point = status quo (0.5, 0.5):
    # U(no deal) = -(0.25 + 0.25) = -0.5.
    # (0.3, 0.6): inside, U = -(0.15 + 0.3) = -0.45 >= -0.5          -> accept
    # (0.3, 0.8): inside, U = -(0.15 + 0.4) = -0.55 <  -0.5          -> refuse
    # (0.2, 0.8): inside, U = -(0.1 + 0.4)  = -0.5  == -0.5 (a tie)  -> accept
    assert accepts([(0.3, 0.6), (0.3, 0.8), (0.2, 0.8)]) == [True, False, True]


def test_refuses_a_better_proposal_across_a_red_line():
    # (0.45, 0.0): U = -0.225 > -0.5, but a = 0.45 > 0.4, outside the red line -> refuse.
    # (0.41, 0.0): U = -0.205, a just outside -> refuse.
    assert accepts([(0.45, 0.0), (0.41, 0.0)]) == [False, False]


def test_accepts_a_proposal_exactly_on_the_red_line():
    # (0.4, 0.5): on the boundary a = 0.4; U = -(0.2 + 0.25) = -0.45 >= -0.5 -> accept.
    # Lower boundary: red line a in [0.1, 0.4], proposal (0.1, 0.1): U = -0.1 -> accept.
    assert accepts([(0.4, 0.5)]) == [True]
    assert accepts([(0.1, 0.1)], red_lines={"a": [0.0, 0.4]}) == [True]
    assert accepts(
        [(0.1, 0.1), (0.05, 0.1)],
        position={"a": 0.2, "b": 0.0},
        red_lines={"a": [0.1, 0.4]},
    ) == [True, False]


def test_accepts_against_its_own_no_deal_point():
    # No-deal point (0.1, 0.1): U(no deal) = -(0.05 + 0.05) = -0.1.
    # (0.1, 0.0): U = -0.05 -> accept;  (0.2, 0.0): U = -0.1 -> accept (tie);
    # (0.3, 0.0): U = -0.15 -> refuse.
    result = accepts([(0.1, 0.0), (0.2, 0.0), (0.3, 0.0)], no_deal={"a": 0.1, "b": 0.1})
    assert result == [True, True, False]


# --- the unilateral hazard -------------------------------------------------------------------


def hazard_model(**option):
    spec = {"point": {"a": 0.9, "b": 0.9}, "earliest_round": 3, **option}
    return make_model(replicates=3, unilateral={"south": spec})


def test_no_hazard_before_the_earliest_round_or_without_an_option():
    model = hazard_model(base_rate=0.5, growth=0.1)
    backing = np.array([1.0, 0.5, 0.0])
    south, north = model.party("south"), model.party("north")
    assert not south.may_act(2)
    assert south.may_act(3)
    np.testing.assert_array_equal(south.unilateral_hazard(2, backing), [0.0, 0.0, 0.0])
    assert not north.may_act(10)
    np.testing.assert_array_equal(north.unilateral_hazard(10, backing), [0.0, 0.0, 0.0])


def test_hazard_grows_with_deadlock_and_scales_with_backing():
    # base 0.1, growth 0.05, earliest round 3:
    # round 3: min(1, 0.1)              = 0.1  -> x (1, 0.5, 0) = (0.1, 0.05, 0)
    # round 5: min(1, 0.1 + 0.05 * 2)   = 0.2  -> (0.2, 0.1, 0)
    # round 40: min(1, 0.1 + 0.05 * 37) = 1    -> (1, 0.5, 0)
    model = hazard_model(base_rate=0.1, growth=0.05)
    backing = np.array([1.0, 0.5, 0.0])
    south = model.party("south")
    np.testing.assert_allclose(south.unilateral_hazard(3, backing), [0.1, 0.05, 0.0])
    np.testing.assert_allclose(south.unilateral_hazard(5, backing), [0.2, 0.1, 0.0])
    np.testing.assert_allclose(south.unilateral_hazard(40, backing), [1.0, 0.5, 0.0])


# --- the troika ------------------------------------------------------------------------------


def troika_model(rule: str, **changes):
    """North (capability 1, equal salience), south (capability 3, salience (0.75, 0.25))."""
    base = {
        "parties": {
            "north": {"capability": 1.0},
            "south": {"capability": 3.0, "salience": {"a": 0.75, "b": 0.25}},
        },
        "mediation": {"rule": rule},
    }
    return make_model(replicates=2, **merge(base, changes))


def test_troika_weighted_mean_uses_capability_times_salience():
    # Weights: north 1 x (0.5, 0.5) = (0.5, 0.5); south 3 x (0.75, 0.25) = (2.25, 0.75).
    # North at (0.1, 0.1), south at (0.9, 0.9):
    # a: (0.5 * 0.1 + 2.25 * 0.9) / 2.75 = 2.075 / 2.75 = 0.754545...
    # b: (0.5 * 0.1 + 0.75 * 0.9) / 1.25 = 0.725 / 1.25 = 0.58
    result = troika_model("weighted_mean").troika.compromise()
    np.testing.assert_allclose(result, [[2.075 / 2.75] * 2, [0.58] * 2])


def test_troika_median_is_weighted_by_capability_times_salience():
    # Weights north (0.5, 0.5), south (2.25, 0.75); north at 0.1, south at 0.9 on both issues.
    # a: half of 2.75 is 1.375 > 0.5 (north's weight): the median is south's 0.9;
    # b: half of 1.25 is 0.625 > 0.5: again 0.9. (Unweighted it would be the midpoint 0.5.)
    np.testing.assert_allclose(troika_model("median").troika.compromise(), np.full((2, 2), 0.9))


def test_troika_nash_uses_the_disputants_no_deal_points():
    # The logroll case of test_mediation: north at (0, 0) with salience (0.75, 0.25) and
    # no-deal point (0.4, 0): d1 = -(0.75 * 0.4) = -0.3; south at (1, 1) with salience
    # (0.25, 0.75) and no-deal point (0.6, 0.2): d2 = -(0.25 * 0.4 + 0.75 * 0.8) = -0.7.
    # Nash solution (0, 0.8).
    parties = {
        "north": party(0.0, 0.0, salience={"a": 0.75, "b": 0.25}, no_deal={"a": 0.4, "b": 0.0}),
        "south": party(1.0, 1.0, salience={"a": 0.25, "b": 0.75}, no_deal={"a": 0.6, "b": 0.2}),
    }
    model = make_model(replicates=2, parties=parties, mediation={"rule": "nash"})
    np.testing.assert_allclose(model.troika.compromise(), [[0.0, 0.0], [0.8, 0.8]], atol=1e-6)


def test_troika_proposal_leans_toward_a_biased_mediator():
    # Weighted median compromise (0.9, 0.9); broker at (1, 0.5) with bias 0.5:
    # (0.9 + 0.5 * 0.1, 0.9 + 0.5 * -0.4) = (0.95, 0.7).
    model = troika_model(
        "median",
        mediation={"mediators": {"broker": {"bias": 0.5}}},
        parties={"broker": party(1, 0.5)},
    )
    proposal = model.troika.propose()
    np.testing.assert_allclose(proposal.point, [[0.95, 0.95], [0.7, 0.7]])
    assert proposal.united.all()


def test_troika_sits_from_first_round_to_deadline():
    model = make_model(mediation={"first_round": 2, "deadline": 4})
    assert [model.troika.in_session(r) for r in range(1, 6)] == [False, True, True, True, False]
    # Without a deadline the talks run to the horizon (6).
    model = make_model()
    assert model.troika.in_session(6)
    assert not model.troika.in_session(7)


# --- the sponsor's strategy (Council.prepare) ------------------------------------------------


def voting_model(holdout, strategy="table_anyway", **changes) -> NegotiationModel:
    """Two replicates of the 15-seat voting scenario of conftest."""
    return NegotiationModel(voting_scenario(holdout, strategy, **changes), replicates=2)


def prepared(model):
    draft, tabled, withdrawn, amendments = model.council.prepare()
    return draft, tabled.tolist(), withdrawn.tolist(), amendments.tolist()


def test_sponsor_tables_anyway():
    draft, tabled, withdrawn, amendments = prepared(voting_model(HOLDOUT_NO))
    np.testing.assert_allclose(draft, [[0.9, 0.9], [0.9, 0.9]])
    assert (tabled, withdrawn, amendments) == ([True, True], [False, False], [0, 0])


def test_sponsor_withdraws_when_a_permanent_member_is_expected_to_vote_no():
    model = voting_model(HOLDOUT_NO, "withdraw_if_veto_expected")
    expected = model.council.expected_vetoers(model.council.draft)
    assert expected[:, 0].tolist() == [True] + [False] * 14
    _, tabled, withdrawn, amendments = prepared(model)
    assert (tabled, withdrawn, amendments) == ([False, False], [True, True], [0, 0])


def test_sponsor_tables_when_no_veto_is_expected():
    # An expected abstention by a permanent member is no veto; elected members' no votes
    # (no1..no5) are not vetoes either.
    _, tabled, withdrawn, _ = prepared(voting_model(HOLDOUT_ABSTAIN, "withdraw_if_veto_expected"))
    assert (tabled, withdrawn) == ([True, True], [False, False])


def test_sponsor_amends_toward_the_expected_vetoer_until_no_veto_is_expected():
    # Holdout at (0, 0.9), weight on a only; status quo (0.5, 0.5), draft (0.9, 0.9), step 0.25.
    # Sponsor at (0.9, 0.9), equal salience: U(status quo) = -0.4.
    # Amendment 1: a = 0.9 + 0.25 (0 - 0.9) = 0.675, b = 0.9 + 0.25 (0.9 - 0.9) = 0.9.
    #   Sponsor: -(0.5 * 0.225) = -0.1125 >= -0.4, so it amends. Holdout: -0.675 + 0.5 = -0.175: no.
    # Amendment 2: a = 0.675 + 0.25 (0 - 0.675) = 0.50625, b = 0.9.
    #   Sponsor: -(0.5 * 0.39375) = -0.196875 >= -0.4. Holdout: -0.50625 + 0.5 = -0.00625: abstain.
    # No veto expected: tabled after 2 amendments.
    # Replicate 1: the holdout is moved to the draft (0.9, 0.9): no veto, nothing to amend.
    model = voting_model(HOLDOUT_ISSUE_A, "amend_to_avoid_veto")
    model.positions[model.party("holdout").index, :, 1] = [0.9, 0.9]
    draft, tabled, withdrawn, amendments = prepared(model)
    np.testing.assert_allclose(draft, [[0.50625, 0.9], [0.9, 0.9]])
    assert (tabled, withdrawn, amendments) == ([True, True], [False, False], [2, 0])


def test_sponsor_amends_toward_the_mean_of_several_expected_vetoers():
    # Holdout at (0, 0) and perm3 at (0.2, 0.2): both permanent, both expect net -0.4 or worse
    # (perm3: -0.7 + 0.3 = -0.4): no. Their mean position is (0.1, 0.1).
    # Amendment 1 (the only one allowed): 0.9 + 0.25 (0.1 - 0.9) = 0.7 on both issues;
    # sponsor -0.2 >= -0.4. Holdout: -0.7 + 0.5 = -0.2: still no: withdrawn.
    model = voting_model(
        {"position": {"a": 0.0, "b": 0.0}},
        "amend_to_avoid_veto",
        parties={"perm3": party(0.2, 0.2)},
        council={"max_amendments": 1},
    )
    assert model.council.expected_vetoers(model.council.draft)[:3, 0].tolist() == [
        True,
        False,
        True,
    ]
    draft, tabled, withdrawn, amendments = prepared(model)
    np.testing.assert_allclose(draft, np.full((2, 2), 0.7))
    assert (tabled, withdrawn, amendments) == ([False, False], [True, True], [1, 1])


def test_sponsor_stops_amending_rather_than_prefer_the_status_quo():
    # Holdout at (0, 0), equal salience; status quo (0.6, 0.6), so the sponsor at (0.9, 0.9)
    # has U(status quo) = -(0.15 + 0.15) = -0.3. Holdout: U(status quo) = -0.6.
    # Draft (0.9, 0.9): holdout net -0.9 + 0.6 = -0.3: no.
    # Amendment 1: 0.9 + 0.25 (0 - 0.9) = 0.675 on both issues.
    #   Sponsor: -0.225 >= -0.3: amends. Holdout: -0.675 + 0.6 = -0.075 < -0.05: still no.
    # Amendment 2 would be 0.675 * 0.75 = 0.50625: sponsor -0.39375 < -0.3: it stops.
    # A veto is still expected: withdrawn after 1 amendment, the draft at (0.675, 0.675).
    model = voting_model(
        {"position": {"a": 0.0, "b": 0.0}},
        "amend_to_avoid_veto",
        status_quo={"a": 0.6, "b": 0.6},
    )
    draft, tabled, withdrawn, amendments = prepared(model)
    np.testing.assert_allclose(draft, np.full((2, 2), 0.675))
    assert (tabled, withdrawn, amendments) == ([False, False], [True, True], [1, 1])


def test_sponsor_withdraws_when_amendments_run_out():
    # Holdout at (0, 0), status quo (0.5, 0.5), max_amendments 1:
    # amendment 1 gives (0.675, 0.675); sponsor -0.225 >= -0.4; holdout -0.675 + 0.5 = -0.175:
    # still no, and no amendment is left: withdrawn.
    model = voting_model(
        {"position": {"a": 0.0, "b": 0.0}},
        "amend_to_avoid_veto",
        council={"max_amendments": 1},
    )
    draft, tabled, withdrawn, amendments = prepared(model)
    np.testing.assert_allclose(draft, np.full((2, 2), 0.675))
    assert (tabled, withdrawn, amendments) == ([False, False], [True, True], [1, 1])


# --- the vote (Council.session) --------------------------------------------------------------


def test_permanent_no_with_nine_yes_is_a_veto():
    # Yes: sponsor, perm3..perm5 (4) + yes1..yes5 (5) = 9; no: holdout + no1..no5 = 6.
    session = voting_model(HOLDOUT_NO).council.session()
    record = session.record
    assert record.yes.tolist() == [9, 9]
    assert record.no.tolist() == [6, 6]
    assert record.abstain.tolist() == [0, 0]
    assert record.votes[:, 0].tolist() == [NO] + [YES] * 9 + [NO] * 5
    assert record.vetoed[:, 0].tolist() == [True] + [False] * 14
    assert session.adopted.tolist() == [False, False]


def test_permanent_abstention_is_not_a_veto():
    session = voting_model(HOLDOUT_ABSTAIN).council.session()
    record = session.record
    assert record.votes[0].tolist() == [ABSTAIN, ABSTAIN]
    assert (record.yes.tolist(), record.no.tolist(), record.abstain.tolist()) == (
        [9, 9],
        [5, 5],
        [1, 1],
    )
    assert not record.vetoed.any()
    assert session.adopted.tolist() == [True, True]


def test_without_the_veto_a_permanent_no_does_not_block():
    session = voting_model(HOLDOUT_NO, council={"veto": False}).council.session()
    record = session.record
    assert record.yes.tolist() == [9, 9]
    assert not record.vetoed.any()
    assert session.adopted.tolist() == [True, True]


def test_withdrawn_draft_has_no_vote():
    session = voting_model(HOLDOUT_NO, "withdraw_if_veto_expected").council.session()
    record = session.record
    assert record.withdrawn.tolist() == [True, True]
    assert not record.tabled.any()
    assert (record.votes == ABSTAIN).all()
    assert record.yes.tolist() == record.no.tolist() == record.abstain.tolist() == [0, 0]
    assert not record.vetoed.any()
    assert not session.adopted.any()


def test_amended_draft_is_what_the_members_vote_on():
    # From the amendment test: draft (0.50625, 0.9). Holdout abstains (net -0.00625).
    # Members at (0.9, 0.9): U = -(0.5 * 0.39375) = -0.196875 vs -0.4: +0.203: yes (9 of them).
    # no1..no5 at (0.1, 0.1): U = -(0.5 * 0.40625 + 0.5 * 0.8) = -0.603 vs -0.4: no.
    session = voting_model(HOLDOUT_ISSUE_A, "amend_to_avoid_veto").council.session()
    record = session.record
    np.testing.assert_allclose(session.draft[:, 0], [0.50625, 0.9])
    assert record.amendments.tolist() == [2, 2]
    assert (record.yes.tolist(), record.no.tolist(), record.abstain.tolist()) == (
        [9, 9],
        [5, 5],
        [1, 1],
    )
    assert session.adopted.tolist() == [True, True]


def test_ties_sum_the_same_layer_by_layer_and_tie_by_tie(monkeypatch):
    # Both ways add each party's ties in the same order, so they agree to the last bit.
    rng = np.random.default_rng(5)
    weights = np.where(rng.random((6, 6)) < 0.5, rng.uniform(-1, 1, (6, 6)), 0.0)
    np.fill_diagonal(weights, 0.0)
    ties = Ties(weights)
    values = rng.random((6, 3, 50))
    monkeypatch.setattr("sim.agents.LAYERED_UP_TO", 10**9)
    layered = ties.sum(values)
    monkeypatch.setattr("sim.agents.LAYERED_UP_TO", 0)
    one_by_one = ties.sum(values)
    np.testing.assert_array_equal(layered, one_by_one)
    np.testing.assert_allclose(layered, np.einsum("ij,jkl->ikl", weights, values), atol=1e-12)


def test_under_the_literal_reading_a_permanent_abstention_is_a_veto():
    # The same vote as above with abstention: a_veto ("concurring votes" read literally):
    # the holdout's abstention blocks a draft that has nine votes, and is recorded as a veto.
    model = voting_model(HOLDOUT_ABSTAIN, council={"abstention": "a_veto"})
    session = model.council.session()
    assert session.record.vetoed[:, 0].tolist() == [True] + [False] * 14
    assert session.adopted.tolist() == [False, False]
    # The sponsor expects it: the holdout is an expected vetoer of the draft.
    draft = np.broadcast_to(model.council.draft, (2, 2))
    assert model.council.expected_vetoers(draft)[0].tolist() == [True, True]


def test_a_member_who_has_left_does_not_vote():
    # From round 2 the holdout's seat is empty: 14 members sit, and nine yes adopt.
    seats = [member.name for member in voting_model(HOLDOUT_NO).council.members]
    term = {"terms": [{"from_round": 2, "members": seats[1:]}], "sessions": [2]}
    model = voting_model(HOLDOUT_NO, council=term)
    model.step()
    model.step()
    record = model.council_log.at(0)
    assert record.votes[0].tolist() == [ABSTAIN, ABSTAIN]  # not a member: no vote
    assert record.yes.tolist() == [9, 9] and record.no.tolist() == [5, 5]
    assert not record.vetoed.any() and model.adopted.all()


def test_a_term_listing_its_members_in_another_order_weighs_each_vote_by_its_member():
    # North (weight 10) votes yes on a draft at its own position, south and broker (1 each)
    # vote no: 10 of 12 votes meet a quota of 10 weighted votes in either order of the list.
    council = {
        "voting": "majority",
        "members": ["north", "south", "broker"],
        "weights": {"north": 10, "south": 1, "broker": 1},
        "threshold": 1,
        "weight_threshold": 10,
        "terms": [{"from_round": 2, "members": ["south", "broker", "north"]}],
        "sponsor": "north",
        "draft": {"a": 0.1, "b": 0.1},
    }
    for round_ in (1, 2):  # before and after the term that lists the members anew
        model = make_model(replicates=2, council={**council, "sessions": [round_]})
        for _ in range(round_):
            model.step()
        record = model.council_log.at(0)
        assert record.votes[:, 0].tolist() == [YES, NO, NO]  # in seat order
        assert record.yes.tolist() == [1, 1] and record.no.tolist() == [2, 2]
        assert model.adopted.all()
