"""Declared experiments ("sweep files"): which scenario values vary, how, and what is recorded.

A sweep file names a base scenario, a design and the scenario values (dotted paths, as for
`with_overrides`) it varies; `load_sweep` reads it with the scenarios' safe YAML reader,
validates it against the `Sweep` schema, loads the base scenario and checks every parameter's
path and values against the schema of that scenario value, `design_points` turns it into the
table of points to run (one row per point, one column per parameter, holding the override
value as applied), and `check_points` validates each point's whole scenario, cross-checks
included (docs/ODD.md, section 8.10), which only the combination of values a point makes can
pass or fail.

Designs:

- `grid`: the full factorial of the listed values, first parameter slowest (Box, Hunter &
  Hunter 2005, "Statistics for Experimenters", ch. 5).
- `latin`: Latin hypercube sampling (McKay, Beckman & Conover 1979), `samples` points.
- `sobol`: Saltelli's scheme on a scrambled Sobol' sequence for first-order and total Sobol'
  indices (Sobol' 1993; Saltelli 2002; Saltelli et al. 2010), `samples` = N base samples,
  N x (D + 2) points for D parameters (`calc_second_order=False`).
- `morris`: Morris's elementary-effects trajectories (Morris 1991; Campolongo, Cariboni &
  Saltelli 2007), `samples` = r trajectories on a grid of `levels` levels, r x (D + 1) points.

The samplers are SALib 1.6's (Herman & Usher 2017; Iwanaga, Usher & Herman 2022), with
SALib's distribution names and bounds conventions (`SALib.util.scale_samples`). Every problem
found in a sweep file is reported as a `ScenarioError` naming the sweep file, the dotted path
inside it, what was found and what was expected.

References:
    Box, G. E. P., Hunter, J. S. & Hunter, W. G. (2005). Statistics for Experimenters, 2nd ed.
    Wiley. -- Campolongo, F., Cariboni, J. & Saltelli, A. (2007). An effective screening design
    for sensitivity analysis of large models. Environ. Model. Softw. 22, 1509-1518. --
    Devroye, L. (1986). Non-Uniform Random Variate Generation. Springer. -- Herman, J. & Usher,
    W. (2017). SALib: an open-source Python library for sensitivity analysis. JOSS 2(9), 97. --
    Iwanaga, T., Usher, W. & Herman, J. (2022). Toward SALib 2.0. Socio-Environ. Syst. Model.
    4, 18155. -- Khorashadi Zadeh, F. et al. (2017). Comparison of variance-based and
    moment-independent global sensitivity analysis approaches by application to the SWAT
    model. Environ. Model. Softw. 91, 210-222. -- McKay, M. D., Beckman, R. J. & Conover, W. J.
    (1979). A comparison of three methods for selecting values of input variables in the
    analysis of output from a computer code. Technometrics 21, 239-245. -- Morris, M. D.
    (1991). Factorial sampling plans for preliminary computational experiments. Technometrics
    33, 161-174. -- Owen, A. B. (2020). On dropping the first Sobol' point. arXiv:2008.08051.
    -- Saltelli, A. (2002). Making best use of model evaluations to compute sensitivity
    indices. Comput. Phys. Commun. 145, 280-297. -- Saltelli, A. et al. (2010). Variance based
    sensitivity analysis of model output: design and estimator for the total sensitivity
    index. Comput. Phys. Commun. 181, 259-270. -- Sobol', I. M. (1967). On the distribution of
    points in a cube and the approximate evaluation of integrals. USSR Comput. Math. Math.
    Phys. 7(4), 86-112. -- Sobol', I. M. (1993). Sensitivity estimates for nonlinear
    mathematical models. Math. Model. Comput. Exp. 1, 407-414. -- SALib issue 515 (2022):
    normal distributions in Morris sampling give infinite values.
"""

from __future__ import annotations

import itertools
import json
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Union

import numpy as np
import pandas as pd
import yaml
from pydantic import (
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    TypeAdapter,
    ValidationError,
)

from sim.distributions import (  # the distributions are shared with declared uncertainty
    NORMAL_REACH,
    Choice,
    Normal,
    Scalar,
    Triangular,
    Uniform,
    _Spec,
)
from sim.problems import describe, is_index
from sim.records import Labels, RunRecords, record_labels, session_prefix
from sim.scenario import (
    Name,
    Problem,
    Scenario,
    ScenarioError,
    _cross_check,
    _one_of,
    _pydantic_problem,
    _set_path,
    _Strict,
    _strip,
    _suggest,
    copied_along,
    current_path,
    load_scenario,
    read_yaml_file,
    unprintable_text,
    validate_scenario,
    value_type,
    with_overrides,
)

DESIGNS = ("grid", "latin", "sobol", "morris")
"""The experimental designs a sweep file may declare."""

SAMPLERS = ("latin", "sobol", "morris")
"""The designs that sample points (all but the grid)."""

OUTCOME_NAMES = ("agreement", "resolution", "unilateral", "deadlock", "breaks")
"""The outcomes whose share a sweep reports per point ("breaks": any outcome but deadlock)."""

DEFAULT_OUTCOMES = (*OUTCOME_NAMES, "end_round")
"""What a sweep records per point unless its file says otherwise."""

DUMMY = "dummy"
"""The name of the dummy parameter of sobol and morris designs (no scenario value reads it)."""

DEFAULT_LEVELS = 4
"""Morris levels when the file gives none (SALib's default; Morris 1991 used even levels)."""

MAX_POINTS = 1_000_000
"""The most points a design may have."""

RESERVED = ("seed", "replicates")
"""Scenario values a sweep sets itself (its own `seed` and `replicates`), never parameters."""

