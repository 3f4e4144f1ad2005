"""Scenario files: schema, safe YAML loading, validation and dotted-path overrides.

A scenario is a YAML file describing one negotiation: the issue space, the parties, their
alliances, the mediating troika, the Security Council and the unilateral options (see
docs/ODD.md for the meaning, range and source of every value). Files are parsed with PyYAML's
safe loader only, checked for duplicate keys (which PyYAML would silently collapse), validated
against the pydantic schema below, and then checked for cross-references. Every problem is
reported as a `ScenarioError` that names the file, the dotted path inside it, what was found
and what was expected; nothing runs on an invalid file.
"""

from __future__ import annotations

import difflib
import functools
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError

from sim.compliance import COMPLIANCE_RULES
from sim.distributions import (
    DISTRIBUTION,
    DISTRIBUTION_KINDS,
    DISTRIBUTION_SHAPES,
    Choice,
    Distribution,
    distribution_kind,
)
from sim.inputs import shown
from sim.mediation import COMPROMISE_RULES
from sim.problems import Problem, ScenarioError, describe, is_index
from sim.stalemate import RED_LINE_RULES
from sim.strategies import SPONSOR_STRATEGIES
from sim.unilateral import UNILATERAL_RULES
from sim.voting import VOTING_RULES, VotingRule, rule_from_preset
from sim.yaml_reading import MAX_DEPTH, read_yaml, read_yaml_file

Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
"""A party or issue name: lower-case letters, digits and underscores, starting with a letter."""

Label = Annotated[str, StringConstraints(max_length=120)]
"""A display name, drawn on figures and told in narrated runs: at most 120 characters."""

MAX_HORIZON = 10_000
"""The most rounds a scenario may run."""

Unit = Annotated[float, Field(ge=0.0, le=1.0)]
"""A number in [0, 1]: a coordinate of the issue space, a share or a probability."""

Coordinate = Annotated[float, Field(allow_inf_nan=False)]
"""A coordinate on an issue, in the issue's own units (its `scale`, [0, 1] by default)."""

Point = dict[Name, Coordinate]
"""A point of the issue space: one coordinate per issue, each on its issue's scale."""

Day = Annotated[date, Field(strict=False)]
"""A calendar day: a YAML date or an ISO text, e.g. 2012-01-01."""

NonNegative = Annotated[float, Field(ge=0.0)]
"""A number >= 0: a utility, a cost or a rate."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class PartySpec(_Strict):
    """One party (agent): its stance, power and roles."""

    label: Label | None = Field(None, description="Display name, e.g. 'Russian Federation'.")
    position: Point = Field(description="Ideal point: one value per issue, on its scale.")
    salience: dict[Name, Annotated[float, Field(ge=0.0)]] | None = Field(
        None,
        description="How much each issue matters to the party, absolute, from 0 (not at all) "
        "to the scenario's salience_scale (the most an issue can matter; 1 unless the "
        "scenario says otherwise); default: 1/K of the scale on each of the K issues.",
    )
    capability: float = Field(1.0, gt=0.0, description="Relative power (> 0).")
    flexibility: Unit = Field(
        0.1, description="Share of the distance to its targets the party moves per round."
    )
    red_lines: dict[Name, Annotated[list[Coordinate], Field(min_length=2, max_length=2)]] = Field(
        default_factory=dict,
        description="Acceptable interval [low, high] per issue; default: the whole scale.",
    )
    disputant: bool = Field(False, description="A principal whose consent an agreement needs.")
    no_deal: Point | None = Field(
        None,
        description="The point the party expects without an agreement (its BATNA); "
        "default: the status quo.",
    )
    red_line_cores: dict[Name, Annotated[list[Coordinate], Field(min_length=2, max_length=2)]] = (
        Field(
            default_factory=dict,
            description="The core [low, high] of a red line, never given up: the stated red line "
            "gives way toward it under a hurting stalemate; default: the stated red line.",
        )
    )
    stalemate_cost: NonNegative | None = Field(
        None,
        description="Utility the party loses per round of stalemate (a hurting stalemate); "
        "default: the scenario's ripeness for a disputant, 0 for any other party.",
    )
    audience_cost: NonNegative = Field(
        0.0, description="Utility cost of retreating in public from its stated red lines."
    )
    restraint: Unit = Field(
        0.0, description="How strongly the party holds its clients back from acting alone."
    )


class Alliance(_Strict):
    """A weighted tie between two parties (negative strength: rivalry)."""

    between: Annotated[list[Name], Field(min_length=2, max_length=2)]
    strength: Annotated[float, Field(ge=-1.0, le=1.0)]


class TroikaMember(_Strict):
    """A mediator's settings."""

    bias: Unit = Field(0.0, description="Share of the way its proposal is shifted to its own view.")


class Mediation(_Strict):
    """The talks: the mediators (a troika, one envoy, or none) and their compromise rule."""

    mediators: dict[Name, TroikaMember] = Field(
        default_factory=dict,
        description="The mediating parties and their biases (the troika of EU, Russia and the "
        "USA in 2007; one envoy; or none: the disputants bargain directly and each round's "
        "proposal is the compromise rule's point).",
    )
    rule: COMPROMISE_RULES.choice() = Field(  # type: ignore[valid-type]
        "weighted_mean", description="The compromise rule (see sim.mediation.COMPROMISE_RULES)."
    )
    cohesion: Annotated[float, Field(ge=0.0)] = Field(
        1.0,
        description="Largest gap (on any issue) between two members' proposals for the troika "
        "to stay united; 1 means it never splits.",
    )
    pull: Unit = Field(1.0, description="Weight of the proposal in a disputant's stance update.")
    formulate: bool = Field(
        False,
        description="Whether the troika moves its proposal into the range every disputant "
        "can accept (their red lines in force), on each issue where that range exists.",
    )
    first_round: Annotated[int, Field(ge=1, le=MAX_HORIZON)] = 1
    deadline: Annotated[int, Field(ge=1)] | None = Field(
        None, description="Last round of talks; default: the horizon."
    )


class CouncilSession(_Strict):
    """One scheduled session of the body, with its own draft, sponsor or strategy if it has them."""

    round: Annotated[int, Field(ge=1, le=MAX_HORIZON)] = Field(
        description="The round the body sits in."
    )
    date: Day | None = Field(
        None, description="The day it sits, in place of the round (needs the scenario's start)."
    )
    label: Label | None = Field(None, description="What was voted on, e.g. 'S/2011/612'.")
    draft: Point | None = Field(None, description="The draft tabled; default: the body's draft.")
    sponsor: Name | None = Field(None, description="Its sponsor; default: the body's sponsor.")
    strategy: SPONSOR_STRATEGIES.choice() | None = Field(  # type: ignore[valid-type]
        None, description="The sponsor's strategy; default: the body's strategy."
    )


class Term(_Strict):
    """A membership that takes its seats from a round on (elected members rotate on 1 January)."""

    from_round: Annotated[int, Field(ge=2, le=MAX_HORIZON)] = Field(
        description="The first round it sits in."
    )
    from_date: Day | None = Field(
        None,
        description="The day it takes its seats, in place of from_round (needs the scenario's "
        "start), e.g. 2012-01-01.",
    )
    members: list[Name] = Field(min_length=1, description="The members from that round on.")


