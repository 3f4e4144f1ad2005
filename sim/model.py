"""The negotiation model: one Mesa model running R replicates of a scenario at once.

Each round (one `step`) follows docs/ODD.md, section 3: mediation, response, stance update,
Security Council session (on scheduled rounds) and unilateral action. The model's party-major
numpy arrays, with a replicate axis where the state differs between replicates, are the only
store of the parties' state (see `state`); the agents read and write through to them. Every
rule decides for all R replicates at once, and finished replicates are dropped from the state
as they end. With R = 1 it is an ordinary Mesa model to step and inspect; with R = 10 000 it is
the Monte Carlo engine.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import mesa
import numpy as np

from sim.agents import AllianceTies, Parties, Party, Ties, concession_by_salience
from sim.bodies import Council, DecisionRules, Troika
from sim.checks import point, schema_check, unit_check
from sim.compliance import COMPLIANCE_RULES
from sim.mediation import Proposal
from sim.narrative import Narrator
from sim.parameters import ScenarioValues, draw_uncertain, party_arrays, stack, width
from sim.records import QUANTILES, Outcome, RunRecords, SessionRecord, Trajectory, record_labels
from sim.scenario import Alliance, Event, PartySpec, Scenario
from sim.stalemate import RED_LINE_RULES, Leverage, inducement, stalemate_cost
from sim.streams import ReplicateStreams
from sim.unilateral import Option
from sim.utility import sum_in_order
from sim.voting import YES

_STRENGTH = schema_check(Alliance, "strength", what="alliance strength")

PARTY_STATE = (
    "salience",
    "capability",
    "flexibility",
    "red_low",
    "red_high",
    "core_low",
    "core_high",
    "no_deal",
    "stalemate_cost",
    "audience_cost",
    "restraint",
    "disputant",
)
"""The parties' attributes kept in the model's party-major arrays (besides `positions`)."""

PER_ISSUE = ("salience", "red_low", "red_high", "core_low", "core_high", "no_deal")
"""The party arrays with an issue axis, (N, K, W); the others but `disputant` are (N, W)."""


class NegotiationModel(mesa.Model):
    """Troika-mediated negotiation with Security Council votes and a unilateral option.

    The parties' parameters are read-only party-major arrays (N parties, K issues) that end
    in a replicate axis of width W (1 where all replicates share the value; L, the live
    replicates, where it was drawn per replicate or changed by an event in some of them),
    changed through the parties' attributes (`Party`) or `set_party` and `set_alliance`:
    `salience`, `red_low`, `red_high`, `core_low`, `core_high` and `no_deal` (N, K, W);
    `capability`, `flexibility`, `stalemate_cost`, `audience_cost` and `restraint` (N, W);
    `disputant` (N,); `alliance_strength` (N, N, W). What depends on them (`disputants`,
    `actors`, `concession`, `ties`) is derived again after every change (`derive`). The
    positions, which change every round, are `positions` (N, K, L).

    Args:
        scenario: a validated scenario (see `sim.scenario.load_scenario`).
        replicates: number of replicates R run side by side (default: the scenario's).
        seed: the run's seed (default: the scenario's). Replicate i draws its random numbers
            from the stream of its block (`sim.streams`), so a replicate's record depends only
            on the scenario, the seed and i: more replicates extend a run, and a run can be
            split into pieces (`first_replicate`).
        first_replicate: the number of the first replicate (a run of replicates 300..499
            equals those replicates of a run of 0..499).
        collect: whether a Mesa `DataCollector` summarises every round across the live
            replicates (see `trajectory`); it costs about as much as the round itself at large
            R, so Monte Carlo sweeps leave it off.
        narrate: whether the model tells what happens in each round, and why, as typed events
            (`narrator`, `sim.narrative`); only with one replicate (`replicates=1`, with
            `first_replicate` the replicate of a batch to tell). Narration reads the state and
            draws no random number: the records are those of the same replicate unnarrated.

    Raises:
        ValueError: if `narrate` is asked for with more than one replicate.
    """

    def __init__(
        self,
        scenario: Scenario,
        replicates: int | None = None,
        seed: int | None = None,
        collect: bool = False,
        first_replicate: int = 0,
        narrate: bool = False,
    ):
        self.seed = scenario.seed if seed is None else int(seed)
        super().__init__(rng=self.seed)
        self.scenario = scenario
        self.replicates = scenario.replicates if replicates is None else int(replicates)
        if self.replicates < 1:
            raise ValueError(f"replicates must be at least 1, got {self.replicates}")
        if narrate and self.replicates != 1:
            raise ValueError(
                f"narrate=True tells the story of one replicate: it needs replicates=1, got "
                f"{self.replicates} (narrate replicate n of a batch with replicates=1, "
                "first_replicate=n)"
            )
        self.narrator: Narrator | None = None
        """What happens in each round, and why, as typed events (`narrate=True` only)."""
        self.streams = ReplicateStreams(self.seed, self.replicates, first_replicate)
        """The random numbers of the replicates, drawn per block (`sim.streams`)."""
        self.drawn = draw_uncertain(scenario, self.streams, self.replicates)
        """Each uncertain value's draws, path -> (R,) (`sim.parameters.draw_uncertain`)."""
        values = ScenarioValues(self.drawn, scenario.scales)
        self.scales = np.array([scenario.scales[issue] for issue in scenario.issue_names])
        """(K, 2): each issue's scale [low, high]; the model's arrays are on the unit scale."""
        self.issues = scenario.issue_names
        self.loss = scenario.utility
        self.horizon = scenario.horizon
        self.status_quo = values.point("status_quo", scenario.status_quo, self.issues)
        self.noise = values("noise", scenario.noise)
        self.red_line_rule = scenario.red_line_rule
        """How the disputants' red lines give way (`sim.stalemate.RED_LINE_RULES`)."""
        self.decision = DecisionRules(scenario.decision, values)

        self.parties = Parties(self)
        self._by_name: dict[str, Party] = {}
        for name, spec in scenario.parties.items():
            party = Party(self, name, spec.label, scenario.unilateral.get(name))
            self.parties.append(party)
            self._by_name[name] = party
        # Mesa 3.3 numbers agents through a class-wide map keyed by model, which keeps every
        # model alive for good (mesa issue #3179, fixed in mesa 3.4, which needs Python 3.12):
        # a sweep's workers would grow by every model they ran. Parties are only made here.
        mesa.Agent._ids.pop(self, None)
        self.options: dict[int, Option] = {}
        """Each actor's unilateral option, by party index (`sim.unilateral.Option`)."""
        self.earliest_possible: dict[int, int] = {}
        """Each actor's earliest round to act in any replicate (drawn or not)."""
        for party in self.parties:
            self.open_option(party, values)
        self.held_low: np.ndarray | None = None
        """The disputants' red lines in force this round, (D, K, W) (`sim.stalemate`)."""
        self.held_high: np.ndarray | None = None
        self.accumulated: np.ndarray | None = None
        """Every party's cost of the stalemate accumulated so far, (N, W)."""
        self.stalemate: np.ndarray | None = None
        """The disputants' accumulated cost of the stalemate this round, (D, W)."""
        self.offered: np.ndarray | None = None
        """The inducements offered to the disputants this round, (D, W)."""
        self._set_initial_state(scenario, values)
        start = stack(
            [
                values.point(f"parties.{p}.position", s.position, self.issues)
                for p, s in scenario.parties.items()
            ]
        )
        self.positions = np.clip(
            np.broadcast_to(start, (*start.shape[:2], self.replicates)), self.red_low, self.red_high
        )

        self.troika = (
            Troika(self, scenario.mediation, values) if scenario.mediation is not None else None
        )
        """The mediators (`sim.bodies.Troika`); None in a scenario without talks."""
        council = scenario.council
        self.council = Council(self, council, values) if council is not None else None
        self.council_log = SessionRecord.empty(
            len(self.council.sessions) if self.council else 0,
            len(self.council.members) if self.council else 0,
            self.replicates,
        )
        self.leverage = _leverage(scenario, values, self.replicates)
        self.events = [
            _plan(self, index, event, values) for index, event in enumerate(scenario.events)
        ]
        """The scenario's events, each with its round and whether it happens, per replicate."""

        replicates = self.replicates
        self._rows = np.arange(replicates)
        self.final_positions = self.positions.copy()
        self.outcome = np.full(replicates, Outcome.ONGOING, dtype=np.int8)
        self.end_round = np.zeros(replicates, dtype=np.int64)
        self.outcome_point = np.full((replicates, len(self.issues)), np.nan)
        self.proposals = np.zeros(replicates, dtype=np.int64)
        self.recognised = np.zeros((len(self.parties), replicates), dtype=bool)
        self.adopted = np.zeros(replicates, dtype=bool)
        """Whether the Council adopted a resolution in the replicate."""
        self.accepted = np.zeros(replicates, dtype=bool)
        """Whether every disputant accepted the resolution adopted."""
        self.happened = np.zeros((len(self.events), replicates), dtype=bool)
        """Whether each event happened in the replicate (while it was running)."""
        self._recognition_terms: dict[int, np.ndarray | None] = {}
        """Per actor, the random terms of the other parties' judgements of its act, (N, R)."""
        self.round_proposal: Proposal | None = None
        """This round's troika proposal, in the replicates live when it was made."""
        self.last_proposal: Proposal | None = None
        """This round's troika proposal, in the replicates still live after the responses."""

        self.datacollector: mesa.DataCollector | None = None
        if collect:
            self.datacollector = mesa.DataCollector(
                model_reporters={
                    "live": self._live_count,
                    "positions": self._position_quantiles,
                    "united": self._united_count,
                    "proposal": self._proposal_quantiles,
                }
            )
            self.datacollector.collect(self)
        if narrate:
            self.narrator = Narrator(self, first_replicate)

    # --- the parties' state ----------------------------------------------------------------

    def _set_initial_state(self, scenario: Scenario, values: ScenarioValues) -> None:
        """Set the party-major arrays of the scenario's parameters and derive from them.

        The arrays are read-only: `set_party` changes them.
        """
        for name, array in party_arrays(scenario, values, self.status_quo).items():
            array.flags.writeable = False
            setattr(self, name, array)
        self.derive()

    def open_option(self, party: Party, values: ScenarioValues | None = None) -> None:
        """Set up the party's unilateral option (`options`), with its drawn values if any."""
        spec = party.unilateral
        self.options.pop(party.index, None)
        if spec is None:
            return
        values = values or ScenarioValues({}, self.scenario.scales)
        base = f"unilateral.{party.name}"
        self.options[party.index] = Option(
            point=values.point(f"{base}.point", spec.point, self.issues),
            **{
                field: values(f"{base}.{field}", getattr(spec, field))
                for field in ("earliest_round", "base_rate", "growth", "resolve")
            },
        )
        drawn = f"{base}.earliest_round" in values.drawn
        low = self.scenario.uncertainty[f"{base}.earliest_round"].ends()[0] if drawn else None
        low = spec.earliest_round if low is None else low
        self.earliest_possible[party.index] = max(1, math.floor(low + 0.5))

    def state(self, name: str) -> np.ndarray:
        """The party-major array of a parameter (read-only; change it with `set_party`).

        Names and shapes (N parties, K issues, W = 1 or L): `salience`, `red_low`,
        `red_high`, `core_low`, `core_high`, `no_deal` (N, K, W); `capability`,
        `flexibility`, `stalemate_cost`, `audience_cost`, `restraint` (N, W); `disputant`
        (N,); `alliance_strength` (N, N, W), symmetric. Each is also an attribute of the
        model (`model.salience`). The positions, which change every round, are `positions`,
        (N, K, L).
        """
        if name not in (*PARTY_STATE, "alliance_strength"):
            raise ValueError(
                f"no party-major parameter {name!r}; one of {(*PARTY_STATE, 'alliance_strength')}"
            )
        return getattr(self, name)

    def set_party(self, index: int, name: str, value: Any) -> None:
        """Set attribute `name` of the party at `index`: what `party.<name> = value` does.

        The value is checked as the scenario schema checks it (docs/ODD.md, section 8.2) and
        takes effect in every rule from the next decision on, in every replicate. A point
        (position, red line, no-deal point, salience) is given as an issue -> value mapping
        or as K numbers in issue order; a position may also be (K, L), one column per live
        replicate; `red_lines` takes K pairs [low, high] (or an issue -> pair mapping), and
        moves the cores out with them where needed. Salience is on the unit scale, [0, 1].

        Raises:
            ValueError: if the value has the wrong shape or is out of range.
        """
        if name == "position":
            self.positions[index] = point(value, self.issues, _CHECKS[name], name, live=True)
            return
        if name == "red_lines":
            low, high = _red_lines(self, value)
            self._write("red_low", index, low)
            self._write("red_high", index, high)
            self._write("core_low", index, np.minimum(self.core_low[index], low))
            self._write("core_high", index, np.maximum(self.core_high[index], high))
            return
        if name not in PARTY_STATE:
            raise ValueError(f"parties have no stored attribute {name!r}")
        self._write(name, index, _checked(self, index, name, value))
        if name in ("red_low", "red_high"):  # the core never lies inside the stated line
            core, outward = (
                ("core_low", np.minimum) if name == "red_low" else ("core_high", np.maximum)
            )
            self._write(core, index, outward(self.state(core)[index], self.state(name)[index]))

    def set_alliance(self, first: str, second: str, strength: float) -> None:
        """Set the strength of the tie between two parties (in [-1, 1]; 0 removes it)."""
        i, j = self.party(first).index, self.party(second).index
        if i == j:
            raise ValueError(f"an alliance needs two different parties, got {first!r} twice")
        value = _STRENGTH(strength)
        self._write("alliance_strength", (i, j), value)
        self._write("alliance_strength", (j, i), value)

    def _write(self, name: str, index: Any, value: Any, where: np.ndarray | None = None) -> None:
        """Write into a read-only state array, then derive again what depends on the state.

        `where` (L,) bool: write only in those live replicates (the array takes a replicate
        axis of width L if it had none).
        """
        array = self.state(name)
        if where is not None and not where.all():
            if array.shape[-1] != len(where):
                array = np.broadcast_to(array, (*array.shape[:-1], len(where))).copy()
            else:
                array = array.copy()
            array[index][..., where] = np.asarray(value)[..., None] if np.ndim(value) else value
            array.flags.writeable = False
            setattr(self, name, array)
        else:
            array.flags.writeable = True
            try:
                array[index] = value
            finally:
                array.flags.writeable = False
        self.derive()
        if name in ("red_low", "red_high"):  # a party that never moves is clipped here
            party = index[0] if isinstance(index, tuple) else index
            if not self.disputant[party]:
                self.positions[party] = np.clip(
                    self.positions[party], self.red_low[party], self.red_high[party]
                )

    def derive(self) -> None:
        """Compute what is derived from the parties' parameters, after any of them changed.

        `disputant_index` and `disputants`: the parties whose consent an agreement needs;
        `disputant_row`: a disputant's row in the disputants' arrays; `actors`: the parties
        with an option to act alone; `concession`: every party's per-issue concession factor,
        (N, K, W) (`concession_by_salience`); `patronage`, (N, N, W), and `ties`: the
        alliance pull and the patronage ties (`AllianceTies`). Pull:
        A_ij = w_ij c_j / (c_i + c_j), so a weak party is pulled hard by a strong ally and
        barely moves it (capability-weighted social influence: French 1956; Friedkin &
        Johnsen 1990). Patronage: P_ij = w_ij where j is more capable than i (j is i's
        patron).
        """
        self.disputant_index = np.flatnonzero(self.disputant)
        self.disputant_row = {int(i): row for row, i in enumerate(self.disputant_index)}
        self.disputants = [self.parties[i] for i in self.disputant_index]
        self.actors = [party for party in self.parties if party.unilateral is not None]
        self.concession = concession_by_salience(self.salience)
        strength, capability = self.alliance_strength, self.capability
        pull = strength * capability[None] / (capability[:, None] + capability[None])
        self.patronage = np.where(capability[None] > capability[:, None], strength, 0.0)
        self.ties = AllianceTies(Ties(pull), Ties(self.patronage))
        moving = self.disputant | (self.ties.pull.abs_row_sums > 0).any(axis=-1)
        self.movers = np.flatnonzero(moving)
        """The parties whose stance can move: the disputants and every party with a tie."""
        self.disputant_rows = np.flatnonzero(self.disputant[self.movers])
        """The disputants' rows among the movers (in the order of `disputant_index`)."""

    def consent(self, actor: Party, endorsed: np.ndarray) -> np.ndarray:
        """The actor's patrons' consent to its acting alone, per live replicate, in [0, 1].

        Source: patrons license or restrain a client's unilateral step (Ker-Lindsay 2009 and
        Weller 2009 on the United States and the EU holding Pristina back until the troika
        process and Serbia's presidential election were over; Coggins 2011 on great-power
        support for secession). This is interpreted as: the consent is
        sum_j P_aj e_j (1 - restraint_j) / sum_j P_aj over the actor's patrons j (P_aj > 0,
        `patronage`), where e_j is 1 if the patron is expected to judge the act favourably
        (`endorsed`, (N, L)); 1 for an actor without patrons.
        """
        ties = np.maximum(self.patronage[actor.index], 0.0)  # (N, W)
        total = ties.sum(axis=0)
        willing = sum_in_order(ties * endorsed * (1.0 - self.restraint), axis=0)
        return np.where(total > 0, willing / np.where(total > 0, total, 1.0), 1.0)

    # --- helpers ---------------------------------------------------------------------------

    def point(self, values: Mapping[str, float]) -> np.ndarray:
        """A scenario point (issue -> value) as a column in issue order, shape (K, 1)."""
        return np.array([[values[issue]] for issue in self.issues], dtype=float)

    def party(self, name: str) -> Party:
        """The party with this scenario key."""
        return self._by_name[name]

    # --- the round -------------------------------------------------------------------------

    @property
    def round(self) -> int:
        """The current round (number of steps taken)."""
        return self.steps

    @property
    def live(self) -> int:
        """The number of replicates still running."""
        return len(self._rows)

    @property
    def live_replicates(self) -> np.ndarray:
        """The numbers of the replicates still running, ascending: the last axis of the state."""
        return self._rows

    @property
    def active(self) -> np.ndarray:
        """(R,) bool: the replicates still running."""
        return self.outcome == Outcome.ONGOING

    def step(self) -> None:
        """One round: events, mediation, response, stance update, Council, unilateral action.

        Only live replicates are held in the state arrays: a replicate that ends is recorded
        and dropped, so the work of a round shrinks as replicates finish.
        """
        if not len(self._rows):  # every replicate has ended: nothing happens any more
            self.running = False
            return
        round_ = self.steps
        if self.narrator is not None:
            self.narrator.begin(round_)
        self.happen(round_)
        self.feel_stalemate(round_)
        talks = self.troika is not None and self.troika.in_session(round_)
        proposal = self.troika.propose() if talks else None
        self.round_proposal = proposal
        self.last_proposal = None
        if proposal is not None:
            proposal = self.respond(proposal)
        self.last_proposal = proposal
        self.parties.concede(proposal, round_)
        if self.narrator is not None:
            self.narrator.moved(proposal)
        if self.council is not None and self.council.sits(round_):
            self.hold_session(round_)
        for actor in self.actors:
            if actor.may_act(round_):
                self.act_alone(actor, round_)
        if round_ >= self.horizon:
            self._finish(np.ones(len(self._rows), dtype=bool), Outcome.DEADLOCK, np.nan)
        self.running = len(self._rows) > 0
        if self.datacollector is not None:
            self.datacollector.collect(self)

    def happen(self, round_: int) -> None:
        """The events of this round, in the live replicates where they happen.

        Source: elections, changes of government and shifts of a patron's policy change what
        a party wants or risks (Putnam 1988 on domestic ratification; for Kosovo, Serbia's
        presidential election of 20 January and 3 February 2008: Ker-Lindsay 2009). This is
        interpreted as: an event's changes (`Event.set`) take effect from its round on, in
        each replicate with probability `probability` (drawn once per replicate when the
        model is built); `happened` records where it did.
        """
        for plan in self.events:
            due = plan.happens[self._rows] & (plan.round[self._rows] == round_)
            if not due.any():
                continue
            if self.narrator is not None:  # before the changes: what they change from
                self.narrator.event_happens(plan)
            for name, index, value in plan.changes:
                if name == "position":
                    self.positions[index][..., due] = value
                else:
                    self._write(name, index, value, due)
            self.happened[plan.index, self._rows[due]] = True
            self._keep_cores_outside()

    def _keep_cores_outside(self) -> None:
        """Cores stay outside the stated red lines after an event moves either."""
        for core, stated, outward in (
            ("core_low", "red_low", np.minimum),
            ("core_high", "red_high", np.maximum),
        ):
            moved = outward(self.state(core), self.state(stated))
            if not np.array_equal(moved, np.broadcast_to(self.state(core), moved.shape)):
                moved.flags.writeable = False
                setattr(self, core, moved)

    def feel_stalemate(self, round_: int) -> None:
        """The disputants' cost of the stalemate, the inducements offered, their red lines.

        See `sim.stalemate`: the cost accumulated so far (this round's own rate and sanctions
        added to the earlier rounds') and the inducements (`stalemate`, `offered`) wear the
        stated red lines down toward their cores (`held_low`, `held_high`).
        """
        index = self.disputant_index
        first = self.troika.first_round if self.troika is not None else 1
        cost = stalemate_cost(self.stalemate_cost, first, self.leverage, round_)
        self.accumulated = cost if self.accumulated is None else self.accumulated + cost
        self.stalemate = self.accumulated[index]
        self.offered = inducement(self.leverage, round_)[index]
        self.held_low, self.held_high = RED_LINE_RULES[self.red_line_rule](
            (self.red_low[index], self.red_high[index]),
            (self.core_low[index], self.core_high[index]),
            self.salience[index],
            self.stalemate + self.offered,
            self.audience_cost[index],
        )
        if self.narrator is not None:
            self.narrator.pressure()

    def respond(self, proposal: Proposal) -> Proposal:
        """The disputants answer the troika: agreement where the proposal is joint and all accept.

        Returns the proposal in the replicates still live (see `Party.accepts`).
        """
        self.proposals[self._rows] += proposal.united
        accepted = proposal.united.copy()
        for disputant in self.disputants:
            accepted &= disputant.accepts(proposal.point)
        if self.narrator is not None:
            self.narrator.respond(proposal)
        return self._finish(accepted, Outcome.AGREEMENT, proposal.point, proposal)

    def hold_session(self, round_: int) -> None:
        """The Council sits where no resolution was adopted yet (`Council.session`).

        Source: a Council resolution binds under the Charter (Art. 25), but a party that
        rejects it may defy it: Serbia (then the FRY) never accepted Kosovo's loss, and
        Kosovo declared independence in 2008 against Serbia's reading of Resolution 1244
        (1999); compliance with Council decisions depends on the parties' consent (Hurd 2007,
        *After Anarchy*). This is interpreted as: the Council's compliance rule
        (`sim.compliance.COMPLIANCE_RULES`; under `consent`, a resolution is accepted only if
        it lies inside every disputant's red lines in force) says where an adopted resolution
        is accepted, and there it ends the dispute; elsewhere the dispute goes on, the Council
        does not sit on it again, and the disputants keep their unilateral options. `adopted`
        and `accepted` are both recorded.
        """
        session = self.council.session()
        rows = self._rows
        sitting = ~self.adopted[rows]
        record = session.record if sitting.all() else session.record.where(sitting)
        self.council_log.store(self.council.sessions.index(round_), rows, record)
        adopted = session.adopted & sitting
        comply = COMPLIANCE_RULES[self.council.compliance]
        accepted = comply(self.disputants, session.draft, adopted)
        self.adopted[rows[adopted]] = True
        self.accepted[rows[accepted]] = True
        if self.narrator is not None:
            self.narrator.session(session, sitting, adopted)
        self._finish(accepted, Outcome.RESOLUTION, session.draft)

    def act_alone(self, actor: Party, round_: int) -> None:
        """The actor's unilateral decision; those who judge the act favourably recognise it.

        Source: external support for secession counts by the weight of the states expected to
        recognise it (Coggins 2011); recognition follows each state's own judgement and its
        patrons' (Ker-Lindsay 2009 on the 2008 recognitions of Kosovo). This is interpreted
        as: the backing (`Party.unilateral_hazard`) is the capability share of the other
        parties whose noise-free judgement of the act is yes (`Parties.judge`); if it acts,
        each other party recognises the act if its judgement, with its random term, is yes.
        A replicate sees at most one act, so these random terms are drawn for every
        replicate at once, in the first round the actor may act.
        """
        point = actor.unilateral_point
        others = np.arange(len(self.parties)) != actor.index
        capability = self.capability[others]
        net = self.parties.net_utility(point)
        expected = self.parties.judge(net) == YES
        backing = sum_in_order(capability * expected[others], axis=0)
        acts = actor.acts_alone(round_, backing / capability.sum(axis=0), expected)
        if actor.index not in self._recognition_terms:
            replicates = np.arange(self.replicates)
            self._recognition_terms[actor.index] = self.parties.random_terms(replicates)
        terms = self._recognition_terms[actor.index]
        acting = self._rows[acts]
        if self.parties.judges_alike():  # judge only the acts' columns: less work
            judged = self.parties.judge(net[:, acts], None if terms is None else terms[:, acting])
        else:
            live_terms = None if terms is None else terms[:, self._rows]
            judged = self.parties.judge(net, live_terms)[:, acts]
        self.recognised[:, acting] = (judged == YES) & others[:, None]
        if self.narrator is not None:
            self.narrator.act_alone(
                actor, acts, net, None if terms is None else terms[:, self._rows]
            )
        self._finish(acts, Outcome.UNILATERAL, point)

    def _finish(
        self,
        ended: np.ndarray,
        outcome: Outcome,
        point: np.ndarray | float,
        proposal: Proposal | None = None,
    ) -> Proposal | None:
        """Record `outcome` for the live replicates in `ended`, then drop them.

        Returns `proposal` restricted to the replicates still live (if one is given).
        """
        if not ended.any():
            return proposal
        if self.narrator is not None:
            self.narrator.outcome(outcome, point)
        rows = self._rows[ended]
        self.outcome[rows] = outcome
        self.end_round[rows] = self.steps
        self.outcome_point[rows] = np.broadcast_to(point, (len(self.issues), len(ended)))[
            :, ended
        ].T
        self.final_positions[..., rows] = self.positions[..., ended]
        keep = ~ended
        self._drop(keep)
        if self.last_proposal is not None:  # the offer on the table, in the live replicates
            self.last_proposal = self.last_proposal.restrict(keep)
        if proposal is None:
            return None
        return proposal.restrict(keep)

    def _drop(self, keep: np.ndarray) -> None:
        """Keep only the live replicates `keep` selects, in every array with a replicate axis.

        An array whose last axis has one column per live replicate is cut; one shared by
        all replicates (width 1) is left as it is. When the last live replicate ends nothing
        is cut but the positions: nothing runs any more, and a shared value keeps its shape.
        """
        live = len(keep)
        self._rows = self._rows[keep]
        self.positions = self.positions[..., keep]
        if live == 1:  # `_finish` drops only replicates that end: this was the last one
            return

        def cut(value: Any, ndim: int = 1) -> Any:
            """`value` cut to the live replicates if it has their axis (at least `ndim` axes)."""
            if isinstance(value, np.ndarray) and value.ndim >= ndim and value.shape[-1] == live:
                return value[..., keep]
            return value

        changed = False
        for name in (*PARTY_STATE, "alliance_strength"):
            array = self.state(name)
            if name != "disputant" and array.shape[-1] == live and live > 1:
                array = array[..., keep]
                array.flags.writeable = False
                setattr(self, name, array)
                changed = True
        for name in (
            "status_quo",
            "noise",
            "held_low",
            "held_high",
            "accumulated",
            "stalemate",
            "offered",
        ):
            setattr(self, name, cut(getattr(self, name)))
        for body, names in (
            (self.decision, DecisionRules.checks),
            (self.troika, ("cohesion", "pull")),
            (self.council, ("draft", "amendment_step")),
        ):
            for name in names if body is not None else ():
                object.__setattr__(body, name, cut(getattr(body, name)))
        if self.troika is not None:  # shared biases are (M,)
            object.__setattr__(self.troika, "bias", cut(self.troika.bias, ndim=2))
        for index, option in self.options.items():
            self.options[index] = Option(
                **{f.name: cut(getattr(option, f.name)) for f in dataclasses.fields(option)}
            )
        if self.leverage.from_round.shape[-1] == live:
            self.leverage = self.leverage.restrict(keep)
        if changed:
            self.derive()

    # --- data collection (see `collect`) ---------------------------------------------------

    def _live_count(self) -> int:
        return self.live

    def _position_quantiles(self) -> np.ndarray:
        """(N, K, 3): the 5%, 50% and 95% quantiles of each position over live replicates."""
        return _quantiles(self.positions)

    def _united_count(self) -> int:
        proposal = self.round_proposal
        return 0 if proposal is None else int(proposal.united.sum())

    def _proposal_quantiles(self) -> np.ndarray:
        """(K, 3): quantiles of this round's joint troika proposals (NaN if none was made)."""
        proposal = self.round_proposal
        if proposal is None:
            return np.full((len(self.issues), len(QUANTILES)), np.nan)
        return _quantiles(proposal.point[:, proposal.united])

    def trajectory(self) -> Trajectory:
        """The per-round summaries gathered by the data collector (needs `collect=True`)."""
        if self.datacollector is None:
            raise ValueError("the model was built with collect=False: no trajectory to report")
        data = self.datacollector.model_vars
        low, high = self.scales[:, :1], self.scales[:, 1:]  # (K, 1): back to the issues' units
        return Trajectory(
            scenario=self.scenario.name,
            issues=tuple(self.issues),
            parties=tuple(p.name for p in self.parties),
            live=np.array(data["live"], dtype=np.int64),
            positions=low + (high - low) * np.array(data["positions"]),
            united=np.array(data["united"], dtype=np.int64),
            proposal=low + (high - low) * np.array(data["proposal"]),
        )

    def run(self) -> RunRecords:
        """Run every replicate to its end (at most `horizon` rounds) and return the records."""
        while self.running:
            self.step()
        return self.records()

    def records(self) -> RunRecords:
        """The per-replicate records so far (positions: current ones for replicates still live)."""
        positions = self.final_positions.copy()
        positions[..., self._rows] = self.positions
        low, high = self.scales[:, :1], self.scales[:, 1:]  # (K, 1): back to the issues' units
        positions = low + (high - low) * positions
        disputed = positions[self.disputant_index]
        return RunRecords(
            **{**record_labels(self.scenario), "seed": self.seed},
            drawn_values=np.array([self.drawn[path] for path in sorted(self.drawn)]).reshape(
                len(self.drawn), self.replicates
            ),
            happened=self.happened.copy(),
            adopted=self.adopted.copy(),
            accepted=self.accepted.copy(),
            outcome=self.outcome.copy(),
            end_round=self.end_round.copy(),
            point=self.scales[:, 0] + (self.scales[:, 1] - self.scales[:, 0]) * self.outcome_point,
            proposals=self.proposals.copy(),
            council=self.council_log.copy(),
            recognised=self.recognised.copy(),
            positions=positions.transpose(0, 2, 1).copy(),
            gap=(disputed.max(axis=0) - disputed.min(axis=0)).T
            if len(disputed)
            else np.zeros((self.replicates, len(self.issues))),
        )


