"""Per-replicate records of a model run, their tidy table, and per-round trajectories.

A run's records are arrays with one declared field list: `RunRecords` for the run, with the
Council's record per session declared once in `SessionRecord`. Each array field declares how it
is written as columns of the tidy table (its `Column` kind), so `RunRecords.to_frame` and
`RunRecords.from_frame` are the two directions of one mapping and round-trip exactly. Summaries
and figures read the typed records, never the column names.

Reading a table back checks it against the same declarations, whatever its source: exactly the
columns the writer writes, in order (`check_columns`), and every value of the kind and within the
range its field declares (`Column.bounds`), so a doctored table is refused with a message naming
its column, its row, the value found (a short excerpt, `sim.inputs.shown`) and what was expected.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from enum import IntEnum
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.inputs import EXCERPT, shown
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
    horizon: int | None = None
    """The scenario's last round (None: not known; reading records back needs it)."""

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
      sessions (`drafts_tabled`, `drafts_withdrawn`, written, and read back only as checked
      counts), then each session's fields under `session<round>.`.

    Every column name may carry a `prefix` (a session's fields carry theirs).
    """

    kind: str
    dtype: Any
    name: str | None = None
    """The column name (prefix), if not the field's."""
    axis: str | None = None
    """For `names` and `votes`: "parties" or "members"."""
    bounds: tuple[float, float] | str | None = None
    """For numbers: the range every value read back must lie in: a pair (low, high); for points
    on the issues "scale" (the issue's scale) or "span" (0 to its length); "horizon" (a round,
    0 to the scenario's horizon), "members" (0 to the number of Council members) or "sessions"
    (0 to the number of Council sessions). Numbers read back are finite whatever their bounds."""
    missing: bool = False
    """For numbers: whether a value may be missing (NaN, written as an empty field)."""

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

        The columns are there (`RunRecords.from_frame` checks them first). Raises ValueError,
        naming the column, the value and its row, if a value does not fit.
        """
        names = [name for name, _ in self.columns(field_name, labels, prefix)]
        if self.kind == "number":
            return self._checked(frame[names[0]], labels)
        if self.kind == "outcome":
            return _codes(frame[names[0]], {o.label: o for o in Outcome}, np.int8)
        if self.kind == "per_issue":
            values = [self._checked(frame[n], labels, k) for k, n in enumerate(names)]
            return np.stack(values, axis=-1).reshape(len(frame), len(names))
        if self.kind == "rows":
            values = [self._checked(frame[n], labels) for n in names]
            return np.array(values, dtype=self.dtype).reshape(len(names), len(frame))
        if self.kind == "per_party_issue":
            shape = (len(labels.parties), len(labels.issues), len(frame))
            k = len(labels.issues)
            values = np.array(
                [self._checked(frame[n], labels, i % k) for i, n in enumerate(names)]
            ).reshape(shape)
            return values.transpose(0, 2, 1).copy()
        if self.kind == "names":
            return _hits(frame[names[0]], self._axis(labels))
        if self.kind == "sessions":
            for total in ("drafts_tabled", "drafts_withdrawn"):
                _SESSION_COUNT._checked(frame[total], labels)
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

    def _range(self, labels: Labels, issue: int | None) -> tuple[float, float, str]:
        """The bounds of this field's values (on issue number `issue`), and how to say them."""
        if self.bounds in ("scale", "span"):
            low, high = labels.scale(issue)
            if self.bounds == "span":
                return 0.0, high - low, f"0 to {high - low:g}, the length of {labels.issues[issue]}"
            return low, high, f"{low:g} to {high:g}, the scale of {labels.issues[issue]}"
        if self.bounds == "horizon":
            return 0, labels.horizon, f"0 to the horizon {labels.horizon}"
        if self.bounds == "members":
            return 0, len(labels.members), f"0 to {len(labels.members)}, the Council's members"
        if self.bounds == "sessions":
            return 0, len(labels.sessions), f"0 to {len(labels.sessions)}, the Council's sessions"
        if isinstance(self.bounds, tuple):
            low, high = self.bounds
            return low, high, f"{low:g} to {high:g}"
        return -np.inf, np.inf, "a finite number"

    def _checked(self, values: pd.Series, labels: Labels, issue: int | None = None) -> np.ndarray:
        """A column of numbers in this field's dtype, within its bounds (on issue `issue`).

        A value may be missing only where the field allows it. Raises ValueError naming the
        column, the first value that does not fit and its row.
        """
        numbers = _numbers(values, self.dtype)
        if numbers.dtype == np.bool_:
            return numbers
        low, high, expected = self._range(labels, issue)
        fits = np.isfinite(numbers) & (numbers >= low) & (numbers <= high)
        if self.missing:
            fits |= np.isnan(numbers)
            expected += ", or empty"
        if not fits.all():
            raise _refused(values, int(np.argmin(fits)), expected)
        return numbers


_OUTCOME_LABELS = np.array([o.label for o in Outcome], dtype=object)
_VOTE_TEXT = np.array([VOTE_LABELS[NO], VOTE_LABELS[ABSTAIN], VOTE_LABELS[YES]], dtype=object)
_COUNT = (0, np.inf)
_SESSION_COUNT = Column("number", np.int64, bounds="sessions")
"""The drafts tabled (or withdrawn) over a run's sessions: at most one per session."""


def recorded(
    kind: str,
    dtype: Any,
    doc: str,
    *,
    name: str | None = None,
    axis: str | None = None,
    bounds: tuple[float, float] | str | None = None,
    missing: bool = False,
) -> Any:
    """A record field written as columns of kind `kind` (see `Column`)."""
    spec = Column(kind, dtype, name, axis, bounds, missing)
    return field(metadata={"column": spec, "doc": doc})


def _recorded_fields(cls: type) -> Iterator[tuple[str, Column]]:
    for f in fields(cls):
        if "column" in f.metadata:
            yield f.name, f.metadata["column"]


def _text(value: object) -> str:
    """A text cell: missing (an empty field read back from CSV) is ""."""
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


_EXACT = 2.0**53
"""Whole numbers read back are smaller than this in size: every one is then exactly a float."""


def _numbers(values: pd.Series, dtype: Any) -> np.ndarray:
    """`values` as an array of `dtype`, each value read as written.

    Booleans are True or False; an integer dtype takes whole numbers (below `_EXACT`, so
    exactly as written); a float any number (NaN and inf included: bounds are checked later).
    Raises ValueError naming the column, the first value that is not one and its row.
    """
    array = values.to_numpy()
    if np.dtype(dtype) == np.bool_:
        if array.dtype == np.bool_:
            return array.copy()
        text = [_text(v) for v in array]
        wrong = next((r for r, t in enumerate(text) if t not in ("True", "False")), None)
        if wrong is not None:
            raise _refused(values, wrong, "True or False")
        return np.array([t == "True" for t in text], dtype=bool)
    try:
        numbers = array.astype(float)
    except (TypeError, ValueError, OverflowError):
        wrong = next(r for r, v in enumerate(array) if not _number(v))
        raise _refused(values, wrong, "a number") from None
    if np.dtype(dtype).kind not in "iu":
        return numbers
    whole = np.isfinite(numbers) & (np.trunc(numbers) == numbers) & (np.abs(numbers) < _EXACT)
    if not whole.all():
        raise _refused(values, int(np.argmin(whole)), "a whole number")
    return numbers.astype(dtype)


def _number(value: object) -> bool:
    """Whether `value` reads as a number (as numpy's conversion to float reads it)."""
    try:
        float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return False
    return True


def _codes(values: pd.Series, codes: dict[str, Any], dtype: Any) -> np.ndarray:
    """The codes of a column of labels; ValueError names the first label not in `codes`."""
    text = [_text(v) for v in values]
    wrong = next((r for r, t in enumerate(text) if t not in codes), None)
    if wrong is not None:
        raise _refused(values, wrong, _one_of(codes))
    return np.array([codes[t] for t in text], dtype=dtype)


def _hits(values: pd.Series, axis: tuple[str, ...]) -> np.ndarray:
    """(len(axis), R) bool: which of `axis` each cell of `values` lists (names joined by ";")."""
    hits = np.zeros((len(axis), len(values)), dtype=bool)
    index = {name: n for n, name in enumerate(axis)}
    longest = len(";".join(axis))
    for r, item in enumerate(_text(value) for value in values):
        if len(item) > longest:
            raise ValueError(
                f"{values.name} holds '{shown(item)}'; expected at most every name once, "
                f"{longest} characters (row {r})"
            )
        for name in filter(None, item.split(";")):
            if name not in index:
                raise ValueError(
                    f"{values.name} names '{shown(name)}'; expected names joined by ';', each "
                    f"{_one_of(axis)} (row {r})"
                )
            hits[index[name], r] = True
    return hits


def _refused(values: pd.Series, row: int, expected: str) -> ValueError:
    """The error for the value of `values` in `row`, which is not `expected`."""
    found = values.iloc[row]
    shown_found = f"'{shown(found)}'" if isinstance(found, str) else shown(str(found))
    return ValueError(f"{values.name} holds {shown_found}; expected {expected} (row {row})")


def _one_of(names: Iterable[str]) -> str:
    """The words "one of 'a', 'b', ...", cut to a short excerpt if there are many names."""
    return "one of " + shown(", ".join(f"'{name}'" for name in names), 3 * EXCERPT)


def check_columns(found: Sequence[str], expected: Sequence[str]) -> None:
    """Check that a table's columns `found` are the `expected` ones, each once and in order.

    Raises ValueError naming the first column missing, not expected, repeated or out of place.
    """
    present, wanted = set(found), set(expected)
    missing = next((name for name in expected if name not in present), None)
    if missing is not None:
        raise ValueError(f"no column '{shown(missing)}' (expected {len(expected)} columns)")
    extra = next((name for name in found if name not in wanted), None)
    if extra is not None:
        raise ValueError(
            f"a column '{shown(extra)}' that is not one of the {len(expected)} expected"
        )
    if list(found) != list(expected):
        pairs = enumerate(zip(found, expected, strict=False))  # a repeat makes `found` longer
        at = next((i for i, (name, wanted_name) in pairs if name != wanted_name), len(expected))
        should = f"'{shown(expected[at])}'" if at < len(expected) else "no more columns"
        raise ValueError(
            f"column {at + 1} is '{shown(found[at])}'; expected {should} (each of the "
            f"{len(expected)} columns once, in the order they are written)"
        )


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
        "number", np.int64, "affirmative votes (0 where none was held)", bounds="members"
    )
    no: np.ndarray = recorded("number", np.int64, "negative votes", bounds="members")
    abstain: np.ndarray = recorded("number", np.int64, "abstentions", bounds="members")
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
        bounds="horizon",
    )
    point: np.ndarray = recorded(
        "per_issue",
        float,
        "(R, K) the agreement, adopted draft or declared point; NaN if none",
        bounds="scale",
        missing=True,
    )
    proposals: np.ndarray = recorded(
        "number",
        np.int64,
        "(R,) joint troika proposals made (one a round at most)",
        bounds="horizon",
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
    def column_names(scenario: Scenario) -> list[str]:
        """The columns of a runs table of `scenario`, in the order `to_frame` writes them."""
        labels = _labels(scenario)
        return [
            "replicate",
            *(
                name
                for field_name, spec in _recorded_fields(RunRecords)
                for name, _ in spec.columns(field_name, labels)
            ),
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

        `seed` defaults to the scenario's. Raises ValueError, naming the column and the row, if
        the table does not fit the scenario: a column missing, extra or out of order, replicates
        not numbered 0, 1, 2, ..., a label or name unknown, text for a number, a number out of
        its range (a round beyond the horizon, a position outside its issue's scale, more votes
        than members) or not finite.
        """
        labels = _labels(scenario)
        check_columns(list(frame.columns), cls.column_names(scenario))
        replicate = frame["replicate"]
        wrong = _numbers(replicate, np.int64) != np.arange(len(frame))
        if wrong.any():
            row = int(np.argmax(wrong))
            raise _refused(replicate, row, f"{row}: the replicates numbered 0, 1, 2, ... in order")
        arrays = {
            field_name: spec.decode(field_name, frame, labels)
            for field_name, spec in _recorded_fields(cls)
        }
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
        scenario.horizon,
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

        Raises ValueError, naming the column and the row, if the table does not describe a
        run of `scenario`: a column missing, extra or out of order, no rows, an unknown kind,
        party or issue, a round beyond the horizon, more replicates than the run's, a quantile
        off its issue's scale (or not empty where no replicate was live), or rows that
        `to_frame` would not write for the quantiles they hold.
        """
        check_columns(list(frame.columns), TRAJECTORY_COLUMNS)
        table = frame.assign(party=frame["party"].map(_text))
        labels = _labels(scenario)
        issues, parties = labels.issues, labels.parties
        rounds = _ROUND._checked(table["round"], labels)
        replicates = Column("number", np.int64, bounds=(0, scenario.replicates))
        live = replicates._checked(table["replicates"], labels)
        kinds = _codes(table["kind"], {"position": 0, "proposal": 1}, np.int8)
        party = _codes(table["party"], {p: n for n, p in enumerate(parties)} | {"": -1}, np.int64)
        issue = _codes(table["issue"], {i: k for k, i in enumerate(issues)}, np.int64)
        if not len(rounds):
            raise ValueError("the trajectory table has no rows; expected one per round")
        quantiles = _quantiles(table, issue, live, labels)
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

_ROUND = Column("number", np.int64, bounds="horizon")
"""A round of a trajectory table, 0 (the start) to the horizon."""


def _quantiles(
    table: pd.DataFrame, issue: np.ndarray, live: np.ndarray, labels: Labels
) -> np.ndarray:
    """(rows, 3): a trajectory table's quantiles, on the scale of each row's issue.

    They are empty (NaN) where no replicate was live, and only there. Raises ValueError naming
    the column, the first value that does not fit and its row.
    """
    scales = np.array([labels.scale(k) for k in range(len(labels.issues))]).reshape(-1, 2)
    low, high = scales[issue, 0], scales[issue, 1]
    columns = []
    for name in TRAJECTORY_QUANTILES:
        values = _numbers(table[name], float)
        on_scale = np.isfinite(values) & (values >= low) & (values <= high)
        fits = np.where(live > 0, on_scale, np.isnan(values))
        if not fits.all():
            row = int(np.argmin(fits))
            expected = (
                f"{low[row]:g} to {high[row]:g}, the scale of {labels.issues[issue[row]]}"
                if live[row] > 0
                else "empty: no replicate was live"
            )
            raise _refused(table[name], row, expected)
        columns.append(values)
    return np.stack(columns, axis=-1)


TRAJECTORY_COLUMNS = ("round", "kind", "party", "issue", "replicates", *TRAJECTORY_QUANTILES)
"""The columns of a trajectory table, in order."""
