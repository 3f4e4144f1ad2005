"""A scenario's values as the model's arrays, with the values drawn per replicate.

A value the scenario declares uncertain (`Scenario.uncertainty`) is drawn once per replicate
(`draw_uncertain`); every other value is the same in all replicates. The model's parameter
arrays end in a replicate axis of width W: 1 for a value shared by all replicates, R (later
the L live ones) where a draw enters it, so every rule broadcasts over replicates alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.distributions import draw
from sim.scenario import Scenario, _strip, value_type

if TYPE_CHECKING:
    from sim.streams import ReplicateStreams

Value = float | np.ndarray
"""A parameter: a number shared by all replicates, or an (R,) array of draws."""


def draw_uncertain(scenario: Scenario, streams: ReplicateStreams, count: int) -> dict[str, Any]:
    """Each uncertain value drawn for every replicate: path -> (R,) array, in path order.

    Source: inverse transform sampling (Devroye 1986, ch. 2): replicate i's value is the
    distribution's inverse CDF at a uniform number from its stream (`sim.streams`), one per
    uncertain value in the order of their paths, so a replicate's values depend only on the
    seed and its number. An integer value takes whole numbers (rounded half up).
    """
    replicates = np.arange(count)
    drawn = {}
    for path in sorted(scenario.uncertainty):
        distribution = scenario.uncertainty[path]
        integer = _strip(value_type(Scenario, *path.split("."))) is int
        drawn[path] = draw(distribution, streams.uniform(replicates), integer)
    return drawn


class ScenarioValues:
    """The scenario's values, with the draws in place of those declared uncertain.

    Coordinates are read on the unit scale: each issue's own scale [low, high] (`scales`,
    issue -> (low, high); [0, 1] where none is given) is mapped to [0, 1].
    """

    def __init__(
        self,
        drawn: Mapping[str, np.ndarray],
        scales: Mapping[str, tuple[float, float]] | None = None,
    ):
        self.drawn = drawn
        self.scales = dict(scales or {})

    def __call__(self, path: str, value: Any) -> Value:
        """The value at `path`: its draws if it is uncertain, else `value` (the file's)."""
        return self.drawn.get(path, value)

    def unit(self, issue: str, value: Any) -> Value:
        """A coordinate on `issue` in the issue's units, mapped to the unit scale."""
        low, high = self.scales.get(issue, (0.0, 1.0))
        if (low, high) == (0.0, 1.0):
            return value
        return (np.asarray(value, dtype=float) - low) / (high - low)

    def coordinate(self, path: str, issue: str, value: Any) -> Value:
        """The coordinate at `path` on `issue` (its draws if uncertain), on the unit scale."""
        return self.unit(issue, self(path, value))

    def point(self, path: str, values: Mapping[str, float], issues: Sequence[str]) -> np.ndarray:
        """A point (issue -> value) as a column (K, W) on the unit scale, with its draws."""
        return stack([self.coordinate(f"{path}.{k}", k, values[k]) for k in issues])

    def weights(self, path: str, values: Mapping[str, float], issues: Sequence[str]) -> np.ndarray:
        """Per-issue weights (issue -> value) as a column (K, W), with their draws."""
        return stack([self(f"{path}.{issue}", values[issue]) for issue in issues])


def stack(items: Sequence[Any]) -> np.ndarray:
    """Numbers and arrays stacked on a new first axis, each broadcast to the widest: (n, ..., W).

    Items are numbers, (W,) arrays, or arrays with the replicate axis last (e.g. (K, W)).
    """
    arrays = [np.asarray(item, dtype=float) for item in items]
    arrays = [a[..., None] if a.ndim == 0 else a for a in arrays]
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    return np.stack([np.broadcast_to(a, shape) for a in arrays])


def width(*arrays: Any) -> int:
    """The widest replicate axis among `arrays` (1 if all are shared)."""
    return max((np.shape(a)[-1] if np.ndim(a) else 1) for a in arrays)


def party_arrays(
    scenario: Scenario, values: ScenarioValues, status_quo: np.ndarray
) -> dict[str, np.ndarray]:
    """The parties' parameter arrays (see `sim.model.PARTY_STATE`), with the draws in them.

    Salience is absolute, on the unit scale (the file's divided by `salience_scale`); a party
    that gives none has 1/K on each of the K issues. A drawn red line that
    would cross its other end is moved to it; a core never lies inside its stated red line
    (each end is taken at least as far out as the stated end). Without a core, the core is
    the stated red line; without its own stalemate cost, a disputant's is the scenario's
    `ripeness`, any other party's 0.
    """
    issues = scenario.issue_names
    salience, low, high, core_low, core_high, no_deal = [], [], [], [], [], []
    scalars: dict[str, list[Value]] = {
        name: [] for name in ("capability", "flexibility", "stalemate_cost")
    } | {name: [] for name in ("audience_cost", "restraint")}
    ripeness = values("ripeness", scenario.ripeness)
    for name, spec in scenario.parties.items():
        base = f"parties.{name}"
        given = spec.salience or {k: scenario.salience_scale / len(issues) for k in issues}
        salience.append(values.weights(f"{base}.salience", given, issues) / scenario.salience_scale)
        lines = {k: spec.red_lines.get(k, list(scenario.scales[k])) for k in issues}
        stated_low, stated_high = (
            stack(
                [values.coordinate(f"{base}.red_lines.{k}.{end}", k, lines[k][end]) for k in issues]
            )
            for end in (0, 1)
        )
        stated_high = np.maximum(stated_high, stated_low)
        low.append(stated_low)
        high.append(stated_high)
        core_low.append(np.minimum(_core_end(values, base, spec, issues, 0), stated_low))
        core_high.append(np.maximum(_core_end(values, base, spec, issues, 1), stated_high))
        no_deal.append(
            values.point(f"{base}.no_deal", spec.no_deal, issues) if spec.no_deal else status_quo
        )
        own_cost = spec.stalemate_cost
        default_cost = ripeness if spec.disputant else 0.0
        scalars["stalemate_cost"].append(
            values(f"{base}.stalemate_cost", default_cost if own_cost is None else own_cost)
        )
        for field in ("capability", "flexibility", "audience_cost", "restraint"):
            scalars[field].append(values(f"{base}.{field}", getattr(spec, field)))
    arrays = {
        "salience": stack(salience),
        "red_low": stack(low),
        "red_high": stack(high),
        "core_low": stack(core_low),
        "core_high": stack(core_high),
        "no_deal": stack(no_deal),
        "disputant": np.array([spec.disputant for spec in scenario.parties.values()]),
    }
    arrays |= {field: stack(items) for field, items in scalars.items()}
    n = len(scenario.parties)
    index = {name: i for i, name in enumerate(scenario.parties)}
    ties = [
        values(f"alliances.{a}.strength", alliance.strength)
        for a, alliance in enumerate(scenario.alliances)
    ]
    strength = np.zeros((n, n, width(*ties) if ties else 1))
    for alliance, tie in zip(scenario.alliances, ties, strict=True):
        i, j = (index[name] for name in alliance.between)
        strength[i, j] = strength[j, i] = tie
    arrays["alliance_strength"] = strength
    return arrays


def _core_end(
    values: ScenarioValues, base: str, spec: Any, issues: Sequence[str], end: int
) -> np.ndarray:
    """One end (0: low, 1: high) of a party's red-line cores, (K, W), with any draws.

    Where no core is declared, the end is the far end of the scale (1 for the low end, 0 for
    the high one), so that taken with the stated end (`party_arrays`) it is the stated end.
    """
    cores = spec.red_line_cores
    far = 1.0 - end
    return stack(
        [
            values.coordinate(f"{base}.red_line_cores.{k}.{end}", k, cores[k][end])
            if k in cores
            else far
            for k in issues
        ]
    )