@dataclasses.dataclass(frozen=True, eq=False)
class EventPlan:
    """An event as the model applies it: where and when it happens, and what it changes."""

    index: int
    """Its place in the scenario's `events`."""
    round: np.ndarray
    """(R,): the round it happens in, per replicate."""
    happens: np.ndarray
    """(R,) bool: whether it happens in the replicate."""
    changes: list[tuple[str, Any, float]]
    """(state array, index into it, value): `position` or a party-major array."""


def _plan(model: NegotiationModel, index: int, event: Event, values: ScenarioValues) -> EventPlan:
    """The plan of event `index`: its draws, and its changes as writes into the model's arrays.

    Whether it happens is decided by one uniform number per replicate, drawn when the model
    is built (so it never depends on other replicates).
    """
    base = f"events.{index}"
    count = model.replicates
    probability = np.broadcast_to(values(f"{base}.probability", event.probability), (count,))
    happens = model.streams.uniform(np.arange(count)) < probability
    round_ = np.broadcast_to(values(f"{base}.round", event.round), (count,))
    issues = model.issues
    changes: list[tuple[str, Any, float]] = []
    for path, value in event.set.items():
        parts = path.split(".")
        if parts[0] == "alliances":
            alliance = model.scenario.alliances[int(parts[1])]
            i, j = (model.party(name).index for name in alliance.between)
            changes += [("alliance_strength", (i, j), value), ("alliance_strength", (j, i), value)]
            continue
        party = model.party(parts[1]).index
        field = parts[2]
        if len(parts) == 3:
            changes.append((field, party, float(value)))
            continue
        k = issues.index(parts[3])
        if field in ("red_lines", "red_line_cores"):
            prefix = "red" if field == "red_lines" else "core"
            changes += [
                (f"{prefix}_low", (party, k), float(values.unit(parts[3], value[0]))),
                (f"{prefix}_high", (party, k), float(values.unit(parts[3], value[1]))),
            ]
        else:
            changes.append((field, (party, k), float(values.unit(parts[3], value))))
    return EventPlan(index, np.asarray(round_), happens, changes)


