"""The demo's page: Mesa's SolaraViz around one replicate, with the controls of a scenario.

SolaraViz gives the model's lifecycle: Play, Step and Reset (Reset builds a new `DemoModel` from
the settings in force), the round counter, and the signal its views re-render on after every
step (`mesa.visualization.utils.update_counter`). The page adds, in the sidebar, the scenario
chooser and the scenario's controls (`sim.app.controls`), and in the main area its views
(`sim.app.views`): the issue space, the outcome distribution of a batch with the same settings,
the running log, the Council's last vote and the alliance network, laid out for a projector.

A control that changes rebuilds the model from the new settings (and reruns the batch); an
invalid combination is shown as its error message at the top of the page and in the sidebar,
and the model keeps the last settings that could be run.

Served by `python run.py demo` (`sim.app.server`); needs the `demo` extra.
"""

from __future__ import annotations

import html
import os
from typing import Any

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim.app import views
from sim.app.controls import GROUPS, INTEGER, RANGE, SELECT, SWITCH, Built, Control, Settings, build
from sim.app.demo_model import DemoModel, batch
from sim.app.events import event_log
from sim.app.scenarios import DEFAULT, SCENARIO_VARIABLE, scenario_files

PLAY_INTERVAL = 300
"""Milliseconds between rounds when playing (a frame takes about a fifth of a second)."""


def initial_settings() -> Settings:
    """The settings the page opens with: the scenario `run.py demo` named, as its file has it."""
    return Settings(scenario=os.environ.get(SCENARIO_VARIABLE) or DEFAULT)


def _model(settings: Settings) -> tuple[DemoModel | None, str | None]:
    """A model of the settings, or the message saying why there is none."""
    built = build(settings)
    if not built.ok:
        return None, built.error
    try:
        return DemoModel(settings, built), None
    except Exception as error:  # the page shows any failure as a message, never a traceback
        return None, f"{type(error).__name__}: {error}"


# --- the views --------------------------------------------------------------------------------


@solara.component
def Status(model: DemoModel):
    """Where the run stands (re-rendered after every step)."""
    update_counter.get()
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f"<b>{html.escape(views.status(model))}</b>",
        attributes={"data-testid": "status"},
        style="font-size:120%;margin:4px 0",
    )


@solara.component
def IssueSpace(model: DemoModel):
    """The issue space now."""
    update_counter.get()
    with solara.Card("Issue space", margin=0):
        solara.Image(views.issue_space(model), width="100%")


@solara.component
def Outcomes(model: DemoModel):
    """The outcome distribution of the batch with the model's settings (and the one before)."""
    now = solara.use_memo(lambda: batch(model.settings), [model.settings])
    before_settings = getattr(model, "before", None)
    before = solara.use_memo(
        lambda: batch(before_settings) if before_settings is not None else None, [before_settings]
    )
    image = solara.use_memo(lambda: views.png(views.outcome_bars(now, before)), [now, before])
    with solara.Card("Outcomes of the batch", margin=0):
        solara.Image(image, width="100%")
        solara.HTML(
            tag="div",
            unsafe_innerHTML=html.escape(now.text()),
            attributes={"data-testid": "outcomes"},
        )
        if before is not None:
            solara.Text(f"Before the last change: {before.text()}", style="color:#666")
        solara.Text(
            f"The run stepped here is replicate 0 of these {now.replicates}.", style="color:#666"
        )


@solara.component
def Log(model: DemoModel):
    """What happened so far, newest round first."""
    update_counter.get()
    with solara.Card("What happened", margin=0):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=views.log_html(event_log(model)),
            attributes={"data-testid": "log"},
            style="max-height:520px;overflow-y:auto;font-size:90%",
        )


@solara.component
def LastVote(model: DemoModel):
    """The decision body's last vote, member by member."""
    update_counter.get()
    with solara.Card("The Council's last vote", margin=0):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=views.vote_html(model),
            attributes={"data-testid": "vote"},
        )


@solara.component
def Alliances(model: DemoModel):
    """The alliance network (it changes only when an event changes a tie)."""
    update_counter.get()
    ties = model.alliance_strength.tobytes()
    image = solara.use_memo(lambda: views.png(views.alliances(model)), [model, ties])
    with solara.Card("Alliances", margin=0):
        solara.Image(image, width="100%")