_SPEC_KEYS = ("from", "to", "steps", "uniform", "triangular", "normal", "clip", "choice")
_GRID_SHAPES = "a list of values, or {from, to, steps}"
_SAMPLER_SHAPES = (
    "a range {from, to} or a distribution: {uniform: [a, b]}, {triangular: [a, mode, b]}, "
    "{normal: [mu, sd], clip: [lo, hi]} (latin, sobol) or {choice: [...]}"
)

ParameterPath = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")]
"""A dotted scenario path: lower-case names and list indices joined by "." (e.g. `horizon`)."""


class Range(_Spec):
    """Numbers from `from` to `to`: evenly spaced (grid, with `steps`) or uniform (samplers)."""

    kind: ClassVar[str] = "range"
    from_: float = Field(alias="from", description="The lowest value.")
    to: float = Field(description="The highest value (greater than from).")
    steps: Annotated[int, Field(ge=2)] | None = Field(
        None,
        description="Grid only: this many evenly spaced values, both ends included (>= 2). "
        "Samplers draw uniformly from [from, to] and refuse steps.",
    )


Values = Annotated[list[Scalar], Field(min_length=1)]
"""Explicit values of a grid parameter, each once."""

_SPEC_MODELS: dict[str, type[_Spec]] = {m.kind: m for m in (Range, Uniform, Triangular, Normal)}
_SPEC_MODELS[Choice.kind] = Choice
_TAGS = ("values", *_SPEC_MODELS)


def _spec_kind(value: Any) -> str | None:
    """Which shape of parameter spec `value` is (None: none of them)."""
    if isinstance(value, _Spec):
        return value.kind
    if isinstance(value, list):
        return "values"
    if isinstance(value, Mapping):
        for key in ("uniform", "triangular", "normal", "choice"):
            if key in value:
                return key
        if {"from", "to", "steps"} & set(value):
            return "range"
    return None


ParameterSpec = Annotated[
    Union[  # noqa: UP007 (tags need the explicit Union)
        Annotated[Values, Tag("values")],
        Annotated[Range, Tag("range")],
        Annotated[Uniform, Tag("uniform")],
        Annotated[Triangular, Tag("triangular")],
        Annotated[Normal, Tag("normal")],
        Annotated[Choice, Tag("choice")],
    ],
    Discriminator(_spec_kind),
]
"""How one parameter varies: a list of values, a range, or a distribution."""


class Sweep(_Strict):
    """A declared experiment: a base scenario, a design, the values varied and the outcomes."""

    name: Name = Field(description="The sweep's name (lower-case letters, digits, underscores).")
    description: str = Field("", description="What the sweep is about.")
    question: str = Field("", description="The question the sweep answers (goes in the report).")
    scenario: str = Field(
        min_length=1, description="Path of the base scenario file, relative to this file."
    )
    design: Literal["grid", "latin", "sobol", "morris"] = Field(
        description="grid: full factorial of the listed values; latin: Latin hypercube "
        "(McKay et al. 1979); sobol: Saltelli's scheme for Sobol' indices (Saltelli et al. "
        "2010); morris: elementary-effects trajectories (Morris 1991)."
    )
    samples: Annotated[int, Field(ge=1)] | None = Field(
        None,
        description="latin: points; sobol: N base samples, a power of 2 (N x (D + 2) points); "
        "morris: trajectories r >= 2 (r x (D + 1) points). Not for grid.",
    )
    levels: Annotated[int, Field(ge=2, le=1000)] | None = Field(
        None,
        description="morris only: levels of the grid trajectories move on (default 4); SALib "
        "wants an even number (an odd one biases the sample), and each choice's number of "
        "options must divide it (each option gets as many levels).",
    )
    replicates: Annotated[int, Field(ge=1, le=1_000_000)] | None = Field(
        None, description="Replicates per point; default: the base scenario's."
    )
    seed: Annotated[int, Field(ge=0)] | None = Field(
        None, description="Seed of the design and of the runs; default: the base scenario's."
    )
    parameters: dict[ParameterPath, ParameterSpec] = Field(
        min_length=1,
        description="Dotted scenario path -> how it varies, in this order. Grid: a list of "
        "values or {from, to, steps}; samplers: {from, to}, {uniform: [a, b]}, "
        "{triangular: [a, mode, b]}, {normal: [mu, sd], clip: [lo, hi]} (not morris), "
        "{choice: [...]}. Whole-number values are rounded after spacing or sampling.",
    )
    outcomes: Annotated[list[str], Field(min_length=1)] = Field(
        default_factory=lambda: list(DEFAULT_OUTCOMES),
        description="What is reported per point: agreement, resolution, unilateral, deadlock, "
        "breaks (shares), or a numeric per-run field of the runs table (end_round, proposals, "
        "drafts_tabled, drafts_withdrawn, gap.<issue>, point.<issue>, "
        "position.<party>.<issue>).",
    )
    target: Literal["agreement", "resolution", "unilateral", "deadlock", "breaks"] = Field(
        "breaks", description="The outcome scenario discovery looks for."
    )
    dummy: bool = Field(
        False,
        description="sobol and morris: add a parameter 'dummy' no scenario value reads; its "
        "index is the analysis's noise floor (Khorashadi Zadeh et al. 2017).",
    )

    def to_yaml(self) -> str:
        """The sweep as YAML, as written in a file (defaults filled, unset keys left out)."""
        data = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def sweep_json_schema() -> str:
    """The schema of sweep files as JSON Schema text (for editors that check YAML)."""
    schema = TypeAdapter(Sweep).json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "stalemate sweep"
    return json.dumps(schema, indent=2)


