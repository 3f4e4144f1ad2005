"""The demo's controls, the settings they make up, and the scenario they stand for.

A scenario offers the controls that matter in class and that it has something to act on
(`controls_for`): each disputant's flexibility, its red line on every issue (both ends, in the
issue's own units) and an inducement to it; each alliance's strength; each mediator's bias and
the mediators' cohesion; the Council's veto and its sponsor's strategy; ripeness; the seed.

`Settings` are a scenario file and the values of the controls that were moved: a control left
at the file's value changes nothing (a value the file draws per replicate stays drawn). `build`
turns settings into the scenario to run, through `sim.scenario.with_overrides`, so a control
is validated exactly as `run.py --set` is; what cannot be run comes back as a message
(`Built.error`), never as an exception. Nothing here needs the web framework.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sim.app.scenarios import DEFAULT, DemoPathError, resolve
from sim.scenario import Scenario, ScenarioError, load_scenario, with_overrides
from sim.strategies import SPONSOR_STRATEGIES

SLIDER, RANGE, SWITCH, SELECT, INTEGER = "slider", "range", "switch", "select", "integer"
"""The kinds of control."""

GROUPS = ("Disputants", "Mediators", "Alliances", "Council", "Run")
"""The groups the controls are shown in, in order."""

INDUCEMENT_MAX = 0.5
"""The largest inducement a slider offers, in utility (the gains at stake in the cases are a
few tenths of utility)."""


@dataclass(frozen=True)
class Control:
    """One control: what it shows, its range and the scenario values it sets."""

    key: str
    """Its name in `Settings`, e.g. `flexibility.kosovo`."""
    label: str
    kind: str
    """`slider`, `range` (two ends), `switch`, `select` or `integer`."""
    group: str
    default: Any
    """The file's value (for a value drawn per replicate, its central value)."""
    paths: tuple[str, ...]
    """The dotted scenario paths it sets, each to its value (see `overrides_for`)."""
    low: float | None = None
    high: float | None = None
    step: float | None = None
    options: tuple[str, ...] = ()
    note: str = ""
    """What a teacher should know about it, shown under it (e.g. that the file draws it)."""

    def coerce(self, value: Any) -> Any:
        """The value in the control's own type, or a ValueError that says what is expected."""
        if self.kind == SWITCH:
            if not isinstance(value, bool):
                raise ValueError(f"{self.label}: found {value!r}; expected on or off")
            return value
        if self.kind == SELECT:
            if value not in self.options:
                raise ValueError(f"{self.label}: found {value!r}; expected one of {self.options}")
            return value
        if self.kind == INTEGER:
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise ValueError(f"{self.label}: found {value!r}; expected a whole number")
            try:
                return int(value)
            except ValueError:
                expected = "expected a whole number"
                raise ValueError(f"{self.label}: found {value!r}; {expected}") from None
        if self.kind == RANGE:
            try:
                low, high = (float(end) for end in value)
            except (TypeError, ValueError):
                raise ValueError(f"{self.label}: found {value!r}; expected two numbers") from None
            return (_tidy(low), _tidy(high))
        try:
            return _tidy(float(value))
        except (TypeError, ValueError):
            raise ValueError(f"{self.label}: found {value!r}; expected a number") from None

    def is_default(self, value: Any) -> bool:
        """Whether `value` is the file's (so the control changes nothing)."""
        if self.kind in (SLIDER, RANGE):
            ours = value if self.kind == RANGE else (value,)
            theirs = self.default if self.kind == RANGE else (self.default,)
            return all(math.isclose(a, b, abs_tol=1e-12) for a, b in zip(ours, theirs, strict=True))
        return value == self.default


def _tidy(value: float) -> float:
    """A slider's value without binary noise (0.30000000000000004 -> 0.3)."""
    return float(f"{value:.10g}")


