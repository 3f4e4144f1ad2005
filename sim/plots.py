"""The figures of a run: outcome shares, stance trajectories, Council votes, time to outcome.

Each figure is drawn from what a results folder holds: the typed records of the runs
(`RunRecords`, read back from `runs.csv` through `RunRecords.from_frame`), the summary and the
trajectory table (`trajectories.csv`), so `run.py plot` redraws exactly what a run drew. Data
preparation (`outcome_bars`, `trajectory_lines`, `red_lines`, `council_tallies`, `veto_counts`,
`end_round_histogram`) is kept apart from drawing. Each drawing function draws
one panel into the `ax` it is given and returns its figure, or, without one, makes a figure of
its own with a title naming the scenario and a caption giving the replicates and the seed
(and saying so when all replicates are identical: then the outcome figure shows no interval).
Figures are `matplotlib.figure.Figure` objects, not pyplot's: nothing is shown, nothing is
kept in global state, and saving them (see `sim.results.save_figure`) is the caller's job.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib import colormaps, rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.offsetbox import AnchoredText
from matplotlib.ticker import MaxNLocator

from sim.records import OUTCOMES, RunRecords
from sim.scenario import CouncilSpec, Scenario
from sim.summary import Summary, session_table

OUTCOME_COLOURS = {
    "agreement": "#009E73",
    "resolution": "#0072B2",
    "unilateral": "#E69F00",
    "deadlock": "#CC79A7",
}
"""One fixed colour per outcome label (Okabe-Ito: bluish green, blue, orange, reddish purple)."""

TALLY_COLOURS = {"yes": "#009E73", "no": "#D55E00", "abstain": "#56B4E9"}
"""One colour per kind of vote (Okabe-Ito: bluish green, vermillion, sky blue)."""

VETOED_COLOUR = "#004D38"
"""The darker shade of the yes colour that marks votes in which the draft was vetoed."""

PROPOSAL_COLOUR = "black"
"""The troika's joint proposals, drawn dashed over the parties' lines."""

MIN_LIVE_REPLICATES = 20
"""Rounds with fewer live replicates than this are left out of the trajectories (too noisy)."""

TALLIES = ("yes", "no", "abstain")
"""The kinds of vote counted at a Council session, in drawing order."""

_COUNCIL_NOTE = "Shares of the votes held at the session (replicates in which a draft was tabled)."

IDENTICAL_NOTE = "all replicates identical: no sampling variation"
"""What the captions of a run with identical replicates add (no interval is drawn)."""

SINGLE_NOTE = "a single replicate: no interval"
"""What the captions of a run of one replicate add instead (nothing to draw an interval from)."""

_CAPTION_LINE = 0.17
"""Height of a caption line in inches (8-point text)."""


@dataclass(frozen=True)
class RunInfo:
    """What every figure of a run says about it: its title and caption."""

    scenario: str
    replicates: int
    seed: int
    time_unit: str
    identical: bool = False
    """Every replicate's record is the same (`Summary.identical`): one outcome, no sampling
    variation, so no interval is drawn."""

    @classmethod
    def from_summary(cls, summary: Summary) -> RunInfo:
        """The info of the run that `summary` summarises."""
        return cls(
            summary.scenario,
            summary.replicates,
            summary.seed,
            summary.time_unit,
            summary.identical,
        )

    @property
    def caption(self) -> str:
        """The replicate count and seed, e.g. "2000 replicates, seed 20071219".

        With identical replicates it adds "(all replicates identical: no sampling variation)"
        (`IDENTICAL_NOTE`; `SINGLE_NOTE` for a run of one replicate).
        """
        caption = f"{self.replicates} replicates, seed {self.seed}"
        if self.identical:
            caption += f" ({IDENTICAL_NOTE if self.replicates > 1 else SINGLE_NOTE})"
        return caption


# --- data ----------------------------------------------------------------------------------


def outcome_bars(outcomes: pd.DataFrame) -> pd.DataFrame:
    """The bars of the outcome figure, from an outcome table (`summary.outcomes`).

    One row per outcome in `OUTCOMES` order: `outcome`, `count`, `share`, `below` and `above`
    (the distances from the share down to `ci_low` and up to `ci_high`, as error bars take
    them, clipped at 0: rounding can put a Wilson bound a hair past a share of 0 or 1) and
    `colour`.
    """
    order = [outcome.label for outcome in OUTCOMES]
    table = outcomes.set_index("outcome").loc[order].reset_index()
    return pd.DataFrame(
        {
            "outcome": table["outcome"],
            "count": table["count"].astype(int),
            "share": table["share"],
            "below": (table["share"] - table["ci_low"]).clip(lower=0.0),
            "above": (table["ci_high"] - table["share"]).clip(lower=0.0),
            "colour": table["outcome"].map(OUTCOME_COLOURS),
        }
    )


def live_floor(trajectory: pd.DataFrame, min_replicates: int = MIN_LIVE_REPLICATES) -> int:
    """The fewest replicates a trajectory row may summarise and still be drawn.

    `min_replicates`, unless the whole run had fewer replicates than that: then 1 (every round
    in which a replicate was still live).
    """
    total = int(trajectory["replicates"].max()) if len(trajectory) else 0
    return min_replicates if total >= min_replicates else 1


def trajectory_lines(
    trajectory: pd.DataFrame, min_replicates: int = MIN_LIVE_REPLICATES
) -> pd.DataFrame:
    """The rows of a trajectory table (`Trajectory.to_frame`) worth drawing.

    Rows whose quantiles are taken over fewer than `live_floor(trajectory, min_replicates)`
    replicates are left out. Columns as in the table; `party` is "" for proposal rows (also
    when read back from CSV, where it is missing).
    """
    kept = trajectory[trajectory["replicates"] >= live_floor(trajectory, min_replicates)]
    return kept.assign(party=kept["party"].fillna("")).reset_index(drop=True)


def red_lines(scenario: Scenario, issue: str) -> pd.DataFrame:
    """The parties whose red line on `issue` is narrower than the issue's whole scale.

    Columns: `party`, `label` (the party's display name), `low`, `high` (in the issue's
    units); in party order.
    """
    scale = tuple(scenario.scales[issue])
    rows = [
        {"party": name, "label": _label(scenario, name), "low": low, "high": high}
        for name, spec in scenario.parties.items()
        for low, high in [spec.red_lines.get(issue, scale)]
        if (low, high) != scale
    ]
    return pd.DataFrame(rows, columns=["party", "label", "low", "high"])


def council_tallies(records: RunRecords, round_: int) -> pd.DataFrame:
    """How the votes held at the Council session in `round_` were split.

    One row per number of votes `votes` from 0 to the number of members; columns `yes`, `no`
    and `abstain`: the share of the votes held in which that many members voted so; `vetoed`:
    the share of the votes held in which that many voted yes and the draft was vetoed. All
    shares are 0 where no vote was held.
    """
    session = records.council.at(records.sessions.index(round_))
    members = len(records.members)
    held = session.tabled
    vetoed = held & session.vetoed.any(axis=0)
    votes_held = max(int(held.sum()), 1)

    def shares(tally: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return np.bincount(tally[mask], minlength=members + 1) / votes_held

    table = pd.DataFrame({"votes": np.arange(members + 1)})
    for tally in TALLIES:
        table[tally] = shares(getattr(session, tally), held)
    table["vetoed"] = shares(session.yes, vetoed)
    return table


def veto_counts(records: RunRecords, round_: int, permanent: Sequence[str]) -> pd.DataFrame:
    """The vetoes cast at the Council session in `round_`.

    One row per permanent member, in the order given: `member` and its `vetoes` (the votes
    in which its no defeated a draft that had the votes).
    """
    vetoed = records.council.vetoed[records.sessions.index(round_)]
    counts = [int(vetoed[records.members.index(member)].sum()) for member in permanent]
    return pd.DataFrame({"member": list(permanent), "vetoes": np.array(counts, dtype=int)})


def end_round_histogram(records: RunRecords, horizon: int) -> pd.DataFrame:
    """How many replicates ended in each round, per outcome.

    One row per `round` from 0 to `horizon`; one column per outcome label (`OUTCOMES` order)
    with the number of replicates that ended so in that round.
    """
    table = pd.DataFrame({"round": np.arange(horizon + 1)})
    for o in OUTCOMES:
        ended = records.end_round[records.outcome == o]
        table[o.label] = np.bincount(ended, minlength=horizon + 1)
    return table


# --- figures -------------------------------------------------------------------------------


def plot_outcomes(outcomes: pd.DataFrame, info: RunInfo, ax: Axes | None = None) -> Figure:
    """Bars of the share of replicates per outcome, with 95% (Wilson) intervals and counts.

    `outcomes` is an outcome table (`summary.outcomes`). If `info.identical` (all replicates
    the same) no interval is drawn: the run is one outcome, with no sampling variation.
    """
    if ax is not None:
        _plot_outcomes(outcomes, info, ax)
        return ax.figure
    fig = _new_figure(7.0, 4.5)
    _plot_outcomes(outcomes, info, fig.subplots())
    return _frame(fig, info, "how the replicates ended")


def _plot_outcomes(outcomes: pd.DataFrame, info: RunInfo, ax: Axes) -> None:
    bars = outcome_bars(outcomes)
    x = np.arange(len(bars))
    ax.bar(x, bars["share"], color=bars["colour"], label=bars["outcome"].tolist())
    tops = bars["share"]
    if not info.identical:
        ax.errorbar(
            x,
            bars["share"],
            yerr=bars[["below", "above"]].to_numpy().T,
            fmt="none",
            ecolor="black",
            capsize=4,
            label="95% Wilson interval",
        )
        tops = tops + bars["above"]
    for position, top, count in zip(x, tops, bars["count"], strict=True):
        ax.annotate(
            f"{count}",
            (position, top),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            va="bottom",
        )
    ax.set_xticks(x, bars["outcome"])
    ax.set_xlabel("outcome")
    ax.set_ylabel("share of replicates")
    ax.set_ylim(0, 1.12)
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.legend(loc="best", fontsize="small")


def plot_issue_trajectory(
    trajectory: pd.DataFrame,
    scenario: Scenario,
    issue: str,
    info: RunInfo,
    min_replicates: int = MIN_LIVE_REPLICATES,
    ax: Axes | None = None,
    legend: bool = True,
) -> Figure:
    """Each party's median position on `issue` per round with its 5-95% band.

    The troika's joint proposals are overlaid (black, dashed) and red lines drawn dotted in
    the party's colour. Rows are those of `trajectory_lines`. `legend=False` leaves the legend
    to the caller (the full figure has one for all its panels).
    """
    if ax is not None:
        _plot_issue_trajectory(trajectory, scenario, issue, info, min_replicates, ax, legend)
        return ax.figure
    fig = _new_figure(11.0, 4.8)
    _plot_issue_trajectory(
        trajectory, scenario, issue, info, min_replicates, fig.subplots(), legend
    )
    note = _trajectory_note(live_floor(trajectory, min_replicates))
    return _frame(fig, info, f"stances on {issue}", note)


def _plot_issue_trajectory(
    trajectory: pd.DataFrame,
    scenario: Scenario,
    issue: str,
    info: RunInfo,
    min_replicates: int,
    ax: Axes,
    legend: bool,
) -> None:
    lines = trajectory_lines(trajectory, min_replicates)
    lines = lines[lines["issue"] == issue]
    colours = _party_colours(scenario)
    positions = lines[lines["kind"] == "position"]
    for party, rows in positions.groupby("party", sort=False):
        colour = colours[party]
        width = 2.0 if scenario.parties[party].disputant else 1.0
        ax.fill_between(rows["round"], rows["p05"], rows["p95"], color=colour, alpha=0.08, lw=0)
        ax.plot(
            rows["round"], rows["median"], color=colour, lw=width, label=_label(scenario, party)
        )
    proposals = lines[lines["kind"] == "proposal"].set_index("round")
    if len(proposals):  # rounds without a joint proposal break the line (NaN)
        proposals = proposals.reindex(range(proposals.index.min(), proposals.index.max() + 1))
    ax.fill_between(
        proposals.index, proposals["p05"], proposals["p95"], color=PROPOSAL_COLOUR, alpha=0.12
    )
    ax.plot(
        proposals.index,
        proposals["median"],
        color=PROPOSAL_COLOUR,
        ls="--",
        lw=1.5,
        label="mediators' joint proposal"
        if scenario.mediation and scenario.mediation.mediators
        else "proposal (the compromise)",
    )
    low, high = scenario.scales[issue]
    for line in red_lines(scenario, issue).itertuples(index=False):
        bounds = [b for b in (line.low, line.high) if low < b < high]
        for n, bound in enumerate(bounds):
            ax.axhline(
                bound,
                color=colours[line.party],
                ls=":",
                lw=1.5,
                label=f"{line.label}'s red line" if n == 0 else None,
            )
    about = scenario.issue(issue)
    ax.set_title(textwrap.shorten(f"{issue}: {about.description}", 120), fontsize="medium")
    ax.set_xlabel(f"round ({info.time_unit})")
    ends = f"{low:g}: {about.labels[0]}; {high:g}: {about.labels[1]}" if about.labels else ""
    ax.set_ylabel(f"{issue}\nposition ({low:g} to {high:g})" + (f"\n{ends}" if ends else ""))
    ax.set_xlim(0, scenario.horizon)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    margin = 0.03 * (high - low)
    ax.set_ylim(low - margin, high + margin)
    if legend:
        ax.legend(**_outside_right())


def plot_trajectories(
    trajectory: pd.DataFrame,
    scenario: Scenario,
    info: RunInfo,
    min_replicates: int = MIN_LIVE_REPLICATES,
) -> Figure:
    """The stance trajectories: one `plot_issue_trajectory` panel per issue, stacked."""
    issues = scenario.issue_names
    fig = _new_figure(11.0, 1.2 + 3.2 * len(issues))
    axes = fig.subplots(len(issues), 1, sharex=True, squeeze=False)[:, 0]
    for issue, ax in zip(issues, axes, strict=True):
        plot_issue_trajectory(trajectory, scenario, issue, info, min_replicates, ax, legend=False)
        ax.label_outer()
    handles = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
    fig.legend(handles.values(), handles.keys(), loc="outside right upper", fontsize="small")
    note = _trajectory_note(live_floor(trajectory, min_replicates))
    return _frame(fig, info, "stances per round", note)


def _trajectory_note(floor: int) -> str:
    shown = (
        f"rounds with fewer than {floor} live replicates are left out"
        if floor > 1
        else "every round with a live replicate is shown"
    )
    return (
        "Lines: medians over the replicates still negotiating after the round (troika: over "
        f"those that received its joint proposal); bands: 5-95% quantiles; {shown}."
    )


def plot_council_session(
    records: RunRecords, scenario: Scenario, round_: int, info: RunInfo, ax: Axes | None = None
) -> Figure:
    """The yes / no / abstain tallies of the votes held at the Council session in `round_`.

    Bars: the share of the votes held with each number of votes, per kind; the yes-bars of
    vetoed drafts hatched in a darker shade; a dashed line between the tallies that miss and
    reach the threshold. Where no vote was held the panel says why instead.
    """
    if ax is not None:
        _plot_council_session(records, scenario, round_, info, ax)
        return ax.figure
    fig = _new_figure(9.0, 4.5)
    _plot_council_session(records, scenario, round_, info, fig.subplots())
    return _frame(fig, info, f"{_council(scenario).label or 'Council'} votes", _COUNCIL_NOTE)


def _plot_council_session(
    records: RunRecords, scenario: Scenario, round_: int, info: RunInfo, ax: Axes
) -> None:
    council = _council(scenario)
    rule = council.rule(round_)
    members = len(rule.members)
    sessions = session_table(records)
    session = sessions[sessions["round"] == round_].iloc[0]
    if session["tabled"]:
        _plot_tallies(council_tallies(records, round_), ax)
        permanent = council.permanent_members
        vetoes = veto_counts(records, round_, permanent)
        message = _vote_record(session, vetoes, scenario)
        record = AnchoredText(message, loc="upper left", prop={"fontsize": "small"}, zorder=5)
        ax.add_artist(record)
    else:
        ax.text(
            0.5,
            0.5,
            _no_vote(session, info, round_),
            transform=ax.transAxes,
            ha="center",
            va="center",
            bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "0.6"},
        )
    if rule.member_quota > 0:  # a quota counted in members (a weighted one is not drawn)
        ax.axvline(
            rule.member_quota - 0.5,
            color="black",
            ls="--",
            lw=1,
            label=f"threshold ({rule.member_quota} yes)",
        )
    ax.set_title(f"session in {info.time_unit} {round_}", fontsize="medium")
    ax.set_xlabel(f"number of votes (of {members} members)")
    ax.set_ylabel("share of votes held")
    ax.set_xticks(np.arange(members + 1))
    ax.set_xlim(-0.6, members + 0.6)
    ax.set_ylim(0, 1.3)
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.legend(**_outside_right())


def _plot_tallies(tallies: pd.DataFrame, ax: Axes) -> None:
    width = 0.28
    for offset, tally in zip((-width, 0.0, width), TALLIES, strict=True):
        ax.bar(
            tallies["votes"] + offset,
            tallies[tally],
            width,
            color=TALLY_COLOURS[tally],
            label=tally,
        )
    if not tallies["vetoed"].any():
        return
    ax.bar(
        tallies["votes"] - width,
        tallies["vetoed"],
        width,
        color=VETOED_COLOUR,
        hatch="///",
        edgecolor="white",
        lw=0,
        label="yes, draft vetoed",
    )


def _vote_record(session: pd.Series, vetoes: pd.DataFrame, scenario: Scenario) -> str:
    """E.g. "vetoed in 689 of 2000 votes (by Russian Federation 689, China 689)"."""
    held = int(session["tabled"])
    vetoers = vetoes[vetoes["vetoes"] > 0].sort_values("vetoes", ascending=False, kind="stable")
    by = ", ".join(f"{_label(scenario, v.member)} {v.vetoes}" for v in vetoers.itertuples())
    lines = [
        f"vetoed in {int(session['vetoed'])} of {held} votes" + (f" (by {by})" if by else ""),
        f"adopted in {int(session['adopted'])} of {held} votes",
    ]
    if session["withdrawn"]:
        lines.append(f"withdrawn in {int(session['withdrawn'])} replicates")
    return "\n".join(lines)


def _no_vote(session: pd.Series, info: RunInfo, round_: int) -> str:
    if session["reached"] == 0:
        return f"no vote held: no replicate was still negotiating in {info.time_unit} {round_}"
    return (
        f"no vote held: the draft was withdrawn in {int(session['withdrawn'])} "
        f"of {int(session['reached'])} replicates"
    )


def plot_council_votes(records: RunRecords, scenario: Scenario, info: RunInfo) -> Figure:
    """The Council's votes: one `plot_council_session` panel per session, stacked."""
    council = _council(scenario)
    sessions = council.session_rounds
    fig = _new_figure(9.0, 1.0 + 3.4 * len(sessions))
    axes = fig.subplots(len(sessions), 1, squeeze=False)[:, 0]
    for round_, ax in zip(sessions, axes, strict=True):
        plot_council_session(records, scenario, round_, info, ax)
    return _frame(fig, info, f"{_council(scenario).label or 'Council'} votes", _COUNCIL_NOTE)


