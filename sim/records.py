"""Per-replicate records of a model run, their tidy table, and per-round trajectories.

A run's records are arrays with one declared field list: `RunRecords` for the run, with the
Council's record per session declared once in `SessionRecord`. Each array field declares how it
is written as columns of the tidy table (its `Column` kind), so `RunRecords.to_frame` and
`RunRecords.from_frame` are the two directions of one mapping and round-trip exactly. Summaries
and figures read the typed records, never the column names.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from enum import IntEnum
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.voting import ABSTAIN, NO, YES

if TYPE_CHECKING:
    from sim.scenario import Scenario


class Outcome(IntEnum):
    """How a replicate ended ("the deadlock breaks" means anything but DEADLOCK)."""

    ONGOING = -1
    DEADLOCK = 0
    AGREEMENT = 1
    RESOLUTION = 2
    UNILATERAL = 3

    @property
    def label(self) -> str:
        """The outcome's name as written in tables."""
        return self.name.lower()


OUTCOMES = (Outcome.AGREEMENT, Outcome.RESOLUTION, Outcome.UNILATERAL, Outcome.DEADLOCK)
"""Terminal outcomes in their fixed reporting order."""

VOTE_LABELS = {YES: "yes", NO: "no", ABSTAIN: "abstain"}
"""How a vote code is written in the runs table."""


def column(*parts: object) -> str:
    """A column of the runs table: its parts joined by "." (e.g. `position.kosovo.sovereignty`)."""
    return ".".join(str(part) for part in parts)


# --- how a field is written as columns -------------------------------------------------------


@dataclass(frozen=True)
class Labels:
    """The names along the axes of a run's records."""

    issues: tuple[str, ...]
    parties: tuple[str, ...]
    members: tuple[str, ...]


