"""Narrated runs: what happens in each round of one replicate, and why, as typed events.

A model built with `narrate=True` (one replicate only) holds a `Narrator`, which the round's
stages call through small hooks (`if model.narrator is not None:`) with the values they have
just decided on. The narrator reads the model's state, never changes it and draws no random
number, so a narrated replicate's records are those of the same replicate run without
narration, alone or in a batch (`NegotiationModel(scenario, replicates=1, first_replicate=n)`
is replicate n of a batch: `sim.streams`).

The events are data first (pydantic models with a `kind`, the `round`, the `parties`
involved and the numbers behind each decision; points, lines and moves in the issues' own
units, utilities in utility units), so that the same list feeds the command line
(`python run.py explain`), a handout and a browser's log. `Narrative` is one replicate's
story: a header (scenario, seed, replicate, the values it drew) and its events, as JSON with
stable keys (`Narrative.model_dump_json`, read back with `Narrative.model_validate_json`).
`to_text` and `to_markdown` tell it in plain English from the data alone.

The kinds (docs/ODD.md, section 3, gives the order of the stages in a round):

- `round_begins`: the round, the scenario's time unit (and the day it begins, where the
  scenario has a start), whether talks are held and whether the decision body sits;
- `event_happens`: a scheduled or random event, its label and each value it changed;
- `red_line_moves`: a disputant's red line in force moves (the stalemate's accumulated cost
  and the inducements against the audience cost, at the issue's salience);
- `proposal`: the mediators' joint proposal, the compromise it starts from, each mediator's
  own proposal and bias, and what formulation moved into the common ground;
- `troika_splits`: no joint proposal, because two mediators differ by more than the cohesion;
- `response`: a disputant accepts or refuses the proposal, and why (each red line in force
  it crosses, by how much; its utility of the proposal with the inducements against its
  no-deal utility less the stalemate's cost);
- `stance_moves`: the largest move of each party that moved, and what moved it;
- `session`: the decision body sits: the sponsor, its strategy's result (tabled, amended
  toward whom, withdrawn because of whose expected veto) or why it does not sit;
- `vote`: a member's vote and its reasons (net utility of the draft over the status quo, its
  patrons' pull, its random term);
- `tally`: the votes against the rule's quota, the vetoes, adoption;
- `compliance`: whether a disputant accepts an adopted resolution (its red lines in force);
- `unilateral`: a party with an option weighs acting alone (the hazard and its parts) and
  draws against it;
- `recognition`: another party's judgement of the act, when one is made;
- `outcome`: how the replicate ends.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from sim.agents import TOLERANCE, stance
from sim.voting import ABSTAIN, NO, YES

if TYPE_CHECKING:
    from sim.agents import Party
    from sim.bodies import Council, Session, Troika
    from sim.mediation import Proposal
    from sim.model import EventPlan, NegotiationModel
    from sim.records import Outcome
    from sim.scenario import CouncilSession
    from sim.strategies import Preparation
    from sim.unilateral import Situation
    from sim.voting import Tally

VOTE_NAMES = {int(YES): "yes", int(NO): "no", int(ABSTAIN): "abstain"}
"""A vote code's name in the events."""

Point = dict[str, float]
"""A point in the issues' own units: issue -> value, in issue order."""


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Event(_Data):
    """What every event has: its kind, its round and the parties involved."""

    kind: str
    """What happened (one of `KINDS`)."""
    round: int
    """The round it happens in (the model's step)."""
    parties: tuple[str, ...] = ()
    """The parties involved, by their scenario keys."""


class RoundBegins(_Event):
    """A round begins."""

    kind: Literal["round_begins"] = "round_begins"
    time_unit: str
    """What a round stands for (the scenario's `time_unit`, e.g. week)."""
    date: str | None = None
    """The day the round begins (ISO), where the scenario has a start and a calendar unit."""
    talks: bool
    """Whether the mediators hold talks in this round."""
    session: bool
    """Whether the decision body sits in this round."""


class Change(_Data):
    """One value an event set: its dotted path, what it was and what it became."""

    path: str
    before: float | tuple[float, float]
    after: float | tuple[float, float]


class EventHappens(_Event):
    """A scheduled (or random) event happens: the values it changes, from the round on."""

    kind: Literal["event_happens"] = "event_happens"
    name: str
    label: str | None = None
    probability: float
    """The chance it had of happening in a replicate."""
    changes: tuple[Change, ...]


class RedLineMoves(_Event):
    """A disputant's red line in force on one issue moves (docs/ODD.md, section 7.7.3)."""

    kind: Literal["red_line_moves"] = "red_line_moves"
    party: str
    issue: str
    end: Literal["low", "high"]
    before: float
    """The line in force in the round before (the stated line before the first round)."""
    after: float
    stated: float
    core: float
    stalemate_cost: float
    """The stalemate's cost to the party accumulated so far (with sanctions)."""
    inducements: float
    """The inducements offered it for an agreement this round."""
    audience_cost: float
    excess: float
    """max(0, stalemate_cost + inducements - audience_cost): the pressure that moves lines."""
    salience: float
    """The party's salience of the issue (the line moves excess / salience of the scale)."""
    rule: str
    """The scenario's red-line rule."""


class Mediator(_Data):
    """A mediator's own proposal: the compromise moved `bias` of the way to its position."""

    name: str
    bias: float
    position: Point
    proposal: Point


class Formulated(_Data):
    """An issue on which the mediators moved the proposal into the disputants' common ground."""

    issue: str
    before: float
    after: float
    floor: float
    ceiling: float


class ProposalMade(_Event):
    """The mediators make a joint proposal (docs/ODD.md, sections 7.2 and 7.3)."""

    kind: Literal["proposal"] = "proposal"
    rule: str
    """The compromise rule (`mediation.rule`)."""
    compromise: Point
    """The compromise of the disputants' positions under the rule."""
    mediators: tuple[Mediator, ...]
    spread: float
    """The largest gap between two mediators' proposals on any issue, as a share of the scale."""
    cohesion: float
    point: Point
    """The joint proposal."""
    formulated: tuple[Formulated, ...] = ()
    no_common_ground: tuple[str, ...] = ()
    """The issues on which the disputants' red lines in force do not overlap."""


class TroikaSplits(_Event):
    """No joint proposal: two mediators' proposals differ by more than the cohesion."""

    kind: Literal["troika_splits"] = "troika_splits"
    rule: str
    compromise: Point
    mediators: tuple[Mediator, ...]
    between: tuple[str, str]
    issue: str
    gap: float
    """The gap between the two on the issue, as a share of the scale (as the cohesion is)."""
    cohesion: float


class Crossing(_Data):
    """A point lies outside a red line in force on one issue."""

    issue: str
    end: Literal["low", "high"]
    value: float
    """The point's value on the issue."""
    line: float
    """The end of the red line in force it crosses."""
    stated: float
    """The stated end of that red line."""
    by: float
    """How far past the line, in the issue's units."""


class Response(_Event):
    """A disputant accepts or refuses the joint proposal (docs/ODD.md, section 7.4)."""

    kind: Literal["response"] = "response"
    party: str
    accepts: bool
    reason: Literal["accepts", "red_line", "utility"]
    """Why: it accepts; it refuses a proposal past a red line in force; or one worth too little."""
    crossed: tuple[Crossing, ...] = ()
    utility: float
    """Its utility of the proposal."""
    inducements: float
    value: float
    """utility + inducements: what the agreement is worth to it."""
    no_deal_utility: float
    stalemate_cost: float
    alternative: float
    """no_deal_utility - stalemate_cost: what no deal is worth to it now."""


class StanceMoves(_Event):
    """A party's largest move of the round, and what moved it (docs/ODD.md, 7.5-7.9)."""

    kind: Literal["stance_moves"] = "stance_moves"
    party: str
    issue: str
    before: float
    after: float
    by: float
    """after - before, in the issue's units."""
    source: str
    """What moved it most: an ally's (or rival's) key, "proposal", or "drift" (stance noise)."""
    away: bool = False
    """True where a rival pushed it away (source is the rival)."""


class Amendment(_Data):
    """An amendment the sponsor considered: toward the expected vetoers' mean position."""

    toward: tuple[str, ...]
    draft: Point
    made: bool
    """False where the sponsor liked the amended draft less than the status quo, and stopped."""


class Forecast(_Data):
    """How the sponsor expects a veto player to vote: its judgement without the random term."""

    member: str
    vote: Literal["yes", "no", "abstain"]
    net_utility: float
    patron_pull: float


