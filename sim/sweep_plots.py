"""The figures of a sweep: outcome shares over the parameters, sensitivity indices, boxes.

Drawn from a sweep's points table (one row per point: parameter columns, `status`,
`replicates` and per outcome its share; see the sweep contract) and the analyses of
`sim.analysis`. As in `sim.plots`, figures are `matplotlib.figure.Figure` objects built
without pyplot: nothing is shown or kept in global state, and saving and closing them is the
caller's job.

Shares pooled over several points (a level of one parameter, over the values of the others)
are the share of all their replicates, with the 95% Wilson (1927) interval of that pooled
share; for a single point this is the point's own share and interval. Failed points are left
out. Parameter paths and category values are drawn as plain text (`plain`): a `$` in them is
not read as the start of mathematics, and category values are wrapped (`wrap_label`) and, if
still too long, tilted so that neighbours do not overlap.

Designs with many parameters are cut to what can be read, and the caption says what is left
out: the scatter shows the `SHOWN` parameters most influential on the target
(`sim.analysis.rank_parameters`: by the design's index, else by rank correlation), the Sobol'
bars the `MAX_BARS` largest total indices and the dummy, and the Morris plane names only the
`SHOWN` largest mu* above the noise floor.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm
from matplotlib.figure import Figure

from sim.analysis import (
    DUMMY,
    OUTCOMES,
    SHOWN,
    Discovery,
    Ranking,
    describe_limit,
    is_categorical,
    noise_floor,
    rank_parameters,
    ranked,
    varied_parameters,
)
from sim.plots import OUTCOME_COLOURS
from sim.summary import wilson_interval

TERMINAL = OUTCOMES[:-1]
"""The four terminal outcomes, drawn together in the share figures."""

SHARE_LEVELS = (0.1, 0.25, 0.5, 0.75, 0.9)
"""The contour lines drawn over a heatmap of shares."""

MAX_ANNOTATED_CELLS = 120
"""Heatmaps with at most this many cells get their shares written in the cells."""

_CAPTION_LINE = 0.17
"""Height of a caption line in inches (8-point text)."""

S1_COLOUR, ST_COLOUR, NOISE_COLOUR = "#56B4E9", "#0072B2", "0.55"
"""Okabe-Ito sky blue and blue for the Sobol bars, grey for the dummy."""

MAX_BARS = 20
"""The Sobol' figure draws the bars of at most this many parameters (and the dummy)."""

MAX_VALUES_AVERAGED = 12
"""A numeric parameter with at most this many distinct values is averaged per value in the
scatter figure (a Morris grid's levels, a whole-number range); with more, over ten bins."""

_CHAR_WIDTH = 0.075
"""Rough width of a character of small tick-label text, in inches."""

_LINE = 0.17
"""The least distance between tilted tick labels, in inches: a line of small text and a bit."""


def plain(text: object) -> str:
    """`text` as matplotlib draws it literally: every `$` escaped, so no mathtext is parsed.

    Underscores and dots need no escaping: mathtext reads them only between `$` signs.
    """
    return str(text).replace("$", r"\$")


def slug(path: str) -> str:
    """A parameter path as a file-name part: "a.b_c" -> "a-b_c"."""
    return re.sub(r"[^a-z0-9_]+", "-", path.lower()).strip("-") or "parameter"


def wrap_label(text: str, width: int) -> str:
    """`text` broken into lines of about `width` characters after a `_`, `.`, `-` or space.

    A piece without such a break that is longer than `width` stays whole. E.g.
    "withdraw_if_veto_expected" at 14 -> "withdraw_if_" / "veto_expected".
    """
    pieces = [piece for piece in re.findall(r"[^_.\s-]*[_.\s-]?", text) if piece]
    lines = [""]
    for piece in pieces:
        if lines[-1] and len(lines[-1]) + len(piece.rstrip()) > width:
            lines[-1] = lines[-1].rstrip()
            lines.append(piece)
        else:
            lines[-1] += piece
    return "\n".join(line.rstrip() for line in lines)


def levels(values: pd.Series) -> list[object]:
    """A parameter's distinct values: numbers ascending, categories in order of appearance."""
    distinct = values.drop_duplicates().tolist()
    return distinct if is_categorical(values) else sorted(distinct)


