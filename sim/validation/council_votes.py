"""Group: the Council's decision rule (`sim.voting`) against recorded votes.

Every recorded vote goes through the rule; the adoption, the vetoes and the tally it gives are
compared with the record. The votes are read from validation/unsc_votes.csv if it exists (the
columns of tests/data/unsc_votes.csv plus `meeting` and `source`), else from
tests/data/unsc_votes.csv.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

from sim.validation.checks import Check, Context, Expected, Group
from sim.voting import VoteResult, resolve_vote, rule_from_preset

TITLE = "Council rule against recorded votes"

FALLBACK = "tests/data/unsc_votes.csv"
"""The votes read when validation/unsc_votes.csv does not exist."""

COLUMNS = ("document", "date", "subject", "yes", "no", "abstain", "voted_no", "abstained")
"""The columns every file of votes must have, besides `adopted`."""

P5 = ("China", "France", "Russian Federation", "United Kingdom", "United States")
"""The permanent members (UN Charter Art. 23(1)), as the records name them."""

ALIASES = {
    "russia": "Russian Federation",
    "ussr": "Russian Federation",
    "uk": "United Kingdom",
    "usa": "United States",
    "us": "United States",
    "united states of america": "United States",
    "united kingdom of great britain and northern ireland": "United Kingdom",
}
"""Other names of the permanent members a record may use (case does not matter)."""

SEATS = 15
THRESHOLD = 9
"""Affirmative votes needed (UN Charter Art. 27(3))."""


def decide(
    votes: Mapping[str, str], members: Sequence[str], permanent: Sequence[str]
) -> VoteResult:
    """The Council's rule on one vote: the only call of `sim.voting` in this group.

    `resolve_vote(votes, rule)` with the rule of the `security_council` preset (UN Charter
    Art. 27(3)) for these members, the permanent members its veto players.
    """
    rule = rule_from_preset("security_council", members, veto_players=permanent)
    return resolve_vote(votes, rule)


def _name(text: str) -> str:
    """A member's name as the records name the permanent members."""
    name = text.strip()
    return ALIASES.get(name.lower(), name)


def _names(cell: str | None) -> list[str]:
    return [_name(n) for n in (cell or "").split(";") if n.strip()]


def ballots(row: Mapping[str, str]) -> dict[str, str]:
    """Each member's vote in a recorded row: the named ones as named, the rest placeholders.

    The record names the members voting no and abstaining; permanent members not named voted
    yes; the elected members not named are placeholders (`elected yes 1`, ...) for the rest of
    each count. Members voting in none of the three ways (absent) are left out.
    """
    no, abstained = _names(row["voted_no"]), _names(row["abstained"])
    counts = {"yes": int(row["yes"]), "no": int(row["no"]), "abstain": int(row["abstain"])}
    if sum(counts.values()) > SEATS or min(counts.values()) < 0:
        raise ValueError(f"the counts {counts} do not fit a Council of {SEATS}")
    votes = {name: "no" for name in no} | {name: "abstain" for name in abstained}
    if len(votes) < len(no) + len(abstained):
        raise ValueError("a member is listed twice")
    votes |= {name: "yes" for name in P5 if name not in votes}
    for vote, count in counts.items():
        named = sum(v == vote for v in votes.values())
        if named > count:
            raise ValueError(f"{named} members are named or assumed voting {vote}, not {count}")
        votes |= {f"elected {vote} {i}": vote for i in range(1, count - named + 1)}
    return votes


def _adopted(cell: str) -> bool:
    text = cell.strip().lower()
    if text not in ("true", "false"):
        raise ValueError(f"adopted is {cell!r}; expected true or false")
    return text == "true"


def _outcome(adopted: bool, vetoed_by: Sequence[str], tally: tuple[int, int, int]) -> str:
    vetoes = "vetoed by " + " and ".join(vetoed_by) if vetoed_by else "no veto"
    return f"{'adopted' if adopted else 'not adopted'}; {vetoes}; {'-'.join(map(str, tally))}"


def vote_check(context: Context, row: Mapping[str, str], source: str) -> Check:
    """The check of one recorded vote."""
    adopted = _adopted(row["adopted"])
    tally = (int(row["yes"]), int(row["no"]), int(row["abstain"]))
    # The record's vetoes: permanent members voting no on a draft that failed with the votes.
    vetoers = tuple(
        sorted(
            n for n in _names(row["voted_no"]) if n in P5 and tally[0] >= THRESHOLD and not adopted
        )
    )
    votes = ballots(row)
    result = decide(votes, list(votes), P5)
    got = (result.adopted, tuple(sorted(result.vetoed_by)), (result.yes, result.no, result.abstain))
    want = (adopted, vetoers, tally)
    meeting = f", meeting {row['meeting'].strip()}" if (row.get("meeting") or "").strip() else ""
    note = ""
    if tally[0] < THRESHOLD and any(n in P5 for n in _names(row["voted_no"])):
        note = (
            "a permanent member voted no on a draft without nine votes: not a veto, since the "
            "draft failed anyway (docs/ODD.md, section 7.11, point 2)"
        )
    return context.check(
        row["document"].strip(),
        f"the vote of {row['date'].strip()}{meeting}: {row['subject'].strip()}",
        Expected.equal(
            {"adopted": want[0], "vetoed_by": want[1], "tally": want[2]}, _outcome(*want)
        ),
        source,
        _outcome(*got),
        got == want,
        note,
        value={"adopted": got[0], "vetoed_by": got[1], "tally": got[2]},
    )


def read_votes(path: Path) -> list[dict[str, str]]:
    """The rows of a file of recorded votes; ValueError if a column is missing or it is empty."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in (*COLUMNS, "adopted") if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path.name} has no column {missing[0]!r}")
        rows = list(reader)
    if not rows:
        raise ValueError(f"{path.name} holds no votes")
    return rows


def checks(context: Context) -> list[Check]:
    """One check per recorded vote (a row that cannot be read is a failing check)."""
    path = context.data_file("unsc_votes.csv")
    relative = f"validation/{path.name}" if path else FALLBACK
    rows = read_votes(path or context.path(FALLBACK))
    made = []
    for number, row in enumerate(rows, start=2):
        source = f"{relative}, line {number}"
        if (row.get("source") or "").strip():
            source = f"{row['source'].strip()} ({source})"
        else:
            source = f"the UN record of {row['document'].strip()} ({source})"
        try:
            made.append(vote_check(context, row, source))
        except (KeyError, TypeError, ValueError) as error:
            made.append(
                context.check(
                    (row.get("document") or f"line {number}").strip() or f"line {number}",
                    "whether the recorded vote can be read",
                    Expected.equal("a readable row", "a readable row"),
                    source,
                    f"{type(error).__name__}: {error}",
                    False,
                )
            )
    return made


GROUP = Group(
    title=TITLE,
    about="""\
Every recorded vote is put through the model's decision rule (`sim.voting.resolve_vote`, the
rule of UN Charter Art. 27(3): nine affirmative votes and no negative vote of a permanent
member; an abstention is not a veto, ICJ 1971, para. 22), and what the rule gives is compared
with the record: whether the draft was adopted, which members' no vetoed it, and the tally
(yes-no-abstain). The votes are read from
`validation/unsc_votes.csv` if that file exists, else from `tests/data/unsc_votes.csv`; the
source column names the file and line. The record names the members voting no and abstaining;
the other permanent members voted yes, and the elected members not named are counted by the
record's tallies. A vetoed draft, in the record, is one that failed with nine or more votes
while a permanent member voted no. The expected values come from the records; the rule is not
fitted to them.""",
    checks=checks,
)
