"""The model the demo steps, and the batch of replicates behind its outcome distribution.

`DemoModel` is a `NegotiationModel` of one replicate built from `Settings`: Mesa's SolaraViz
makes a new one from the same settings when Reset is pressed (it calls the model's class with
the page's parameters), and the page makes one whenever a control changes. It is replicate 0
of the batch `batch` runs with the same settings (a replicate's numbers depend only on the
scenario, the seed and its number: `sim.streams`), so the run stepped on screen is one of the
runs counted in the distribution beside it.

Where the model can narrate (`sim.narrative`), the demo model does, and the running log tells
its events; otherwise the demo model keeps a plain log of its own (`sim.app.events`).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from sim.app.controls import Built, Settings, build
from sim.model import NegotiationModel
from sim.pipeline import simulate
from sim.records import OUTCOMES, Outcome

BATCH = 300
"""Replicates in the batch behind the outcome distribution (well under a second)."""

NARRATES = "narrate" in inspect.signature(NegotiationModel.__init__).parameters
"""Whether the engine can tell its rounds as events (`sim.narrative`)."""


class DemoModel(NegotiationModel):
    """One replicate of the scenario that `settings` stand for, to step on screen.

    Args:
        settings: the scenario file and the controls moved (default: the demo's default
            scenario as its file has it).
        built: what `sim.app.controls.build` made of the settings, if already at hand.
        narrate: whether to tell the rounds as events (default: where the engine can).

    Raises:
        ValueError: if the settings cannot be run (the message says why).
    """

    def __init__(
        self,
        settings: Settings | None = None,
        built: Built | None = None,
        narrate: bool | None = None,
    ):
        settings = settings or Settings()
        built = built if built is not None and built.settings == settings else build(settings)
        if not built.ok:
            raise ValueError(built.error)
        narrate = NARRATES if narrate is None else narrate and NARRATES
        extra = {"narrate": True} if narrate else {}
        super().__init__(built.scenario, replicates=1, **extra)
        self.settings = settings
        """The settings it was built from."""
        self.built = built
        self.before: Settings | None = None
        """The settings in force before the page's last change, if the page says so."""
        self.plain_log: list = []
        """The rounds told from what the model exposes, when it does not narrate."""

    def step(self) -> None:
        """One round; without narration, the round is also told in the plain log."""
        super().step()
        if getattr(self, "narrator", None) is None:
            from sim.app.events import plain_round  # the log's seam: see sim.app.events

            self.plain_log.append(plain_round(self, self.steps))

    @property
    def ended(self) -> bool:
        """Whether the replicate has ended."""
        return bool(self.outcome[0] != Outcome.ONGOING)


@dataclass(frozen=True)
class Distribution:
    """How a batch of replicates ended: each outcome's share, and how often a draft passed."""

    replicates: int
    seed: int
    shares: dict[str, float]
    """Outcome label -> share of the replicates, in the fixed order of `OUTCOMES`."""
    adopted: float
    """Share of the replicates in which the decision body adopted a resolution."""
    median_end: dict[str, float | None]
    """Outcome label -> the median round it was reached in (None if never)."""

    def percent(self, label: str) -> str:
        """An outcome's share in whole percent (`<1%` for a rare one, never a false 0%)."""
        return _percent(self.shares[label])

    def text(self) -> str:
        """The shares in one line: "agreement 0%, resolution 0%, unilateral 100%, ..."."""
        parts = [f"{label} {self.percent(label)}" for label in self.shares]
        return ", ".join(parts) + f"; a resolution adopted in {_percent(self.adopted)}"


def _percent(share: float) -> str:
    if 0 < share < 0.005:
        return "<1%"
    if 0.995 <= share < 1:
        return ">99%"
    return f"{share:.0%}"


def batch(settings: Settings, replicates: int = BATCH) -> Distribution:
    """The outcome distribution of `replicates` replicates with `settings` (cached).

    Raises:
        ValueError: if the settings cannot be run.
    """
    return _batch(settings, replicates)


@lru_cache(maxsize=64)
def _batch(settings: Settings, replicates: int) -> Distribution:
    built = build(settings)
    if not built.ok:
        raise ValueError(built.error)
    run = simulate(built.scenario, replicates=replicates, trajectories=False)
    records = run.records
    shares, median_end = {}, {}
    for outcome in OUTCOMES:
        ended = records.outcome == outcome
        shares[outcome.label] = float(ended.mean())
        rounds = records.end_round[ended]
        median_end[outcome.label] = float(np.median(rounds)) if ended.any() else None
    return Distribution(
        replicates=replicates,
        seed=run.scenario.seed,
        shares=shares,
        adopted=float(records.adopted.mean()),
        median_end=median_end,
    )