@dataclass(frozen=True)
class LoadedSweep:
    """A validated sweep with its base scenario (defaults filled: levels, replicates, seed)."""

    sweep: Sweep
    base: Scenario
    path: Path


@dataclass(frozen=True, eq=False)
class Design:
    """The points of a sweep's design.

    `points`: one row per point (index 0..P-1, in sampler order), one column per parameter
    path holding the override value as applied, and a float column `dummy` when the design
    has one. `problem`: the SALib problem (names incl. dummy, bounds, dists), None for a grid.
    `encoded`: (P, D) float, the sampler's values with categories as their index (grid: the
    numbers listed, categories as their index), for the analyses. `parameters`: the column
    names of `points`, in order (incl. dummy).
    """

    points: pd.DataFrame
    problem: dict[str, Any] | None
    encoded: np.ndarray
    parameters: list[str]


# --- loading ------------------------------------------------------------------------------


def load_sweep(path: str | Path) -> LoadedSweep:
    """Load and check a sweep file and its base scenario.

    The file is read with the scenarios' safe YAML reader (repeated keys, non-text keys, tags
    and alias bombs refused), validated against `Sweep`, and cross-checked: the design's keys
    (`samples`, `levels`, `dummy`) and each parameter's shape fit the design (a morris choice
    has a number of options that divides the levels); the base scenario (relative to the
    sweep file) loads; every parameter path exists in it (a new key of a map keyed by issues,
    e.g. a salience the base leaves out, names an issue) and the schema of the value there
    (type, range, allowed names) takes the values it will be given (every listed value, both
    ends of a range or distribution, each option of a choice), set one at a time in the base;
    every outcome names a share or a numeric per-run field. Morris with an odd number of
    levels warns (SALib's sampler wants an even number, Morris 1991) but loads. Missing
    `levels` (morris), `replicates` and `seed` are filled in (4, the base scenario's, the base
    scenario's).

    The scenario's cross-checks (docs/ODD.md, section 8.10: a position inside the party's red
    line, rounds within the horizon, ...) are not made here: they relate several values, and
    one value checked against the base alone would refuse designs whose every point is valid
    (Kosovo's red line's high end 0.9 against the base's position 1.0, when the position is
    varied below 0.9 too) and pass designs with invalid points (two ranges that cross).
    `check_points` makes them on each point of the design.

    Raises:
        ScenarioError: naming the sweep file and the path inside it; or, for an invalid base
            scenario, the base's own error naming the base file.
    """
    path = Path(path)
    source = str(path)
    data = read_yaml_file(path)
    if not isinstance(data, Mapping):
        raise ScenarioError(source, [Problem("", describe(data), "a mapping of sweep keys")])
    unprintable = unprintable_text(data)
    if unprintable:
        raise ScenarioError(source, unprintable)
    if isinstance(data.get("parameters"), Mapping):  # sections by their former names too
        data = {
            **data,
            "parameters": {current_path(str(k)): v for k, v in data["parameters"].items()},
        }
    try:
        sweep = Sweep.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(source, [_sweep_problem(e) for e in error.errors()]) from None
    problems = _design_problems(sweep)
    base_path = path.parent / sweep.scenario
    if not base_path.is_file():
        problems.append(
            Problem(
                "scenario",
                f"{sweep.scenario!r}, which is not a file (looked for {base_path})",
                "the path of a scenario file, relative to the sweep file",
            )
        )
    if problems:
        raise ScenarioError(source, problems)
    base = load_scenario(base_path)
    problems = [*_parameter_problems(sweep, base), *_outcome_problems(sweep, base)]
    if problems:
        raise ScenarioError(source, problems)
    filled = {
        "levels": sweep.levels or (DEFAULT_LEVELS if sweep.design == "morris" else None),
        "replicates": sweep.replicates or base.replicates,
        "seed": base.seed if sweep.seed is None else sweep.seed,
    }
    sweep = sweep.model_copy(update=filled)
    if sweep.levels is not None and sweep.levels % 2:
        warnings.warn(
            f"{source}: levels: found {sweep.levels}; expected an even number: SALib's Morris "
            "sampler wants one, an odd number biases the sample (Morris 1991)",
            UserWarning,
            stacklevel=2,
        )
    return LoadedSweep(sweep=sweep, base=base, path=path)


def _sweep_problem(error: Mapping[str, Any]) -> Problem:
    """A pydantic error in a sweep file as a problem (parameter specs' tags left out)."""
    loc = [str(part) for part in error["loc"]]
    model = None
    if len(loc) > 2 and loc[0] == "parameters" and loc[2] in _TAGS:
        model = _SPEC_MODELS.get(loc.pop(2))
    dotted = ".".join(loc)
    kind = error["type"]
    if kind in ("union_tag_not_found", "union_tag_invalid"):
        return _shape_problem(dotted, error["input"])
    if loc[:1] == ["parameters"] and kind == "string_pattern_mismatch" and "[key]" in loc:
        return Problem(
            dotted.replace(".[key]", ""),
            "a parameter path that is not a dotted scenario path",
            "lower-case names and list indices joined by '.', e.g. parties.russia.flexibility",
        )
    if model is not None and kind == "extra_forbidden":
        allowed = [f.alias or name for name, f in model.model_fields.items()]
        return Problem(dotted, f"unknown key {loc[-1]!r}", _one_of(loc[-1], allowed))
    return _pydantic_problem({**error, "loc": tuple(loc)}, Sweep)


