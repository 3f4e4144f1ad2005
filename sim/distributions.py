"""Distributions of uncertain values, shared by sweep files and declared scenario uncertainty.

A sweep file varies a scenario value by a distribution (`sim.experiment`, sampled by SALib);
a scenario may declare a numeric value uncertain by writing such a distribution in its place,
drawn once per replicate. Both read the same models:

- `{uniform: [a, b]}`: uniform on [a, b].
- `{triangular: [a, mode, b]}`: triangular from a to b, peaking at mode (Johnson, Kotz &
  Balakrishnan 1995).
- `{normal: [mu, sd], clip: [lo, hi]}`: normal, clipped (not truncated) to [lo, hi] when
  `clip` is given (Johnson, Kotz & Balakrishnan 1994, ch. 13).
- `{beta: [alpha, beta], range: [a, b]}`: a + (b - a) X with X ~ Beta(alpha, beta), the
  expert's bounded range with a shape (Vose 2008; range default [0, 1]).
- `{choice: [...]}`: one of the options, each equally likely.

Each model draws by inversion: `ppf` maps uniform(0, 1) numbers u to values through the
inverse distribution function, so that one stream of uniforms (and a stratified or
quasi-random one as well) serves every shape (Devroye 1986, ch. 2, the inversion method).
`draw` does so for a scenario value, rounding for whole-number values; `central` is the one
value that stands for a distribution (in a table, or a deterministic run), `ends` the
smallest and largest values a draw can take (checked against the scenario's schema), and
`describe` a short text for people.

The models check only their shape (keys, list lengths, finite numbers): the sweep adds its
own checks with its own messages (SALib's bounds are narrower, `sim.experiment`), and
`distribution_problems` lists what makes a distribution meaningless at all (an empty range, a
standard deviation of zero, ...), which `Distribution` (with `DISTRIBUTION`, its
`TypeAdapter`) applies when it parses one. `distribution_kind` tells whether a raw YAML value
is a distribution.

References:
    Devroye, L. (1986). Non-Uniform Random Variate Generation. Springer. -- Hyndman, R. J. &
    Fan, Y. (1996). Sample quantiles in statistical packages. Am. Stat. 50, 361-365. --
    Johnson, N. L., Kotz, S. & Balakrishnan, N. (1994). Continuous Univariate Distributions,
    vol. 1, 2nd ed. Wiley. -- Johnson, N. L., Kotz, S. & Balakrishnan, N. (1995). Continuous
    Univariate Distributions, vol. 2, 2nd ed. Wiley. -- Moshier, S. L. (1989). Methods and
    Programs for Mathematical Functions. Ellis Horwood (Cephes `ndtri`, SciPy's inverse
    normal). -- Vose, D. (2008). Risk Analysis: A Quantitative Guide, 3rd ed. Wiley.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Union

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    Tag,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

__all__ = [
    "DISTRIBUTION",
    "DISTRIBUTION_KINDS",
    "DISTRIBUTION_SHAPES",
    "NORMAL_REACH",
    "Beta",
    "Choice",
    "Distribution",
    "Normal",
    "Scalar",
    "Triangular",
    "Uniform",
    "distribution_kind",
    "distribution_problems",
    "draw",
]

NORMAL_REACH = 5.0
"""How many standard deviations from its mean an unclipped normal is checked against the base
scenario: a draw falls further out with probability 5.7e-7 (a judgement; `clip` rules it out).
`Normal.ppf` stops an unclipped normal there too, so that `Normal.ends` holds for every draw."""

DISTRIBUTION_KINDS = ("uniform", "triangular", "normal", "beta", "choice")
"""The distributions, by the key that names each in a file."""

_EXTRA_KEYS = {"normal": frozenset({"clip"}), "beta": frozenset({"range"})}

DISTRIBUTION_SHAPES = (
    "{uniform: [a, b]}, {triangular: [a, mode, b]}, "
    "{normal: [mu, sd], clip: [lo, hi]} (clip optional), "
    "{beta: [alpha, beta], range: [a, b]} (range optional, default [0, 1]) or {choice: [...]}"
)
"""The shapes of a distribution, as an error message names them ("a distribution: " first)."""


def _scalar(value: Any) -> Any:
    """A value of a list: a number (finite), text or a boolean, as written."""
    if isinstance(value, bool | int | str) or (isinstance(value, float) and math.isfinite(value)):
        return value
    raise ValueError("a number (finite), text or true/false")


Scalar = Annotated[
    bool | int | float | str,
    PlainValidator(_scalar),
    WithJsonSchema({"type": ["number", "string", "boolean"]}),
]
"""One value a scenario value may take: a number, text or a boolean."""


class _Spec(BaseModel):
    """A way a parameter varies (the tag names it in errors and serialisation)."""

    # as sim.scenario._Strict (not imported from there: the scenario imports this module)
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)
    kind: ClassVar[str]


class _Distribution(_Spec):
    """A distribution of one value: the methods every distribution implements."""

    @abstractmethod
    def ppf(self, u: np.ndarray) -> np.ndarray:
        """The inverse distribution function at uniform(0, 1) numbers `u` (Devroye 1986, ch. 2).

        Raises:
            ValueError: a `u` outside [0, 1] (or NaN).
        """

    @abstractmethod
    def central(self) -> float:
        """The one number that stands for the distribution."""

    @abstractmethod
    def ends(self) -> tuple[float, float]:
        """The smallest and the largest value a draw can take."""

    @abstractmethod
    def describe(self) -> str:
        """A short text for people, e.g. "uniform on [0.4, 0.8]"."""


class Uniform(_Distribution):
    """A uniform distribution on [a, b]."""

    kind: ClassVar[str] = "uniform"
    uniform: Annotated[list[float], Field(min_length=2, max_length=2)] = Field(
        description="[a, b] with a <= b (a sweep needs a < b)."
    )

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """The value a + (b - a) u: the uniform's inverse distribution function.

        The inversion method (Devroye 1986, ch. 2).

        Raises:
            ValueError: a `u` outside [0, 1] (or NaN).
        """
        a, b = self.uniform
        return a + (b - a) * _unit(u)

    def central(self) -> float:
        """The midpoint (a + b) / 2, the mean and median (Johnson et al. 1995, ch. 26)."""
        a, b = self.uniform
        return (a + b) / 2

    def ends(self) -> tuple[float, float]:
        """(a, b)."""
        a, b = self.uniform
        return a, b

    def describe(self) -> str:
        """E.g. "uniform on [0.4, 0.8]"."""
        return f"uniform on {_interval(self.uniform)}"


class Triangular(_Distribution):
    """A triangular distribution from a to b with its peak at mode (Johnson et al. 1995)."""

    kind: ClassVar[str] = "triangular"
    triangular: Annotated[list[float], Field(min_length=3, max_length=3)] = Field(
        description="[a, mode, b] with a <= mode <= b and a < b (a sweep needs a <= mode < b "
        "and b >= 0: SALib 1.6's bounds)."
    )

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """The triangular's inverse distribution function (Johnson et al. 1995).

        With c = (mode - a) / (b - a), the share of the mass left of the mode:
        a + sqrt(u (b - a) (mode - a)) for u < c, b - sqrt((1 - u) (b - a) (b - mode)) for
        u >= c (the inversion method, Devroye 1986, ch. 2).

        Raises:
            ValueError: a `u` outside [0, 1] (or NaN).
        """
        a, mode, b = self.triangular
        u = _unit(u)
        width = b - a
        c = (mode - a) / width if width > 0 else 0.0
        left = a + np.sqrt(u * width * (mode - a))
        right = b - np.sqrt((1.0 - u) * width * (b - mode))
        return np.where(u < c, left, right)

    def central(self) -> float:
        """The mode, the most likely value (the expert's "most likely", Vose 2008)."""
        return self.triangular[1]

    def ends(self) -> tuple[float, float]:
        """(a, b)."""
        return self.triangular[0], self.triangular[2]

    def describe(self) -> str:
        """E.g. "triangular on [0, 2] peaking at 1"."""
        a, mode, b = self.triangular
        return f"triangular on {_interval([a, b])} peaking at {_number(mode)}"


class Normal(_Distribution):
    """A normal distribution, optionally clipped (Johnson, Kotz & Balakrishnan 1994, ch. 13)."""

    kind: ClassVar[str] = "normal"
    normal: Annotated[list[float], Field(min_length=2, max_length=2)] = Field(
        description="[mu, sd]: mean and standard deviation (> 0)."
    )
    clip: Annotated[list[float], Field(min_length=2, max_length=2)] | None = Field(
        None,
        description="[lo, hi]: values outside are set to the nearer end (clipped, not "
        "truncated: the tails' mass piles up at the ends); lo <= mu <= hi. A sweep's morris "
        "design refuses normals (it needs bounds).",
    )

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """The value mu + sd ndtri(u), clipped to `clip` (Devroye 1986, ch. 2; Moshier 1989).

        `scipy.special.ndtri` is the inverse of the standard normal distribution function
        (Cephes, Moshier 1989). Values outside `clip` are set to its nearer end: clipping, not
        truncation, so the tails' mass sits at the ends (as a sweep applies `clip`). Without
        `clip`, values stop at mu -/+ `NORMAL_REACH` sd (`ends`), which a draw passes with
        probability 5.7e-7 only, and which keeps u = 0 and u = 1 finite.

        Raises:
            ValueError: a `u` outside [0, 1] (or NaN).
        """
        from scipy import special  # a quarter of a second: only when drawing

        mu, sd = self.normal
        lo, hi = self.ends()
        return np.clip(mu + sd * special.ndtri(_unit(u)), lo, hi)

    def central(self) -> float:
        """The mean mu (the median too), clipped to `clip` (Johnson et al. 1994, ch. 13)."""
        mu = self.normal[0]
        if self.clip is None:
            return mu
        return min(max(mu, self.clip[0]), self.clip[1])

    def ends(self) -> tuple[float, float]:
        """`clip`, or mu -/+ `NORMAL_REACH` sd without it."""
        if self.clip is not None:
            return self.clip[0], self.clip[1]
        mu, sd = self.normal
        return mu - NORMAL_REACH * sd, mu + NORMAL_REACH * sd

    def describe(self) -> str:
        """E.g. "normal(0.5, 0.1) clipped to [0, 1]"."""
        text = f"normal({_number(self.normal[0])}, {_number(self.normal[1])})"
        return text if self.clip is None else f"{text} clipped to {_interval(self.clip)}"


class Beta(_Distribution):
    """A beta distribution on a range [a, b]: an expert's range with a shape (Vose 2008)."""

    kind: ClassVar[str] = "beta"
    beta: Annotated[list[float], Field(min_length=2, max_length=2)] = Field(
        description="[alpha, beta]: the shape parameters (> 0); the value is a + (b - a) X "
        "with X ~ Beta(alpha, beta), mean a + (b - a) alpha / (alpha + beta)."
    )
    range: Annotated[list[float], Field(min_length=2, max_length=2)] = Field(
        default_factory=lambda: [0.0, 1.0],
        description="[a, b] with a < b: the range the beta is stretched to (default [0, 1]).",
    )

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """The value a + (b - a) I^-1(u; alpha, beta), I the regularised incomplete beta function.

        `scipy.special.betaincinv` inverts the Beta(alpha, beta) distribution function
        (Johnson et al. 1995, ch. 25), scaled to the range as for a PERT-style expert range
        (Vose 2008); the inversion method (Devroye 1986, ch. 2).

        Raises:
            ValueError: a `u` outside [0, 1] (or NaN).
        """
        from scipy import special  # a quarter of a second: only when drawing

        alpha, beta = self.beta
        a, b = self.range
        x = special.betaincinv(alpha, beta, _unit(u))
        return a + (b - a) * np.clip(x, 0.0, 1.0)

    def central(self) -> float:
        """The mean a + (b - a) alpha / (alpha + beta) (Johnson et al. 1995, ch. 25)."""
        alpha, beta = self.beta
        a, b = self.range
        return a + (b - a) * alpha / (alpha + beta)

    def ends(self) -> tuple[float, float]:
        """The range (a, b)."""
        return self.range[0], self.range[1]

    def describe(self) -> str:
        """E.g. "beta(2, 5) on [0, 1]"."""
        alpha, beta = self.beta
        return f"beta({_number(alpha)}, {_number(beta)}) on {_interval(self.range)}"


class Choice(_Distribution):
    """Categories drawn with equal probability (a discrete uniform, Devroye 1986, ch. 3)."""

    kind: ClassVar[str] = "choice"
    choice: Annotated[list[Scalar], Field(min_length=1)] = Field(
        description="The options (numbers, text or booleans), each once."
    )

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """The option at index floor(u n), at most n - 1, of n options (Devroye 1986, ch. 3).

        The discrete uniform by inversion, as a sweep's latin and sobol designs draw a choice.

        Raises:
            ValueError: an option that is not a number (text or a boolean), or a `u` outside
                [0, 1] (or NaN).
        """
        options = np.asarray(self._numbers("ppf"))
        index = np.minimum(np.floor(_unit(u) * len(options)), len(options) - 1)
        return options[index.astype(np.int64)]

    def central(self) -> Any:
        """The lower median of the options sorted, as written: always one of the options.

        For n options sorted, the ((n - 1) // 2)-th from 0 (the median for odd n, the lower of
        the two middle ones for even n: a median that is an option, Hyndman & Fan 1996,
        definition 1). An integer option stays one, so a whole-number value takes it. Options
        that are not all numbers (text, booleans) have no order: the first one listed.
        """
        if not self._numeric():
            return self.choice[0]
        options = sorted(self.choice)
        return options[(len(options) - 1) // 2]

    def ends(self) -> tuple[Any, Any]:
        """The smallest and the largest option, as written.

        Options that are not all numbers (text, booleans) have no order: the first and the last
        listed (every option of such a choice is a value a draw can take: check each).
        """
        if not self._numeric():
            return self.choice[0], self.choice[-1]
        return min(self.choice), max(self.choice)

    def describe(self) -> str:
        """E.g. "one of 0.2, 0.4"."""
        return "one of " + ", ".join(_option(option) for option in self.choice)

    def _numeric(self) -> bool:
        return all(_is_number(option) for option in self.choice)

    def _numbers(self, what: str) -> list[int | float]:
        for option in self.choice:
            if not _is_number(option):
                raise ValueError(
                    f"choice: {what} needs numbers; found the option {option!r} "
                    f"in {self.describe()}"
                )
        return list(self.choice)


_MODELS: dict[str, type[_Distribution]] = {
    m.kind: m for m in (Uniform, Triangular, Normal, Beta, Choice)
}


def distribution_kind(value: Any) -> str | None:
    """Which distribution a raw YAML value is ("uniform", ..., "choice"), None if none.

    A distribution is a mapping with exactly one of the keys `DISTRIBUTION_KINDS`, and besides
    it only `clip` for a normal or `range` for a beta (a parsed model gives its kind). The
    values are not looked at: `DISTRIBUTION` reports what is wrong with them. A mapping keyed
    by names (e.g. saliences by issue) may have such a key by chance: ask only where the
    schema wants a number.
    """
    if isinstance(value, _Distribution):
        return value.kind
    if not isinstance(value, Mapping):
        return None
    keys = set(value)
    kinds = [kind for kind in DISTRIBUTION_KINDS if kind in keys]
    if len(kinds) != 1:
        return None
    kind = kinds[0]
    return kind if keys - {kind} <= _EXTRA_KEYS.get(kind, frozenset()) else None


def _tag(value: Any) -> str | None:
    """The model to parse `value` with: its first key that names a distribution.

    Lenient where `distribution_kind` is strict, so that a misspelt or extra key is reported
    by the model as an unknown key rather than the whole mapping as no distribution.
    """
    if isinstance(value, _Distribution):
        return value.kind
    if isinstance(value, Mapping):
        return next((key for key in value if key in _MODELS), None)
    return None


def distribution_problems(dist: Any) -> list[tuple[str, str, str]]:
    """What makes a parsed distribution meaningless: (relative path, found, expected) each.

    The path is relative to the distribution (e.g. "normal.1", "clip"). Uniform: a <= b
    (a = b is a fixed value); triangular: a <= mode <= b and a < b; normal: sd > 0, and with
    `clip`, lo < hi and lo <= mu <= hi; beta: alpha > 0, beta > 0 and a < b; choice: at least
    one option, each once (1 and 1.0 are one number). A sweep's checks are narrower (SALib's
    bounds: `sim.experiment`); the normal's messages are the sweep's own.
    """
    problems: list[tuple[str, str, str]] = []
    if isinstance(dist, Uniform):
        a, b = dist.uniform
        if not a <= b:
            problems.append(("uniform", f"[{a}, {b}]", "[a, b] with a <= b"))
    elif isinstance(dist, Triangular):
        a, mode, b = dist.triangular
        if not (a <= mode <= b and a < b):
            problems.append(
                ("triangular", f"[{a}, {mode}, {b}]", "[a, mode, b] with a <= mode <= b and a < b")
            )
    elif isinstance(dist, Normal):
        mu, sd = dist.normal
        if not sd > 0:
            problems.append(("normal.1", repr(sd), "a standard deviation > 0"))
        if dist.clip is not None:
            lo, hi = dist.clip
            if not lo < hi:
                problems.append(("clip", f"[{lo}, {hi}]", "[lo, hi] with lo < hi"))
            elif not lo <= mu <= hi:
                problems.append(("normal.0", repr(mu), f"a mean inside clip [{lo}, {hi}]"))
    elif isinstance(dist, Beta):
        for index, name in enumerate(("alpha", "beta")):
            if not dist.beta[index] > 0:
                problems.append((f"beta.{index}", repr(dist.beta[index]), f"{name} > 0"))
        a, b = dist.range
        if not a < b:
            problems.append(("range", f"[{a}, {b}]", "[a, b] with a < b"))
    elif isinstance(dist, Choice):
        if not dist.choice:
            problems.append(("choice", "no options", "at least one option"))
        seen: set[tuple[type, Any]] = set()
        for option in dist.choice:
            key = (bool, option) if isinstance(option, bool) else (type(option), option)
            if isinstance(option, int | float) and not isinstance(option, bool):
                key = (float, float(option))
            if key in seen:
                problems.append(("choice", f"the value {option!r} twice", "each value once"))
                break
            seen.add(key)
    else:
        raise TypeError(f"not a distribution: {dist!r}")
    return problems


def _checked(dist: _Distribution) -> _Distribution:
    """`dist` if it has no `distribution_problems`; else a ValueError naming them."""
    problems = distribution_problems(dist)
    if problems:
        raise ValueError(
            "; ".join(
                f"{path}: found {found}; expected {expected}" for path, found, expected in problems
            )
        )
    return dist


_Parsed = Annotated[
    Union[  # noqa: UP007 (tags need the explicit Union)
        Annotated[Uniform, Tag("uniform")],
        Annotated[Triangular, Tag("triangular")],
        Annotated[Normal, Tag("normal")],
        Annotated[Beta, Tag("beta")],
        Annotated[Choice, Tag("choice")],
    ],
    Discriminator(_tag),
]

Distribution = Annotated[_Parsed, AfterValidator(_checked)]
"""A distribution as written in a file, parsed and checked (`distribution_problems`).

As a field's type (e.g. a scenario's `uncertainty`), a distribution with problems is one
`value_error` at the distribution, its message naming each ("normal.1: found -1.0; expected a
standard deviation > 0"); `DISTRIBUTION` reports each at its own place instead."""


class _DistributionAdapter(TypeAdapter[Any]):
    """`TypeAdapter(Distribution)` whose `validate_python` reports each problem at its place."""

    def validate_python(self, object: Any, /, **kwargs: Any) -> Any:
        """The parsed distribution, or a ValidationError with one error per problem.

        Every error is located relative to the distribution, without pydantic's tag (as
        written in the file: `("normal", 1)`, `("clip",)`). Errors of shape (unknown keys,
        list lengths, numbers) are pydantic's; a value of no known shape is one error of type
        "distribution", "a distribution: " + `DISTRIBUTION_SHAPES`; each of
        `distribution_problems` is an error of type "distribution", its input the value there
        and its message what is expected.
        """
        try:
            dist = super().validate_python(object, **kwargs)
        except ValidationError as error:
            raise ValidationError.from_exception_data(
                "Distribution", [_untagged(e) for e in error.errors()]
            ) from None
        details = []
        for path, _found, expected in distribution_problems(dist):
            loc = tuple(int(p) if p.isdigit() else p for p in path.split("."))
            details.append(_error(loc, _value_at(dist, loc), expected))
        if details:
            raise ValidationError.from_exception_data("Distribution", details)
        return dist


def _error(loc: tuple[str | int, ...], value: Any, expected: str) -> InitErrorDetails:
    return InitErrorDetails(
        type=PydanticCustomError("distribution", "{expected}", {"expected": expected}),
        loc=loc,
        input=value,
    )


def _untagged(error: Any) -> InitErrorDetails:
    """A pydantic error of a distribution, its location without the union's tag."""
    if error["type"] in ("union_tag_not_found", "union_tag_invalid"):
        return _error(error["loc"], error["input"], "a distribution: " + DISTRIBUTION_SHAPES)
    loc = error["loc"]
    if loc and loc[0] in _MODELS:
        loc = loc[1:]
    details = InitErrorDetails(type=error["type"], loc=loc, input=error["input"])
    if "ctx" in error:
        details["ctx"] = error["ctx"]
    return details


DISTRIBUTION: TypeAdapter[Any] = _DistributionAdapter(_Parsed)
"""Parses and checks one distribution: `DISTRIBUTION.validate_python({"uniform": [0, 1]})`."""


def draw(distribution: _Distribution, u: np.ndarray, integer: bool) -> np.ndarray:
    """The values of `distribution` at uniform(0, 1) numbers `u`, by inversion (`ppf`).

    For a whole-number (`integer`) value, the values are rounded to the nearest whole number,
    halves up (floor(x + 0.5), as a sweep rounds its sampled values), as int64; otherwise
    float64. Drawing by inversion from one uniform per replicate keeps a replicate's value
    where it was when the distribution's parameters change a little (common random numbers,
    Devroye 1986, ch. 2).

    Raises:
        ValueError: a `u` outside [0, 1] (or NaN); a choice with an option that is not a
            number.
    """
    values = np.asarray(distribution.ppf(u), dtype=np.float64)
    if integer:
        return np.floor(values + 0.5).astype(np.int64)
    return values


# --- helpers ----------------------------------------------------------------------------------


def _value_at(dist: _Distribution, loc: tuple[str | int, ...]) -> Any:
    value: Any = getattr(dist, str(loc[0]))
    for part in loc[1:]:
        value = value[part]
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _unit(u: np.ndarray) -> np.ndarray:
    """`u` as a float array, checked to lie in [0, 1]."""
    u = np.asarray(u, dtype=np.float64)
    if not np.all((u >= 0.0) & (u <= 1.0)):
        bad = u[~((u >= 0.0) & (u <= 1.0))].ravel()[0]
        raise ValueError(f"u: found {bad!r}; expected numbers in [0, 1]")
    return u


def _number(value: float) -> str:
    """A number as a person writes it: 1 for 1.0, 0.4 for 0.4."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _interval(ends: list[float]) -> str:
    return "[" + ", ".join(_number(end) for end in ends) + "]"


def _option(option: Any) -> str:
    if isinstance(option, bool):
        return "true" if option else "false"
    if isinstance(option, int | float):
        return _number(option)
    return repr(option)
