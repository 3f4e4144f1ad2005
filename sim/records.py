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
    """The names along the axes of a run's records, and the rounds of its Council sessions."""

    issues: tuple[str, ...]
    parties: tuple[str, ...]
    members: tuple[str, ...]
    sessions: tuple[int, ...]
    drawn: tuple[str, ...] = ()
    """The paths of the values drawn per replicate, in order."""
    events: tuple[str, ...] = ()
    """The names of the scenario's events, in order."""
    seated: tuple[tuple[bool, ...], ...] = ()
    """Per session, which of `members` sit in it (empty: all of them, in every session)."""
    scales: tuple[tuple[float, float], ...] = ()
    """Per issue, its scale (low, high) (empty: [0, 1] on every issue)."""

    def scale(self, issue: int) -> tuple[float, float]:
        """The scale of issue number `issue`."""
        return self.scales[issue] if self.scales else (0.0, 1.0)


def session_prefix(round_: int) -> str:
    """How the columns of the Council session in `round_` begin: `session<round>.`."""
    return f"session{round_}."


@dataclass(frozen=True)
class Column:
    """How a record field is written in the runs table, and read back.

    Kinds (R replicates; K issues, N parties, M Council members, S sessions):

    - `number`: an (R,) array, one column named after the field;
    - `outcome`: (R,) `Outcome` codes, one column of outcome labels;
    - `per_issue`: (R, K), a column `<field>.<issue>` per issue;
    - `per_party_issue`: (N, R, K), a column `<name>.<party>.<issue>` per party and issue;
    - `rows`: (X, R), a column `<name>.<label>` per label along `axis` ("drawn": the paths
      of the values drawn per replicate; "events": the events' names);
    - `names`: (N or M, R) bool, one column `name` listing the parties (or members) hit,
      joined by ";", "" for none;
    - `votes`: (M, R) vote codes, a column `<name>.<member>` per member holding yes, no or
      abstain, "" where no vote was held (the code is then ABSTAIN);
    - `sessions`: a `SessionRecord` of S sessions: the drafts tabled and withdrawn over all
      sessions (`drafts_tabled`, `drafts_withdrawn`, written, not read back), then each
      session's fields under `session<round>.`.

    Every column name may carry a `prefix` (a session's fields carry theirs).
    """

    kind: str
    dtype: Any
    name: str | None = None
    """The column name (prefix), if not the field's."""
    axis: str | None = None
    """For `names` and `votes`: "parties" or "members"."""
    bounds: tuple[float, float] | str | None = None
    """For numbers: the range every value read back must lie in (and not be missing); for
    points on the issues, "scale" (the issue's scale) or "span" (0 to its length)."""

    def columns(self, field_name: str, labels: Labels, prefix: str = "") -> list[tuple[str, bool]]:
        """The columns this field is written to, each with whether it holds text."""
        name = prefix + (self.name or field_name)
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
        if self.kind == "rows":
            return [(column(name, label), False) for label in getattr(labels, self.axis)]
        if self.kind == "sessions":
            totals = [("drafts_tabled", False), ("drafts_withdrawn", False)]
            return totals + [
                entry
                for round_ in labels.sessions
                for f, spec in _recorded_fields(SessionRecord)
                for entry in spec.columns(f, labels, session_prefix(round_))
            ]
        return [(name, self.kind in ("outcome", "names"))]

    def encode(
        self, field_name: str, values: Any, labels: Labels, prefix: str = "", held: Any = None
    ) -> dict[str, Any]:
        """The field's columns, by name (`held`: for votes, where a vote was held)."""
        names = [name for name, _ in self.columns(field_name, labels, prefix)]
        if self.kind == "number":
            return {names[0]: values}
        if self.kind == "outcome":
            return {names[0]: _OUTCOME_LABELS[values - Outcome.ONGOING]}
        if self.kind == "per_issue":
            return {name: values[:, k] for k, name in enumerate(names)}
        if self.kind == "rows":
            return {name: values[x] for x, name in enumerate(names)}
        if self.kind == "per_party_issue":
            n_issues = len(labels.issues)
            return {name: values[i // n_issues, :, i % n_issues] for i, name in enumerate(names)}
        if self.kind == "names":
            axis = np.array(self._axis(labels), dtype=object)
            patterns, inverse = np.unique(values.T, axis=0, return_inverse=True)
            texts = [";".join(axis[hit]) for hit in patterns]  # once per distinct list
            return {names[0]: [texts[i] for i in inverse.reshape(-1)]}
        if self.kind == "sessions":
            columns = {
                "drafts_tabled": values.tabled.sum(axis=0),
                "drafts_withdrawn": values.withdrawn.sum(axis=0),
            }
            for s, round_ in enumerate(labels.sessions):
                session = values.at(s)
                held = session.tabled[None, :]
                if labels.seated:  # a seat that is not a member does not vote
                    held = held & np.array(labels.seated[s])[:, None]
                for f, spec in _recorded_fields(SessionRecord):
                    field_values = getattr(session, f)
                    prefixed = session_prefix(round_)
                    columns.update(spec.encode(f, field_values, labels, prefixed, held))
            return columns
        written = _VOTE_TEXT[values - NO]
        held = np.broadcast_to(held, written.shape)
        return {name: np.where(held[m], written[m], "") for m, name in enumerate(names)}

    def decode(self, field_name: str, frame: pd.DataFrame, labels: Labels, prefix: str = "") -> Any:
        """The field read back from its columns of `frame`.

        Raises ValueError, naming the column, if they do not fit.
        """
        names = [name for name, _ in self.columns(field_name, labels, prefix)]
        missing = [name for name in names if name not in frame.columns]
        if missing:
            raise ValueError(f"no column {missing[0]!r} in the runs table")
        if self.kind == "number":
            return self._checked(frame[names[0]])
        if self.kind == "outcome":
            return _codes(frame[names[0]], {o.label: o for o in Outcome}, np.int8)
        if self.kind == "per_issue":
            values = [self._checked(frame[n], self._bounds(labels, k)) for k, n in enumerate(names)]
            return np.stack(values, axis=-1).reshape(len(frame), len(names))
        if self.kind == "rows":
            values = [self._checked(frame[n]) for n in names]
            return np.array(values, dtype=self.dtype).reshape(len(names), len(frame))
        if self.kind == "per_party_issue":
            shape = (len(labels.parties), len(labels.issues), len(frame))
            k = len(labels.issues)
            values = np.array(
                [self._checked(frame[n], self._bounds(labels, i % k)) for i, n in enumerate(names)]
            ).reshape(shape)
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
        if self.kind == "sessions":
            log = SessionRecord.empty(len(labels.sessions), len(labels.members), len(frame))
            for s, round_ in enumerate(labels.sessions):
                decoded = {
                    f: spec.decode(f, frame, labels, session_prefix(round_))
                    for f, spec in _recorded_fields(SessionRecord)
                }
                log.store(s, np.arange(len(frame)), SessionRecord(**decoded))
            return log
        codes = {label: code for code, label in VOTE_LABELS.items()} | {"": ABSTAIN}
        return np.array([_codes(frame[n], codes, np.int8) for n in names]).reshape(
            len(names), len(frame)
        )

    def _axis(self, labels: Labels) -> tuple[str, ...]:
        return labels.members if self.axis == "members" else labels.parties

    def _bounds(self, labels: Labels, issue: int) -> tuple[float, float] | None:
        """This field's bounds on issue number `issue`: its scale, or its scale's length."""
        low, high = labels.scale(issue)
        if self.bounds == "scale":
            return low, high
        if self.bounds == "span":
            return 0.0, high - low
        return self.bounds

    def _checked(self, values: pd.Series, bounds: Any = None) -> np.ndarray:
        """A column of numbers in this field's dtype and bounds (or the `bounds` given)."""
        numbers = _numbers(values, self.dtype)
        bounds = self.bounds if bounds is None else bounds
        if bounds is not None:
            low, high = bounds
            outside = ~((numbers >= low) & (numbers <= high))
            if outside.any():
                found = numbers[int(np.argmax(outside))].item()
                raise ValueError(f"{values.name} holds {found!r}; expected {low:g} to {high:g}")
        return numbers


_OUTCOME_LABELS = np.array([o.label for o in Outcome], dtype=object)
_VOTE_TEXT = np.array([VOTE_LABELS[NO], VOTE_LABELS[ABSTAIN], VOTE_LABELS[YES]], dtype=object)
_COUNT = (0, np.inf)


def recorded(
    kind: str,
    dtype: Any,
    doc: str,
    *,
    name: str | None = None,
    axis: str | None = None,
    bounds: tuple[float, float] | None = None,
) -> Any:
    """A record field written as columns of kind `kind` (see `Column`)."""
    return field(metadata={"column": Column(kind, dtype, name, axis, bounds), "doc": doc})


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


def _codes(values: pd.Series, codes: dict[str, Any], dtype: Any) -> np.ndarray:
    text = [_text(v) for v in values]
    unknown = set(text) - set(codes)
    if unknown:
        raise ValueError(
            f"{values.name} holds {sorted(unknown)[0]!r}; expected one of {sorted(codes)}"
        )
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
    amendments: np.ndarray = recorded(
        "number", np.int64, "amendments made to the draft", bounds=_COUNT
    )
    yes: np.ndarray = recorded(
        "number", np.int64, "affirmative votes (0 where none was held)", bounds=_COUNT
    )
    no: np.ndarray = recorded("number", np.int64, "negative votes", bounds=_COUNT)
    abstain: np.ndarray = recorded("number", np.int64, "abstentions", bounds=_COUNT)
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

    def where(self, held: np.ndarray) -> SessionRecord:
        """This one session's record where `held` ((L,) bool), an empty one elsewhere."""
        return SessionRecord(
            **{
                name: np.where(held, getattr(self, name), ABSTAIN if name == "votes" else 0).astype(
                    spec.dtype
                )
                for name, spec in _recorded_fields(SessionRecord)
            }
        )


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
    uncertain: tuple[str, ...]
    """The paths of the values drawn per replicate (`drawn_values`), in order."""
    events: tuple[str, ...]
    """The names of the scenario's events (`happened`), in order."""
    seated: tuple[tuple[bool, ...], ...]
    """Per session, which of `members` sat in it (a member's vote where it did not is "")."""
    scales: tuple[tuple[float, float], ...]
    """Per issue, its scale (low, high): points and positions are in the issues' units."""
    drawn_values: np.ndarray = recorded(
        "rows", float, "(U, R) each uncertain value as drawn", name="drawn", axis="drawn"
    )
    happened: np.ndarray = recorded(
        "rows", bool, "(E, R) the event happened", name="event", axis="events"
    )
    outcome: np.ndarray = recorded("outcome", np.int8, "(R,) `Outcome` codes")
    end_round: np.ndarray = recorded(
        "number",
        np.int64,
        "(R,) the round the replicate ended (the horizon for a deadlock; 0 while running)",
        bounds=_COUNT,
    )
    point: np.ndarray = recorded(
        "per_issue", float, "(R, K) the agreement, adopted draft or declared point; NaN if none"
    )
    proposals: np.ndarray = recorded(
        "number", np.int64, "(R,) joint troika proposals made", bounds=_COUNT
    )
    council: SessionRecord = recorded(
        "sessions", SessionRecord, "the Council's record, shapes (S, R) and (S, M, R)"
    )
    adopted: np.ndarray = recorded(
        "number", bool, "(R,) the Council adopted a resolution", name="resolution_adopted"
    )
    accepted: np.ndarray = recorded(
        "number",
        bool,
        "(R,) every disputant accepted the resolution adopted (then it ended the dispute)",
        name="resolution_accepted",
    )
    recognised: np.ndarray = recorded(
        "names",
        bool,
        "(N, R) the party recognised a unilateral act",
        name="recognised_by",
        axis="parties",
    )
    gap: np.ndarray = recorded(
        "per_issue",
        float,
        "(R, K) final gap between the disputants (largest minus smallest)",
        bounds="span",
    )
    positions: np.ndarray = recorded(
        "per_party_issue",
        float,
        "(N, R, K) final positions (current ones for replicates still running)",
        name="position",
        bounds="scale",
    )

    @property
    def replicates(self) -> int:
        """Number of replicates R."""
        return int(self.outcome.shape[0])

    @property
    def labels(self) -> Labels:
        """The names along the records' axes."""
        return Labels(
            self.issues,
            self.parties,
            self.members,
            self.sessions,
            self.uncertain,
            self.events,
            self.seated,
            self.scales,
        )

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
        labels = _labels(scenario)
        return {
            name
            for field_name, spec in _recorded_fields(RunRecords)
            for name, text in spec.columns(field_name, labels)
            if text
        }

    def to_frame(self) -> pd.DataFrame:
        """The tidy table of the run: one row per replicate, the fields' columns in order.

        Columns: `replicate`, `outcome`, `end_round`, the outcome's point per issue
        (`point.<issue>`), troika `proposals`, drafts tabled and withdrawn, the Council record
        per session (`session<round>.` tabled, withdrawn, amendments, yes, no, abstain,
        vetoed_by, and `vote.<member>`: yes, no, abstain, or empty where no vote was held),
        `recognised_by`, the final gap per issue (`gap.<issue>`) and the final position of each
        party per issue (`position.<party>.<issue>`). Lists of names are joined by ";". Names
        never contain "." or ";", so no two columns or list items can be confused.
        """
        return pd.DataFrame(self.columns())

    def columns(self) -> dict[str, Any]:
        """The columns of `to_frame`, by name and in order: numpy arrays, or lists of text."""
        labels = self.labels
        columns: dict[str, Any] = {"replicate": np.arange(self.replicates)}
        for name, spec in _recorded_fields(RunRecords):
            columns.update(spec.encode(name, getattr(self, name), labels))
        return columns

    @classmethod
    def from_frame(
        cls, frame: pd.DataFrame, scenario: Scenario, seed: int | None = None
    ) -> RunRecords:
        """The records of a runs table (`to_frame`, or `runs.csv` read back) of `scenario`.

        `seed` defaults to the scenario's. Raises ValueError, naming the column, if the table
        does not fit the scenario: a column missing, a label or name unknown, text for a
        number, a number out of its range (a round beyond the horizon, a position outside
        [0, 1]).
        """
        labels = _labels(scenario)
        replicate = frame.get("replicate")
        if replicate is None or not np.array_equal(
            _numbers(replicate, np.int64), np.arange(len(frame))
        ):
            raise ValueError("the runs table's replicate column is not 0, 1, 2, ...")
        arrays = {
            field_name: spec.decode(field_name, frame, labels)
            for field_name, spec in _recorded_fields(cls)
        }
        beyond = arrays["end_round"] > scenario.horizon
        if beyond.any():
            found = arrays["end_round"][beyond][0].item()
            raise ValueError(
                f"end_round holds {found}; expected 0 to the horizon {scenario.horizon}"
            )
        return cls(**record_labels(scenario) | ({} if seed is None else {"seed": seed}), **arrays)


def _labels(scenario: Scenario) -> Labels:
    axes = record_labels(scenario)
    return Labels(
        axes["issues"],
        axes["parties"],
        axes["members"],
        axes["sessions"],
        axes["uncertain"],
        axes["events"],
        axes["seated"],
        axes["scales"],
    )


def _axes(scenario: Scenario) -> tuple[str, int, tuple, tuple, tuple, tuple]:
    """Name, seed, issues, parties, Council members and session rounds of `scenario`."""
    council = scenario.council
    return (
        scenario.name,
        scenario.seed,
        tuple(scenario.issue_names),
        tuple(scenario.party_names),
        tuple(council.seats) if council else (),
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
        "uncertain": tuple(sorted(scenario.uncertainty)),
        "events": tuple(event.name for event in scenario.events),
        "seated": _seated(scenario),
        "scales": tuple(scenario.scales.values()),
    }


def _seated(scenario: Scenario) -> tuple[tuple[bool, ...], ...]:
    """Per session of the body, which of its seats are members then (`CouncilSpec.members_at`)."""
    council = scenario.council
    if council is None:
        return ()
    return tuple(
        tuple(seat in council.members_at(round_) for seat in council.seats)
        for round_ in council.session_rounds
    )


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
        for q, name in enumerate(TRAJECTORY_QUANTILES):
            positions[name] = self.positions[..., q].reshape(-1)
            proposals[name] = self.proposal[made][..., q].reshape(-1)
        table = pd.concat([positions, proposals], ignore_index=True)
        return table.sort_values(["round", "kind"], kind="stable", ignore_index=True)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, scenario: Scenario) -> Trajectory:
        """The trajectory of a trajectory table (`to_frame`, or `trajectories.csv` read back).

        Raises ValueError if the table does not describe a run of `scenario`: a column
        missing, an unknown kind, party or issue, a round beyond the horizon, or rows that
        `to_frame` would not write for the quantiles they hold.
        """
        missing = [name for name in TRAJECTORY_COLUMNS if name not in frame.columns]
        if missing:
            raise ValueError(f"no column {missing[0]!r} in the trajectory table")
        table = frame[list(TRAJECTORY_COLUMNS)].assign(party=frame["party"].map(_text))
        _, _, issues, parties, _, _ = _axes(scenario)
        rounds = Column("number", np.int64, bounds=(0, scenario.horizon))._checked(table["round"])
        live = Column("number", np.int64, bounds=_COUNT)._checked(table["replicates"])
        quantiles = np.stack([_numbers(table[q], float) for q in TRAJECTORY_QUANTILES], axis=-1)
        kinds = _codes(table["kind"], {"position": 0, "proposal": 1}, np.int8)
        party = _codes(table["party"], {p: n for n, p in enumerate(parties)} | {"": -1}, np.int64)
        issue = _codes(table["issue"], {i: k for k, i in enumerate(issues)}, np.int64)
        if not len(rounds):
            raise ValueError("the trajectory table has no rows; expected one per round")
        low, median, high = quantiles.T
        disordered = (low > median) | (median > high)
        if disordered.any():
            row = int(np.argmax(disordered))
            raise ValueError(f"row {row} of the trajectory table: p05 <= median <= p95 fails")
        steps = int(rounds.max()) + 1
        trajectory = cls(
            scenario=scenario.name,
            issues=issues,
            parties=parties,
            live=np.zeros(steps, dtype=np.int64),
            positions=np.full((steps, len(parties), len(issues), len(QUANTILES)), np.nan),
            united=np.zeros(steps, dtype=np.int64),
            proposal=np.full((steps, len(issues), len(QUANTILES)), np.nan),
        )
        position = (kinds == 0) & (party >= 0)
        trajectory.live[rounds[position]] = live[position]
        trajectory.positions[rounds[position], party[position], issue[position]] = quantiles[
            position
        ]
        proposal = kinds == 1
        trajectory.united[rounds[proposal]] = live[proposal]
        trajectory.proposal[rounds[proposal], issue[proposal]] = quantiles[proposal]
        rebuilt = trajectory.to_frame()
        given = {"round": rounds, "replicates": live, "kind": table["kind"].to_numpy()}
        given |= {"party": table["party"].to_numpy(), "issue": table["issue"].to_numpy()}
        given |= {q: quantiles[:, n] for n, q in enumerate(TRAJECTORY_QUANTILES)}
        same = len(rebuilt) == len(table) and all(
            np.array_equal(rebuilt[name].to_numpy(), given[name], equal_nan=True)
            if name in TRAJECTORY_QUANTILES
            else (rebuilt[name].to_numpy() == given[name]).all()
            for name in TRAJECTORY_COLUMNS
        )
        if not same:
            raise ValueError("the trajectory table's rows do not describe one run, round by round")
        return trajectory


TRAJECTORY_QUANTILES = ("p05", "median", "p95")
"""The quantile columns of a trajectory table, in `QUANTILES` order."""

TRAJECTORY_COLUMNS = ("round", "kind", "party", "issue", "replicates", *TRAJECTORY_QUANTILES)
"""The columns of a trajectory table, in order."""