def pooled_shares(points: pd.DataFrame, by: Sequence[str], outcome: str) -> pd.DataFrame:
    """The share of `outcome` over the replicates of the done points at each value of `by`.

    One row per combination of values of the `by` columns (as they occur); columns: the `by`
    columns, `points` (done points pooled), `share`, `low`, `high` (95% Wilson interval).
    Without a `replicates` column every point counts once and the interval is left NaN.
    """
    done = points[points[outcome].notna()]
    if "status" in done.columns:
        done = done[done["status"] == "done"]
    rows = []
    for key, group in points.groupby(list(by), sort=False, dropna=False):
        chosen = done.loc[done.index.intersection(group.index)]
        values = dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True))
        row = {**values, "points": len(chosen), "share": np.nan, "low": np.nan, "high": np.nan}
        if len(chosen) and "replicates" in chosen.columns:
            trials = int(chosen["replicates"].sum())
            hits = int(np.round(chosen[outcome] * chosen["replicates"]).sum())
            low, high = wilson_interval(hits, trials)
            row |= {"share": hits / trials if trials else np.nan, "low": low, "high": high}
        elif len(chosen):
            row["share"] = float(chosen[outcome].mean())
        rows.append(row)
    return pd.DataFrame(rows, columns=[*by, "points", "share", "low", "high"])


def sweep_figures(
    points: pd.DataFrame,
    parameters: Sequence[str],
    design: str,
    *,
    sobol: pd.DataFrame | None = None,
    morris: pd.DataFrame | None = None,
    discovery: Discovery | None = None,
    target: str = "breaks",
    name: str = "",
) -> dict[str, Figure]:
    """Every figure of a sweep, by name.

    Args:
        points: the points table.
        parameters: the parameter columns (with `dummy` where the design has it).
        design: "grid", "latin", "sobol" or "morris".
        sobol: `sim.analysis.sobol_indices` of `target`, if computed.
        morris: `sim.analysis.morris_indices` of `target`, if computed.
        discovery: `sim.analysis.discover_boxes` for `target`, if computed.
        target: the outcome the sensitivity analyses and the scatter panels are about.
        name: the sweep's name, put at the start of every title.

    Returns:
        For a grid of one varied parameter (the dummy not counted) `outcomes_vs_<slug>`; of two,
        `heatmap_<outcome>` per outcome column present ("breaks" first); of more,
        `main_effects`. For the sampled designs (latin, sobol, morris), `scatter_<target>`
        (the `SHOWN` parameters most influential on the target, by the design's index where
        there is one). Then `sobol_indices`, `morris_indices`, and, where `discovery` found a box,
        `prim_trajectory` and `prim_box`.
    """
    frame = _Frame(points, design, name)
    figures: dict[str, Figure] = {}
    varied = varied_parameters(points, parameters)
    if design == "grid":
        if len(varied) == 1:
            figures[f"outcomes_vs_{slug(varied[0])}"] = plot_outcomes_vs(points, varied[0], frame)
        elif len(varied) == 2:
            for outcome in ("breaks", *TERMINAL):
                if outcome in points.columns:
                    figures[f"heatmap_{outcome}"] = plot_heatmap(points, varied, outcome, frame)
        elif varied:
            figures["main_effects"] = plot_main_effects(points, varied, frame)
    else:
        scattered = [p for p in parameters if points[p].nunique(dropna=True) > 1]
        if scattered:
            ranking = rank_parameters(
                points, scattered, target, sobol if sobol is not None else morris
            )
            figures[f"scatter_{slug(target)}"] = plot_scatter(
                points, scattered, target, frame, ranking=ranking
            )
    if sobol is not None:
        figures["sobol_indices"] = plot_sobol(sobol, target, frame)
    if morris is not None:
        figures["morris_indices"] = plot_morris(morris, target, frame)
    if discovery is not None and discovery.found:
        figures["prim_trajectory"] = plot_prim_trajectory(discovery, frame)
        figures["prim_box"] = plot_prim_box(discovery, frame)
    return figures


# --- figures ---------------------------------------------------------------------------------