class SessionHeld(_Event):
    """The decision body sits: what the sponsor does with its draft (docs/ODD.md, 7.12)."""

    kind: Literal["session"] = "session"
    body: str
    label: str | None = None
    """What was voted on (the session's label), if the scenario names it."""
    sponsor: str
    strategy: str
    draft: Point
    """The sponsor's draft before its strategy."""
    action: Literal["tabled", "withdrawn", "not_held"]
    """Put to the vote, withdrawn unvoted, or not held (a resolution was already adopted)."""
    amendments: tuple[Amendment, ...] = ()
    final_draft: Point
    """The draft as tabled or withdrawn."""
    expected_vetoers: tuple[str, ...] = ()
    """The veto players the sponsor expects to block the final draft (none if tabled)."""
    forecasts: tuple[Forecast, ...] = ()
    """The sponsor's forecast of each sitting veto player's vote on the final draft."""


class Vote(_Event):
    """A member's vote on the draft (docs/ODD.md, section 7.10)."""

    kind: Literal["vote"] = "vote"
    member: str
    vote: Literal["yes", "no", "abstain"]
    permanent: bool
    net_utility: float
    """Its utility of the draft less its utility of the status quo."""
    patron_pull: float
    """patron_alignment x the sum over its patrons of strength x their sincere stance."""
    random_term: float
    """decision.noise x its standard normal term."""
    score: float
    band: float
    """The abstention band: yes above it, no below minus it."""
    veto: bool
    """Its no defeated a draft that had the votes."""


class TallyCounted(_Event):
    """The votes against the rule (docs/ODD.md, section 7.11)."""

    kind: Literal["tally"] = "tally"
    yes: int
    no: int
    abstain: int
    quota: int
    """Affirmative votes needed."""
    yes_weight: float
    weight_quota: float
    """Affirmative weight needed (0 where the rule asks none)."""
    weighted: bool
    """Whether members' votes carry different weights."""
    has_votes: bool
    vetoed_by: tuple[str, ...] = ()
    adopted: bool


class Compliance(_Event):
    """Whether a disputant accepts an adopted resolution (docs/ODD.md, section 7.11)."""

    kind: Literal["compliance"] = "compliance"
    party: str
    rule: str
    """The compliance rule (`council.compliance`)."""
    within_red_lines: bool
    crossed: tuple[Crossing, ...] = ()
    ends_dispute: bool
    """Whether the resolution ends the dispute (every disputant accepts, or it binds)."""


class Patron(_Data):
    """A patron of a unilateral actor and its consent (docs/ODD.md, section 7.14)."""

    name: str
    strength: float
    endorses: bool
    """Expected to judge the act favourably."""
    restraint: float


class Unilateral(_Event):
    """A party with an option weighs acting alone, and draws (docs/ODD.md, section 7.14)."""

    kind: Literal["unilateral"] = "unilateral"
    actor: str
    rule: str
    open: bool
    """Whether its option is open in this round."""
    backing: float
    """The capability share of the other parties expected to recognise the act."""
    expected_backers: tuple[str, ...] = ()
    consent: float
    patrons: tuple[Patron, ...] = ()
    declared_utility: float
    """Its utility of the declared point."""
    status_quo_utility: float
    acting: float
    """backing x declared_utility + (1 - backing) x status_quo_utility."""
    no_deal_utility: float
    stalemate_cost: float
    """The stalemate's cost to it so far (with sanctions)."""
    waiting: float
    """no_deal_utility - stalemate_cost."""
    offer: float | None = None
    """The offer on the table (a united proposal inside its red lines, with inducements)."""
    staying: float
    gain: float
    """max(0, acting - staying)."""
    resolve: float
    base_rate: float
    growth: float
    hazard: float
    draw: float | None = None
    """The uniform number drawn against the hazard."""
    acts: bool


class Recognition(_Event):
    """Another party's judgement of the act (docs/ODD.md, sections 7.10 and 7.14)."""

    kind: Literal["recognition"] = "recognition"
    party: str
    actor: str
    recognises: bool
    net_utility: float
    patron_pull: float
    random_term: float
    score: float
    band: float


class OutcomeReached(_Event):
    """The replicate ends (docs/ODD.md, section 7.15)."""

    kind: Literal["outcome"] = "outcome"
    outcome: Literal["agreement", "resolution", "unilateral", "deadlock"]
    point: Point | None = None
    """The outcome's point (none for a deadlock)."""


NarrativeEvent = Annotated[
    RoundBegins
    | EventHappens
    | RedLineMoves
    | ProposalMade
    | TroikaSplits
    | Response
    | StanceMoves
    | SessionHeld
    | Vote
    | TallyCounted
    | Compliance
    | Unilateral
    | Recognition
    | OutcomeReached,
    Field(discriminator="kind"),
]
"""Any event, told apart by its `kind`."""

KINDS = (
    "round_begins",
    "event_happens",
    "red_line_moves",
    "proposal",
    "troika_splits",
    "response",
    "stance_moves",
    "session",
    "vote",
    "tally",
    "compliance",
    "unilateral",
    "recognition",
    "outcome",
)
"""The event kinds, in the order the stages of a round may emit them."""


class Narrative(_Data):
    """One replicate's story: who it is, what it drew, and its events in order."""

    scenario: str
    seed: int
    replicate: int
    """Its number in a batch run with this seed."""
    time_unit: str
    start: str | None = None
    issues: dict[str, tuple[float, float]]
    """Each issue's scale [low, high], in issue order."""
    parties: dict[str, str]
    """Each party's key -> its display label."""
    disputants: tuple[str, ...]
    drawn: dict[str, float] = {}
    """The values this replicate drew (declared uncertainty), path -> value."""
    command: str | None = None
    """The batch run this replicate belongs to, as a command line, if known."""
    events: list[NarrativeEvent]

    def rounds(self) -> dict[int, list[Any]]:
        """The events grouped by round, in order."""
        grouped: dict[int, list[Any]] = {}
        for event in self.events:
            grouped.setdefault(event.round, []).append(event)
        return grouped

    def of_kind(self, kind: str) -> list[Any]:
        """The events of one kind, in order."""
        return [event for event in self.events if event.kind == kind]


# --- the narrator: hooks called by the engine's stages ----------------------------------------


def _first(value: Any) -> float:
    """The one replicate's value of a number or an array whose last axis is the replicate's."""
    array = np.asarray(value, dtype=float)
    return float(array.reshape(-1)[0]) if array.ndim <= 1 else float(array[..., 0].item())