class CouncilSpec(_Strict):
    """A decision body: its members, its voting rule, its sessions and the sponsor's draft.

    The voting rule is a preset (`voting`, see sim.voting.VOTING_RULES: the Security Council,
    the EU Council's qualified majorities, unanimity, a simple majority) whose single values
    the fields below may replace.
    """

    label: Label | None = Field(None, description="Display name, e.g. 'UN Security Council'.")
    voting: VOTING_RULES.choice() = Field(  # type: ignore[valid-type]
        "security_council", description="The voting rule's preset (see sim.voting.VOTING_RULES)."
    )
    members: list[Name] = Field(min_length=1, description="The members (in the first term).")
    permanent: list[Name] = Field(
        default_factory=list,
        description="The veto players (the Security Council's permanent members).",
    )
    weights: dict[Name, Annotated[float, Field(gt=0.0)]] | None = Field(
        None,
        description="Member -> vote weight (populations for a double majority); default: the "
        "preset's (the Treaty's weights for the EU Council of 1986 or 1995), else 1 each.",
    )
    threshold: Annotated[int, Field(ge=1)] | None = Field(
        None, description="Affirmative votes needed; default: the preset's (9 in the Council)."
    )
    weight_threshold: Annotated[float, Field(ge=0.0)] | None = Field(
        None, description="Affirmative weight needed; default: the preset's."
    )
    member_share: Unit | None = Field(
        None, description="Share of the members that must vote yes; default: the preset's."
    )
    weight_share: Unit | None = Field(
        None,
        description="Share of the total weight the yes votes must hold; default: the preset's.",
    )
    blocking_members: Annotated[int, Field(ge=0)] | None = Field(
        None,
        description="A blocking minority needs at least this many members (0: no such clause); "
        "default: the preset's.",
    )
    veto: bool = Field(True, description="Whether a veto player's no blocks adoption.")
    abstention: Literal["not_a_veto", "a_veto"] | None = Field(
        None,
        description="Whether a veto player's abstention blocks adoption; default: the "
        "preset's (not_a_veto in the Council, by its practice).",
    )
    terms: list[Term] = Field(
        default_factory=list, description="Later memberships, each from its first round."
    )
    sessions: list[Annotated[int, Field(ge=1)] | CouncilSession] = Field(
        default_factory=list,
        description="The rounds it sits in, or sessions with their own draft, sponsor or strategy.",
    )
    sponsor: Name
    strategy: SPONSOR_STRATEGIES.choice() = Field(  # type: ignore[valid-type]
        "table_anyway", description="The sponsor's strategy (see sim.strategies)."
    )
    draft: Point
    compliance: COMPLIANCE_RULES.choice() = Field(  # type: ignore[valid-type]
        "consent",
        description="Whether an adopted resolution ends the dispute (see sim.compliance): "
        "binding makes the body's decision settle it.",
    )
    max_amendments: Annotated[int, Field(ge=0, le=100)] = 3
    amendment_step: Unit = Field(
        0.25, description="Share of the way an amendment moves the draft toward the vetoer."
    )

    @property
    def schedule(self) -> list[CouncilSession]:
        """The sessions in round order, each round once (a round given as a number may repeat)."""
        sessions: dict[int, CouncilSession] = {}
        for item in self.sessions:
            session = CouncilSession(round=item) if isinstance(item, int) else item
            sessions.setdefault(session.round, session)
        return [sessions[round_] for round_ in sorted(sessions)]

    @property
    def session_rounds(self) -> list[int]:
        """The rounds the body meets in, each once, in order."""
        return [session.round for session in self.schedule]

    @property
    def seats(self) -> list[str]:
        """Everyone who is a member in some term, in order of first membership."""
        return list(dict.fromkeys([*self.members, *(m for t in self.terms for m in t.members)]))

    def members_at(self, round_: int) -> list[str]:
        """The members sitting in this round (the last term begun by then)."""
        members = self.members
        for term in sorted(self.terms, key=lambda term: term.from_round):
            if term.from_round <= round_:
                members = term.members
        return members

    def voting_fields(self) -> dict[str, Any]:
        """The values given in the file that replace the preset's (`sim.voting.voting_rule`)."""
        fields = {
            name: getattr(self, name)
            for name in (
                "threshold",
                "weight_threshold",
                "member_share",
                "weight_share",
                "blocking_members",
            )
            if getattr(self, name) is not None
        }
        if self.abstention is not None:
            fields["abstention_vetoes"] = self.abstention == "a_veto"
        return fields | {"veto": self.veto}

    def rule(self, round_: int) -> VotingRule:
        """The voting rule of the members sitting in this round (`sim.voting.rule_from_preset`).

        Raises:
            ValueError: if the rule cannot decide (see `sim.voting.voting_rule`).
        """
        members = self.members_at(round_)
        weights = None
        if self.weights is not None:
            weights = {name: weight for name, weight in self.weights.items() if name in members}
        return rule_from_preset(
            self.voting,
            members,
            veto_players=[name for name in self.permanent if name in members],
            weights=weights,
            **self.voting_fields(),
        )

    @property
    def permanent_members(self) -> list[str]:
        """The permanent members (veto players), in the order of `seats`."""
        return [m for m in self.seats if m in self.permanent]


class Decision(_Strict):
    """How every party judges a text against the status quo: a Council vote or a recognition."""

    abstain_band: Annotated[float, Field(ge=0.0)] = Field(
        0.05, description="A party abstains when its judgement of the text is within this band."
    )
    patron_alignment: Annotated[float, Field(ge=0.0)] = Field(
        0.1, description="Utility weight of a patron's own stance in its client's judgement."
    )
    noise: Annotated[float, Field(ge=0.0)] = Field(
        0.02, description="Standard deviation of the random term of each judgement."
    )


class UnilateralOption(_Strict):
    """A party's option to act alone (Kosovo: declare independence)."""

    point: Point = Field(description="The outcome the party declares.")
    earliest_round: Annotated[int, Field(ge=1, le=MAX_HORIZON)] = 1
    rule: UNILATERAL_RULES.choice() = Field(  # type: ignore[valid-type]
        "clock", description="How the hazard of acting alone is set (see sim.unilateral)."
    )
    base_rate: Unit = Field(0.0, description="clock: probability per round at the earliest round.")
    growth: Annotated[float, Field(ge=0.0)] = Field(
        0.0, description="clock: added to the probability per round of deadlock."
    )
    resolve: NonNegative = Field(
        0.0,
        description="expected_value: hazard per unit of utility that acting alone gains over "
        "staying.",
    )


class Leverage(_Strict):
    """What a mediator or patron offers for an agreement, or costs without one."""

    budget: NonNegative = Field(description="The most utility its inducements may add up to.")
    from_round: Annotated[int, Field(ge=1, le=MAX_HORIZON)] = Field(
        1, description="The round it is offered from."
    )
    inducements: dict[Name, NonNegative] = Field(
        default_factory=dict,
        description="Disputant -> utility added to its utility of accepting an agreement.",
    )
    sanctions: dict[Name, NonNegative] = Field(
        default_factory=dict,
        description="Disputant -> utility it loses per round without agreement.",
    )


class Event(_Strict):
    """A scheduled or random event: at a round, with a probability, party values change."""

    name: Name
    label: Annotated[str, StringConstraints(max_length=400)] | None = Field(
        None, description="What happened, in words."
    )
    round: Annotated[int, Field(ge=1, le=MAX_HORIZON)] = Field(
        description="The round it happens in."
    )
    probability: Unit = Field(1.0, description="The chance it happens in a replicate.")
    set: dict[str, Any] = Field(
        min_length=1,
        description="Dotted path -> new value: a party's value (parties.<name>.<field>, "
        "or .<field>.<issue> for a point or a red line) or an alliance's strength.",
    )


class Issue(_Strict):
    """An issue in its own units: what it means, its scale and what its ends stand for."""

    description: str = Field("", description="What the issue is, and what its ends mean.")
    scale: Annotated[list[Coordinate], Field(min_length=2, max_length=2)] = Field(
        default_factory=lambda: [0.0, 1.0],
        description="[low, high]: the ends of the scale positions are given on, e.g. [0, 10] "
        "or [0, 100] for a published scale; default [0, 1].",
    )
    labels: Annotated[list[Label], Field(min_length=2, max_length=2)] | None = Field(
        None, description="What the low and the high end stand for, e.g. [no standards, strict]."
    )