@solara.component
def Views(model: DemoModel):
    """The main area: every view of the model, laid out for a projector."""
    Status(model)
    with solara.Columns([3, 2]):
        IssueSpace(model)
        Outcomes(model)
    with solara.Columns([3, 2]):
        Log(model)
        with solara.Column():
            LastVote(model)
            Alliances(model)


# --- the controls -----------------------------------------------------------------------------


def shown_value(control: Control, value: Any) -> str:
    """A control's value as its label shows it."""
    if control.kind == RANGE:
        return f"{value[0]:g} to {value[1]:g}"
    if control.kind in (SWITCH, SELECT, INTEGER):
        return ""
    return f"{value:g}"


@solara.component
def ControlInput(control: Control, value: Any, on_change: Any):
    """One control, as the widget its kind calls for, its label and value above it."""

    def changed(new: Any) -> None:
        on_change(control, new)

    if control.kind == SWITCH:
        solara.Switch(label=control.label, value=bool(value), on_value=changed)
    elif control.kind == SELECT:
        solara.Select(control.label, values=list(control.options), value=value, on_value=changed)
    elif control.kind == INTEGER:
        solara.InputInt(control.label, value=int(value), on_value=changed)
    else:
        solara.Text(f"{control.label}: {shown_value(control, value)}", style="font-size:90%")
        slider = solara.SliderRangeFloat if control.kind == RANGE else solara.SliderFloat
        slider(
            "",
            value=tuple(value) if control.kind == RANGE else value,
            min=control.low,
            max=control.high,
            step=control.step,
            on_value=changed,
        )
    if control.note:
        solara.Text(control.note, style="font-size:80%;color:#666")


@solara.component
def Controls(built: Built, error: str | None, on_scenario: Any, on_change: Any):
    """The scenario chooser and the scenario's controls, group by group, in the sidebar.

    The sidebar lists its parts by the depth of the component that puts them there: the
    cards are put there one level below, so that they follow SolaraViz's Play/Step/Reset.
    """
    ControlCards(built, error, on_scenario, on_change)


@solara.component
def ControlCards(built: Built, error: str | None, on_scenario: Any, on_change: Any):
    """The cards of `Controls`."""
    files = scenario_files()
    current = built.settings.scenario
    with solara.Sidebar(), solara.Column():
        with solara.Card("Scenario"):
            solara.Select(
                "Scenario file",
                values=files if current in files else [current, *files],
                value=current,
                on_value=on_scenario,
            )
            if error:
                solara.Error(error)
        for group in GROUPS:
            members = [c for c in built.controls if c.group == group]
            if not members:
                continue
            with solara.Card(group):
                if group == "Alliances":
                    with solara.Details(f"{len(members)} ties", expand=False):
                        for control in members:
                            ControlInput(control, built.value(control.key), on_change)
                else:
                    for control in members:
                        ControlInput(control, built.value(control.key), on_change)


# --- the page ---------------------------------------------------------------------------------


@solara.component
def Page():
    """The demo: SolaraViz's controls and the model's views, with the scenario's controls."""
    initial = solara.use_memo(initial_settings, [])
    first = solara.use_memo(lambda: _model(initial), [])
    shown, set_shown = solara.use_state(initial)
    applied, set_applied = solara.use_state(initial)
    error, set_error = solara.use_state(first[1])
    generation, set_generation = solara.use_state(0)
    model = solara.use_reactive(first[0])
    built = solara.use_memo(lambda: build(shown), [shown])

    def apply(settings: Settings, fresh_scenario: bool) -> None:
        set_shown(settings)
        made, problem = _model(settings)
        if made is None:
            set_error(problem)
            return
        made.before = None if fresh_scenario else applied
        set_error(None)
        set_applied(settings)
        model.set(made)
        set_generation(lambda g: g + 1)

    def change(control: Control, value: Any) -> None:
        try:
            settings = shown.with_value(control, value)
        except ValueError as problem:
            set_error(str(problem))
            return
        apply(settings, fresh_scenario=False)

    def choose(path: str) -> None:
        apply(Settings(scenario=path), fresh_scenario=True)

    solara.Title("stalemate: negotiation demo")
    if model.value is not None:
        SolaraViz(
            model,
            components=[],
            model_params={"settings": applied},
            name=f"stalemate demo: {model.value.scenario.name}",
            play_interval=PLAY_INTERVAL,
        ).key(f"viz-{generation}")
    Controls(built, error, choose, change)
    if error:
        solara.Error(
            f"These settings cannot be run (the run shown keeps the last that could): {error}"
        )
    if model.value is not None:
        Views(model.value)
