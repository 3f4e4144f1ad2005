"""Group: the kosovo_2007 scenario against the path of 2007-2008.

The scenario runs at twice the scale (`2 x context.replicates` replicates) with the report's
seed; each check is a share of those replicates, with its 95% Wilson interval, against a
bound stated from the record (docs/ODD.md, sections 1, 9 and 10).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from sim.pipeline import simulate
from sim.records import Outcome, RunRecords
from sim.validation.checks import Check, Context, Expected, Group
from sim.validation.stats import share_check

TITLE = "kosovo_2007 against the 2007-2008 path"

SCENARIO = "scenarios/kosovo_2007.yaml"
SCALE = 2
"""The run has SCALE x context.replicates replicates."""

START = date(2007, 8, 6)
"""Round 1 begins on Monday 6 August 2007 (the scenario's `time_unit` comment; docs/ODD.md,
section 9): round r is the week from START + 7 (r - 1) days."""

DECLARATION = date(2008, 2, 17)
"""Kosovo declared independence on Sunday 17 February 2008."""

WINDOW = 2
"""The declaration is expected within this many weeks either side of the real week."""

BULK = 0.9
"""A pattern of the record is expected in at least this share of the replicates (docs/ODD.md,
section 1: "at least in the bulk of replicates")."""

EARLIEST = 20
"""Kosovo may declare from week 20 (`unilateral.kosovo.earliest_round`): the figure starts there."""

RARE = 0.1
"""A recognition the record does not have is expected in at most this share."""

RECOGNISED = {
    "usa": "the USA",
    "uk": "the UK",
    "france": "France",
}
NOT_RECOGNISED = {
    "russia": "Russia",
    "china": "China",
    "serbia": "Serbia",
}


def round_of(day: date) -> int:
    """The round (week) of the scenario in which `day` falls."""
    return (day - START).days // 7 + 1


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
"""Month names, independent of the locale."""

DASH = "\N{EN DASH}"
"""Between the ends of a range of dates."""


def day_of(day: date, year: bool = True) -> str:
    """A date as `17 Feb 2008` (or `17 Feb` without the year)."""
    return f"{day.day} {MONTHS[day.month - 1]}" + (f" {day.year}" if year else "")


def week_of(round_: int) -> str:
    """The dates of a round, e.g. `11-17 Feb 2008`."""
    first = START + timedelta(days=7 * (round_ - 1))
    last = first + timedelta(days=6)
    if first.month == last.month:
        return f"{first.day}{DASH}{day_of(last)}"
    return f"{day_of(first, year=first.year != last.year)}{DASH}{day_of(last)}"


def weeks_of(low: int, high: int) -> str:
    """The dates of rounds `low` to `high`, e.g. `28 Jan-24 Feb 2008`."""
    first = START + timedelta(days=7 * (low - 1))
    last = START + timedelta(days=7 * high - 1)
    return f"{day_of(first, year=first.year != last.year)}{DASH}{day_of(last)}"


def run(context: Context) -> RunRecords:
    """The records of the scenario at this group's scale and the report's seed."""
    return simulate(
        context.path(SCENARIO),
        replicates=SCALE * context.replicates,
        seed=context.seed,
        trajectories=False,
    ).records


def checks(context: Context) -> list[Check]:
    """The Council's record, the declaration and its week, and who recognised it."""
    records = run(context)
    n = records.replicates
    bulk = Expected.at_least(BULK)
    rare = Expected.at_most(RARE)
    council = records.council
    session = records.sessions.index(20)
    reached = council.tabled[session] | council.withdrawn[session]
    declared = records.outcome == Outcome.UNILATERAL
    weeks = records.end_round[declared]
    real = round_of(DECLARATION)
    low, high = real - WINDOW, real + WINDOW
    made = [
        share_check(
            context,
            "no agreement in the talks",
            "share of replicates in which the troika's talks end without agreement (the talks "
            f"end at the deadline, week 18, {week_of(18)})",
            int((records.outcome != Outcome.AGREEMENT).sum()),
            n,
            bulk,
            "S/2007/723 (the troika's report: no agreement); docs/ODD.md, section 1, pattern 2",
        ),
        share_check(
            context,
            "draft withdrawn, not voted",
            "share of the replicates reaching the Council's session of week 20 (19 December "
            "2007) in which the sponsor withdraws the draft under an expected veto",
            int(council.withdrawn[session].sum()),
            int(reached.sum()),
            bulk,
            "VOA 2007 (the meeting of 19 December 2007 ended without a vote); docs/ODD.md, "
            "section 1, pattern 3 (the draft of 20 July 2007 withdrawn under Russia's veto "
            "threat)",
        ),
        share_check(
            context,
            "no veto cast",
            "share of replicates in which no permanent member casts a veto",
            int((~council.vetoed.any(axis=(0, 1))).sum()),
            n,
            bulk,
            "docs/ODD.md, section 1, pattern 3 (a veto threat rather than a recorded veto); "
            "VOA 2007",
        ),
        share_check(
            context,
            "no resolution adopted",
            "share of replicates in which the Council adopts no resolution on the status",
            int((~records.adopted).sum()),
            n,
            bulk,
            "VOA 2007; docs/ODD.md, section 1, patterns 3 and 4 (independence declared without "
            "a Council resolution)",
        ),
        share_check(
            context,
            "unilateral declaration",
            "share of replicates ending in Kosovo's unilateral declaration",
            int(declared.sum()),
            n,
            bulk,
            "Ker-Lindsay 2009; docs/ODD.md, section 1, pattern 4 (declared on 17 February 2008)",
        ),
        share_check(
            context,
            "week of the declaration",
            f"share of the declarations made within {WINDOW} weeks of the real week: weeks "
            f"{low}-{high} ({weeks_of(low, high)}); the real one is week {real} "
            f"({week_of(real)})",
            int(((weeks >= low) & (weeks <= high)).sum()),
            len(weeks),
            bulk,
            "docs/ODD.md, sections 9 and 10 (round r begins on 6 August 2007 + 7 (r - 1) "
            "days; the declaration of 17 February 2008 falls in round 28)",
            note=_timing_note(weeks, real),
        ),
    ]
    acts = int(declared.sum())
    for parties, recognises in ((RECOGNISED, True), (NOT_RECOGNISED, False)):
        for party, label in parties.items():
            recognised = records.recognised[records.parties.index(party)][declared]
            history = "recognised on 18 February 2008" if recognises else "never recognised"
            made.append(
                share_check(
                    context,
                    f"{label} {'recognises' if recognises else 'does not recognise'}",
                    f"share of the declarations that {label} recognises",
                    int(recognised.sum()),
                    acts,
                    bulk if recognises else rare,
                    f"docs/ODD.md, section 1, pattern 5 and section 9 ({label}: {history}); "
                    "Ker-Lindsay 2009",
                )
            )
    _draw(context, weeks, real)
    return made


