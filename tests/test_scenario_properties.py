"""Property tests: a mutated scenario is either valid and runs, or refused with a path.

Hypothesis mutates the shipped scenarios (a value replaced by any YAML value, a key removed
or added, a list item appended) and `--set` values (any path, any text). Loading must either
succeed or raise `ScenarioError` naming the source, whose every problem has a path, a found
value and an expectation, in a short message without control characters; no other exception
may escape. Every scenario that loads must run to a terminal outcome in every replicate.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model import NegotiationModel
from sim.problems import Problem
from sim.records import Outcome
from sim.scenario import (
    Scenario,
    ScenarioError,
    load_scenario,
    parse_override,
    parse_scenario,
    with_overrides,
)

ROOT = Path(__file__).resolve().parent.parent
BASES = [
    "scenarios/kosovo_2007.yaml",
    "scenarios/belgrade_pristina_2013.yaml",
    "scenarios/examples/two_party_bargaining.yaml",
    "scenarios/examples/eu_council_qmv.yaml",
    "scenarios/examples/syria_2011_2012.yaml",
    "scenarios/published/ec_car_emissions_1994.yaml",
    "scenarios/teaching/alliances.yaml",
    "scenarios/teaching/mediator_leverage.yaml",
]
DATA = {name: yaml.safe_load((ROOT / name).read_text(encoding="utf-8")) for name in BASES}
LOADED = {name: load_scenario(ROOT / name) for name in BASES}

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1))
    | st.sampled_from(["", "0.5", "1e-3", "no", "nan", "kosovo", "serbia", "[0, 1]", "$x^$"])
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value of a parsed YAML tree (keys and list indices)."""
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, (*prefix, index))
    return found


def mutated(data: Any, path: tuple[Any, ...], action: str, value: Any) -> Any:
    """A copy of `data` with the value at `path` replaced, removed, or given a sibling."""
    copy = yaml.safe_load(yaml.safe_dump(data))
    *parents, last = path
    node = copy
    for key in parents:
        node = node[key]
    if action == "replace":
        node[last] = value
    elif action == "remove":
        del node[last]
    elif isinstance(node, dict):
        node[f"unknown_{last}"] = value
    else:
        node.append(value)
    return copy


def assert_refused_well(error: ScenarioError, source: str) -> None:
    assert error.source.startswith(source)  # a variant's changes are "<file> (changes)"
    assert error.problems
    assert all(isinstance(p, Problem) and p.found and p.expected for p in error.problems)
    message = str(error)
    assert message.startswith(source)
    assert len(message) < 5000
    assert all(c.isprintable() or c == "\n" for c in message)


def assert_runs_to_an_end(scenario: Scenario) -> None:
    model = NegotiationModel(scenario, replicates=3, seed=7)
    records = model.run()
    assert records.replicates == 3
    assert (records.outcome != Outcome.ONGOING).all()
    assert ((records.end_round >= 0) & (records.end_round <= scenario.horizon)).all()


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_a_mutated_file_loads_and_runs_or_is_refused_with_a_path(data: st.DataObject) -> None:
    base = data.draw(st.sampled_from(BASES), label="base")
    path = data.draw(st.sampled_from(paths(DATA[base])), label="path")
    action = data.draw(st.sampled_from(["replace", "remove", "add"]), label="action")
    value = data.draw(VALUES, label="value")
    text = yaml.safe_dump(mutated(DATA[base], path, action, value), allow_unicode=False)
    try:
        scenario = parse_scenario(text, source="mutant.yaml", base_dir=ROOT / Path(base).parent)
    except ScenarioError as error:
        assert_refused_well(error, "mutant.yaml")
        return
    assert_runs_to_an_end(scenario)


def set_paths(name: str) -> list[str]:
    dumped = LOADED[name].model_dump(mode="json")
    return [".".join(map(str, path)) for path in paths(dumped)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_set_value_is_applied_or_refused_with_a_path(data: st.DataObject) -> None:
    base = data.draw(st.sampled_from(BASES), label="base")
    path = data.draw(
        st.sampled_from(set_paths(base)) | st.text(min_size=1, max_size=20), label="path"
    )
    text = data.draw(
        st.text(max_size=30)
        | VALUES.map(lambda v: yaml.safe_dump(v, default_flow_style=True, width=10**6).strip()),
        label="value",
    )
    try:
        key, value = parse_override(f"{path}={text}")
        scenario = with_overrides(LOADED[base], {key: value}, source="--set")
    except ScenarioError as error:
        assert_refused_well(error, "--set")
        return
    assert_runs_to_an_end(scenario)


@pytest.mark.parametrize("name", BASES)
def test_every_base_runs_to_an_end(name: str) -> None:
    assert_runs_to_an_end(LOADED[name])
