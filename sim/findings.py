"""What a finished sweep found: its analyses, figures and report, from its results folder.

`analyse_sweep` reads a complete sweep folder (`sim.sweep`): the points table, and the sweep and
base scenario as run. It recomputes the design from the folder's own `sweep.yaml`
(`sim.experiment.design_points`) for the SALib problem and the sampler's values, after checking
that it gives the points the folder planned (`design.parquet`). Then, by design:

- sobol: first-order and total Sobol' indices of every outcome the sweep records (Sobol' 1993;
  Saltelli 2002; Saltelli et al. 2010; `sim.analysis.sobol_indices`);
- morris: the Morris (1991) elementary-effects screening, mu* after Campolongo, Cariboni &
  Saltelli (2007) (`sim.analysis.morris_indices`);
- grid, latin and sobol designs: scenario discovery for the sweep's `target` outcome (Bryant &
  Lempert 2010): a PRIM box (Friedman & Fisher 1999) and CART rules (Breiman et al. 1984)
  (`sim.analysis.discover_boxes`). For sobol, only its independent points: the A and B rows of
  Saltelli's scheme, the first and last of each block of D + 2 (the D rows between them differ
  from A in one parameter each, so they would count one draw D times). Not for a morris design:
  its points lie on one-at-a-time trajectories, not independent samples of the parameter
  space, so PRIM's quasi-p values and
  CART's accuracies would be meaningless (`sim.analysis.MORRIS_DISCOVERY`); the findings and
  the report say so instead (`Discovery.skipped`).

Where the design has a `dummy` parameter, a parameter whose index is no larger than the dummy's
(plus its interval) has no effect the design can detect (Khorashadi Zadeh et al. 2017;
`sim.analysis.negligible_parameters`). Sensitivity indices need the outcome of every point of
the design, so a sweep with failed points gets none, and a note says why. An outcome that is
the same at every point has no Sobol' indices (NaN in sobol.csv) and only zero Morris effects;
a note says so.

The terminal summary (`Findings.to_text`) and the report name at most the `sim.analysis.SHOWN`
most influential parameters of a long list and say how many more there are and which file
holds them all (sweep.yaml for the parameters, sobol.csv and morris.csv for the indices).

`write_findings` writes them into a folder, each file atomically (`sim.results`):

    <figure>.<format>   the figures of `sim.sweep_plots.sweep_figures`, for the target outcome
    sobol.csv           sobol designs: one row per outcome and parameter (outcome, parameter,
                        S1, S1_conf, ST, ST_conf)
    morris.csv          morris designs: one row per outcome and parameter (outcome, parameter,
                        mu_star, mu_star_conf, sigma)
    boxes.csv           when PRIM found a box: its limits (`sim.analysis.Discovery.limits`;
                        the categories of a categorical parameter as a JSON list)
    report.md           the one-page report (`sim.report.report_markdown`), written last

The same folder gives the same findings and the same files (the bootstraps are seeded with the
sweep's seed; svg and pdf figures carry no dates, `sim.results.save_figure`).

References:
    Breiman, L., Friedman, J. H., Olshen, R. A. & Stone, C. J. (1984). Classification and
    Regression Trees. Wadsworth. -- Bryant, B. P. & Lempert, R. J. (2010). Thinking inside the
    box: a participatory, computer-assisted approach to scenario discovery. Technol. Forecast.
    Soc. Change 77, 34-49. -- Campolongo, F., Cariboni, J. & Saltelli, A. (2007). An effective
    screening design for sensitivity analysis of large models. Environ. Model. Softw. 22,
    1509-1518. -- Friedman, J. H. & Fisher, N. I. (1999). Bump hunting in high-dimensional data.
    Stat. Comput. 9, 123-143. -- Khorashadi Zadeh, F. et al. (2017). Comparison of
    variance-based and moment-independent global sensitivity analysis approaches by
    application to the SWAT model. Environ. Model. Softw. 91, 210-222. -- Morris, M. D. (1991).
    Factorial sampling plans for preliminary computational experiments. Technometrics 33,
    161-174. -- Saltelli, A. (2002). Making best use of model evaluations to compute
    sensitivity indices. Comput. Phys. Commun. 145, 280-297. -- Saltelli, A. et al. (2010).
    Variance based sensitivity analysis of model output. Comput. Phys. Commun. 181, 259-270.
    -- Sobol', I. M. (1993). Sensitivity estimates for nonlinear mathematical models. Math.
    Model. Comput. Exp. 1, 407-414.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.analysis import (
    DUMMY,
    MORRIS_DISCOVERY,
    SHOWN,
    Discovery,
    discover_boxes,
    morris_indices,
    negligible_parameters,
    noise_floor,
    ranked,
    skipped_discovery,
    sobol_indices,
    varied_parameters,
)
from sim.experiment import (
    DEFAULT_LEVELS,
    OUTCOME_NAMES,
    Choice,
    Design,
    LoadedSweep,
    Normal,
    Range,
    Triangular,
    Uniform,
    design_points,
)
from sim.report import report_markdown
from sim.results import ResultsError, save_figure, write_csv, write_text
from sim.scenario import ScenarioError
from sim.sweep import DESIGN, POINTS, SweepFolder, read_points
from sim.sweep_plots import sweep_figures

SOBOL_CSV = "sobol.csv"
MORRIS_CSV = "morris.csv"
BOXES_CSV = "boxes.csv"
REPORT = "report.md"

FIGURE_FORMATS = ("png", "svg", "pdf")
"""The formats figures can be saved in (`sim.results.save_figure`)."""

_PLAN_COLUMNS = ("point_id", "seed")


def outcome_column(outcome: str) -> str:
    """The points-table column of an outcome named in a sweep file.

    A share (agreement, resolution, unilateral, deadlock, breaks) is its own column;
    `end_round` is reported as `median_end_round`; any other per-run field as `mean_<field>`
    (see `sim.sweep`).
    """
    if outcome in OUTCOME_NAMES:
        return outcome
    if outcome == "end_round":
        return "median_end_round"
    return f"mean_{outcome}"


def parameter_text(spec: Any) -> str:
    """How a parameter of a sweep file varies, as text for the report.

    E.g. "from 0.2 to 0.8 in 3 steps", "table_anyway, amend_to_avoid_veto", "uniform from 0 to
    0.2", "triangular from 30 to 80, mode 52", "normal, mean 0.1, sd 0.02, clipped to [0, 1]",
    "one of usa, uk".
    """
    if isinstance(spec, list):
        return ", ".join(_shown(v) for v in spec)
    if isinstance(spec, Range):
        if spec.steps is not None:
            return f"from {_shown(spec.from_)} to {_shown(spec.to)} in {spec.steps} steps"
        return f"uniform from {_shown(spec.from_)} to {_shown(spec.to)}"
    if isinstance(spec, Uniform):
        a, b = spec.uniform
        return f"uniform from {_shown(a)} to {_shown(b)}"
    if isinstance(spec, Triangular):
        a, mode, b = spec.triangular
        return f"triangular from {_shown(a)} to {_shown(b)}, mode {_shown(mode)}"
    if isinstance(spec, Normal):
        mu, sd = spec.normal
        text = f"normal, mean {_shown(mu)}, sd {_shown(sd)}"
        if spec.clip is not None:
            text += f", clipped to [{_shown(spec.clip[0])}, {_shown(spec.clip[1])}]"
        return text
    if isinstance(spec, Choice):
        return "one of " + ", ".join(_shown(v) for v in spec.choice)
    return str(spec)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@dataclass(frozen=True, eq=False)
class Findings:
    """What a complete sweep folder says: its points, sensitivity indices and boxes.

    Attributes:
        folder: the sweep folder read.
        loaded: the sweep and base scenario as run (the folder's `sweep.yaml`, `scenario.yaml`).
        points: the points table (`points.parquet`), in `point_id` order.
        design: the sweep's design, recomputed from `sweep.yaml` (it matches `design.parquet`).
        sobol: sobol designs: Sobol' indices of every outcome, one row per outcome column and
            parameter (`outcome`, `parameter`, `S1`, `S1_conf`, `ST`, `ST_conf`); else None,
            and None when points failed.
        morris: morris designs: the Morris screening of every outcome (`outcome`, `parameter`,
            `mu_star`, `mu_star_conf`, `sigma`); else None, and None when points failed.
        discovery: scenario discovery for the sweep's target outcome.
        notes: what was left out and why.
    """

    folder: Path
    loaded: LoadedSweep
    points: pd.DataFrame
    design: Design
    sobol: pd.DataFrame | None
    morris: pd.DataFrame | None
    discovery: Discovery
    notes: list[str]

    @property
    def target(self) -> str:
        """The outcome the figures, ranked indices and boxes are about (the sweep's target)."""
        return self.loaded.sweep.target

    @property
    def failed(self) -> int:
        """The number of points that failed."""
        return int((self.points["status"] != "done").sum())

    @property
    def runs(self) -> int:
        """The number of runs made (every point's replicates)."""
        return int(self.points["replicates"].sum())

    def outcome_columns(self) -> list[str]:
        """The points-table columns of the sweep's outcomes that the table holds, in order."""
        columns = [outcome_column(o) for o in self.loaded.sweep.outcomes]
        return [c for c in columns if c in self.points.columns]

    def target_sobol(self) -> pd.DataFrame | None:
        """The Sobol' indices of the target outcome (`sim.analysis.sobol_indices`), or None."""
        return _of_outcome(self.sobol, self.target)

    def target_morris(self) -> pd.DataFrame | None:
        """The Morris screening of the target outcome (`sim.analysis.morris_indices`), or None."""
        return _of_outcome(self.morris, self.target)

    def to_text(self) -> str:
        """A compact plain-text summary for the terminal."""
        sweep = self.loaded.sweep
        lines = [f"Sweep {sweep.name}" + (f": {sweep.question.strip()}" if sweep.question else "")]
        done = len(self.points) - self.failed
        ran = f"{done} ran, {self.failed} failed" if self.failed else "all ran"
        lines.append(
            f"{sweep.design} design: {len(self.points)} points ({ran}), {sweep.replicates} "
            f"replicates per point, {self.runs} runs, seed {sweep.seed}"
        )
        if len(sweep.parameters) <= SHOWN:
            for path, spec in sweep.parameters.items():
                lines.append(f"  {path}: {parameter_text(spec)}")
        else:
            lines.append(
                f"  {len(sweep.parameters)} parameters (sweep.yaml and report.md give each "
                "one's values)"
            )
        lines += ["", *self._share_lines()]
        for table, text in (
            (self.target_sobol(), _sobol_lines),
            (self.target_morris(), _morris_lines),
        ):
            if table is not None:
                lines += ["", *text(table, self.target)]
        lines += ["", self.discovery.to_text()]
        if self.notes:
            lines += ["", "Notes:", *(f"  - {note}" for note in self.notes)]
        return "\n".join(lines)

    def _share_lines(self) -> list[str]:
        done = self.points[self.points["status"] == "done"]
        if done.empty:
            return ["No point ran."]
        columns = self.outcome_columns()
        width = max(len(c) for c in [*columns, "outcome"])
        lines = [
            f"Over the {len(done)} points that ran:",
            f"  {'outcome':<{width}}  {'least':>7}  {'median':>7}  {'greatest':>8}",
        ]
        for column in columns:
            values = done[column].dropna()
            if values.empty:
                lines.append(f"  {column:<{width}}  (no value)")
                continue
            share = column in OUTCOME_NAMES
            low, mid, high = (_number(v, share) for v in values.quantile([0, 0.5, 1]))
            lines.append(f"  {column:<{width}}  {low:>7}  {mid:>7}  {high:>8}")
        return lines


def _count(n: int, noun: str) -> str:
    """E.g. "1 more parameter", "3 more parameters"."""
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _number(value: float, share: bool) -> str:
    return f"{value:.3f}" if share else f"{value:.4g}"


def _of_outcome(table: pd.DataFrame | None, outcome: str) -> pd.DataFrame | None:
    if table is None:
        return None
    rows = table[table["outcome"] == outcome]
    if rows.empty:
        return None
    return rows.drop(columns="outcome").reset_index(drop=True)


def _sobol_lines(indices: pd.DataFrame, target: str) -> list[str]:
    head = f"Sobol' indices of {target} (Saltelli et al. 2010), largest total index (ST) first:"
    if indices["ST"].isna().all():
        return [head, f"  {target} is the same at every point: there is no variance to apportion"]
    lines = [head]
    for n, row, name, width in _top_rows(indices):
        lines.append(
            f"  {n:>{width}}. {name}  ST {row.ST:6.3f} ± {row.ST_conf:.3f}  "
            f"S1 {row.S1:6.3f} ± {row.S1_conf:.3f}"
        )
    return lines + _cut_lines(indices, "ST", SOBOL_CSV)


def _morris_lines(indices: pd.DataFrame, target: str) -> list[str]:
    head = (
        f"Morris screening of {target} (Morris 1991; mu* after Campolongo et al. 2007), "
        "largest mu* first:"
    )
    lines = [head]
    for n, row, name, width in _top_rows(indices):
        lines.append(
            f"  {n:>{width}}. {name}  mu* {row.mu_star:.3g} ± {row.mu_star_conf:.3g}  "
            f"sigma {row.sigma:.3g}"
        )
    return lines + _cut_lines(indices, "mu*", MORRIS_CSV)


def _top_rows(indices: pd.DataFrame) -> list[tuple[int, Any, str, int]]:
    """(rank, row, padded name, rank width) of the `SHOWN` highest-ranked parameters and the dummy.

    The dummy is listed wherever it ranks, as the reference the others are read against.
    """
    table = ranked(indices)
    chosen, others = [], 0
    for n, row in enumerate(table.itertuples(index=False), start=1):
        if row.parameter == DUMMY or others < SHOWN:
            chosen.append((n, row))
            others += row.parameter != DUMMY
    names = [f"{r.parameter} (noise)" if r.parameter == DUMMY else r.parameter for _, r in chosen]
    width = max((len(name) for name in names), default=0)
    digits = len(str(max((n for n, _ in chosen), default=1)))
    return [
        (n, row, f"{name:<{width}}", max(2, digits))
        for (n, row), name in zip(chosen, names, strict=True)
    ]


def _cut_lines(indices: pd.DataFrame, index: str, csv: str) -> list[str]:
    """How many parameters are not listed; the noise floor and what is at or below it.

    The floor is the dummy's index plus its interval (Khorashadi Zadeh et al. 2017); more than
    `SHOWN` parameters below it are counted, not named.
    """
    lines = []
    total = int((indices["parameter"] != DUMMY).sum())
    if total > SHOWN:
        lines.append(
            f"  ... {_count(total - SHOWN, 'more parameter')} with smaller {index} "
            f"(every one in {csv})"
        )
    floor = noise_floor(indices)
    if floor is None:
        return lines
    weak = negligible_parameters(indices)
    if len(weak) > SHOWN:
        named = f"{len(weak)} of the {total} parameters (see {csv})"
    else:
        named = ", ".join(weak) or "none"
    return [
        *lines,
        f"  No detectable effect ({index} at or below the dummy's {floor:.3g}): {named}",
    ]


# --- analysing ---------------------------------------------------------------------------


def _independent(points: pd.DataFrame, design: Design) -> pd.DataFrame:
    """The A and B points of a Saltelli sample (`calc_second_order=False`), in order.

    The sample is N blocks of D + 2 rows for D parameters: A, then A with each column in turn
    from B, then B (Saltelli 2002; Saltelli et al. 2010).
    """
    block = len(design.parameters) + 2
    position = points["point_id"].to_numpy() % block
    return points[(position == 0) | (position == block - 1)]


def analyse_sweep(folder: str | Path, *, threshold: float = 0.5) -> Findings:
    """Analyse a complete sweep folder: sensitivity indices by design, and scenario discovery.

    Args:
        folder: a sweep folder (`sim.sweep`) whose sweep is complete.
        threshold: scenario discovery looks for the points where the share of the sweep's
            target outcome is at least this.

    Returns:
        The `Findings`. With failed points the sensitivity indices are left out (they need
        every point of the design) and a note says so; an outcome an index cannot be computed
        for is left out with a note.

    Raises:
        ResultsError: the folder is not a complete sweep folder, its files cannot be read, or
            the design its `sweep.yaml` gives is not the one in its `design.parquet`.
        ValueError: `threshold` is not a number from 0 to 1.
    """
    if not (isinstance(threshold, int | float) and 0 <= threshold <= 1):
        raise ValueError(f"threshold must be a number from 0 to 1, got {threshold!r}")
    sweep_folder = SweepFolder(folder)
    points = _read(sweep_folder.file(POINTS), lambda: read_points(sweep_folder.path))
    try:
        loaded = sweep_folder.loaded()
    except ScenarioError as error:
        raise ResultsError(str(error)) from None
    design = design_points(loaded)
    planned = _read(sweep_folder.file(DESIGN), sweep_folder.design)
    _check_design(sweep_folder.path, design, planned)
    points = points.sort_values("point_id", kind="stable", ignore_index=True)
    if points["point_id"].tolist() != list(range(len(design.points))):
        raise ResultsError(
            f"{sweep_folder.path}: points.parquet does not hold one row per point of "
            f"design.parquet ({len(points)} rows for {len(design.points)} points)"
        )
    sweep = loaded.sweep
    notes: list[str] = []
    columns = []
    for outcome in sweep.outcomes:
        column = outcome_column(outcome)
        if column in points.columns:
            columns.append(column)
        else:
            notes.append(f"the points table has no column {column!r} for the outcome {outcome!r}")
    sobol = morris = None
    if sweep.design in ("sobol", "morris"):
        failed = points[points["status"] != "done"]
        if len(failed):
            method = "Sobol' indices" if sweep.design == "sobol" else "the Morris screening"
            first = failed.iloc[0]
            notes.append(
                f"{len(failed)} of {len(points)} points failed (point {first['point_id']}: "
                f"{first['error'] or 'no runs'}); {method} left out: they need the outcome of "
                f"every point of the design. Resume the sweep to run them again "
                f"(run.py sweep --resume {sweep_folder.path})"
            )
        elif sweep.design == "sobol":
            sobol = _indices(
                columns,
                lambda o: sobol_indices(points, design.problem or {}, o, seed=sweep.seed),
                "Sobol' indices",
                notes,
            )
        else:
            morris = _indices(
                columns,
                lambda o: morris_indices(
                    points,
                    design.problem or {},
                    design.encoded,
                    o,
                    seed=sweep.seed,
                    num_levels=sweep.levels or DEFAULT_LEVELS,
                ),
                "the Morris screening",
                notes,
            )
    notes += _constant_notes(points, sobol, morris, sweep.target)
    if sweep.design == "morris":
        discovery = skipped_discovery(points, sweep.target, threshold, MORRIS_DISCOVERY)
    else:
        varied = varied_parameters(points, design.parameters)
        sample = _independent(points, design) if sweep.design == "sobol" else points
        discovery = discover_boxes(sample, varied, outcome=sweep.target, threshold=threshold)
    return Findings(
        folder=sweep_folder.path,
        loaded=loaded,
        points=points,
        design=design,
        sobol=sobol,
        morris=morris,
        discovery=discovery,
        notes=notes,
    )


def _constant_notes(
    points: pd.DataFrame,
    sobol: pd.DataFrame | None,
    morris: pd.DataFrame | None,
    target: str,
) -> list[str]:
    """A note per analysed outcome other than the target that is the same at every point.

    Such an outcome has no variance to apportion: its Sobol' indices are NaN (empty in
    sobol.csv) and its Morris effects all 0. (The target's own section says so.)
    """
    notes = []
    for table, what in (
        (sobol, f"no Sobol' indices (empty in {SOBOL_CSV})"),
        (morris, f"every Morris effect is 0 ({MORRIS_CSV})"),
    ):
        if table is None:
            continue
        for column in table["outcome"].drop_duplicates():
            values = points[column].dropna()
            if column != outcome_column(target) and len(values) and values.nunique() == 1:
                value = _number(float(values.iloc[0]), column in OUTCOME_NAMES)
                notes.append(f"{column} is {value} at every point: {what}")
    return notes


def _read(path: Path, read: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """`read()`, with a file that cannot be read reported as a `ResultsError` naming it."""
    try:
        return read()
    except (OSError, pa.ArrowException) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise ResultsError(f"{path}: cannot be read ({reason})") from None


def _check_design(folder: Path, design: Design, planned: pd.DataFrame) -> None:
    """The design recomputed from sweep.yaml holds the values of the folder's design.parquet."""
    stored = planned.drop(columns=[c for c in _PLAN_COLUMNS if c in planned.columns])
    problem = None
    if list(stored.columns) != list(design.points.columns):
        problem = (
            f"its parameters are {', '.join(map(str, stored.columns))}; sweep.yaml gives "
            f"{', '.join(design.parameters)}"
        )
    elif len(stored) != len(design.points):
        problem = f"it has {len(stored)} points; sweep.yaml gives {len(design.points)}"
    elif "point_id" in planned and planned["point_id"].tolist() != list(range(len(planned))):
        problem = "its point_id is not 0, 1, 2, ... in order"
    else:
        for column in stored.columns:
            if not _same(stored[column], design.points[column]):
                problem = f"the values of {column} differ"
                break
    if problem is not None:
        raise ResultsError(
            f"{folder}: the folder's design does not match its sweep.yaml (design.parquet: "
            f"{problem}); was either file changed since the sweep ran?"
        )


def _same(stored: pd.Series, computed: pd.Series) -> bool:
    """Equal values: numbers to 1e-9 relative (parquet keeps floats exactly), others exactly."""
    numbers = [
        pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
        for s in (stored, computed)
    ]
    if all(numbers):
        a, b = stored.to_numpy(dtype=float), computed.to_numpy(dtype=float)
        return bool(np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True))
    return stored.tolist() == computed.tolist()


def _indices(
    columns: Sequence[str],
    compute: Callable[[str], pd.DataFrame],
    method: str,
    notes: list[str],
) -> pd.DataFrame | None:
    """One long table of an analysis of every outcome column, with an `outcome` column."""
    tables = []
    for column in columns:
        try:
            table = compute(column)
        except ValueError as error:
            notes.append(f"{method} of {column} left out: {error}")
            continue
        table.insert(0, "outcome", column)
        tables.append(table)
    if not tables:
        return None
    return pd.concat(tables, ignore_index=True)


# --- writing -------------------------------------------------------------------------------


def write_findings(
    findings: Findings, folder: str | Path, figure_format: str = "png"
) -> list[Path]:
    """Write the figures, index tables, boxes and report of `findings` into `folder`.

    Figures are `sim.sweep_plots.sweep_figures` for the sweep's target outcome, each saved
    atomically as `<name>.<figure_format>` and closed; then `sobol.csv`, `morris.csv` and
    `boxes.csv` where there is something to write; then `report.md`
    (`sim.report.report_markdown`), which links the figures by file name. Files of an earlier
    call that this one does not write (e.g. a box no longer found) are left as they are.

    Args:
        findings: what `analyse_sweep` found.
        folder: where to write (usually the sweep folder itself); created if missing.
        figure_format: "png", "svg" or "pdf" (svg and pdf files are the same every time).

    Returns:
        The paths written, figures first and the report last.

    Raises:
        ResultsError: a file cannot be written (the message names it).
        ValueError: an unknown figure format.
    """
    if figure_format not in FIGURE_FORMATS:
        raise ValueError(
            f"figure format must be one of {', '.join(FIGURE_FORMATS)}, got {figure_format!r}"
        )
    from matplotlib import pyplot  # only to close the figures

    folder = Path(folder)
    _guard(folder, lambda: folder.mkdir(parents=True, exist_ok=True))
    sweep = findings.loaded.sweep
    sobol, morris = findings.target_sobol(), findings.target_morris()
    figures = sweep_figures(
        points=findings.points,
        parameters=findings.design.parameters,
        design=sweep.design,
        sobol=sobol,
        morris=morris,
        discovery=findings.discovery,
        target=findings.target,
        name=sweep.name,
    )
    written: list[Path] = []
    try:
        for name, figure in figures.items():
            path = folder / f"{name}.{figure_format}"
            _guard(path, lambda p=path, f=figure: save_figure(p, f))
            written.append(path)
    finally:
        for figure in figures.values():
            pyplot.close(figure)
    tables = {
        SOBOL_CSV: findings.sobol,
        MORRIS_CSV: findings.morris,
        BOXES_CSV: _boxes(findings.discovery),
    }
    for file, table in tables.items():
        if table is not None:
            path = folder / file
            _guard(path, lambda p=path, t=table: write_csv(p, t))
            written.append(path)
    text = report_markdown(
        name=sweep.name,
        question=sweep.question or None,
        description=sweep.description or None,
        design=sweep.design,
        parameters={path: parameter_text(spec) for path, spec in sweep.parameters.items()},
        replicates=sweep.replicates or 0,
        seed=sweep.seed or 0,
        points=len(findings.points),
        runs=findings.runs,
        failed=findings.failed,
        figures=[p.name for p in written if p.suffix == f".{figure_format}"],
        key_numbers=findings.points,
        sobol=sobol,
        morris=morris,
        discovery=findings.discovery,
        target=findings.target,
        outcomes=findings.outcome_columns(),
        notes=findings.notes,
    )
    path = folder / REPORT
    _guard(path, lambda: write_text(path, text))
    written.append(path)
    return written


def _boxes(discovery: Discovery) -> pd.DataFrame | None:
    """The PRIM box's limits as a table to write, categories as JSON lists; None without one."""
    if not discovery.found or discovery.limits.empty:
        return None
    table = discovery.limits.copy()
    for column in ("values", "all_values"):
        table[column] = [
            json.dumps([_plain(v) for v in values]) if len(values) else ""
            for values in table[column]
        ]
    return table


def _plain(value: Any) -> Any:
    value = value.item() if isinstance(value, np.generic) else value
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def _guard(path: Path, write: Callable[[], object]) -> None:
    try:
        write()
    except OSError as error:
        raise ResultsError(f"cannot write {path}: {error.strerror or error}") from None