def _timing_note(weeks: np.ndarray, real: int) -> str:
    if not len(weeks):
        return "no replicate declared"
    median = float(np.median(weeks))
    when = week_of(int(median)) if median.is_integer() else "between two weeks"
    return (
        f"the median declaration is in week {median:g} ({when}); the patrons' restraint ends in "
        f"week 27 (docs/ODD.md, section 7.16), the real declaration came in week {real}"
    )


def _draw(context: Context, weeks: np.ndarray, real: int) -> None:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(7, 3.4), layout="constrained")
    ax = figure.add_subplot()
    if len(weeks):
        rounds, counts = np.unique(weeks, return_counts=True)
        ax.bar(rounds, counts / len(weeks), width=0.8, color="#4c72b0", label="model")
    ax.axvspan(
        real - WINDOW - 0.5,
        real + WINDOW + 0.5,
        color="#dddddd",
        zorder=0,
        label=f"expected window (weeks {real - WINDOW}-{real + WINDOW})",
    )
    ax.axvline(
        real, color="#c44e52", linestyle="--", label=f"declaration, 17 Feb 2008 (week {real})"
    )
    last = int(weeks.max()) if len(weeks) else real + WINDOW
    ax.set_xlim(EARLIEST - 0.5, max(last, real + WINDOW) + 1.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("week of the declaration (week 1 begins on 6 August 2007)")
    ax.set_ylabel("share of the declarations")
    ax.set_ylim(0, 1)
    ax.legend(loc="upper right", fontsize="small", frameon=False)
    context.figure(
        "kosovo_declaration_week",
        figure,
        f"The week of Kosovo's declaration in the {len(weeks)} replicates of kosovo_2007 that "
        f"end in one, against the real week ({real}) and the expected window.",
    )


GROUP = Group(
    title=TITLE,
    about=f"""\
`scenarios/kosovo_2007.yaml` is run through `sim.pipeline.simulate` with {SCALE} x scale
replicates (4000 at the default scale of 2000) and the report's seed, and compared with what
happened (docs/ODD.md, section 1, patterns 2-5; the scenario's comments): the talks ended
without agreement, the Western draft was withdrawn under Russia's veto threat (in July 2007,
and the meeting of 19 December 2007 ended without a vote), no resolution was adopted, Kosovo
declared independence alone on 17 February 2008, and the USA, the UK and France recognised it
while Russia, China and Serbia did not. A pattern of the record is expected in at least
{BULK:g} of the replicates and a recognition that did not happen in at most {RARE:g}: the model
is not fitted to these events (docs/ODD.md, section 10), so they are tests, and a share is
judged by its whole 95% interval. Round r is the week from 6 August 2007 + 7 (r - 1) days, so
the declaration fell in week {round_of(DECLARATION)}; a window of {WINDOW} weeks either side
allows for the model's weekly steps. The recognitions are shares of the replicates ending in a
declaration.""",
    checks=checks,
)
