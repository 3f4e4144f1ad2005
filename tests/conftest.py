"""Shared builders: tiny scenarios written as YAML text and parsed by `parse_scenario`.

The base scenario has two issues (`a`, `b`), a status quo at (0.5, 0.5), two disputants whose
red lines on `a` exclude each other (`north` in [0, 0.2], `south` in [0.8, 1]), and a one-member
troika (`broker`, unbiased). Nobody moves (flexibility 0) and nothing is random (stance noise 0,
decision noise 0, no unilateral option), so by default every replicate deadlocks at the
horizon. Each test changes only what it is about.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from sim.model import NegotiationModel
from sim.scenario import Scenario, load_scenario, parse_scenario

BASE_YAML = """
name: tiny
issues:
  a: "first issue"
  b: "second issue"
utility: linear
status_quo: {a: 0.5, b: 0.5}
parties:
  north:
    disputant: true
    position: {a: 0.1, b: 0.1}
    red_lines: {a: [0.0, 0.2]}
    flexibility: 0.0
  south:
    disputant: true
    position: {a: 0.9, b: 0.9}
    red_lines: {a: [0.8, 1.0]}
    flexibility: 0.0
  broker:
    position: {a: 0.5, b: 0.5}
    flexibility: 0.0
mediation:
  mediators: {broker: {bias: 0.0}}
decision: {abstain_band: 0.05, patron_alignment: 0.1, noise: 0.0}
horizon: 6
ripeness: 0.0
noise: 0.0
replicates: 4
seed: 7
"""

KOSOVO = Path(__file__).resolve().parents[1] / "scenarios" / "kosovo_2007.yaml"

DRAFT = {"a": 0.9, "b": 0.9}
"""The sponsor's draft in the voting builder; the status quo is (0.5, 0.5)."""
YES_SEAT = {"a": 0.9, "b": 0.9}
"""A member at the draft: net utility 0 - (-0.4) = +0.4, votes yes."""
NO_SEAT = {"a": 0.1, "b": 0.1}
"""A member far from the draft: net utility -0.8 - (-0.4) = -0.4, votes no."""


def merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """`base` with `changes` merged in: mappings recursively, a value None deletes the key."""
    merged = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def make_yaml(**changes: Any) -> str:
    """The base scenario's YAML text with `changes` merged in (see `merge`)."""
    return yaml.safe_dump(merge(yaml.safe_load(BASE_YAML), changes), sort_keys=False)


def make_scenario(**changes: Any) -> Scenario:
    """The base scenario with `changes`, parsed and validated from YAML text."""
    return parse_scenario(make_yaml(**changes), "<tiny>")


def make_model(
    replicates: int | None = None, seed: int | None = None, **changes: Any
) -> NegotiationModel:
    """A model of the base scenario with `changes`."""
    return NegotiationModel(make_scenario(**changes), replicates=replicates, seed=seed)


def party(a: float, b: float, **spec: Any) -> dict[str, Any]:
    """A party spec at position (a, b) with flexibility 0 unless `spec` says otherwise."""
    return {"position": {"a": a, "b": b}, "flexibility": 0.0, **spec}


def voting_changes(
    holdout: dict[str, Any], strategy: str = "table_anyway", **council: Any
) -> dict[str, Any]:
    """Changes adding a 15-seat Council whose votes are fixed by the members' positions.

    Permanent members: `holdout` (the spec given, the one whose vote each test varies),
    `sponsor`, `perm3`, `perm4`, `perm5` (all at the draft: yes). Elected members: `yes1`..`yes5`
    at the draft (yes) and `no1`..`no5` far from it (no). So the draft has 4 + 5 = 9 yes votes
    whatever the holdout does, and the holdout decides between veto and adoption. One session,
    in round 2; horizon 3.
    """
    permanent = ["holdout", "sponsor", "perm3", "perm4", "perm5"]
    elected = [f"yes{i}" for i in range(1, 6)] + [f"no{i}" for i in range(1, 6)]
    seats = {"holdout": {"flexibility": 0.0, **holdout}}
    for name in permanent[1:] + elected[:5]:
        seats[name] = {"position": YES_SEAT, "flexibility": 0.0}
    for name in elected[5:]:
        seats[name] = {"position": NO_SEAT, "flexibility": 0.0}
    return {
        "parties": seats,
        "horizon": 3,
        "council": {
            "members": permanent + elected,
            "permanent": permanent,
            "sessions": [2],
            "sponsor": "sponsor",
            "strategy": strategy,
            "draft": DRAFT,
            **council,
        },
    }


def voting_scenario(
    holdout: dict[str, Any], strategy: str = "table_anyway", **changes: Any
) -> Scenario:
    """The base scenario with the 15-seat Council of `voting_changes` and further `changes`."""
    return make_scenario(**merge(voting_changes(holdout, strategy), changes))


HOLDOUT_NO = {"position": {"a": 0.1, "b": 0.1}}
"""Net utility of the draft (0.9, 0.9) over the status quo (0.5, 0.5): -0.8 + 0.4 = -0.4: no."""
HOLDOUT_ABSTAIN = {"position": {"a": 0.7, "b": 0.7}}
"""Net utility: -(0.1 + 0.1) + (0.1 + 0.1) = 0, inside the abstain band: abstain."""
HOLDOUT_ISSUE_A = {"position": {"a": 0.0, "b": 0.9}, "salience": {"a": 1.0, "b": 0.0}}
"""Cares about issue a only: net utility of the draft -0.9 + 0.5 = -0.4: no."""


def kosovo() -> Scenario:
    """The Kosovo 2007 scenario as shipped."""
    return load_scenario(KOSOVO)
