"""The one-page Markdown report of a sweep: question, design, key numbers, indices, boxes, figures.

Pure string building from what a sweep produced (its settings, its points table, the analyses
of `sim.analysis` and the file names of its figures): the same inputs give the same text, with
no dates or paths of the machine in it.

Long lists are cut to what a page can hold, and the text says how many more there are and
where they all are: the index tables show the `MAX_TABLE_ROWS` most influential parameters (and
the dummy), the points where the target is most and least likely show the values of at most
`MAX_POINT_VALUES` varied parameters, and lists of names longer than `sim.analysis.SHOWN` are
given as a count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath

import numpy as np
import pandas as pd

from sim.analysis import (
    DUMMY,
    OUTCOMES,
    SHOWN,
    Discovery,
    describe_limit,
    done_points,
    negligible_parameters,
    noise_floor,
    outcome_columns,
    rank_parameters,
    ranked,
    varied_parameters,
)

MAX_TABLE_ROWS = 20
"""The Sobol' and Morris tables list at most this many parameters (and the dummy)."""

MAX_POINT_VALUES = 10
"""The points where the target is most and least likely show at most this many parameters."""


def report_markdown(
    *,
    name: str,
    question: str | None,
    description: str | None,
    design: str,
    parameters: Mapping[str, str],
    replicates: int,
    seed: int,
    points: int,
    runs: int,
    failed: int,
    figures: Sequence[str],
    key_numbers: pd.DataFrame | Sequence[str],
    sobol: pd.DataFrame | None = None,
    morris: pd.DataFrame | None = None,
    discovery: Discovery | None = None,
    target: str = "breaks",
    outcomes: Sequence[str] | None = None,
    notes: Sequence[str] = (),
) -> str:
    """The sweep's report as Markdown.

    Args:
        name: the sweep's name (the title).
        question: the question the sweep answers, or None.
        description: the sweep's description, or None.
        design: "grid", "latin", "sobol" or "morris".
        parameters: per parameter path, its spec as text (e.g. "from 0.1 to 0.9 in 9 steps").
        replicates: replicates per point.
        seed: the sweep's seed.
        points: the number of points of the design.
        runs: the number of runs made.
        failed: the number of points that failed.
        figures: the figure files, relative to the report (e.g. "heatmap_breaks.png").
        key_numbers: the points table, from which the key numbers are computed
            (`key_number_lines`), or the key numbers as ready Markdown lines.
        sobol: `sim.analysis.sobol_indices` of `target`, if computed.
        morris: `sim.analysis.morris_indices` of `target`, if computed.
        discovery: `sim.analysis.discover_boxes` for `target`, if computed.
        target: the outcome the analyses are about.
        outcomes: the points-table columns in the key numbers' table (default: every outcome
            column, `sim.analysis.outcome_columns`).
        notes: what was left out and why, as sentences (a "Notes" section).

    Returns:
        The report, ending with a newline.
    """
    sections = [f"# {name}"]
    if description:
        sections.append(description.strip())
    if question:
        sections.append(f"**Question.** {question.strip()}")
    sections.append(
        _design(design, parameters, replicates, seed, points, runs, failed, sobol, morris)
    )
    if isinstance(key_numbers, pd.DataFrame):
        lines = key_number_lines(
            key_numbers, list(parameters), target, sobol, morris, outcomes=outcomes
        )
    else:
        lines = list(key_numbers)
    sections.append("## Key numbers\n\n" + ("\n".join(lines) if lines else "None."))
    if sobol is not None:
        sections.append(sobol_section(sobol, target))
    if morris is not None:
        sections.append(morris_section(morris, target))
    if discovery is not None:
        sections.append(discovery_section(discovery))
    if notes:
        sections.append("## Notes\n\n" + "\n".join(f"- {_sentence(n)}" for n in notes))
    if figures:
        sections.append("## Figures\n\n" + "\n\n".join(_figure(f) for f in figures))
    return "\n\n".join(sections) + "\n"


