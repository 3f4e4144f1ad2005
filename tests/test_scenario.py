"""Tests for sim.scenario: loading, validation messages, overrides, JSON Schema, round trips."""

from __future__ import annotations

import copy
import json
import os
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from sim.scenario import (
    Problem,
    Scenario,
    ScenarioError,
    json_schema,
    load_scenario,
    parse_override,
    parse_scenario,
    round_of,
    with_overrides,
)

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
SOURCE = "mini.yaml"

# A minimal valid scenario: two disputants (alpha, beta) and one mediator (gamma).
MINIMAL = """\
name: mini
issues:
  x: "0 = one end; 1 = the other"
  y: "0 = one end; 1 = the other"
status_quo: {x: 0.5, y: 0.5}
parties:
  alpha: {disputant: true, position: {x: 0.1, y: 0.2}}
  beta: {disputant: true, position: {x: 0.9, y: 0.8}}
  gamma: {position: {x: 0.5, y: 0.5}}
mediation:
  mediators:
    gamma: {bias: 0.1}
horizon: 10
"""

# An optional Security Council over the same parties, as a change to MINIMAL.
COUNCIL = {
    "council": {
        "members": ["alpha", "beta", "gamma"],
        "permanent": ["gamma"],
        "threshold": 2,
        "sessions": [5],
        "sponsor": "gamma",
        "draft": {"x": 0.5, "y": 0.5},
    }
}

ALLIANCE = {"alliances": [{"between": ["alpha", "beta"], "strength": -0.5}]}
UNILATERAL = {"unilateral": {"alpha": {"point": {"x": 0.0, "y": 0.0}}}}

DELETE = object()
"""A change value that removes the key instead of setting it."""


def _edit(data: dict[str, Any], dotted: str, value: Any) -> None:
    """Set (or, with DELETE, remove) the value at a dotted path, creating mappings as needed."""
    *parents, last = dotted.split(".")
    node: Any = data
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
    if isinstance(node, list):
        node[int(last)] = value
    elif value is DELETE:
        del node[last]
    else:
        node[last] = value


def scenario_text(*changes: dict[str, Any]) -> str:
    """MINIMAL as YAML text with each change (dotted path -> value) applied in order."""
    data = yaml.safe_load(MINIMAL)
    for change in changes:
        for dotted, value in change.items():
            _edit(data, dotted, value if value is DELETE else copy.deepcopy(value))
    return yaml.safe_dump(data, sort_keys=False)


def scenario(*changes: dict[str, Any]) -> Scenario:
    return parse_scenario(scenario_text(*changes), SOURCE)


def error_of(text: str) -> ScenarioError:
    """The ScenarioError that parsing `text` raises."""
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, SOURCE)
    return info.value


def only_problem(text: str) -> Problem:
    """The single problem reported for `text`."""
    problems = error_of(text).problems
    assert len(problems) == 1, problems
    return problems[0]