class Scenario(_Strict):
    """A whole negotiation scenario, as validated from a YAML file."""

    name: Name
    description: str = ""
    sources: list[str] = Field(default_factory=list)
    time_unit: Annotated[str, StringConstraints(max_length=40)] = Field(
        "round", description="What one round stands for, e.g. 'week'."
    )
    start: Day | None = Field(
        None,
        description="The day round 1 begins; with a time_unit of day, week, month or year, "
        "sessions and terms may be given by date.",
    )
    issues: dict[Name, str | Issue] = Field(
        min_length=1,
        description="Issue name -> what it means (on the scale [0, 1]), or an issue with its "
        "own scale and end labels.",
    )
    utility: Literal["linear", "quadratic"] = "linear"
    salience_scale: Annotated[float, Field(gt=0.0)] = Field(
        1.0,
        description="The salience of an issue that matters most, the top of the scale the "
        "parties' saliences are given on (e.g. 100 for a published 0-100 scale).",
    )
    status_quo: Point
    parties: dict[Name, PartySpec] = Field(min_length=1)
    alliances: list[Alliance] = Field(default_factory=list)
    mediation: Mediation | None = Field(
        None,
        description="The talks; absent or null: no talks (the dispute can end only by the "
        "body's decision or a unilateral act).",
    )
    council: CouncilSpec | None = Field(
        None, description="The decision body (the Security Council, the EU Council, ...)."
    )
    unilateral: dict[Name, UnilateralOption] = Field(default_factory=dict)
    decision: Decision = Field(default_factory=Decision)
    leverage: dict[Name, Leverage] = Field(
        default_factory=dict, description="Giver -> its inducements and sanctions."
    )
    events: list[Event] = Field(default_factory=list)
    uncertainty: dict[str, Distribution] = Field(
        default_factory=dict,
        description="Dotted path -> the distribution its value is drawn from, once per "
        "replicate (written in place of a number in the file, or here).",
    )
    horizon: Annotated[int, Field(ge=1, le=MAX_HORIZON)] = 52
    red_line_rule: RED_LINE_RULES.choice() = Field(  # type: ignore[valid-type]
        "hurting_stalemate",
        description="How a disputant's stated red lines give way (see sim.stalemate).",
    )
    ripeness: Annotated[float, Field(ge=0.0)] = Field(
        0.0,
        description="Utility each disputant loses per round of stalemate (a hurting "
        "stalemate), unless it sets its own stalemate_cost.",
    )
    noise: Annotated[float, Field(ge=0.0)] = Field(
        0.0, description="Standard deviation of the random stance drift per round."
    )
    replicates: Annotated[int, Field(ge=1, le=1_000_000)] = Field(
        1000, description="Replicates run side by side (memory grows with parties x issues x R)."
    )
    seed: Annotated[int, Field(ge=0)] = 0

    def issue(self, name: str) -> Issue:
        """The issue `name` with its scale (an issue given as text is on [0, 1])."""
        value = self.issues[name]
        return Issue(description=value) if isinstance(value, str) else value

    @property
    def scales(self) -> dict[str, tuple[float, float]]:
        """Issue name -> (low, high): the ends of its scale, in issue order."""
        return {name: tuple(self.issue(name).scale) for name in self.issues}

    @property
    def issue_names(self) -> list[str]:
        """Issue names in file order (the order of every position vector)."""
        return list(self.issues)

    @property
    def party_names(self) -> list[str]:
        """Party names in file order (the order of the party axis)."""
        return list(self.parties)

    def to_yaml(self) -> str:
        """The scenario as YAML, defaults filled in, in schema order."""
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


class Variant(_Strict):
    """A scenario written as another scenario with a few values changed (a counterfactual).

    The base file is loaded and validated, then each change is applied by dotted path (as with
    `with_overrides`) and the result validated again, so a variant shows exactly which
    assumptions it changes.
    """

    extends: str = Field(description="Path of the base scenario file, relative to this file.")
    name: Name
    description: str | None = Field(None, description="Default: the base's description.")
    sources: list[str] = Field(default_factory=list, description="Added to the base's sources.")
    changes: dict[str, Any] = Field(
        min_length=1, description="Dotted path -> new value, e.g. parties.russia.flexibility."
    )


# --- loading -------------------------------------------------------------------------------


def load_scenario(path: str | Path) -> Scenario:
    """Load, validate and cross-check a scenario file (or a variant of one, see `Variant`).

    Raises:
        ScenarioError: if the file cannot be read, is not valid YAML, repeats a key, or does
            not describe a valid scenario.
    """
    return _load(Path(path), ())


def parse_scenario(text: str, source: str = "<scenario>", base_dir: Path | None = None) -> Scenario:
    """Validate scenario YAML text; `source` names it in error messages.

    A variant's `extends` is resolved against `base_dir` (default: the working directory).
    """
    data = read_yaml(text, source)
    return _from_data(data, source, base_dir or Path.cwd(), ())


MAX_EXTENDS = 16
"""The longest chain of variants (`extends`) read."""


def _load(path: Path, chain: tuple[Path, ...]) -> Scenario:
    if len(chain) > MAX_EXTENDS:
        raise ScenarioError(
            str(chain[-1]),
            [Problem("extends", f"a chain of more than {MAX_EXTENDS} variants", "a shorter chain")],
        )
    data = read_yaml_file(path)
    return _from_data(data, str(path), path.parent, (*chain, path.resolve()))


def _from_data(data: Any, source: str, base_dir: Path, chain: tuple[Path, ...]) -> Scenario:
    if not (isinstance(data, Mapping) and "extends" in data):
        return validate_scenario(data, source)
    try:
        variant = Variant.model_validate(data)
    except ValidationError as error:
        problems = [_pydantic_problem(e, Variant) for e in error.errors()]
        raise ScenarioError(source, problems) from None
    base_path = base_dir / variant.extends
    try:
        resolved = base_path.resolve()
    except (OSError, RuntimeError, ValueError) as error:  # a link loop, a NUL in the name
        reason = getattr(error, "strerror", None) or str(error)
        found = f"{describe(variant.extends)}, which names no file ({reason})"
        raise ScenarioError(source, [Problem("extends", found, "a scenario file")]) from None
    if resolved in chain:
        raise ScenarioError(
            source,
            [Problem("extends", repr(variant.extends), "a scenario that does not extend this one")],
        )
    try:
        base = _load(base_path, chain)
    except ScenarioError as error:  # say which file led to the base
        raise ScenarioError(f"{source}, which extends {error.source}", error.problems) from None
    changes = {
        "name": variant.name,
        "description": variant.description or base.description,
        "sources": [*base.sources, *variant.sources],
        **variant.changes,
    }
    return with_overrides(base, changes, source=f"{source} (changes)")


RENAMED = {"security_council": "council", "mediation.troika": "mediation.mediators"}
"""Sections read under their former names: former dotted path -> current one."""


def current_path(path: str) -> str:
    """A dotted path with a former section name (`RENAMED`) replaced by the current one."""
    for old, new in RENAMED.items():
        if path == old or path.startswith(old + "."):
            return new + path[len(old) :]
    return path


def _current_names(data: Mapping[str, Any]) -> dict[str, Any]:
    """The data with each section under its current name, if the file used a former one."""
    data = dict(data)
    for old, new in RENAMED.items():
        *parents, key = old.split(".")
        node = data
        for part in parents:
            if not isinstance(node.get(part), Mapping):
                break
            node[part] = dict(node[part])
            node = node[part]
        else:
            renamed = new.rsplit(".", 1)[-1]
            if key in node and renamed not in node:
                node[renamed] = node.pop(key)
    if isinstance(data.get("uncertainty"), Mapping):
        data["uncertainty"] = {current_path(str(k)): v for k, v in data["uncertainty"].items()}
    return data


CALENDAR_UNITS = ("day", "week", "month", "year")
"""The time units whose rounds can be told from a date (with the scenario's `start`)."""

_DATED = (("council", "sessions", "round", "date"), ("council", "terms", "from_round", "from_date"))
"""Lists whose items may give a date in place of a round: (section, list, round, date)."""


def round_of(start: date, unit: str, day: date) -> int:
    """The round that contains `day`, when round 1 begins on `start` and lasts one `unit`."""
    if unit == "day":
        return (day - start).days + 1
    if unit == "week":
        return (day - start).days // 7 + 1
    months = (day.year - start.year) * 12 + day.month - start.month - (day.day < start.day)
    return months + 1 if unit == "month" else months // 12 + 1