class Narrator:
    """Tells one replicate's rounds as typed events (see the module docstring).

    The engine calls its methods from the round's stages, only when the model was built with
    `narrate=True`; each reads the model's state and the values the stage passes, and
    appends events. Nothing here changes the model or draws a random number.
    """

    def __init__(self, model: NegotiationModel, replicate: int = 0):
        self.model = model
        self.replicate = replicate
        self.events: list[Any] = []
        """The events so far, in order."""
        self._held: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._start: np.ndarray | None = None
        self._amendments: list[Amendment] = []
        self._prepared: dict[str, Any] | None = None
        self._voted: dict[str, Any] | None = None
        self._weighed: dict[int, dict[str, Any]] = {}
        self._draws: dict[int, float] = {}
        self._actor: str | None = None

    # --- helpers ---------------------------------------------------------------------------

    @property
    def _round(self) -> int:
        return int(self.model.steps)

    def _live(self) -> bool:
        return self.model.live > 0

    def _units(self, k: int, value: float) -> float:
        low, high = self.model.scales[k]
        return float(low + (high - low) * value)

    def _span(self, k: int) -> float:
        low, high = self.model.scales[k]
        return float(high - low)

    def _point(self, column: np.ndarray) -> Point:
        """A (K,) or (K, 1) point on the unit scale, in the issues' own units."""
        values = np.asarray(column, dtype=float).reshape(len(self.model.issues), -1)[:, 0]
        return {issue: self._units(k, values[k]) for k, issue in enumerate(self.model.issues)}

    def _emit(self, event: Any) -> None:
        self.events.append(event)

    def _names(self, indices: Iterable[int]) -> tuple[str, ...]:
        return tuple(self.model.parties[int(i)].name for i in indices)

    def _crossings(self, party: Party, point: np.ndarray) -> tuple[Crossing, ...]:
        """Where `point` ((K, 1), unit scale) lies outside the party's red lines in force."""
        model, i = self.model, party.index
        low, high = (np.asarray(end, dtype=float)[:, 0] for end in party.red_lines_in_force())
        values = np.asarray(point, dtype=float).reshape(len(model.issues), -1)[:, 0]
        crossed = []
        for k, issue in enumerate(model.issues):
            for end, line, stated, past in (
                ("low", low[k], model.red_low[i, k, 0], low[k] - TOLERANCE - values[k]),
                ("high", high[k], model.red_high[i, k, 0], values[k] - high[k] - TOLERANCE),
            ):
                if past > 0:
                    crossed.append(
                        Crossing(
                            issue=issue,
                            end=end,
                            value=self._units(k, values[k]),
                            line=self._units(k, line),
                            stated=self._units(k, stated),
                            by=self._span(k) * abs(values[k] - line),
                        )
                    )
        return tuple(crossed)

    def _judgement(self, net: np.ndarray, terms: np.ndarray | None) -> dict[str, np.ndarray]:
        """The parts of every party's judgement of a text (`Parties.judge`), (N,) each."""
        model = self.model
        rules = model.decision
        band = _first(rules.abstain_band)
        pull = _first(rules.patron_alignment) * model.ties.patronage.sum(stance(net, band))
        noise = _first(rules.noise) * terms if terms is not None else np.zeros_like(net)
        return {
            "net": net[:, 0],
            "pull": np.asarray(pull, dtype=float)[:, 0],
            "random": np.asarray(noise, dtype=float)[:, 0],
            "band": np.full(len(net), band),
        }

    # --- the stages --------------------------------------------------------------------------

    def begin(self, round_: int) -> None:
        """A round begins (`NegotiationModel.step`)."""
        model = self.model
        scenario = model.scenario
        self._prepared = self._voted = None
        self._amendments = []
        self._weighed, self._draws = {}, {}
        self._emit(
            RoundBegins(
                round=round_,
                time_unit=scenario.time_unit,
                date=_round_date(scenario.start, scenario.time_unit, round_),
                talks=model.troika is not None and model.troika.in_session(round_),
                session=model.council is not None and model.council.sits(round_),
            )
        )

    def event_happens(self, plan: EventPlan) -> None:
        """An event is due (`NegotiationModel.happen`), before its values are set."""
        event = self.model.scenario.events[plan.index]
        drawn = self.model.drawn.get(f"events.{plan.index}.probability")
        changes, involved = [], []
        for path, value in event.set.items():
            before, names = self._current(path)
            after = tuple(float(v) for v in value) if isinstance(value, list) else float(value)
            changes.append(Change(path=path, before=before, after=after))
            involved += [name for name in names if name not in involved]
        self._emit(
            EventHappens(
                round=self._round,
                parties=tuple(involved),
                name=event.name,
                label=event.label,
                probability=_first(drawn) if drawn is not None else float(event.probability),
                changes=tuple(changes),
            )
        )

    def _current(self, path: str) -> tuple[float | tuple[float, float], list[str]]:
        """The value at an event's path now, in the scenario's units, and the parties named."""
        model = self.model
        parts = path.split(".")
        if parts[0] == "alliances":
            names = list(model.scenario.alliances[int(parts[1])].between)
            i, j = (model.party(name).index for name in names)
            return _first(model.alliance_strength[i, j]), names
        party = model.party(parts[1])
        field = parts[2]
        if len(parts) == 3:
            return _first(model.state(field)[party.index]), [party.name]
        k = model.issues.index(parts[3])
        if field == "position":
            return self._units(k, model.positions[party.index, k, 0]), [party.name]
        if field == "no_deal":
            return self._units(k, model.no_deal[party.index, k, 0]), [party.name]
        low, high = ("red_low", "red_high") if field == "red_lines" else ("core_low", "core_high")
        ends = (model.state(end)[party.index, k, 0] for end in (low, high))
        return tuple(self._units(k, end) for end in ends), [party.name]  # type: ignore[return-value]

    def pressure(self) -> None:
        """The red lines in force are set (`NegotiationModel.feel_stalemate`)."""
        model = self.model
        self._start = model.positions[..., 0].copy()
        if model.held_low is None:
            return
        for row, i in enumerate(model.disputant_index):
            party = model.parties[int(i)]
            low, high = model.held_low[row, :, 0].copy(), model.held_high[row, :, 0].copy()
            before = self._held.get(
                party.name, (model.red_low[i, :, 0].copy(), model.red_high[i, :, 0].copy())
            )
            self._held[party.name] = (low, high)
            cost, offered = _first(model.stalemate[row]), _first(model.offered[row])
            audience = _first(model.audience_cost[i])
            for k, issue in enumerate(model.issues):
                for end, now, then, stated, core in (
                    ("low", low[k], before[0][k], model.red_low[i, k, 0], model.core_low[i, k, 0]),
                    (
                        "high",
                        high[k],
                        before[1][k],
                        model.red_high[i, k, 0],
                        model.core_high[i, k, 0],
                    ),
                ):
                    if abs(now - then) <= 1e-12:
                        continue
                    self._emit(
                        RedLineMoves(
                            round=self._round,
                            parties=(party.name,),
                            party=party.name,
                            issue=issue,
                            end=end,  # type: ignore[arg-type]
                            before=self._units(k, then),
                            after=self._units(k, now),
                            stated=self._units(k, stated),
                            core=self._units(k, core),
                            stalemate_cost=cost,
                            inducements=offered,
                            audience_cost=audience,
                            excess=max(0.0, cost + offered - audience),
                            salience=float(model.salience[i, k, 0]),
                            rule=model.red_line_rule,
                        )
                    )

    def _mediators(self, troika: Troika, proposal: Proposal) -> tuple[Mediator, ...]:
        members = troika.members
        if not members:
            return ()
        bias = np.asarray(troika.bias, dtype=float).reshape(len(members), -1)[:, 0]
        return tuple(
            Mediator(
                name=member.name,
                bias=float(bias[m]),
                position=self._point(self.model.positions[member.index]),
                proposal=self._point(proposal.members[m]),
            )
            for m, member in enumerate(members)
        )

    def propose(
        self, troika: Troika, compromise: np.ndarray, proposal: Proposal, formulated: Proposal
    ) -> None:
        """The mediators propose (`Troika.propose`): before and after formulation."""
        model = self.model
        mediators = self._mediators(troika, proposal)
        cohesion = _first(troika.cohesion)
        disputants = self._names(model.disputant_index)
        involved = tuple(m.name for m in mediators) + disputants
        members = np.asarray(proposal.members, dtype=float)[:, :, 0]  # (M, K)
        if not bool(proposal.united[0]):
            gap, between, issue = -1.0, ("", ""), ""
            for a in range(len(members)):
                for b in range(a + 1, len(members)):
                    gaps = np.abs(members[a] - members[b])
                    k = int(np.argmax(gaps))
                    if gaps[k] > gap:
                        gap, issue = float(gaps[k]), model.issues[k]
                        between = (mediators[a].name, mediators[b].name)
            self._emit(
                TroikaSplits(
                    round=self._round,
                    parties=involved,
                    rule=troika.rule,
                    compromise=self._point(compromise),
                    mediators=mediators,
                    between=between,
                    issue=issue,
                    gap=gap,
                    cohesion=cohesion,
                )
            )
            return
        spread = float((members.max(axis=0) - members.min(axis=0)).max()) if len(members) else 0.0
        before = np.asarray(proposal.point, dtype=float)[:, 0]
        after = np.asarray(formulated.point, dtype=float)[:, 0]
        moved, apart = [], []
        if model.held_low is not None:
            floor = model.held_low.max(axis=0)[:, 0]
            ceiling = model.held_high.min(axis=0)[:, 0]
            for k, issue in enumerate(model.issues):
                if floor[k] > ceiling[k]:
                    apart.append(issue)
                elif abs(after[k] - before[k]) > 1e-12:
                    moved.append(
                        Formulated(
                            issue=issue,
                            before=self._units(k, before[k]),
                            after=self._units(k, after[k]),
                            floor=self._units(k, floor[k]),
                            ceiling=self._units(k, ceiling[k]),
                        )
                    )
        self._emit(
            ProposalMade(
                round=self._round,
                parties=involved,
                rule=troika.rule,
                compromise=self._point(compromise),
                mediators=mediators,
                spread=spread,
                cohesion=cohesion,
                point=self._point(after),
                formulated=tuple(moved),
                no_common_ground=tuple(apart),
            )
        )

    def respond(self, proposal: Proposal) -> None:
        """The disputants answer a joint proposal (`NegotiationModel.respond`)."""
        if not self._live() or not bool(proposal.united[0]):
            return
        point = proposal.point
        for party in self.model.disputants:
            crossed = self._crossings(party, point)
            utility = _first(party.utility(point))
            cost, offered = (_first(v) for v in party.pressure())
            no_deal = _first(party.no_deal_utility())
            enough = utility + offered >= no_deal - cost
            self._emit(
                Response(
                    round=self._round,
                    parties=(party.name,),
                    party=party.name,
                    accepts=not crossed and enough,
                    reason="red_line" if crossed else "accepts" if enough else "utility",
                    crossed=crossed,
                    utility=utility,
                    inducements=offered,
                    value=utility + offered,
                    no_deal_utility=no_deal,
                    stalemate_cost=cost,
                    alternative=no_deal - cost,
                )
            )

    def moved(self, proposal: Proposal | None) -> None:
        """The parties have moved their stances (`Parties.concede`)."""
        model = self.model
        if not self._live() or self._start is None:
            return
        start, after = self._start, model.positions[..., 0]
        if start.shape != after.shape:
            return
        pull = model.troika.pull if model.troika is not None else 0.0
        united = proposal is not None and bool(proposal.united[0])
        target = None if proposal is None else np.asarray(proposal.point, dtype=float)[:, 0]
        ties: dict[int, list[tuple[int, float]]] = {}
        for i, j, weight in model.ties.pull.pairs:
            ties.setdefault(i, []).append((j, _first(weight)))
        scaled = (after - start) * (model.scales[:, 1] - model.scales[:, 0])
        for i, party in enumerate(model.parties):
            if not np.any(np.abs(after[i] - start[i]) > 1e-12):
                continue
            k = int(np.argmax(np.abs(after[i] - start[i])))
            delta = after[i, k] - start[i, k]
            pushes = [
                (model.parties[j].name, w * (start[j, k] - start[i, k]), w < 0)
                for j, w in ties.get(i, [])
            ]
            if united and target is not None and model.disputant[i]:
                pushes.append(("proposal", _first(pull) * (target[k] - start[i, k]), False))
            total = sum(push for _, push, _ in pushes)
            share = _first(model.flexibility[i]) * float(model.concession[i, k, 0])
            weight = sum(abs(w) for _, w in ties.get(i, [])) + (
                _first(pull) if united and model.disputant[i] else 0.0
            )
            planned = share * total / max(weight, 1.0)
            source, away = "drift", False
            if planned * delta > 0 and abs(planned) >= 0.5 * abs(delta):
                name, _, away = max(pushes, key=lambda p: p[1] * np.sign(delta))
                source = name
            self._emit(
                StanceMoves(
                    round=self._round,
                    parties=(party.name,)
                    if source in ("drift", "proposal")
                    else (party.name, source),
                    party=party.name,
                    issue=model.issues[k],
                    before=self._units(k, start[i, k]),
                    after=self._units(k, after[i, k]),
                    by=float(scaled[i, k]),
                    source=source,
                    away=bool(away),
                )
            )

    def amendment(
        self, council: Council, vetoers: np.ndarray, amended: np.ndarray, made: np.ndarray
    ) -> None:
        """The sponsor considers an amendment (`sim.strategies.amend_to_avoid_veto`)."""
        if not self._live() or not bool(np.asarray(vetoers).any(axis=0)[0]):
            return
        toward = tuple(m.name for m, v in zip(council.members, vetoers[:, 0], strict=True) if v)
        self._amendments.append(
            Amendment(toward=toward, draft=self._point(amended), made=bool(made[0]))
        )

    def prepared(
        self,
        council: Council,
        session: CouncilSession | None,
        draft: np.ndarray,
        strategy: str,
        prepared: Preparation,
    ) -> None:
        """The sponsor has applied its strategy (`Council.prepare`)."""
        if not self._live():
            return
        self._prepared = {
            "label": session.label if session is not None else None,
            "sponsor": council.sponsor.name,
            "strategy": strategy,
            "draft": self._point(draft),
            "amendments": tuple(self._amendments),
        }
        self._amendments = []

    def voted(self, council: Council, terms: np.ndarray | None, tally: Tally) -> None:
        """The members have voted (`Council.session`)."""
        if not self._live():
            return
        self._voted = {"terms": terms, "tally": tally, "rule": council.rule(self._round)}

    def session(self, session: Session, sitting: np.ndarray, adopted: np.ndarray) -> None:
        """The session's record is kept (`NegotiationModel.hold_session`)."""
        model, council = self.model, self.model.council
        prepared, voted = self._prepared, self._voted
        self._prepared = self._voted = None
        if not self._live() or prepared is None or voted is None or council is None:
            return
        record = session.record
        held = bool(sitting[0])
        tabled = held and bool(record.tabled[0])
        action = "not_held" if not held else "tabled" if tabled else "withdrawn"
        vetoers = () if tabled or not held else self._expected_vetoers(council, session.draft)
        members = tuple(m.name for m in council.members)
        self._emit(
            SessionHeld(
                round=self._round,
                parties=(prepared["sponsor"], *vetoers),
                body=council.spec.label
                or ("Security Council" if council.spec.voting == "security_council" else "council"),
                label=prepared["label"],
                sponsor=prepared["sponsor"],
                strategy=prepared["strategy"],
                draft=prepared["draft"],
                action=action,  # type: ignore[arg-type]
                amendments=prepared["amendments"] if held else (),
                final_draft=self._point(session.draft),
                expected_vetoers=vetoers,
                forecasts=self._forecasts(council, session.draft) if held else (),
            )
        )
        if not tabled:
            return
        seated = council.seated(self._round)
        parts = self._judgement(model.parties.net_utility(session.draft), voted["terms"])
        for m, member in enumerate(council.members):
            if not seated[m]:
                continue
            i = member.index
            self._emit(
                Vote(
                    round=self._round,
                    parties=(member.name,),
                    member=member.name,
                    vote=VOTE_NAMES[int(record.votes[m, 0])],  # type: ignore[arg-type]
                    permanent=bool(council.permanent[m]),
                    net_utility=float(parts["net"][i]),
                    patron_pull=float(parts["pull"][i]),
                    random_term=float(parts["random"][i]),
                    score=float(parts["net"][i] + parts["pull"][i] + parts["random"][i]),
                    band=float(parts["band"][i]),
                    veto=bool(record.vetoed[m, 0]),
                )
            )
        tally, rule = voted["tally"], voted["rule"]
        weights = np.asarray(rule.weights, dtype=float)
        vetoed_by = tuple(name for name, v in zip(members, record.vetoed[:, 0], strict=True) if v)
        self._emit(
            TallyCounted(
                round=self._round,
                parties=vetoed_by,
                yes=int(record.yes[0]),
                no=int(record.no[0]),
                abstain=int(record.abstain[0]),
                quota=int(rule.member_quota),
                yes_weight=float(tally.yes_weight[0]),
                weight_quota=float(max(rule.weight_threshold, rule.weight_share * weights.sum())),
                weighted=bool(len(weights) and not np.all(weights == weights[0])),
                has_votes=bool(rule.has_votes(tally.yes, tally.yes_weight)[0]),
                vetoed_by=vetoed_by,
                adopted=bool(adopted[0]),
            )
        )
        if not bool(adopted[0]):
            return
        compliance = council.compliance
        binding = compliance == "binding"
        answers = [(p, self._crossings(p, session.draft)) for p in model.disputants]
        ends = binding or all(not crossed for _, crossed in answers)
        for party, crossed in answers:
            self._emit(
                Compliance(
                    round=self._round,
                    parties=(party.name,),
                    party=party.name,
                    rule=compliance,
                    within_red_lines=not crossed,
                    crossed=crossed,
                    ends_dispute=ends,
                )
            )

    def _forecasts(self, council: Council, draft: np.ndarray) -> tuple[Forecast, ...]:
        """The sponsor's forecast of the sitting veto players' votes (`expected_vetoers`)."""
        model = self.model
        net = model.parties.net_utility(draft)
        expected = model.parties.judge(net)[:, 0]
        parts = self._judgement(net, None)
        seated = council.seated(self._round)
        return tuple(
            Forecast(
                member=member.name,
                vote=VOTE_NAMES[int(expected[member.index])],  # type: ignore[arg-type]
                net_utility=float(parts["net"][member.index]),
                patron_pull=float(parts["pull"][member.index]),
            )
            for m, member in enumerate(council.members)
            if seated[m] and council.permanent[m]
        )

    def _expected_vetoers(self, council: Council, draft: np.ndarray) -> tuple[str, ...]:
        expected = council.expected_vetoers(draft)[:, 0]
        return tuple(m.name for m, v in zip(council.members, expected, strict=True) if v)

    def weighs(
        self,
        party: Party,
        situation: Situation,
        hazard: np.ndarray,
        waiting: np.ndarray,
        offer: np.ndarray | None,
        on_table: np.ndarray | None,
    ) -> None:
        """A party has weighed acting alone (`Party.unilateral_hazard`)."""
        if not self._live():
            return
        tabled = on_table is not None and offer is not None and bool(np.asarray(on_table)[0])
        self._weighed[party.index] = {
            "open": bool(np.asarray(situation.open).reshape(-1)[0]),
            "backing": _first(situation.backing),
            "consent": _first(situation.consent),
            "acting": _first(situation.acting),
            "staying": _first(situation.staying),
            "waiting": _first(waiting),
            "offer": _first(offer) if tabled else None,
            "hazard": _first(hazard),
        }

    def draws(self, party: Party, draws: np.ndarray) -> None:
        """A party has drawn against its hazard (`Party.acts_alone`)."""
        if self._live():
            self._draws[party.index] = _first(draws)

    def act_alone(
        self, actor: Party, acts: np.ndarray, net: np.ndarray, terms: np.ndarray | None
    ) -> None:
        """A party with an option has decided, and the others judged any act (`act_alone`)."""
        model = self.model
        weighed = self._weighed.pop(actor.index, None)
        if not self._live() or weighed is None:
            return
        option = model.options[actor.index]
        net = np.asarray(net, dtype=float)
        if net.shape[-1] != 1:
            net = net[..., :1]
        expected = model.parties.judge(net)[:, 0] == YES
        others = [p for p in model.parties if p.index != actor.index]
        patronage = np.asarray(model.patronage[actor.index], dtype=float)[:, 0]
        patrons = tuple(
            Patron(
                name=p.name,
                strength=float(patronage[p.index]),
                endorses=bool(expected[p.index]),
                restraint=_first(model.restraint[p.index]),
            )
            for p in others
            if patronage[p.index] > 0
        )
        acted = bool(acts[0])
        self._emit(
            Unilateral(
                round=self._round,
                parties=(actor.name, *(p.name for p in patrons)),
                actor=actor.name,
                rule=actor.unilateral.rule,
                open=weighed["open"],
                backing=weighed["backing"],
                expected_backers=tuple(p.name for p in others if expected[p.index]),
                consent=weighed["consent"],
                patrons=patrons,
                declared_utility=_first(actor.utility(option.point)),
                status_quo_utility=_first(actor.utility(model.status_quo)),
                acting=weighed["acting"],
                no_deal_utility=_first(actor.no_deal_utility()),
                stalemate_cost=_first(actor.pressure()[0]),
                waiting=weighed["waiting"],
                offer=weighed["offer"],
                staying=weighed["staying"],
                gain=max(0.0, weighed["acting"] - weighed["staying"]),
                resolve=_first(option.resolve),
                base_rate=_first(option.base_rate),
                growth=_first(option.growth),
                hazard=weighed["hazard"],
                draw=self._draws.pop(actor.index, None),
                acts=acted,
            )
        )
        if not acted:
            return
        self._actor = actor.name
        parts = self._judgement(net, terms)
        for party in others:
            i = party.index
            self._emit(
                Recognition(
                    round=self._round,
                    parties=(party.name, actor.name),
                    party=party.name,
                    actor=actor.name,
                    recognises=bool(model.recognised[i, model.live_replicates[0]]),
                    net_utility=float(parts["net"][i]),
                    patron_pull=float(parts["pull"][i]),
                    random_term=float(parts["random"][i]),
                    score=float(parts["net"][i] + parts["pull"][i] + parts["random"][i]),
                    band=float(parts["band"][i]),
                )
            )

    def outcome(self, outcome: Outcome, point: np.ndarray | float) -> None:
        """The replicate ends (`NegotiationModel._finish`)."""
        if not self._live():
            return
        label = outcome.label
        disputants = self._names(self.model.disputant_index)
        involved = (self._actor,) if label == "unilateral" and self._actor else disputants
        self._emit(
            OutcomeReached(
                round=self._round,
                parties=involved,
                outcome=label,  # type: ignore[arg-type]
                point=None if label == "deadlock" else self._point(np.asarray(point)),
            )
        )

    def narrative(self, command: str | None = None) -> Narrative:
        """The story so far, with its header."""
        model = self.model
        scenario = model.scenario
        return Narrative(
            scenario=scenario.name,
            seed=model.seed,
            replicate=self.replicate,
            time_unit=scenario.time_unit,
            start=scenario.start.isoformat() if scenario.start is not None else None,
            issues={
                issue: (float(low), float(high))
                for issue, (low, high) in zip(model.issues, model.scales, strict=True)
            },
            parties={party.name: party.label for party in model.parties},
            disputants=self._names(model.disputant_index),
            drawn={path: _first(values) for path, values in sorted(model.drawn.items())},
            command=command,
            events=list(self.events),
        )