def _design(
    design: str,
    parameters: Mapping[str, str],
    replicates: int,
    seed: int,
    points: int,
    runs: int,
    failed: int,
    sobol: pd.DataFrame | None,
    morris: pd.DataFrame | None,
) -> str:
    done = f"{points - failed} ran, {failed} failed" if failed else "all ran"
    lines = [
        "## Design",
        "",
        f"A {design} design of {points} points ({done}), {replicates} replicates per point "
        f"({runs} runs in all), seed {seed}.",
        "",
        "| parameter | values |",
        "|---|---|",
        *(f"| `{_cell(path)}` | {_cell(spec)} |" for path, spec in parameters.items()),
    ]
    has_dummy = any(t is not None and DUMMY in set(t["parameter"]) for t in (sobol, morris))
    if has_dummy and DUMMY not in parameters:
        lines += [
            "",
            f"The design adds a parameter `{DUMMY}` that the model never reads: its index "
            "is the noise floor below which a parameter has no effect the design can detect.",
        ]
    return "\n".join(lines)


def key_number_lines(
    points: pd.DataFrame,
    parameters: Sequence[str],
    target: str = "breaks",
    sobol: pd.DataFrame | None = None,
    morris: pd.DataFrame | None = None,
    *,
    outcomes: Sequence[str] | None = None,
) -> list[str]:
    """The key numbers of a sweep as Markdown lines.

    The least, median and greatest value of each outcome column over the points that ran (the
    shares, `median_end_round` and the `mean_<field>` columns, or `outcomes`). Then where
    `target` is most and least likely: the point and its values of the varied parameters (at
    most `MAX_POINT_VALUES`, the most influential by the design's index or, without one, by
    rank correlation), with how many points share that value; or, if `target` is the same at
    every point, that value. Then the parameters whose Sobol ST or Morris mu* is at or below
    the dummy's noise floor.
    """
    if target not in points.columns:
        known = ", ".join(o for o in OUTCOMES if o in points.columns) or "none"
        raise ValueError(f"the points table has no column {target!r} (outcomes: {known})")
    columns = outcome_columns(points) if outcomes is None else list(outcomes)
    done = done_points(points, target)
    lines = []
    if done.empty:
        lines.append(f"No point ran: there are no numbers to report ({len(points)} points).")
    else:
        lines += [
            f"Over the {len(done)} points that ran:",
            "",
            "| outcome | least | median | greatest |",
            "|---|---|---|---|",
        ]
        for column in columns:
            values = done[column].dropna() if column in done.columns else pd.Series()
            if values.empty:
                lines.append(f"| {_cell(column)} | (no value) | | |")
                continue
            low, mid, high = (_number(v, column) for v in values.quantile([0, 0.5, 1]))
            lines.append(f"| {_cell(column)} | {low} | {mid} | {high} |")
        lines += ["", *_extreme_lines(points, done, parameters, target, sobol, morris)]
    for method, table, index in (("Sobol", sobol, "ST"), ("Morris", morris, "mu*")):
        if table is None or noise_floor(table) is None:
            continue
        weak = negligible_parameters(table)
        csv = "sobol.csv" if method == "Sobol" else "morris.csv"
        lines.append(
            f"- No detectable effect on {target} ({method} {index} at or below the dummy's "
            f"noise floor {noise_floor(table):.3g}): {_names_or_count(weak, table, csv)}"
        )
    return lines


def _number(value: float, column: str) -> str:
    """A share to three decimals, any other number to four significant digits."""
    return f"{value:.3f}" if column in OUTCOMES else f"{value:.4g}"


def _extreme_lines(
    points: pd.DataFrame,
    done: pd.DataFrame,
    parameters: Sequence[str],
    target: str,
    sobol: pd.DataFrame | None,
    morris: pd.DataFrame | None,
) -> list[str]:
    """Where `target` is most and least likely, or its one value if it never varies."""
    values = done[target].to_numpy(dtype=float)
    if np.ptp(values) == 0:
        every = "every point" if len(done) == len(points) else "every point that ran"
        return [f"- {target}: {values[0]:.3f} at {every}"]
    varied = varied_parameters(points, [p for p in parameters if p in points.columns])
    lines = []
    shown = varied
    if len(varied) > MAX_POINT_VALUES:
        table = sobol if sobol is not None else morris
        ranking = rank_parameters(points, varied, target, table)
        shown = ranking.top(MAX_POINT_VALUES)
        lines += [
            f"Parameter values below: the {len(shown)} of {len(varied)} varied parameters with "
            f"the largest {ranking.measure} "
            + (f"with {target}" if ranking.measure.startswith("|") else f"of {target}")
            + " (points.csv has every value).",
            "",
        ]
    for most in (True, False):  # the first point (in table order) of the greatest, the least
        row = done.sort_values(target, ascending=not most, kind="stable").iloc[0]
        ties = int(np.isclose(values, row[target], rtol=0.0, atol=1e-12).sum())
        lines.append(f"- {_most(target, most)} {_point(row, target, shown, ties)}")
    return lines