class _Frame:
    """What every figure of a sweep says about it: the sweep in its title, the design below."""

    def __init__(self, points: pd.DataFrame, design: str, name: str) -> None:
        failed = int((points["status"] != "done").sum()) if "status" in points.columns else 0
        caption = f"{design} design, {len(points)} points"
        caption += f" ({failed} failed, left out)" if failed else ""
        if "replicates" in points.columns and len(points):
            counts = points.loc[points["replicates"] > 0, "replicates"]
            if len(counts):
                low, high = int(counts.min()), int(counts.max())
                caption += f", {low if low == high else f'{low}-{high}'} replicates per point"
        self.name = name
        self.caption = caption

    def new(self, width: float, height: float) -> Figure:
        return Figure(figsize=(width, height), layout="constrained")

    def finish(self, fig: Figure, title: str, note: str = "") -> Figure:
        """Title `fig` and put the caption at its bottom, clear of the axes."""
        fig.suptitle(plain(f"{self.name}: {title}" if self.name else title))
        caption = self.caption + (f". {note}" if note else "")
        wrapped = textwrap.fill(caption, width=int(fig.get_figwidth() * 16))
        fig.text(0.01, 0.01, plain(wrapped), fontsize=8, color="0.3", ha="left", va="bottom")
        reserved = (_CAPTION_LINE * (wrapped.count("\n") + 1) + 0.1) / fig.get_figheight()
        fig.get_layout_engine().set(rect=(0.0, reserved, 1.0, 1.0 - reserved))
        return fig


_POOLED_NOTE = "Shares of the replicates at each value; bands and bars: 95% Wilson intervals"


def plot_outcomes_vs(points: pd.DataFrame, parameter: str, frame: _Frame) -> Figure:
    """The share of each terminal outcome against one parameter, with 95% intervals."""
    fig = frame.new(8.0, 4.8)
    ax = fig.subplots()
    _draw_shares(ax, points, parameter, width=5.5)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    return frame.finish(fig, f"outcomes against {parameter}", _POOLED_NOTE)


