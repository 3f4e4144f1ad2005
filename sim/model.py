"""The negotiation model: one Mesa model running R replicates of a scenario at once.

Each round (one `step`) follows DESIGN.md section 1 and docs/ODD.md: mediation, response,
stance update, Security Council session (on scheduled rounds) and unilateral action. State is
held in party-major numpy arrays with a replicate axis, so every rule decides for all R
replicates at once, and finished replicates are dropped from the state as they end. With R = 1
it is an ordinary Mesa model to step and inspect; with R = 10 000 it is the Monte Carlo engine.
"""

from __future__ import annotations

from collections.abc import Mapping

import mesa
import numpy as np

from sim.agents import Council, Party, Troika
from sim.council import ABSTAIN, NO, YES
from sim.mediation import Proposal
from sim.records import QUANTILES, Outcome, RunRecords, Trajectory
from sim.scenario import Scenario
from sim.utility import sum_in_order, utility


class Ties:
    """Weighted ties between parties, summed tie by tie.

    `sum(values)[i] = sum_j W_ij values[j]`. The sum runs over the non-zero ties in a fixed
    order, element by element, so each replicate's result is the same whatever the number of
    replicates alongside it (a BLAS matrix product may round differently with the batch shape).
    """

    def __init__(self, weights: np.ndarray):
        self.pairs = [(int(i), int(j), float(weights[i, j])) for i, j in np.argwhere(weights)]
        self.row_sums = weights.sum(axis=1)
        self.abs_row_sums = np.abs(weights).sum(axis=1)

    def sum(self, values: np.ndarray) -> np.ndarray:
        """Per party, the weighted sum of the other parties' `values` (party axis first)."""
        total = np.zeros_like(values, dtype=float)
        for i, j, weight in self.pairs:
            total[i] += weight * values[j]
        return total