def _shape_problem(dotted: str, value: Any) -> Problem:
    """A parameter spec of no known shape; suggests a key for a misspelt one."""
    expected = f"for a grid, {_GRID_SHAPES}; for a sampler, {_SAMPLER_SHAPES}"
    if isinstance(value, Mapping):
        keys = [str(key) for key in value]
        hint = next((_suggest(k, _SPEC_KEYS) for k in keys if _suggest(k, _SPEC_KEYS)), "")
        found = "a mapping with keys " + ", ".join(keys) if keys else "an empty mapping"
        return Problem(dotted, found, expected + hint)
    return Problem(dotted, describe(value), expected + " (a fixed value belongs in the scenario)")


def _design_problems(sweep: Sweep) -> list[Problem]:
    """Problems of the design's keys and the parameters' shapes, before the base is read."""
    design = sweep.design
    problems: list[Problem] = []
    if design == "grid" and sweep.samples is not None:
        problems.append(
            Problem(
                "samples",
                str(sweep.samples),
                "no samples for design grid: it has one point per combination of values",
            )
        )
    if design in SAMPLERS and sweep.samples is None:
        what = {
            "latin": "the number of points",
            "sobol": "N, the number of base samples, a power of 2 (N x (D + 2) points)",
            "morris": "r, the number of trajectories (r x (D + 1) points)",
        }[design]
        problems.append(Problem("samples", "nothing", f"{what}: design {design} needs it"))
    if design == "sobol" and sweep.samples is not None and not _power_of_two(sweep.samples):
        low = 1 << (sweep.samples.bit_length() - 1)
        problems.append(
            Problem(
                "samples",
                str(sweep.samples),
                f"a power of 2 (e.g. {low} or {2 * low}): a Sobol' sequence is balanced "
                "only over 2**k points (Sobol' 1967; Owen 2020)",
            )
        )
    if design == "morris" and sweep.samples is not None and sweep.samples < 2:
        problems.append(
            Problem(
                "samples",
                str(sweep.samples),
                "at least 2 trajectories: the spread (sigma) of elementary effects needs two "
                "(Morris 1991)",
            )
        )
    if design != "morris" and sweep.levels is not None:
        problems.append(
            Problem("levels", str(sweep.levels), f"no levels for design {design}: only morris")
        )
    if design in ("grid", "latin") and sweep.dummy:
        problems.append(
            Problem(
                "dummy",
                "true",
                f"false for design {design}: a dummy parameter is the noise floor of sobol "
                "and morris indices (Khorashadi Zadeh et al. 2017)",
            )
        )
    for name, spec in sweep.parameters.items():
        problems += _spec_problems(f"parameters.{name}", _kind_of_path(name), spec, design)
    if design == "morris":
        problems += _morris_choice_problems(sweep)
    if not problems:
        count = design_size(sweep)
        if count > MAX_POINTS:
            where = "parameters" if design == "grid" else "samples"
            problems.append(
                Problem(
                    where,
                    f"a design of {count:,} points",
                    f"at most {MAX_POINTS:,} points: fewer values, steps or samples",
                )
            )
    return problems


def _spec_problems(here: str, kind_of_path: type | None, spec: Any, design: str) -> list[Problem]:
    """Problems of one parameter spec: its shape fits the design, its numbers make sense.

    Values are compared as applied (1 and 1.0 are the same value of a number path).
    """
    kind = _spec_kind(spec)
    if design == "grid" and kind not in ("values", "range"):
        return [Problem(here, f"a {kind} distribution", f"for design grid, {_GRID_SHAPES}")]
    if design in SAMPLERS and kind == "values":
        return [
            Problem(
                here,
                "a list of values",
                f"for design {design}, {_SAMPLER_SHAPES}; list categories as {{choice: [...]}}",
            )
        ]
    if design == "morris" and kind == "normal":
        return [
            Problem(
                f"{here}.normal",
                "a normal distribution",
                "a bounded range or distribution for design morris: its levels include both "
                "ends, where a normal's quantiles are infinite (Morris 1991; SALib issue 515)",
            )
        ]
    if isinstance(spec, list | Choice):
        items = spec if isinstance(spec, list) else spec.choice
        where = here if isinstance(spec, list) else f"{here}.choice"
        seen: set[tuple[type, Any]] = set()
        for item in items:
            applied = _as_applied(item, kind_of_path)
            key = (type(applied), item if applied is None else applied)
            if key in seen:
                return [Problem(where, f"the value {item!r} twice", "each value once")]
            seen.add(key)
        return []
    problems = []
    if isinstance(spec, Range):
        if design == "grid" and spec.steps is None:
            problems.append(
                Problem(
                    f"{here}.steps",
                    "nothing",
                    "the number of evenly spaced values (>= 2): a grid range needs it",
                )
            )
        if design in SAMPLERS and spec.steps is not None:
            problems.append(
                Problem(
                    f"{here}.steps",
                    str(spec.steps),
                    f"no steps for design {design}: it draws from the range {{from, to}} "
                    "(evenly spaced values are a grid's)",
                )
            )
        if not spec.from_ < spec.to:
            problems.append(
                Problem(f"{here}.to", repr(spec.to), f"a number greater than from ({spec.from_})")
            )
    elif isinstance(spec, Uniform):
        a, b = spec.uniform
        if not a < b:
            problems.append(Problem(f"{here}.uniform", f"[{a}, {b}]", "[a, b] with a < b"))
    elif isinstance(spec, Triangular):
        a, mode, b = spec.triangular
        if not a <= mode < b:
            problems.append(
                Problem(
                    f"{here}.triangular",
                    f"[{a}, {mode}, {b}]",
                    "[a, mode, b] with a <= mode < b (SALib places the peak at a share of the "
                    "width in [0, 1))",
                )
            )
        elif b < 0:
            problems.append(
                Problem(
                    f"{here}.triangular.2",
                    repr(b),
                    "an upper end >= 0 (SALib 1.6 reads it as the distribution's scale)",
                )
            )
    elif isinstance(spec, Normal):
        mu, sd = spec.normal
        if not sd > 0:
            problems.append(Problem(f"{here}.normal.1", repr(sd), "a standard deviation > 0"))
        if spec.clip is not None:
            lo, hi = spec.clip
            if not lo < hi:
                problems.append(Problem(f"{here}.clip", f"[{lo}, {hi}]", "[lo, hi] with lo < hi"))
            elif not lo <= mu <= hi:
                problems.append(
                    Problem(f"{here}.normal.0", repr(mu), f"a mean inside clip [{lo}, {hi}]")
                )
    return problems