def _leverage(scenario: Scenario, values: ScenarioValues, count: int) -> Leverage:
    """The scenario's leverage as arrays (`sim.stalemate.Leverage`), with any draws."""
    parties = scenario.party_names
    givers = list(scenario.leverage.items())
    starts = [values(f"leverage.{g}.from_round", spec.from_round) for g, spec in givers]
    offers, sanctions = [], []
    for giver, spec in givers:
        for kind, into in (("inducements", offers), ("sanctions", sanctions)):
            amounts = getattr(spec, kind)
            into.append(
                stack(
                    [values(f"leverage.{giver}.{kind}.{p}", amounts.get(p, 0.0)) for p in parties]
                )
            )
    if not givers:
        empty = np.zeros((0, len(parties), 1))
        return Leverage(np.zeros((0, 1)), empty, empty)
    columns = width(*starts, *offers, *sanctions)

    def widened(array: np.ndarray) -> np.ndarray:
        return np.broadcast_to(array, (*array.shape[:-1], columns)).copy()

    return Leverage(widened(stack(starts)), widened(np.stack(offers)), widened(np.stack(sanctions)))


def _quantiles(values: np.ndarray) -> np.ndarray:
    """The `QUANTILES` of `values` over its last (replicate) axis, stacked last; NaN if empty."""
    if values.shape[-1] == 0:
        return np.full((*values.shape[:-1], len(QUANTILES)), np.nan)
    return np.moveaxis(np.quantile(values, QUANTILES, axis=-1), 0, -1)


