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

from collections.abc import Mapping
from typing import Any

import mesa
import numpy as np

from sim.agents import AllianceTies, Parties, Party, Ties, concession_by_salience
from sim.bodies import Council, Troika
from sim.checks import point, schema_check
from sim.mediation import Proposal
from sim.records import QUANTILES, Outcome, RunRecords, SessionRecord, Trajectory, record_labels
from sim.scenario import Alliance, PartySpec, Scenario
from sim.streams import ReplicateStreams
from sim.utility import sum_in_order
from sim.voting import YES

_STRENGTH = schema_check(Alliance, "strength", what="alliance strength")

PARTY_STATE = (
    "salience",
    "capability",
    "flexibility",
    "red_low",
    "red_high",
    "no_deal",
    "disputant",
)
"""The parties' attributes kept in the model's party-major arrays (besides `positions`)."""


class NegotiationModel(mesa.Model):
    """Troika-mediated negotiation with Security Council votes and a unilateral option.

    The parties' parameters are read-only party-major arrays (N parties, K issues), changed
    through the parties' attributes (`Party`) or `set_party` and `set_alliance`: `salience`,
    `red_low`, `red_high` and `no_deal` (N, K, 1); `capability`, `flexibility` and
    `disputant` (N,); `alliance_strength` (N, N). What depends on them (`disputants`,
    `actors`, `concession`, `ties`) is derived again after every change (`derive`). The
    positions, which change every round, are `positions` (N, K, L) over the L live
    replicates.

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
    """

    def __init__(
        self,
        scenario: Scenario,
        replicates: int | None = None,
        seed: int | None = None,
        collect: bool = False,
        first_replicate: int = 0,
    ):
        self.seed = scenario.seed if seed is None else int(seed)
        super().__init__(rng=self.seed)
        self.scenario = scenario
        self.replicates = scenario.replicates if replicates is None else int(replicates)
        if self.replicates < 1:
            raise ValueError(f"replicates must be at least 1, got {self.replicates}")
        self.streams = ReplicateStreams(self.seed, self.replicates, first_replicate)
        """The random numbers of the replicates, drawn per block (`sim.streams`)."""
        self.issues = scenario.issue_names
        self.loss = scenario.utility
        self.horizon = scenario.horizon
        self.status_quo = self.point(scenario.status_quo)
        self.ripeness = scenario.ripeness
        self.noise = scenario.noise
        self.decision = scenario.decision

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
        self._set_initial_state(scenario)
        self.positions = np.empty((len(self.parties), len(self.issues), self.replicates))
        self.positions[:] = np.array(
            [self.point(spec.position) for spec in scenario.parties.values()]
        )

        self.troika = Troika(self, scenario.mediation)
        council = scenario.security_council
        self.council = Council(self, council) if council is not None else None
        self.council_log = SessionRecord.empty(
            len(self.council.sessions) if self.council else 0,
            len(self.council.members) if self.council else 0,
            self.replicates,
        )

        replicates = self.replicates
        self._rows = np.arange(replicates)
        self.final_positions = self.positions.copy()
        self.outcome = np.full(replicates, Outcome.ONGOING, dtype=np.int8)
        self.end_round = np.zeros(replicates, dtype=np.int64)
        self.outcome_point = np.full((replicates, len(self.issues)), np.nan)
        self.proposals = np.zeros(replicates, dtype=np.int64)
        self.recognised = np.zeros((len(self.parties), replicates), dtype=bool)
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

    # --- the parties' state ----------------------------------------------------------------

    def _set_initial_state(self, scenario: Scenario) -> None:
        """Set the party-major arrays of the scenario's parameters and derive from them.

        The arrays are read-only: `set_party` changes them.
        """
        issues = self.issues
        salience, lines, no_deal = [], [], []
        for spec in scenario.parties.values():
            raw = np.array([[(spec.salience or {}).get(issue, 1.0)] for issue in issues])
            salience.append(raw / raw.sum())
            lines.append(np.array([spec.red_lines.get(issue, (0.0, 1.0)) for issue in issues]))
            no_deal.append(self.point(spec.no_deal) if spec.no_deal else self.status_quo)
        lines_array = np.array(lines)
        n = len(self.parties)
        strength = np.zeros((n, n))
        for alliance in scenario.alliances:
            i, j = (self.party(name).index for name in alliance.between)
            strength[i, j] = strength[j, i] = alliance.strength
        state = {
            "salience": np.array(salience),
            "capability": np.array([spec.capability for spec in scenario.parties.values()]),
            "flexibility": np.array([spec.flexibility for spec in scenario.parties.values()]),
            "red_low": lines_array[:, :, :1].copy(),
            "red_high": lines_array[:, :, 1:].copy(),
            "no_deal": np.array(no_deal),
            "disputant": np.array([spec.disputant for spec in scenario.parties.values()]),
            "alliance_strength": strength,
        }
        for name, array in state.items():
            array.flags.writeable = False
            setattr(self, name, array)
        self.derive()

    def state(self, name: str) -> np.ndarray:
        """The party-major array of a parameter (read-only; change it with `set_party`).

        Names and shapes (N parties, K issues): `salience`, `red_low`, `red_high`, `no_deal`
        (N, K, 1); `capability`, `flexibility`, `disputant` (N,); `alliance_strength` (N, N),
        symmetric. Each is also an attribute of the model (`model.salience`). The positions,
        which change every round, are `positions`, (N, K, L).
        """
        if name not in (*PARTY_STATE, "alliance_strength"):
            raise ValueError(
                f"no party-major parameter {name!r}; one of {(*PARTY_STATE, 'alliance_strength')}"
            )
        return getattr(self, name)

    def set_party(self, index: int, name: str, value: Any) -> None:
        """Set attribute `name` of the party at `index`: what `party.<name> = value` does.

        The value is checked as the scenario schema checks it (docs/ODD.md, section 8.2) and
        takes effect in every rule from the next decision on. A point (position, red line,
        no-deal point, salience) is given as an issue -> value mapping or as K numbers in
        issue order; a position may also be (K, L), one column per live replicate; `red_lines`
        takes K pairs [low, high] (or an issue -> pair mapping). Salience is normalised to sum
        to 1.

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
            return
        if name not in PARTY_STATE:
            raise ValueError(f"parties have no stored attribute {name!r}")
        self._write(name, index, _checked(self, index, name, value))

    def set_alliance(self, first: str, second: str, strength: float) -> None:
        """Set the strength of the tie between two parties (in [-1, 1]; 0 removes it)."""
        i, j = self.party(first).index, self.party(second).index
        if i == j:
            raise ValueError(f"an alliance needs two different parties, got {first!r} twice")
        value = _STRENGTH(strength)
        self._write("alliance_strength", (i, j), value)
        self._write("alliance_strength", (j, i), value)

    def _write(self, name: str, index: Any, value: Any) -> None:
        """Write into a read-only state array, then derive again what depends on the state."""
        array = self.state(name)
        array.flags.writeable = True
        try:
            array[index] = value
        finally:
            array.flags.writeable = False
        self.derive()

    def derive(self) -> None:
        """Compute what is derived from the parties' parameters, after any of them changed.

        `disputant_index` and `disputants`: the parties whose consent an agreement needs;
        `actors`: the parties with an option to act alone; `concession`: every party's per-issue
        concession factor, (N, K, 1) (`concession_by_salience`); `ties`: the alliance pull and
        the patronage ties (`AllianceTies`). Pull: A_ij = w_ij c_j / (c_i + c_j), so a weak
        party is pulled hard by a strong ally and barely moves it (capability-weighted social
        influence: French 1956; Friedkin & Johnsen 1990). Patronage: P_ij = w_ij where j is
        more capable than i (j is i's patron).
        """
        self.disputant_index = np.flatnonzero(self.disputant)
        self.disputants = [self.parties[i] for i in self.disputant_index]
        self.actors = [party for party in self.parties if party.unilateral is not None]
        self.concession = concession_by_salience(self.salience)
        strength, capability = self.alliance_strength, self.capability
        pull = strength * capability[None, :] / (capability[:, None] + capability[None, :])
        patronage = np.where(capability[None, :] > capability[:, None], strength, 0.0)
        self.ties = AllianceTies(Ties(pull), Ties(patronage))

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
        """One round: mediation, response, stance update, Council session, unilateral action.

        Only live replicates are held in the state arrays: a replicate that ends is recorded
        and dropped, so the work of a round shrinks as replicates finish.
        """
        round_ = self.steps
        proposal = self.troika.propose() if self.troika.in_session(round_) else None
        self.round_proposal = proposal
        if proposal is not None:
            proposal = self.respond(proposal)
        self.last_proposal = proposal
        self.parties.concede(proposal, round_)
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

    def respond(self, proposal: Proposal) -> Proposal:
        """The disputants answer the troika: agreement where the proposal is joint and all accept.

        Returns the proposal in the replicates still live (see `Party.accepts`).
        """
        self.proposals[self._rows] += proposal.united
        accepted = proposal.united.copy()
        for disputant in self.disputants:
            accepted &= disputant.accepts(proposal.point)
        return self._finish(accepted, Outcome.AGREEMENT, proposal.point, proposal)

    def hold_session(self, round_: int) -> None:
        """The Council sits (`Council.session`); its record is logged, an adoption ends the run."""
        session = self.council.session()
        self.council_log.store(self.council.sessions.index(round_), self._rows, session.record)
        self._finish(session.adopted, Outcome.RESOLUTION, session.draft)

    def act_alone(self, actor: Party, round_: int) -> None:
        """The actor's unilateral decision; those who judge the act favourably recognise it.

        Source: external support for secession counts by the weight of the states expected to
        recognise it (Coggins 2011); recognition follows each state's own judgement and its
        patrons' (Ker-Lindsay 2009 on the 2008 recognitions of Kosovo). This is interpreted
        as: the backing that raises the actor's hazard (`Party.unilateral_hazard`) is the
        capability share of the other parties whose noise-free judgement of the act is yes
        (`Parties.judge`); if it acts, each other party recognises the act if its judgement,
        with its random term, is yes. A replicate sees at most one act, so these random terms
        are drawn for every replicate at once, in the first round the actor may act.
        """
        point = actor.unilateral_point
        others = np.arange(len(self.parties)) != actor.index
        capability = self.capability
        net = self.parties.net_utility(point)
        expected = self.parties.judge(net) == YES
        backing = sum_in_order(capability[others, None] * expected[others], axis=0)
        acts = actor.acts_alone(round_, backing / capability[others].sum())
        if actor.index not in self._recognition_terms:
            replicates = np.arange(self.replicates)
            self._recognition_terms[actor.index] = self.parties.random_terms(replicates)
        terms = self._recognition_terms[actor.index]
        acting = self._rows[acts]
        judged = self.parties.judge(net[:, acts], None if terms is None else terms[:, acting])
        self.recognised[:, acting] = (judged == YES) & others[:, None]
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
        rows = self._rows[ended]
        self.outcome[rows] = outcome
        self.end_round[rows] = self.steps
        self.outcome_point[rows] = np.broadcast_to(point, (len(self.issues), len(ended)))[
            :, ended
        ].T
        self.final_positions[..., rows] = self.positions[..., ended]
        keep = ~ended
        self._rows = self._rows[keep]
        self.positions = self.positions[..., keep]
        if proposal is None:
            return None
        return proposal.restrict(keep)

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
        return Trajectory(
            scenario=self.scenario.name,
            issues=tuple(self.issues),
            parties=tuple(p.name for p in self.parties),
            live=np.array(data["live"], dtype=np.int64),
            positions=np.array(data["positions"]),
            united=np.array(data["united"], dtype=np.int64),
            proposal=np.array(data["proposal"]),
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
        disputed = positions[self.disputant_index]
        return RunRecords(
            **{**record_labels(self.scenario), "seed": self.seed},
            outcome=self.outcome.copy(),
            end_round=self.end_round.copy(),
            point=self.outcome_point.copy(),
            proposals=self.proposals.copy(),
            council=self.council_log.copy(),
            recognised=self.recognised.copy(),
            positions=positions.transpose(0, 2, 1).copy(),
            gap=(disputed.max(axis=0) - disputed.min(axis=0)).T,
        )


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
    "position": schema_check(PartySpec, "position", "*", what="position"),
    "salience": schema_check(PartySpec, "salience", "*", what="salience"),
    "capability": schema_check(PartySpec, "capability"),
    "flexibility": schema_check(PartySpec, "flexibility"),
    "red_line": schema_check(PartySpec, "red_lines", "*", "0", what="red line"),
    "no_deal": schema_check(PartySpec, "no_deal", "*", what="no_deal"),
    "disputant": schema_check(PartySpec, "disputant"),
}
"""Each stored attribute's check, taken from the scenario schema (per issue for points)."""


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
    if name in ("salience", "no_deal"):
        weights = point(value, issues, _CHECKS[name], name)
        if name == "salience":
            if weights.sum() <= 0:
                raise ValueError("salience: found weights that sum to 0; expected a positive one")
            return weights / weights.sum()
        return weights
    checked = _CHECKS[name](value)
    if name == "disputant" and np.delete(model.disputant, index).sum() + checked < 2:
        raise ValueError("disputant: a negotiation needs at least two disputants")
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
