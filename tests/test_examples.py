"""The example scenarios of scenarios/examples/: each runs, and each shows what it is for.

- syria_2011_2012: three sessions with their own drafts and sponsors and a membership that
  rotates on 1 January reproduce the three recorded tallies and vetoes in one run;
- eu_council_qmv: a body deciding by the weighted votes of the EU Council (62 of 87);
- two_party_bargaining: an issue on a 0-100 scale, read and recorded in its own units;
and, on a 0-10 scale, the capability x salience weighted mean and weighted median.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.model import NegotiationModel
from sim.pipeline import simulate
from sim.records import Outcome
from sim.scenario import load_scenario, parse_scenario
from sim.voting import ABSTAIN, NO, YES

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "scenarios" / "examples").glob("*.yaml"))
CODES = {"yes": YES, "no": NO, "abstain": ABSTAIN}


def run(name: str, replicates: int = 200, **overrides: object):
    return simulate(
        ROOT / "scenarios" / "examples" / f"{name}.yaml",
        replicates=replicates,
        overrides=overrides,
        trajectories=False,
    ).records


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_runs_every_replicate_to_an_outcome(path):
    records = simulate(path, replicates=60, trajectories=False).records
    assert (records.outcome != Outcome.ONGOING).all()
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 120  # about a page


def test_syria_reproduces_three_recorded_tallies_in_one_run():
    record = yaml.safe_load((ROOT / "validation" / "syria_2011_2012.yaml").read_text("utf-8"))
    records = run("syria_2011_2012")
    council = records.council
    members = list(records.members)
    for s, symbol in enumerate(["S/2011/612", "S/2012/77", "S/2012/538"]):
        draft = record["drafts"][symbol]
        tally = draft["tally"]
        assert (council.yes[s] == tally["yes"]).all()
        assert (council.no[s] == tally["no"]).all()
        assert (council.abstain[s] == tally["abstain"]).all()
        vetoers = {members[m] for m in np.flatnonzero(council.vetoed[s].all(axis=1))}
        assert vetoers == {"russia", "china"}
        for member, vote in draft["votes"].items():
            assert (council.votes[s, members.index(member)] == CODES[vote]).all(), member
        sitting = set(draft["votes"])
        absent = [m for m in members if m not in sitting]
        assert len(sitting) == 15 and len(absent) == 5
    assert (records.outcome == Outcome.DEADLOCK).all()


def test_syria_runs_table_leaves_the_votes_of_non_members_empty():
    frame = run("syria_2011_2012", replicates=3).to_frame()
    assert (frame["session1.vote.brazil"] == "abstain").all()
    assert (frame["session5.vote.brazil"] == "").all()  # Brazil left on 1 January 2012
    assert (frame["session1.vote.pakistan"] == "").all()  # Pakistan joined then
    assert (frame["session10.vote.pakistan"] == "abstain").all()


def test_eu_council_decides_by_qualified_majority_of_weighted_votes():
    records = run("eu_council_qmv", replicates=400)
    council = records.council
    members = list(records.members)
    votes = council.votes[0]
    # The United Kingdom, Spain and Portugal (10 + 8 + 5 = 23 votes) always vote no: fewer
    # than the 26 a blocking minority needs; eleven states (61 votes) always vote yes.
    for member in ("united_kingdom", "spain", "portugal"):
        assert (votes[members.index(member)] == NO).all()
    ireland = votes[members.index("ireland")] == YES
    # With Ireland's 3 votes the yes side holds 64 >= 62: adopted; without, 61: not.
    assert (records.adopted == ireland).all()
    assert 0.3 < ireland.mean() < 0.7  # the day's mood decides a lukewarm member
    assert (council.yes[0][ireland] == 12).all() and (council.yes[0][~ireland] == 11).all()
    assert (records.outcome[ireland] == Outcome.RESOLUTION).all()  # binding: it settles it
    assert (records.outcome[~ireland] == Outcome.DEADLOCK).all()


def test_a_blocking_minority_of_weighted_votes_blocks():
    # Italy (10) joining the no side: 33 votes against, more than the 26 that block.
    records = run("eu_council_qmv", replicates=100, **{"parties.italy.position.standard": 5})
    assert not records.adopted.any()


def test_an_issue_on_a_0_100_scale_is_read_and_recorded_in_its_units():
    records = run("two_party_bargaining", replicates=100)
    agreed = records.outcome == Outcome.AGREEMENT
    assert agreed.all()
    # The Nash solution of positions 80 and 30 with no-deal points 40 and 55 (utility on the
    # unit scale: gains x - 0.4 and 0.55 - x): x = 0.475, recorded as 47.5 on the 0-100 scale.
    np.testing.assert_allclose(records.point[:, 0], 47.5, atol=1e-6)
    assert records.positions.max() <= 100 and records.positions.min() >= 0
    assert records.positions.max() > 1  # in the issue's units, not on the unit scale


def test_a_point_off_its_issues_scale_is_refused_with_the_scale():
    text = (ROOT / "scenarios" / "examples" / "two_party_bargaining.yaml").read_text("utf-8")
    with pytest.raises(
        ValueError,
        match=r"parties.coastal.position.quota: found 120.0; "
        r"expected a value on the issue's scale \[0, 100\]",
    ):
        parse_scenario(text.replace("position: {quota: 80}", "position: {quota: 120}"))


ONE_ISSUE = """
name: one_issue
issues:
  budget: {description: a budget, scale: [0, 10]}
status_quo: {budget: 0}
parties:
  low: {disputant: true, position: {budget: 2}, capability: 1, salience: {budget: 0.5}}
  middle: {disputant: true, position: {budget: 5}, capability: 1, salience: {budget: 0.6}}
  high: {disputant: true, position: {budget: 9}, capability: 3, salience: {budget: 0.8}}
mediation: {mediators: {}, rule: weighted_mean}
horizon: 5
"""


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        # Weights c x s: 0.5, 0.6, 2.4 (total 3.5).
        # Mean: (0.5 x 2 + 0.6 x 5 + 2.4 x 9) / 3.5 = 25.6 / 3.5 = 7.3142857...
        ("weighted_mean", 25.6 / 3.5),
        # Median: cumulative weights 0.5, 1.1, 3.5 first reach half (1.75) at 9 (the plain
        # median would be 5).
        ("median", 9.0),
    ],
)
def test_one_issue_compromise_is_weighted_by_capability_times_salience(rule, expected):
    scenario = parse_scenario(ONE_ISSUE.replace("weighted_mean", rule))
    model = NegotiationModel(scenario, replicates=2)
    low, high = scenario.scales["budget"]
    np.testing.assert_allclose(low + (high - low) * model.troika.compromise(), expected)


def test_the_examples_load_as_files():
    for path in EXAMPLES:
        assert load_scenario(path).name == path.stem
