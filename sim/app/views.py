"""What the demo shows, drawn from a model: figures as PNG bytes, tables and the log as HTML.

Nothing here needs the web framework: the page (`sim.app.page`) puts these into its cards, and
the tests draw them directly. The figures are `matplotlib.figure.Figure` objects, not pyplot's
(nothing is kept in global state), rendered once to PNG by `png`, which then clears them, so
redrawing a frame costs one small PNG per view. Points are shown in each issue's own units.
"""

from __future__ import annotations

import html
import io
import math
from dataclasses import dataclass

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.app.demo_model import DemoModel, Distribution
from sim.app.events import LogEntry
from sim.plots import OUTCOME_COLOURS, TALLY_COLOURS
from sim.records import Outcome
from sim.voting import ABSTAIN, NO, YES

DPI = 80
ROLE_COLOURS = {"disputant": "#D55E00", "mediator": "#0072B2", "other": "#999999"}
"""Parties by role (Okabe-Ito: vermillion, blue; grey for the others)."""
VOTE_NAMES = {int(YES): "yes", int(NO): "no", int(ABSTAIN): "abstain"}


def png(figure: Figure) -> bytes:
    """The figure as PNG bytes; the figure is cleared afterwards (it is drawn once)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    figure.clear()
    return buffer.getvalue()


def short(label: str) -> str:
    """A party's label without a closing parenthesis: "Kosovo (Pristina)" -> "Kosovo"."""
    return label.split(" (")[0] if label.endswith(")") else label


def role(model: DemoModel, index: int) -> str:
    """The party's role: disputant, mediator or other."""
    if model.disputant[index]:
        return "disputant"
    troika = model.troika
    if troika is not None and any(m.index == index for m in troika.members):
        return "mediator"
    return "other"


def positions(model: DemoModel) -> np.ndarray:
    """Every party's position now (its last, if the replicate ended), unit scale, (N, K)."""
    if model.positions.shape[-1]:
        return model.positions[..., 0]
    return model.final_positions[..., 0]


def units(model: DemoModel, k: int, value: np.ndarray | float) -> np.ndarray | float:
    """Unit-scale values of issue `k` in the issue's own units."""
    low, high = model.scales[k]
    return low + (high - low) * value


def status(model: DemoModel) -> str:
    """Where the run stands, e.g. "kosovo_2007: week 3 of 52, talks go on"."""
    unit = model.scenario.time_unit
    text = f"{model.scenario.name}: {unit} {model.steps} of {model.horizon}"
    if not model.ended:
        return text + (", not started" if model.steps == 0 else ", no outcome yet")
    outcome = Outcome(int(model.outcome[0]))
    return text + f"; ended in {unit} {int(model.end_round[0])}: {outcome.label}"


# --- the issue space -----------------------------------------------------------------------------