def line_of(text: str, fragment: str) -> int:
    """The 1-based number of the first line of `text` that contains `fragment`."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def did_you_mean(word: str) -> str:
    return f"(did you mean {word!r}?)"


# --------------------------------------------------------------------------------------------
# Loading valid scenarios
# --------------------------------------------------------------------------------------------


def test_minimal_scenario_parses_with_defaults() -> None:
    s = parse_scenario(MINIMAL, SOURCE)
    assert isinstance(s, Scenario)
    assert s.issue_names == ["x", "y"]
    assert s.party_names == ["alpha", "beta", "gamma"]
    assert s.parties["alpha"].disputant and not s.parties["gamma"].disputant
    assert s.parties["alpha"].flexibility == 0.1  # default
    assert s.mediation.rule == "weighted_mean"  # default
    assert s.council is None
    assert s.horizon == 10


def test_minimal_scenario_with_council_alliance_and_unilateral_option_parses() -> None:
    s = scenario(COUNCIL, ALLIANCE, UNILATERAL)
    assert s.council is not None
    assert s.council.members == ["alpha", "beta", "gamma"]
    assert s.alliances[0].between == ["alpha", "beta"]
    assert s.unilateral["alpha"].point == {"x": 0.0, "y": 0.0}


def test_load_scenario_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "mini.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    assert load_scenario(path) == parse_scenario(MINIMAL, SOURCE)
    assert load_scenario(str(path)) == load_scenario(path)


def test_the_scenarios_directory_is_not_empty() -> None:
    assert sorted(SCENARIOS.glob("*.yaml"))


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_scenario_file_loads(path: Path) -> None:
    assert isinstance(load_scenario(path), Scenario)


def test_kosovo_scenario_values() -> None:
    s = load_scenario(SCENARIOS / "kosovo_2007.yaml")
    assert s.issue_names == ["sovereignty", "minority_protection", "international_presence"]
    assert [n for n, p in s.parties.items() if p.disputant] == ["kosovo", "serbia"]
    assert set(s.mediation.mediators) == {"eu", "russia", "usa"}
    assert s.council is not None
    assert len(s.council.members) == 15
    assert s.council.permanent == ["china", "france", "russia", "uk", "usa"]
    assert s.parties["russia"].flexibility == 0.05


# --------------------------------------------------------------------------------------------
# The shape of errors
# --------------------------------------------------------------------------------------------


def test_scenario_error_is_a_value_error() -> None:
    assert issubclass(ScenarioError, ValueError)


def test_error_names_source_path_found_and_expected() -> None:
    error = error_of(scenario_text({"parties.alpha.flexibility": 1.5}))
    [problem] = error.problems
    assert problem.path == "parties.alpha.flexibility"
    assert problem.found == "1.5"
    assert "1" in problem.expected
    assert (
        str(error) == f"{SOURCE}: parties.alpha.flexibility: found 1.5; expected {problem.expected}"
    )
    assert error.source == SOURCE


def test_several_problems_are_all_reported() -> None:
    error = error_of(scenario_text({"parties.alpha.flexibility": 1.5, "horizon": 0}))
    assert [p.path for p in error.problems] == ["parties.alpha.flexibility", "horizon"]
    lines = str(error).splitlines()
    assert lines[0] == f"{SOURCE}: 2 problems"
    assert lines[1:] == [f"  {p}" for p in error.problems]


def test_load_scenario_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(scenario_text({"parties.alpha.flexibility": 1.5}), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.source == str(path)
    assert str(info.value).startswith(f"{path}: parties.alpha.flexibility: found 1.5;")


# --------------------------------------------------------------------------------------------
# Schema problems: ranges, types, keys, literals, names
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "path", "found"),
    [
        ({"parties.alpha.flexibility": 1.5}, "parties.alpha.flexibility", "1.5"),
        ({"parties.alpha.flexibility": -0.1}, "parties.alpha.flexibility", "-0.1"),
        ({"parties.alpha.capability": 0}, "parties.alpha.capability", "0"),
        ({"parties.alpha.position.x": 1.2}, "parties.alpha.position.x", "1.2"),
        ({"mediation.mediators.gamma.bias": 2}, "mediation.mediators.gamma.bias", "2"),
        ({"horizon": 0}, "horizon", "0"),
    ],
)
def test_value_out_of_range(change: dict[str, Any], path: str, found: str) -> None:
    problem = only_problem(scenario_text(change))
    assert (problem.path, problem.found) == (path, found)


def test_wrong_type_a_string_where_a_number_goes() -> None:
    problem = only_problem(scenario_text({"parties.alpha.flexibility": "high"}))
    assert problem.path == "parties.alpha.flexibility"
    assert problem.found == "'high'"
    assert "number" in problem.expected


def test_wrong_type_a_scalar_where_a_mapping_goes() -> None:
    problem = only_problem(scenario_text({"mediation": 3}))
    assert (problem.path, problem.found) == ("mediation", "3")


@pytest.mark.parametrize(
    ("changes", "path", "suggestion"),
    [
        ([{"horizn": 20}], "horizn", "horizon"),
        ([{"parties.alpha.flexibilty": 0.2}], "parties.alpha.flexibilty", "flexibility"),
        ([{"mediation.rul": "nash"}], "mediation.rul", "rule"),
        ([{"mediation.mediators.gamma.biass": 0.2}], "mediation.mediators.gamma.biass", "bias"),
        (
            [
                ALLIANCE,
                {"alliances.0": {"between": ["alpha", "beta"], "strength": 0.1, "strenth": 0.1}},
            ],
            "alliances.0.strenth",
            "strength",
        ),
        ([COUNCIL, {"council.sponsr": "gamma"}], "council.sponsr", "sponsor"),
        (
            [UNILATERAL, {"unilateral.alpha.bse_rate": 0.1}],
            "unilateral.alpha.bse_rate",
            "base_rate",
        ),
        ([{"decision.nois": 0.1}], "decision.nois", "noise"),
    ],
)
def test_unknown_key_is_named_with_a_suggestion(
    changes: list[dict[str, Any]], path: str, suggestion: str
) -> None:
    problem = only_problem(scenario_text(*changes))
    assert problem.path == path
    assert problem.found == f"unknown key {path.rsplit('.', 1)[-1]!r}"
    assert did_you_mean(suggestion) in problem.expected


@pytest.mark.parametrize(
    "path",
    ["name", "issues", "status_quo", "parties", "parties.alpha.position"],
)
def test_missing_required_key(path: str) -> None:
    problem = only_problem(scenario_text({path: DELETE}))
    assert problem == Problem(path, "nothing", "a value (this key is required)")


def test_invalid_literal_lists_the_allowed_values_and_suggests_one() -> None:
    problem = only_problem(scenario_text({"mediation.rule": "nashh"}))
    assert problem.path == "mediation.rule"
    assert problem.found == "'nashh'"
    for rule in ("weighted_mean", "nash", "median"):
        assert repr(rule) in problem.expected
    assert problem.expected.endswith(did_you_mean("nash"))


def test_bad_party_name() -> None:
    text = MINIMAL.replace("  alpha:", "  Alpha:")
    problem = only_problem(text)
    assert problem.path == "parties.Alpha"
    assert problem.found == "'Alpha'"
    assert "lower-case" in problem.expected


# --------------------------------------------------------------------------------------------
# YAML-level problems: duplicates, syntax, unsafe tags, not a mapping, missing files
# --------------------------------------------------------------------------------------------


def test_duplicate_top_level_key_names_path_and_line() -> None:
    text = MINIMAL + "horizon: 20\n"
    line = line_of(text, "horizon: 20")
    problem = only_problem(text)
    assert problem == Problem("horizon", f"the key 'horizon' again on line {line}", "each key once")


def test_duplicate_nested_key_names_path_and_line() -> None:
    text = MINIMAL.replace("alpha: {disputant: true,", "alpha: {disputant: true, disputant: false,")
    problem = only_problem(text)
    line = line_of(text, "alpha:")
    assert problem == Problem(
        "parties.alpha.disputant", f"the key 'disputant' again on line {line}", "each key once"
    )


def test_malformed_yaml_names_the_line() -> None:
    text = MINIMAL.replace("horizon: 10", "horizon: 10: 3")
    problem = only_problem(text)
    assert re.fullmatch(rf"line {line_of(text, 'horizon')}, column \d+", problem.path)
    assert problem.found.startswith("invalid YAML")
    assert problem.expected == "well-formed YAML"


def test_unsafe_yaml_tag_is_an_error_and_is_not_executed(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(os, "system", calls.append)
    text = MINIMAL + 'description: !!python/object/apply:os.system ["echo hi"]\n'
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, SOURCE)
    assert calls == []
    assert str(info.value).startswith(f"{SOURCE}: ")


@pytest.mark.parametrize(
    ("text", "found"),
    [("- a\n- b\n", "a list"), ("42\n", "42"), ("just words\n", "'just words'"), ("", "nothing")],
    ids=["list", "int", "str", "empty"],
)
def test_document_that_is_not_a_mapping(text: str, found: str) -> None:
    assert only_problem(text) == Problem("", found, "a mapping of scenario keys")


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    [problem] = info.value.problems
    assert problem.path == ""
    assert "cannot be read" in problem.found
    assert str(info.value).startswith(f"{path}: ")


# --------------------------------------------------------------------------------------------
# Cross-reference problems
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        (
            [{"alliances": [{"between": ["alpha", "gama"], "strength": 0.3}]}],
            "alliances.0.between.1",
        ),
        ([{"mediation.mediators": {"gama": {}}}], "mediation.mediators.gama"),
        (
            [COUNCIL, {"council.members": ["alpha", "gama", "gamma"]}],
            "council.members.1",
        ),
        ([COUNCIL, {"council.sponsor": "gama"}], "council.sponsor"),
        ([{"unilateral": {"gama": {"point": {"x": 1, "y": 1}}}}], "unilateral.gama"),
    ],
)
def test_reference_to_an_undefined_party(changes: list[dict[str, Any]], path: str) -> None:
    problem = only_problem(scenario_text(*changes))
    assert problem.path == path
    assert problem.found == "'gama', which is not a party"
    assert problem.expected == f"one of: alpha, beta, gamma {did_you_mean('gamma')}"


def test_permanent_member_that_is_undefined_gets_a_suggestion() -> None:
    problem = only_problem(scenario_text(COUNCIL, {"council.permanent": ["gama"]}))
    assert problem.path == "council.permanent.0"
    assert problem.found == "'gama', which is not a member"
    assert problem.expected.endswith(did_you_mean("gamma"))


def test_permanent_member_that_is_not_a_member() -> None:
    text = scenario_text(
        COUNCIL,
        {"council.members": ["alpha", "gamma"], "council.permanent": ["beta"]},
    )
    assert only_problem(text) == Problem(
        "council.permanent.0", "'beta', which is not a member", "one of: alpha, gamma"
    )


def test_threshold_above_the_number_of_members() -> None:
    problem = only_problem(scenario_text(COUNCIL, {"council.threshold": 4}))
    assert problem == Problem("council.threshold", "4", "at most the number of members (3)")
    scenario(COUNCIL, {"council.threshold": 3})  # exactly all members is fine


def test_council_session_after_the_horizon() -> None:
    problem = only_problem(scenario_text(COUNCIL, {"council.sessions": [3, 11]}))
    assert problem == Problem("council.sessions.1", "11", "a round within the horizon (10)")
    scenario(COUNCIL, {"council.sessions": [10]})  # the last round is fine


def test_undefined_issue_in_a_position() -> None:
    problem = only_problem(scenario_text({"parties.alpha.position.yy": 0.3}))
    assert problem == Problem(
        "parties.alpha.position.yy", "an undefined issue", f"one of: x, y {did_you_mean('y')}"
    )


def test_position_missing_an_issue() -> None:
    problem = only_problem(scenario_text({"parties.alpha.position.y": DELETE}))
    assert problem == Problem(
        "parties.alpha.position", "no value for y", "a value for every issue: x, y"
    )


def test_red_line_with_low_above_high() -> None:
    problem = only_problem(scenario_text({"parties.alpha.red_lines": {"x": [0.6, 0.4]}}))
    assert problem == Problem(
        "parties.alpha.red_lines.x", "[0.6, 0.4]", "[low, high] with low <= high"
    )


def test_position_outside_the_partys_own_red_line() -> None:
    problem = only_problem(scenario_text({"parties.alpha.red_lines": {"x": [0.5, 1.0]}}))
    assert problem == Problem(
        "parties.alpha.position.x", "0.1", "a position inside the party's red line [0.5, 1.0]"
    )
    scenario({"parties.alpha.red_lines": {"x": [0.1, 0.3]}})  # on the edge is inside


def test_fewer_than_two_disputants() -> None:
    problem = only_problem(scenario_text({"parties.beta.disputant": False}))
    assert problem == Problem(
        "parties",
        "fewer than two disputants",
        "at least two parties with disputant: true (talks need two sides; a scenario "
        "without a mediation section may have none)",
    )
    # Without talks, a body may decide with no disputant at all.
    scenario({"parties.beta.disputant": False, "mediation": DELETE})


# --------------------------------------------------------------------------------------------
# Overrides
# --------------------------------------------------------------------------------------------

BASE = scenario(COUNCIL, ALLIANCE)


def override_problems(overrides: dict[str, Any]) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        with_overrides(BASE, overrides)
    return info.value.problems


def test_override_returns_a_new_scenario_and_leaves_the_original_alone() -> None:
    changed = with_overrides(BASE, {"parties.alpha.flexibility": 0.3})
    assert changed.parties["alpha"].flexibility == 0.3
    assert BASE.parties["alpha"].flexibility == 0.1
    assert changed.model_copy(update={"parties": BASE.parties}) == BASE


def test_override_with_a_list_index() -> None:
    changed = with_overrides(BASE, {"alliances.0.strength": 0.4, "council.sessions.0": 7})
    assert changed.alliances[0].strength == 0.4
    assert changed.council is not None and changed.council.sessions == [7]


def test_override_with_no_changes_is_equal() -> None:
    assert with_overrides(BASE, {}) == BASE


@pytest.mark.parametrize(
    ("dotted", "path", "suggestion"),
    [
        ("horizn", "horizn", "horizon"),
        ("parties.alpha.flexibilty", "parties.alpha.flexibilty", "flexibility"),
        ("parties.alpah.flexibility", "parties.alpah", "alpha"),
    ],
)
def test_override_of_an_unknown_path(dotted: str, path: str, suggestion: str) -> None:
    [problem] = override_problems({dotted: 1})
    assert problem.path == path
    assert did_you_mean(suggestion) in problem.expected


def test_override_list_index_out_of_range() -> None:
    [problem] = override_problems({"alliances.3.strength": 0.1})
    assert problem == Problem("alliances.3", "'3'", "an index from 0 to 0")


def test_override_producing_an_invalid_value() -> None:
    with pytest.raises(ScenarioError) as info:
        with_overrides(BASE, {"parties.alpha.flexibility": 2}, source="--set")
    [problem] = info.value.problems
    assert (problem.path, problem.found) == ("parties.alpha.flexibility", "2")
    assert str(info.value).startswith("--set: parties.alpha.flexibility: found 2;")


def test_override_is_cross_checked() -> None:
    [problem] = override_problems({"horizon": 4})
    assert problem == Problem("council.sessions.0", "5", "a round within the horizon (4)")


def test_several_bad_override_paths_are_all_reported() -> None:
    problems = override_problems({"horizn": 1, "seeed": 2})
    assert [p.path for p in problems] == ["horizn", "seeed"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("horizon=40", ("horizon", 40)),
        ("parties.alpha.flexibility=0.25", ("parties.alpha.flexibility", 0.25)),
        ("council.veto=false", ("council.veto", False)),
        ("council.sessions=[3, 7]", ("council.sessions", [3, 7])),
        (" horizon = 40 ", ("horizon", 40)),
        ("description=a=b", ("description", "a=b")),
    ],
)
def test_parse_override(text: str, expected: tuple[str, Any]) -> None:
    assert parse_override(text) == expected


@pytest.mark.parametrize("text", ["horizon", "=40", "horizon=[1, 2"])
def test_parse_override_rejects_malformed_text(text: str) -> None:
    with pytest.raises(ScenarioError):
        parse_override(text)


def test_parsed_override_applies() -> None:
    changed = with_overrides(BASE, dict([parse_override("horizon=40")]))
    assert changed.horizon == 40


FLEXIBILITY_VALUES = st.one_of(
    st.floats(),
    st.integers(),
    st.booleans(),
    st.none(),
    st.text(max_size=8),
    st.lists(st.floats(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.floats(), max_size=2),
)


@given(FLEXIBILITY_VALUES)
def test_flexibility_override_succeeds_in_range_or_names_the_path(value: Any) -> None:
    try:
        changed = with_overrides(BASE, {"parties.beta.flexibility": value})
    except ScenarioError as error:
        # the value's path, or a key inside it (text with a control character is named there)
        assert {tuple(p.path.split(".")[:3]) for p in error.problems} == {
            ("parties", "beta", "flexibility")
        }
    else:
        assert 0.0 <= changed.parties["beta"].flexibility <= 1.0


# --------------------------------------------------------------------------------------------
# JSON Schema
# --------------------------------------------------------------------------------------------

SCHEMA = json.loads(json_schema())
TOP_LEVEL_KEYS = (
    "name",
    "issues",
    "status_quo",
    "parties",
    "alliances",
    "mediation",
    "council",
    "unilateral",
    "decision",
    "horizon",
    "replicates",
    "seed",
)


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    """Follow a local `$ref` (if any) to its definition; of an optional value, the value's."""
    options = [option for option in schema.get("anyOf", []) if option.get("type") != "null"]
    if len(options) == 1:
        schema = options[0]
    ref = schema.get("$ref")
    if ref is None:
        return schema
    assert ref.startswith("#/$defs/"), ref
    return SCHEMA["$defs"][ref.removeprefix("#/$defs/")]