class NegotiationModel(mesa.Model):
    """Troika-mediated negotiation with Security Council votes and a unilateral option.

    Args:
        scenario: a validated scenario (see `sim.scenario.load_scenario`).
        replicates: number of replicates R run side by side (default: the scenario's).
        seed: seed of the model's numpy Generator (default: the scenario's). Same scenario,
            seed and R give identical records.
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
    ):
        self.seed = scenario.seed if seed is None else int(seed)
        super().__init__(rng=self.seed)
        self.scenario = scenario
        self.replicates = scenario.replicates if replicates is None else int(replicates)
        if self.replicates < 1:
            raise ValueError(f"replicates must be at least 1, got {self.replicates}")
        self.issues = scenario.issue_names
        self.loss = scenario.utility
        self.horizon = scenario.horizon
        self.status_quo = self.point(scenario.status_quo)
        self.ripeness = scenario.ripeness
        self.noise = scenario.noise
        self.decision = scenario.decision

        self.parties: list[Party] = []
        self._by_name: dict[str, Party] = {}
        self.positions = np.empty((len(scenario.parties), len(self.issues), self.replicates))
        for name, spec in scenario.parties.items():
            party = Party(self, name, spec, scenario.unilateral.get(name))
            self.positions[party.index] = self.point(spec.position)
            self.parties.append(party)
            self._by_name[name] = party
        self.disputants = [p for p in self.parties if p.disputant]
        self._disputant_index = np.array([p.index for p in self.disputants])
        self._actors = [p for p in self.parties if p.unilateral is not None]
        self._salience = np.array([p.salience for p in self.parties])
        self._red_low = np.array([p.red_low for p in self.parties])
        self._red_high = np.array([p.red_high for p in self.parties])
        self._flexibility = np.array([p.flexibility for p in self.parties])
        self._capability = np.array([p.capability for p in self.parties])
        self._concession = np.array([p.concession for p in self.parties])
        self._alliances, self._patronage = self._ties()

        self.troika = Troika(self, scenario.mediation)
        council = scenario.security_council
        self.council = Council(self, council) if council is not None else None
        sessions = len(self.council.sessions) if self.council else 0
        members = len(self.council.members) if self.council else 0
        self._session_log = {
            field: np.zeros((sessions, *shape, self.replicates), dtype=dtype)
            for field, shape, dtype in (
                ("tabled", (), bool),
                ("withdrawn", (), bool),
                ("amendments", (), np.int64),
                ("yes", (), np.int64),
                ("no", (), np.int64),
                ("abstain", (), np.int64),
                ("votes", (members,), np.int8),
                ("vetoed", (members,), bool),
            )
        }

        replicates = self.replicates
        self._rows = np.arange(replicates)
        self.final_positions = self.positions.copy()
        self.outcome = np.full(replicates, Outcome.ONGOING, dtype=np.int8)
        self.end_round = np.zeros(replicates, dtype=np.int64)
        self.outcome_point = np.full((replicates, len(self.issues)), np.nan)
        self.proposals = np.zeros(replicates, dtype=np.int64)
        self.recognised = np.zeros((len(self.parties), replicates), dtype=bool)
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

    # --- helpers ---------------------------------------------------------------------------

    def point(self, values: Mapping[str, float]) -> np.ndarray:
        """A scenario point (issue -> value) as a column in issue order, shape (K, 1)."""
        return np.array([[values[issue]] for issue in self.issues], dtype=float)

    def party(self, name: str) -> Party:
        """The party with this scenario key."""
        return self._by_name[name]

    def _ties(self) -> tuple[Ties, Ties]:
        """The alliance pull ties and the patronage ties.

        Pull: A_ij = w_ij c_j / (c_i + c_j), so a weak party is pulled hard by a strong ally and
        barely moves it (capability-weighted social influence: French 1956; Friedkin & Johnsen
        1990). Patronage: P_ij = w_ij where j is more capable than i (j is i's patron).
        """
        n = len(self.parties)
        strength = np.zeros((n, n))
        for alliance in self.scenario.alliances:
            i, j = (self.party(name).index for name in alliance.between)
            strength[i, j] = strength[j, i] = alliance.strength
        capability = self._capability
        pull = strength * capability[None, :] / (capability[:, None] + capability[None, :])
        patronage = np.where(capability[None, :] > capability[:, None], strength, 0.0)
        return Ties(pull), Ties(patronage)

    def utilities(self, points: np.ndarray) -> np.ndarray:
        """Every party's utility of `points` ((K, 1) or (K, L)), shape (N, L)."""
        return utility(points, self.positions, self._salience, self.loss)

    # --- decision rules over all parties ---------------------------------------------------

    def net_utility(self, text: np.ndarray) -> np.ndarray:
        """Every party's utility of `text` ((K, 1) or (K, L)) over the status quo, (N, L)."""
        return self.utilities(text) - self.utilities(self.status_quo)

    def judge(self, net: np.ndarray, noisy: bool) -> np.ndarray:
        """Each party's stance on a text (a draft, a declaration) against the status quo.

        Source: spatial voting on a motion against the status quo (Tsebelis 2002, *Veto
        Players*) with alignment to a patron (UN votes follow alignment blocs: Voeten 2000,
        International Organization 54:185, on the General Assembly; applied here to Council
        votes and recognitions). This is interpreted as:

        1. The party's net utility is U(text) - U(status quo) (`net_utility`).
        2. Its sincere stance is yes above `abstain_band`, no below minus the band, abstain
           in between.
        3. Its judgement adds `patron_alignment` x sum over patrons of strength x the patron's
           sincere stance (+1, 0, -1), and, if `noisy`, a normal term with sd `noise`.
        4. The judgement is yes / no / abstain by the same band.

        Args:
            net: net utilities, (N, L) (columns may be any subset of the live replicates).
            noisy: whether to add the random term (a forecast leaves it out).

        Returns:
            (N, L) int8 codes YES, NO or ABSTAIN.
        """
        rules = self.decision
        score = net + rules.patron_alignment * self._patronage.sum(self._stance(net))
        if noisy and rules.noise > 0:
            score = score + rules.noise * self.rng.standard_normal(score.shape)
        return self._stance(score)

    def _stance(self, score: np.ndarray) -> np.ndarray:
        band = self.decision.abstain_band
        return np.where(score > band, YES, np.where(score < -band, NO, ABSTAIN)).astype(np.int8)

    def update_stances(self, proposal: Proposal | None, round_: int) -> None:
        """Move every party toward its allies and every disputant toward the proposal.

        Sources: alliance pull as capability-weighted social influence (French 1956; Friedkin
        & Johnsen 1990); concession toward the mediator's proposal (Zeuthen 1930; Pruitt 1981);
        ripeness, flexibility growing with the cost of a mutually hurting stalemate (Zartman
        1989, 2000); red lines as reservation points never crossed (Raiffa 1982); the drift as
        the usual stochastic stand-in for influences left out (Grimm & Railsback 2005). This is
        interpreted as:

        1. Alliance pull on party i: sum_j A_ij (p_j - p_i) (see `_ties`; rivals push apart).
        2. Mediation pull on a disputant: `mediation.pull` x (proposal - p_i), in rounds with a
           joint proposal.
        3. If the weights of these pulls (sum_j |A_ij|, plus `mediation.pull` in a round with a
           joint proposal) add up to more than 1, the pulls are scaled down to add up to 1, so
           the party heads for a point within reach and never overshoots it.
        4. The party moves its effective flexibility times the (scaled) sum, where the effective
           flexibility is min(1, flexibility x (1 + ripeness x rounds since talks began)),
           scaled per issue by `agents.concession_by_salience` (it gives ground on the issues
           it cares least about).
        5. Noise: a disputant's stance drifts by a normal term with sd `noise` per issue
           (domestic politics shifting the negotiators' stances; other parties' idiosyncrasies
           enter where they act, as the random term of their judgement of a text).
        6. The result is clipped into the party's red lines.
        """
        positions = self.positions
        _, k, r = positions.shape
        ties = self._alliances
        pull = ties.sum(positions) - ties.row_sums[:, None, None] * positions
        weight = np.repeat(ties.abs_row_sums[:, None], r, axis=1)
        if proposal is not None:
            mediated = proposal.united * (proposal.point - positions[self._disputant_index])
            pull[self._disputant_index] += self.troika.pull * mediated
            weight[self._disputant_index] += self.troika.pull * proposal.united
        stalemate = max(0, round_ - self.troika.first_round)
        flexibility = np.minimum(1.0, self._flexibility * (1.0 + self.ripeness * stalemate))
        share = flexibility[:, None, None] * self._concession / np.maximum(weight, 1.0)[:, None]
        moved = positions + share * pull
        if self.noise > 0:
            drift = self.rng.standard_normal((len(self._disputant_index), k, r))
            moved[self._disputant_index] += self.noise * drift
        self.positions = np.clip(moved, self._red_low, self._red_high, out=moved)

    # --- the round -------------------------------------------------------------------------

    @property
    def round(self) -> int:
        """The current round (number of steps taken)."""
        return self.steps

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
        proposal = None
        if self.troika.in_session(round_):
            proposal = self.troika.propose()
        self.round_proposal = proposal
        if proposal is not None:
            self.proposals[self._rows] += proposal.united
            accepted = proposal.united.copy()
            for disputant in self.disputants:
                accepted &= disputant.accepts(proposal.point)
            proposal = self._finish(accepted, Outcome.AGREEMENT, proposal.point, proposal)
        self.last_proposal = proposal

        self.update_stances(proposal, round_)

        if self.council is not None and round_ in self.council.sessions:
            session = self.council.session()
            held = self.council.sessions.index(round_)
            for field, log in self._session_log.items():
                log[held][..., self._rows] = getattr(session, field)
            self._finish(session.adopted, Outcome.RESOLUTION, session.draft)

        for actor in self._actors:
            self._act_alone(actor, round_)

        if round_ >= self.horizon:
            self._finish(np.ones(len(self._rows), dtype=bool), Outcome.DEADLOCK, np.nan)
        self.running = len(self._rows) > 0
        if self.datacollector is not None:
            self.datacollector.collect(self)

    def _act_alone(self, actor: Party, round_: int) -> None:
        """The actor's unilateral decision; those who judge the act favourably recognise it."""
        if not actor.may_act(round_):
            return
        others = np.arange(len(self.parties)) != actor.index
        net = self.net_utility(actor.unilateral_point)
        expected = self.judge(net, noisy=False) == YES
        backing = sum_in_order(self._capability[others, None] * expected[others], axis=0)
        hazard = actor.unilateral_hazard(round_, backing / self._capability[others].sum())
        acts = self.rng.random(len(self._rows)) < hazard
        recognise = (self.judge(net[:, acts], noisy=True) == YES) & others[:, None]
        self.recognised[:, self._rows[acts]] = recognise
        self._finish(acts, Outcome.UNILATERAL, actor.unilateral_point)

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
        return len(self._rows)

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
        council = self.council
        positions = self.final_positions.copy()
        positions[..., self._rows] = self.positions
        disputed = positions[self._disputant_index]
        return RunRecords(
            scenario=self.scenario.name,
            seed=self.seed,
            issues=tuple(self.issues),
            parties=tuple(p.name for p in self.parties),
            sessions=tuple(council.sessions) if council else (),
            members=tuple(m.name for m in council.members) if council else (),
            outcome=self.outcome.copy(),
            end_round=self.end_round.copy(),
            point=self.outcome_point.copy(),
            proposals=self.proposals.copy(),
            **{field: log.copy() for field, log in self._session_log.items()},
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