def plot_time_to_outcome(
    records: RunRecords, horizon: int, info: RunInfo, ax: Axes | None = None
) -> Figure:
    """Stacked histogram of the round each replicate ended in, one colour per outcome."""
    if ax is not None:
        _plot_time_to_outcome(records, horizon, info, ax)
        return ax.figure
    fig = _new_figure(9.0, 4.5)
    _plot_time_to_outcome(records, horizon, info, fig.subplots())
    return _frame(fig, info, "when the replicates ended")


def _plot_time_to_outcome(records: RunRecords, horizon: int, info: RunInfo, ax: Axes) -> None:
    histogram = end_round_histogram(records, horizon)
    rounds = histogram["round"].to_numpy()
    below = np.zeros(len(histogram), dtype=int)
    for outcome in OUTCOMES:
        counts = histogram[outcome.label].to_numpy()
        ended = counts > 0  # empty bars on top of the stack would pin the y axis to them
        if ended.any():
            ax.bar(
                rounds[ended],
                counts[ended],
                width=1.0,
                bottom=below[ended],
                color=OUTCOME_COLOURS[outcome.label],
                label=f"{outcome.label} ({counts.sum()})",
            )
        below += counts
    ax.set_xlim(-0.5, horizon + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(f"round ({info.time_unit}) the replicate ended")
    ax.set_ylabel("replicates")
    ax.legend(loc="best", fontsize="small")


def render_figures(
    records: RunRecords, trajectory: pd.DataFrame, summary: Summary, scenario: Scenario
) -> dict[str, Figure]:
    """Every figure of a run, by name.

    Keys: "outcomes", "trajectories", "council_votes" (only for a scenario whose council
    holds sessions) and "time_to_outcome". Every text is drawn as written: a label such as
    "$5 bn" is text, never matplotlib's math markup (which would fail on it after the run).
    """
    info = RunInfo.from_summary(summary)
    with rc_context({"text.parse_math": False}):  # read by each text as it is made
        figures = {
            "outcomes": plot_outcomes(summary.outcomes, info),
            "trajectories": plot_trajectories(trajectory, scenario, info),
        }
        if scenario.council is not None and scenario.council.sessions:
            figures["council_votes"] = plot_council_votes(records, scenario, info)
        figures["time_to_outcome"] = plot_time_to_outcome(records, scenario.horizon, info)
    return figures


# --- helpers -------------------------------------------------------------------------------


def _council(scenario: Scenario) -> CouncilSpec:
    if scenario.council is None:
        raise ValueError(f"{scenario.name} has no council: no votes to plot")
    return scenario.council


def _label(scenario: Scenario, party: str) -> str:
    """The party's display name (its key if it has none)."""
    return scenario.parties[party].label or party


def _party_colours(scenario: Scenario) -> dict[str, tuple[float, ...]]:
    """One colour per party in file order: tab20's ten dark shades first, then the light."""
    palette = colormaps["tab20"].colors
    ordered = palette[0::2] + palette[1::2]
    return {party: ordered[n % len(ordered)] for n, party in enumerate(scenario.party_names)}


def _outside_right() -> dict[str, object]:
    """Legend placement to the right of the axes (room for many parties)."""
    return {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "fontsize": "small"}


def _new_figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _frame(fig: Figure, info: RunInfo, title: str, note: str = "") -> Figure:
    """Title `fig` after the scenario and put the caption at its bottom, clear of the axes."""
    fig.suptitle(f"{info.scenario}: {title}")
    caption = info.caption + (f". {note}" if note else "")
    wrapped = textwrap.fill(caption, width=int(fig.get_figwidth() * 16))
    fig.text(0.01, 0.01, wrapped, fontsize=8, color="0.3", ha="left", va="bottom")
    reserved = (_CAPTION_LINE * (wrapped.count("\n") + 1) + 0.1) / fig.get_figheight()
    fig.get_layout_engine().set(rect=(0.0, reserved, 1.0, 1.0 - reserved))
    return fig
