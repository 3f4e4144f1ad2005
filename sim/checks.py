"""Checks of values set on a running model, by the scenario schema's own types and ranges.

A value set between steps (a party's capability, a red line, the Council's draft, a troika
member's bias) is checked exactly as the same value in a scenario file would be: the check is
built from the schema's type for it (`sim.scenario.value_type`), so every range is written
once. A check raises `ValueError` naming the value, what was found and what was expected.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from sim.rules import Registry
from sim.scenario import Unit, value_type

STRICT = ConfigDict(strict=True, allow_inf_nan=False)
"""As the scenario schema reads numbers: no text, no booleans for numbers, no infinities."""

Check = Callable[[Any], Any]


def schema_check(model: type[BaseModel], *path: str, what: str | None = None) -> Check:
    """A check of one value against the schema's type at `path` inside `model`.

    The check returns the value as the schema reads it (numpy scalars are read as Python
    numbers) or raises ValueError, e.g. "capability: found inf; expected a finite number".
    """
    adapter = TypeAdapter(value_type(model, *path), config=STRICT)
    name = what or ".".join(part for part in path if part not in ("*", "0"))

    def check(value: Any) -> Any:
        if isinstance(value, np.generic):
            value = value.item()
        try:
            return adapter.validate_python(value)
        except ValidationError as error:
            expected = error.errors()[0]["msg"].removeprefix("Input should be ")
            raise ValueError(f"{name}: found {value!r}; expected {expected}") from None

    return check


def unit_check(what: str) -> Check:
    """A check of a number on the unit scale [0, 1] (the engine's coordinates and saliences).

    The scenario gives coordinates in each issue's own units; the model holds them mapped to
    [0, 1], so a value set on a running model is checked on that scale.
    """
    check = schema_check(_UnitValue, "value", what=what)

    def on_the_unit_scale(value: Any) -> Any:
        try:
            return check(value)
        except ValueError as error:
            raise ValueError(
                f"{error} (on the unit scale: each issue's scale mapped to [0, 1])"
            ) from None

    return on_the_unit_scale


class _UnitValue(BaseModel):
    value: Unit


def point(
    value: Any, issues: Sequence[str], check: Check, what: str, live: bool = False
) -> np.ndarray:
    """A point, checked value by value, as a column (K, 1) (with `live`, also (K, L)).

    It is given as an issue -> value mapping or as K values in issue order; with `live`, also
    as K rows of one value per live replicate.
    """
    if isinstance(value, Mapping):
        unknown = [key for key in value if key not in issues]
        missing = [issue for issue in issues if issue not in value]
        if unknown or missing:
            raise ValueError(
                f"{what}: found issues {sorted(value)}; expected one value for each of {issues}"
            )
        value = [value[issue] for issue in issues]
    array = np.asarray(value, dtype=object)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] != len(issues) or (array.shape[1] != 1 and not live):
        raise ValueError(
            f"{what}: found shape {array.shape}; expected {len(issues)} values, one per issue"
        )
    return np.array([[check(v) for v in row] for row in array], dtype=float)


BodyCheck = Callable[[Any, Any], Any]
"""A check of a body's setting: takes the body and the value, returns the value to store."""


class CheckedBody:
    """A body (the troika, the Council) whose settings are checked when assigned.

    `checks` maps a setting's name to its `BodyCheck`, which raises ValueError (or
    `sim.rules.UnknownRuleError` for a rule's name) if the value does not fit. Reading a
    setting is a plain attribute read; a setting held in an array is read-only, so it changes
    only through its check.
    """

    checks: ClassVar[dict[str, BodyCheck]] = {}

    def __setattr__(self, name: str, value: Any) -> None:
        check = self.checks.get(name)
        if check is not None:
            value = check(self, value)
            if isinstance(value, np.ndarray):
                value.flags.writeable = False
        super().__setattr__(name, value)


def field_check(model: type[BaseModel], field: str) -> BodyCheck:
    """The check of a setting against the schema field `field` of `model`."""
    check = schema_check(model, field)
    return lambda body, value: check(value)


def rule_name(registry: Registry[Any]) -> BodyCheck:
    """The check of a setting naming one rule of `registry` (e.g. the troika's `rule`).

    A name that is not registered raises `sim.rules.UnknownRuleError` at once, so a wrong
    name never waits for the next round to fail.
    """

    def check(body: object, name: str) -> str:
        registry[name]  # raises UnknownRuleError for a name not registered
        return name

    return check