def _most(target: str, most: bool) -> str:
    if target == "breaks":
        return f"The deadlock breaks {'most' if most else 'least'} often at"
    return f"{target} is {'most' if most else 'least'} likely at"


def _point(row: pd.Series, target: str, parameters: Sequence[str], ties: int = 1) -> str:
    """E.g. "point 12, share 0.830 (95% interval 0.78-0.87), with `x` = 0.5".

    When `ties` points share the value: "40 points (share 1.000 at each); the first is point
    12 (95% interval ...), with ...".
    """
    where = f"point {row['point_id']}" if "point_id" in row.index else f"row {row.name}"
    interval = ""
    low, high = f"{target}_low", f"{target}_high"
    if low in row.index and high in row.index and pd.notna(row[low]):
        interval = f" (95% interval {row[low]:.3f}-{row[high]:.3f})"
    if ties > 1:
        text = f"{ties} points (share {row[target]:.3f} at each); the first is {where}{interval}"
    else:
        text = f"{where}, share {row[target]:.3f}{interval}"
    values = ", ".join(f"`{p}` = {_value(row[p])}" for p in parameters)
    return f"{text}, with {values}" if values else text


def _value(value: object) -> str:
    if isinstance(value, float | np.floating):
        return f"{value:.4g}"
    return _cell(str(value))


def sobol_section(indices: pd.DataFrame, target: str) -> str:
    """The Sobol indices as a table, largest total index first (at most `MAX_TABLE_ROWS`)."""
    head = (
        f"## Sobol' indices of {target}\n\nFirst-order (S1) and total (ST) indices with the "
        "half-widths of their 95% bootstrap intervals (Saltelli 2002; Saltelli et al. 2010), "
        "largest ST first."
    )
    if indices["ST"].isna().all():
        return f"{head}\n\n{target} is the same at every point: there is no variance to apportion."
    rows = [
        f"| {n} | {_name(r.parameter)} | {r.S1:.3f} ± {r.S1_conf:.3f} | "
        f"{r.ST:.3f} ± {r.ST_conf:.3f} |"
        for n, r in _top_rows(indices)
    ]
    table = "| rank | parameter | S1 | ST |\n|---|---|---|---|\n" + "\n".join(rows)
    return f"{head}\n\n{table}{_cut_note(indices, 'ST', 'sobol.csv')}" + _floor_note(
        indices, "ST", "sobol.csv"
    )


def morris_section(indices: pd.DataFrame, target: str) -> str:
    """The Morris screening as a table, largest mu* first (at most `MAX_TABLE_ROWS`)."""
    head = (
        f"## Morris screening of {target}\n\nmu*: mean absolute elementary effect with the "
        "half-width of its 95% bootstrap interval; sigma: their spread, a sign of interactions "
        "or non-linearity (Morris 1991; Campolongo et al. 2007). Largest mu* first."
    )
    rows = [
        f"| {n} | {_name(r.parameter)} | {r.mu_star:.3g} ± {r.mu_star_conf:.3g} | {r.sigma:.3g} |"
        for n, r in _top_rows(indices)
    ]
    table = "| rank | parameter | mu* | sigma |\n|---|---|---|---|\n" + "\n".join(rows)
    return f"{head}\n\n{table}{_cut_note(indices, 'mu*', 'morris.csv')}" + _floor_note(
        indices, "mu*", "morris.csv"
    )