def _round_date(start: date | None, unit: str, round_: int) -> str | None:
    """The day round `round_` begins, where the scenario has a start and a calendar unit."""
    if start is None:
        return None
    steps = round_ - 1
    if unit == "day":
        return (start + timedelta(days=steps)).isoformat()
    if unit == "week":
        return (start + timedelta(weeks=steps)).isoformat()
    if unit in ("month", "year"):
        months = start.month - 1 + steps * (12 if unit == "year" else 1)
        year, month = start.year + months // 12, months % 12 + 1
        day = min(start.day, _days_in(year, month))
        return date(year, month, day).isoformat()
    return None


def _days_in(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


# --- telling it: plain English and Markdown, from the data alone ------------------------------

NOTABLE = frozenset(
    {"event_happens", "session", "vote", "tally", "compliance", "recognition", "outcome"}
)
"""Kinds that make a round worth telling in full, whatever came before."""


class _Table:
    """Rows to show as a table (Markdown) or as indented lines (text)."""

    def __init__(self, headers: Sequence[str], rows: list[list[str]], lines: list[str]):
        self.headers = list(headers)
        self.rows = rows
        self.lines = lines


Block = str | _Table


def _number(value: float, decimals: int = 2) -> str:
    """A number with `decimals` places, or two significant digits where that would show 0."""
    if value == 0:
        return "0"
    text = f"{value:.{max(decimals, 0)}f}"
    if decimals > 0 and abs(float(text)) < 10.0 ** -(decimals - 1):
        text = f"{value:#.2g}"
        if "e" in text:  # below 1e-4
            text = np.format_float_positional(value, precision=2, fractional=False)
    return "0" if text.strip("-0.") == "" else text


def _sum(terms: Sequence[float], total: float) -> str:
    """A sum written out: "-0.28 + 0 - 0.010 = -0.29"."""
    text = _number(terms[0])
    for term in terms[1:]:
        text += f" {'-' if term < 0 else '+'} {_number(abs(term))}"
    return f"{text} = {_number(total)}"


def _plain(value: float) -> str:
    """A number as written in a scenario: 1, 0.5, 0.125."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _signed(value: float) -> str:
    text = _number(value)
    return text if text.startswith("-") or text == "0" else f"+{text}"


def _plural(unit: str) -> str:
    return unit if unit.endswith("s") else f"{unit}s"


def _listed(items: Sequence[str]) -> str:
    """Items joined as English: "a", "a and b", "a, b and c"."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


class Teller:
    """Tells a `Narrative` round by round; quiet rounds are summarised in one line each run."""

    def __init__(self, narrative: Narrative):
        self.narrative = narrative
        self.unit = narrative.time_unit
        self.talks = any(event.talks for event in narrative.of_kind("round_begins"))
        """Whether the mediators hold talks in any round (else "no talks" goes unsaid)."""

    # --- words for things --------------------------------------------------------------------

    def name(self, key: str) -> str:
        """A party's display label, without a closing parenthesis (or "the proposal")."""
        if key == "proposal":
            return "the proposal"
        label = self.narrative.parties.get(key, key)
        return re.sub(r"\s*\([^()]*\)$", "", label) or label

    def owner(self, key: str) -> str:
        """A party's label in the possessive: "Serbia's", "the United States'"."""
        name = self.name(key)
        return f"{name}'" if name.endswith("s") else f"{name}'s"

    def names(self, keys: Iterable[str]) -> str:
        """Parties' labels as an English list."""
        return _listed([self.name(key) for key in keys])

    @staticmethod
    def issue(key: str) -> str:
        """An issue's name in words."""
        return key.replace("_", " ")

    def _decimals(self, issue: str) -> int:
        low, high = self.narrative.issues.get(issue, (0.0, 1.0))
        span = abs(high - low) or 1.0
        return max(0, 2 - math.floor(math.log10(span)))

    def value(self, issue: str, value: float) -> str:
        """A point's value on an issue, to the issue's precision."""
        return f"{value:.{self._decimals(issue)}f}"

    def distance(self, issue: str, value: float) -> str:
        """A distance on an issue (small ones with two significant digits)."""
        return _number(value, self._decimals(issue))

    def pair(self, issue: str, before: float, after: float) -> tuple[str, str]:
        """Two values on an issue, with as many more places as it takes to tell them apart."""
        places = self._decimals(issue)
        for extra in range(4):
            first = f"{before:.{places + extra}f}"
            second = f"{after:.{places + extra}f}"
            if first != second:
                break
        return first, second

    def point(self, point: Point) -> str:
        """A point, issue by issue."""
        return ", ".join(f"{self.issue(k)} {self.value(k, v)}" for k, v in point.items())

    def when(self, first: int, last: int | None = None) -> str:
        """A round, or a run of rounds, in the time unit: "week 3", "weeks 2-18"."""
        if last is None or last == first:
            return f"{self.unit} {first}"
        return f"{_plural(self.unit)} {first}-{last}"

    def heading(self, begins: RoundBegins) -> str:
        """A round's heading, with the day it begins if known."""
        text = self.when(begins.round)
        text = text[:1].upper() + text[1:]
        if begins.date:
            day = date.fromisoformat(begins.date)
            text += f" (from {day.day} {day.strftime('%B %Y')})"
        return text

    def path(self, path: str) -> str:
        """An event's dotted path in words."""
        parts = path.split(".")
        if parts[0] == "alliances":
            return f"tie {parts[1]}'s strength"
        owner = self.owner(parts[1])
        field = parts[2].replace("_", " ").replace("red lines", "red line")
        field = field.replace("red line cores", "red line's core")
        if len(parts) > 3:
            return f"{owner} {field} on {self.issue(parts[3])}"
        return f"{owner} {field}"

    def change(self, change: Change) -> str:
        """What an event changed, from and to."""
        issue = change.path.split(".")[3] if change.path.count(".") >= 3 else None

        def shown(value: float | tuple[float, float]) -> str:
            if isinstance(value, tuple):
                return "[" + ", ".join(shown(v) for v in value) + "]"
            return self.value(issue, value) if issue else _plain(value)

        return f"{self.path(change.path)} {shown(change.before)} -> {shown(change.after)}"

    def crossing(self, crossing: Crossing) -> str:
        """A red line crossed, and by how much."""
        side = "below" if crossing.end == "low" else "above"
        limit = "at least" if crossing.end == "low" else "at most"
        line = f"{limit} {self.value(crossing.issue, crossing.line)}"
        if abs(crossing.line - crossing.stated) > 1e-12:
            held, stated = self.pair(crossing.issue, crossing.line, crossing.stated)
            line = f"{limit} {held}; stated {stated}"
        return (
            f"{self.issue(crossing.issue)} {self.value(crossing.issue, crossing.value)} lies "
            f"{self.distance(crossing.issue, crossing.by)} {side} its red line in force ({line})"
        )

    # --- one event ---------------------------------------------------------------------------

    def tell(self, event: Any) -> list[Block]:
        """What an event says, as lines (and tables)."""
        method: Callable[[Any], list[Block]] = getattr(self, f"_{event.kind}")
        return method(event)

    def _round_begins(self, event: RoundBegins) -> list[Block]:
        return [] if event.talks or not self.talks else [f"No talks this {self.unit}."]

    def _event_happens(self, event: EventHappens) -> list[Block]:
        chance = "" if event.probability >= 1 else f" (a chance of {_number(event.probability)})"
        changes = "; ".join(self.change(change) for change in event.changes)
        return [f"Event: {event.label or event.name}{chance}. It sets {changes}."]

    def _red_line_moves(self, event: RedLineMoves) -> list[Block]:
        issue = event.issue
        before, after = self.pair(issue, event.before, event.after)
        if event.excess <= 0:  # no pressure beyond the audience cost: the stated line moved
            return [
                f"{self.owner(event.party)} {event.end} end of its red line in force on "
                f"{self.issue(issue)} moves from {before} to {after}, with its stated line "
                f"(now {self.value(issue, event.stated)}, core {self.value(issue, event.core)})."
            ]
        return [
            f"{self.owner(event.party)} red line on {self.issue(issue)} gives way: its "
            f"{event.end} end in force moves from {before} to {after} (stated "
            f"{self.value(issue, event.stated)}, core {self.value(issue, event.core)}), as the "
            f"stalemate's cost so far ({_number(event.stalemate_cost)}) and the inducements "
            f"({_number(event.inducements)}) exceed its audience cost "
            f"({_number(event.audience_cost)}) by "
            f"{_number(event.excess)}, at a salience of {_number(event.salience)}."
        ]

    def _mediated(self, event: ProposalMade | TroikaSplits) -> str:
        if not event.mediators:
            return f"the disputants' compromise ({event.rule}) is {self.point(event.compromise)}"
        pulls = ", ".join(f"{self.name(m.name)} {_number(m.bias)}" for m in event.mediators)
        return (
            f"the disputants' compromise ({event.rule}) is {self.point(event.compromise)}, "
            f"and each mediator pulls it toward its own position by its bias ({pulls})"
        )

    def _proposal(self, event: ProposalMade) -> list[Block]:
        who = self.mediators(event)
        lines: list[Block] = [f"{who} {self.point(event.point)}: {self._mediated(event)}."]
        for moved in event.formulated:
            lines.append(
                f"Formulation moves {self.issue(moved.issue)} from "
                f"{self.value(moved.issue, moved.before)} to "
                f"{self.value(moved.issue, moved.after)}, into the common ground "
                f"[{self.value(moved.issue, moved.floor)}, "
                f"{self.value(moved.issue, moved.ceiling)}] of the red lines in force."
            )
        if event.no_common_ground:
            issues = _listed([self.issue(i) for i in event.no_common_ground])
            lines.append(f"No common ground on {issues}: the red lines in force do not overlap.")
        return lines

    def mediators(self, event: ProposalMade | TroikaSplits) -> str:
        """Who proposes, with the verb: the troika, the mediator, the mediators, or nobody."""
        names = self.names(m.name for m in event.mediators)
        if not event.mediators:
            return "The disputants bargain directly over"
        if len(event.mediators) == 1:
            return f"The mediator, {names}, proposes"
        if len(event.mediators) == 3:
            return f"The troika of mediators ({names}) proposes"
        return f"The mediators ({names}) propose"

    def _troika_splits(self, event: TroikaSplits) -> list[Block]:
        first, second = (self.owner(n) for n in event.between)
        return [
            f"The mediators are split: {first} and {second} proposals differ by "
            f"{_number(event.gap)} of the scale on {self.issue(event.issue)}, more than the "
            f"cohesion of {_number(event.cohesion)}. No proposal this {self.unit}."
        ]

    def _worth(self, event: Response) -> str:
        offered = (
            f", {_number(event.value)} with inducements of {_number(event.inducements)}"
            if event.inducements
            else ""
        )
        cost = _number(event.stalemate_cost)
        return (
            f"the proposal is worth {_number(event.utility)} to it{offered}, against "
            f"{_number(event.alternative)} for no deal (its no-deal point "
            f"{_number(event.no_deal_utility)} less the stalemate's cost so far, {cost})"
        )

    def _response(self, event: Response) -> list[Block]:
        party = self.name(event.party)
        if event.accepts:
            return [f"{party} accepts: inside its red lines in force, {self._worth(event)}."]
        if event.reason == "red_line":
            return [f"{party} refuses: {'; '.join(self.crossing(c) for c in event.crossed)}."]
        return [f"{party} refuses: {self._worth(event)}."]

    def _stance_moves(self, event: StanceMoves) -> list[Block]:
        return [self.move(event)]

    def move(self, event: StanceMoves) -> str:
        """A party's move and what moved it."""
        if event.source == "drift":
            why = "drifting (stance noise)"
        elif event.away:
            why = f"pushed away from {self.name(event.source)}"
        else:
            why = f"toward {self.name(event.source)}"
        issue = event.issue
        before, after = self.pair(issue, event.before, event.after)
        return (
            f"{self.name(event.party)} {self.distance(issue, abs(event.by))} on "
            f"{self.issue(issue)} ({before} -> {after}), {why}"
        )

    def _session(self, event: SessionHeld) -> list[Block]:
        body = f"The {event.body}"
        about = f" on {event.label}" if event.label else ""
        if event.action == "not_held":
            return [
                f"{body} does not sit on the dispute again{about}: a resolution was already "
                "adopted."
            ]
        lines: list[Block] = [
            f"{body} holds its session of {self.when(event.round)}{about}. "
            f"{self.name(event.sponsor)} sponsors the draft "
            f"{self.point(event.draft)} (strategy: {event.strategy})."
        ]
        made = [a for a in event.amendments if a.made]
        for number, amendment in enumerate(event.amendments, start=1):
            toward = self.names(amendment.toward)
            if amendment.made:
                lines.append(
                    f"Amendment {number}, toward {toward} (expected to veto): "
                    f"{self.point(amendment.draft)}."
                )
            else:
                lines.append(
                    f"It would not amend it toward {toward}: it would like the amended draft "
                    "less than the status quo."
                )
        if event.action == "withdrawn":
            again = " still" if made else ""
            forecast = {f.member: f for f in event.forecasts}
            expected = [
                f"{self.name(member)} (forecast: {forecast[member].vote}, net utility "
                f"{_signed(forecast[member].net_utility)}, patrons' pull "
                f"{_signed(forecast[member].patron_pull)})"
                if member in forecast
                else self.name(member)
                for member in event.expected_vetoers
            ]
            lines.append(
                f"It{again} expects a veto from {_listed(expected)} and withdraws the draft "
                "unvoted."
            )
        else:
            amended = f" as amended ({self.point(event.final_draft)})" if made else ""
            lines.append(f"It puts the draft to the vote{amended}.")
        return lines

    def _vote(self, event: Vote) -> list[Block]:
        return [self._votes([event])]

    def _votes(self, events: list[Vote]) -> _Table:
        rows, lines = [], []
        for event in events:
            veto = ", a veto" if event.veto else ""
            rows.append(
                [
                    self.name(event.member),
                    event.vote + veto,
                    _signed(event.net_utility),
                    _signed(event.patron_pull),
                    _signed(event.random_term),
                    _signed(event.score),
                ]
            )
            terms = (event.net_utility, event.patron_pull, event.random_term)
            lines.append(
                f"{self.name(event.member)}: {event.vote} ({_sum(terms, event.score)}){veto}"
            )
        headers = ["member", "vote", "net utility", "patrons' pull", "random term", "score"]
        return _Table(headers, rows, lines)

    def _tally(self, event: TallyCounted) -> list[Block]:
        needed = [f"{event.quota} yes votes"] if event.quota else []
        if event.weighted or event.weight_quota > 0:
            weights = f"{_plain(event.weight_quota)} (yes: {_plain(event.yes_weight)})"
            needed.append(f"a weight of {weights}")
        text = (
            f"Tally: {event.yes} yes, {event.no} no, {event.abstain} abstaining; "
            f"{' and '.join(needed) or 'nothing'} needed."
        )
        if event.vetoed_by:
            text += f" Vetoed by {self.names(event.vetoed_by)}: not adopted."
        elif event.adopted:
            text += " Adopted."
        else:
            text += " Not adopted: too few votes."
        return [text]

    def _compliance(self, event: Compliance) -> list[Block]:
        party = self.name(event.party)
        if event.within_red_lines:
            return [f"{party} accepts the resolution: it lies inside its red lines in force."]
        crossed = "; ".join(self.crossing(c) for c in event.crossed)
        if event.rule == "binding":
            return [f"{party} objects ({crossed}), but the resolution binds (compliance: binding)."]
        return [f"{party} rejects the resolution: {crossed}."]

    def _unilateral(self, event: Unilateral) -> list[Block]:
        actor = self.name(event.actor)
        if not event.open:
            return [f"{actor}'s option to act alone is not open yet."]
        draw = (
            f" It draws {_number(event.draw)}"
            + (" <" if event.acts else " >=")
            + f" {_number(event.hazard)}: "
            + ("it acts alone." if event.acts else "it waits.")
            if event.draw is not None and event.hazard > 0
            else ""
        )
        backing = f"backing {_number(event.backing)}" + (
            f" ({self.names(event.expected_backers)})" if event.expected_backers else ""
        )
        if event.rule == "clock":
            return [
                f"{actor} may act alone: with {backing}, its hazard under the clock rule is "
                f"{_number(event.hazard)}.{draw}"
            ]
        offer = (
            f"; the offer on the table {_number(event.offer)}" if event.offer is not None else ""
        )
        weighing = (
            f"acting is worth {_number(event.acting)} ({backing}: "
            f"{_number(event.backing)} x {_number(event.declared_utility)} at the declared point "
            f"+ {_number(1 - event.backing)} x {_number(event.status_quo_utility)} at the status "
            f"quo), staying {_number(event.staying)} (waiting {_number(event.waiting)}: its "
            f"no-deal point {_number(event.no_deal_utility)} less the stalemate's cost so far, "
            f"{_number(event.stalemate_cost)}{offer})"
        )
        if event.consent <= 0 and event.gain > 0:
            restrain = [p.name for p in event.patrons if p.restraint > 0 or not p.endorses]
            return [
                f"{actor} weighs acting alone: {weighing}. Its patrons withhold their consent "
                f"({self.names(restrain)}): hazard 0."
            ]
        if event.gain <= 0:
            return [f"{actor} weighs acting alone: {weighing}. No gain in acting: hazard 0."]
        consent = f" and its patrons' consent {_number(event.consent)}" if event.patrons else ""
        return [
            f"{actor} weighs acting alone: {weighing}. A gain of {_number(event.gain)}; with "
            f"resolve {_number(event.resolve)}{consent} the hazard is "
            f"{_number(event.hazard)}.{draw}"
        ]

    def _recognition(self, event: Recognition) -> list[Block]:
        return [self._recognitions([event])]

    def _recognitions(self, events: list[Recognition]) -> _Table:
        rows, lines = [], []
        for event in events:
            verdict = "recognises" if event.recognises else "does not recognise"
            rows.append(
                [
                    self.name(event.party),
                    "yes" if event.recognises else "no",
                    _signed(event.net_utility),
                    _signed(event.patron_pull),
                    _signed(event.random_term),
                    _signed(event.score),
                ]
            )
            terms = (event.net_utility, event.patron_pull, event.random_term)
            lines.append(f"{self.name(event.party)}: {verdict} ({_sum(terms, event.score)})")
        headers = ["party", "recognises", "net utility", "patrons' pull", "random term", "score"]
        return _Table(headers, rows, lines)

    def _outcome(self, event: OutcomeReached) -> list[Block]:
        return [self.outcome(event)]

    def outcome(self, event: OutcomeReached) -> str:
        """How the replicate ends."""
        when = self.when(event.round)
        if event.outcome == "deadlock":
            return f"Outcome: deadlock. Nothing breaks it by the horizon, {when}."
        point = self.point(event.point or {})
        if event.outcome == "unilateral":
            actor = self.names(event.parties)
            return f"Outcome: unilateral, in {when}: {actor} acts alone, declaring {point}."
        if event.outcome == "agreement":
            return f"Outcome: agreement, in {when}, at {point}."
        return f"Outcome: resolution, in {when}: the adopted draft settles the dispute, at {point}."

    # --- rounds --------------------------------------------------------------------------------

    def round_blocks(self, events: list[Any]) -> list[Block]:
        """A round told in full (its heading aside)."""
        blocks: list[Block] = []
        moves = [e for e in events if e.kind == "stance_moves"]
        votes = [e for e in events if e.kind == "vote"]
        recognitions = [e for e in events if e.kind == "recognition"]
        compliance = [e for e in events if e.kind == "compliance"]
        disputants = set(self.narrative.disputants)
        for event in events:
            if event.kind == "stance_moves":
                if event is moves[0]:
                    shown = [m for m in moves if m.party in disputants] or moves[:3]
                    rest = len(moves) - len(shown)
                    text = "Moves: " + "; ".join(self.move(m) for m in shown)
                    if rest:
                        text += f"; {rest} other part{'y' if rest == 1 else 'ies'} moved too"
                    blocks.append(text + ".")
            elif event.kind == "vote":
                if event is votes[0]:
                    band = _number(event.band)
                    blocks.append(
                        "The members vote (net utility of the draft over the status quo + "
                        f"patrons' pull + random term = score; yes above {band}, no below "
                        f"-{band}, abstain between):"
                    )
                    blocks.append(self._votes(votes))
            elif event.kind == "compliance":
                blocks.extend(self._compliance(event))
                if event is compliance[-1] and not event.ends_dispute:
                    blocks.append(
                        "Adopted, but rejected by a disputant: the dispute goes on, and the body "
                        "does not sit on it again."
                    )
            elif event.kind == "recognition":
                if event is recognitions[0]:
                    yes = [e.party for e in recognitions if e.recognises]
                    no = [e.party for e in recognitions if not e.recognises]
                    blocks.append(
                        f"Recognised by {self.names(yes) or 'nobody'}; not by "
                        f"{self.names(no) or 'anybody'} (net utility of the act over the status "
                        f"quo + patrons' pull + random term = score; recognised above "
                        f"{_number(event.band)}):"
                    )
                    blocks.append(self._recognitions(recognitions))
            else:
                blocks.extend(self.tell(event))
        if not blocks:
            blocks.append("Nothing happens.")
        return blocks

    def segments(self) -> list[tuple[str, int, int, bool, list[Block]]]:
        """The story as (heading, first round, last round, quiet, blocks).

        A round is told in full unless it is quiet: like the last round told in full but for
        the clock, or one in which nothing happens but the clock. A run of quiet rounds alike
        is told in one line.
        """
        segments: list[tuple[str, int, int, bool, list[Block]]] = []
        previous: tuple | None = None
        quiet: list[tuple[int, list[Any]]] = []
        alike: list[tuple | None] = [None]

        def flush() -> None:
            if not quiet:
                return
            first, last = quiet[0][0], quiet[-1][0]
            heading = self.when(first, last)
            heading = heading[:1].upper() + heading[1:]
            segments.append((heading, first, last, True, [self.summary(quiet)]))
            quiet.clear()

        for round_, events in self.narrative.rounds().items():
            signature = _signature(events)
            if not _notable(events) and (signature == previous or _uneventful(signature)):
                if quiet and signature != alike[0]:
                    flush()
                alike[0] = signature
                quiet.append((round_, events))
                continue
            flush()
            begins = next((e for e in events if e.kind == "round_begins"), None)
            heading = self.heading(begins) if begins is not None else self.when(round_)
            segments.append((heading, round_, round_, False, self.round_blocks(events)))
            previous = signature
        flush()
        return segments

    def answers(self, responses: list[Response]) -> str:
        """How each disputant answered a run of proposals: "Kosovo refuses each one (...)"."""
        by_party: dict[str, list[Response]] = {}
        for response in responses:
            by_party.setdefault(response.party, []).append(response)
        told = []
        for party, answers in by_party.items():
            refusals = [a for a in answers if not a.accepts]
            reasons: list[str] = []
            for refusal in refusals:
                if refusal.reason == "utility":
                    why = "worth less than no deal"
                else:
                    why = ", ".join(
                        f"{self.issue(c.issue)} {'below' if c.end == 'low' else 'above'} its "
                        "red line"
                        for c in refusal.crossed
                    )
                if why not in reasons:
                    reasons.append(why)
            because = f" ({'; '.join(reasons)})" if reasons else ""
            if len(refusals) == len(answers):
                told.append(f"{self.name(party)} refuses each{because}")
            elif refusals:
                told.append(
                    f"{self.name(party)} refuses {len(refusals)}{because} and accepts "
                    f"{len(answers) - len(refusals)}"
                )
            else:
                told.append(f"{self.name(party)} accepts each")
        return ", ".join(told)

    def summary(self, rounds: list[tuple[int, list[Any]]]) -> str:
        """One line for a run of quiet rounds."""
        events = [event for _, round_events in rounds for event in round_events]
        parts = []
        begins = [e for e in events if e.kind == "round_begins"]
        if begins and begins[0].talks:
            if any(e.kind == "troika_splits" for e in events):
                parts.append("talks continue, but the mediators stay split: no proposal")
            else:
                answers = self.answers([e for e in events if e.kind == "response"])
                parts.append(f"talks continue; no proposal is accepted: {answers}")
        elif self.talks:
            parts.append("no talks")
        moving: dict[tuple[str, str, str], list[RedLineMoves]] = {}
        for event in events:
            if event.kind == "red_line_moves":
                moving.setdefault((event.party, event.issue, event.end), []).append(event)
        for (party, issue, end), moves in moving.items():
            first, last = self.pair(issue, moves[0].before, moves[-1].after)
            parts.append(
                f"{self.owner(party)} {end} red line in force on {self.issue(issue)} gives way "
                f"from {first} to {last}"
            )
        acts: dict[str, list[Unilateral]] = {}
        for event in events:
            if event.kind == "unilateral":
                acts.setdefault(event.actor, []).append(event)
        for actor, weighed in acts.items():
            category = _category(weighed[0])
            name = self.name(actor)
            if category == "restrained":
                parts.append(f"{name} would act alone, but its patrons withhold their consent")
            elif category == "no_gain":
                parts.append(f"{name} sees no gain in acting alone")
            elif category == "weighs":
                low = min(e.hazard for e in weighed)
                high = max(e.hazard for e in weighed)
                hazard = _number(low) if low == high else f"{_number(low)}-{_number(high)}"
                parts.append(f"{name} does not act alone (hazard {hazard} a {self.unit})")
        return "; ".join(parts or ["nothing happens"]) + "."


def _category(event: Unilateral) -> str:
    """Why a party did or did not act: closed, restrained, no_gain, weighs (or acts)."""
    if event.acts:
        return "acts"
    if not event.open:
        return "closed"
    if event.hazard <= 0 and event.consent <= 0 and event.gain > 0:
        return "restrained"
    if event.hazard <= 0:
        return "no_gain"
    return "weighs"


def _uneventful(signature: tuple) -> bool:
    """Whether a round's signature says nothing happened but the clock (no talks, no weighing)."""
    talks = signature[0] is not None and signature[0][0]
    return not talks and all(
        part[0] == "unilateral" and part[2] == "closed" for part in signature[1:]
    )


def _notable(events: list[Any]) -> bool:
    """Whether a round is told in full whatever came before (an event, a session, an act)."""
    return any(
        event.kind in NOTABLE or (event.kind == "unilateral" and event.acts) for event in events
    )


def _signature(events: list[Any]) -> tuple:
    """What a round is like but for the clock and its notable events (see `_notable`)."""
    begins = next((e for e in events if e.kind == "round_begins"), None)
    shape: list[Any] = [None if begins is None else (begins.talks,)]
    for event in events:
        if event.kind == "proposal":
            shape.append(
                (
                    "proposal",
                    event.formulated and tuple(f.issue for f in event.formulated),
                    event.no_common_ground,
                )
            )
        elif event.kind == "troika_splits":
            shape.append(("split", event.between, event.issue))
        elif event.kind == "red_line_moves":
            shape.append(("red_line", event.party, event.issue, event.end))
        elif event.kind == "unilateral":
            shape.append(("unilateral", event.actor, _category(event)))
    return tuple(shape)


def to_text(narrative: Narrative) -> str:
    """The story in plain English, round by round (quiet runs of rounds in one line)."""
    teller = Teller(narrative)
    lines = _header(narrative, teller)
    for heading, _, _, quiet, blocks in teller.segments():
        if quiet:
            lines.append(f"{heading}: {blocks[0]}")
            continue
        lines.append("")
        lines.append(heading)
        for block in blocks:
            if isinstance(block, _Table):
                lines.extend(f"    {line}" for line in block.lines)
            else:
                lines.append(f"  {block}")
    return "\n".join(lines) + "\n"


def to_markdown(narrative: Narrative) -> str:
    """The story as Markdown, for handouts: a heading per round (or per quiet run of rounds)."""
    teller = Teller(narrative)
    header = _header(narrative, teller)
    lines = [f"# {header[0]}", "", *header[1:]]
    for heading, _, _, quiet, blocks in teller.segments():
        lines += ["", f"## {heading}", ""]
        if quiet:
            summary = blocks[0] if isinstance(blocks[0], str) else ""
            lines.append(summary[:1].upper() + summary[1:])
            continue
        for block in blocks:
            if isinstance(block, _Table):
                lines.append("")
                lines.append("| " + " | ".join(block.headers) + " |")
                lines.append("|" + "|".join(" --- " for _ in block.headers) + "|")
                lines += ["| " + " | ".join(row) + " |" for row in block.rows]
                lines.append("")
            else:
                lines.append(f"- {block}")
    return "\n".join(lines).replace("\n\n\n", "\n\n") + "\n"


def to_json(narrative: Narrative) -> str:
    """The story as JSON (`Narrative`: its header and its events, with stable keys)."""
    return narrative.model_dump_json(indent=2) + "\n"


def _header(narrative: Narrative, teller: Teller) -> list[str]:
    """The title line and what the replicate is (and what it drew)."""
    title = (
        f"{narrative.scenario}: replicate {narrative.replicate}, seed {narrative.seed}, told "
        f"{teller.unit} by {teller.unit}"
    )
    lines = [title]
    if narrative.command:
        lines.append(f"It is exactly replicate {narrative.replicate} of `{narrative.command}`.")
    if narrative.drawn:
        drawn = ", ".join(
            f"{path} = {_number(value, 3)}" for path, value in narrative.drawn.items()
        )
        lines.append(f"Values this replicate drew: {drawn}.")
    return lines