def _scenario_schema() -> dict[str, Any]:
    """The schema of a whole scenario: the root, or the root's alternative that has `parties`."""
    candidates = [SCHEMA, *SCHEMA.get("anyOf", []), *SCHEMA.get("oneOf", [])]
    resolved = [_resolve(c) for c in candidates]
    [scenario] = [c for c in resolved if "parties" in c.get("properties", {})]
    return scenario


def _value_schema(obj: dict[str, Any], key: str) -> Any:
    """What JSON Schema requires of the value at `key` in an object, or None if `key` is barred."""
    names = obj.get("propertyNames", {})
    if "pattern" in names and not re.search(names["pattern"], key):
        return None
    if key in obj.get("properties", {}):
        return obj["properties"][key]
    for pattern, schema in obj.get("patternProperties", {}).items():
        if re.search(pattern, key):
            return schema
    extra = obj.get("additionalProperties", True)
    return None if extra is False else extra


def test_json_schema_is_json_with_the_top_level_keys() -> None:
    assert SCHEMA["$schema"].startswith("https://json-schema.org/")
    scenario = _scenario_schema()
    assert scenario["type"] == "object"
    assert set(TOP_LEVEL_KEYS) <= set(scenario["properties"])
    assert scenario["additionalProperties"] is False
    assert set(scenario["required"]) == {"name", "issues", "status_quo", "parties"}