class IssueSpace:
    """The issue space of one model, each issue on its own scale.

    It shows the parties' positions and red lines (stated, and in force for a disputant), the
    mediators' joint proposal of this round, the decision body's draft, the status quo and
    the outcome, once there is one. The figure is laid out once; `update` moves its marks to
    the model's state, and rendering that costs a fraction of laying it out anew (a frame of a
    playing model).
    """

    def __init__(self, model: DemoModel):
        n, k = len(model.parties), len(model.issues)
        rank = ["disputant", "mediator", "other"]
        self.order = sorted(range(n), key=lambda i: (rank.index(role(model, i)), i))
        self.colours = [ROLE_COLOURS[role(model, i)] for i in self.order]
        height = 0.25 * n + 1.6
        width = 2.9 * k + 1.4
        self.figure = Figure(figsize=(width, height))
        self.figure.subplots_adjust(
            left=1.5 / width, right=0.98, top=1 - 0.35 / height, bottom=1.05 / height, wspace=0.12
        )
        self.axes = self.figure.subplots(1, k, sharey=True, squeeze=False)[0]
        rows = np.arange(n)
        self.marks = []
        for issue, ax in enumerate(self.axes):
            low, high = model.scales[issue]
            ax.hlines(rows, low, high, color="0.9", lw=1, zorder=0)
            stated = LineCollection([], linewidths=6, alpha=0.25, capstyle="butt")
            force = LineCollection([], linewidths=2, alpha=0.8)
            ax.add_collection(stated)
            ax.add_collection(force)
            self.marks.append(
                {
                    "stated": stated,
                    "force": force,
                    "positions": ax.scatter(np.full(n, low), rows, c=self.colours, s=30, zorder=3),
                    "status_quo": ax.axvline(low, color="0.5", ls=":", lw=1),
                    "proposal": ax.axvline(low, color="black", lw=1.5, visible=False),
                    "draft": ax.axvline(low, color="#0072B2", ls="--", lw=1.2, visible=False),
                    "outcome": ax.plot(
                        [low], [-1.1], "*", color="black", ms=13, clip_on=False, visible=False
                    )[0],
                }
            )
            ax.set_xlim(low, high)
            ax.set_title(model.issues[issue].replace("_", " "), fontsize=10)
            ax.tick_params(labelsize=8)
        self.axes[0].set_yticks(
            rows, [short(model.parties[i].label) for i in self.order], fontsize=8
        )
        self.axes[0].set_ylim(n - 0.5, -1.8)
        legend = [
            Line2D([], [], marker="o", ls="", color=ROLE_COLOURS["disputant"], label="disputant"),
            Line2D([], [], marker="o", ls="", color=ROLE_COLOURS["mediator"], label="mediator"),
            Line2D([], [], marker="o", ls="", color=ROLE_COLOURS["other"], label="other party"),
            Line2D([], [], color="0.6", lw=6, alpha=0.4, label="stated red line"),
            Line2D([], [], color="0.3", lw=2, label="red line in force"),
            Line2D([], [], color="black", lw=1.5, label="joint proposal (this round)"),
            Line2D([], [], color="#0072B2", ls="--", label="draft"),
            Line2D([], [], color="0.5", ls=":", label="status quo"),
            Line2D([], [], marker="*", ls="", color="black", ms=10, label="outcome"),
        ]
        self.figure.legend(handles=legend, loc="lower center", ncol=5, fontsize=8, frameon=False)

    def update(self, model: DemoModel) -> Figure:
        """Move the marks to the model's state now; returns the figure."""
        now = positions(model)[self.order]
        proposal = model.round_proposal
        joint = bool(proposal is not None and proposal.point.shape[-1] and proposal.united[0])
        held = model.held_low is not None and model.held_low.shape[-1]
        for issue, marks in enumerate(self.marks):
            stated, force, colours, forced = [], [], [], []
            for row, i in enumerate(self.order):
                line = (model.red_low[i, issue, 0], model.red_high[i, issue, 0])
                if line != (0.0, 1.0):
                    stated.append(
                        list(zip(units(model, issue, np.array(line)), [row, row], strict=True))
                    )
                    colours.append(self.colours[row])
                if held and model.disputant[i]:
                    d = model.disputant_row[i]
                    holds = (model.held_low[d, issue, 0], model.held_high[d, issue, 0])
                    if holds != line:
                        force.append(
                            list(zip(units(model, issue, np.array(holds)), [row, row], strict=True))
                        )
                        forced.append(self.colours[row])
            marks["stated"].set_segments(stated)
            marks["stated"].set_color(colours)
            marks["force"].set_segments(force)
            marks["force"].set_color(forced)
            marks["positions"].set_offsets(
                np.column_stack([units(model, issue, now[:, issue]), np.arange(len(now))])
            )
            marks["status_quo"].set_xdata([units(model, issue, model.status_quo[issue, 0])] * 2)
            marks["proposal"].set_visible(joint)
            if joint:
                marks["proposal"].set_xdata([units(model, issue, proposal.point[issue, 0])] * 2)
            if model.council is not None:
                marks["draft"].set_visible(True)
                marks["draft"].set_xdata([units(model, issue, model.council.draft[issue, 0])] * 2)
            ended = model.ended and not np.isnan(model.outcome_point[0, issue])
            marks["outcome"].set_visible(ended)
            if ended:
                marks["outcome"].set_xdata([units(model, issue, model.outcome_point[0, issue])])
        return self.figure

    def png(self, model: DemoModel) -> bytes:
        """The issue space of the model's state now, as PNG bytes."""
        buffer = io.BytesIO()
        self.update(model).savefig(buffer, format="png", dpi=DPI)
        return buffer.getvalue()