def run_scenario(
    scenario: Scenario, replicates: int | None = None, seed: int | None = None
) -> RunRecords:
    """Run a scenario's replicates to the end and return their records."""
    return NegotiationModel(scenario, replicates=replicates, seed=seed).run()


# --- checks of values set on parties (the schema's ranges: docs/ODD.md, section 8.2) --------

_CHECKS = {
    "position": unit_check("position"),
    "salience": unit_check("salience"),
    "capability": schema_check(PartySpec, "capability"),
    "flexibility": schema_check(PartySpec, "flexibility"),
    "red_line": unit_check("red line"),
    "no_deal": unit_check("no_deal"),
    "stalemate_cost": schema_check(PartySpec, "stalemate_cost"),
    "audience_cost": schema_check(PartySpec, "audience_cost"),
    "restraint": schema_check(PartySpec, "restraint"),
    "disputant": schema_check(PartySpec, "disputant"),
}
"""Each stored attribute's check, taken from the scenario schema; points and saliences are
checked on the unit scale the model holds them on (per issue)."""


def _checked(model: NegotiationModel, index: int, name: str, value: Any) -> Any:
    """The value `set_party` stores for attribute `name` of party `index`, or a ValueError."""
    issues = model.issues
    if name in ("red_low", "red_high"):
        line = point(value, issues, _CHECKS["red_line"], name)
        low = line if name == "red_low" else model.red_low[index]
        high = line if name == "red_high" else model.red_high[index]
        if (low > high).any():
            raise ValueError(f"{name} would cross the party's other red line (low > high)")
        return line
    if name in ("core_low", "core_high"):
        line = point(value, issues, _CHECKS["red_line"], name)
        stated = model.red_low[index] if name == "core_low" else model.red_high[index]
        if (line > stated).any() if name == "core_low" else (line < stated).any():
            raise ValueError(f"{name} would lie inside the party's stated red line")
        return line
    if name in ("salience", "no_deal"):
        return point(value, issues, _CHECKS[name], name)
    checked = _CHECKS[name](value)
    talks = model.troika is not None
    if name == "disputant" and talks and np.delete(model.disputant, index).sum() + checked < 2:
        raise ValueError("disputant: talks need at least two disputants")
    return checked


def _red_lines(model: NegotiationModel, value: Any) -> tuple[np.ndarray, np.ndarray]:
    """Both ends of every red line, from K pairs [low, high] or an issue -> pair mapping."""
    issues = model.issues
    if isinstance(value, Mapping):
        if sorted(value) != sorted(issues):
            raise ValueError(f"red_lines: found issues {sorted(value)}; expected {issues}")
        value = [value[issue] for issue in issues]
    pairs = np.asarray(value, dtype=object)
    if pairs.shape != (len(issues), 2):
        raise ValueError(
            f"red_lines: found shape {pairs.shape}; expected {len(issues)} pairs [low, high]"
        )
    low, high = (point(pairs[:, side], issues, _CHECKS["red_line"], "red_lines") for side in (0, 1))
    if (low > high).any():
        raise ValueError("red_lines: found low > high; expected low <= high on every issue")
    return low, high