def test_json_schema_party_definition() -> None:
    parties = _scenario_schema()["properties"]["parties"]
    assert parties["type"] == "object"
    party = _resolve(_value_schema(parties, "russia"))
    flexibility = party["properties"]["flexibility"]
    assert (flexibility["minimum"], flexibility["maximum"]) == (0, 1)
    assert party["additionalProperties"] is False
    assert party["required"] == ["position"]


def test_json_schema_rejects_what_the_loader_rejects_as_a_party_name() -> None:
    parties = _scenario_schema()["properties"]["parties"]
    assert _value_schema(parties, "Russia") is None


def test_json_schema_lists_the_allowed_rules() -> None:
    # The choices are listed as `oneOf` constants, each with its description (sim.rules).
    mediation = _resolve(_scenario_schema()["properties"]["mediation"])
    choices = mediation["properties"]["rule"]["oneOf"]
    assert [choice["const"] for choice in choices] == ["weighted_mean", "nash", "median"]


# --------------------------------------------------------------------------------------------
# Round trips
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "original",
    [
        parse_scenario(MINIMAL, SOURCE),
        scenario(COUNCIL, ALLIANCE, UNILATERAL, {"parties.alpha.red_lines": {"x": [0.0, 0.4]}}),
        load_scenario(SCENARIOS / "kosovo_2007.yaml"),
    ],
    ids=["minimal", "full", "kosovo"],
)
def test_to_yaml_round_trips(original: Scenario) -> None:
    assert parse_scenario(original.to_yaml(), "round trip") == original


