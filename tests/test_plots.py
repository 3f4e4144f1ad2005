"""The figures of a run: prepared data checked by hand, figures rendered for real runs."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from conftest import KOSOVO, make_scenario, party
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure

from sim.model import NegotiationModel
from sim.pipeline import simulate
from sim.plots import (
    IDENTICAL_NOTE,
    OUTCOME_COLOURS,
    RunInfo,
    council_tallies,
    end_round_histogram,
    live_floor,
    outcome_bars,
    plot_council_session,
    plot_issue_trajectory,
    plot_outcomes,
    plot_time_to_outcome,
    red_lines,
    render_figures,
    trajectory_lines,
    veto_counts,
)
from sim.records import OUTCOMES, TRAJECTORY_TEXT, RunRecords
from sim.results import read_csv, write_csv
from sim.scenario import Scenario, load_scenario
from sim.summary import summarise

REPLICATES = 300
SEED = 20071219

# --- prepared data, by hand ----------------------------------------------------------------


def test_okabe_ito_colour_for_every_outcome_and_no_two_alike():
    assert list(OUTCOME_COLOURS) == [o.label for o in OUTCOMES]
    assert len(set(OUTCOME_COLOURS.values())) == len(OUTCOMES)


def test_outcome_bars_in_fixed_order_with_error_bar_lengths():
    outcomes = pd.DataFrame(
        {
            "outcome": ["deadlock", "unilateral", "agreement", "resolution"],
            "count": [1, 3, 0, 1],
            "share": [0.2, 0.6, 0.0, 0.2],
            "ci_low": [0.05, 0.25, 1e-19, 0.05],  # rounding left a bound above the share 0
            "ci_high": [0.6, 0.9, 0.4, 0.6],
        }
    )
    bars = outcome_bars(outcomes)
    assert bars["outcome"].tolist() == ["agreement", "resolution", "unilateral", "deadlock"]
    assert bars["count"].tolist() == [0, 1, 3, 1]
    assert bars["below"].tolist() == pytest.approx([0.0, 0.15, 0.35, 0.15])
    assert bars["above"].tolist() == pytest.approx([0.4, 0.4, 0.3, 0.4])
    assert bars["colour"].tolist() == [OUTCOME_COLOURS[o] for o in bars["outcome"]]


def hand_trajectory() -> pd.DataFrame:
    """Live replicates 30, 25, 19, 0 after rounds 0-3; proposals to 20 and 5 replicates."""
    positions = pd.DataFrame(
        {
            "round": [0, 1, 2, 3],
            "kind": "position",
            "party": "north",
            "issue": "a",
            "replicates": [30, 25, 19, 0],
            "p05": [0.1, 0.1, 0.1, np.nan],
            "median": [0.2, 0.2, 0.2, np.nan],
            "p95": [0.3, 0.3, 0.3, np.nan],
        }
    )
    proposals = pd.DataFrame(
        {
            "round": [1, 2],
            "kind": "proposal",
            "party": np.nan,  # as read back from CSV
            "issue": "a",
            "replicates": [20, 5],
            "p05": [0.4, 0.4],
            "median": [0.5, 0.5],
            "p95": [0.6, 0.6],
        }
    )
    return pd.concat([positions, proposals], ignore_index=True)


def test_trajectory_lines_leave_out_rows_over_too_few_replicates():
    lines = trajectory_lines(hand_trajectory(), min_replicates=20)
    kept = list(zip(lines["kind"], lines["round"], strict=True))
    assert kept == [("position", 0), ("position", 1), ("proposal", 1)]
    assert lines.loc[lines["kind"] == "proposal", "party"].tolist() == [""]


def test_trajectory_lines_of_a_run_smaller_than_the_minimum_keep_every_live_round():
    trajectory = hand_trajectory()
    assert live_floor(trajectory, 20) == 20
    assert live_floor(trajectory, 31) == 1  # the run had 30 replicates
    lines = trajectory_lines(trajectory, min_replicates=31)
    assert lines["replicates"].tolist() == [30, 25, 19, 20, 5]  # only round 3 (none live) goes


def test_red_lines_only_where_narrower_than_the_scale():
    scenario = make_scenario(
        parties={
            "north": {"label": "North"},
            "broker": {"red_lines": {"a": [0.0, 1.0], "b": [0.3, 1.0]}},
        }
    )
    on_a = red_lines(scenario, "a")
    assert on_a.to_dict("records") == [
        {"party": "north", "label": "North", "low": 0.0, "high": 0.2},
        {"party": "south", "label": "south", "low": 0.8, "high": 1.0},
    ]
    assert red_lines(scenario, "b")["party"].tolist() == ["broker"]
    assert red_lines(make_scenario(), "b").empty


def hand_scenario() -> Scenario:
    """The tiny scenario with a 4-member Council (p, q, r permanent; s elected) in round 2."""
    return make_scenario(
        parties={name: party(0.5, 0.5) for name in "pqrs"},
        council={
            "members": ["p", "q", "r", "s"],
            "permanent": ["p", "q", "r"],
            "threshold": 3,
            "sessions": [2],
            "sponsor": "s",
            "draft": {"a": 0.9, "b": 0.9},
        },
    )


HAND_RUNS = {
    "outcome": ["unilateral", "deadlock", "unilateral", "resolution", "unilateral"],
    "end_round": [4, 6, 2, 2, 4],
    "session2.tabled": [True, True, False, True, True],
    "session2.withdrawn": [False, False, True, False, False],
    "session2.amendments": [0, 0, 0, 0, 0],
    "session2.yes": [3, 2, 0, 3, 4],
    "session2.no": [1, 1, 0, 0, 0],
    "session2.abstain": [0, 1, 0, 1, 0],
    "session2.vetoed_by": ["p", "", "", "p;q", ""],
}
"""Five replicates, a 4-member Council meeting in round 2; no vote in replicate 2."""


def hand_runs(**changes: object) -> RunRecords:
    """The records of a runs table holding `HAND_RUNS` (with `changes`) of `hand_scenario`.

    The table's other columns (points, gaps, positions, the members' votes...) are those of
    the scenario's records before any round is run; the figures' data do not read them.
    """
    scenario = hand_scenario()
    frame = NegotiationModel(scenario, replicates=5).records().to_frame()
    return RunRecords.from_frame(frame.assign(**{**HAND_RUNS, **changes}), scenario)


def test_council_tallies_are_shares_of_the_votes_held():
    tallies = council_tallies(hand_runs(), 2).set_index("votes")
    assert tallies.index.tolist() == [0, 1, 2, 3, 4]
    # Four votes held: yes 3, 2, 3, 4; no 1, 1, 0, 0; abstain 0, 1, 1, 0; vetoed at 3 yes twice.
    assert tallies["yes"].tolist() == [0.0, 0.0, 0.25, 0.5, 0.25]
    assert tallies["no"].tolist() == [0.5, 0.5, 0.0, 0.0, 0.0]
    assert tallies["abstain"].tolist() == [0.5, 0.5, 0.0, 0.0, 0.0]
    assert tallies["vetoed"].tolist() == [0.0, 0.0, 0.0, 0.5, 0.0]


def test_council_tallies_without_a_vote_are_zero():
    records = hand_runs(**{"session2.tabled": False, "session2.vetoed_by": np.nan})
    tallies = council_tallies(records, 2)
    assert (tallies[["yes", "no", "abstain", "vetoed"]].to_numpy() == 0).all()


def test_veto_counts_per_permanent_member_in_the_order_given():
    vetoes = veto_counts(hand_runs(), 2, ["r", "q", "p"])
    assert vetoes.to_dict("records") == [
        {"member": "r", "vetoes": 0},
        {"member": "q", "vetoes": 1},
        {"member": "p", "vetoes": 2},
    ]


@pytest.mark.filterwarnings("error")
def test_council_data_from_a_csv_column_without_any_veto():
    records = hand_runs(**{"session2.vetoed_by": np.nan})  # CSV: empty in every row
    assert council_tallies(records, 2)["vetoed"].sum() == 0
    assert veto_counts(records, 2, ["p", "q"])["vetoes"].tolist() == [0, 0]


def test_end_round_histogram_counts_replicates_per_round_and_outcome():
    histogram = end_round_histogram(hand_runs(), horizon=6).set_index("round")
    assert histogram.index.tolist() == list(range(7))
    assert histogram.columns.tolist() == [o.label for o in OUTCOMES]
    assert histogram["unilateral"].tolist() == [0, 0, 1, 0, 2, 0, 0]
    assert histogram["resolution"].tolist() == [0, 0, 1, 0, 0, 0, 0]
    assert histogram["deadlock"].tolist() == [0, 0, 0, 0, 0, 0, 1]
    assert histogram["agreement"].sum() == 0


def test_run_info_from_a_summary():
    summary = summarise(hand_runs(), hand_scenario())
    info = RunInfo.from_summary(summary)
    assert info == RunInfo(scenario="tiny", replicates=5, seed=7, time_unit="round")
    assert not info.identical
    assert info.caption == "5 replicates, seed 7"


def test_run_info_of_identical_replicates_says_so():
    records = hand_runs(**{column: values[0] for column, values in HAND_RUNS.items()})
    info = RunInfo.from_summary(summarise(records, hand_scenario()))
    assert info.identical
    assert info.caption == "5 replicates, seed 7 (all replicates identical: no sampling variation)"
    single = RunInfo(scenario="tiny", replicates=1, seed=7, time_unit="round", identical=True)
    assert single.caption == "1 replicates, seed 7 (a single replicate: no interval)"


# --- real runs ------------------------------------------------------------------------------


def run(scenario):
    model = NegotiationModel(scenario, replicates=REPLICATES, collect=True)
    records = model.run()
    return records, model.trajectory().to_frame(), summarise(records, scenario), scenario


@pytest.fixture(scope="module")
def withdrawn():
    """Kosovo as shipped: the draft is always withdrawn, no vote is held."""
    return run(load_scenario(KOSOVO))


@pytest.fixture(scope="module")
def vetoed():
    """Kosovo with the draft tabled anyway: China and Russia veto it."""
    return run(load_scenario(KOSOVO.with_name("kosovo_2007_table_anyway.yaml")))


@pytest.fixture(scope="module")
def no_council():
    """The tiny scenario (no Security Council); `north` may act alone, backed by `broker`."""
    scenario = make_scenario(
        replicates=REPLICATES,
        unilateral={"north": {"point": {"a": 0.1, "b": 0.1}, "base_rate": 0.5}},
        parties={"broker": {"position": {"a": 0.2, "b": 0.2}, "red_lines": {"b": [0.2, 0.7]}}},
        alliances=[{"between": ["north", "broker"], "strength": 0.8}],
    )
    return run(scenario)


def read_back(tables, folder):
    """A run's tables written to CSV and read back as `run.py plot` does."""
    records, trajectory, _, scenario = tables
    write_csv(folder / "runs.csv", records.to_frame())
    write_csv(folder / "trajectories.csv", trajectory)
    runs = read_csv(folder / "runs.csv", RunRecords.text_columns(scenario))
    records = RunRecords.from_frame(runs, scenario)
    trajectory = read_csv(folder / "trajectories.csv", TRAJECTORY_TEXT)
    return records, trajectory, summarise(records, scenario), scenario