def _top_rows(indices: pd.DataFrame) -> list[tuple[int, object]]:
    """(rank, row) of the `MAX_TABLE_ROWS` highest-ranked parameters, and of the dummy."""
    rows = []
    others = 0
    for n, row in enumerate(ranked(indices).itertuples(index=False), start=1):
        if row.parameter == DUMMY:
            rows.append((n, row))
        elif others < MAX_TABLE_ROWS:
            rows.append((n, row))
            others += 1
    return rows


def _cut_note(indices: pd.DataFrame, index: str, csv: str) -> str:
    left = int((indices["parameter"] != DUMMY).sum()) - MAX_TABLE_ROWS
    if left <= 0:
        return ""
    noun, verb = ("parameter", "is") if left == 1 else ("parameters", "are")
    return f"\n\n{left} more {noun}, with smaller {index}, {verb} not listed ({csv} has them all)."


def _floor_note(indices: pd.DataFrame, index: str, csv: str) -> str:
    floor = noise_floor(indices)
    if floor is None:
        return ""
    weak = negligible_parameters(indices)
    return (
        f"\n\nNoise floor (the dummy's {index} plus its interval half-width): {floor:.3g}. "
        f"Parameters at or below it: {_names_or_count(weak, indices, csv)}."
    )


def _names_or_count(names: Sequence[str], indices: pd.DataFrame, csv: str) -> str:
    """The names, or, when there are more than `SHOWN`, how many (of how many) and where."""
    if len(names) <= SHOWN:
        return _names(names)
    total = int((indices["parameter"] != DUMMY).sum())
    return f"{len(names)} of the {total} parameters ({csv} has every index)"


def discovery_section(discovery: Discovery) -> str:
    """The boxes found by scenario discovery: the PRIM box and the CART rules."""
    lines = [
        "## Where it happens: scenario discovery",
        "",
        f"Points of interest (Bryant & Lempert 2010): {discovery.question}, "
        f"{discovery.of_interest} of "
        f"{discovery.points} points"
        + (f" ({discovery.base_rate:.1%})" if discovery.points else "")
        + (f"; {discovery.excluded} failed points left out" if discovery.excluded else "")
        + ".",
    ]
    if not discovery.found:
        lines += ["", _sentence(discovery.message)]
        if discovery.rules:  # the tree was grown even where PRIM found no box
            lines += _cart_lines(discovery)
        return "\n".join(lines)
    lines += [
        "",
        f"PRIM box (Friedman & Fisher 1999): coverage {discovery.coverage:.2f} (share of the "
        f"points of interest inside), density {discovery.density:.2f} (share of the points "
        f"inside that are of interest), mass {discovery.mass:.2f} (share of all points inside).",
        "",
    ]
    if discovery.limits.empty:
        lines.append("The box restricts no parameter.")
    else:
        lines += ["| parameter | in the box | quasi-p |", "|---|---|---|"]
        lines += [
            f"| `{_cell(r.parameter)}` | {_cell(describe_limit(r))} | {r.quasi_p:.2g} |"
            for r in discovery.limits.itertuples(index=False)
        ]
    lines += _cart_lines(discovery)
    return "\n".join(lines)


def _cart_lines(discovery: Discovery) -> list[str]:
    """The CART tree's rules and accuracy."""
    guess = max(discovery.base_rate, 1 - discovery.base_rate)
    lines = [
        "",
        f"CART rules (Breiman et al. 1984): training accuracy {discovery.accuracy:.2f}, "
        f"cross-validated {discovery.cv_accuracy:.2f}, against {guess:.2f} for always "
        "guessing the commoner class.",
        "",
    ]
    return lines + ([f"- {rule}" for rule in discovery.rules] or ["- No leaf predicts it."])


def _sentence(text: str) -> str:
    """`text` with a capital first letter and a full stop."""
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


def _name(parameter: str) -> str:
    """A parameter in a table: `x`, or `dummy` (noise)."""
    return f"`{_cell(parameter)}`" + (" (noise)" if parameter == DUMMY else "")


def _names(parameters: Sequence[str]) -> str:
    return ", ".join(f"`{_cell(p)}`" for p in parameters) or "none"


def _figure(file: str) -> str:
    caption = PurePosixPath(file).stem.replace("_", " ")
    return f"![{caption}]({file})"


def _cell(text: str) -> str:
    """Text safe in a Markdown table cell."""
    return str(text).replace("|", r"\|").replace("\n", " ")