def issue_space(model: DemoModel) -> bytes:
    """The issue space of the model now, as PNG (its layout kept on the model for later frames)."""
    view = model.__dict__.get("_issue_space")
    if view is None:
        view = model.__dict__["_issue_space"] = IssueSpace(model)
    return view.png(model)


# --- the alliance network ------------------------------------------------------------------------


def alliances(model: DemoModel) -> Figure:
    """The alliance network: the parties on a circle, tied by alliances and rivalries.

    Alliances are green, rivalries red and dashed; a tie's width is its strength, a party's
    size its capability.
    """
    n = len(model.parties)
    angles = [math.pi / 2 - 2 * math.pi * i / n for i in range(n)]
    xy = np.array([(math.cos(a), math.sin(a)) for a in angles])
    figure = Figure(figsize=(4.6, 4.3))
    figure.subplots_adjust(left=0.01, right=0.99, top=0.99, bottom=0.01)
    ax = figure.subplots()
    strength = model.alliance_strength[..., 0]
    for i in range(n):
        for j in range(i + 1, n):
            s = float(strength[i, j])
            if s == 0:
                continue
            ax.plot(
                *xy[[i, j]].T,
                color="#009E73" if s > 0 else "#D55E00",
                ls="-" if s > 0 else "--",
                lw=0.8 + 4 * abs(s),
                alpha=0.75,
                zorder=1,
            )
    capability = np.asarray(model.capability[:, 0], dtype=float)
    sizes = 60 + 340 * capability / max(float(capability.max()), 1e-9)
    colours = [ROLE_COLOURS[role(model, i)] for i in range(n)]
    ax.scatter(*xy.T, s=sizes, c=colours, zorder=2, edgecolors="white")
    for i, party in enumerate(model.parties):
        x, y = xy[i]
        ax.text(1.16 * x, 1.16 * y, short(party.label), fontsize=8, ha="center", va="center")
    ax.set_xlim(-1.45, 1.45)
    ax.set_ylim(-1.35, 1.35)
    ax.set_aspect("equal")
    ax.axis("off")
    legend = [
        Line2D([], [], color="#009E73", lw=3, label="alliance"),
        Line2D([], [], color="#D55E00", lw=3, ls="--", label="rivalry"),
    ]
    ax.legend(handles=legend, loc="lower right", fontsize=8, frameon=False)
    return figure


# --- the Council's last vote ---------------------------------------------------------------------


@dataclass(frozen=True)
class Vote:
    """The decision body's last session so far, member by member."""

    round: int
    sponsor: str
    result: str
    """E.g. "vetoed by Russian Federation (14 yes, 1 no, 0 abstaining)"."""
    rows: tuple[tuple[str, str, bool], ...]
    """(member, its vote or "not a member" or "no vote", whether its no was a veto)."""


def last_vote(model: DemoModel) -> Vote | None:
    """The last session held so far (None before the first, or without a decision body)."""
    council = model.council
    if council is None:
        return None
    held = [r for r in council.sessions if r <= model.steps and r <= _last_round(model)]
    if not held:
        return None
    round_ = held[-1]
    record = model.council_log.at(council.sessions.index(round_))
    seated = council.seated(round_)
    sponsor = council.spec.schedule[council.sessions.index(round_)].sponsor or council.spec.sponsor
    sponsor_label = model.party(sponsor).label
    tabled, withdrawn = bool(record.tabled[0]), bool(record.withdrawn[0])
    rows = []
    for m, member in enumerate(council.members):
        if not seated[m]:
            vote = "not a member"
        elif not tabled:
            vote = "no vote"
        else:
            vote = VOTE_NAMES[int(record.votes[m, 0])]
        rows.append((member.label, vote, bool(record.vetoed[m, 0])))
    if withdrawn:
        result = "withdrawn by its sponsor before the vote"
    elif not tabled:
        result = "no draft put to the vote"
    else:
        tally = f"{record.yes[0]} yes, {record.no[0]} no, {record.abstain[0]} abstaining"
        vetoers = [label for label, _, vetoed in rows if vetoed]
        if vetoers:
            result = f"vetoed by {', '.join(vetoers)} ({tally})"
        elif model.adopted[0]:
            result = f"adopted ({tally})"
        else:
            result = f"not adopted ({tally})"
    return Vote(round_, sponsor_label, result, tuple(rows))