@dataclass(frozen=True)
class Settings:
    """A scenario file and the controls moved away from its values (hashable)."""

    scenario: str = DEFAULT
    """The file, relative to the project (or absolute): see `sim.app.scenarios.resolve`."""
    values: tuple[tuple[str, Any], ...] = ()
    """(control key, value) for each control moved, sorted by key."""

    @property
    def moved(self) -> dict[str, Any]:
        """Control key -> value, for the controls moved."""
        return dict(self.values)

    def with_value(self, control: Control, value: Any) -> Settings:
        """These settings with `control` at `value` (dropped when it is the file's value).

        Raises:
            ValueError: if the value is not of the control's type.
        """
        value = control.coerce(value)
        moved = self.moved
        moved.pop(control.key, None)
        if not control.is_default(value):
            moved[control.key] = value
        return Settings(self.scenario, tuple(sorted(moved.items())))


@dataclass(frozen=True, eq=False)
class Built:
    """What `build` made of some settings: the scenario to run, or why there is none."""

    settings: Settings
    controls: tuple[Control, ...] = ()
    """The controls the file offers (empty if it could not be loaded)."""
    base: Scenario | None = None
    """The file's scenario."""
    scenario: Scenario | None = None
    """The scenario with the controls' values: what the page runs (None on an error)."""
    overrides: dict[str, Any] = field(default_factory=dict)
    """The dotted paths the controls set, as `run.py --set` would."""
    error: str | None = None
    """Why the settings cannot be run, in words (None if they can)."""

    @property
    def ok(self) -> bool:
        """Whether the settings can be run."""
        return self.error is None

    def control(self, key: str) -> Control:
        """The control named `key`."""
        for control in self.controls:
            if control.key == key:
                return control
        raise KeyError(f"no control {key!r} in {self.settings.scenario}")

    def value(self, key: str) -> Any:
        """The value control `key` shows: the one moved to, else the file's."""
        return self.settings.moved.get(key, self.control(key).default)


def build(settings: Settings) -> Built:
    """The scenario `settings` stand for, validated; an invalid one comes back with its error."""
    try:
        base = load_base(settings.scenario)
    except (DemoPathError, ScenarioError) as error:
        return Built(settings, error=str(error))
    controls = tuple(controls_for(base))
    by_key = {control.key: control for control in controls}
    values = {}
    for key, value in settings.values:
        if key not in by_key:
            return Built(settings, controls, base, error=f"no control {key!r} in this scenario")
        try:
            values[key] = by_key[key].coerce(value)
        except ValueError as error:
            return Built(settings, controls, base, error=str(error))
    overrides = overrides_for(base, controls, values)
    try:
        scenario = with_overrides(base, overrides, source=f"{base.name} with the demo's controls")
    except ScenarioError as error:
        return Built(settings, controls, base, overrides=overrides, error=str(error))
    return Built(settings, controls, base, scenario, overrides)


def load_base(path: str | Path) -> Scenario:
    """The scenario file `path` (in the demo's folders), loaded once per version of the file.

    Raises:
        DemoPathError: if the path is outside the demo's folders.
        ScenarioError: if the file is not a valid scenario.
    """
    resolved = resolve(path)
    return _load(resolved, resolved.stat().st_mtime_ns)


@lru_cache(maxsize=32)
def _load(path: Path, version: int) -> Scenario:
    return load_scenario(path)


# --- the controls a scenario offers ------------------------------------------------------------


def controls_for(scenario: Scenario) -> list[Control]:
    """The controls `scenario` offers, group by group (see the module docstring)."""
    return [
        *_disputant_controls(scenario),
        *_mediator_controls(scenario),
        *_alliance_controls(scenario),
        *_council_controls(scenario),
        *_run_controls(scenario),
    ]


def _label(scenario: Scenario, party: str) -> str:
    return scenario.parties[party].label or party