@pytest.fixture(scope="module")
def withdrawn_from_csv(withdrawn, tmp_path_factory):
    return read_back(withdrawn, tmp_path_factory.mktemp("withdrawn"))


@pytest.fixture(scope="module")
def vetoed_from_csv(vetoed, tmp_path_factory):
    return read_back(vetoed, tmp_path_factory.mktemp("vetoed"))


def test_council_tallies_of_a_real_run_add_up(vetoed):
    records, _, summary, scenario = vetoed
    members = len(scenario.council.members)
    tallies = council_tallies(records, 20)
    session = summary.sessions.set_index("round").loc[20]
    assert session["tabled"] > 0
    for tally in ("yes", "no", "abstain"):
        assert tallies[tally].sum() == pytest.approx(1.0)  # every vote held has one tally
    # Each vote held counts every member once: the mean tallies add up to the Council.
    mean_votes = (tallies[["yes", "no", "abstain"]].mul(tallies["votes"], axis=0)).sum().sum()
    assert mean_votes == pytest.approx(members)
    assert tallies["vetoed"].sum() * session["tabled"] == pytest.approx(session["vetoed"])
    assert (tallies["vetoed"] <= tallies["yes"] + 1e-12).all()


def test_end_round_histogram_of_a_real_run_counts_every_replicate(vetoed):
    records, _, summary, scenario = vetoed
    histogram = end_round_histogram(records, scenario.horizon)
    assert histogram.drop(columns="round").to_numpy().sum() == REPLICATES
    counts = summary.outcomes.set_index("outcome")["count"]
    for outcome in OUTCOMES:
        assert histogram[outcome.label].sum() == counts[outcome.label]