def _as_date(value: Any) -> date | None:
    """A date from a YAML date or an ISO text (None if it is neither)."""
    if isinstance(value, datetime):  # a time of day: not a calendar day
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _dates_to_rounds(data: dict[str, Any]) -> list[Problem]:
    """Give each dated session and term the round its date falls in.

    A date needs the scenario's `start` and a calendar `time_unit` (`CALENDAR_UNITS`), falls
    on or after the start (a term's after round 1: the first term is `members`) and within
    the horizon; a round given with it must be the date's.
    """
    problems: list[Problem] = []
    start = _as_date(data.get("start"))
    unit = data.get("time_unit", "round")
    horizon = data.get("horizon", Scenario.model_fields["horizon"].default)
    for section, key, round_key, date_key in _DATED:
        items = data.get(section, {}).get(key) if isinstance(data.get(section), Mapping) else None
        if not isinstance(items, list):
            continue
        items = [dict(item) if isinstance(item, Mapping) else item for item in items]
        data[section] = {**data[section], key: items}
        for index, item in enumerate(items):
            if not isinstance(item, dict) or item.get(date_key) is None:
                continue
            where = f"{section}.{key}.{index}.{date_key}"
            day = _as_date(item[date_key])
            if day is None:
                problems.append(Problem(where, describe(item[date_key]), "a date, e.g. 2012-01-01"))
            elif start is None or unit not in CALENDAR_UNITS:
                problems.append(
                    Problem(
                        where,
                        f"a date ({day.isoformat()})",
                        "a round, or a scenario with a start date and a time_unit of "
                        + ", ".join(CALENDAR_UNITS),
                    )
                )
            elif day < start:
                problems.append(
                    Problem(where, day.isoformat(), f"a day on or after the start ({start})")
                )
            else:
                round_ = round_of(start, unit, day)
                given = item.get(round_key)
                first = 2 if key == "terms" else 1
                if isinstance(horizon, int) and not first <= round_ <= horizon:
                    problems.append(
                        Problem(
                            where,
                            f"{day.isoformat()} (round {round_})",
                            f"a day in rounds {first} to {horizon} (the horizon)",
                        )
                    )
                elif given is not None and given != round_:
                    problems.append(
                        Problem(
                            f"{section}.{key}.{index}",
                            f"{round_key} {given!r} and {date_key} {day.isoformat()} "
                            f"(round {round_})",
                            f"one of them, or both agreeing (set {date_key} to null to give "
                            f"the {round_key} alone)",
                        )
                    )
                else:
                    item[round_key] = round_
    return problems


def validate_scenario(data: Any, source: str = "<scenario>") -> Scenario:
    """Validate an already-parsed mapping as a scenario.

    A distribution written in place of a number (declared uncertainty, see
    `lift_distributions`) is checked and moved to the scenario's `uncertainty`, the number
    standing in for it being its central value. Sections may go by their former names
    (`RENAMED`).
    """
    if not isinstance(data, Mapping):
        raise ScenarioError(source, [Problem("", describe(data), "a mapping of scenario keys")])
    unprintable = unprintable_text(data)
    if unprintable:
        raise ScenarioError(source, unprintable)
    data = _current_names(data)
    dated = _dates_to_rounds(data)
    if dated:
        raise ScenarioError(source, dated)
    data, uncertain, problems = lift_distributions(data)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        errors = [
            problem
            for problem in map(_pydantic_problem, _issue_errors(error.errors()))
            if not _left_by(problem, problems)
        ]
        raise ScenarioError(source, problems + errors) from None
    problems += _uncertainty_problems(uncertain)
    problems += _cross_check(scenario)
    if problems:
        raise ScenarioError(source, problems)
    return scenario


def unprintable_text(data: Mapping[str, Any]) -> list[Problem]:
    r"""Text (keys or values) that no file, figure or terminal should be given.

    That is a control character other than a line break or a tab (YAML's `"\e"` writes an
    escape, which would reach the terminal in a narrated run), or a lone surrogate, which no
    UTF-8 file can hold (Python reads bytes that are not UTF-8, in a command-line argument
    say, as lone surrogates; YAML's `"\udcff"` writes one). A container shared through
    aliases is walked once.
    """
    problems, stack, seen = [], [((), data)], set()
    while stack:
        path, node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        items = node.items() if isinstance(node, Mapping) else enumerate(node)
        for key, value in items:
            here = (*path, str(key))
            for text in (key, value):
                flaw = _flaw(text) if isinstance(text, str) else None
                if flaw:
                    found = f"the text '{shown(text)}', with {flaw}"
                    problems.append(Problem(".".join(here), found, _PLAIN_TEXT))
            if isinstance(value, Mapping | list) and len(here) < MAX_DEPTH:
                stack.append((here, value))
    return problems


_PLAIN_TEXT = "text without control characters (was the file read with the wrong encoding?)"


def _flaw(text: str) -> str | None:
    """What makes `text` unfit to print or write, if anything."""
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t\r" for c in text):
        return "a control character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "a lone surrogate"
    return None


def _issue_errors(errors: list[Any]) -> list[Any]:
    """The errors with an issue's two forms (text, or `Issue`) told apart: the form it took."""
    kept = []
    for error in errors:
        loc = tuple(error["loc"])
        if loc[:1] == ("issues",) and len(loc) >= 3 and loc[2] in ("str", "Issue"):
            if loc[2] == "str" and isinstance(error["input"], Mapping):
                continue  # written as a mapping: the Issue form's errors say what is wrong
            if loc[2] == "Issue" and not isinstance(error["input"], Mapping) and len(loc) == 3:
                continue  # written as text: the text form's error says what is wrong
            error = {**error, "loc": loc[:2] + loc[3:]}
        kept.append(error)
    return kept


def _left_by(problem: Problem, distribution_problems: list[Problem]) -> bool:
    """Whether `problem` is only the hole a distribution that did not parse left behind."""
    return problem.found == "nothing" and any(
        p.path == problem.path or p.path.startswith(problem.path + ".")
        for p in distribution_problems
    )


def json_schema() -> str:
    """The schema of scenario files (a scenario or a variant) as JSON Schema text.

    Editors that know JSON Schema (e.g. VS Code with the YAML extension) use it to check and
    complete scenario files.
    """
    schema = TypeAdapter(Scenario | Variant).json_schema()
    _close_pattern_maps(schema)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "stalemate scenario"
    return json.dumps(schema, indent=2)


def _close_pattern_maps(node: Any) -> None:
    """Make maps keyed by names reject other keys, as the loader does."""
    if isinstance(node, dict):
        if "patternProperties" in node:
            node.setdefault("additionalProperties", False)
        for value in node.values():
            _close_pattern_maps(value)
    elif isinstance(node, list):
        for value in node:
            _close_pattern_maps(value)


# --- overrides -----------------------------------------------------------------------------


def parse_override(text: str) -> tuple[str, Any]:
    """Split `PATH=VALUE` into a path and a value.

    VALUE is read as YAML (a scalar, or a flow list or mapping) by the reader and with the
    limits of a scenario file (`sim.yaml_reading`): a repeated key is refused.

    Raises:
        ScenarioError: if there is no `=` or the value is not valid YAML.
    """
    path, sep, raw = text.partition("=")
    if not sep or not path.strip():
        raise ScenarioError("--set", [Problem("", repr(text), "PATH=VALUE, e.g. horizon=40")])
    return path.strip(), read_yaml(raw, "--set", at=path.strip())


def with_overrides(
    scenario: Scenario, overrides: Mapping[str, Any], source: str = "<overrides>"
) -> Scenario:
    """Return a copy of `scenario` with values replaced by dotted path, re-validated.

    `overrides` maps a dotted path (`parties.russia.flexibility`, `alliances.0.strength`) to a
    new value. The path must name an existing value (list items by index), or a new key of
    a map keyed by names (e.g. a red line on an issue the file left open).

    Raises:
        ScenarioError: if a path does not exist or the result is not a valid scenario.
    """
    data = scenario.model_dump(mode="json")
    paths = [current_path(dotted) for dotted in overrides]
    _forget_dated_rounds(data, keep=paths)
    problems = []
    for dotted, value in overrides.items():
        dotted = current_path(dotted)
        data["uncertainty"] = {  # a value set here replaces whatever was declared under it
            path: spec
            for path, spec in data["uncertainty"].items()
            if path != dotted and not path.startswith(dotted + ".")
        }
        problem = _set_path(data, dotted, value)
        if problem:
            problems.append(problem)
    if problems:
        raise ScenarioError(source, problems)
    return validate_scenario(data, source)


