"""The pipeline as a library: run a scenario, then write its results folder.

`simulate` runs a scenario (a file or a loaded `Scenario`, with overrides, replicates and seed)
and returns a `Run`: the scenario as run, the per-replicate records, their summary and, if
asked, the per-round trajectory. `write_results` writes a `Run` to a new results folder
(`sim.results`); `redraw_figures` draws a folder's figures again from its tables. The command
line, the benchmarks and notebooks call these functions; data flows one way: scenario ->
engine -> records -> summary -> results folder.

    from sim import simulate, write_results

    run = simulate("scenarios/kosovo_2007.yaml", replicates=2000, seed=7,
                   overrides={"council.strategy": "table_anyway"})
    print(run.summary.to_text())
    folder = write_results(run)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from sim.inputs import shown_path
from sim.model import NegotiationModel
from sim.records import RunRecords, Trajectory
from sim.results import (
    RUNS,
    SCENARIO,
    SUMMARY,
    TRAJECTORIES,
    ResultsError,
    ResultsFolder,
    default_folder,
    manifest,
    read_results,
    save_figure,
)
from sim.scenario import Scenario, load_scenario, with_overrides
from sim.summary import Summary, summarise

Progress = Callable[[int, int], None]
"""Called after every round with the round just run and the replicates still live."""


@dataclass(frozen=True, eq=False)
class Run:
    """A scenario run: what `simulate` returns and `write_results` writes."""

    scenario: Scenario
    """The scenario exactly as run (overrides, replicates and seed applied): rerunning it
    reproduces the records."""
    records: RunRecords
    trajectory: Trajectory | None
    """Per-round quantiles (None if run with `trajectories=False`)."""
    started: datetime
    finished: datetime
    scenario_file: str | None = None
    """The scenario file it was loaded from, if any."""
    overrides: dict[str, Any] = field(default_factory=dict)
    """The dotted-path overrides applied to the file (replicates and seed aside)."""

    @cached_property
    def summary(self) -> Summary:
        """The summary of the records (`sim.summary.summarise`), made when first asked for."""
        return summarise(self.records, self.scenario)


def prepare_scenario(
    scenario: Scenario | str | Path,
    *,
    overrides: Mapping[str, Any] | None = None,
    replicates: int | None = None,
    seed: int | None = None,
    source: str | None = None,
) -> Scenario:
    """The scenario as `simulate` runs it: loaded, with overrides, replicates and seed applied.

    Arguments as in `simulate`. Raises `ScenarioError` if the file or an override is invalid.
    """
    path = None
    if not isinstance(scenario, Scenario):
        path = str(scenario)
        scenario = load_scenario(scenario)
    changes = dict(overrides or {})
    if replicates is not None:
        changes["replicates"] = replicates
    if seed is not None:
        changes["seed"] = seed
    if not changes:
        return scenario
    return with_overrides(
        scenario, changes, source=source or f"{path or scenario.name} (overrides)"
    )


def simulate(
    scenario: Scenario | str | Path,
    *,
    overrides: Mapping[str, Any] | None = None,
    replicates: int | None = None,
    seed: int | None = None,
    trajectories: bool = True,
    progress: Progress | None = None,
    source: str | None = None,
    first_replicate: int = 0,
) -> Run:
    """Run a scenario's replicates to the end.

    Args:
        scenario: a scenario, or the path of a scenario file to load.
        overrides: dotted path -> value, applied and validated as `with_overrides` does.
        replicates: number of replicates (default: the scenario's).
        seed: random seed (default: the scenario's).
        trajectories: whether to gather the per-round trajectory (a Mesa DataCollector; off
            for sweeps, where it would cost about as much as the model).
        progress: called after every round (see `Progress`).
        source: how error messages name the overrides' origin (default: the file, or the
            scenario's name).
        first_replicate: the number of the first replicate (a piece of a larger run: its
            records equal those replicates of the whole run).

    Raises:
        ScenarioError: if the file or an override is invalid.
    """
    started = datetime.now(UTC)
    path = None if isinstance(scenario, Scenario) else str(scenario)
    scenario = prepare_scenario(
        scenario, overrides=overrides, replicates=replicates, seed=seed, source=source
    )
    model = NegotiationModel(scenario, collect=trajectories, first_replicate=first_replicate)
    while model.running:
        model.step()
        if progress is not None:
            progress(model.round, model.live)
    records = model.records()
    return Run(
        scenario=scenario,
        records=records,
        trajectory=model.trajectory() if trajectories else None,
        started=started,
        finished=datetime.now(UTC),
        scenario_file=path,
        overrides=dict(overrides or {}),
    )


def write_results(
    run: Run,
    destination: str | Path | ResultsFolder | None = None,
    *,
    figure_format: str = "png",
    command: Sequence[str] | None = None,
) -> Path:
    """Write `run` to a new results folder and return its path (see `sim.results`).

    Args:
        run: what `simulate` returned, with its trajectory.
        destination: a new or empty folder; a `ResultsFolder` already opened (the command line
            opens it before the run, to refuse an unusable folder early); or None for
            `results/<scenario>-<UTC time>/` (with `-2`, `-3`... if taken).
        figure_format: png, svg or pdf.
        command: the command line to record in the manifest, if any.

    Raises:
        ResultsError: if the folder cannot be written (nothing is left behind).
        ValueError: if the run has no trajectory.
    """
    if run.trajectory is None:
        raise ValueError("a results folder needs the trajectory: simulate with trajectories=True")
    if isinstance(destination, ResultsFolder):
        return _fill(run, destination, figure_format, command)
    exact = destination is not None
    target = Path(destination) if exact else default_folder(run.scenario.name, run.started)
    with ResultsFolder(target, exact=exact) as folder:
        return _fill(run, folder, figure_format, command)


def _fill(
    run: Run, folder: ResultsFolder, figure_format: str, command: Sequence[str] | None
) -> Path:
    """Stage every file of `run` in `folder`, the complete manifest last, and commit it."""
    trajectories = run.trajectory.to_frame()
    folder.write_text(SCENARIO, run.scenario.to_yaml())
    folder.write_csv(RUNS, run.records.to_frame())
    folder.write_csv(SUMMARY, run.summary.outcomes)
    folder.write_csv(TRAJECTORIES, trajectories)
    from sim.plots import render_figures  # matplotlib: only where figures are drawn

    figures = render_figures(run.records, trajectories, run.summary, run.scenario)
    for name, figure in figures.items():
        folder.save_figure(f"{name}.{figure_format}", figure)
    record = manifest(
        run.scenario,
        run.scenario_file,
        run.overrides,
        list(command) if command is not None else None,
        run.started,
        datetime.now(UTC),
        figure_format,
    )
    folder.write_manifest(record)
    return folder.commit()


def redraw_figures(folder: str | Path, figure_format: str = "png") -> list[Path]:
    """Draw the figures of a results folder again from its tables; returns their paths.

    The folder is read back and checked (`read_results`) first, so the figures show exactly
    what its tables hold. Each figure is written atomically over the old one.

    Raises:
        ResultsError: if the folder is not a complete, unchanged results folder, or a figure
            cannot be written.
    """
    results = read_results(folder)
    from sim.plots import render_figures

    figures = render_figures(
        results.records, results.trajectories, results.summary, results.scenario
    )
    written = []
    for name, figure in figures.items():
        path = results.folder / f"{name}.{figure_format}"
        try:
            save_figure(path, figure)
        except OSError as error:
            reason = error.strerror or str(error)
            raise ResultsError(f"cannot write {shown_path(path)}: {reason}") from None
        written.append(path)
    return written