def _drawn(scenario: Scenario, path: str) -> bool:
    """Whether the file draws the value at `path` (or a part of it) per replicate."""
    return any(p == path or p.startswith(path + ".") for p in scenario.uncertainty)


_DRAWN_NOTE = "drawn per replicate in the file; moving it sets it for every replicate"


def disputants(scenario: Scenario) -> list[str]:
    """The disputants, in file order."""
    return [name for name, spec in scenario.parties.items() if spec.disputant]


def inducement_giver(scenario: Scenario) -> str | None:
    """Who offers the inducements a slider sets: the file's first giver, else its first mediator."""
    if scenario.leverage:
        return next(iter(scenario.leverage))
    if scenario.mediation is not None and scenario.mediation.mediators:
        return next(iter(scenario.mediation.mediators))
    return None


def _disputant_controls(scenario: Scenario) -> list[Control]:
    controls = []
    giver = inducement_giver(scenario)
    for party in disputants(scenario):
        spec, label = scenario.parties[party], _label(scenario, party)
        base = f"parties.{party}"
        controls.append(
            Control(
                f"flexibility.{party}",
                f"{label}: flexibility",
                SLIDER,
                "Disputants",
                spec.flexibility,
                (f"{base}.flexibility",),
                0.0,
                1.0,
                0.01,
                note=_DRAWN_NOTE if _drawn(scenario, f"{base}.flexibility") else "",
            )
        )
        for issue, (low, high) in scenario.scales.items():
            line = spec.red_lines.get(issue, [low, high])
            path = f"{base}.red_lines.{issue}"
            controls.append(
                Control(
                    f"red_line.{party}.{issue}",
                    f"{label}: red line on {issue.replace('_', ' ')}",
                    RANGE,
                    "Disputants",
                    (float(line[0]), float(line[1])),
                    (path,),
                    float(low),
                    float(high),
                    _tidy((high - low) / 100),
                    note=_DRAWN_NOTE if _drawn(scenario, path) else "",
                )
            )
        if giver is not None:
            leverage = scenario.leverage.get(giver)
            offered = leverage.inducements.get(party, 0.0) if leverage is not None else 0.0
            path = f"leverage.{giver}.inducements.{party}"
            controls.append(
                Control(
                    f"inducement.{party}",
                    f"{label}: inducement from {_label(scenario, giver)}",
                    SLIDER,
                    "Disputants",
                    float(offered),
                    (path,),
                    0.0,
                    max(INDUCEMENT_MAX, float(offered)),
                    0.01,
                    note=_DRAWN_NOTE if _drawn(scenario, path) else "",
                )
            )
    return controls


def _mediator_controls(scenario: Scenario) -> list[Control]:
    mediation = scenario.mediation
    if mediation is None or not mediation.mediators:
        return []
    controls = [
        Control(
            f"bias.{name}",
            f"{_label(scenario, name)}: bias",
            SLIDER,
            "Mediators",
            member.bias,
            (f"mediation.mediators.{name}.bias",),
            0.0,
            1.0,
            0.01,
            note=_DRAWN_NOTE if _drawn(scenario, f"mediation.mediators.{name}.bias") else "",
        )
        for name, member in mediation.mediators.items()
    ]
    if len(mediation.mediators) > 1:
        controls.append(
            Control(
                "cohesion",
                "Cohesion (the widest gap between two mediators' proposals they bridge)",
                SLIDER,
                "Mediators",
                min(mediation.cohesion, 1.0),
                ("mediation.cohesion",),
                0.0,
                1.0,
                0.01,
                note=_DRAWN_NOTE if _drawn(scenario, "mediation.cohesion") else "",
            )
        )
    return controls


def _alliance_controls(scenario: Scenario) -> list[Control]:
    return [
        Control(
            f"alliance.{index}",
            " - ".join(_label(scenario, party) for party in alliance.between),
            SLIDER,
            "Alliances",
            alliance.strength,
            (f"alliances.{index}.strength",),
            -1.0,
            1.0,
            0.05,
            note=_DRAWN_NOTE if _drawn(scenario, f"alliances.{index}.strength") else "",
        )
        for index, alliance in enumerate(scenario.alliances)
    ]


