"""Tests for sim.model: the round, its rules over all parties, outcomes and records.

Small cases are built from tiny YAML scenarios (see conftest.py) and computed by hand in the
comment next to each expectation; the Kosovo scenario is checked as a seeded regression; the
invariants are checked with hypothesis.
"""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import mesa
import numpy as np
import pytest
from conftest import (
    HOLDOUT_ABSTAIN,
    HOLDOUT_ISSUE_A,
    HOLDOUT_NO,
    kosovo,
    make_model,
    merge,
    party,
    voting_scenario,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.mediation import Proposal
from sim.model import NegotiationModel, run_scenario
from sim.records import Outcome, RunRecords, SessionRecord
from sim.scenario import load_scenario, validate_scenario, with_overrides
from sim.voting import ABSTAIN, NO, YES


def where(model: NegotiationModel, name: str) -> np.ndarray:
    """A party's live positions, (K, L)."""
    return model.positions[model.party(name).index]


def joint(point=(0.5, 0.5), united=(True,)) -> Proposal:
    """A troika proposal at `point` in every replicate, united or split per replicate."""
    united = np.array(united)
    column = np.array(point, dtype=float)[:, None]
    points = np.broadcast_to(column, (len(point), len(united))).copy()
    return Proposal(point=points, united=united, members=points[None].copy())


def updated(proposal=None, round_=1, replicates=1, **changes) -> NegotiationModel:
    """A model after one stance update in round `round_`."""
    model = make_model(replicates=replicates, **changes)
    model.parties.concede(proposal, round_)
    return model


# --- stance update ---------------------------------------------------------------------------


def test_alliance_pull_is_capability_weighted():
    # North (c 1, flex 0.5) at (0, 0.2); ally (c 3, flex 0.5) at (0.8, 0.6); strength 0.6.
    # A_north,ally = 0.6 * 3 / (1 + 3) = 0.45;  A_ally,north = 0.6 * 1 / 4 = 0.15.
    # North: 0.5 * 0.45 * (0.8, 0.4) = (0.18, 0.09)    -> (0.18, 0.29)
    # Ally:  0.5 * 0.15 * (-0.8, -0.4) = (-0.06, -0.03) -> (0.74, 0.57)
    model = updated(
        parties={
            "north": party(0.0, 0.2, flexibility=0.5, red_lines=None),
            "ally": party(0.8, 0.6, flexibility=0.5, capability=3.0),
        },
        alliances=[{"between": ["north", "ally"], "strength": 0.6}],
    )
    np.testing.assert_allclose(where(model, "north"), [[0.18], [0.29]])
    np.testing.assert_allclose(where(model, "ally"), [[0.74], [0.57]])
    np.testing.assert_allclose(where(model, "south"), [[0.9], [0.9]])
    np.testing.assert_allclose(where(model, "broker"), [[0.5], [0.5]])


def test_alliance_pulls_are_scaled_down_when_they_add_up_to_more_than_one():
    # North (c 1, flex 1) at (0, 0) tied with strength 1 to two allies of capability 3:
    # A = 1 * 3 / 4 = 0.75 each; row sum 1.5 > 1 -> scaled to 0.5 each.
    # North: 0.5 * (1, 1) + 0.5 * (0.6, 0.6) = (0.8, 0.8). (Unscaled: 1.2, clipped to 1.)
    model = updated(
        parties={
            "north": party(0.0, 0.0, flexibility=1.0, red_lines=None),
            "ally": party(1.0, 1.0, capability=3.0),
            "friend": party(0.6, 0.6, capability=3.0),
        },
        alliances=[
            {"between": ["north", "ally"], "strength": 1.0},
            {"between": ["north", "friend"], "strength": 1.0},
        ],
    )
    np.testing.assert_allclose(where(model, "north"), [[0.8], [0.8]])


def test_row_scaling_uses_the_absolute_sum_of_pulls():
    # North (c 1, flex 0.5) at (0.5, 0.5); ally (c 3) at (1, 1) strength +1, rival (c 3) at
    # (0, 0) strength -1: A = +0.75 and -0.75, absolute sum 1.5 -> +0.5 and -0.5.
    # Pull: 0.5 * (0.5, 0.5) - 0.5 * (-0.5, -0.5) = (0.5, 0.5); moved 0.5 * 0.5 = 0.25 -> 0.75.
    # (A signed sum of 0 would leave the row unscaled: 0.5 * 0.75 -> 0.875.)
    model = updated(
        parties={
            "north": party(0.5, 0.5, flexibility=0.5, red_lines=None),
            "ally": party(1.0, 1.0, capability=3.0),
            "rival": party(0.0, 0.0, capability=3.0),
        },
        alliances=[
            {"between": ["north", "ally"], "strength": 1.0},
            {"between": ["north", "rival"], "strength": -1.0},
        ],
    )
    np.testing.assert_allclose(where(model, "north"), [[0.75], [0.75]])


def test_rivals_push_each_other_apart():
    # North at (0.4, 0.4), south at (0.6, 0.6), both c 1 and flex 0.5, strength -0.5:
    # A = -0.5 * 1 / 2 = -0.25. North: 0.5 * -0.25 * (0.2, 0.2) = -0.025 -> 0.375;
    # south: +0.025 -> 0.625.
    model = updated(
        parties={
            "north": party(0.4, 0.4, flexibility=0.5, red_lines=None),
            "south": party(0.6, 0.6, flexibility=0.5, red_lines=None),
        },
        alliances=[{"between": ["north", "south"], "strength": -0.5}],
    )
    np.testing.assert_allclose(where(model, "north"), [[0.375], [0.375]])
    np.testing.assert_allclose(where(model, "south"), [[0.625], [0.625]])


def test_disputants_move_toward_a_united_proposal_only():
    # Proposal (0.5, 0.5), united in replicate 0 and split in replicate 1; pull 0.8, flex 0.5.
    # North (0.1, 0.1): 0.5 * 0.8 * 0.4 = 0.16 -> 0.26; south (0.9, 0.9) -> 0.74 (replicate 0).
    # Replicate 1: nobody moves. The broker (not a disputant, flex 0.5) never moves.
    model = updated(
        joint(united=(True, False)),
        replicates=2,
        parties={
            "north": {"flexibility": 0.5, "red_lines": None},
            "south": {"flexibility": 0.5, "red_lines": None},
            "broker": party(0.2, 0.2, flexibility=0.5),
        },
        mediation={"pull": 0.8},
    )
    np.testing.assert_allclose(where(model, "north"), [[0.26, 0.1], [0.26, 0.1]])
    np.testing.assert_allclose(where(model, "south"), [[0.74, 0.9], [0.74, 0.9]])
    np.testing.assert_allclose(where(model, "broker"), [[0.2, 0.2], [0.2, 0.2]])


def test_alliance_and_mediation_pulls_add_up_and_are_scaled_to_one():
    # North (c 1, flex 0.5) at (0, 0.2); ally (c 3) at (0.8, 0.6), strength 0.6 -> A = 0.45.
    # Alliance pull 0.45 * (0.8, 0.4) = (0.36, 0.18); mediation pull 1 * (0.5, 0.3).
    # Replicate 0 (united): weights 0.45 + 1 = 1.45 > 1, so the pulls are scaled by 1 / 1.45:
    #   moved 0.5 * (0.86, 0.48) / 1.45 = (0.43, 0.24) / 1.45 -> (0.2966, 0.2 + 0.1655).
    # Replicate 1 (split): alliance only, weight 0.45 <= 1: 0.5 * (0.36, 0.18) -> (0.18, 0.29).
    model = updated(
        joint(united=(True, False)),
        replicates=2,
        parties={
            "north": party(0.0, 0.2, flexibility=0.5, red_lines=None),
            "ally": party(0.8, 0.6, capability=3.0),
        },
        alliances=[{"between": ["north", "ally"], "strength": 0.6}],
    )
    np.testing.assert_allclose(
        where(model, "north"), [[0.43 / 1.45, 0.18], [0.2 + 0.24 / 1.45, 0.29]]
    )


@pytest.mark.parametrize("round_", [1, 2, 4, 10, 20])
def test_ripeness_does_not_grow_flexibility(round_):
    # Flexibility 0.2, ripeness 0.5, talks from round 2; north at 0.1, proposal at 0.5: north
    # moves 0.2 x 0.4 = 0.08 to 0.18 in every round, however long the stalemate has lasted
    # (ripeness is a cost of the stalemate now: test_stalemate.py).
    model = updated(
        joint(),
        round_=round_,
        parties={"north": {"flexibility": 0.2, "red_lines": None}},
        mediation={"first_round": 2},
        ripeness=0.5,
    )
    np.testing.assert_allclose(where(model, "north"), [[0.18], [0.18]])


def test_ripeness_is_each_disputants_default_stalemate_cost():
    # Ripeness 0.5: north's stalemate cost per round; south sets its own (0.1); the broker,
    # not a disputant, pays none. Talks from round 2: by round 4, 3 rounds of talks:
    # north 0.5 x 3 = 1.5, south 0.1 x 3 = 0.3.
    model = make_model(
        replicates=1,
        parties={"south": {"stalemate_cost": 0.1}},
        mediation={"first_round": 2},
        ripeness=0.5,
    )
    np.testing.assert_allclose(model.stalemate_cost, [[0.5], [0.1], [0.0]])
    for _ in range(4):
        model.step()
    assert model.running
    np.testing.assert_allclose(model.stalemate, [[1.5], [0.3]])
    np.testing.assert_allclose(model.party("north").pressure()[0], [1.5])
    assert model.party("broker").pressure() == (0.0, 0.0)


def test_stance_update_does_not_depend_on_the_batch_size():
    # One implementation for R = 1 and R = 50: a replicate updated alone must match the same
    # replicate updated in a batch, bit for bit (Kosovo's parties and alliances, no noise,
    # 50 different starting points inside the red lines).
    scenario = with_overrides(kosovo(), {"noise": 0.0})
    batch = NegotiationModel(scenario, replicates=50, seed=1)
    low = np.array([p.red_low for p in batch.parties])
    high = np.array([p.red_high for p in batch.parties])
    start = np.clip(np.random.default_rng(0).uniform(size=batch.positions.shape), low, high)
    batch.positions = start.copy()
    batch.parties.concede(None, 1)
    for replicate in range(50):
        alone = NegotiationModel(scenario, replicates=1, seed=1)
        alone.positions = start[..., [replicate]].copy()
        alone.parties.concede(None, 1)
        np.testing.assert_array_equal(
            alone.positions, batch.positions[..., [replicate]], err_msg=f"replicate {replicate}"
        )


def test_concession_factor_holds_firm_on_salient_issues():
    # North salience (2/3, 1/3) -> concession (1/3 / 2/3, 1) = (0.5, 1); flex 0.5.
    # a: 0.1 + 0.5 * 0.5 * 0.4 = 0.2;  b: 0.1 + 0.5 * 1 * 0.4 = 0.3.
    model = updated(
        joint(),
        parties={
            "north": {"flexibility": 0.5, "red_lines": None, "salience": {"a": 2 / 3, "b": 1 / 3}}
        },
    )
    np.testing.assert_allclose(where(model, "north"), [[0.2], [0.3]])


def test_stances_are_clipped_into_red_lines():
    # Flex 1 toward (0.5, 0.5): north would reach (0.5, 0.5) but a is capped at 0.2;
    # south would reach (0.5, 0.5) but a is floored at 0.8.
    model = updated(
        joint(),
        parties={"north": {"flexibility": 1.0}, "south": {"flexibility": 1.0}},
    )
    np.testing.assert_allclose(where(model, "north"), [[0.2], [0.5]])
    np.testing.assert_allclose(where(model, "south"), [[0.8], [0.5]])


def test_stance_noise_drifts_disputants_only():
    # Noise sd 0.1 per issue on the disputants; nobody else drifts. 4000 replicates at
    # 0.5 (five sd from any bound): the sample sd's standard error is about
    # 0.1 / sqrt(2 * 4000) = 0.0011; tolerance 4 standard errors.
    model = updated(
        replicates=4000,
        seed=3,
        parties={"north": party(0.5, 0.5, red_lines=None)},
        noise=0.1,
    )
    drift = where(model, "north") - 0.5
    assert drift.std() == pytest.approx(0.1, abs=4 * 0.1 / np.sqrt(2 * drift.size))
    assert abs(drift.mean()) < 4 * 0.1 / np.sqrt(drift.size)
    np.testing.assert_array_equal(where(model, "broker"), 0.5)


# --- judging a text --------------------------------------------------------------------------


def patron_model(replicates=1, **changes) -> NegotiationModel:
    """Base parties plus `patron` (c 3, at (0.9, 0.9)) allied with north (c 1) at 0.6."""
    base = {
        "parties": {"patron": party(0.9, 0.9, capability=3.0)},
        "alliances": [{"between": ["north", "patron"], "strength": 0.6}],
    }
    return make_model(replicates=replicates, **merge(base, changes))


def test_net_utility_is_utility_over_the_status_quo():
    # Text (0.2, 0.4); status quo (0.5, 0.5); equal salience.
    # North (0.1, 0.1): -(0.05 + 0.15) + 0.4 = 0.2.   South (0.9, 0.9): -(0.35 + 0.25) + 0.4 = -0.2.
    # Broker (0.5, 0.5): -(0.15 + 0.05) + 0 = -0.2.  Patron (0.9, 0.9): -0.2.
    net = patron_model().parties.net_utility(np.array([[0.2], [0.4]]))
    np.testing.assert_allclose(net[:, 0], [0.2, -0.2, -0.2, -0.2])


def test_judge_by_band_and_patron():
    # Parties: north, south, broker, patron (north's patron: more capable, strength 0.6).
    # Band 0.05; patron alignment 0.1: north's score gets 0.1 * 0.6 * patron's stance = 0.06.
    net = np.array(
        [
            # c0: no patron stance (0: abstain); 0.06 > 0.05 yes, -0.06 no, +-0.05 abstain
            # c1: patron yes -> north 0 + 0.06 > 0.05: yes (nudged from abstain)
            # c2: patron no  -> north 0 - 0.06 < -0.05: no
            # c3: north yes does not move its more capable patron: abstain
            # c4: patron yes, north -0.02 + 0.06 = 0.04: still abstain
            [0.06, 0.0, 0.0, 0.3, -0.02],
            [-0.06, 0.0, 0.0, 0.0, 0.0],
            [0.05, -0.05, 0.0, 0.0, 0.0],
            [0.0, 0.3, -0.3, 0.0, 0.3],
        ]
    )
    codes = patron_model().parties.judge(net)
    assert codes.dtype == np.int8
    np.testing.assert_array_equal(
        codes,
        [
            [YES, YES, NO, YES, ABSTAIN],
            [NO, ABSTAIN, ABSTAIN, ABSTAIN, ABSTAIN],
            [ABSTAIN, ABSTAIN, ABSTAIN, ABSTAIN, ABSTAIN],
            [ABSTAIN, YES, NO, ABSTAIN, YES],
        ],
    )


def test_judge_without_noise_is_deterministic():
    # Decision noise sd 0.5 is large; the forecast (no random terms) leaves it out entirely.
    model = patron_model(decision={"noise": 0.5}, replicates=500)
    net = np.tile(np.array([[0.06], [-0.06], [0.0], [0.3]]), (1, 500))
    first = model.parties.judge(net)
    np.testing.assert_array_equal(first, model.parties.judge(net))
    # North 0.06 + 0.1 * 0.6 * (patron yes) = 0.12: yes; south -0.06: no; broker 0: abstain.
    expected = np.array([[YES], [NO], [ABSTAIN], [YES]])
    np.testing.assert_array_equal(first, np.broadcast_to(expected, first.shape))
    terms = model.parties.random_terms(np.arange(500))
    assert terms.shape == (4, 500)
    noisy = model.parties.judge(net, terms)
    assert (noisy != first).any()
    # The same terms give the same judgement: the randomness is all in the terms.
    np.testing.assert_array_equal(noisy, model.parties.judge(net, terms))


def test_no_random_terms_without_decision_noise():
    assert patron_model(decision={"noise": 0.0}).parties.random_terms(np.arange(5)) is None


# --- the vote in the run ---------------------------------------------------------------------


def vote_run(holdout, strategy="table_anyway", replicates=3, **changes) -> RunRecords:
    """Run the 15-seat voting scenario of conftest (one session in round 2, horizon 3)."""
    return run_scenario(voting_scenario(holdout, strategy, **changes), replicates=replicates)


def test_veto_is_recorded_and_blocks_the_resolution():
    # 9 yes, holdout (permanent) votes no: vetoed; nothing else ends it -> deadlock at round 3.
    records = vote_run(HOLDOUT_NO)
    assert records.sessions == (2,)
    assert records.members[0] == "holdout"
    assert records.council.vetoed[0, 0].tolist() == [True] * 3
    assert not records.council.vetoed[0, 1:].any()
    assert records.vetoed_by() == [("holdout",)] * 3
    assert records.council.yes[0].tolist() == [9] * 3
    assert records.council.no[0].tolist() == [6] * 3
    assert (records.outcome != Outcome.RESOLUTION).all()
    assert records.outcome.tolist() == [Outcome.DEADLOCK] * 3
    assert records.end_round.tolist() == [3] * 3


OPEN_LINES = {"parties": {"north": {"red_lines": None}}}
"""North's red lines opened: the draft (0.9, 0.9) lies inside both disputants' red lines (south
holds [0.8, 1] on a), while the troika's proposal (0.5, 0.5) still crosses south's, so the talks
cannot end the run before the Council sits."""


def test_adopted_draft_accepted_by_every_disputant_ends_the_run_as_a_resolution():
    # Holdout abstains: 9 yes, 5 no, 1 abstain, no veto -> adopted in round 2 at the draft,
    # inside every disputant's red lines -> accepted: the run ends as a resolution.
    records = vote_run(HOLDOUT_ABSTAIN, **OPEN_LINES)
    assert records.outcome.tolist() == [Outcome.RESOLUTION] * 3
    assert records.end_round.tolist() == [2] * 3
    np.testing.assert_allclose(records.point, np.full((3, 2), 0.9))
    assert records.council.abstain[0].tolist() == [1] * 3
    assert not records.council.vetoed.any()
    assert records.counts() == {"agreement": 0, "resolution": 3, "unilateral": 0, "deadlock": 0}
    assert records.adopted.tolist() == records.accepted.tolist() == [True] * 3
    frame = records.to_frame()
    assert frame["resolution_adopted"].tolist() == [True] * 3
    assert frame["resolution_accepted"].tolist() == [True] * 3


def test_adopted_draft_a_disputant_rejects_does_not_end_the_run():
    # Same vote, but north keeps its red line [0, 0.2] on a: the draft's 0.9 crosses it, so
    # north rejects the resolution. The run goes on (deadlock at the horizon, round 3), and
    # the Council, having adopted a resolution, does not sit again in round 3.
    records = vote_run(HOLDOUT_ABSTAIN, council={"sessions": [2, 3]})
    assert records.council.tabled[0].tolist() == [True] * 3
    assert records.council.yes[0].tolist() == [9] * 3
    assert records.adopted.tolist() == [True] * 3
    assert records.accepted.tolist() == [False] * 3
    assert records.outcome.tolist() == [Outcome.DEADLOCK] * 3
    assert records.end_round.tolist() == [3] * 3
    assert np.isnan(records.point).all()
    session3 = records.sessions.index(3)
    assert not records.council.tabled[session3].any()
    assert not records.council.withdrawn[session3].any()
    assert records.council.yes[session3].tolist() == [0] * 3
    frame = records.to_frame()
    assert frame["resolution_adopted"].tolist() == [True] * 3
    assert frame["resolution_accepted"].tolist() == [False] * 3
    assert frame["session3.tabled"].tolist() == [False] * 3


@pytest.mark.parametrize(("cost", "accepted"), [(0.1, False), (0.2, True)])
def test_a_red_line_worn_down_by_the_stalemate_lets_a_disputant_accept(cost, accepted):
    # North states [0, 0.2] on a, with core [0, 1]; it loses `cost` per round of talks (from
    # round 1). In round 2 its pressure is 2 x cost, and its stated end moves out by
    # pressure / salience 0.5: cost 0.1 -> 0.2 + 0.4 = 0.6 < 0.9 (rejects: deadlock at 3);
    # cost 0.2 -> 0.2 + 0.8 = 1.0 >= 0.9 (accepts: a resolution in round 2).
    changes = {"parties": {"north": {"red_line_cores": {"a": [0.0, 1.0]}, "stalemate_cost": cost}}}
    records = vote_run(HOLDOUT_ABSTAIN, **changes)
    assert records.adopted.tolist() == [True] * 3
    assert records.accepted.tolist() == [accepted] * 3
    outcome, end = (Outcome.RESOLUTION, 2) if accepted else (Outcome.DEADLOCK, 3)
    assert records.outcome.tolist() == [outcome] * 3
    assert records.end_round.tolist() == [end] * 3


def test_withdrawn_draft_is_recorded_without_a_vote():
    records = vote_run(HOLDOUT_NO, "withdraw_if_veto_expected")
    assert records.council.withdrawn[0].tolist() == [True] * 3
    assert not records.council.tabled.any()
    for tally in (records.council.yes, records.council.no, records.council.abstain):
        assert tally[0].tolist() == [0] * 3
    assert not records.council.vetoed.any()
    assert records.outcome.tolist() == [Outcome.DEADLOCK] * 3
    frame = records.to_frame()
    assert frame["drafts_withdrawn"].tolist() == [1] * 3
    assert frame["session2.withdrawn"].tolist() == [True] * 3


def test_draft_is_tabled_when_no_veto_is_expected():
    records = vote_run(HOLDOUT_ABSTAIN, "withdraw_if_veto_expected", **OPEN_LINES)
    assert records.council.tabled[0].tolist() == [True] * 3
    assert not records.council.withdrawn.any()
    assert records.outcome.tolist() == [Outcome.RESOLUTION] * 3


def test_amended_draft_adopted_is_the_outcome_point():
    # See test_agents: two amendments move the draft to (0.50625, 0.9); the holdout (issue a
    # only) then abstains and the 9 yes votes adopt it in round 2. Both disputants' red lines
    # are open, so both accept it; the talks start in round 3, after the session (the
    # troika's proposal (0.5, 0.5) would otherwise be agreed in round 1).
    changes = {
        "parties": {"north": {"red_lines": None}, "south": {"red_lines": None}},
        "mediation": {"first_round": 3},
    }
    records = vote_run(HOLDOUT_ISSUE_A, "amend_to_avoid_veto", **changes)
    assert records.council.amendments[0].tolist() == [2] * 3
    assert records.outcome.tolist() == [Outcome.RESOLUTION] * 3
    np.testing.assert_allclose(records.point, [[0.50625, 0.9]] * 3)


# --- unilateral action -----------------------------------------------------------------------

DECLARATION = {"a": 0.9, "b": 0.9}


def unilateral_model(replicates, seed=11, **option) -> NegotiationModel:
    """South may declare (0.9, 0.9); `friend` (c 3, at the declaration) would recognise it.

    Expected judgements of the declaration against the status quo (0.5, 0.5):
    north (0.1, 0.1): -0.8 + 0.4 = -0.4, no; broker (0.5, 0.5): -0.4 - 0 = -0.4, no;
    friend (0.9, 0.9): 0 + 0.4 = +0.4, yes. Backing = 3 / (1 + 1 + 3) = 0.6.
    """
    return make_model(
        replicates=replicates,
        seed=seed,
        parties={"friend": party(0.9, 0.9, capability=3.0)},
        unilateral={"south": {"point": DECLARATION, **option}},
    )


def test_certain_action_at_the_earliest_round_with_full_backing():
    # Everyone else at or near the declaration: north (0.8, 0.8): -0.1 + 0.3 = 0.2, yes;
    # broker (0.9, 0.9): yes; backing 1; base rate 1: hazard min(1, 1) x 1 = 1 in round 3,
    # 0 in rounds 1 and 2. Talks only start in round 6, so nothing else can end it.
    model = make_model(
        replicates=50,
        parties={
            "north": party(0.8, 0.8, red_lines=None),
            "broker": party(0.9, 0.9),
        },
        mediation={"first_round": 6},
        unilateral={"south": {"point": DECLARATION, "earliest_round": 3, "base_rate": 1.0}},
    )
    records = model.run()
    assert records.outcome.tolist() == [Outcome.UNILATERAL] * 50
    assert records.end_round.tolist() == [3] * 50
    np.testing.assert_allclose(records.point, np.full((50, 2), 0.9))
    recognisers = dict(zip(records.parties, records.recognised, strict=True))
    assert recognisers["north"].all()
    assert recognisers["broker"].all()
    assert not recognisers["south"].any()  # the actor does not recognise itself


def test_recognisers_are_recorded():
    # Base rate 1 x backing 0.6: hazard 0.6 from round 1; only friend recognises. Over the
    # horizon of 6 rounds, 0.4^6 = 0.4% never act: about 8 of 2000.
    records = unilateral_model(2000, base_rate=1.0).run()
    acted = records.outcome == Outcome.UNILATERAL
    assert acted.any()
    assert (~acted).any()
    recognisers = dict(zip(records.parties, records.recognised, strict=True))
    np.testing.assert_array_equal(recognisers["friend"], acted)
    for name in ("north", "south", "broker"):
        assert not recognisers[name].any()
    frame = records.to_frame()
    assert set(frame.loc[acted, "recognised_by"]) == {"friend"}
    assert set(frame.loc[~acted, "recognised_by"]) == {""}


def test_action_frequency_matches_the_hazard():
    # Earliest round 2, base 0.1, growth 0.1, backing 0.6, horizon 6:
    # round 1: 0; round r >= 2: (0.1 + 0.1 (r - 2)) x 0.6 = 0.06, 0.12, 0.18, 0.24, 0.30.
    # Among the replicates live at the start of round r, the share acting in round r should
    # be within 4 standard errors sqrt(h (1 - h) / n) of the hazard h.
    replicates = 20_000
    model = unilateral_model(replicates, seed=2024, earliest_round=2, base_rate=0.1, growth=0.1)
    records = model.run()
    acted = records.outcome == Outcome.UNILATERAL
    for round_ in range(1, 7):
        hazard = 0.0 if round_ == 1 else (0.1 + 0.1 * (round_ - 2)) * 0.6
        live = int((records.end_round >= round_).sum())
        acts = int((acted & (records.end_round == round_)).sum())
        tolerance = 4 * np.sqrt(hazard * (1 - hazard) / live)
        assert acts / live == pytest.approx(hazard, abs=tolerance), round_
    assert live > 5_000


# --- outcomes --------------------------------------------------------------------------------

AGREEABLE = {
    "status_quo": {"a": 0.0, "b": 1.0},
    "parties": {
        "north": party(0.4, 0.4, red_lines=None),
        "south": party(0.6, 0.6, red_lines=None),
    },
}
"""Proposal (0.5, 0.5): U = -0.1 for both; status quo (0, 1): -(0.2 + 0.3) = -0.5. Both accept."""


def test_agreement_when_every_disputant_accepts_a_united_proposal():
    model = make_model(replicates=3, **merge(AGREEABLE, {"mediation": {"first_round": 3}}))
    records = model.run()
    assert records.outcome.tolist() == [Outcome.AGREEMENT] * 3
    assert records.end_round.tolist() == [3] * 3
    np.testing.assert_allclose(records.point, np.full((3, 2), 0.5))
    assert records.proposals.tolist() == [1] * 3
    # Positions as they were when agreeing: gap 0.6 - 0.4 = 0.2 on both issues.
    np.testing.assert_allclose(records.gap, np.full((3, 2), 0.2))


def test_agreement_after_the_disputants_move():
    # North (0, 0), no-deal (0.1, 0.8); south (1, 1), no-deal (0.9, 0.2); flex 0.5.
    # Round 1: proposal (0.5, 0.5): north U = -0.5 < U(no deal) = -(0.05 + 0.4) = -0.45: refuse
    #   (south likewise). Both move 0.5 * 0.5 = 0.25: north (0.25, 0.25), south (0.75, 0.75).
    # Round 2: proposal (0.5, 0.5): north U = -0.25 >= -(0.075 + 0.275) = -0.35: accept
    #   (south likewise): agreement in round 2, after 2 proposals.
    records = make_model(
        replicates=2,
        parties={
            "north": party(0.0, 0.0, flexibility=0.5, red_lines=None, no_deal={"a": 0.1, "b": 0.8}),
            "south": party(1.0, 1.0, flexibility=0.5, red_lines=None, no_deal={"a": 0.9, "b": 0.2}),
        },
    ).run()
    assert records.outcome.tolist() == [Outcome.AGREEMENT] * 2
    assert records.end_round.tolist() == [2] * 2
    assert records.proposals.tolist() == [2] * 2
    np.testing.assert_allclose(records.point, np.full((2, 2), 0.5))
    np.testing.assert_allclose(records.gap, np.full((2, 2), 0.5))


@pytest.mark.parametrize(
    ("cohesion", "outcome"), [(0.1, Outcome.DEADLOCK), (1.0, Outcome.AGREEMENT)]
)
def test_split_troika_makes_no_proposal(cohesion, outcome):
    # Mediators at (0, 0) and (1, 1), bias 0.5 each, compromise (0.5, 0.5): their proposals
    # (0.25, 0.25) and (0.75, 0.75) differ by 0.5. Cohesion 0.1: split every round, no
    # proposal, deadlock. Cohesion 1: joint proposal (0.5, 0.5), agreed in round 1.
    changes = {
        "parties": {"broker": party(0.0, 0.0), "envoy": party(1.0, 1.0)},
        "mediation": {
            "mediators": {"broker": {"bias": 0.5}, "envoy": {"bias": 0.5}},
            "cohesion": cohesion,
        },
    }
    records = make_model(replicates=2, **merge(AGREEABLE, changes)).run()
    assert records.outcome.tolist() == [outcome] * 2
    if outcome == Outcome.AGREEMENT:
        np.testing.assert_allclose(records.point, np.full((2, 2), 0.5))
        assert records.end_round.tolist() == [1, 1]
    else:
        assert records.proposals.tolist() == [0, 0]


def test_deadlock_at_the_horizon():
    # Base: red lines on a exclude each other, nobody moves: deadlock in round 6 (horizon),
    # 6 united proposals, no point, gap 0.9 - 0.1 = 0.8 on both issues.
    records = make_model(replicates=3).run()
    assert records.outcome.tolist() == [Outcome.DEADLOCK] * 3
    assert records.end_round.tolist() == [6] * 3
    assert np.isnan(records.point).all()
    assert records.proposals.tolist() == [6] * 3
    np.testing.assert_allclose(records.gap, np.full((3, 2), 0.8))


def noisy_model(replicates=300, seed=5) -> NegotiationModel:
    """Movement, noise, a unilateral option and a Council: replicates end differently.

    North's red line on a ([0, 0.2]) has the core [0, 1]: under the stalemate's cost
    (ripeness 0.2 a round) it gives way enough by the session of round 2 (0.2 + 0.4 / 0.5)
    to accept the draft (0.9, 0.9) where the Council adopts it.
    """
    changes = {
        "parties": {
            "north": {"flexibility": 0.3, "red_line_cores": {"a": [0.0, 1.0]}},
            "south": {"flexibility": 0.3},
        },
        "alliances": [{"between": ["north", "south"], "strength": -0.3}],
        "unilateral": {"south": {"point": DECLARATION, "base_rate": 0.05, "growth": 0.02}},
        "decision": {"noise": 0.3},
        "noise": 0.1,
        "ripeness": 0.2,
        "horizon": 8,
    }
    return NegotiationModel(voting_scenario(HOLDOUT_ABSTAIN, **changes), replicates, seed)


def test_each_replicate_ends_exactly_once():
    model = noisy_model()
    previous = model.outcome.copy()
    while model.running:
        model.step()
        ended = previous != model.outcome
        assert (previous[ended] == Outcome.ONGOING).all()  # nothing is overwritten
        assert (model.end_round[ended] == model.steps).all()
        assert model.positions.shape[-1] == model.active.sum()
        previous = model.outcome.copy()
    assert not model.active.any()
    assert model.steps <= 8
    records = model.records()
    assert set(np.unique(records.outcome)) <= set(Outcome) - {Outcome.ONGOING}
    assert len(set(records.outcome.tolist())) >= 3  # the run really mixes outcomes


def test_records_frame_has_one_consistent_row_per_replicate():
    records = noisy_model().run()
    frame = records.to_frame()
    counts = records.counts()
    assert len(frame) == records.replicates == 300
    assert sum(counts.values()) == 300
    assert frame["replicate"].tolist() == list(range(300))
    assert frame["outcome"].value_counts().to_dict() == {k: v for k, v in counts.items() if v}
    for issue in ("a", "b"):
        assert frame[f"point.{issue}"].isna().tolist() == (frame["outcome"] == "deadlock").tolist()
        assert (frame[f"gap.{issue}"] >= 0).all()
        for name in records.parties:
            assert f"position.{name}.{issue}" in frame
    for column in ("tabled", "withdrawn", "amendments", "yes", "no", "abstain"):
        assert f"session2.{column}" in frame
    tallies = frame[["session2.yes", "session2.no", "session2.abstain"]].sum(axis=1)
    assert set(tallies) <= {0, 15}  # a full Council vote, or none
    assert (tallies == 15).tolist() == frame["session2.tabled"].tolist()
    assert (frame.loc[frame["outcome"] == "resolution", "session2.yes"] >= 9).all()
    assert (frame["end_round"].between(1, 8)).all()


def test_records_so_far_show_the_current_positions():
    # Mid-run records of a live replicate (the demo steps R = 1 and reads them): north
    # (flex 0.5) moves toward the proposal (0.5, 0.5), a clipped at its red line 0.2:
    # round 1: (0.1 + 0.2, 0.1 + 0.2) -> (0.2, 0.3); south (0.9 - 0.2, 0.9 - 0.2) -> (0.8, 0.7).
    # round 2: proposal ((0.2 + 0.8) / 2, (0.3 + 0.7) / 2) = (0.5, 0.5);
    #   north (0.2 + 0.15 -> 0.2, 0.3 + 0.1) = (0.2, 0.4); south (0.8, 0.6).
    # So positions so far: north (0.2, 0.4), south (0.8, 0.6); gap (0.6, 0.2).
    model = make_model(
        replicates=1, parties={"north": {"flexibility": 0.5}, "south": {"flexibility": 0.5}}
    )
    model.step()
    model.step()
    assert model.running
    records = model.records()
    assert records.outcome.tolist() == [Outcome.ONGOING]
    np.testing.assert_allclose(where(model, "north"), [[0.2], [0.4]])
    np.testing.assert_allclose(records.positions[0], [[0.2, 0.4]])
    np.testing.assert_allclose(records.positions[1], [[0.8, 0.6]])
    np.testing.assert_allclose(records.gap, [[0.6, 0.2]])


# --- reproducibility -------------------------------------------------------------------------

REPLICATE_AXIS = {
    "outcome": 0,
    "end_round": 0,
    "point": 0,
    "proposals": 0,
    "adopted": 0,
    "accepted": 0,
    "drawn_values": 1,
    "happened": 1,
    "council.tabled": 1,
    "council.withdrawn": 1,
    "council.amendments": 1,
    "council.yes": 1,
    "council.no": 1,
    "council.abstain": 1,
    "council.votes": 2,
    "council.vetoed": 2,
    "recognised": 1,
    "positions": 1,
    "gap": 0,
}
"""The replicate axis of each array in RunRecords (the Council's record's as `council.<field>`)."""


def record_arrays(records: RunRecords) -> dict[str, np.ndarray]:
    """Every array of `records` by name, the Council's record's arrays as `council.<field>`."""
    arrays = {}
    for field in dataclasses.fields(RunRecords):
        value = getattr(records, field.name)
        if isinstance(value, SessionRecord):
            for inner in dataclasses.fields(SessionRecord):
                arrays[f"{field.name}.{inner.name}"] = getattr(value, inner.name)
        elif isinstance(value, np.ndarray):
            arrays[field.name] = value
    return arrays


def assert_same_records(left: RunRecords, right: RunRecords) -> None:
    """Every field equal: arrays element by element (NaN equal to NaN) and of the same dtype."""
    left_arrays, right_arrays = record_arrays(left), record_arrays(right)
    assert left_arrays.keys() == right_arrays.keys()
    for name, a in left_arrays.items():
        b = right_arrays[name]
        assert a.dtype == b.dtype, name
        np.testing.assert_array_equal(a, b, err_msg=name)
    for field in dataclasses.fields(RunRecords):
        a, b = getattr(left, field.name), getattr(right, field.name)
        if not isinstance(a, np.ndarray | SessionRecord):
            assert a == b, field.name


def test_array_fields_are_all_known():
    arrays = set(record_arrays(make_model(replicates=1).records()))
    assert arrays == set(REPLICATE_AXIS)


def test_same_seed_same_records():
    assert_same_records(noisy_model(seed=9).run(), noisy_model(seed=9).run())
    assert_same_records(
        run_scenario(kosovo(), replicates=300, seed=1),
        run_scenario(kosovo(), replicates=300, seed=1),
    )


def test_different_seeds_differ_in_a_noisy_run():
    first, second = noisy_model(seed=1).run(), noisy_model(seed=2).run()
    assert not np.array_equal(first.outcome, second.outcome)
    assert not np.array_equal(first.positions, second.positions)
    first, second = (run_scenario(kosovo(), replicates=300, seed=s) for s in (1, 2))
    assert not np.array_equal(first.end_round, second.end_round)


def test_noise_free_replicates_do_not_depend_on_batching():
    # No stance noise, no decision noise, no unilateral option: every replicate is the same
    # deterministic run, whether run alone (R = 1) or in a batch of 50.
    changes = {
        "parties": {
            "north": {"flexibility": 0.3, "red_lines": {"a": [0.0, 0.3]}},
            "south": {"flexibility": 0.3, "red_lines": {"a": [0.7, 1.0]}},
            "perm3": {"flexibility": 0.2},
        },
        "alliances": [
            {"between": ["north", "south"], "strength": -0.3},
            {"between": ["perm3", "holdout"], "strength": 0.5},
        ],
        "ripeness": 0.2,
        "horizon": 5,
    }
    scenario = voting_scenario(HOLDOUT_NO, "amend_to_avoid_veto", **changes)
    batch = run_scenario(scenario, replicates=50, seed=1)
    assert batch.council.amendments.any()
    for replicate in range(50):
        alone = run_scenario(scenario, replicates=1, seed=100 + replicate)
        for name, axis in REPLICATE_AXIS.items():
            expected = np.take(record_arrays(batch)[name], [replicate], axis=axis)
            np.testing.assert_array_equal(record_arrays(alone)[name], expected, err_msg=name)


@pytest.mark.parametrize("rule", ["weighted_mean", "nash"])
def test_noise_free_replicates_with_many_issues_do_not_depend_on_batching(rule):
    # Nine issues: numpy would sum an issue axis of 8 or more pairwise for one replicate and
    # term by term for many, so each rule must sum in a fixed order. Replicates differ only in
    # nothing (no noise), so each R = 1 run must equal every column of the batch.
    rng = np.random.default_rng(11)
    issues = [f"i{k}" for k in range(9)]

    def point(values):
        return {issue: round(float(v), 3) for issue, v in zip(issues, values, strict=True)}

    names = ["a", "b", "c", "m", "p"]
    data = {
        "name": "nine_issues",
        "issues": {issue: "an issue" for issue in issues},
        "status_quo": point(rng.random(9)),
        "parties": {
            name: {
                "position": point(rng.random(9)),
                "salience": point(rng.random(9) * 0.9 + 0.1),
                "capability": float(rng.random() + 0.1),
                "flexibility": 0.3,
                "disputant": name in "abc",
            }
            for name in names
        },
        "alliances": [
            {"between": ["a", "p"], "strength": 0.7},
            {"between": ["b", "c"], "strength": -0.4},
        ],
        "mediation": {"mediators": {"m": {"bias": 0.2}, "p": {"bias": 0.1}}, "rule": rule},
        "council": {
            "members": names,
            "permanent": ["p"],
            "threshold": 3,
            "sessions": [3],
            "sponsor": "m",
            "draft": point(rng.random(9)),
            "strategy": "amend_to_avoid_veto",
        },
        "decision": {"noise": 0.0},
        "ripeness": 0.1,
        "horizon": 6,
    }
    scenario = validate_scenario(data)
    batch = run_scenario(scenario, replicates=4, seed=1)
    for replicate in range(4):
        alone = run_scenario(scenario, replicates=1, seed=replicate)
        for name, axis in REPLICATE_AXIS.items():
            expected = np.take(record_arrays(batch)[name], [replicate], axis=axis)
            np.testing.assert_array_equal(record_arrays(alone)[name], expected, err_msg=name)


# --- an ordinary Mesa model ------------------------------------------------------------------


def test_single_replicate_is_an_ordinary_mesa_model():
    model = make_model(replicates=1)
    assert isinstance(model, mesa.Model)
    assert model.steps == 0
    assert model.running
    assert len(model.agents) == len(model.parties) == 3
    assert set(model.agents) == set(model.parties)
    assert all(isinstance(agent, mesa.Agent) for agent in model.agents)
    assert model.party("north").position.shape == (2, 1)
    model.step()
    assert model.steps == model.round == 1
    assert model.running
    while model.running:
        model.step()
    assert model.steps == 6  # the horizon
    assert not model.running
    assert model.records().outcome.tolist() == [Outcome.DEADLOCK]


def test_rejects_zero_replicates():
    with pytest.raises(ValueError, match="replicates"):
        make_model(replicates=0)


# --- the Kosovo case -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kosovo_records() -> RunRecords:
    return run_scenario(kosovo(), replicates=2000, seed=20071219)


def test_kosovo_unilateral_is_the_most_frequent_outcome(kosovo_records):
    counts = kosovo_records.counts()
    assert sum(counts.values()) == 2000
    assert max(counts, key=counts.get) == "unilateral"


def test_kosovo_agreement_needs_red_lines_that_overlap(kosovo_records):
    # As in 2007, the red lines on sovereignty do not overlap: no agreement in any replicate.
    assert kosovo_records.counts()["agreement"] == 0
    # Open an overlap ([0.4, 0.6]), stated and core, and take away Kosovo's backed alternative
    # (its no-deal point becomes the status quo): the troika's proposal now lies inside both
    # red lines and beats both no-deal points, so the talks end in agreement.
    overlap = {
        "parties.kosovo.red_lines.sovereignty": [0.4, 1.0],
        "parties.kosovo.red_line_cores.sovereignty": [0.4, 1.0],
        "parties.serbia.red_lines.sovereignty": [0.0, 0.6],
        "parties.serbia.red_line_cores.sovereignty": [0.0, 0.6],
        "parties.kosovo.no_deal": kosovo().model_dump()["status_quo"],
    }
    records = run_scenario(with_overrides(kosovo(), overlap), replicates=500, seed=1)
    assert records.counts()["agreement"] == 500
    assert (records.end_round <= 18).all()


def test_kosovo_draft_withdrawn_at_session_20(kosovo_records):
    assert kosovo_records.sessions == (20,)
    reached = kosovo_records.end_round >= 20
    assert reached.sum() > 1000
    assert kosovo_records.council.withdrawn[0][reached].mean() >= 0.95
    assert not kosovo_records.council.withdrawn[0][~reached].any()


def test_kosovo_sovereignty_has_the_largest_final_gap(kosovo_records):
    mean_gap = kosovo_records.gap.mean(axis=0)
    assert kosovo_records.issues[int(np.argmax(mean_gap))] == "sovereignty"


def test_kosovo_median_declaration_is_in_the_week_of_17_february_2008(kosovo_records):
    # The calibration target (docs/ODD.md section 10): round 28 = 11-17 February 2008.
    declared = kosovo_records.end_round[kosovo_records.outcome == Outcome.UNILATERAL]
    assert 27 <= np.median(declared) <= 29


def test_kosovo_recognisers_follow_2008(kosovo_records):
    # Share of unilateral replicates in which each party recognises Kosovo.
    unilateral = kosovo_records.outcome == Outcome.UNILATERAL
    share = dict(
        zip(
            kosovo_records.parties,
            kosovo_records.recognised[:, unilateral].mean(axis=1),
            strict=True,
        )
    )
    for recogniser in ("usa", "eu", "uk", "france", "italy", "belgium", "peru"):
        assert share[recogniser] > 0.9, recogniser
    for refuser in ("serbia", "russia", "china", "indonesia", "south_africa", "kosovo"):
        assert share[refuser] < 0.1, refuser


# --- every scenario file, and what the counterfactuals show ---------------------------------

SCENARIO_FILES = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_every_scenario_file_runs_to_an_end(path):
    records = run_scenario(load_scenario(path), replicates=200, seed=3)
    assert (records.outcome != Outcome.ONGOING).all()
    assert sum(records.counts().values()) == 200
    assert len(records.to_frame()) == 200


def counterfactual(name: str) -> RunRecords:
    path = Path(__file__).resolve().parents[1] / "scenarios" / f"{name}.yaml"
    return run_scenario(load_scenario(path), replicates=2000, seed=20071219)


def test_tabling_the_draft_records_the_vetoes_the_withdrawal_hid():
    records = counterfactual("kosovo_2007_table_anyway")
    assert records.council.tabled[0].all() and not records.council.withdrawn[0].any()
    had_the_votes = records.council.yes[0] >= 9
    # Russia and China veto every draft with nine votes; a draft without them fails anyway.
    assert 0.2 < had_the_votes.mean() < 0.5
    vetoers = {tuple(v) for v, hit in zip(records.vetoed_by(), had_the_votes, strict=True) if hit}
    assert vetoers == {("china", "russia")}
    assert records.counts()["resolution"] == 0


def test_without_the_veto_the_draft_passes_when_it_has_nine_votes():
    records = counterfactual("kosovo_2007_no_veto")
    assert 0.2 < records.adopted.mean() < 0.5
    np.testing.assert_array_equal(records.adopted, records.council.yes[0] >= 9)
    # Adopted is not accepted: a resolution ends the dispute only where every disputant
    # accepts it, and Serbia's line on sovereignty (stated 0.4) barely gives way by round 20
    # (a stalemate cost of 0.001 a week against an audience cost of at least 0.02), far from
    # the draft's supervised independence (0.8).
    assert not (records.accepted & ~records.adopted).any()
    np.testing.assert_array_equal(records.outcome == Outcome.RESOLUTION, records.accepted)
    assert not records.accepted.any()


def test_russia_abstaining_alone_leaves_china_as_the_vetoer():
    records = counterfactual("kosovo_2007_russia_abstains")
    assert records.council.withdrawn[0][records.end_round >= 20].all()
    assert records.counts()["resolution"] == 0
    # Tabled anyway: Russia abstains (mostly), and every draft with nine votes is vetoed by
    # China, nearly always alone.
    path = Path(__file__).resolve().parents[1] / "scenarios" / "kosovo_2007_russia_abstains.yaml"
    tabled = with_overrides(load_scenario(path), {"council.strategy": "table_anyway"})
    records = run_scenario(tabled, replicates=2000, seed=20071219)
    russia = records.members.index("russia")
    assert (records.council.votes[0, russia] == ABSTAIN).mean() > 0.8
    had_the_votes = records.council.yes[0] >= 9
    vetoers = [v for v, hit in zip(records.vetoed_by(), had_the_votes, strict=True) if hit]
    assert vetoers and all("china" in v for v in vetoers)
    assert np.mean([v == ("china",) for v in vetoers]) > 0.8


# --- invariants (hypothesis) -----------------------------------------------------------------

units = st.floats(0.0, 1.0)


@st.composite
def interval_around(draw):
    """A position and a red line [low, high] containing it."""
    low, mid, high = sorted(draw(st.lists(units, min_size=3, max_size=3)))
    return mid, [low, high]


@settings(max_examples=40, deadline=None)
@given(
    flexibility=st.lists(units, min_size=3, max_size=3),
    strengths=st.lists(st.floats(-1.0, 1.0), min_size=3, max_size=3),
    north=interval_around(),
    south=interval_around(),
    noise=st.floats(0.0, 0.5),
    ripeness=st.floats(0.0, 2.0),
    rule=st.sampled_from(["weighted_mean", "nash", "median"]),
    bias=units,
    rounds=st.integers(1, 12),
    seed=st.integers(0, 2**32 - 1),
)
def test_positions_stay_in_red_lines_and_proposals_in_the_unit_box(
    flexibility, strengths, north, south, noise, ripeness, rule, bias, rounds, seed
):
    (north_a, north_line), (south_a, south_line) = north, south
    changes = {
        "parties": {
            "north": party(north_a, 0.3, flexibility=flexibility[0], red_lines={"a": north_line}),
            "south": party(south_a, 0.7, flexibility=flexibility[1], red_lines={"a": south_line}),
            "broker": party(0.9, 0.1, flexibility=flexibility[2]),
        },
        "alliances": [
            {"between": ["north", "south"], "strength": strengths[0]},
            {"between": ["north", "broker"], "strength": strengths[1]},
            {"between": ["south", "broker"], "strength": strengths[2]},
        ],
        "mediation": {"rule": rule, "mediators": {"broker": {"bias": bias}}},
        "noise": noise,
        "ripeness": ripeness,
        "horizon": rounds,
    }
    model = make_model(replicates=8, seed=seed, **changes)
    low = np.array([[north_line[0], 0.0], [south_line[0], 0.0], [0.0, 0.0]])[:, :, None]
    high = np.array([[north_line[1], 1.0], [south_line[1], 1.0], [1.0, 1.0]])[:, :, None]
    while model.running:
        model.step()
        for positions in (model.positions, model.final_positions):
            assert (positions >= low).all() and (positions <= high).all()
            assert (positions >= 0.0).all() and (positions <= 1.0).all()
        if model.last_proposal is not None:
            point = model.last_proposal.point
            assert (point >= -1e-12).all() and (point <= 1.0 + 1e-12).all()  # up to rounding


@settings(max_examples=40, deadline=None)
@given(
    north=interval_around(),
    widen=st.lists(units, min_size=2, max_size=2),
    costs=st.lists(st.floats(0.0, 0.3), min_size=2, max_size=2),
    audience=st.lists(st.floats(0.0, 0.5), min_size=2, max_size=2),
    offer=st.floats(0.0, 0.2),
    sanction=st.floats(0.0, 0.2),
    flexibility=units,
    noise=st.floats(0.0, 0.3),
    seed=st.integers(0, 2**32 - 1),
)
def test_held_lines_lie_between_the_stated_lines_and_their_cores_and_only_widen(
    north, widen, costs, audience, offer, sanction, flexibility, noise, seed
):
    # North's stated line on a, with a core reaching further out by `widen` of the room left;
    # stalemate costs, audience costs, an inducement and a sanction. Each round the held lines
    # lie between the stated line and the core, never narrow (the pressure only grows), and
    # hold the disputants' positions.
    north_a, (low, high) = north
    core = [low * (1 - widen[0]), high + (1 - high) * widen[1]]
    changes = {
        "parties": {
            "north": party(
                north_a,
                0.3,
                flexibility=flexibility,
                red_lines={"a": [low, high]},
                red_line_cores={"a": core},
                stalemate_cost=costs[0],
                audience_cost=audience[0],
            ),
            "south": {
                "flexibility": flexibility,
                "stalemate_cost": costs[1],
                "audience_cost": audience[1],
            },
        },
        "leverage": {
            "broker": {
                "budget": offer,
                "inducements": {"north": offer},
                "sanctions": {"south": sanction},
            }
        },
        "noise": noise,
        "horizon": 8,
    }
    model = make_model(replicates=6, seed=seed, **changes)
    stated_low, stated_high = model.red_low[:2], model.red_high[:2]
    core_low, core_high = model.core_low[:2], model.core_high[:2]
    before = None
    while model.running:
        model.step()
        held_low = np.broadcast_to(model.held_low, (2, 2, model.held_low.shape[-1]))
        held_high = np.broadcast_to(model.held_high, held_low.shape)
        assert (core_low <= held_low).all() and (held_low <= stated_low).all()
        assert (stated_high <= held_high).all() and (held_high <= core_high).all()
        if before is not None:
            assert (held_low <= before[0]).all() and (held_high >= before[1]).all()
        before = (held_low[..., :1].copy(), held_high[..., :1].copy())
        live = model.positions[:2]
        assert (live >= held_low - 1e-12).all() and (live <= held_high + 1e-12).all()


def test_a_troika_of_three_runs_on_when_three_replicates_become_two():
    # Three mediators, three replicates; the thaw (round 2, p 0.5) ends some by agreement,
    # the others go on to the horizon with the troika proposing every round.
    thaw = {
        "name": "thaw",
        "round": 2,
        "probability": 0.5,
        "set": {"parties.north.red_lines.a": [0.0, 1.0], "parties.south.red_lines.a": [0.0, 1.0]},
    }
    model = make_model(
        replicates=3,
        seed=1,
        events=[thaw],
        parties={"envoy": party(0.5, 0.5), "envoy2": party(0.5, 0.5)},
        mediation={
            "mediators": {"broker": {"bias": 0.0}, "envoy": {"bias": 0.0}, "envoy2": {"bias": 0.0}}
        },
    )
    happens = model.events[0].happens
    assert 0 < happens.sum() < 3
    records = model.run()
    np.testing.assert_array_equal(records.outcome == Outcome.AGREEMENT, happens)
    assert model.troika.bias.shape == (3,)


def test_scenario_model_and_records_pickle():
    # Sweeps send scenarios to worker processes and records back: all three must pickle.
    scenario = kosovo()
    model = NegotiationModel(scenario, replicates=20, seed=4)
    model.step()
    restored = pickle.loads(pickle.dumps(model))
    records = restored.run()
    expected = model.run()
    np.testing.assert_array_equal(records.outcome, expected.outcome)
    assert pickle.loads(pickle.dumps(scenario)) == scenario
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(records)).end_round, records.end_round)