def _forget_dated_rounds(data: dict[str, Any], keep: Iterable[str]) -> None:
    """Drop the rounds a dump holds for dated items, to be told again from their dates.

    A round the overrides set (a path in `keep`) stays, and must then agree with the date.
    """
    for section, key, round_key, date_key in _DATED:
        items = (data.get(section) or {}).get(key) or []
        for index, item in enumerate(items):
            path = f"{section}.{key}.{index}.{round_key}"
            if isinstance(item, dict) and item.get(date_key) is not None and path not in keep:
                item.pop(round_key, None)


def _set_path(data: Any, dotted: str, value: Any) -> Problem | None:
    """Set `value` at `dotted` in the dumped scenario; a problem if the path does not exist.

    A path may end in a new key where the schema has a map keyed by names (e.g. a red line
    on an issue the file left open: `parties.serbia.red_lines.sovereignty`).
    """
    keys = dotted.split(".")
    node: Any = data
    annotation: Any = Scenario
    for depth, key in enumerate(keys):
        here = ".".join(keys[: depth + 1])
        last = depth == len(keys) - 1
        if isinstance(node, dict):
            is_map = get_origin(_strip(annotation)) is dict
            if key not in node and not (last and is_map):
                return Problem(here, f"no key {key!r}", _one_of(key, node))
        elif isinstance(node, list):
            if not is_index(key) or int(key) >= len(node):
                if not node:
                    return Problem(here, repr(key), "nothing to index: the list is empty")
                return Problem(here, repr(key), f"an index from 0 to {len(node) - 1}")
            key = int(key)
        else:
            return Problem(".".join(keys[:depth]), describe(node), "a mapping or list to index")
        if last:
            node[key] = value
        else:
            node, annotation = node[key], _child_annotation(annotation, str(key))
    return None


def copied_along(data: dict[str, Any], path: str) -> dict[str, Any]:
    """A copy of `data` that shares everything but the containers on the way to `path`.

    Setting a value at `path` in the copy (`_set_path`) leaves `data` as it was; the rest of
    the tree is shared, not copied (validation reads it and never changes it).
    """
    root = dict(data)
    node: Any = root
    for key in path.split(".")[:-1]:
        if isinstance(node, dict) and key in node:
            index: Any = key
        elif isinstance(node, list) and is_index(key) and int(key) < len(node):
            index = int(key)
        else:
            break
        child = node[index]
        if isinstance(child, dict):
            child = dict(child)
        elif isinstance(child, list):
            child = list(child)
        else:
            break
        node[index] = child
        node = child
    return root


# --- problems ------------------------------------------------------------------------------