def plot_main_effects(points: pd.DataFrame, parameters: Sequence[str], frame: _Frame) -> Figure:
    """Per parameter, the outcome shares pooled over the values of all other parameters."""
    columns = min(3, len(parameters))
    rows = -(-len(parameters) // columns)
    fig = frame.new(4.2 * columns + 1.6, 3.4 * rows + 0.8)
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax, parameter in zip(axes, parameters, strict=False):
        _draw_shares(ax, points, parameter, width=3.4)
    for ax in axes[len(parameters) :]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", fontsize="small")
    note = f"{_POOLED_NOTE}, pooled over the values of the other parameters (main effects)"
    return frame.finish(fig, "outcome shares per parameter (main effects)", note)


def _draw_shares(ax: Axes, points: pd.DataFrame, parameter: str, width: float) -> None:
    """The outcome shares against `parameter` on `ax`, about `width` inches wide."""
    values = levels(points[parameter])
    categorical = is_categorical(points[parameter])
    positions = np.arange(len(values)) if categorical else np.asarray(values, dtype=float)
    bar = 0.8 / len(TERMINAL)
    for n, outcome in enumerate(o for o in TERMINAL if o in points.columns):
        table = pooled_shares(points, [parameter], outcome).set_index(parameter).reindex(values)
        share = table["share"].to_numpy(dtype=float)
        low, high = table["low"].to_numpy(dtype=float), table["high"].to_numpy(dtype=float)
        colour = OUTCOME_COLOURS[outcome]
        if categorical:
            errors = np.vstack([share - low, high - share]).clip(min=0.0)
            x = positions + (n - 1.5) * bar
            ax.bar(x, share, bar, color=colour, label=outcome)
            ax.errorbar(x, share, yerr=errors, fmt="none", ecolor="black", capsize=2, lw=0.8)
        else:
            ax.fill_between(positions, low, high, color=colour, alpha=0.18, lw=0)
            ax.plot(positions, share, color=colour, marker="o", ms=3.5, label=outcome)
    if categorical:
        _category_ticks(ax, positions, values, width / len(values))
    ax.set_xlabel(plain(parameter))
    ax.set_ylabel("share of replicates")
    ax.set_ylim(-0.02, 1.02)


def plot_heatmap(
    points: pd.DataFrame, parameters: Sequence[str], outcome: str, frame: _Frame
) -> Figure:
    """The share of `outcome` over two parameters, as cells, with contour lines where numeric.

    The first parameter runs along x, the second along y; cells are evenly spaced whatever the
    values (they are tick labels). Contour lines at `SHARE_LEVELS` are drawn when both
    parameters are numbers; grey cells had no done point.
    """
    x_name, y_name = parameters
    x_values, y_values = levels(points[x_name]), levels(points[y_name])
    table = pooled_shares(points, [x_name, y_name], outcome)
    grid = (
        table.pivot_table(index=y_name, columns=x_name, values="share", dropna=False, sort=False)
        .reindex(index=y_values, columns=x_values)
        .to_numpy(dtype=float)
    )
    fig = frame.new(7.5 + 0.15 * len(x_values), 5.2 + 0.1 * len(y_values))
    ax = fig.subplots()
    colours = colormaps["viridis"].with_extremes(bad="0.8")
    image = ax.imshow(
        np.ma.masked_invalid(grid), origin="lower", aspect="auto", cmap=colours, vmin=0, vmax=1
    )
    fig.colorbar(image, ax=ax, label=plain(f"share of replicates: {outcome}"))
    numeric = not (is_categorical(points[x_name]) or is_categorical(points[y_name]))
    if numeric and min(grid.shape) > 1:
        _contours(ax, grid)
    if grid.size <= MAX_ANNOTATED_CELLS:
        for (row, col), value in np.ndenumerate(grid):
            if np.isfinite(value):
                ink = "black" if value > 0.6 else "white"
                ax.text(col, row, f"{value:.2f}", ha="center", va="center", fontsize=7, color=ink)
    _tick_labels(ax, x_values, "x", (fig.get_figwidth() - 3.0) / len(x_values))
    _tick_labels(ax, y_values, "y", 1.6)
    ax.set_xlabel(plain(x_name))
    ax.set_ylabel(plain(y_name))
    what = "the deadlock breaks" if outcome == "breaks" else f"{outcome}"
    note = "Cells: share of the point's replicates" + (
        "; lines: contours of the share" if numeric else ""
    )
    if np.isnan(grid).any():
        note += "; grey: no point that ran"
    return frame.finish(fig, f"P({what}) over {x_name} and {y_name}", note)


def _contours(ax: Axes, grid: np.ndarray) -> None:
    finite = grid[np.isfinite(grid)]
    if finite.size == 0:
        return
    inside = [v for v in SHARE_LEVELS if finite.min() < v < finite.max()]
    if not inside:
        return
    lines = ax.contour(np.ma.masked_invalid(grid), levels=inside, colors="white", linewidths=1)
    ax.clabel(lines, fmt="%.2g", fontsize=7)


def _tick_labels(ax: Axes, values: Sequence[object], axis: str, room: float) -> None:
    """Ticks of a heatmap axis: at most 15 labelled, categories wrapped to `room` inches."""
    step = max(1, -(-len(values) // 15))
    shown = list(range(0, len(values), step))
    if any(isinstance(values[i], str) for i in shown):
        _category_ticks(ax, shown, [values[i] for i in shown], room * step, axis)
        return
    labels = [plain(_value(values[i])) for i in shown]
    if axis == "x":
        tilted = len(values) > 6
        ax.set_xticks(
            shown, labels, rotation=45 if tilted else 0, ha="right" if tilted else "center"
        )
    else:
        ax.set_yticks(shown, labels)


def _category_ticks(
    ax: Axes, positions: Sequence[float], values: Sequence[object], room: float, axis: str = "x"
) -> None:
    """Label categorical ticks so that neighbours do not overlap.

    Each label is wrapped to the `room` (inches) its category has along the axis
    (`wrap_label`). X labels that still do not fit, or take more than three lines, are drawn
    whole and tilted, by the least of 30, 45, 60 or 90 degrees that keeps them a line apart.
    Y labels are wrapped to `room` too (the room beside the axis).
    """
    width = max(8, int(room / _CHAR_WIDTH))
    labels = [wrap_label(plain(_value(v)), width) for v in values]
    longest = max((len(line) for label in labels for line in label.split("\n")), default=0)
    deepest = max((label.count("\n") + 1 for label in labels), default=1)
    if axis == "y":
        ax.set_yticks(list(positions), labels, fontsize="small")
        return
    if longest <= width and deepest <= 3:
        ax.set_xticks(list(positions), labels, fontsize="small")
        return
    # tilted labels are parallel strips `room * sin(angle)` apart: at least a line and a bit
    angle = next((a for a in (30, 45, 60) if room * math.sin(math.radians(a)) >= _LINE), 90)
    ax.set_xticks(
        list(positions),
        [plain(_value(v)) for v in values],
        fontsize="small",
        rotation=angle,
        ha="right" if angle < 90 else "center",
        rotation_mode="anchor" if angle < 90 else "default",
    )


def _value(value: object) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def plot_scatter(
    points: pd.DataFrame,
    parameters: Sequence[str],
    target: str,
    frame: _Frame,
    *,
    ranking: Ranking | None = None,
    panels: int = SHOWN,
) -> Figure:
    """The share of `target` at each point against the most influential parameters.

    One panel per parameter, most influential first, for at most `panels` parameters of
    `parameters`: as `ranking` orders them (`sim.analysis.rank_parameters`), or, without it, by
    their rank correlation with `target`. The caption says how many are not shown. A numeric
    parameter with at most `MAX_VALUES_AVERAGED` distinct values (the levels of a Morris grid)
    gets the mean share per value, one with more the mean share in ten bins of equal count; a
    categorical one the mean share per category.
    """
    done = points[points[target].notna()]
    if "status" in done.columns:
        done = done[done["status"] == "done"]
    if ranking is None:
        ranking = rank_parameters(points, parameters, target)
    chosen = set(parameters)
    shown = [p for p in ranking.parameters if p in chosen][:panels]
    shown += [p for p in parameters if p not in ranking.parameters][: panels - len(shown)]
    columns = _columns(len(shown))
    rows = -(-len(shown) // columns)
    fig = frame.new(3.3 * columns + 0.5, 2.7 * rows + 1.1)
    axes = fig.subplots(rows, columns, squeeze=False, sharey=True).ravel()
    jitter = np.random.default_rng(0)  # a fixed jitter: the figure is the same every time
    for rank, (ax, parameter) in enumerate(zip(axes, shown, strict=False), start=1):
        values, y = done[parameter], done[target].to_numpy(dtype=float)
        if is_categorical(values):
            categories = levels(values)
            codes = values.map({v: i for i, v in enumerate(categories)}).to_numpy(dtype=float)
            x = codes + jitter.uniform(-0.25, 0.25, len(codes))
            ax.scatter(x, y, s=5, color="0.4", alpha=0.4, lw=0, rasterized=len(x) > 2000)
            means = [
                y[codes == i].mean() if (codes == i).any() else np.nan
                for i in range(len(categories))
            ]
            ax.scatter(range(len(categories)), means, marker="D", color="black", zorder=3)
            _category_ticks(ax, range(len(categories)), categories, 2.6 / len(categories))
        else:
            x = values.to_numpy(dtype=float)
            ax.scatter(x, y, s=5, color="0.4", alpha=0.4, lw=0, rasterized=len(x) > 2000)
            mean = _mean_line(x, y)
            if mean is not None:
                ax.plot(mean[0], mean[1], color="black", lw=1.5, marker="o", ms=3)
        ax.set_xlabel(plain(wrap_label(parameter, 40)), fontsize="small")
        score = ranking.score(parameter) if parameter in ranking.parameters else np.nan
        title = f"{rank}." + (" the dummy (noise)" if parameter == DUMMY else "")
        if np.isfinite(score):
            title += f" {ranking.measure} {score:.3g}"
        ax.set_title(plain(title), fontsize="small", loc="left")
    for ax in axes[len(shown) :]:
        ax.set_visible(False)
    for ax in axes[::columns]:
        ax.set_ylabel(plain(f"share: {target}" if target in OUTCOMES else target))
    if target in OUTCOMES:
        axes[0].set_ylim(-0.03, 1.03)
    note = (
        f"Dots: points; black: mean per value ({MAX_VALUES_AVERAGED} values or fewer), over "
        "ten equal-count bins (more) or per category. Panels: "
    )
    what = f"largest {ranking.measure}" + (
        f" with {target}" if ranking.measure.startswith("|") else f" of {target}"
    )
    total = sum(p != DUMMY for p in parameters)
    drawn = sum(p != DUMMY for p in shown)
    if drawn < total:
        hidden = f"{total - drawn} more" + (
            " and the dummy" if DUMMY in chosen - set(shown) else ""
        )
        note += f"the {drawn} parameters with the {what}, of {total}; {hidden} not shown"
    else:
        note += f"every parameter that varies, {what} first"
    return frame.finish(fig, f"{target} at each point against each parameter", note)


def _columns(panels: int) -> int:
    """Columns of a compact grid of `panels` panels: up to 3 in a row, 2 x 2, then 3, then 4."""
    if panels <= 3:
        return max(panels, 1)
    if panels == 4:
        return 2
    return 3 if panels <= 6 else 4


def _mean_line(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The mean of `y` per distinct `x`, or over ten equal-count bins of `x`; None if too few.

    Per value when `x` takes at most `MAX_VALUES_AVERAGED` values (the mean then sits on each
    of them); else in bins, when there are at least 30 points.
    """
    table = pd.DataFrame({"x": x, "y": y})
    if table["x"].nunique() <= MAX_VALUES_AVERAGED:
        mean = table.groupby("x", sort=True)["y"].mean()
        return mean.index.to_numpy(dtype=float), mean.to_numpy(dtype=float)
    if len(table) < 30:
        return None
    bins = pd.qcut(table["x"], 10, duplicates="drop")
    mean = table.groupby(bins, observed=True).mean()
    return mean["x"].to_numpy(dtype=float), mean["y"].to_numpy(dtype=float)


def plot_sobol(
    indices: pd.DataFrame, target: str, frame: _Frame, *, bars: int = MAX_BARS
) -> Figure:
    """Bars of S1 and ST per parameter (largest ST first), 95% intervals, the noise floor.

    At most `bars` parameters are drawn, those with the largest ST, and the dummy wherever it
    ranks; the caption says how many more there are.
    """
    table = ranked(indices)
    dummy = (table["parameter"] == DUMMY).to_numpy()
    kept = dummy | (np.cumsum(~dummy) <= bars)
    omitted = int((~kept).sum())
    table = table[kept].reset_index(drop=True)
    fig = frame.new(max(6.0, 1.5 + 0.55 * len(table)), 4.8)
    ax = fig.subplots()
    x = np.arange(len(table))
    if table["ST"].isna().all():
        ax.text(
            0.5,
            0.5,
            plain(f"{target} is the same at every point: no indices"),
            transform=ax.transAxes,
            ha="center",
            va="center",
        )
    width = 0.38
    dummy = (table["parameter"] == DUMMY).to_numpy()
    for offset, index, colour in ((-width / 2, "S1", S1_COLOUR), (width / 2, "ST", ST_COLOUR)):
        colours = np.where(dummy, NOISE_COLOUR, colour)
        ax.bar(x + offset, table[index], width, color=colours, label=index)
        ax.errorbar(
            x + offset,
            table[index],
            yerr=table[f"{index}_conf"],
            fmt="none",
            ecolor="black",
            capsize=3,
            lw=0.8,
        )
    floor = noise_floor(indices)
    if floor is not None:
        ax.axhline(
            floor,
            color="black",
            ls="--",
            lw=1,
            label=f"noise floor: the dummy's ST + interval ({floor:.3g})",
        )
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xticks(x, [plain(p) for p in table["parameter"]], rotation=30, ha="right")
    ax.set_ylabel("Sobol' index (share of variance)")
    ax.legend(loc="upper right", fontsize="small")
    note = (
        "S1: first-order index; ST: total index (with interactions); error bars: 95% "
        "bootstrap intervals (Saltelli et al. 2010)"
    )
    if omitted:
        note += (
            f". The {bars} parameters with the largest ST are drawn; {omitted} more, with "
            f"smaller ST, {'is' if omitted == 1 else 'are'} not (sobol.csv has every index)"
        )
    return frame.finish(fig, f"Sobol' indices of {target}", note)


def plot_morris(indices: pd.DataFrame, target: str, frame: _Frame, *, named: int = SHOWN) -> Figure:
    """mu* against sigma per parameter; the most influential named; the dummy and its floor.

    With at most `named` parameters (the dummy not counted) every one is named. With more, only
    the `named` with the largest mu* are, and of those only the ones above the dummy's noise
    floor; the others are drawn as small unnamed points without intervals, and the caption
    says so. Names sit in a column right of the plot, joined to their points by thin lines.
    """
    table = ranked(indices)
    noise = (table["parameter"] == DUMMY).to_numpy()
    floor = noise_floor(indices)
    count = int((~noise).sum())
    if count <= named:
        labelled = ~noise
    else:
        labelled = ~noise & (np.cumsum(~noise) <= named)
        if floor is not None:
            labelled &= (table["mu_star"] > floor).to_numpy()
    longest = max((len(p) for p in table.loc[labelled | noise, "parameter"]), default=10)
    fig = frame.new(6.5 + min(4.5, _CHAR_WIDTH * (longest + 8)), 5.6)
    ax = fig.subplots()
    rest = table[~labelled & ~noise]
    ax.scatter(rest["mu_star"], rest["sigma"], s=9, color=ST_COLOUR, alpha=0.35, lw=0)
    names = []
    for row in table[labelled | noise].itertuples(index=False):
        dummy = row.parameter == DUMMY
        ax.errorbar(
            row.mu_star,
            row.sigma,
            xerr=row.mu_star_conf,
            fmt="x" if dummy else "o",
            color=NOISE_COLOUR if dummy else ST_COLOUR,
            ecolor="0.6",
            capsize=2,
            lw=0.8,
            ms=5,
        )
        names.append((row.parameter, row.mu_star, row.sigma, dummy))
    if floor is not None:
        ax.axvline(
            floor,
            color="black",
            ls="--",
            lw=1,
            label=f"noise floor: the dummy's mu* + interval ({floor:.3g})",
        )
        ax.legend(loc="upper left", fontsize="small")
    right = np.nanmax([*(table["mu_star"] + table["mu_star_conf"].fillna(0)), floor or 0.0])
    top = np.nanmax(table["sigma"]) if len(table) else 0.0
    ax.set_xlim(0, 1.1 * right if right > 0 else 1.0)
    ax.set_ylim(0, 1.1 * top if top > 0 else 1.0)
    _name_column(ax, names)
    ax.set_xlabel("mu* (mean absolute elementary effect)")
    ax.set_ylabel("sigma (spread of the effects)")
    note = (
        "Morris (1991) screening, mu* after Campolongo et al. (2007); bars: 95% bootstrap "
        "intervals of mu*"
    )
    shown = int(labelled.sum())
    if shown < count:
        above = " above the noise floor" if floor is not None and shown < named else ""
        rest = count - shown
        unnamed = "is the small unnamed point" if rest == 1 else "are the small unnamed points"
        note += (
            f". Named: the {shown} parameters with the largest mu*{above}, of {count}; the "
            f"other {rest} {unnamed} (morris.csv has every one)"
        )
    return frame.finish(fig, f"Morris screening of {target}", note)


def _name_column(ax: Axes, names: Sequence[tuple[str, float, float, bool]]) -> None:
    """Write each (name, x, y, is the dummy) in a column right of `ax`, joined to its point.

    The names keep the order of their points' heights, spaced apart so that none overlap.
    """
    if not names:
        return
    low, high = ax.get_ylim()
    order = sorted(range(len(names)), key=lambda i: (names[i][2], -names[i][1]))
    heights = [(names[i][2] - low) / (high - low) for i in order]
    gap = min(0.075, 1.0 / len(names))
    for n in range(1, len(heights)):  # push up over the one below
        heights[n] = max(heights[n], heights[n - 1] + gap)
    heights[-1] = min(heights[-1], 1.0)
    for n in range(len(heights) - 2, -1, -1):  # then down under the one above
        heights[n] = min(heights[n], heights[n + 1] - gap)
    for i, height in zip(order, heights, strict=True):
        name, x, y, dummy = names[i]
        ax.annotate(
            plain(f"{name} (noise)" if dummy else name),
            (x, y),
            xytext=(1.03, height),
            textcoords="axes fraction",
            va="center",
            ha="left",
            fontsize="small",
            color=NOISE_COLOUR if dummy else "black",
            annotation_clip=False,
            arrowprops={"arrowstyle": "-", "color": "0.7", "lw": 0.6, "shrinkA": 0, "shrinkB": 3},
        )


def plot_prim_trajectory(discovery: Discovery, frame: _Frame) -> Figure:
    """PRIM's peeling trajectory: coverage against density per step, the chosen box ringed."""
    steps = discovery.trajectory
    fig = frame.new(7.0, 5.2)
    ax = fig.subplots()
    ax.plot(steps["coverage"], steps["density"], color="0.75", lw=0.8, zorder=1)
    most = int(steps["res_dim"].max())
    norm = BoundaryNorm(np.arange(-0.5, most + 1.5), colormaps["viridis"].N)
    dots = ax.scatter(
        steps["coverage"],
        steps["density"],
        c=steps["res_dim"],
        cmap="viridis",
        norm=norm,
        s=18,
        zorder=2,
    )
    fig.colorbar(dots, ax=ax, ticks=range(most + 1), label="restricted parameters")
    chosen = steps.iloc[discovery.chosen]
    ax.scatter(
        [chosen["coverage"]],
        [chosen["density"]],
        s=160,
        facecolors="none",
        edgecolors="#D55E00",
        lw=2,
        zorder=3,
        label="chosen box",
    )
    ax.annotate(
        f"coverage {chosen['coverage']:.2f}\ndensity {chosen['density']:.2f}",
        (chosen["coverage"], chosen["density"]),
        xytext=(10, -24),
        textcoords="offset points",
        fontsize="small",
    )
    ax.set_xlim(0, 1.05)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("coverage (share of the points of interest in the box)")
    ax.set_ylabel("density (share of the box's points of interest)")
    ax.legend(loc="lower left", fontsize="small")
    note = (
        f"Points of interest: {discovery.question} ({discovery.of_interest} of "
        f"{discovery.points}). PRIM (Friedman & Fisher 1999) peeling and pasting steps"
    )
    return frame.finish(fig, f"PRIM peeling trajectory for {discovery.question}", note)


def plot_prim_box(discovery: Discovery, frame: _Frame) -> Figure:
    """The chosen box: per restricted parameter, the part of its range the box keeps."""
    limits = discovery.limits
    fig = frame.new(8.0, 1.6 + 0.6 * max(len(limits), 1))
    ax = fig.subplots()
    y = np.arange(len(limits))[::-1]
    ax.barh(y, 1.0, height=0.6, color="0.9", edgecolor="0.7")
    for row, position in zip(limits.itertuples(index=False), y, strict=True):
        if row.kind == "categorical":
            share = len(row.values) / len(row.all_values)
            ax.barh(position, share, height=0.6, color=ST_COLOUR, alpha=0.8)
            text = f"{describe_limit(row)} (of {', '.join(str(v) for v in row.all_values)})"
            ax.text(0.5, position, plain(text), ha="center", va="center", fontsize="small")
            continue
        span = row.range_high - row.range_low
        low = (row.low - row.range_low) / span
        high = (row.high - row.range_low) / span
        ax.barh(position, high - low, left=low, height=0.6, color=ST_COLOUR, alpha=0.8)
        ax.text(low, position + 0.36, f"{row.low:.3g}", ha="center", va="bottom", fontsize="small")
        ax.text(
            high, position + 0.36, f"{row.high:.3g}", ha="center", va="bottom", fontsize="small"
        )
    ax.set_yticks(y, [plain(p) for p in limits["parameter"]])
    ax.set_xlim(-0.05, 1.05)
    ax.set_ylim(-0.7, len(limits) - 0.1)
    ax.set_xlabel("share of the parameter's range over the points (0 = lowest, 1 = highest)")
    if limits.empty:
        ax.text(
            0.5,
            0.5,
            "the box restricts no parameter",
            transform=ax.transAxes,
            ha="center",
            va="center",
        )
    title = (
        f"PRIM box for {discovery.question}: coverage {discovery.coverage:.2f}, "
        f"density {discovery.density:.2f}, mass {discovery.mass:.2f}"
    )
    note = "Grey: the parameter's range; blue: what the box keeps (categories: the share kept)"
    return frame.finish(fig, title, note)