@dataclass(frozen=True)
class Column:
    """How a record field is written in the runs table, and read back.

    Kinds (R replicates; K issues, N parties, M Council members):

    - `number`: an (R,) array, one column named after the field;
    - `outcome`: (R,) `Outcome` codes, one column of outcome labels;
    - `per_issue`: (R, K), a column `<field>.<issue>` per issue;
    - `per_party_issue`: (N, R, K), a column `<name>.<party>.<issue>` per party and issue;
    - `names`: (N or M, R) bool, one column `name` listing the parties (or members) hit,
      joined by ";", "" for none;
    - `votes`: (M, R) vote codes, a column `<name>.<member>` per member holding yes, no or
      abstain, "" where `held` is False (the code is then ABSTAIN).
    """

    kind: str
    dtype: Any
    name: str | None = None
    """The column name (prefix), if not the field's."""
    axis: str | None = None
    """For `names` and `votes`: "parties" or "members"."""

    def columns(self, field_name: str, labels: Labels) -> list[tuple[str, bool]]:
        """The columns this field is written to, each with whether it holds text."""
        name = self.name or field_name
        if self.kind == "per_issue":
            return [(column(name, issue), False) for issue in labels.issues]
        if self.kind == "per_party_issue":
            return [
                (column(name, party, issue), False)
                for party in labels.parties
                for issue in labels.issues
            ]
        if self.kind == "votes":
            return [(column(name, member), True) for member in self._axis(labels)]
        return [(name, self.kind in ("outcome", "names"))]

    def encode(self, field_name: str, values: np.ndarray, labels: Labels, held: Any = None):
        """The field's columns, by name."""
        names = [name for name, _ in self.columns(field_name, labels)]
        if self.kind == "number":
            return {names[0]: values}
        if self.kind == "outcome":
            return {names[0]: _OUTCOME_LABELS[values - Outcome.ONGOING]}
        if self.kind == "per_issue":
            return {name: values[:, k] for k, name in enumerate(names)}
        if self.kind == "per_party_issue":
            n_issues = len(labels.issues)
            return {name: values[i // n_issues, :, i % n_issues] for i, name in enumerate(names)}
        if self.kind == "names":
            axis = self._axis(labels)
            return {names[0]: [";".join(np.array(axis, dtype=object)[hit]) for hit in values.T]}
        written = _VOTE_TEXT[values - NO]
        return {name: np.where(held, written[m], "") for m, name in enumerate(names)}

    def decode(self, field_name: str, frame: pd.DataFrame, labels: Labels) -> np.ndarray:
        """The field read back from its columns of `frame` (ValueError if they do not fit)."""
        names = [name for name, _ in self.columns(field_name, labels)]
        missing = [name for name in names if name not in frame.columns]
        if missing:
            raise ValueError(f"no column {missing[0]!r} in the runs table")
        if self.kind == "number":
            return _numbers(frame[names[0]], self.dtype)
        if self.kind == "outcome":
            return _codes(frame[names[0]], {o.label: o for o in Outcome}, "outcome", np.int8)
        if self.kind == "per_issue":
            return np.stack([_numbers(frame[n], float) for n in names], axis=-1).reshape(
                len(frame), len(names)
            )
        if self.kind == "per_party_issue":
            shape = (len(labels.parties), len(labels.issues), len(frame))
            values = np.array([_numbers(frame[n], float) for n in names]).reshape(shape)
            return values.transpose(0, 2, 1).copy()
        if self.kind == "names":
            axis = self._axis(labels)
            lists = [_text(value) for value in frame[names[0]]]
            unknown = {n for item in lists for n in item.split(";") if n and n not in axis}
            if unknown:
                raise ValueError(f"{names[0]} names {sorted(unknown)[0]!r}, not one of {axis}")
            hits = np.zeros((len(axis), len(frame)), dtype=bool)
            for r, item in enumerate(lists):
                for name in filter(None, item.split(";")):
                    hits[axis.index(name), r] = True
            return hits
        codes = {label: code for code, label in VOTE_LABELS.items()} | {"": ABSTAIN}
        return np.array([_codes(frame[n], codes, n, np.int8) for n in names]).reshape(
            len(names), len(frame)
        )

    def _axis(self, labels: Labels) -> tuple[str, ...]:
        return labels.members if self.axis == "members" else labels.parties


_OUTCOME_LABELS = np.array([o.label for o in Outcome], dtype=object)
_VOTE_TEXT = np.array([VOTE_LABELS[NO], VOTE_LABELS[ABSTAIN], VOTE_LABELS[YES]], dtype=object)


def recorded(kind: str, dtype: Any, doc: str, *, name: str | None = None, axis: str | None = None):
    """A record field written as columns of kind `kind` (see `Column`)."""
    return field(metadata={"column": Column(kind, dtype, name, axis), "doc": doc})


def _recorded_fields(cls: type) -> Iterator[tuple[str, Column]]:
    for f in fields(cls):
        if "column" in f.metadata:
            yield f.name, f.metadata["column"]


def _text(value: object) -> str:
    """A text cell: missing (an empty field read back from CSV) is ""."""
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _numbers(values: pd.Series, dtype: Any) -> np.ndarray:
    array = values.to_numpy()
    if np.dtype(dtype) == np.bool_:
        if array.dtype == np.bool_:
            return array.copy()
        text = [_text(v) for v in array]
        if set(text) - {"True", "False"}:
            raise ValueError(f"{values.name} holds {sorted(set(text) - {'True', 'False'})[0]!r}")
        return np.array([v == "True" for v in text], dtype=bool)
    try:
        converted = array.astype(dtype)
    except (TypeError, ValueError):
        raise ValueError(f"{values.name} holds values that are not numbers") from None
    if np.dtype(dtype).kind in "iu" and not np.array_equal(converted, array.astype(float)):
        raise ValueError(f"{values.name} holds numbers that are not whole")
    return converted


def _codes(values: pd.Series, codes: dict[str, Any], what: str, dtype: Any) -> np.ndarray:
    text = [_text(v) for v in values]
    unknown = set(text) - set(codes)
    if unknown:
        raise ValueError(f"{what} {sorted(unknown)[0]!r} is not one of {sorted(codes)}")
    return np.array([codes[t] for t in text], dtype=dtype)


# --- the records ------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SessionRecord:
    """What happened at Council sessions: the Council's record.

    For one session over L replicates the shapes are (L,) and (M, L); for every session of a
    run, (S, R) and (S, M, R). This is the one declaration of the Council's record: the model
    allocates its log from it (`empty`), the Council body fills it, and the runs table writes
    it per session.
    """

    tabled: np.ndarray = recorded("number", bool, "a draft was put to the vote")
    withdrawn: np.ndarray = recorded("number", bool, "the sponsor withdrew its draft unvoted")
    amendments: np.ndarray = recorded("number", np.int64, "amendments made to the draft")
    yes: np.ndarray = recorded("number", np.int64, "affirmative votes (0 where none was held)")
    no: np.ndarray = recorded("number", np.int64, "negative votes")
    abstain: np.ndarray = recorded("number", np.int64, "abstentions")
    vetoed: np.ndarray = recorded(
        "names",
        bool,
        "(M, ...) the member's no defeated a draft that had the votes",
        name="vetoed_by",
        axis="members",
    )
    votes: np.ndarray = recorded(
        "votes",
        np.int8,
        "(M, ...) each member's vote (ABSTAIN where none was held)",
        name="vote",
        axis="members",
    )

    @classmethod
    def empty(cls, sessions: int, members: int, replicates: int) -> SessionRecord:
        """A log of `sessions` sessions over `replicates` replicates, all zero."""
        arrays = {}
        for name, spec in _recorded_fields(cls):
            per_member = (members,) if spec.axis == "members" else ()
            arrays[name] = np.zeros((sessions, *per_member, replicates), dtype=spec.dtype)
        return cls(**arrays)

    def store(self, index: int, rows: np.ndarray, session: SessionRecord) -> None:
        """Write one session's record (over the replicates `rows`) into this log at `index`."""
        for name, _ in _recorded_fields(SessionRecord):
            getattr(self, name)[index][..., rows] = getattr(session, name)

    def at(self, index: int) -> SessionRecord:
        """The record of session `index` of this log."""
        return SessionRecord(**{name: getattr(self, name)[index] for name in _field_names()})

    def copy(self) -> SessionRecord:
        """A copy that shares no array with this record."""
        return SessionRecord(**{name: getattr(self, name).copy() for name in _field_names()})


def _field_names() -> list[str]:
    return [name for name, _ in _recorded_fields(SessionRecord)]


@dataclass(frozen=True, eq=False)
class RunRecords:
    """Everything recorded about R replicates of one scenario run.

    Array shapes use R replicates, N parties, K issues, S Council sessions and M members.
    """

    scenario: str
    seed: int
    issues: tuple[str, ...]
    parties: tuple[str, ...]
    sessions: tuple[int, ...]
    """The rounds of the Council sessions."""
    members: tuple[str, ...]
    outcome: np.ndarray = recorded("outcome", np.int8, "(R,) `Outcome` codes")
    end_round: np.ndarray = recorded(
        "number", np.int64, "(R,) the round the replicate ended (the horizon for a deadlock)"
    )
    point: np.ndarray = recorded(
        "per_issue", float, "(R, K) the agreement, adopted draft or declared point; NaN if none"
    )
    proposals: np.ndarray = recorded("number", np.int64, "(R,) joint troika proposals made")
    council: SessionRecord = field()
    """The Council's record, shapes (S, R) and (S, M, R)."""
    recognised: np.ndarray = recorded(
        "names",
        bool,
        "(N, R) the party recognised a unilateral act",
        name="recognised_by",
        axis="parties",
    )
    gap: np.ndarray = recorded(
        "per_issue", float, "(R, K) final gap between the disputants (largest minus smallest)"
    )
    positions: np.ndarray = recorded(
        "per_party_issue",
        float,
        "(N, R, K) final positions (current ones for replicates still running)",
        name="position",
    )

    @property
    def replicates(self) -> int:
        """Number of replicates R."""
        return int(self.outcome.shape[0])

    @property
    def labels(self) -> Labels:
        """The names along the records' axes."""
        return Labels(self.issues, self.parties, self.members)

    def counts(self) -> dict[str, int]:
        """Number of replicates per terminal outcome, in reporting order."""
        return {o.label: int((self.outcome == o).sum()) for o in OUTCOMES}

    def vetoed_by(self) -> list[tuple[str, ...]]:
        """Per replicate, the members who vetoed a draft at any session."""
        any_session = self.council.vetoed.any(axis=0)
        return [
            tuple(m for m, hit in zip(self.members, col, strict=True) if hit)
            for col in any_session.T
        ]

    @staticmethod
    def text_columns(scenario: Scenario) -> set[str]:
        """The columns of a runs table of `scenario` that hold text (names, labels, votes).

        Reading them as text keeps a party called `true` or `inf` a name, not a value.
        """
        _, _, issues, parties, members, rounds = _axes(scenario)
        labels = Labels(issues, parties, members)
        text = {
            c for f, spec in _recorded_fields(RunRecords) for c, t in spec.columns(f, labels) if t
        }
        for round_ in rounds:
            for f, spec in _session():
                text |= {f"session{round_}.{c}" for c, t in spec.columns(f, labels) if t}
        return text

    def to_frame(self) -> pd.DataFrame:
        """The tidy table of the run: one row per replicate.

        Columns: `replicate`, `outcome`, `end_round`, the outcome's point per issue
        (`point.<issue>`), troika `proposals`, drafts tabled and withdrawn, the Council record
        per session (`session<round>.` tabled, withdrawn, amendments, yes, no, abstain,
        vetoed_by, and `vote.<member>`: yes, no, abstain, or empty where no vote was held),
        `recognised_by`, the final gap per issue (`gap.<issue>`) and the final position of each
        party per issue (`position.<party>.<issue>`). Lists of names are joined by ";". Names
        never contain "." or ";", so no two columns or list items can be confused.
        """
        labels = self.labels
        columns: dict[str, object] = {"replicate": np.arange(self.replicates)}
        for name, spec in _recorded_fields(RunRecords):
            columns.update(spec.encode(name, getattr(self, name), labels))
            if name == "proposals":
                columns.update(self._council_columns())
        return pd.DataFrame(columns)

    def _council_columns(self) -> dict[str, object]:
        council = self.council
        columns: dict[str, object] = {
            "drafts_tabled": council.tabled.sum(axis=0),
            "drafts_withdrawn": council.withdrawn.sum(axis=0),
        }
        for s, round_ in enumerate(self.sessions):
            session = council.at(s)
            for name, spec in _session():
                encoded = spec.encode(name, getattr(session, name), self.labels, session.tabled)
                columns.update({f"session{round_}.{key}": value for key, value in encoded.items()})
        return columns

    @classmethod
    def from_frame(
        cls, frame: pd.DataFrame, scenario: Scenario, seed: int | None = None
    ) -> RunRecords:
        """The records of a runs table (`to_frame`, or `runs.csv` read back) of `scenario`.

        `seed` defaults to the scenario's. Raises ValueError, naming the column, if the table
        does not fit the scenario (a column missing, a label or name unknown, text for a
        number).
        """
        name, file_seed, issues, parties, members, rounds = _axes(scenario)
        labels = Labels(issues, parties, members)
        replicate = frame.get("replicate")
        if replicate is None or not np.array_equal(
            _numbers(replicate, np.int64), np.arange(len(frame))
        ):
            raise ValueError("the runs table's replicate column is not 0, 1, 2, ...")
        arrays: dict[str, Any] = {
            field_name: spec.decode(field_name, frame, labels)
            for field_name, spec in _recorded_fields(cls)
        }
        log = SessionRecord.empty(len(rounds), len(members), len(frame))
        for s, round_ in enumerate(rounds):
            prefix = f"session{round_}."
            present = frame[[c for c in frame.columns if c.startswith(prefix)]]
            session = present.rename(columns={c: c.removeprefix(prefix) for c in present.columns})
            decoded = {f: spec.decode(f, session, labels) for f, spec in _session()}
            log.store(s, np.arange(len(frame)), SessionRecord(**decoded))
        return cls(
            scenario=name,
            seed=file_seed if seed is None else seed,
            issues=issues,
            parties=parties,
            sessions=rounds,
            members=members,
            council=log,
            **arrays,
        )


def _session() -> list[tuple[str, Column]]:
    return list(_recorded_fields(SessionRecord))


def _axes(scenario: Scenario) -> tuple[str, int, tuple, tuple, tuple, tuple]:
    """Name, seed, issues, parties, Council members and session rounds of `scenario`."""
    council = scenario.security_council
    return (
        scenario.name,
        scenario.seed,
        tuple(scenario.issue_names),
        tuple(scenario.party_names),
        tuple(council.members) if council else (),
        tuple(council.session_rounds) if council else (),
    )


def record_labels(scenario: Scenario) -> dict[str, Any]:
    """The non-array fields of `RunRecords` for a run of `scenario` (seed: the scenario's)."""
    name, seed, issues, parties, members, rounds = _axes(scenario)
    return {
        "scenario": name,
        "seed": seed,
        "issues": issues,
        "parties": parties,
        "sessions": rounds,
        "members": members,
    }


QUANTILES = (0.05, 0.5, 0.95)
"""The quantiles a trajectory reports per round: a 90% band around the median."""

TRAJECTORY_TEXT = {"kind", "party", "issue"}
"""The columns of a trajectory table that hold text."""


@dataclass(frozen=True, eq=False)
class Trajectory:
    """Per-round summaries of a run across its live replicates (from the data collector).

    Row t describes the state after round t (row 0: the starting positions). T rounds, N
    parties, K issues; the last axis of a quantile array runs over `QUANTILES`.
    """

    scenario: str
    issues: tuple[str, ...]
    parties: tuple[str, ...]
    live: np.ndarray
    """(T,) int: replicates still negotiating after the round."""
    positions: np.ndarray
    """(T, N, K, 3): quantiles of each party's position over the live replicates."""
    united: np.ndarray
    """(T,) int: replicates that received a joint troika proposal in the round."""
    proposal: np.ndarray
    """(T, K, 3): quantiles of the joint proposals made in the round (NaN where none)."""

    def to_frame(self) -> pd.DataFrame:
        """The tidy table: one row per round, kind, party and issue.

        Columns: `round`, `kind` ("position" or "proposal"), `party` (empty for proposals),
        `issue`, `replicates` (those the quantiles are taken over), `p05`, `median`, `p95`.
        Rounds without a proposal have no proposal rows.
        """
        rounds = np.arange(len(self.live))
        n, k = len(self.parties), len(self.issues)
        positions = pd.DataFrame(
            {
                "round": np.repeat(rounds, n * k),
                "kind": "position",
                "party": np.tile(np.repeat(self.parties, k), len(rounds)),
                "issue": np.tile(self.issues, len(rounds) * n),
                "replicates": np.repeat(self.live, n * k),
            }
        )
        made = self.united > 0
        proposals = pd.DataFrame(
            {
                "round": np.repeat(rounds[made], k),
                "kind": "proposal",
                "party": "",
                "issue": np.tile(self.issues, int(made.sum())),
                "replicates": np.repeat(self.united[made], k),
            }
        )
        for q, name in enumerate(("p05", "median", "p95")):
            positions[name] = self.positions[..., q].reshape(-1)
            proposals[name] = self.proposal[made][..., q].reshape(-1)
        table = pd.concat([positions, proposals], ignore_index=True)
        return table.sort_values(["round", "kind"], kind="stable", ignore_index=True)