def _morris_choice_problems(sweep: Sweep) -> list[Problem]:
    """Each choice of a morris design gets as many levels per option (see `_morris_options`).

    Morris trajectories visit the `levels` levels of each parameter equally often (Morris
    1991), so a choice of n options on L levels is balanced only when n divides L: each
    option then gets L / n levels. When n does not divide L, no mapping of levels to options
    is balanced (4 levels on 3 options give some option two of them, drawn twice as often as
    the others), and with SALib's jump of L / 2 levels some pairs of options are never
    compared (4 levels: only the level pairs 0-2 and 1-3 are). Refusing is the more honest
    choice: a "nearly balanced" mapping would still weight the options unequally, silently,
    in the sample and in mu*, which the analysis reads as if the options were equally likely.
    The message suggests the smallest even number of levels, at least the given one, that
    every choice of the design divides (e.g. 6 for 3 options on 4 levels).
    """
    levels = sweep.levels or DEFAULT_LEVELS
    sizes = [len(spec.choice) for spec in sweep.parameters.values() if isinstance(spec, Choice)]
    if all(levels % n == 0 for n in sizes):
        return []
    step = math.lcm(2, *sizes)
    better = -(-levels // step) * step
    given = "levels" if sweep.levels is not None else f"levels (default {DEFAULT_LEVELS})"
    problems = []
    for path, spec in sweep.parameters.items():
        n = len(spec.choice) if isinstance(spec, Choice) else 0
        if n and levels % n:
            problems.append(
                Problem(
                    f"parameters.{path}.choice",
                    f"{n} options on {levels} {given}",
                    f"a number of levels that is a multiple of the number of options, so that "
                    f"each option gets as many levels (Morris trajectories visit every level "
                    f"equally often; {levels} levels on {n} options draw some options more "
                    f"often than others): e.g. levels: {better}",
                )
            )
    return problems


def _morris_options(x: np.ndarray, options: int, levels: int) -> np.ndarray:
    """The option index of each Morris value of a choice of `options` on [0, options].

    SALib's Morris sampler puts level k (0..levels - 1) at k x options / (levels - 1); level k
    maps to option floor(k x options / levels), so that each option gets levels / options
    consecutive levels (`load_sweep` makes sure options divides levels).
    """
    level = np.rint(x / options * (levels - 1)).astype(np.int64)
    return np.clip(level * options // levels, 0, options - 1)


def _power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


def design_size(sweep: Sweep) -> int:
    """The number of points of the sweep's design.

    Grid: the product of the parameters' numbers of values. latin: `samples`. sobol with
    D parameters (incl. dummy): N x (D + 2) (Saltelli et al. 2010, first-order and total
    indices). morris: r x (D + 1) (Morris 1991).
    """
    if sweep.design == "grid":
        return math.prod(_grid_size(spec) for spec in sweep.parameters.values())
    samples = sweep.samples or 0
    dimensions = len(sweep.parameters) + int(sweep.dummy)
    if sweep.design == "sobol":
        return samples * (dimensions + 2)
    if sweep.design == "morris":
        return samples * (dimensions + 1)
    return samples


def _grid_size(spec: Any) -> int:
    if isinstance(spec, list):
        return len(spec)
    if isinstance(spec, Range) and spec.steps is not None:
        return spec.steps
    return 1


# --- checks against the base scenario ---------------------------------------------------------


def _kind_of_path(path: str) -> type | None:
    """The scalar type (int, float, bool, ...) the scenario schema gives `path`, if known."""
    annotation = _strip(value_type(Scenario, *path.split(".")))
    return annotation if isinstance(annotation, type) else None


def _parameter_problems(sweep: Sweep, base: Scenario) -> list[Problem]:
    """Each parameter path exists in the base and each of its values fits the path's schema.

    A value is set in (a copy of) the dumped base and the result validated against the
    `Scenario` schema alone (type, range, allowed names), without the cross-checks of
    `_cross_check` (docs/ODD.md, section 8.10): those relate several values, and whether they
    hold depends on the combination a point makes, which `check_points` checks point by
    point. A path that adds a key to a map keyed by issues (e.g. a salience the base leaves
    out) must name an issue: that is a property of the path, not of the values, checked here
    with the cross-checks that report at the path itself (were the issue added by another
    parameter, `issues.<name>`, this would refuse it: a sweep has no business adding issues).
    """
    data = base.model_dump(mode="json")
    problems: list[Problem] = []
    for path, spec in sweep.parameters.items():
        here = f"parameters.{path}"
        if path in RESERVED:
            problems.append(
                Problem(
                    here,
                    f"the scenario's {path}",
                    f"another scenario value: the sweep sets {path} itself (its {path} key)",
                )
            )
            continue
        missing = _set_path(copied_along(data, path), path, None)
        if missing is not None:
            found = missing.found if missing.path == path else f"{missing.found} at {missing.path}"
            problems.append(Problem(here, found, missing.expected))
            continue
        values, value_problems = _representatives(here, path, spec, sweep.design)
        problems += value_problems
        new_key = not _has_path(data, path)
        for where, value in values:
            overridden = copied_along(data, path)
            _set_path(overridden, path, value)
            try:
                scenario = Scenario.model_validate(overridden)
            except ValidationError as error:
                found = [
                    _override_problem(where, path, value, _pydantic_problem(e))
                    for e in error.errors()
                ]
                if isinstance(spec, Normal) and spec.clip is None:
                    hint = f" (mu +- {NORMAL_REACH:g} sd; add clip: [lo, hi] to stay in range)"
                    found = [Problem(p.path, p.found, p.expected + hint) for p in found]
                problems += found
                continue
            if new_key:
                # e.g. an issue misspelt in the path: wrong whatever the values (once is enough)
                at_path = [p for p in _cross_check(scenario) if p.path == path]
                problems += [Problem(here, p.found, p.expected) for p in at_path]
                new_key = False
    return problems


def _has_path(data: Any, path: str) -> bool:
    """Whether the dotted `path` names a value of the dumped scenario `data`."""
    node = data
    for key in path.split("."):
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and is_index(key) and int(key) < len(node):
            node = node[int(key)]
        else:
            return False
    return True


def _override_problem(where: str, path: str, value: Any, problem: Problem) -> Problem:
    if problem.path == path:
        return Problem(where, problem.found, problem.expected)
    return Problem(
        where, f"{value!r}, with which {problem.path} is {problem.found}", problem.expected
    )


def _representatives(
    here: str, path: str, spec: Any, design: str
) -> tuple[list[tuple[str, Any]], list[Problem]]:
    """The values checked against the base, each with where it is written in the sweep file.

    Grid lists: every value; ranges and distributions: both ends (clip bounds of a normal, or
    mu +- `NORMAL_REACH` sd without clip); choice: every option. Values are converted as they
    will be applied (whole numbers for integer paths).
    """
    kind = _kind_of_path(path)
    if isinstance(spec, list | Choice):
        items = spec if isinstance(spec, list) else spec.choice
        where = here if isinstance(spec, list) else f"{here}.choice"
        checked, problems = [], []
        for index, item in enumerate(items):
            value = _as_applied(item, kind)
            if value is None:
                problems.append(
                    Problem(f"{where}.{index}", repr(item), f"a whole number ({path} is one)")
                )
            else:
                checked.append((f"{where}.{index}", value))
        return checked, problems
    if isinstance(spec, Range):
        if design == "grid" and kind is int:
            grid = _spaced(spec, int)
            if len(set(grid)) < len(grid):
                span = _numeric(spec.to, int) - _numeric(spec.from_, int) + 1
                return [], [
                    Problem(
                        f"{here}.steps",
                        str(spec.steps),
                        f"at most {span} steps: {path} takes whole numbers, and more steps "
                        "repeat values",
                    )
                ]
        ends = [(f"{here}.from", spec.from_), (f"{here}.to", spec.to)]
    elif isinstance(spec, Uniform):
        ends = [(f"{here}.uniform.0", spec.uniform[0]), (f"{here}.uniform.1", spec.uniform[1])]
    elif isinstance(spec, Triangular):
        ends = [
            (f"{here}.triangular.0", spec.triangular[0]),
            (f"{here}.triangular.2", spec.triangular[2]),
        ]
    else:
        mu, sd = spec.normal
        if spec.clip is not None:
            ends = [(f"{here}.clip.0", spec.clip[0]), (f"{here}.clip.1", spec.clip[1])]
        else:
            reach = NORMAL_REACH * sd
            ends = [(f"{here}.normal", mu - reach), (f"{here}.normal", mu + reach)]
    return [(where, _numeric(value, kind)) for where, value in ends], []


def _as_applied(item: Any, kind: type | None) -> Any:
    """A listed value as it is applied: None for a fraction given to an integer path."""
    if isinstance(item, bool) or not isinstance(item, int | float):
        return item
    if kind is int:
        return int(item) if float(item).is_integer() else None
    if kind is float:
        return float(item)
    return item


def _numeric(value: float, kind: type | None) -> Any:
    """A spaced or sampled number as applied: rounded (halves up) for an integer path."""
    return math.floor(value + 0.5) if kind is int else float(value)


def _spaced(spec: Range, kind: type | None) -> list[Any]:
    """`steps` evenly spaced values from `from` to `to`, both ends included.

    Values are rounded to 12 significant digits, so that 0.1 + 2 x 0.1 reads 0.3; then to
    whole numbers (halves up) for an integer path.
    """
    steps = spec.steps or 2
    width = (spec.to - spec.from_) / (steps - 1)
    raw = [spec.from_ + i * width for i in range(steps - 1)] + [spec.to]
    return [_numeric(float(f"{value:.12g}"), kind) for value in raw]


def numeric_fields(scenario: Scenario) -> list[str]:
    """The numeric per-run columns of a runs table of `scenario` a sweep may average.

    The non-text columns `RunRecords.to_frame` writes (`end_round`, `point.<issue>`,
    `proposals`, `drafts_tabled`, `drafts_withdrawn`, `gap.<issue>`,
    `position.<party>.<issue>`), derived from the records' declared columns; the per-session
    columns are left out, as their names depend on the session rounds, which a sweep may vary.
    """
    axes = record_labels(scenario)
    labels = Labels(axes["issues"], axes["parties"], axes["members"], axes["sessions"])
    prefixes = tuple(session_prefix(round_) for round_ in labels.sessions)
    names = []
    for field in fields(RunRecords):
        spec = field.metadata.get("column")
        if spec is None:
            continue
        for name, text in spec.columns(field.name, labels):
            if not text and not (prefixes and name.startswith(prefixes)):
                names.append(name)
    return names


def _outcome_problems(sweep: Sweep, base: Scenario) -> list[Problem]:
    """Each outcome is a share or a numeric per-run field, each once."""
    allowed = [*OUTCOME_NAMES, *numeric_fields(base)]
    problems = []
    seen: set[str] = set()
    for index, name in enumerate(sweep.outcomes):
        if name in seen:
            problems.append(Problem(f"outcomes.{index}", f"{name!r} again", "each outcome once"))
        elif name not in allowed:
            problems.append(
                Problem(
                    f"outcomes.{index}",
                    repr(name),
                    "an outcome (" + ", ".join(OUTCOME_NAMES) + ") or a numeric per-run field "
                    "(end_round, proposals, drafts_tabled, drafts_withdrawn, gap.<issue>, "
                    "point.<issue>, position.<party>.<issue>)" + _suggest(name, allowed),
                )
            )
        seen.add(name)
    return problems


# --- design points --------------------------------------------------------------------------


def design_points(loaded: LoadedSweep) -> Design:
    """The points of a loaded sweep's design, deterministic in its seed.

    Grid: the full factorial of each parameter's values (a list as given; `{from, to, steps}`
    evenly spaced, both ends included) in declared order, first parameter slowest
    (`itertools.product`). Samplers (SALib 1.6): latin `SALib.sample.latin.sample(problem, n,
    seed)` (McKay et al. 1979); sobol `SALib.sample.sobol.sample(problem, N,
    calc_second_order=False, seed)` on SALib's default scrambled sequence (Saltelli 2002;
    Saltelli et al. 2010; Owen 2020); morris `SALib.sample.morris.sample(problem, r,
    num_levels=levels, seed)` (Morris 1991; Campolongo et al. 2007). Distributions use SALib's
    (`SALib.util.scale_samples`): `{from, to}` and `uniform` 'unif' [a, b]; `triangular`
    'triang' [a, b, (mode - a) / (b - a)] (the peak as a share of the width); `normal` 'norm'
    [mu, sd], then clipped to `clip`; `choice` of n options 'unif' [0, n]: for latin and
    sobol floored to the option's index and clipped to n - 1 (a discrete uniform by
    inversion, Devroye 1986, ch. 3); for morris, level k of L (at k n / (L - 1)) is option
    floor(k n / L), so that each option gets L / n consecutive levels (`load_sweep` refuses
    an n that does not divide L: no mapping of the levels could then be balanced); the dummy
    'unif' [0, 1]. Values of integer paths are rounded to the nearest whole number (halves
    up) after spacing or sampling. `check_points` tells which points are invalid scenarios.
    """
    sweep = loaded.sweep
    if sweep.design == "grid":
        return _grid(sweep)
    return _sampled(sweep)


def _grid(sweep: Sweep) -> Design:
    names = list(sweep.parameters)
    columns: list[list[Any]] = []
    codes: list[list[float]] = []
    for path, spec in sweep.parameters.items():
        kind = _kind_of_path(path)
        if isinstance(spec, Range):
            values = _spaced(spec, kind)
        else:
            values = [_as_applied(item, kind) for item in spec]
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        columns.append(values)
        codes.append(
            [float(v) for v in values] if numeric else [float(i) for i in range(len(values))]
        )
    rows = list(itertools.product(*columns))
    encoded = np.array(list(itertools.product(*codes)), dtype=float).reshape(len(rows), len(names))
    points = pd.DataFrame(
        {name: _column([row[d] for row in rows]) for d, name in enumerate(names)},
        index=pd.RangeIndex(len(rows)),
    )
    return Design(points=points, problem=None, encoded=encoded, parameters=names)


def _column(values: list[Any]) -> pd.Series:
    """A column of points: int64, float64 or bool when every value is one, else as inferred."""
    for kind, dtype in ((bool, bool), (int, np.int64), (float, np.float64)):
        if all(type(v) is kind for v in values):
            return pd.Series(values, dtype=dtype)
    return pd.Series(values)


def _sampled(sweep: Sweep) -> Design:
    names = list(sweep.parameters)
    bounds: list[list[float]] = []
    dists: list[str] = []
    for spec in sweep.parameters.values():
        if isinstance(spec, Range):
            bounds.append([spec.from_, spec.to])
            dists.append("unif")
        elif isinstance(spec, Uniform):
            bounds.append(list(spec.uniform))
            dists.append("unif")
        elif isinstance(spec, Triangular):
            a, mode, b = spec.triangular
            bounds.append([a, b, (mode - a) / (b - a)])
            dists.append("triang")
        elif isinstance(spec, Normal):
            bounds.append(list(spec.normal))
            dists.append("norm")
        else:
            bounds.append([0.0, float(len(spec.choice))])
            dists.append("unif")
    if sweep.dummy:
        names.append(DUMMY)
        bounds.append([0.0, 1.0])
        dists.append("unif")
    problem = {"num_vars": len(names), "names": names, "bounds": bounds, "dists": dists}
    given = dict(problem)  # SALib marks the problem it scales ("sample_scaled"); keep ours clean
    samples = sweep.samples or 0
    seed = sweep.seed
    # SALib loads scipy.stats (a second or two): only when a sampler is used.
    from SALib.sample import latin as salib_latin
    from SALib.sample import morris as salib_morris
    from SALib.sample import sobol as salib_sobol

    if sweep.design == "latin":
        sample = salib_latin.sample(given, samples, seed=seed)
    elif sweep.design == "sobol":
        sample = salib_sobol.sample(given, samples, calc_second_order=False, seed=seed)
    else:
        with warnings.catch_warnings():  # load_sweep has warned of odd levels already
            warnings.filterwarnings("ignore", message="num_levels should be an even number")
            sample = salib_morris.sample(
                given, samples, num_levels=sweep.levels or DEFAULT_LEVELS, seed=seed
            )
    encoded = np.array(sample, dtype=float)
    columns: dict[str, pd.Series] = {}
    for d, (path, spec) in enumerate(sweep.parameters.items()):
        x = encoded[:, d]
        if isinstance(spec, Choice):
            if sweep.design == "morris":
                index = _morris_options(x, len(spec.choice), sweep.levels or DEFAULT_LEVELS)
            else:
                index = np.clip(np.floor(x), 0, len(spec.choice) - 1).astype(np.int64)
            encoded[:, d] = index
            kind = _kind_of_path(path)
            options = [_as_applied(item, kind) for item in spec.choice]
            columns[path] = _column([options[i] for i in index])
            continue
        if isinstance(spec, Normal) and spec.clip is not None:
            x = np.clip(x, *spec.clip)
        if _kind_of_path(path) is int:
            columns[path] = pd.Series(np.floor(x + 0.5).astype(np.int64))
        else:
            columns[path] = pd.Series(x.astype(np.float64))
    if sweep.dummy:
        columns[DUMMY] = pd.Series(encoded[:, -1].astype(np.float64))
    points = pd.DataFrame(columns, index=pd.RangeIndex(len(encoded)))
    return Design(points=points, problem=problem, encoded=encoded, parameters=names)


def check_points(
    loaded: LoadedSweep, design: Design, limit: int | None = None
) -> list[tuple[int, ScenarioError]]:
    """The points of `design` whose scenario is invalid, with their errors, in point order.

    Each point's scenario is the base with the point's values set (as `with_overrides` sets
    them, and as the sweep runs them), validated whole: the schema and the cross-checks of
    docs/ODD.md, section 8.10 (positions inside red lines, rounds within the horizon, ...).
    `load_sweep` checks each value against its field's schema alone; whether the cross-checks
    hold depends on the combination of values a point makes, so only the points can tell.
    A sobol or morris analysis needs every point, so such a design should have none invalid.

    The base is dumped once; each point copies only the containers on the way to its values
    and shares the rest (validation never changes its input), so the cost is about one
    validation of the scenario per point.

    Args:
        loaded: the sweep (`load_sweep`).
        design: its points (`design_points(loaded)`).
        limit: stop after this many invalid points (None: check every point).

    Returns:
        `(point, error)` for each invalid point, `point` its position in `design.points`
        (its `point_id`); `error.source` is "<sweep file> (point <point>)" and its problems
        name scenario paths. Empty when every point is valid.
    """
    if limit is not None and limit < 1:
        raise ValueError(f"limit: found {limit}; expected at least 1 or None")
    names = [name for name in design.parameters if name != DUMMY]
    columns = [design.points[name].tolist() for name in names]
    base = loaded.base.model_dump(mode="json")
    base["uncertainty"] = {  # a value a point sets replaces the distribution declared under it
        path: spec
        for path, spec in base["uncertainty"].items()
        if not any(path == name or path.startswith(name + ".") for name in names)
    }
    tree = _value_tree(base, names)
    invalid: list[tuple[int, ScenarioError]] = []
    for point, row in enumerate(zip(*columns, strict=True)):
        source = f"{loaded.path} (point {point})"
        try:
            if tree is None:
                with_overrides(loaded.base, dict(zip(names, row, strict=True)), source=source)
            else:
                validate_scenario(_with_values(base, tree, row), source)
        except ScenarioError as error:
            invalid.append((point, error))
            if limit is not None and len(invalid) >= limit:
                break
    return invalid


def _value_tree(data: Any, paths: Sequence[str]) -> dict[Any, Any] | None:
    """The paths as a tree of keys (list indices as ints), each leaf the path's column number.

    None when the paths cannot be set independently in `data` (a path that does not exist, or
    one that runs through another): `check_points` then sets them with `with_overrides`, which
    reports such paths as it does.
    """
    tree: dict[Any, Any] = {}
    for column, path in enumerate(paths):
        node, branch = data, tree
        keys = path.split(".")
        for depth, key in enumerate(keys):
            index: Any = key
            if isinstance(node, list):
                if not is_index(key) or int(key) >= len(node):
                    return None
                index = int(key)
            elif not isinstance(node, dict) or (key not in node and depth < len(keys) - 1):
                return None
            if depth == len(keys) - 1:
                if index in branch:
                    return None
                branch[index] = column
            else:
                branch = branch.setdefault(index, {})
                if not isinstance(branch, dict):
                    return None
                node = node[index]
    return tree


def _with_values(node: Any, tree: dict[Any, Any], row: Sequence[Any]) -> Any:
    """A copy of `node` with the row's values set at the tree's leaves (the rest shared)."""
    copy: Any = dict(node) if isinstance(node, dict) else list(node)
    for key, branch in tree.items():
        copy[key] = row[branch] if isinstance(branch, int) else _with_values(node[key], branch, row)
    return copy


def overrides(
    points_row: pd.Series | Mapping[str, Any], parameters: Sequence[str] | None = None
) -> dict[str, Any]:
    """The scenario overrides of one point: its parameter values as Python scalars.

    `points_row` is a row of `Design.points` (a Series or a mapping); `dummy` is dropped. When
    `parameters` is given, only those columns are kept (e.g. from a row of a table with other
    columns too, such as `point_id` and `seed`).
    """
    items: Iterable[tuple[Any, Any]] = points_row.items()
    keep = None if parameters is None else set(parameters)
    result = {}
    for key, value in items:
        if key == DUMMY or (keep is not None and key not in keep):
            continue
        result[str(key)] = value.item() if isinstance(value, np.generic) else value
    return result