def _last_round(model: DemoModel) -> int:
    """The last round the replicate ran (its end round once it ended)."""
    return int(model.end_round[0]) if model.ended else model.steps


def vote_html(model: DemoModel) -> str:
    """The last vote as an HTML table, vetoes marked (or why there is none yet)."""
    council = model.council
    if council is None:
        return "<p>No decision body in this scenario.</p>"
    unit = model.scenario.time_unit
    vote = last_vote(model)
    if vote is None:
        rounds = ", ".join(str(r) for r in council.sessions) or "none"
        when = f"{unit}s {rounds}" if len(council.sessions) > 1 else f"{unit} {rounds}"
        return f"<p>The body has not sat yet (it sits in {html.escape(when)}).</p>"
    body = html.escape(council.spec.label or "The Council")
    head = (
        f"<p><b>{body}, {unit} {vote.round}</b>: the draft of "
        f"{html.escape(vote.sponsor)} was <b>{html.escape(vote.result)}</b>.</p>"
    )
    rows = []
    for member, choice, vetoed in vote.rows:
        colour = TALLY_COLOURS.get(choice, "#777777")
        mark = ' <b style="color:#D55E00">VETO</b>' if vetoed else ""
        rows.append(
            f"<tr><td>{html.escape(member)}</td>"
            f'<td style="color:{colour};font-weight:bold">{html.escape(choice)}</td>'
            f"<td>{mark}</td></tr>"
        )
    return (
        head
        + '<table class="stalemate-votes" style="border-collapse:collapse;font-size:90%">'
        + "<tr><th align=left>member</th><th align=left>vote</th><th></th></tr>"
        + "".join(rows)
        + "</table>"
    )


# --- the running log -----------------------------------------------------------------------------


def log_html(entries: list[LogEntry]) -> str:
    """The log as HTML, newest round first."""
    if not entries:
        return "<p>Nothing has happened yet: press Step or Play.</p>"
    parts = []
    for entry in reversed(entries):
        heading = html.escape(entry.heading)
        if entry.quiet:
            text = html.escape(" ".join(entry.lines))
            parts.append(f'<div class="stalemate-round"><b>{heading}</b>: {text}</div>')
            continue
        lines = "".join(
            f'<div style="white-space:pre-wrap;margin-left:1em">{html.escape(line)}</div>'
            for line in entry.lines
        )
        parts.append(
            f'<div class="stalemate-round" style="margin-top:0.5em"><b>{heading}</b>{lines}</div>'
        )
    return "".join(parts)


# --- the outcome distribution --------------------------------------------------------------------


def outcome_bars(now: Distribution, before: Distribution | None = None) -> Figure:
    """Each outcome's share of the batch, with the shares before the last change as outlines."""
    labels = list(now.shares)
    figure = Figure(figsize=(5.2, 2.6))
    figure.subplots_adjust(left=0.2, right=0.97, top=0.88, bottom=0.12)
    ax = figure.subplots()
    y = np.arange(len(labels))
    shares = [now.shares[label] for label in labels]
    ax.barh(y, shares, color=[OUTCOME_COLOURS[label] for label in labels], height=0.6)
    if before is not None:
        ax.barh(
            y,
            [before.shares.get(label, 0.0) for label in labels],
            height=0.8,
            fill=False,
            edgecolor="black",
            ls="--",
            lw=1,
            label="before the last change",
        )
        ax.legend(loc="lower right", fontsize=8, frameon=False)
    for row, label in zip(y, labels, strict=True):
        ax.text(
            min(now.shares[label], 0.86) + 0.01, row, now.percent(label), va="center", fontsize=9
        )
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda value, _: f"{value:.0%}")
    ax.set_title(f"{now.replicates} replicates, seed {now.seed}", fontsize=9)
    ax.tick_params(labelsize=9)
    return figure
