"""Narrated runs (`sim.narrative`) and `run.py explain`, against hand-computed expectations.

The tiny scenarios are the conftest builders': two disputants whose red lines on `a` exclude
each other (`north` in [0, 0.2], `south` in [0.8, 1]), an unbiased one-member troika, nobody
moving and nothing random, so every number below can be worked out on paper. Salience is 1/2
on each of the two issues and utility linear: U(x) = -(|x_a - p_a| + |x_b - p_b|) / 2.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import HOLDOUT_NO, KOSOVO, make_scenario, party, voting_scenario

from sim import cli
from sim.model import NegotiationModel
from sim.narrative import KINDS, Narrative, to_json, to_markdown, to_text
from sim.records import OUTCOMES
from sim.scenario import load_scenario, with_overrides

ROOT = KOSOVO.parents[1]
OUTCOMES_BY_CODE = {int(o): o.label for o in OUTCOMES}


def narrate(scenario, replicate: int = 0) -> Narrative:
    """Replicate `replicate` of the scenario, run alone and narrated."""
    model = NegotiationModel(scenario, replicates=1, first_replicate=replicate, narrate=True)
    model.run()
    return model.narrator.narrative()


def of(narrative: Narrative, kind: str, round_: int | None = None) -> list:
    return [e for e in narrative.of_kind(kind) if round_ is None or e.round == round_]


def explain(capsys, *words) -> tuple[int, str, str]:
    status = cli.main(["explain", *(str(w) for w in words)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return status, out, err


# --- the model ---------------------------------------------------------------------------------


def test_narration_needs_one_replicate():
    with pytest.raises(ValueError, match="replicates=1"):
        NegotiationModel(make_scenario(), replicates=4, narrate=True)
    with pytest.raises(ValueError, match="replicates=1"):
        NegotiationModel(make_scenario(), narrate=True)  # the scenario's 4 replicates
    assert NegotiationModel(make_scenario(), replicates=4).narrator is None


@pytest.mark.parametrize(
    "file",
    [
        "kosovo_2007.yaml",
        "kosovo_2007_table_anyway.yaml",
        "kosovo_2007_eu_leverage.yaml",
        "examples/syria_2011_2012.yaml",
    ],
)
def test_a_narrated_replicate_has_the_records_of_the_same_replicate_unnarrated(file):
    scenario = load_scenario(ROOT / "scenarios" / file)
    batch = NegotiationModel(scenario, replicates=8, seed=11).run().to_frame()
    for replicate in (0, 5, 7):
        narrated = NegotiationModel(
            scenario, replicates=1, seed=11, first_replicate=replicate, narrate=True
        )
        alone = NegotiationModel(scenario, replicates=1, seed=11, first_replicate=replicate)
        told, plain = narrated.run().to_frame(), alone.run().to_frame()
        assert told.equals(plain)
        row = batch.iloc[[replicate]].reset_index(drop=True)
        assert told.drop(columns="replicate").equals(row.drop(columns="replicate"))
        # The story agrees with the records: the answers with the agreement, the outcome.
        narrative = narrated.narrator.narrative()
        (outcome,) = narrative.of_kind("outcome")
        assert (outcome.outcome, outcome.round) == (told.outcome[0], told.end_round[0])
        for round_, events in narrative.rounds().items():
            answers = [e.accepts for e in events if e.kind == "response"]
            agreed = outcome.outcome == "agreement" and outcome.round == round_
            assert (bool(answers) and all(answers)) == agreed
        assert len(narrative.of_kind("proposal")) == told.proposals[0]


def test_every_round_begins_and_the_kinds_are_known():
    narrative = narrate(make_scenario())
    assert [e.round for e in of(narrative, "round_begins")] == [1, 2, 3, 4, 5, 6]
    assert {e.kind for e in narrative.events} <= set(KINDS)
    begins = of(narrative, "round_begins", 1)[0]
    assert (begins.time_unit, begins.talks, begins.session, begins.date) == (
        "round",
        True,
        False,
        None,
    )


# --- responses ---------------------------------------------------------------------------------


def test_a_refusal_names_the_red_line_and_the_issue_crossed():
    narrative = narrate(make_scenario())
    # The compromise of (0.1, 0.1) and (0.9, 0.9), equally weighted: (0.5, 0.5).
    (proposal,) = of(narrative, "proposal", 1)
    assert proposal.point == pytest.approx({"a": 0.5, "b": 0.5})
    assert proposal.rule == "weighted_mean" and proposal.mediators[0].name == "broker"
    north, south = of(narrative, "response", 1)
    assert (north.party, north.accepts, north.reason) == ("north", False, "red_line")
    (crossed,) = north.crossed
    assert (crossed.issue, crossed.end) == ("a", "high")
    assert (crossed.value, crossed.line, crossed.by) == pytest.approx((0.5, 0.2, 0.3))
    (crossed,) = south.crossed
    assert (crossed.issue, crossed.end) == ("a", "low")
    assert (crossed.value, crossed.line, crossed.by) == pytest.approx((0.5, 0.8, 0.3))
    text = to_text(narrative)
    assert "north refuses: a 0.50 lies 0.30 above its red line in force (at most 0.20)" in text
    assert "south refuses: a 0.50 lies 0.30 below its red line in force (at least 0.80)" in text


def test_an_acceptance_and_the_agreement():
    no_lines = {"north": {"red_lines": None}, "south": {"red_lines": None}}
    narrative = narrate(make_scenario(parties=no_lines))
    north, south = of(narrative, "response", 1)
    # U((0.5, 0.5)) = -(0.4 + 0.4) / 2 = -0.4 = U(status quo): a tie counts as acceptance.
    assert (north.accepts, north.reason, north.crossed) == (True, "accepts", ())
    assert (north.utility, north.alternative, north.stalemate_cost) == pytest.approx(
        (-0.4, -0.4, 0)
    )
    assert south.accepts
    (outcome,) = of(narrative, "outcome")
    assert (outcome.round, outcome.outcome) == (1, "agreement")
    assert outcome.point == pytest.approx({"a": 0.5, "b": 0.5})
    assert "Outcome: agreement, in round 1, at a 0.50, b 0.50." in to_text(narrative)


def test_a_refusal_on_utility_gives_both_sides_of_the_comparison():
    parties = {
        "north": {"red_lines": None, "no_deal": {"a": 0.1, "b": 0.1}},  # its own ideal point
        "south": {"red_lines": None},
    }
    narrative = narrate(make_scenario(parties=parties))
    north = of(narrative, "response", 1)[0]
    assert (north.accepts, north.reason) == (False, "utility")
    assert (north.value, north.no_deal_utility, north.alternative) == pytest.approx((-0.4, 0, 0))
    assert "north refuses: the proposal is worth -0.40 to it, against 0 for no deal" in to_text(
        narrative
    )


def test_a_split_troika_names_the_two_mediators_and_the_issue():
    mediation = {"mediators": {"broker": {"bias": 1.0}, "hawk": {"bias": 1.0}}, "cohesion": 0.3}
    parties = {"hawk": party(0.5, 0.9)}  # proposes (0.5, 0.9); broker (0.5, 0.5): 0.4 apart
    narrative = narrate(make_scenario(parties=parties, mediation=mediation))
    (split,) = of(narrative, "troika_splits", 1)
    assert (split.between, split.issue) == (("broker", "hawk"), "b")
    assert (split.gap, split.cohesion) == pytest.approx((0.4, 0.3))
    assert not of(narrative, "response")
    assert "broker's and hawk's proposals differ by 0.40 of the scale on b" in to_text(narrative)


def test_a_red_line_that_gives_way_says_why():
    south = {"red_line_cores": {"a": [0.5, 1.0]}, "stalemate_cost": 0.05, "audience_cost": 0.08}
    narrative = narrate(make_scenario(parties={"south": south}))
    # The cost so far, 0.05 a round, exceeds the audience cost 0.08 from round 2 (0.10): the
    # low end moves out by the excess over the salience 0.5, (0.10 - 0.08) / 0.5 = 0.04, to 0.76;
    # in round 3 by 0.07 / 0.5 = 0.14, to 0.66; never past the core, 0.5.
    (first,) = of(narrative, "red_line_moves", 2)
    assert (first.party, first.issue, first.end) == ("south", "a", "low")
    assert (first.before, first.after, first.stated, first.core) == pytest.approx(
        (0.8, 0.76, 0.8, 0.5)
    )
    assert (first.stalemate_cost, first.audience_cost, first.excess) == pytest.approx(
        (0.1, 0.08, 0.02)
    )
    assert of(narrative, "red_line_moves", 3)[0].after == pytest.approx(0.66)
    assert "south's red line on a gives way: its low end in force moves from 0.80 to 0.76" in (
        to_text(narrative)
    )


# --- events ------------------------------------------------------------------------------------


def test_an_events_label_appears_in_its_round():
    event = {
        "name": "coup",
        "label": "North's government falls",
        "round": 3,
        "set": {"parties.north.flexibility": 0.5, "parties.north.red_lines.a": [0.0, 0.3]},
    }
    narrative = narrate(make_scenario(events=[event]))
    (happened,) = of(narrative, "event_happens")
    assert (happened.round, happened.name, happened.label) == (3, "coup", event["label"])
    assert [(c.path, c.before, c.after) for c in happened.changes] == [
        ("parties.north.flexibility", 0.0, 0.5),
        ("parties.north.red_lines.a", (0.0, 0.2), (0.0, 0.3)),
    ]
    assert happened.parties == ("north",)
    text = to_text(narrative)
    third = text[text.index("\nRound 3\n") :]
    assert third.startswith("\nRound 3\n  Event: North's government falls. It sets north's")
    assert "north's red line on a [0.00, 0.20] -> [0.00, 0.30]" in third


# --- the decision body -------------------------------------------------------------------------


def test_a_veto_names_the_vetoer_and_each_vote_its_reasons():
    narrative = narrate(voting_scenario(HOLDOUT_NO))
    (session,) = of(narrative, "session")
    assert (session.round, session.sponsor, session.strategy) == (2, "sponsor", "table_anyway")
    assert (session.action, session.body) == ("tabled", "Security Council")
    votes = {v.member: v for v in of(narrative, "vote")}
    assert len(votes) == 15
    holdout = votes["holdout"]
    # Net utility of (0.9, 0.9) over (0.5, 0.5) from (0.1, 0.1): -0.8 + 0.4.
    assert (holdout.vote, holdout.veto, holdout.permanent) == ("no", True, True)
    assert (holdout.net_utility, holdout.patron_pull, holdout.random_term) == pytest.approx(
        (-0.4, 0, 0)
    )
    assert (votes["yes1"].vote, votes["no1"].vote, votes["no1"].veto) == ("yes", "no", False)
    (tally,) = of(narrative, "tally")
    assert (tally.yes, tally.no, tally.abstain, tally.quota) == (9, 6, 0, 9)
    assert (tally.has_votes, tally.vetoed_by, tally.adopted) == (True, ("holdout",), False)
    text = to_text(narrative)
    assert "holdout: no (-0.40 + 0 + 0 = -0.40), a veto" in text
    assert "Tally: 9 yes, 6 no, 0 abstaining; 9 yes votes needed. Vetoed by holdout" in text


def test_a_withdrawn_draft_names_the_expected_vetoers():
    narrative = narrate(voting_scenario(HOLDOUT_NO, "withdraw_if_veto_expected"))
    (session,) = of(narrative, "session")
    assert (session.action, session.expected_vetoers) == ("withdrawn", ("holdout",))
    forecast = {f.member: f for f in session.forecasts}
    assert set(forecast) == {"holdout", "sponsor", "perm3", "perm4", "perm5"}
    assert (forecast["holdout"].vote, forecast["holdout"].net_utility) == (
        "no",
        pytest.approx(-0.4),
    )
    assert not of(narrative, "vote") and not of(narrative, "tally")
    assert "It expects a veto from holdout (forecast: no, net utility -0.40" in to_text(narrative)


def test_an_amended_draft_names_whom_it_was_amended_toward():
    changes = {"council": {"amendment_step": 0.5}}
    narrative = narrate(voting_scenario(HOLDOUT_NO, "amend_to_avoid_veto", **changes))
    (session,) = of(narrative, "session")
    # Halfway from (0.9, 0.9) to the holdout at (0.1, 0.1): (0.5, 0.5), which the sponsor (at
    # the draft) likes as much as the status quo (0.5, 0.5), so it amends; the holdout is then
    # indifferent (abstains): no veto is expected and the draft is tabled.
    (amendment,) = session.amendments
    assert (amendment.toward, amendment.made) == (("holdout",), True)
    assert amendment.draft == pytest.approx({"a": 0.5, "b": 0.5})
    assert session.action == "tabled"
    assert session.final_draft == pytest.approx({"a": 0.5, "b": 0.5})
    assert "Amendment 1, toward holdout (expected to veto): a 0.50, b 0.50." in to_text(narrative)


def test_an_adopted_resolution_that_a_disputant_rejects():
    narrative = narrate(voting_scenario({"position": {"a": 0.9, "b": 0.9}}))
    (tally,) = of(narrative, "tally")
    assert tally.adopted and tally.yes == 10
    north, south = of(narrative, "compliance")
    # The draft (0.9, 0.9) lies inside south's lines, 0.7 above north's high end on a (0.2).
    assert (north.party, north.within_red_lines, north.ends_dispute) == ("north", False, False)
    assert (north.crossed[0].issue, north.crossed[0].by) == ("a", pytest.approx(0.7))
    assert south.within_red_lines
    assert of(narrative, "outcome")[0].outcome == "deadlock"
    text = to_text(narrative)
    assert "north rejects the resolution: a 0.90 lies 0.70 above its red line in force" in text
    assert "Adopted, but rejected by a disputant: the dispute goes on" in text


# --- unilateral action ---------------------------------------------------------------------------


def test_the_unilateral_act_and_each_recognition():
    # south declares (0.9, 0.9): friend (at that point) backs it, north and broker do not, so
    # the backing is 1/3 of the capability. Acting is worth 1/3 x 0 + 2/3 x U(0.5, 0.5) = -0.8/3;
    # staying U(status quo) = -0.4; the gain, 0.4/3, times a resolve of 10 caps the hazard at 1.
    changes = {
        "parties": {"friend": party(0.9, 0.9)},
        "unilateral": {
            "south": {
                "point": {"a": 0.9, "b": 0.9},
                "earliest_round": 2,
                "rule": "expected_value",
                "resolve": 10.0,
            }
        },
    }
    narrative = narrate(make_scenario(**changes))
    (act,) = of(narrative, "unilateral")
    assert (act.round, act.actor, act.acts, act.open) == (2, "south", True, True)
    assert act.expected_backers == ("friend",)
    assert (act.backing, act.consent, act.hazard) == pytest.approx((1 / 3, 1, 1))
    assert (act.acting, act.staying, act.gain) == pytest.approx((-0.8 / 3, -0.4, 0.4 / 3))
    assert act.offer is None and 0 <= act.draw < 1
    recognitions = {r.party: r for r in of(narrative, "recognition")}
    assert set(recognitions) == {"north", "broker", "friend"}
    assert [p for p, r in recognitions.items() if r.recognises] == ["friend"]
    assert recognitions["north"].net_utility == pytest.approx(-0.4)
    (outcome,) = of(narrative, "outcome")
    assert (outcome.outcome, outcome.round, outcome.parties) == ("unilateral", 2, ("south",))
    text = to_text(narrative)
    assert "south weighs acting alone: acting is worth -0.27 (backing 0.33 (friend)" in text
    assert "It draws" in text and "< 1.00: it acts alone." in text
    assert "Recognised by friend; not by north and broker" in text
    assert "Outcome: unilateral, in round 2: south acts alone, declaring a 0.90, b 0.90." in text


def test_a_patron_that_restrains_holds_the_actor_back():
    changes = {
        "parties": {"friend": party(0.9, 0.9, capability=2.0, restraint=1.0)},
        "alliances": [{"between": ["friend", "south"], "strength": 0.5}],
        "unilateral": {
            "south": {"point": {"a": 0.9, "b": 0.9}, "rule": "expected_value", "resolve": 10.0}
        },
    }
    narrative = narrate(make_scenario(**changes))
    weighed = of(narrative, "unilateral")
    assert len(weighed) == 6 and not any(e.acts for e in weighed)
    first = weighed[0]
    assert (first.consent, first.hazard, first.gain > 0) == (0, 0, True)
    assert [(p.name, p.restraint, p.endorses) for p in first.patrons] == [("friend", 1.0, True)]
    text = to_text(narrative)
    assert "Its patrons withhold their consent (friend): hazard 0." in text
    assert "Rounds 2-5: talks continue; no proposal is accepted: north refuses each" in text
    assert "south would act alone, but its patrons withhold their consent." in text


# --- JSON ----------------------------------------------------------------------------------------


def test_the_json_round_trips_and_matches_the_batch_records(capsys):
    file = ROOT / "scenarios" / "kosovo_2007_table_anyway.yaml"
    records = NegotiationModel(load_scenario(file), replicates=6, seed=3).run()
    members = records.members
    for replicate in (2, 5):
        words = ["--seed", 3, "--replicate", replicate, "--format", "json"]
        status, out, _ = explain(capsys, file, *words)
        assert status == 0
        narrative = Narrative.model_validate_json(out)
        assert to_json(narrative) == out  # read back and written again: the same text
        assert Narrative.model_validate(json.loads(out)) == narrative
        assert (narrative.seed, narrative.replicate) == (3, replicate)
        (outcome,) = narrative.of_kind("outcome")
        assert outcome.outcome == OUTCOMES_BY_CODE[records.outcome[replicate]]
        assert outcome.round == records.end_round[replicate]
        votes = {v.member: v.vote for v in narrative.of_kind("vote")}
        session = records.council.at(0)
        if session.tabled[replicate]:
            expected = {
                m: {1: "yes", -1: "no", 0: "abstain"}[int(session.votes[i, replicate])]
                for i, m in enumerate(members)
            }
            assert votes == expected
        recognised = {r.party for r in narrative.of_kind("recognition") if r.recognises}
        assert recognised == {
            p for i, p in enumerate(records.parties) if records.recognised[i, replicate]
        }
        events = json.loads(out)["events"]
        assert all(list(e)[:3] == ["kind", "round", "parties"] for e in events)


def test_json_keys_are_stable():
    narrative = narrate(voting_scenario(HOLDOUT_NO))
    data = json.loads(to_json(narrative))
    assert list(data) == [
        "scenario",
        "seed",
        "replicate",
        "time_unit",
        "start",
        "issues",
        "parties",
        "disputants",
        "drawn",
        "command",
        "events",
    ]
    vote = next(e for e in data["events"] if e["kind"] == "vote")
    assert list(vote) == [
        "kind",
        "round",
        "parties",
        "member",
        "vote",
        "permanent",
        "net_utility",
        "patron_pull",
        "random_term",
        "score",
        "band",
        "veto",
    ]
    assert Narrative.model_validate(data) == narrative


# --- the command ---------------------------------------------------------------------------------


def test_kosovo_told_in_text(capsys):
    status, out, err = explain(capsys, KOSOVO, "--seed", 20071219)
    assert status == 0 and err == ""
    assert out.startswith("kosovo_2007: replicate 0, seed 20071219, told week by week\n")
    assert f"exactly replicate 0 of `python run.py {KOSOVO} --seed 20071219`" in out
    assert "Values this replicate drew: parties.kosovo.audience_cost = " in out
    assert (
        "\nWeek 1\n  The troika of mediators (European Union, Russian Federation and United " in out
    )
    assert "\nWeeks 2-18: talks continue; no proposal is accepted: Kosovo refuses each" in out
    assert "\nWeek 20\n" in out
    assert "The Security Council holds its session of week 20. United States sponsors" in out
    assert "expects a veto from China (forecast: no" in out
    assert "and Russian Federation (forecast: no" in out
    assert "Outcome: unilateral, in week 28: Kosovo acts alone, declaring sovereignty 0.90" in out
    # The same run as a library call.
    model = NegotiationModel(load_scenario(KOSOVO), replicates=1, narrate=True)
    model.run()
    told = to_text(model.narrator.narrative(command=f"python run.py {KOSOVO} --seed 20071219"))
    assert told == out


def test_kosovo_told_in_markdown(capsys):
    status, out, _ = explain(capsys, KOSOVO, "--format", "markdown", "--replicate", 3)
    assert status == 0
    assert out.startswith("# kosovo_2007: replicate 3, seed 20071219, told week by week\n")
    assert "\n## Week 1\n\n- The troika of mediators" in out
    assert "\n## Weeks 2-" in out
    assert "\n## Week 20\n" in out
    assert "- The Security Council holds its session of week 20." in out
    assert "acts alone, declaring sovereignty 0.90" in out
    assert "| party | recognises | net utility | patrons' pull | random term | score |" in out


def test_explain_takes_overrides_and_names_them_in_the_run_it_belongs_to(capsys):
    words = ["--set", "council.strategy=table_anyway", "--replicate", 4, "--seed", 9]
    status, out, _ = explain(capsys, KOSOVO, *words)
    assert status == 0
    command = f"python run.py {KOSOVO} --seed 9 --set council.strategy=table_anyway"
    assert f"exactly replicate 4 of `{command}`" in out
    assert "The members vote (net utility of the draft over the status quo" in out
    scenario = load_scenario(KOSOVO)
    changed = with_overrides(scenario, {"council.strategy": "table_anyway", "seed": 9})
    assert to_text(narrate(changed, 4).model_copy(update={"command": command})) == out


@pytest.mark.parametrize(
    ("words", "status", "message"),
    [
        (["missing.yaml"], 1, "missing.yaml"),
        ([KOSOVO, "--set", "horizon=abc"], 1, "horizon: found 'abc'"),
        ([KOSOVO, "--set", "horizon=0"], 1, "horizon"),
        ([KOSOVO, "--replicate", 10000], 2, "--replicate 10000 is out of range"),
        ([KOSOVO, "--replicate", -1], 2, "--replicate -1 is out of range"),
        ([KOSOVO, "--set", "replicates=5", "--replicate", 5], 2, "replicates 0 to 4"),
    ],
)
def test_bad_input_is_one_line_and_no_traceback(capsys, words, status, message):
    code, out, err = explain(capsys, *words)
    assert (code, out) == (status, "")
    assert err.startswith("error: ") and message in err
    assert err.count("\n") == 1


def test_a_bad_format_is_a_usage_error(capsys):
    code, out, err = explain(capsys, KOSOVO, "--format", "html")
    assert (code, out) == (2, "")
    assert "argument --format: invalid choice: 'html'" in err


def test_markdown_and_text_tell_every_round_of_a_short_run():
    narrative = narrate(voting_scenario(HOLDOUT_NO))
    text, markdown = to_text(narrative), to_markdown(narrative)
    assert [line for line in text.splitlines() if line.startswith("Round")] == [
        "Round 1",
        "Round 2",
        "Round 3",
    ]
    assert "## Round 2\n" in markdown and "| holdout | no, a veto | -0.40 | 0 | 0 | -0.40 |" in (
        markdown
    )
    assert np.isfinite([v.score for v in narrative.of_kind("vote")]).all()