# --------------------------------------------------------------------------------------------
# Keys YAML does not read as text, and numbers given as text or booleans
# --------------------------------------------------------------------------------------------


def test_unquoted_yaml_boolean_as_a_party_name_is_named() -> None:
    problems = error_of(scenario_text().replace("gamma", "no")).problems
    assert [p.path for p in problems] == ["parties.no", "mediation.mediators.no"]
    assert "reads as a bool" in problems[0].found
    assert "quote it ('no')" in problems[0].expected


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"parties.alpha.flexibility": "0.3"}, "parties.alpha.flexibility"),
        ({"parties.alpha.flexibility": True}, "parties.alpha.flexibility"),
        ({"horizon": True}, "horizon"),
    ],
)
def test_numbers_must_be_numbers(change: dict[str, Any], path: str) -> None:
    assert only_problem(scenario_text(change)).path == path


# --------------------------------------------------------------------------------------------
# Variants: a base scenario plus changes
# --------------------------------------------------------------------------------------------


def write_variant(folder: Path, changes: dict[str, Any], extends: str = "base.yaml") -> Path:
    (folder / "base.yaml").write_text(scenario_text(), encoding="utf-8")
    variant = {"extends": extends, "name": "variant", "sources": ["a"], "changes": changes}
    path = folder / "variant.yaml"
    path.write_text(yaml.safe_dump(variant), encoding="utf-8")
    return path


def test_variant_is_the_base_with_its_changes(tmp_path: Path) -> None:
    variant = load_scenario(write_variant(tmp_path, {"parties.alpha.flexibility": 0.4}))
    base = load_scenario(tmp_path / "base.yaml")
    assert variant.name == "variant"
    assert variant.parties["alpha"].flexibility == 0.4
    assert variant.sources == [*base.sources, "a"]
    expected = with_overrides(base, {"parties.alpha.flexibility": 0.4, "name": "variant"})
    assert variant.parties == expected.parties