def test_outcome_bars_match_the_summary(vetoed):
    _, _, summary, _ = vetoed
    bars = outcome_bars(summary.outcomes)
    assert bars["count"].sum() == REPLICATES
    assert (bars[["below", "above"]].to_numpy() >= 0).all()


# --- figures --------------------------------------------------------------------------------


def captions(fig: Figure) -> list[str]:
    """The figure's texts but its title."""
    return [t.get_text() for t in fig.texts if t.get_text() != fig.get_suptitle()]


def texts(fig: Figure) -> list[str]:
    """All text a figure shows: its own texts, and those of its axes and their artists."""
    found = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        found += [t.get_text() for t in ax.texts]
        found += [a.txt.get_text() for a in ax.artists if hasattr(a, "txt")]
    return found


@pytest.fixture(
    params=["withdrawn", "vetoed", "no_council", "withdrawn_from_csv", "vetoed_from_csv"]
)
def rendered(request):
    records, trajectory, summary, scenario = request.getfixturevalue(request.param)
    return render_figures(records, trajectory, summary, scenario), scenario


def test_render_figures_frames_every_figure(rendered):
    figures, scenario = rendered
    council = ["council_votes"] if scenario.council else []
    assert list(figures) == ["outcomes", "trajectories", *council, "time_to_outcome"]
    caption = f"{REPLICATES} replicates, seed {scenario.seed}"
    for fig in figures.values():
        assert isinstance(fig, Figure)
        assert scenario.name in fig.get_suptitle()
        assert [text for text in captions(fig) if text.startswith(caption)]
        assert fig.legends or all(ax.get_legend() for ax in fig.axes)
        for ax in fig.axes:
            assert ax.get_ylabel()
    bottom = figures["trajectories"].axes[-1]
    assert bottom.get_xlabel() == f"round ({scenario.time_unit})"


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_figures_save_in_every_format(vetoed, fmt):
    for fig in render_figures(*vetoed).values():
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt)
        assert buffer.getbuffer().nbytes > 1000