def _council_controls(scenario: Scenario) -> list[Control]:
    council = scenario.council
    if council is None:
        return []
    body = council.label or "the Council"
    controls = []
    if council.permanent:
        names = ", ".join(_label(scenario, p) for p in council.permanent)
        controls.append(
            Control(
                "veto",
                f"Veto at {body}",
                SWITCH,
                "Council",
                council.veto,
                ("council.veto",),
                note=f"the veto players: {names}",
            )
        )
    own = [
        index
        for index, item in enumerate(council.sessions)
        if not isinstance(item, int) and item.strategy is not None
    ]
    controls.append(
        Control(
            "strategy",
            f"Sponsor's strategy ({_label(scenario, council.sponsor)})",
            SELECT,
            "Council",
            council.strategy,
            ("council.strategy", *(f"council.sessions.{i}.strategy" for i in own)),
            options=tuple(SPONSOR_STRATEGIES),
            note="for every session, also those the file gives a strategy of their own"
            if own
            else "",
        )
    )
    return controls


def _run_controls(scenario: Scenario) -> list[Control]:
    controls = []
    parties = disputants(scenario)
    if parties:
        own = [p for p in parties if scenario.parties[p].stalemate_cost is not None]
        costs = [
            scenario.parties[p].stalemate_cost if p in own else scenario.ripeness for p in parties
        ]
        default = _tidy(sum(costs) / len(costs))
        note = ""
        if own:
            listed = ", ".join(
                f"{_label(scenario, p)} {scenario.parties[p].stalemate_cost:g}" for p in own
            )
            note = (
                f"the file sets the disputants' own costs ({listed}; shown: their mean); "
                "moving it gives every disputant this cost"
            )
        controls.append(
            Control(
                "ripeness",
                "Ripeness: what each round of stalemate costs each disputant",
                SLIDER,
                "Run",
                default,
                ("ripeness", *(f"parties.{p}.stalemate_cost" for p in own)),
                0.0,
                max(0.03, 2 * default),
                0.0005,
                note=note,
            )
        )
    controls.append(Control("seed", "Seed", INTEGER, "Run", scenario.seed, ("seed",)))
    return controls


# --- from control values to scenario overrides --------------------------------------------------


def overrides_for(
    scenario: Scenario, controls: tuple[Control, ...] | list[Control], values: Mapping[str, Any]
) -> dict[str, Any]:
    """The dotted-path overrides the moved controls' `values` stand for.

    Each control sets each of its paths to its value (a red line as [low, high]). Inducements
    are offered within their giver's budget: where the inducements a giver offers would add
    up to more than its budget, the budget is raised to their sum; a giver that offered none
    in the file offers them from the first round.
    """
    overrides: dict[str, Any] = {}
    offered: dict[str, float] = {}
    for control in controls:
        if control.key not in values:
            continue
        value = values[control.key]
        if control.key.startswith("inducement."):
            offered[control.key.removeprefix("inducement.")] = value
            continue
        for path in control.paths:
            overrides[path] = list(value) if control.kind == RANGE else value
    giver = inducement_giver(scenario)
    if offered and giver is not None:
        leverage = scenario.leverage.get(giver)
        if leverage is None:
            kept = {party: amount for party, amount in offered.items() if amount > 0}
            overrides[f"leverage.{giver}"] = {"budget": sum(kept.values()), "inducements": kept}
        else:
            for party, amount in offered.items():
                overrides[f"leverage.{giver}.inducements.{party}"] = amount
            total = sum({**leverage.inducements, **offered}.values())
            if total > leverage.budget:
                overrides[f"leverage.{giver}.budget"] = _tidy(total)
    return overrides