def _pydantic_problem(error: Mapping[str, Any], root: type[BaseModel] = Scenario) -> Problem:
    loc = tuple(str(part) for part in error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        allowed = _fields_at(root, loc)
        return Problem(_dotted(loc), f"unknown key {loc[-1]!r}", _one_of(loc[-1], allowed))
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return Problem(_dotted(loc), describe(error["input"]), "a mapping of keys to values")
    if kind == "missing":
        return Problem(_dotted(loc), "nothing", "a value (this key is required)")
    if kind == "literal_error":
        expected = error["msg"].removeprefix("Input should be ")
        return Problem(
            _dotted(loc), describe(error["input"]), expected + _suggest(error["input"], expected)
        )
    if kind == "string_pattern_mismatch":
        return Problem(
            _dotted(loc),
            describe(error["input"]),
            "a name of lower-case letters, digits and underscores, starting with a letter",
        )
    expected = error["msg"].removeprefix("Input should be ").removeprefix("Value error, ")
    if kind in ("float_type", "int_type") and _looks_numeric(error["input"]):
        expected += (
            " (a number written as text: YAML reads an exponent as a number only after a dot"
            " and with its sign, e.g. 1.0e-3, 1.0e+5)"
        )
    if kind == "string_type" and isinstance(error["input"], bool | int | float | date):
        expected += (
            " (YAML reads yes, no, numbers and dates as values: quote text, 'yes' in a file, "
            "--set \"key='yes'\" on the command line)"
        )
    return Problem(_dotted(loc), describe(error["input"]), expected)


def _looks_numeric(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        float(value)
    except ValueError:
        return False
    return True


def _dotted(loc: Iterable[str]) -> str:
    return ".".join(part for part in loc if part != "[key]" and not part.startswith("function-"))


def _one_of(key: str, allowed: Iterable[str]) -> str:
    allowed = list(allowed)
    if not allowed:
        return "no further keys here"
    return "one of: " + ", ".join(allowed) + _suggest(key, allowed)


def _suggest(found: Any, allowed: Iterable[str] | str) -> str:
    if not isinstance(found, str):
        return ""
    if isinstance(allowed, str):
        allowed = [word.strip("' ") for word in allowed.replace(" or ", ",").split(",")]
    close = difflib.get_close_matches(found, list(allowed), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _fields_at(root: type[BaseModel], loc: tuple[str, ...]) -> list[str]:
    """Names of the keys the schema allows at the mapping that holds `loc[-1]`."""
    annotation: Any = root
    for part in loc[:-1]:
        annotation = _child_annotation(annotation, part)
    annotation = _strip(annotation)
    is_model = isinstance(annotation, type) and issubclass(annotation, BaseModel)
    return list(annotation.model_fields) if is_model else []


def value_type(model: type[BaseModel], *path: str) -> Any:
    """The schema's type of the value at `path` inside `model`, constraints included.

    A part of the path is a field name, or any key ("*") of a map, or any index of a list;
    e.g. `value_type(PartySpec, "red_lines", "*", "0")` is the type of one end of a red line.
    """
    annotation: Any = model
    for part in path:
        annotation = _child_annotation(annotation, part)
    return annotation


def _child_annotation(annotation: Any, part: str) -> Any:
    """The annotation of the value at key or index `part` inside a value of `annotation`."""
    annotation = _strip(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(part)
        if field is None:
            return None
        return Annotated[field.annotation, *field.metadata] if field.metadata else field.annotation
    if get_origin(annotation) in (dict, list):
        return get_args(annotation)[-1]
    return None


def _strip(annotation: Any) -> Any:
    """The type inside `Annotated[...]` and `X | None`."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, UnionType):
            annotation = next(a for a in get_args(annotation) if a is not type(None))
        else:
            return annotation


# --- declared uncertainty ------------------------------------------------------------------

UNCERTAIN_VALUES = (
    "parties.<party>.position.<issue>",
    "parties.<party>.salience.<issue>",
    "parties.<party>.capability",
    "parties.<party>.flexibility",
    "parties.<party>.red_lines.<issue>.<0|1>",
    "parties.<party>.red_line_cores.<issue>.<0|1>",
    "parties.<party>.no_deal.<issue>",
    "parties.<party>.stalemate_cost",
    "parties.<party>.audience_cost",
    "parties.<party>.restraint",
    "alliances.<n>.strength",
    "status_quo.<issue>",
    "mediation.mediators.<party>.bias",
    "mediation.cohesion",
    "mediation.pull",
    "council.draft.<issue>",
    "council.amendment_step",
    "decision.abstain_band",
    "decision.patron_alignment",
    "decision.noise",
    "unilateral.<party>.point.<issue>",
    "unilateral.<party>.earliest_round",
    "unilateral.<party>.base_rate",
    "unilateral.<party>.growth",
    "unilateral.<party>.resolve",
    "leverage.<party>.from_round",
    "leverage.<party>.inducements.<party>",
    "leverage.<party>.sanctions.<party>",
    "events.<n>.round",
    "events.<n>.probability",
    "ripeness",
    "noise",
)
"""The values that may be drawn per replicate. The others (the horizon, the Council's
sessions, membership and threshold, the talks' first round and deadline, names and rules) set
the structure and calendar of a run: vary those across runs with `run.py sweep`."""

_UNCERTAIN_PATTERNS = [
    re.compile(
        "^"
        + re.escape(template)
        .replace(re.escape("<party>"), r"[a-z][a-z0-9_]*")
        .replace(re.escape("<issue>"), r"[a-z][a-z0-9_]*")
        .replace(re.escape("<n>"), r"\d+")
        .replace(re.escape("<0|1>"), r"[01]")
        + "$"
    )
    for template in UNCERTAIN_VALUES
]

_UNLIFTED = ("uncertainty", "events", "sources", "issues")
"""Top-level keys under which a mapping is never read as a distribution."""


def lift_distributions(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any], list]:
    """Move the distributions written in place of numbers into `uncertainty`.

    Source: declaring what the analyst does not know as distributions to sample, rather than
    as noise added to the dynamics, is the usual form of uncertainty analysis of a
    simulation model (Saltelli et al. 2008, ch. 1; Morgan & Henrion 1990, ch. 8). This is
    interpreted as: a mapping such as `{uniform: [0.4, 0.8]}` where a number belongs (or an
    entry `<path>: <distribution>` under `uncertainty`) declares that value uncertain; the
    file is validated with its central value there (`central`), and every replicate draws
    its own value (`sim.model`).

    Returns:
        The data with central values in place, the parsed distributions by path (both ways
        of writing merged; only those that parsed), and the problems found.
    """
    data = dict(data)
    declared = data.get("uncertainty")
    problems: list[Problem] = []
    raw: dict[str, tuple[str, Any]] = {}
    if isinstance(declared, Mapping):
        for path, spec in declared.items():
            raw[str(path)] = (f"uncertainty.{path}", spec)
    found: dict[str, Any] = {}
    try:
        lifted = {
            key: value
            if key in _UNLIFTED
            else _lift(value, key, found, _child_annotation(Scenario, str(key)))
            for key, value in data.items()
        }
    except RecursionError:
        return data, {}, [_TOO_DEEP]
    except _TooManyDistributions:
        many = Problem(
            "",
            f"more than {_MOST_DISTRIBUTIONS} distributions (an alias repeating one?)",
            "a distribution for each value the analyst does not know",
        )
        return data, {}, [many]
    for path, spec in found.items():
        if path in raw:
            problems.append(
                Problem(path, "a distribution here and under uncertainty", "one of the two")
            )
        raw[path] = (path, spec)
    parsed: dict[str, Any] = {}
    for path, (where, spec) in raw.items():
        try:
            distribution = DISTRIBUTION.validate_python(spec)
        except ValidationError as error:
            problems += [_distribution_problem(where, e) for e in error.errors()]
            continue
        parsed[path] = distribution
        lifted = copied_along(lifted, path)
        problem = _set_path(lifted, path, distribution.central())
        if problem is not None and where != path:  # a default value, not written in the file
            lifted = _with_defaults(lifted) or lifted
            problem = _set_path(lifted, path, distribution.central())
        if problem is not None:
            problems.append(Problem(where, problem.found, problem.expected))
    for path, distribution in parsed.items():
        kind = _strip(value_type(Scenario, *path.split(".")))
        if kind is int and not isinstance(distribution, Choice):
            lifted = copied_along(lifted, path)
            _set_path(lifted, path, _whole(distribution.central()))
    lifted["uncertainty"] = {path: d.model_dump(mode="json") for path, d in parsed.items()}
    if declared is not None and not isinstance(declared, Mapping):
        problems.append(
            Problem("uncertainty", describe(declared), "a mapping of path -> distribution")
        )
    return lifted, parsed, problems


_MOST_DISTRIBUTIONS = 10_000
"""More distributions than this in one file are refused (an alias could repeat one endlessly)."""


_TOO_DEEP = Problem("", "nesting too deep to read", "a scenario nested a few levels deep")


class _TooManyDistributions(Exception):
    """Raised by `_lift` past `_MOST_DISTRIBUTIONS`."""


def _lift(
    value: Any,
    path: str,
    found: dict[str, Any],
    annotation: Any,
    clean: set[tuple[int, int]] | None = None,
) -> Any:
    """`value` with each distribution in it replaced by None, recorded in `found` by path.

    A mapping is read as a distribution only where the schema (`annotation`, the type at
    `path`) wants a number, so a party called `beta` stays a party. A part without any
    distribution is returned as it is and remembered (`clean`), so a part that YAML aliases
    repeat is walked once.
    """
    clean = set() if clean is None else clean
    seen = (id(value), id(_strip(annotation)))
    if seen in clean or not isinstance(value, Mapping | list):
        return value
    numeric = _strip(annotation) in (int, float)
    if numeric and isinstance(value, Mapping) and distribution_kind(value) is not None:
        if len(found) >= _MOST_DISTRIBUTIONS:
            raise _TooManyDistributions
        found[path] = value
        return None
    before = len(found)
    items = value.items() if isinstance(value, Mapping) else enumerate(value)
    parts = {
        key: _lift(item, f"{path}.{key}", found, _child_annotation(annotation, str(key)), clean)
        for key, item in items
    }
    if len(found) == before:
        clean.add(seen)
        return value
    return parts if isinstance(value, Mapping) else list(parts.values())


def _with_defaults(data: dict[str, Any]) -> dict[str, Any] | None:
    """`data` with every default written out (as dumped), or None if it is not yet valid."""
    try:
        return Scenario.model_validate({**data, "uncertainty": {}}).model_dump(mode="json")
    except ValidationError:
        return None


def _whole(value: float) -> int:
    """A central value as an integer path takes it: rounded half up."""
    return math.floor(value + 0.5)


def _distribution_problem(where: str, error: Mapping[str, Any]) -> Problem:
    loc = [str(part) for part in error["loc"] if not str(part).startswith(("function-", "tagged"))]
    kinds = [part for part in loc if part in DISTRIBUTION_KINDS]
    loc = [part for part in loc if part not in kinds] if len(kinds) > 1 else loc
    found = describe(error["input"])
    expected = error["msg"].removeprefix("Input should be ").removeprefix("Value error, ")
    if error["type"] == "union_tag_invalid" or error["type"] == "union_tag_not_found":
        expected = "a distribution: " + DISTRIBUTION_SHAPES
    return Problem(".".join([where, *loc]), found, expected)


def _uncertainty_problems(uncertain: Mapping[str, Any]) -> list[Problem]:
    """Each uncertain value may be drawn per replicate, and every draw is a valid value.

    Both ends of a distribution (`ends`; every option of a choice) are checked against the
    value's field in the schema (type and range; the cross-checks, which relate several
    values, are made on the central values). An integer value takes whole draws.
    """
    problems: list[Problem] = []
    for path, distribution in uncertain.items():
        if not any(pattern.match(path) for pattern in _UNCERTAIN_PATTERNS):
            problems.append(
                Problem(
                    path,
                    "a distribution",
                    "a number: this value sets the run's structure or calendar, which is the "
                    "same in every replicate (vary it across runs with run.py sweep); values "
                    "that may be drawn: " + ", ".join(UNCERTAIN_VALUES),
                )
            )
            continue
        annotation = value_type(Scenario, *path.split("."))
        kind = _strip(annotation)
        ends = [distribution.ends()[0], distribution.ends()[1]]
        if isinstance(distribution, Choice):
            ends = list(distribution.choice)
        for end in ends:
            if kind is int:
                if isinstance(distribution, Choice) and not float(end).is_integer():
                    problems.append(
                        Problem(path, f"the option {end!r}", f"a whole number ({path} is one)")
                    )
                    continue
                end = _whole(end)
            try:
                _field_adapter(repr(annotation), annotation).validate_python(end)
            except ValidationError as error:
                for e in error.errors():
                    problem = _pydantic_problem(e)
                    problems.append(
                        Problem(
                            path,
                            f"{distribution.describe()}, which reaches {end!r}",
                            problem.expected
                            + (" (add clip: [lo, hi])" if _unclipped(distribution) else ""),
                        )
                    )
                break
    return problems


def _unclipped(distribution: Any) -> bool:
    return getattr(distribution, "clip", "no clip") is None


# --- cross-references ----------------------------------------------------------------------


def _cross_check(s: Scenario) -> list[Problem]:
    """Problems that need more than one part of the scenario to see, in file order."""
    issue_problems = list(_issue_problems(s))
    if issue_problems:  # a point cannot be placed on a scale that runs the wrong way
        return issue_problems
    return [
        *_point_problems("status_quo", s.status_quo, s.scales),
        *_party_problems(s),
        *_alliance_problems(s),
        *_mediation_problems(s),
        *_council_problems(s),
        *_unilateral_problems(s),
        *_leverage_problems(s),
        *_event_problems(s),
        *_drawn_scale_problems(s),
        *_calendar_problems(s),
    ]


def _point_problems(
    path: str,
    value: Mapping[str, Any],
    issues: list[str] | Mapping[str, tuple[float, float]],
    complete: bool = True,
) -> Iterable[Problem]:
    """A point's issues are the scenario's (all of them, if `complete`).

    Given the issues' scales (issue -> (low, high)), each coordinate lies on its issue's
    scale (each end of an interval, for red lines).
    """
    scales = issues if isinstance(issues, Mapping) else {}
    issues = list(issues)
    for key in value:
        if key not in issues:
            yield Problem(f"{path}.{key}", "an undefined issue", _one_of(key, issues))
        elif key in scales:
            yield from _on_scale(f"{path}.{key}", value[key], scales[key])
    missing = [issue for issue in issues if issue not in value]
    if complete and missing:
        yield Problem(
            path,
            f"no value for {', '.join(missing)}",
            "a value for every issue: " + ", ".join(issues),
        )


def _on_scale(path: str, value: Any, scale: tuple[float, float]) -> Iterable[Problem]:
    """A coordinate (or each end of an interval) lies on its issue's scale."""
    low, high = scale
    ends = value if isinstance(value, list) else [value]
    for index, end in enumerate(ends):
        if not low <= end <= high:
            where = f"{path}.{index}" if isinstance(value, list) else path
            yield Problem(where, repr(end), f"a value on the issue's scale [{low:g}, {high:g}]")


def _issue_problems(s: Scenario) -> Iterable[Problem]:
    """Each issue's scale runs from a lower to a higher end, a finite distance apart."""
    for name in s.issues:
        low, high = s.issue(name).scale
        if not low < high:
            yield Problem(
                f"issues.{name}.scale", f"[{low:g}, {high:g}]", "[low, high] with low < high"
            )
        elif not math.isfinite(high - low):
            yield Problem(
                f"issues.{name}.scale", f"[{low:g}, {high:g}]", "ends a finite distance apart"
            )


def _calendar_problems(s: Scenario) -> Iterable[Problem]:
    """The horizon's last round begins by 9999-12-31, the last day a date can name."""
    if s.start is None or s.time_unit not in CALENDAR_UNITS:
        return
    steps = s.horizon - 1
    if s.time_unit in ("day", "week"):
        last = s.start.toordinal() + steps * (7 if s.time_unit == "week" else 1)
        fits = last <= date.max.toordinal()
    else:
        per_round = 12 if s.time_unit == "year" else 1
        months = s.start.year * 12 + s.start.month - 1 + steps * per_round
        fits = months <= date.max.year * 12 + date.max.month - 1
    if not fits:
        yield Problem(
            "horizon",
            f"{s.horizon} {s.time_unit}s from {s.start.isoformat()}",
            "a horizon whose last round begins by 9999-12-31",
        )


def _unknown_party(path: str, name: str, parties: list[str]) -> Iterable[Problem]:
    if name not in parties:
        yield Problem(path, f"{name!r}, which is not a party", _one_of(name, parties))


def _beyond_horizon(path: str, round_: int, s: Scenario) -> Iterable[Problem]:
    if round_ > s.horizon:
        yield Problem(path, str(round_), f"a round within the horizon ({s.horizon})")


def _party_problems(s: Scenario) -> Iterable[Problem]:
    """Each party's points and red lines fit the issues; there are at least two disputants."""
    issues = s.issue_names
    for name, spec in s.parties.items():
        base = f"parties.{name}"
        yield from _point_problems(f"{base}.position", spec.position, s.scales)
        if spec.salience is not None:
            yield from _point_problems(f"{base}.salience", spec.salience, issues)
            for issue, weight in spec.salience.items():
                if weight > s.salience_scale:
                    yield Problem(
                        f"{base}.salience.{issue}",
                        repr(weight),
                        f"a salience from 0 to the salience_scale ({s.salience_scale:g})",
                    )
        if spec.no_deal is not None:
            yield from _point_problems(f"{base}.no_deal", spec.no_deal, s.scales)
        yield from _point_problems(f"{base}.red_lines", spec.red_lines, s.scales, complete=False)
        yield from _point_problems(
            f"{base}.red_line_cores", spec.red_line_cores, s.scales, complete=False
        )
        for issue, (core_low, core_high) in spec.red_line_cores.items():
            if core_low > core_high:
                yield Problem(
                    f"{base}.red_line_cores.{issue}",
                    f"[{core_low}, {core_high}]",
                    "[low, high] with low <= high",
                )
        for issue, (low, high) in spec.red_lines.items():
            if low > high:
                yield Problem(
                    f"{base}.red_lines.{issue}", f"[{low}, {high}]", "[low, high] with low <= high"
                )
            elif issue in spec.position and not low <= spec.position[issue] <= high:
                yield Problem(
                    f"{base}.position.{issue}",
                    repr(spec.position[issue]),
                    f"a position inside the party's red line [{low}, {high}]",
                )
    if s.mediation is not None and sum(spec.disputant for spec in s.parties.values()) < 2:
        yield Problem(
            "parties",
            "fewer than two disputants",
            "at least two parties with disputant: true (talks need two sides; a scenario "
            "without a mediation section may have none)",
        )


def _alliance_problems(s: Scenario) -> Iterable[Problem]:
    """Each alliance ties two different parties, each pair once."""
    pairs: set[frozenset[str]] = set()
    for index, alliance in enumerate(s.alliances):
        a, b = alliance.between
        if frozenset((a, b)) in pairs:
            yield Problem(f"alliances.{index}.between", f"[{a}, {b}] again", "each pair once")
        pairs.add(frozenset((a, b)))
        yield from _unknown_party(f"alliances.{index}.between.0", a, s.party_names)
        yield from _unknown_party(f"alliances.{index}.between.1", b, s.party_names)
        if a == b:
            yield Problem(f"alliances.{index}.between", f"[{a}, {b}]", "two different parties")


def _mediation_problems(s: Scenario) -> Iterable[Problem]:
    """The mediators are parties; the talks begin within the horizon and end after they begin."""
    mediation = s.mediation
    if mediation is None:
        return
    for name in mediation.mediators:
        yield from _unknown_party(f"mediation.mediators.{name}", name, s.party_names)
    yield from _beyond_horizon("mediation.first_round", mediation.first_round, s)
    if mediation.deadline is not None and mediation.deadline < mediation.first_round:
        yield Problem(
            "mediation.deadline",
            str(mediation.deadline),
            f"a round >= first_round ({mediation.first_round})",
        )


def _council_problems(s: Scenario) -> Iterable[Problem]:
    """The body's members, voting rule, sponsors, drafts, terms and sessions fit the scenario.

    Members are parties, once each per term; veto players are members; the voting rule is
    one that can decide (`sim.voting.rule_from_preset` accepts it for every term); sponsors
    are parties; drafts are points; sessions are within the horizon, each round once; terms
    begin within the horizon, each in its own round.
    """
    council = s.council
    if council is None:
        return
    terms = [("council.members", council.members)] + [
        (f"council.terms.{index}.members", term.members) for index, term in enumerate(council.terms)
    ]
    for where, members in terms:
        for index, name in enumerate(members):
            yield from _unknown_party(f"{where}.{index}", name, s.party_names)
        if len(set(members)) != len(members):
            yield Problem(where, "a member listed twice", "each member once")
    for index, name in enumerate(council.permanent):
        if name not in council.seats:
            yield Problem(
                f"council.permanent.{index}",
                f"{name!r}, which is not a member",
                _one_of(name, council.seats),
            )
    for name in council.weights or {}:
        if name not in council.seats:
            yield Problem(
                f"council.weights.{name}",
                f"{name!r}, which is not a member",
                _one_of(name, council.seats),
            )
    starts = [term.from_round for term in council.terms]
    for index, start in enumerate(starts):
        yield from _beyond_horizon(f"council.terms.{index}.from_round", start, s)
        if starts.count(start) > 1:
            yield Problem(
                f"council.terms.{index}.from_round", str(start), "a round no other term begins in"
            )
    yield from _voting_problems(council, terms)
    yield from _unknown_party("council.sponsor", council.sponsor, s.party_names)
    yield from _point_problems("council.draft", council.draft, s.scales)
    rounds = [item if isinstance(item, int) else item.round for item in council.sessions]
    for index, item in enumerate(council.sessions):
        where = f"council.sessions.{index}"
        round_ = item if isinstance(item, int) else item.round
        yield from _beyond_horizon(where if isinstance(item, int) else f"{where}.round", round_, s)
        if isinstance(item, int):
            continue
        if rounds.count(round_) > 1:
            yield Problem(f"{where}.round", str(round_), "a round no other session is held in")
        if item.sponsor is not None:
            yield from _unknown_party(f"{where}.sponsor", item.sponsor, s.party_names)
        if item.draft is not None:
            yield from _point_problems(f"{where}.draft", item.draft, s.scales)


def _voting_problems(council: CouncilSpec, terms: list[tuple[str, list[str]]]) -> Iterable[Problem]:
    """The voting rule of each term, as `sim.voting.rule_from_preset` checks it."""
    starts = [1, *(term.from_round for term in council.terms)]
    for (where, members), start in zip(terms, starts, strict=True):
        if council.threshold is not None and council.threshold > len(members):
            yield Problem(
                "council.threshold",
                str(council.threshold),
                f"at most the number of members ({len(members)})",
            )
            continue
        try:
            council.rule(start)
        except ValueError as error:
            yield Problem(
                "council" if where == "council.members" else where.rsplit(".", 1)[0],
                f"a voting rule ({council.voting}) that cannot decide: {error}",
                "a rule every member can vote under, with a quota that can be met",
            )


def _unilateral_problems(s: Scenario) -> Iterable[Problem]:
    """Each option belongs to a party, opens within the horizon and declares a point."""
    for name, option in s.unilateral.items():
        yield from _unknown_party(f"unilateral.{name}", name, s.party_names)
        yield from _beyond_horizon(f"unilateral.{name}.earliest_round", option.earliest_round, s)
        yield from _point_problems(f"unilateral.{name}.point", option.point, s.scales)


def _leverage_problems(s: Scenario) -> Iterable[Problem]:
    """Givers are parties; inducements and sanctions go to disputants, within the budget."""
    disputants = [name for name, spec in s.parties.items() if spec.disputant]
    for giver, leverage in s.leverage.items():
        base = f"leverage.{giver}"
        yield from _unknown_party(base, giver, s.party_names)
        yield from _beyond_horizon(f"{base}.from_round", leverage.from_round, s)
        for kind in ("inducements", "sanctions"):
            for target in getattr(leverage, kind):
                if target not in disputants:
                    yield Problem(
                        f"{base}.{kind}.{target}",
                        f"{target!r}, which is not a disputant",
                        _one_of(target, disputants),
                    )
        total = sum(leverage.inducements.values())
        if total > leverage.budget + 1e-12:
            yield Problem(
                f"{base}.inducements",
                f"inducements that add up to {total:g}",
                f"at most the budget ({leverage.budget:g})",
            )


EVENT_VALUES = (
    "parties.<party>.<capability|flexibility|stalemate_cost|audience_cost|restraint>",
    "parties.<party>.<position|no_deal>.<issue>",
    "parties.<party>.<red_lines|red_line_cores>.<issue>",
    "alliances.<n>.strength",
)
"""What an event may change."""

_EVENT_PATTERN = re.compile(
    r"^(parties\.[a-z][a-z0-9_]*\.(capability|flexibility|stalemate_cost|audience_cost|restraint"
    r"|(position|no_deal|red_lines|red_line_cores)\.[a-z][a-z0-9_]*)|alliances\.\d+\.strength)$"
)


def _event_problems(s: Scenario) -> Iterable[Problem]:
    """Each event has its own name and sets values an event may set, each valid for its field.

    The parties, issues and alliances named must exist, and a red line must have low <= high.
    An event due after the horizon never happens (a sweep of the horizon may cut it off). A
    position or red line an event sets is not checked against the party's other lines: the
    model clips the position into the lines in force.
    """
    names: set[str] = set()
    for index, event in enumerate(s.events):
        where = f"events.{index}"
        if event.name in names:
            yield Problem(f"{where}.name", repr(event.name), "a name no other event has")
        names.add(event.name)
        for path, value in event.set.items():
            yield from _event_value_problems(s, f"{where}.set.{path}", path, value)


def _event_value_problems(s: Scenario, where: str, path: str, value: Any) -> Iterable[Problem]:
    """What is wrong with one value an event sets at `path` (reported at `where`)."""
    if not _EVENT_PATTERN.match(path):
        yield Problem(where, "a value an event cannot change", "one of: " + ", ".join(EVENT_VALUES))
        return
    parts = path.split(".")
    if parts[0] == "alliances":
        if int(parts[1]) >= len(s.alliances):
            yield Problem(where, f"alliance {parts[1]}", f"one of the {len(s.alliances)} alliances")
            return
    elif parts[1] not in s.parties:
        yield Problem(where, f"{parts[1]!r}, which is not a party", _one_of(parts[1], s.parties))
        return
    elif len(parts) == 4 and parts[3] not in s.issues:
        yield Problem(where, f"{parts[3]!r}, an undefined issue", _one_of(parts[3], s.issues))
        return
    try:
        _value_adapter(
            ".".join(["parties", "*", *parts[2:]]) if parts[0] == "parties" else "alliance"
        ).validate_python(value)
    except ValidationError as error:
        for e in error.errors():
            problem = _pydantic_problem(e)
            yield Problem(".".join([where, *map(str, e["loc"])]), problem.found, problem.expected)
        return
    if parts[2:3] in (["red_lines"], ["red_line_cores"]) and value[0] > value[1]:
        yield Problem(where, f"[{value[0]}, {value[1]}]", "[low, high] with low <= high")
    if len(parts) == 4:  # a coordinate, or an interval, on the issue's scale
        yield from _on_scale(where, value, s.scales[parts[3]])


_COORDINATE = re.compile(
    r"^(status_quo|council\.draft|unilateral\.[a-z][a-z0-9_]*\.point"
    r"|parties\.[a-z][a-z0-9_]*\.(position|no_deal|red_lines|red_line_cores))"
    r"\.(?P<issue>[a-z][a-z0-9_]*)(\.[01])?$"
)
_SALIENCE = re.compile(r"^parties\.[a-z][a-z0-9_]*\.salience\.[a-z][a-z0-9_]*$")


def _drawn_scale_problems(s: Scenario) -> Iterable[Problem]:
    """Both ends of a drawn coordinate lie on its issue's scale; of a salience, on its scale."""
    for path, distribution in s.uncertainty.items():
        coordinate = _COORDINATE.match(path)
        if coordinate and coordinate["issue"] in s.issues:
            scale = s.scales[coordinate["issue"]]
        elif _SALIENCE.match(path):
            scale = (0.0, s.salience_scale)
        else:
            continue
        low, high = distribution.ends()
        if not (scale[0] <= low and high <= scale[1]):
            yield Problem(
                f"uncertainty.{path}",
                f"{distribution.describe()}, which reaches beyond [{scale[0]:g}, {scale[1]:g}]",
                "a distribution on the value's scale (add clip: [lo, hi])"
                if _unclipped(distribution)
                else "a distribution on the value's scale",
            )


@functools.cache
def _field_adapter(key: str, annotation: Any) -> TypeAdapter[Any]:
    """The strict check of one value of the schema's type `annotation` (cached by `key`)."""
    return TypeAdapter(annotation, config=ConfigDict(strict=True, allow_inf_nan=False))


@functools.cache
def _value_adapter(pattern: str) -> TypeAdapter[Any]:
    """The check of one value at a path pattern ("parties.*.capability", or "alliance").

    Strict, as the scenario schema is.
    """
    parts = pattern.split(".")
    if pattern == "alliance":
        annotation = value_type(Alliance, "strength")
    else:
        annotation = value_type(PartySpec, *parts[2:])
    return TypeAdapter(annotation, config=ConfigDict(strict=True, allow_inf_nan=False))