def test_variant_with_a_bad_change_names_the_variant_file_and_path(tmp_path: Path) -> None:
    path = write_variant(tmp_path, {"parties.alpha.flexibilty": 0.4})
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(path) in str(info.value)
    assert info.value.problems[0].path == "parties.alpha.flexibilty"
    assert did_you_mean("flexibility") in info.value.problems[0].expected


def test_variant_of_a_missing_base_names_the_base(tmp_path: Path) -> None:
    path = write_variant(tmp_path, {"horizon": 5}, extends="nowhere.yaml")
    with pytest.raises(ScenarioError, match=re.escape("nowhere.yaml")):
        load_scenario(path)


def test_variant_that_extends_itself_is_an_error(tmp_path: Path) -> None:
    path = write_variant(tmp_path, {"horizon": 5}, extends="variant.yaml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.problems[0].path == "extends"


def test_variant_with_an_unknown_key_gets_a_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "variant.yaml"
    path.write_text("extends: base.yaml\nname: v\nchange: {horizon: 3}\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert did_you_mean("changes") in str(info.value)


# --------------------------------------------------------------------------------------------
# Hostile and degenerate input
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"parties.alpha.capability": float("inf")}, "parties.alpha.capability"),
        ({"ripeness": float("inf")}, "ripeness"),
    ],
)
def test_infinite_numbers_are_refused(change: dict[str, Any], path: str) -> None:
    problem = only_problem(scenario_text(change))
    assert (problem.path, problem.expected) == (path, "a finite number")


def test_a_number_written_as_text_gets_a_hint() -> None:
    problem = only_problem(scenario_text().replace("horizon: 10", "ripeness: 1e-3\nhorizon: 10"))
    assert problem.path == "ripeness"
    assert "e.g. 1.0e-3, 1.0e+5" in problem.expected


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"mediation.first_round": 11}, "mediation.first_round"),
        ({**UNILATERAL, "unilateral.alpha.earliest_round": 11}, "unilateral.alpha.earliest_round"),
    ],
)
def test_rounds_beyond_the_horizon_are_refused(change: dict[str, Any], path: str) -> None:
    problem = only_problem(scenario_text(change))
    assert problem.path == path
    assert "horizon (10)" in problem.expected


def test_nested_aliases_are_read_once(tmp_path: Path) -> None:
    # "Billion laughs": each level refers nine times to the one below. The loader must not walk
    # the 9**12 expanded copies: it counts them, once per node, and refuses the text.
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 13):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    text = scenario_text().replace("horizon: 10", "horizon: 10\n" + "\n".join(lines))
    problem = only_problem(text)
    assert problem.found == "more than 50,000 values once its aliases (*name) are expanded"


def test_deep_nesting_is_an_error_not_a_traceback() -> None:
    text = scenario_text() + "description: " + "[" * 5000 + "]" * 5000 + "\n"
    problem = only_problem(text)
    assert problem.found == "nesting deeper than 40 levels"
    assert problem.path == "description" + ".0" * 39


# --------------------------------------------------------------------------------------------
# Model 2: cores, costs, restraint, leverage, events, declared uncertainty
# --------------------------------------------------------------------------------------------

MODEL_TWO = {
    "parties.alpha.red_lines": {"x": [0.0, 0.4]},
    "parties.alpha.red_line_cores": {"x": [0.0, 0.6]},
    "parties.alpha.stalemate_cost": 0.01,
    "parties.alpha.audience_cost": 0.05,
    "parties.gamma.restraint": 0.5,
    "leverage": {
        "gamma": {"budget": 0.2, "inducements": {"alpha": 0.1}, "sanctions": {"alpha": 0.01}}
    },
    "events": [
        {"name": "vote", "round": 3, "probability": 0.4, "set": {"parties.gamma.restraint": 1}}
    ],
    "unilateral": {
        "alpha": {"point": {"x": 0.0, "y": 0.0}, "rule": "expected_value", "resolve": 1.5}
    },
    "parties.beta.capability": {"uniform": [0.5, 1.5]},
}


def test_a_model_two_scenario_parses_with_its_values() -> None:
    parsed = scenario(MODEL_TWO)
    alpha = parsed.parties["alpha"]
    assert alpha.red_line_cores == {"x": [0.0, 0.6]}
    assert (alpha.stalemate_cost, alpha.audience_cost) == (0.01, 0.05)
    assert parsed.parties["beta"].stalemate_cost is None  # default: the scenario's ripeness
    assert parsed.parties["gamma"].restraint == 0.5
    assert parsed.leverage["gamma"].from_round == 1
    assert parsed.events[0].probability == 0.4
    assert parsed.unilateral["alpha"].rule == "expected_value"
    assert parsed.parties["beta"].capability == 1.0  # the central value
    assert list(parsed.uncertainty) == ["parties.beta.capability"]


def test_a_model_two_scenario_round_trips() -> None:
    original = scenario(MODEL_TWO)
    assert parse_scenario(original.to_yaml(), "round trip") == original


