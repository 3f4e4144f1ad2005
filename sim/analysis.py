"""What a sweep's points table says: sensitivity indices and the boxes where an outcome happens.

Pure functions over the points table of a sweep (one row per point: the parameter columns, the
`status` of the point and, per outcome, its share over the point's replicates; see the sweep
contract). Nothing here reads or writes a folder.

- `sobol_indices`: first-order and total Sobol' indices (Sobol' 1993; the Saltelli 2002 sampling
  scheme and the Saltelli et al. 2010 estimators, as SALib implements them).
- `morris_indices`: the Morris (1991) elementary effects screening, summarised by mu* (the mean
  absolute effect, Campolongo, Cariboni & Saltelli 2007) and sigma.
- `discover_boxes`: scenario discovery (Bryant & Lempert 2010; Kwakkel & Jaxa-Rozen 2016): PRIM
  (Friedman & Fisher 1999) finds a box of parameter values in which the outcome is likely, and a
  CART tree (Breiman, Friedman, Olshen & Stone 1984) gives readable rules for the same points.
- `noise_floor` and `negligible_parameters`: a parameter whose index is no larger than the index
  of the `dummy` parameter (which the model never reads) has no effect the design can detect.
- `rank_parameters`: the parameters most influential first, by a design's index (ST or mu*) or,
  without one, by the strength of their association with the outcome (`association`); what the
  figures, the report and the terminal use to show only the top of a long list.

Scenario discovery assumes the points are independent samples of the parameter space. The points
of a Morris design are not: each trajectory moves one parameter at a time, so neighbouring points
share every other value and PRIM's quasi-p values and CART's accuracies would count the same
information many times over. `skipped_discovery` records that discovery was not done, and why
(`MORRIS_DISCOVERY`).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binom

from sim.records import OUTCOMES as _TERMINAL

OUTCOMES = (*(o.label for o in _TERMINAL), "breaks")
"""The outcome share columns of a points table: the terminal outcomes, then "breaks"."""

DUMMY = "dummy"
"""The parameter the model never reads (sobol/morris designs): its index is the noise floor."""

SHOWN = 12
"""How many parameters a long ranked list names before it is cut (figures, report, terminal)."""

MORRIS_DISCOVERY = (
    "PRIM and CART are not run on a morris design: its points lie on "
    "one-at-a-time trajectories, each point differing from the one before in a single "
    "parameter, so they are not independent samples of the parameter space, and PRIM's "
    "quasi-p values and CART's accuracies, which count them as such, would overstate what they "
    "show. Use the Morris screening to choose parameters, then a latin design over them to "
    "find boxes"
)
"""Why `sim.findings` skips scenario discovery on a Morris design."""

_BOOKKEEPING = ("point_id", "seed", "status", "error", "replicates")


# --- the points table ----------------------------------------------------------------------


def outcome_columns(points: pd.DataFrame) -> list[str]:
    """The result columns of a points table that can be analysed, in table order.

    The outcome shares in `OUTCOMES` (not their `_low`/`_high` interval bounds), then
    `median_end_round` and the `mean_<field>` columns, where present.
    """
    shares = [o for o in OUTCOMES if o in points.columns]
    others = [c for c in points.columns if c == "median_end_round" or str(c).startswith("mean_")]
    return shares + others


def parameter_columns(points: pd.DataFrame) -> list[str]:
    """The parameter columns of a points table (with `dummy` if present), in table order.

    Every column that is neither bookkeeping (`point_id`, `seed`, `status`, `error`,
    `replicates`) nor a result (`outcome_columns` and the `_low`/`_high` interval bounds).
    """
    results = set(outcome_columns(points))
    results |= {f"{o}_{end}" for o in OUTCOMES for end in ("low", "high")}
    return [c for c in points.columns if c not in _BOOKKEEPING and c not in results]


def is_categorical(values: pd.Series) -> bool:
    """Whether a parameter column holds categories (text, booleans) rather than numbers."""
    return not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)


def varied_parameters(points: pd.DataFrame, parameters: Sequence[str]) -> list[str]:
    """The parameters (not the dummy) that take more than one value over the points."""
    return [p for p in parameters if p != DUMMY and points[p].nunique(dropna=True) > 1]


def done_points(points: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """The points that ran (`status` "done", where the column exists) with a share of `outcome`."""
    _require_column(points, outcome)
    done = points[outcome].notna()
    if "status" in points.columns:
        done &= points["status"] == "done"
    return points[done]


def _require_column(points: pd.DataFrame, column: str) -> None:
    if column not in points.columns:
        known = ", ".join(outcome_columns(points)) or "none"
        raise ValueError(f"the points table has no column {column!r} (outcome columns: {known})")


def _in_sampler_order(points: pd.DataFrame) -> pd.DataFrame:
    return points.sort_values("point_id", kind="stable") if "point_id" in points else points


def _complete_outcome(points: pd.DataFrame, outcome: str, method: str) -> np.ndarray:
    """The outcome of every point in sampler order; an error if any point failed."""
    _require_column(points, outcome)
    ordered = _in_sampler_order(points)
    failed = ordered[outcome].isna()
    if "status" in ordered.columns:
        failed |= ordered["status"] != "done"
    if failed.any():
        ids = ordered.loc[failed, "point_id"] if "point_id" in ordered else ordered.index[failed]
        shown = ", ".join(str(i) for i in list(ids)[:10]) + (", ..." if failed.sum() > 10 else "")
        raise ValueError(
            f"{method} needs the outcome of every point of the design, but {int(failed.sum())} "
            f"of {len(ordered)} points failed or have no {outcome!r} share (point_id {shown}); "
            "rerun the failed points first"
        )
    return ordered[outcome].to_numpy(dtype=float)


def _problem(problem: dict[str, Any]) -> tuple[dict[str, Any], list[str], int]:
    """A copy of the SALib problem with `num_vars`; its factor names; the number of groups."""
    names = list(problem["names"])
    full = {**problem, "num_vars": problem.get("num_vars", len(names))}
    groups = problem.get("groups")
    factors = list(dict.fromkeys(groups)) if groups else names
    return full, factors, len(factors)


# --- sensitivity indices ---------------------------------------------------------------------


def sobol_indices(
    points: pd.DataFrame, problem: dict[str, Any], outcome: str, seed: int = 0
) -> pd.DataFrame:
    """First-order and total Sobol' indices of `outcome` over the parameters of a sobol design.

    S1 is the share of the outcome's variance due to a parameter alone, ST the share due to it
    with all its interactions; `S1_conf` and `ST_conf` are the half-widths of their 95%
    bootstrap intervals. Computed by `SALib.analyze.sobol.analyze` (second-order indices off,
    as sampled) with the estimators of Saltelli et al. (2010), Comput. Phys. Commun. 181:259,
    on the sampling scheme of Saltelli (2002), Comput. Phys. Commun. 145:280.

    Args:
        points: the points table of a sobol design, every point "done", N * (D + 2) rows whose
            `point_id` order is the sampler's order.
        problem: the SALib problem the points were sampled from (`names`, `bounds`, ...).
        outcome: the column to analyse (e.g. "breaks").
        seed: seeds the bootstrap of the intervals.

    Returns:
        One row per parameter in problem order: `parameter`, `S1`, `S1_conf`, `ST`, `ST_conf`.
        All NaN if the outcome is the same at every point (there is no variance to apportion).

    Raises:
        ValueError: a point failed, or the number of points is not N * (D + 2).
    """
    from SALib.analyze import sobol

    y = _complete_outcome(points, outcome, "a Sobol analysis")
    full, factors, d = _problem(problem)
    if len(y) == 0 or len(y) % (d + 2):
        raise ValueError(
            f"a Sobol analysis of {d} parameters needs N * (D + 2) = N * {d + 2} points in the "
            f"sampler's order, but the table has {len(y)}"
        )
    columns = ["S1", "S1_conf", "ST", "ST_conf"]
    if np.ptp(y) == 0:
        return pd.DataFrame({"parameter": factors} | {c: np.nan for c in columns})
    # SALib reseeds its bootstrap only for a truthy seed; a Generator is truthy even for seed 0
    result = sobol.analyze(
        full,
        y,
        calc_second_order=False,
        seed=np.random.default_rng(seed),
        print_to_console=False,
    )
    return pd.DataFrame({"parameter": factors} | {c: np.asarray(result[c]) for c in columns})


def morris_indices(
    points: pd.DataFrame,
    problem: dict[str, Any],
    encoded: np.ndarray,
    outcome: str,
    seed: int = 0,
    num_levels: int = 4,
) -> pd.DataFrame:
    """The Morris screening of `outcome` over the parameters of a morris design.

    mu* is the mean absolute elementary effect (Campolongo, Cariboni & Saltelli 2007, Environ.
    Model. Softw. 22:1509), a measure of a parameter's overall influence; sigma, the standard
    deviation of the effects, shows interactions or non-linearity (Morris 1991, Technometrics
    33:161). Computed by `SALib.analyze.morris.analyze`.

    Args:
        points: the points table of a morris design, every point "done", r * (D + 1) rows whose
            `point_id` order is the sampler's order.
        problem: the SALib problem the points were sampled from.
        encoded: the sampler's values (points x parameters; categories as their index).
        outcome: the column to analyse.
        seed: seeds the bootstrap of the interval of mu*.
        num_levels: the grid levels of the sampler (the sweep's `levels`).

    Returns:
        One row per parameter in problem order: `parameter`, `mu_star`, `mu_star_conf` (half
        the 95% bootstrap interval), `sigma`.

    Raises:
        ValueError: a point failed, or the points do not make whole trajectories of D + 1.
    """
    from SALib.analyze import morris

    y = _complete_outcome(points, outcome, "a Morris analysis")
    full, factors, d = _problem(problem)
    x = np.asarray(encoded, dtype=float)
    if len(y) == 0 or len(y) % (d + 1):
        raise ValueError(
            f"a Morris analysis of {d} parameters needs r * (D + 1) = r * {d + 1} points "
            f"(whole trajectories) in the sampler's order, but the table has {len(y)}"
        )
    if x.shape[0] != len(y):
        raise ValueError(
            f"the encoded design has {x.shape[0]} rows but the points table has {len(y)}"
        )
    result = morris.analyze(full, x, y, num_levels=num_levels, seed=seed, print_to_console=False)
    columns = ["mu_star", "mu_star_conf", "sigma"]
    return pd.DataFrame({"parameter": factors} | {c: np.asarray(result[c]) for c in columns})


def _index_columns(indices: pd.DataFrame) -> tuple[str, str]:
    """The index that ranks parameters in a Sobol (ST) or Morris (mu_star) table, and its conf."""
    if "ST" in indices.columns:
        return "ST", "ST_conf"
    if "mu_star" in indices.columns:
        return "mu_star", "mu_star_conf"
    raise ValueError("not a table of Sobol (ST) or Morris (mu_star) indices")


def noise_floor(indices: pd.DataFrame) -> float | None:
    """The `dummy` parameter's index plus its interval half-width, or None without a dummy.

    The dummy is never read by the model, so whatever index it gets is estimation noise (from
    the finite sample and the replicates' randomness). Sobol tables use ST, Morris tables mu*.
    """
    index, conf = _index_columns(indices)
    row = indices[indices["parameter"] == DUMMY]
    if row.empty or pd.isna(row[index].iloc[0]):
        return None
    return float(row[index].iloc[0] + np.nan_to_num(row[conf].iloc[0]))


def negligible_parameters(indices: pd.DataFrame) -> list[str]:
    """The parameters (not the dummy) whose ST or mu* is no larger than the noise floor."""
    floor = noise_floor(indices)
    if floor is None:
        return []
    index, _ = _index_columns(indices)
    rows = indices[(indices["parameter"] != DUMMY) & (indices[index] <= floor)]
    return rows["parameter"].tolist()


def ranked(indices: pd.DataFrame) -> pd.DataFrame:
    """A Sobol or Morris table sorted by ST or mu*, largest first (ties in table order)."""
    index, _ = _index_columns(indices)
    return indices.sort_values(index, ascending=False, kind="stable").reset_index(drop=True)


def association(points: pd.DataFrame, parameters: Sequence[str], outcome: str) -> pd.Series:
    """How strongly each parameter goes with `outcome` over the done points, from 0 to 1.

    For a number, the absolute Spearman rank correlation; for a category (text, booleans), the
    correlation ratio of the outcome's ranks over the categories (the square root of the share
    of the ranks' variance between the categories). Both read the ranks only, so they do not
    depend on the scale of either side. NaN where the parameter or the outcome does not vary.

    Returns:
        The strengths, indexed by parameter in the order given.
    """
    done = done_points(points, outcome)
    y = done[outcome].rank().to_numpy(dtype=float)
    spread = ((y - y.mean()) ** 2).sum() if len(y) else 0.0
    strengths = {}
    for name in parameters:
        _require_column(points, name)
        values = done[name]
        if spread == 0 or values.nunique(dropna=True) < 2:
            strengths[name] = math.nan
        elif is_categorical(values):
            means = pd.Series(y).groupby(values.to_numpy(), sort=False).transform("mean")
            between = ((means.to_numpy() - y.mean()) ** 2).sum()
            strengths[name] = float(math.sqrt(between / spread))
        else:
            x = values.rank().to_numpy(dtype=float)
            strengths[name] = float(abs(np.corrcoef(x, y)[0, 1]))
    return pd.Series(strengths, dtype=float, name="association")


@dataclass(frozen=True)
class Ranking:
    """Parameters ordered from the most to the least influential on an outcome.

    Attributes:
        parameters: the parameters, most influential first (NaN scores last; ties in the order
            given).
        scores: each one's score, in the same order.
        measure: what ranked them: "ST" (Sobol'), "mu*" (Morris) or "|rank correlation|"
            (`association`).
    """

    parameters: tuple[str, ...]
    scores: tuple[float, ...]
    measure: str

    def top(self, count: int) -> list[str]:
        """The `count` most influential parameters."""
        return list(self.parameters[:count])

    def score(self, parameter: str) -> float:
        """The score of `parameter`."""
        return self.scores[self.parameters.index(parameter)]


def rank_parameters(
    points: pd.DataFrame,
    parameters: Sequence[str],
    outcome: str,
    indices: pd.DataFrame | None = None,
) -> Ranking:
    """`parameters`, most influential on `outcome` first.

    By the design's index when there is one (`indices`: a Sobol table ranks by ST, a Morris
    table by mu*) and it is not all NaN; else by `association` with the outcome.
    """
    if indices is not None:
        index, _ = _index_columns(indices)
        by_name = indices.set_index("parameter")[index]
        if by_name.notna().any():
            scores = pd.Series([by_name.get(p, math.nan) for p in parameters], dtype=float)
            return _ranking(parameters, scores, "mu*" if index == "mu_star" else index)
    strengths = association(points, parameters, outcome)
    return _ranking(parameters, strengths.reset_index(drop=True), "|rank correlation|")


def _ranking(parameters: Sequence[str], scores: pd.Series, measure: str) -> Ranking:
    order = scores.sort_values(ascending=False, kind="stable", na_position="last").index
    return Ranking(
        parameters=tuple(parameters[i] for i in order),
        scores=tuple(float(scores[i]) for i in order),
        measure=measure,
    )


# --- scenario discovery ----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Discovery:
    """The boxes found by scenario discovery for the points where an outcome is likely.

    Attributes:
        outcome: the outcome column looked for.
        threshold: a point is of interest where its share of `outcome` is >= this.
        points: the points analysed (failed points are left out).
        of_interest: how many of them are of interest.
        excluded: the failed points left out.
        limits: the PRIM box, one row per restricted parameter in parameter order: `parameter`,
            `kind` ("numeric" or "categorical"), `low`, `high` (NaN for categories), `values`
            (the categories in the box; () for numbers), `range_low`, `range_high` (the
            parameter's range over the points), `all_values` (every category), `quasi_p` (the
            quasi-p value of the restriction, Bryant & Lempert 2010).
        coverage: the share of the points of interest that lie in the box.
        density: the share of the points in the box that are of interest.
        mass: the share of all points that lie in the box.
        trajectory: PRIM's peeling and pasting trajectory: `box` (step), `coverage`,
            `density`, `mass`, `res_dim` (number of restricted parameters).
        chosen: the step of `trajectory` that is the box; None when there is no box.
        rules: the CART tree's leaves that predict "of interest", as readable rules.
        accuracy: the tree's share of points classified right (on the points it was fit to).
        cv_accuracy: the same, 5-fold cross-validated (NaN with too few points of a class).
        message: why there is no box ("" when there is one).
        skipped: whether discovery was not attempted at all (`skipped_discovery`); `message`
            says why.
    """

    outcome: str
    threshold: float
    points: int
    of_interest: int
    excluded: int = 0
    limits: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_LIMIT_COLUMNS))
    coverage: float = math.nan
    density: float = math.nan
    mass: float = math.nan
    trajectory: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=_TRAJECTORY_COLUMNS)
    )
    chosen: int | None = None
    rules: tuple[str, ...] = ()
    accuracy: float = math.nan
    cv_accuracy: float = math.nan
    message: str = ""
    skipped: bool = False

    @property
    def found(self) -> bool:
        """Whether PRIM found a box.

        That is: some but not all points are of interest, and the box restricts at least one
        parameter (significantly, when restrictions are tested).
        """
        return self.chosen is not None

    @property
    def base_rate(self) -> float:
        """The share of the points analysed that are of interest."""
        return self.of_interest / self.points if self.points else math.nan

    @property
    def question(self) -> str:
        """E.g. "breaks >= 0.5"."""
        return f"{self.outcome} >= {self.threshold:g}"

    def box_lines(self) -> list[str]:
        """One line per restricted parameter, e.g. "x1: 0.2 to 0.5 (quasi-p 1e-12)"."""
        return [
            f"{row.parameter}: {describe_limit(row)} (quasi-p {row.quasi_p:.2g})"
            for row in self.limits.itertuples(index=False)
        ]

    def to_text(self) -> str:
        """A plain-text account of the discovery, for printing."""
        head = (
            f"Scenario discovery: {self.question} at {self.of_interest} of {self.points} points"
            + (f" ({self.base_rate:.1%})" if self.points else "")
            + (f"; {self.excluded} failed points left out" if self.excluded else "")
        )
        if self.skipped:
            reason = self.message + ("" if self.message.endswith(".") else ".")
            return "\n".join([head, textwrap.fill(reason, width=100)])
        if not self.found:
            return "\n".join([head, self.message, *self._rule_lines()])
        lines = [
            head,
            f"PRIM box (Friedman & Fisher 1999): coverage {self.coverage:.2f}, density "
            f"{self.density:.2f}, mass {self.mass:.2f}",
        ]
        lines += [f"  {line}" for line in self.box_lines()]
        return "\n".join(lines + self._rule_lines())

    def _rule_lines(self) -> list[str]:
        if math.isnan(self.accuracy):
            return []
        head = (
            f"CART rules (Breiman et al. 1984; accuracy {self.accuracy:.2f}, cross-validated "
            f"{self.cv_accuracy:.2f}, base rate {self.base_rate:.2f}):"
        )
        return [head] + ([f"  {rule}" for rule in self.rules] or ["  (no leaf predicts it)"])


_LIMIT_COLUMNS = [
    "parameter",
    "kind",
    "low",
    "high",
    "values",
    "range_low",
    "range_high",
    "all_values",
    "quasi_p",
]
_TRAJECTORY_COLUMNS = ["box", "coverage", "density", "mass", "res_dim"]


def describe_limit(row: Any) -> str:
    """A row of `Discovery.limits` as text: "0.2 to 0.5" or "one of a, b"."""
    if row.kind == "categorical":
        return "one of " + ", ".join(str(v) for v in row.values)
    return f"{_number(row.low)} to {_number(row.high)}"


def _number(value: float) -> str:
    return f"{value:.3g}"


def skipped_discovery(
    points: pd.DataFrame, outcome: str, threshold: float, reason: str
) -> Discovery:
    """A `Discovery` that was not attempted, for `reason` (e.g. `MORRIS_DISCOVERY`).

    It still counts the points of interest (failed points left out); it has no box and no
    rules, `skipped` is True and `message` is `reason`.
    """
    done = done_points(points, outcome)
    return Discovery(
        outcome=outcome,
        threshold=threshold,
        points=len(done),
        of_interest=int((done[outcome] >= threshold).sum()),
        excluded=len(points) - len(done),
        message=reason,
        skipped=True,
    )


def discover_boxes(
    points: pd.DataFrame,
    parameters: Sequence[str],
    outcome: str,
    threshold: float = 0.5,
    *,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    mass_min: float = 0.05,
    min_density: float | None = None,
    max_quasi_p: float | None = 0.05,
    tree_depth: int = 3,
    tree_min_leaf: float = 0.02,
    seed: int = 0,
) -> Discovery:
    """Scenario discovery: where in parameter space is a point's share of `outcome` high?

    A point is of interest where its share of `outcome` is >= `threshold` (Bryant & Lempert
    2010, Technol. Forecast. Soc. Change 77:34; Kwakkel & Jaxa-Rozen 2016, Environ. Model.
    Softw. 79:311). PRIM (Friedman & Fisher 1999, Stat. Comput. 9:123; the `prim` package)
    peels the box of all points down, `peel_alpha` of its points at a time, to `mass_min`, and
    pastes it back out. From the peeling trajectory the box chosen is the one with the most
    coverage at `min_density` or more, or, without `min_density`, the one that maximises the
    harmonic mean of coverage and density (our choice: the papers leave it to the analyst).
    Then, while a restriction's quasi-p value (a one-sided binomial test of whether it raises
    the density; Bryant & Lempert 2010) exceeds `max_quasi_p`, the least significant one is
    dropped. A CART classification tree (Breiman et al. 1984; scikit-learn) of depth
    `tree_depth`, each leaf holding at least `tree_min_leaf` of the points, gives rules too.

    Text and boolean parameters are categories: PRIM peels them one category at a time, the
    tree reads them one-hot encoded. Failed points are left out.

    The quasi-p values and the tree's accuracies take the points to be independent samples of
    the parameter space (as a latin design's are). Do not call this on a Morris design, whose
    points lie on one-at-a-time trajectories (`MORRIS_DISCOVERY`; `skipped_discovery`).

    Args:
        points: the points table.
        parameters: the parameter columns to search (include `dummy` to see what noise does).
        outcome: the outcome column (e.g. "breaks").
        threshold: the share of `outcome` that makes a point of interest.
        peel_alpha: PRIM's share of points peeled per step.
        paste_alpha: PRIM's share of points pasted per step.
        mass_min: the smallest share of the points a box may hold.
        min_density: the least density the chosen box must have (see above).
        max_quasi_p: restrictions less significant than this are dropped (None keeps all).
        tree_depth: the tree's depth.
        tree_min_leaf: the least share of the points in a leaf of the tree.
        seed: seeds the tree and its cross-validation.

    Returns:
        The `Discovery`. If no point or every point is of interest, or no restriction of the
        box passes the quasi-p test, it has no box (`found` is False) and its `message` says so.
    """
    import prim  # imports pyplot: only when needed

    for name in parameters:
        _require_column(points, name)
    done = done_points(points, outcome)
    excluded = len(points) - len(done)
    interest = (done[outcome] >= threshold).to_numpy()
    n, hits = len(done), int(interest.sum())
    base = {
        "outcome": outcome,
        "threshold": threshold,
        "points": n,
        "of_interest": hits,
        "excluded": excluded,
    }
    if hits == 0 or hits == n:
        what = "no point" if hits == 0 else "every point"
        return Discovery(
            **base,
            message=f"{what} of {n} has {outcome} >= {threshold:g}: there is no box to find",
        )
    varied = [p for p in parameters if done[p].nunique() > 1]
    if not varied:
        return Discovery(**base, message="no parameter varies over the points: no box to find")
    x = _prim_frame(done, varied)

    finder = prim.Prim(
        x,
        interest,
        peel_alpha=peel_alpha,
        paste_alpha=paste_alpha,
        mass_min=mass_min,
    )
    box = finder.find_box()
    trajectory = box.peeling_trajectory
    box.select(_choose(trajectory, min_density))
    if max_quasi_p is not None:
        while True:
            p_values = _quasi_p(x, interest, _limits_of(box, x))
            worst = max(p_values, key=p_values.get, default=None)
            if worst is None or p_values[worst] <= max_quasi_p:
                break
            box.drop_restriction(worst)
    limits = _limits_of(box, x)
    p_values = _quasi_p(x, interest, limits)
    table = _limit_table(x, limits, p_values, varied)
    trajectory = box.peeling_trajectory.reset_index(drop=True)
    steps = pd.DataFrame(
        {
            "box": np.arange(len(trajectory)),
            "coverage": trajectory["coverage"].to_numpy(dtype=float),
            "density": trajectory["density"].to_numpy(dtype=float),
            "mass": trajectory["mass"].to_numpy(dtype=float),
            "res_dim": trajectory["res dim"].to_numpy(dtype=int),
        }
    )
    rules, accuracy, cv_accuracy = _tree(done, varied, interest, tree_depth, tree_min_leaf, seed)
    found = {
        "trajectory": steps,
        "rules": rules,
        "accuracy": accuracy,
        "cv_accuracy": cv_accuracy,
    }
    if table.empty:
        return Discovery(
            **base,
            **found,
            message=(
                "PRIM's box restricts no parameter"
                + ("" if max_quasi_p is None else f" significantly (quasi-p <= {max_quasi_p:g})")
                + ": there is no box to report"
            ),
        )
    return Discovery(
        **base,
        **found,
        limits=table,
        coverage=float(box.coverage),
        density=float(box.density),
        mass=float(box.mass),
        chosen=int(box._cur_box),
    )


def _prim_frame(points: pd.DataFrame, parameters: Sequence[str]) -> pd.DataFrame:
    """The parameter columns as PRIM reads them: numbers as numbers, categories as objects."""
    columns = {}
    for name in parameters:
        values = points[name]
        if is_categorical(values):
            columns[name] = pd.Series(values.tolist(), dtype=object)
        elif pd.api.types.is_integer_dtype(values):
            columns[name] = pd.Series(values.to_numpy(dtype=np.int64))
        else:
            columns[name] = pd.Series(values.to_numpy(dtype=float))
    return pd.DataFrame(columns)


def _choose(trajectory: pd.DataFrame, min_density: float | None) -> int:
    """The step of the peeling trajectory taken as the box (see `discover_boxes`)."""
    coverage = trajectory["coverage"].to_numpy(dtype=float)
    density = trajectory["density"].to_numpy(dtype=float)
    if min_density is None:
        return int(np.argmax(2 * coverage * density / (coverage + density)))
    dense = np.flatnonzero(density >= min_density)
    if dense.size == 0:
        return int(np.argmax(density))
    return int(dense[np.lexsort((-density[dense], -coverage[dense]))[0]])


def _limits_of(box: Any, x: pd.DataFrame) -> dict[str, tuple[Any, Any]]:
    """The restricted parameters of the box's current step: name -> (low, high) or (set, set).

    Read from the box's limit record: PRIM 1.0's `limits` tables fail under pandas 3 when a
    parameter is categorical.
    """
    current = box._box_lims[box._cur_box]
    initial = box.prim._box_init
    return {
        name: (current[name][0], current[name][1])
        for name in x.columns
        if current[name][0] != initial[name][0] or current[name][1] != initial[name][1]
    }


def _in_box(x: pd.DataFrame, limits: dict[str, tuple[Any, Any]]) -> np.ndarray:
    inside = np.ones(len(x), dtype=bool)
    for name, (low, high) in limits.items():
        if isinstance(low, set):
            inside &= x[name].isin(low).to_numpy()
        else:
            inside &= ((x[name] >= low) & (x[name] <= high)).to_numpy()
    return inside


def _quasi_p(
    x: pd.DataFrame, interest: np.ndarray, limits: dict[str, tuple[Any, Any]]
) -> dict[str, float]:
    """Per restriction, the chance of the box's hits if the restriction added nothing.

    Bryant & Lempert (2010): with the restriction dropped the box has density p; the quasi-p
    value is P(X >= hits in the box) for X ~ Binomial(points in the box, p).
    """
    inside = _in_box(x, limits)
    total, hits = int(inside.sum()), int(interest[inside].sum())
    values = {}
    for name in limits:
        wider = _in_box(x, {k: v for k, v in limits.items() if k != name})
        p = interest[wider].mean()
        values[name] = float(binom.sf(hits - 1, total, p))
    return values


def _limit_table(
    x: pd.DataFrame,
    limits: dict[str, tuple[Any, Any]],
    p_values: dict[str, float],
    parameters: Sequence[str],
) -> pd.DataFrame:
    rows = []
    for name in parameters:
        if name not in limits:
            continue
        low, high = limits[name]
        values = x[name]
        if isinstance(low, set):
            rows.append(
                {
                    "parameter": name,
                    "kind": "categorical",
                    "low": math.nan,
                    "high": math.nan,
                    "values": _sorted(low),
                    "range_low": math.nan,
                    "range_high": math.nan,
                    "all_values": _sorted(set(values)),
                    "quasi_p": p_values[name],
                }
            )
        else:
            rows.append(
                {
                    "parameter": name,
                    "kind": "numeric",
                    "low": float(low),
                    "high": float(high),
                    "values": (),
                    "range_low": float(values.min()),
                    "range_high": float(values.max()),
                    "all_values": (),
                    "quasi_p": p_values[name],
                }
            )
    return pd.DataFrame(rows, columns=_LIMIT_COLUMNS)


def _sorted(values: set[Any]) -> tuple[Any, ...]:
    return tuple(sorted(values, key=str))


def _tree(
    points: pd.DataFrame,
    parameters: Sequence[str],
    interest: np.ndarray,
    depth: int,
    min_leaf: float,
    seed: int,
) -> tuple[tuple[str, ...], float, float]:
    """The CART rules, training accuracy and cross-validated accuracy (see `discover_boxes`)."""
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.tree import DecisionTreeClassifier

    features, meaning = _encode(points, parameters)
    tree = DecisionTreeClassifier(max_depth=depth, min_samples_leaf=min_leaf, random_state=seed)
    tree.fit(features, interest)
    accuracy = float(tree.score(features, interest))
    minority = int(min(interest.sum(), (~interest).sum()))
    cv_accuracy = math.nan
    if minority >= 2:
        folds = StratifiedKFold(n_splits=min(5, minority), shuffle=True, random_state=seed)
        cv_accuracy = float(cross_val_score(tree, features, interest, cv=folds).mean())
    return _rules(tree, features, interest, meaning), accuracy, cv_accuracy


def _encode(
    points: pd.DataFrame, parameters: Sequence[str]
) -> tuple[np.ndarray, list[tuple[str, Any]]]:
    """The tree's features: numbers as they are, one 0/1 column per category.

    Also, per feature, what it means: (parameter, None) for a number, (parameter, category).
    """
    columns, meaning = [], []
    for name in parameters:
        values = points[name]
        if is_categorical(values):
            for category in _sorted(set(values)):
                columns.append((values == category).to_numpy(dtype=float))
                meaning.append((name, category))
        else:
            columns.append(values.to_numpy(dtype=float))
            meaning.append((name, None))
    return np.column_stack(columns), meaning


def _rules(
    tree: Any, features: np.ndarray, interest: np.ndarray, meaning: list[tuple[str, Any]]
) -> tuple[str, ...]:
    """The leaves that predict "of interest", as rules naming the parameters.

    Most points of interest first. Each reads e.g. "0.2 < x1 <= 0.5 and x2 > 0.7: 93 points,
    97% of them of interest, 90% of all points of interest".
    """
    structure = tree.tree_
    leaf_of = tree.apply(features)
    total = int(interest.sum())
    found = []

    def walk(node: int, conditions: list[tuple[int, bool, float]]) -> None:
        left, right = structure.children_left[node], structure.children_right[node]
        if left == right:  # a leaf
            members = leaf_of == node
            hits = int(interest[members].sum())
            if hits * 2 > members.sum():
                found.append((hits, int(members.sum()), conditions))
            return
        feature, cut = int(structure.feature[node]), float(structure.threshold[node])
        walk(left, [*conditions, (feature, False, cut)])
        walk(right, [*conditions, (feature, True, cut)])

    walk(0, [])
    found.sort(key=lambda leaf: -leaf[0])
    return tuple(
        f"{_conditions(conditions, meaning)}: {size} points, {hits / size:.0%} of them of "
        f"interest, {hits / total:.0%} of all points of interest"
        for hits, size, conditions in found
    )


def _conditions(conditions: list[tuple[int, bool, float]], meaning: list[tuple[str, Any]]) -> str:
    """A path's splits merged per parameter: "0.2 < x1 <= 0.5 and c is b"."""
    bounds: dict[str, list[float]] = {}
    chosen: dict[str, list[Any]] = {}
    excluded: dict[str, list[Any]] = {}
    for feature, above, cut in conditions:
        name, category = meaning[feature]
        if category is None:
            low, high = bounds.setdefault(name, [-math.inf, math.inf])
            bounds[name] = [max(low, cut), high] if above else [low, min(high, cut)]
        elif above:
            chosen.setdefault(name, []).append(category)
        else:
            excluded.setdefault(name, []).append(category)
    parts = []
    for name in dict.fromkeys(name for name, _ in meaning):
        if name in bounds:
            low, high = bounds[name]
            if high == math.inf:
                parts.append(f"{name} > {_number(low)}")
            elif low == -math.inf:
                parts.append(f"{name} <= {_number(high)}")
            else:
                parts.append(f"{_number(low)} < {name} <= {_number(high)}")
        elif name in chosen:
            parts.append(f"{name} is {chosen[name][0]}")
        elif name in excluded:
            others = excluded[name]
            parts.append(
                f"{name} is not {others[0]}"
                if len(others) == 1
                else f"{name} not in {{{', '.join(str(v) for v in others)}}}"
            )
    return " and ".join(parts) or "every point"
