"""Group: a second Council history, the three vetoed Syria drafts of 2011-2012, in one run.

scenarios/examples/syria_2011_2012.yaml is run once (`context.replicates` replicates, the
report's seed); for each of its three sessions the tally, the adoption, the vetoes, each
member's vote and who sat are compared with validation/syria_2011_2012.yaml. The stances are
calibrated to the record, so this validates the body's mechanics (sessions with their own
drafts, a membership that rotates, the rule), not the model's power to predict.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import yaml

from sim.pipeline import simulate
from sim.records import RunRecords
from sim.scenario import load_scenario
from sim.validation.checks import Check, Context, Expected, Group
from sim.voting import VOTE_CODES

TITLE = "A second Council history: Syria 2011-2012"

SCENARIO = "scenarios/examples/syria_2011_2012.yaml"
DATA = "syria_2011_2012.yaml"
THRESHOLD = 9
"""Affirmative votes needed (UN Charter Art. 27(3))."""


def record(context: Context) -> dict[str, Any]:
    """The record: validation/syria_2011_2012.yaml."""
    path = context.data_file(DATA)
    if path is None:
        raise FileNotFoundError(f"validation/{DATA} is missing")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def recorded_vetoes(draft: Mapping[str, Any], permanent: set[str]) -> tuple[str, ...]:
    """The permanent members whose no defeated a draft that had the votes, in the record."""
    tally = draft["tally"]
    if draft["adopted"] or tally["yes"] < THRESHOLD:
        return ()
    return tuple(sorted(m for m, vote in draft["votes"].items() if vote == "no" and m in permanent))


def _sources(draft: Mapping[str, Any]) -> str:
    meeting = draft.get("meeting", "")
    press = draft.get("press_release", "")
    return f"{press}, {meeting} (validation/{DATA})"


def draft_checks(
    context: Context,
    records: RunRecords,
    s: int,
    symbol: str,
    draft: Mapping[str, Any],
    permanent: set[str],
) -> list[Check]:
    """The tally and adoption, the vetoes, and each member's vote and seat, of one session."""
    council = records.council
    n = records.replicates
    members = list(records.members)
    tally = draft["tally"]
    want_tally = (tally["yes"], tally["no"], tally["abstain"])
    got_tally = np.stack([council.yes[s], council.no[s], council.abstain[s]])
    same_tally = (got_tally == np.array(want_tally)[:, None]).all(axis=0)
    same_tally &= records.council.tabled[s] & (records.adopted == draft["adopted"])
    tallies = {tuple(int(v) for v in col) for col in got_tally.T}
    want_vetoes = recorded_vetoes(draft, permanent)
    vetoed = council.vetoed[s]
    got_vetoes = {tuple(sorted(members[m] for m in np.flatnonzero(vetoed[:, r]))) for r in range(n)}
    same_vetoes = np.array(
        [
            tuple(sorted(members[m] for m in np.flatnonzero(vetoed[:, r]))) == want_vetoes
            for r in range(n)
        ]
    )
    votes = draft["votes"]
    seated = records.seated[s]
    member_ok = np.ones(n, dtype=bool)
    wrong: list[str] = []
    for m, member in enumerate(members):
        if member in votes:
            ok = seated[m] & (council.votes[s, m] == VOTE_CODES[votes[member]])
        else:
            ok = np.full(n, not seated[m])
        if not ok.all():
            wrong.append(member)
        member_ok &= ok
    source = _sources(draft)
    adopted = "adopted" if draft["adopted"] else "not adopted"
    note = ""
    if symbol == "S/2012/538":
        note = (
            "the record names the two members voting no and the two abstaining; the eleven yes "
            f"votes are derived from the 2012 membership (validation/{DATA}), not read by name"
        )
    return [
        context.check(
            f"{symbol}: tally",
            f"the tally (yes-no-abstain) of the session of round {records.sessions[s]} "
            f"({draft['date']}), that the draft was put to the vote, and whether the run "
            "adopted a resolution, in every replicate",
            Expected.equal(want_tally, f"{'-'.join(map(str, want_tally))}, {adopted}, in all"),
            source,
            f"{', '.join('-'.join(map(str, t)) for t in sorted(tallies))}; "
            f"{int(same_tally.sum())} of {n} as recorded",
            bool(same_tally.all()),
            value=sorted(tallies),
        ),
        context.check(
            f"{symbol}: vetoed by",
            "the permanent members whose no defeated the draft though it had nine votes",
            Expected.equal(want_vetoes, " and ".join(want_vetoes) or "nobody"),
            f"{source}; Art. 27(3): nine votes and no permanent member's no",
            f"{'; '.join(' and '.join(v) or 'nobody' for v in sorted(got_vetoes))}; "
            f"{int(same_vetoes.sum())} of {n} as recorded",
            bool(same_vetoes.all()),
            value=sorted(got_vetoes),
        ),
        context.check(
            f"{symbol}: each member's vote",
            f"the vote of each of the {len(votes)} members sitting, and that the other "
            f"{len(members) - len(votes)} of the scenario's {len(members)} did not sit",
            Expected.equal(len(members), f"{len(members)} of {len(members)} as recorded"),
            source,
            f"{len(members) - len(wrong)} of {len(members)} as recorded in every replicate"
            + (f"; not: {', '.join(wrong)}" if wrong else ""),
            not wrong,
            note=note,
            value=len(members) - len(wrong),
        ),
    ]


def checks(context: Context) -> list[Check]:
    """Three checks per draft of the record, from one run of the scenario."""
    data = record(context)
    permanent = {m for term in data["membership"].values() for m in term.get("permanent", [])}
    scenario = load_scenario(context.path(SCENARIO))
    assert scenario.council is not None
    labels = {session.round: session.label for session in scenario.council.schedule}
    records = simulate(
        scenario, replicates=context.replicates, seed=context.seed, trajectories=False
    ).records
    made = []
    for s, round_ in enumerate(records.sessions):
        symbol = labels.get(round_)
        if symbol not in data["drafts"]:
            raise ValueError(f"session of round {round_} ({symbol}) is not in validation/{DATA}")
        made += draft_checks(context, records, s, symbol, data["drafts"][symbol], permanent)
    missing = sorted(set(data["drafts"]) - {labels.get(r) for r in records.sessions})
    if missing:
        raise ValueError(f"the scenario has no session for {', '.join(missing)}")
    return made


GROUP = Group(
    title=TITLE,
    about="""\
A second Council history: `scenarios/examples/syria_2011_2012.yaml`, three sessions of the
Security Council, each with its own draft and sponsor (S/2011/612 of 4 October 2011, S/2012/77
of 4 February 2012, S/2012/538 of 19 July 2012), and a membership whose elected members rotate
on 1 January 2012, is run once, at the report's scale and seed. For each draft the run's tally
and decision, the vetoes, and every member's vote (and that the five members not in the Council
that year did not sit) are compared with the record in `validation/syria_2011_2012.yaml` (UN
press releases SC/10403, SC/10536 and SC/10714 and the verbatim records S/PV.6627, S/PV.6711 and
S/PV.6810; its sources are listed there and in validation/SOURCES.md, section 2). Each check
passes only if every replicate reproduces the record (the scenario has no random term in the
judgements).

The members' stances in the scenario are calibrated to this record: one simple set of positions
on a one-dimensional spatial model chosen so that it reproduces the votes. The group therefore
checks the body's mechanics, that sessions with their own drafts, a membership that changes
between sessions and the rule of Art. 27(3) turn those stances into the recorded tallies and
vetoes in one run, not the model's skill at predicting votes.""",
    checks=checks,
)