def test_no_vote_panel_says_the_draft_was_withdrawn(withdrawn):
    fig = render_figures(*withdrawn)["council_votes"]
    message = f"no vote held: the draft was withdrawn in {REPLICATES} of {REPLICATES} replicates"
    assert message in texts(fig)
    assert not fig.axes[0].patches  # no bars
    assert fig.axes[0].get_legend().get_texts()[0].get_text() == "threshold (9 yes)"


def test_council_panel_marks_vetoes_and_the_threshold(vetoed):
    _, _, summary, _ = vetoed
    fig = render_figures(*vetoed)["council_votes"]
    ax = fig.axes[0]
    vetoes = int(summary.sessions.set_index("round").loc[20, "vetoed"])
    assert vetoes > 0
    record = next(t for t in texts(fig) if t.startswith("vetoed in"))
    assert record.startswith(f"vetoed in {vetoes} of {REPLICATES} votes (by ")
    assert "Russian Federation" in record and "China" in record
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["threshold (9 yes)", "yes", "no", "abstain", "yes, draft vetoed"]
    threshold = next(line for line in ax.get_lines() if line.get_label().startswith("threshold"))
    assert threshold.get_xdata()[0] == pytest.approx(8.5)  # between 8 and 9 votes
    assert ax.get_xlabel() == "number of votes (of 15 members)"
    assert ax.get_ylabel() == "share of votes held"