@pytest.mark.parametrize(
    ("change", "path", "expected"),
    [
        (
            {"parties.alpha.red_line_cores": {"x": [0.6, 0.4]}},
            "parties.alpha.red_line_cores.x",
            "[low, high] with low <= high",
        ),
        (
            {"parties.alpha.red_line_cores": {"z": [0.0, 1.0]}},
            "parties.alpha.red_line_cores.z",
            "",
        ),
        ({"parties.alpha.stalemate_cost": -0.1}, "parties.alpha.stalemate_cost", "greater than"),
        ({"parties.alpha.audience_cost": -1}, "parties.alpha.audience_cost", "greater than"),
        ({"parties.gamma.restraint": 2}, "parties.gamma.restraint", "less than or equal to 1"),
        (
            {"unilateral": {"alpha": {"point": {"x": 0.0, "y": 0.0}, "rule": "coin"}}},
            "unilateral.alpha.rule",
            "",
        ),
        (
            {"unilateral": {"alpha": {"point": {"x": 0.0, "y": 0.0}, "resolve": -1}}},
            "unilateral.alpha.resolve",
            "greater than",
        ),
        ({"leverage": {"nobody": {"budget": 0.1}}}, "leverage.nobody", ""),
        (
            {"leverage": {"gamma": {"budget": 0.1, "inducements": {"gamma": 0.1}}}},
            "leverage.gamma.inducements.gamma",
            "",
        ),
        (
            {"leverage": {"gamma": {"budget": 0.1, "inducements": {"alpha": 0.1, "beta": 0.1}}}},
            "leverage.gamma.inducements",
            "at most the budget (0.1)",
        ),
        (
            {"leverage": {"gamma": {"budget": 0.1, "from_round": 11}}},
            "leverage.gamma.from_round",
            "",
        ),
    ],
)
def test_a_bad_model_two_value_is_named(change: dict[str, Any], path: str, expected: str) -> None:
    problem = only_problem(scenario_text(change))
    assert problem.path == path
    assert expected in problem.expected


def test_a_core_inside_the_stated_red_line_is_read() -> None:
    # It is taken as the stated line by the model (test_stalemate.py).
    parsed = scenario(
        {"parties.alpha.red_lines": {"x": [0.0, 0.4]}},
        {"parties.alpha.red_line_cores": {"x": [0.1, 0.3]}},
    )
    assert parsed.parties["alpha"].red_line_cores == {"x": [0.1, 0.3]}


def test_a_sanction_on_a_party_that_is_not_a_disputant_names_the_disputants() -> None:
    problem = only_problem(
        scenario_text({"leverage": {"alpha": {"budget": 0.0, "sanctions": {"gamma": 0.1}}}})
    )
    assert problem.path == "leverage.alpha.sanctions.gamma"
    assert "not a disputant" in problem.found


@pytest.mark.parametrize(
    "change",
    [
        {"unilateral": {"beta": {"point": {"x": 1.0, "y": 1.0}}}},
        {"leverage": {"gamma": {"budget": 0.1, "sanctions": {"beta": 0.01}}}},
        {"leverage": {"beta": {"budget": 0.1}}},
    ],
    ids=["unilateral", "sanctions", "leverage"],
)
def test_a_party_named_like_a_distribution_is_a_party(change: dict[str, Any]) -> None:
    assert scenario(change).parties["beta"].disputant


# --------------------------------------------------------------------------------------------
# Former section names, issue scales, decision bodies
# --------------------------------------------------------------------------------------------


def test_former_section_names_are_still_read() -> None:
    text = scenario_text(COUNCIL).replace("council:", "security_council:")
    text = text.replace("  mediators:", "  troika:")
    assert "security_council:" in text and "troika:" in text
    old = parse_scenario(text, SOURCE)
    assert old == scenario(COUNCIL)
    assert with_overrides(old, {"security_council.threshold": 3}).council.threshold == 3
    changed = with_overrides(old, {"mediation.troika.gamma.bias": 0.2})
    assert changed.mediation.mediators["gamma"].bias == 0.2


def test_an_issue_on_its_own_scale_places_every_point_on_it() -> None:
    scaled = {"issues.x": {"description": "a budget", "scale": [0, 10], "labels": ["0", "10"]}}
    problem = only_problem(scenario_text(scaled, {"parties.alpha.position.x": 12}))
    assert problem == Problem(
        "parties.alpha.position.x", "12.0", "a value on the issue's scale [0, 10]"
    )
    line = {"parties.alpha.red_lines": {"x": [2, 11]}, "parties.alpha.position.x": 5}
    assert only_problem(scenario_text(scaled, line)).path == "parties.alpha.red_lines.x.1"
    loaded = scenario(scaled, {"parties.alpha.position.x": 7, "status_quo.x": 5})
    assert loaded.scales == {"x": (0.0, 10.0), "y": (0.0, 1.0)}
    assert loaded.issue("x").labels == ["0", "10"] and loaded.issue("y").scale == [0.0, 1.0]


def test_an_issue_scale_must_run_from_low_to_high() -> None:
    problem = only_problem(scenario_text({"issues.x": {"scale": [3, 3]}}))
    assert problem == Problem("issues.x.scale", "[3, 3]", "[low, high] with low < high")


