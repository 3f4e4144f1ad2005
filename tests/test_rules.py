"""Registries of rules, and the contract every rule of a family must keep.

`CompromiseRuleContract` is the base test class of the compromise rules: a rule's test class
subclasses it and names the rule; every registered rule must have one (a test checks it).
`SponsorStrategyContract` does the same for sponsor strategies. The rules' own hand-computed
cases are in test_mediation.py and test_agents.py.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import HOLDOUT_ISSUE_A, HOLDOUT_NO, make_yaml, voting_scenario
from pydantic import TypeAdapter, ValidationError

from sim.mediation import COMPROMISE_RULES, Disputants
from sim.model import NegotiationModel
from sim.rules import Registry, UnknownRuleError
from sim.scenario import ScenarioError, json_schema, parse_scenario
from sim.strategies import SPONSOR_STRATEGIES

# --- the registry ---------------------------------------------------------------------------


def test_registry_registers_looks_up_and_lists_in_order():
    family: Registry = Registry("greeting")

    @family.register("hello")
    def hello():
        """Say hello.

        Source: custom.
        """

    @family.register("bye")
    def bye():
        """Say goodbye.

        Source: custom.
        """

    assert family.names == ("hello", "bye")
    assert family["hello"] is hello
    assert "bye" in family and "hi" not in family
    assert family.summary("hello") == "Say hello."
    with pytest.raises(UnknownRuleError, match=r"unknown greeting 'hi'; registered: hello, bye"):
        family["hi"]


def test_registry_refuses_a_taken_name_and_a_rule_without_docstring():
    family: Registry = Registry("greeting")

    @family.register("hello")
    def hello():
        """Say hello.

        Source: custom.
        """

    def unsourced():
        """Say nothing."""

    with pytest.raises(ValueError, match="registered already"):
        family.register("hello")(hello)
    with pytest.raises(ValueError, match="cites its source"):
        family.register("silent")(lambda: None)
    with pytest.raises(ValueError, match="cites its source"):
        family.register("unsourced")(unsourced)


def test_choice_accepts_exactly_the_registered_names():
    adapter = TypeAdapter(COMPROMISE_RULES.choice())
    for name in COMPROMISE_RULES:
        assert adapter.validate_python(name) == name
    with pytest.raises(ValidationError):
        adapter.validate_python("mean")


def test_json_schema_lists_each_rule_with_its_summary():
    definitions = json.loads(json_schema())["$defs"]
    rule = definitions["Mediation"]["properties"]["rule"]
    strategy = definitions["CouncilSpec"]["properties"]["strategy"]
    for family, schema in ((COMPROMISE_RULES, rule), (SPONSOR_STRATEGIES, strategy)):
        listed = {choice["const"]: choice["description"] for choice in schema["oneOf"]}
        assert listed == {name: family.summary(name) for name in family}
        assert all(listed.values())


def test_an_unknown_rule_name_cannot_pass_validation():
    with pytest.raises(ScenarioError, match=r"mediation\.rule: found 'median_'.*did you mean"):
        parse_scenario(make_yaml(mediation={"rule": "median_"}))


def test_an_unknown_rule_name_that_reaches_the_engine_raises():
    scenario = parse_scenario(make_yaml())
    unchecked = scenario.model_copy(
        update={"mediation": scenario.mediation.model_copy(update={"rule": "bogus"})}
    )
    with pytest.raises(UnknownRuleError, match="compromise rule 'bogus'"):
        NegotiationModel(unchecked)


# --- the contract of a compromise rule --------------------------------------------------------


def disputants(seed: int, count: int, issues: int, replicates: int, loss: str) -> Disputants:
    """Random disputants: positions and no-deal points in [0, 1], unequal capability and
    salience (normalised), so that every weight matters."""
    rng = np.random.default_rng(seed)
    salience = rng.uniform(0.05, 1.0, (count, issues))
    return Disputants(
        positions=rng.uniform(0, 1, (count, issues, replicates)),
        capability=rng.uniform(0.1, 2.0, count),
        salience=salience / salience.sum(axis=1, keepdims=True),
        no_deal=rng.uniform(0, 1, (count, issues, 1)),
        loss=loss,
    )


def part(d: Disputants, replicates: slice | list[int]) -> Disputants:
    return Disputants(d.positions[..., replicates], d.capability, d.salience, d.no_deal, d.loss)


def reorder(d: Disputants, order: list[int]) -> Disputants:
    return Disputants(
        d.positions[order], d.capability[order], d.salience[order], d.no_deal[order], d.loss
    )


CASES = [
    (seed, count, issues, loss)
    for seed, (count, issues) in enumerate([(2, 1), (2, 3), (3, 2), (4, 3)])
    for loss in ("linear", "quadratic")
]


class CompromiseRuleContract:
    """What every compromise rule must satisfy; subclasses set `rule`."""

    rule: str
    replicates = 7

    def compromise(self, d: Disputants) -> np.ndarray:
        return COMPROMISE_RULES[self.rule](d)

    @pytest.mark.parametrize(("seed", "count", "issues", "loss"), CASES)
    def test_result_has_one_point_per_replicate_inside_the_disputants_box(
        self, seed, count, issues, loss
    ):
        d = disputants(seed, count, issues, self.replicates, loss)
        result = self.compromise(d)
        assert result.shape == (issues, self.replicates)
        assert (result >= d.positions.min(axis=0) - 1e-9).all()
        assert (result <= d.positions.max(axis=0) + 1e-9).all()

    @pytest.mark.parametrize(("seed", "count", "issues", "loss"), CASES)
    def test_the_order_of_the_disputants_changes_nothing(self, seed, count, issues, loss):
        d = disputants(seed, count, issues, self.replicates, loss)
        order = list(reversed(range(count)))
        np.testing.assert_allclose(
            self.compromise(reorder(d, order)), self.compromise(d), rtol=0, atol=1e-7
        )

    @pytest.mark.parametrize(("seed", "count", "issues", "loss"), CASES)
    def test_one_replicate_alone_equals_the_same_replicate_in_a_batch(
        self, seed, count, issues, loss
    ):
        d = disputants(seed, count, issues, self.replicates, loss)
        batch = self.compromise(d)
        for replicate in range(self.replicates):
            alone = self.compromise(part(d, [replicate]))
            np.testing.assert_array_equal(alone, batch[:, [replicate]])

    @pytest.mark.parametrize(("seed", "count", "issues", "loss"), CASES)
    def test_the_batch_size_changes_nothing(self, seed, count, issues, loss):
        d = disputants(seed, count, issues, self.replicates, loss)
        chunks = [self.compromise(part(d, slice(0, 3))), self.compromise(part(d, slice(3, None)))]
        np.testing.assert_array_equal(np.concatenate(chunks, axis=1), self.compromise(d))

    def test_identical_disputants_get_their_common_position(self):
        d = disputants(0, 3, 2, self.replicates, "linear")
        same = Disputants(
            np.repeat(d.positions[:1], 3, axis=0), d.capability, d.salience, d.no_deal, d.loss
        )
        np.testing.assert_allclose(self.compromise(same), d.positions[0], atol=1e-7)


class TestWeightedMeanContract(CompromiseRuleContract):
    rule = "weighted_mean"


class TestNashContract(CompromiseRuleContract):
    rule = "nash"
    replicates = 5


class TestMedianContract(CompromiseRuleContract):
    rule = "median"


def test_every_compromise_rule_keeps_the_contract():
    tested = {cls.rule for cls in CompromiseRuleContract.__subclasses__()}
    assert tested == set(COMPROMISE_RULES)


# --- the contract of a sponsor strategy -------------------------------------------------------


class SponsorStrategyContract:
    """What every sponsor strategy must satisfy; subclasses set `strategy`."""

    strategy: str

    @pytest.mark.parametrize("holdout", [HOLDOUT_NO, HOLDOUT_ISSUE_A])
    def test_each_replicate_sees_the_draft_tabled_or_withdrawn(self, holdout):
        scenario = voting_scenario(holdout, self.strategy)
        model = NegotiationModel(scenario, replicates=3)
        prepared = model.council.prepare()
        assert prepared.draft.shape == (2, 3)
        assert (prepared.tabled ^ prepared.withdrawn).all()
        assert (prepared.amendments >= 0).all()
        assert (prepared.amendments <= scenario.council.max_amendments).all()

    def test_a_draft_nobody_opposes_is_tabled_unamended(self):
        model = NegotiationModel(voting_scenario({"position": {"a": 0.9, "b": 0.9}}, self.strategy))
        prepared = model.council.prepare()
        assert prepared.tabled.all() and not prepared.amendments.any()
        np.testing.assert_array_equal(prepared.draft, np.broadcast_to(model.council.draft, (2, 4)))


class TestTableAnywayContract(SponsorStrategyContract):
    strategy = "table_anyway"


class TestWithdrawContract(SponsorStrategyContract):
    strategy = "withdraw_if_veto_expected"


class TestAmendContract(SponsorStrategyContract):
    strategy = "amend_to_avoid_veto"


def test_every_sponsor_strategy_keeps_the_contract():
    tested = {cls.strategy for cls in SponsorStrategyContract.__subclasses__()}
    assert tested == set(SPONSOR_STRATEGIES)