def test_trajectory_panel_draws_medians_proposals_and_red_lines(withdrawn):
    _, trajectory, summary, scenario = withdrawn
    info = RunInfo.from_summary(summary)
    fig = plot_issue_trajectory(trajectory, scenario, "sovereignty", info)
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    kosovo = lines["Kosovo (Pristina)"]
    drawn = trajectory_lines(trajectory)
    rounds = drawn.loc[(drawn["party"] == "kosovo") & (drawn["issue"] == "sovereignty"), "round"]
    assert kosovo.get_xdata().tolist() == rounds.tolist()
    live = trajectory[trajectory["kind"] == "position"].groupby("round")["replicates"].first()
    assert rounds.max() == live[live >= 20].index.max() < scenario.horizon
    proposal = lines["mediators' joint proposal"]
    assert (proposal.get_color(), proposal.get_linestyle()) == ("black", "--")
    red = lines["Kosovo (Pristina)'s red line"]
    assert red.get_ydata()[0] == 0.8 and red.get_linestyle() == ":"
    assert red.get_color() == kosovo.get_color()
    assert ax.get_xlabel() == "round (week)"
    assert ax.get_ylabel() == "sovereignty\nposition (0 to 1)"
    assert ax.get_ylim()[0] < 0 and ax.get_ylim()[1] > 1
    assert ax.get_legend() is not None
    [caption] = captions(fig)
    assert caption.startswith(f"{REPLICATES} replicates, seed {SEED}")
    assert "medians" in caption and "5-95%" in caption and "fewer than 20 live" in caption
    minority = plot_issue_trajectory(trajectory, scenario, "minority_protection", info)
    assert not [line for line in minority.axes[0].get_lines() if "red line" in line.get_label()]


def test_full_trajectory_figure_has_a_panel_per_issue_and_one_legend(withdrawn):
    fig = render_figures(*withdrawn)["trajectories"]
    _, _, _, scenario = withdrawn
    assert len(fig.axes) == len(scenario.issues)
    assert all(ax.get_legend() is None for ax in fig.axes)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert len(labels) == len(set(labels))
    assert {"Kosovo (Pristina)", "Serbia (Belgrade)", "mediators' joint proposal"} <= set(labels)
    assert {"Kosovo (Pristina)'s red line", "Serbia (Belgrade)'s red line"} <= set(labels)