def test_runs_table_columns_never_collide():
    # A member named like a session field, and names with underscores: with "_" as the
    # separator `session2_tabled` and `position_north_a...` could be read two ways.
    scenario = voting_scenario(
        HOLDOUT_NO,
        parties={"tabled": party(0.9, 0.9), "north_a": party(0.1, 0.1)},
        council={
            "members": ["holdout", "sponsor", "perm3", "perm4", "perm5", "tabled"]
            + [f"yes{i}" for i in range(1, 5)]
            + [f"no{i}" for i in range(1, 6)]
        },
    )
    frame = NegotiationModel(scenario, replicates=2).run().to_frame()
    parties, issues, members = len(scenario.parties), 2, 15
    # replicate, outcome, end_round, proposals, drafts_tabled, drafts_withdrawn, recognised_by,
    # resolution_adopted, resolution_accepted; point and gap per issue; 7 fields and 15 votes
    # for the one session; positions (nothing drawn, no events: no drawn.* or event.*).
    assert len(frame.columns) == 9 + 2 * issues + 7 + members + parties * issues
    assert frame.columns.is_unique
    assert frame["session2.tabled"].dtype == bool
    assert frame["session2.vote.tabled"].tolist() == ["yes", "yes"]


def test_a_finished_model_is_freed():
    # Mesa 3.3 keeps every model alive through its agent-id counters (mesa issue #3179); a
    # sweep's worker runs thousands of models, so the model must not be kept.
    import gc
    import weakref

    model = make_model(replicates=5)
    model.run()
    alive = weakref.ref(model)
    del model
    gc.collect()
    assert alive() is None


def test_under_binding_compliance_every_adopted_resolution_ends_the_run():
    # The vote of test_adopted_draft_a_disputant_rejects_does_not_end_the_run, whose draft
    # crosses north's red line, under the rule of the first model: adopted is accepted, and
    # the run ends as a resolution in round 2.
    records = vote_run(HOLDOUT_ABSTAIN, council={"sessions": [2, 3], "compliance": "binding"})
    assert records.adopted.tolist() == records.accepted.tolist() == [True] * 3
    assert records.outcome.tolist() == [Outcome.RESOLUTION] * 3
    assert records.end_round.tolist() == [2] * 3


def test_the_compliance_rule_is_checked_when_set_between_steps():
    from sim.rules import UnknownRuleError

    model = NegotiationModel(voting_scenario(HOLDOUT_ABSTAIN), replicates=2)
    model.council.compliance = "binding"
    assert model.council.compliance == "binding"
    with pytest.raises(UnknownRuleError, match="compliance rule 'defiance'"):
        model.council.compliance = "defiance"