def test_salience_lies_on_its_scale() -> None:
    problem = only_problem(scenario_text({"parties.alpha.salience": {"x": 80, "y": 0.2}}))
    assert problem == Problem(
        "parties.alpha.salience.x", "80.0", "a salience from 0 to the salience_scale (1)"
    )
    scenario({"parties.alpha.salience": {"x": 80, "y": 20}, "salience_scale": 100})


def test_a_body_with_terms_and_sessions_of_its_own() -> None:
    body = {
        "council.terms": [{"from_round": 4, "members": ["alpha", "beta"]}],
        "council.sessions": [2, {"round": 6, "label": "second", "draft": {"x": 0.1, "y": 0.2}}],
    }
    loaded = scenario(COUNCIL, body)
    council = loaded.council
    assert council.seats == ["alpha", "beta", "gamma"]
    assert council.members_at(3) == ["alpha", "beta", "gamma"]
    assert council.members_at(4) == ["alpha", "beta"]
    assert council.session_rounds == [2, 6]
    assert council.schedule[1].label == "second"
    twice = scenario_text(COUNCIL, body, {"council.sessions": [{"round": 6}, {"round": 6}]})
    paths = [problem.path for problem in error_of(twice).problems]
    assert paths == ["council.sessions.0.round", "council.sessions.1.round"]


def test_a_voting_rule_that_cannot_decide_is_refused() -> None:
    problem = only_problem(scenario_text(COUNCIL, {"council.voting": "eu_council_2014"}))
    assert problem.path == "council"
    assert "needs weights" in problem.found


def test_without_talks_no_disputant_is_needed() -> None:
    loaded = scenario(
        COUNCIL,
        {"mediation": DELETE, "parties.alpha.disputant": False, "parties.beta.disputant": False},
    )
    assert loaded.mediation is None


@pytest.mark.parametrize(
    ("unit", "day", "expected"),
    [
        # Round 1 begins on Monday 1 October 2012.
        ("day", date(2012, 10, 1), 1),
        ("day", date(2012, 10, 31), 31),
        ("week", date(2012, 10, 7), 1),  # the first seven days
        ("week", date(2012, 10, 8), 2),
        ("month", date(2012, 10, 31), 1),
        ("month", date(2013, 1, 1), 4),  # the Council's rotation, three months on
        ("year", date(2013, 9, 30), 1),
        ("year", date(2013, 10, 1), 2),
    ],
)
def test_round_of_a_day(unit: str, day: date, expected: int) -> None:
    assert round_of(date(2012, 10, 1), unit, day) == expected


def test_sessions_and_terms_may_be_given_by_date() -> None:
    dated = {
        "start": "2012-10-01",
        "time_unit": "month",
        "council.terms": [{"from_date": "2013-01-01", "members": ["alpha", "beta"]}],
        "council.sessions": [{"date": "2012-11-15"}],
    }
    loaded = scenario(COUNCIL, dated)
    assert loaded.council.session_rounds == [2]
    assert loaded.council.terms[0].from_round == 4
    assert with_overrides(loaded, {"start": "2012-09-01"}).council.session_rounds == [3]
    # A round given with a date must be the date's, in a file and in an override.
    agreeing = {"council.sessions": [{"date": "2012-11-15", "round": 2}]}
    assert scenario(COUNCIL, dated, agreeing).council.session_rounds == [2]
    conflict = {"council.sessions": [{"date": "2012-11-15", "round": 9}]}
    problem = only_problem(scenario_text(COUNCIL, dated, conflict))
    assert problem.path == "council.sessions.0"
    assert problem.found == "round 9 and date 2012-11-15 (round 2)"
    with pytest.raises(ScenarioError, match=r"council\.sessions\.0: found round 3 and date"):
        with_overrides(loaded, {"council.sessions.0.round": 3})
    # A date outside the run names the date and its round.
    late = {"council.terms": [{"from_date": "2019-01-01", "members": ["alpha", "beta"]}]}
    problem = only_problem(scenario_text(COUNCIL, dated, late))
    assert problem == Problem(
        "council.terms.0.from_date",
        "2019-01-01 (round 76)",
        "a day in rounds 2 to 10 (the horizon)",
    )


@pytest.mark.parametrize(
    ("changes", "path", "expected"),
    [
        ({"time_unit": "month"}, "council.sessions.0.date", "a round, or a scenario with a start"),
        (
            {"start": "2012-10-01", "time_unit": "round"},
            "council.sessions.0.date",
            "a round, or a scenario with a start",
        ),
        (
            {"start": "2013-10-01", "time_unit": "month"},
            "council.sessions.0.date",
            "a day on or after the start (2013-10-01)",
        ),
    ],
)
def test_a_date_needs_a_calendar(changes: dict[str, Any], path: str, expected: str) -> None:
    session = {"council.sessions": [{"date": "2012-11-15"}]}
    problem = only_problem(scenario_text(COUNCIL, session, changes))
    assert problem.path == path
    assert problem.expected.startswith(expected)


def test_a_date_that_is_not_one_is_refused() -> None:
    session = {"council.sessions": [{"date": "the ides of March"}]}
    problem = only_problem(scenario_text(COUNCIL, session, {"start": "2012-10-01"}))
    assert problem == Problem(
        "council.sessions.0.date", "'the ides of March'", "a date, e.g. 2012-01-01"
    )