def test_time_to_outcome_leaves_outcomes_that_never_happened_out_of_the_legend(withdrawn):
    records, _, summary, scenario = withdrawn
    fig = plot_time_to_outcome(records, scenario.horizon, RunInfo.from_summary(summary))
    ax = fig.axes[0]
    happened = summary.outcomes[summary.outcomes["count"] > 0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == [f"{o.outcome} ({o.count})" for o in happened.itertuples()]
    assert sum(patch.get_height() for patch in ax.patches) == REPLICATES
    assert ax.get_xlabel() == "round (week) the replicate ended"
    assert ax.get_ylabel() == "replicates"


def test_outcome_figure_labels_counts_on_bars(vetoed):
    _, _, summary, _ = vetoed
    fig = plot_outcomes(summary.outcomes, RunInfo.from_summary(summary))
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == [str(c) for c in summary.outcomes["count"]]
    assert [p.get_facecolor() for p in ax.patches] == [
        matplotlib.colors.to_rgba(OUTCOME_COLOURS[o.label]) for o in OUTCOMES
    ]
    assert ax.get_ylabel() == "share of replicates"
    assert ax.get_ylim()[0] == 0 and ax.get_yticks()[-1] == pytest.approx(1.0)


def error_bars(fig: Figure) -> list[ErrorbarContainer]:
    return [c for ax in fig.axes for c in ax.containers if isinstance(c, ErrorbarContainer)]


def test_outcome_figure_of_a_sample_draws_wilson_intervals(vetoed):
    _, _, summary, _ = vetoed
    fig = plot_outcomes(summary.outcomes, RunInfo.from_summary(summary))
    assert not summary.identical
    assert len(error_bars(fig)) == 1
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "95% Wilson interval" in labels
    assert not [text for text in captions(fig) if IDENTICAL_NOTE in text]


@pytest.fixture(scope="module")
def identical():
    """The tiny scenario as it is (no noise, no unilateral option): every replicate the same."""
    run = simulate(make_scenario(replicates=25))
    return run.records, run.trajectory.to_frame(), run.summary, run.scenario


def test_identical_replicates_are_drawn_without_error_bars(identical):
    records, trajectory, summary, scenario = identical
    assert summary.identical
    figures = render_figures(records, trajectory, summary, scenario)
    fig = figures["outcomes"]
    ax = fig.axes[0]
    assert not error_bars(fig)
    assert not ax.collections  # no error bar lines either
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == [o.label for o in OUTCOMES]
    # The counts sit on the bars themselves.
    tops = [t.xy[1] for t in ax.texts]
    assert tops == summary.outcomes["share"].tolist()
    caption = f"25 replicates, seed {scenario.seed} ({IDENTICAL_NOTE})"
    for figure in figures.values():
        assert [text for text in captions(figure) if text.replace("\n", " ").startswith(caption)]
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    # Drawn into given axes, the panel has no error bars either.
    panel = Figure()
    assert not error_bars(
        plot_outcomes(summary.outcomes, RunInfo.from_summary(summary), panel.subplots())
    )


def test_panels_draw_into_given_axes_without_framing(vetoed):
    records, trajectory, summary, scenario = vetoed
    info = RunInfo.from_summary(summary)
    fig = Figure()
    axes = fig.subplots(2, 2).ravel()
    assert plot_outcomes(summary.outcomes, info, ax=axes[0]) is fig
    assert plot_issue_trajectory(trajectory, scenario, "sovereignty", info, ax=axes[1]) is fig
    assert plot_council_session(records, scenario, 20, info, ax=axes[2]) is fig
    assert plot_time_to_outcome(records, scenario.horizon, info, ax=axes[3]) is fig
    assert fig.get_suptitle() == "" and not fig.texts
    assert all(ax.get_legend() is not None for ax in axes)


def test_time_to_outcome_stacks_the_outcomes_that_happened(no_council):
    _, _, summary, scenario = no_council
    fig = render_figures(*no_council)["time_to_outcome"]
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    counts = summary.outcomes.set_index("outcome")["count"]
    assert counts["unilateral"] > 0 and counts["deadlock"] > 0
    assert labels == [f"unilateral ({counts['unilateral']})", f"deadlock ({counts['deadlock']})"]
    horizon = [p for p in fig.axes[0].patches if p.get_x() == pytest.approx(scenario.horizon - 0.5)]
    assert [p.get_height() for p in horizon][-1] == counts["deadlock"]  # on top at the horizon


def test_council_figure_needs_a_council(no_council):
    records, _, summary, scenario = no_council
    with pytest.raises(ValueError, match="no council"):
        plot_council_session(records, scenario, 2, RunInfo.from_summary(summary))


def test_proposal_line_breaks_over_rounds_without_a_proposal(withdrawn):
    _, trajectory, summary, scenario = withdrawn
    split = trajectory[~((trajectory["kind"] == "proposal") & (trajectory["round"] == 3))]
    fig = plot_issue_trajectory(split, scenario, "sovereignty", RunInfo.from_summary(summary))
    proposal = next(
        line for line in fig.axes[0].get_lines() if line.get_label() == "mediators' joint proposal"
    )
    rounds = list(proposal.get_xdata())
    assert rounds[:4] == [1, 2, 3, 4]
    assert np.isnan(proposal.get_ydata()[2]) and not np.isnan(proposal.get_ydata()[3])


def test_no_council_figure_without_sessions(withdrawn):
    records, trajectory, summary, scenario = withdrawn
    council = scenario.council.model_copy(update={"sessions": []})
    sessionless = scenario.model_copy(update={"council": council})
    assert "council_votes" not in render_figures(records, trajectory, summary, sessionless)


def test_labels_are_drawn_as_text_not_math_markup():
    # A label with "$" that is not valid mathtext would fail when the figure is drawn, after
    # the run, and the results would be lost; it is drawn as written.
    label = r"North $\frac{$ 5$ bn"
    scenario = make_scenario(parties={"north": {"label": label}})
    run = simulate(scenario, replicates=5, trajectories=True)
    trajectory = run.trajectory.to_frame()
    figures = render_figures(run.records, trajectory, run.summary, scenario)
    for fig in figures.values():
        fig.savefig(io.BytesIO(), format="png")  # draws every text
    texts = figures["trajectories"].findobj(matplotlib.text.Text)
    assert label in [text.get_text() for text in texts]
