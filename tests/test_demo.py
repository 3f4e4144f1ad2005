"""The demo without a browser: its scenario folders, controls, model factory, batch and views.

The page itself (`sim.app.page`) is driven in a browser by tests/test_demo_browser.py; here
every piece it is made of is checked directly, by hand-checked values.
"""

import socket

import numpy as np
import pytest

from sim.app import events, scenarios, views
from sim.app.controls import Settings, build
from sim.app.demo_model import BATCH, DemoModel, batch
from sim.cli import main
from sim.pipeline import simulate
from sim.records import Outcome

KOSOVO = "scenarios/kosovo_2007.yaml"
VETO = "scenarios/teaching/veto.yaml"


def settings(scenario=KOSOVO, **moved):
    """Settings of `scenario` with controls moved (keys with "__" for "."), via the controls."""
    result = Settings(scenario)
    built = build(result)
    for key, value in moved.items():
        result = result.with_value(built.control(key.replace("__", ".")), value)
    return result


def model(scenario=KOSOVO, **moved):
    return DemoModel(settings(scenario, **moved))


# --- the scenario folders -----------------------------------------------------------------------


def test_the_page_lists_the_scenarios_of_the_three_folders_only():
    files = scenarios.scenario_files()
    assert KOSOVO in files and VETO in files
    assert "scenarios/examples/syria_2011_2012.yaml" in files
    assert {f.rsplit("/", 1)[0] for f in files} == set(scenarios.FOLDERS)
    assert not any("sweeps" in f or "published" in f for f in files)


@pytest.mark.parametrize(
    "path",
    [
        "scenarios/sweeps/model2_veto.yaml",  # a subfolder of an allowed one
        "scenarios/published/ec_car_emissions_1994.yaml",
        "scenarios/../pyproject.toml",
        "scenarios/teaching/../../README.md",
        "/etc/passwd",
        "scenarios/examples",  # a folder, not a file
        "scenarios/no_such_file.yaml",
    ],
)
def test_a_path_outside_the_folders_is_refused(path):
    with pytest.raises(scenarios.DemoPathError):
        scenarios.resolve(path)
    built = build(Settings(path))
    assert not built.ok and built.error.startswith(path)


def test_a_link_leading_out_of_the_folders_is_refused(tmp_path):
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text((scenarios.ROOT / VETO).read_text())
    link = tmp_path / "link.yaml"
    link.symlink_to(outside)
    with pytest.raises(scenarios.DemoPathError, match="only the scenario files"):
        scenarios.resolve(link)


def test_a_path_inside_the_folders_resolves_from_anywhere(tmp_path):
    absolute = scenarios.ROOT / VETO
    assert scenarios.resolve(absolute) == absolute
    assert scenarios.resolve("veto.yaml", base=absolute.parent) == absolute
    assert scenarios.relative(scenarios.resolve(absolute)) == VETO


# --- the controls -------------------------------------------------------------------------------


def test_kosovo_offers_the_controls_that_matter_in_class():
    keys = [control.key for control in build(Settings()).controls]
    for key in (
        "flexibility.kosovo",
        "flexibility.serbia",
        "red_line.kosovo.sovereignty",
        "red_line.serbia.minority_protection",  # an issue the file sets no red line on
        "inducement.kosovo",
        "inducement.serbia",
        "bias.eu",
        "bias.russia",
        "bias.usa",
        "cohesion",
        "alliance.0",
        "alliance.12",
        "veto",
        "strategy",
        "ripeness",
        "seed",
    ):
        assert key in keys
    assert not any(key.startswith("flexibility.russia") for key in keys)  # not a disputant


def test_a_scenario_without_talks_or_disputants_offers_only_what_it_has():
    keys = [control.key for control in build(Settings(VETO)).controls]
    assert keys == ["veto", "strategy", "seed"]


def test_untouched_controls_change_nothing():
    built = build(Settings())
    assert built.ok and built.overrides == {}
    assert built.scenario == built.base  # drawn values stay drawn
    moved = settings(flexibility__kosovo=0.3)
    back = moved.with_value(built.control("flexibility.kosovo"), 0.1)  # the file's value
    assert back == Settings() and build(back).overrides == {}


def test_the_veto_switch():
    off = build(settings(veto=False))
    assert off.overrides == {"council.veto": False}
    assert off.scenario.council.veto is False
    assert model(veto=False).council.veto is False
    assert model().council.veto is True


def test_a_flexibility_slider():
    demo = model(flexibility__serbia=0.3)
    assert demo.party("serbia").flexibility[0] == pytest.approx(0.3)
    assert demo.party("kosovo").flexibility[0] == pytest.approx(0.1)


def test_a_red_line_slider_in_the_issues_own_units():
    demo = model(red_line__kosovo__sovereignty=(0.7, 1.0))
    kosovo = demo.party("kosovo")
    assert kosovo.red_low[0, 0] == pytest.approx(0.7)
    assert kosovo.red_high[0, 0] == pytest.approx(1.0)
    # the ripeness lesson's issue is a share of 0-100: the slider is in those units
    ripe = build(settings("scenarios/teaching/ripeness.yaml"))
    control = ripe.control("red_line.north.boundary")
    assert (control.low, control.high, control.default) == (0.0, 100.0, (65.0, 100.0))
    demo = model("scenarios/teaching/ripeness.yaml", red_line__north__boundary=(60.0, 100.0))
    assert demo.party("north").red_low[0, 0] == pytest.approx(0.6)  # unit scale inside


def test_an_alliance_slider():
    demo = model(alliance__0=0.2)  # Russia - Serbia, 0.8 in the file
    russia, serbia = demo.party("russia").index, demo.party("serbia").index
    assert demo.alliance_strength[russia, serbia, 0] == pytest.approx(0.2)
    assert demo.alliance_strength[serbia, russia, 0] == pytest.approx(0.2)


def test_the_mediators_bias_and_cohesion():
    demo = model(bias__russia=0.9, cohesion=0.1)
    assert list(np.ravel(demo.troika.bias)) == pytest.approx([0.2, 0.9, 0.3])
    assert np.ravel(demo.troika.cohesion)[0] == pytest.approx(0.1)


def test_an_inducement_where_the_file_offers_none():
    built = build(settings(inducement__serbia=0.2))
    assert built.overrides == {"leverage.eu": {"budget": 0.2, "inducements": {"serbia": 0.2}}}
    leverage = built.scenario.leverage["eu"]  # the first mediator gives it
    assert leverage.inducements == {"serbia": 0.2} and leverage.from_round == 1
    demo = DemoModel(built.settings)
    serbia = demo.disputant_row[demo.party("serbia").index]
    demo.step()
    assert demo.offered[serbia, 0] == pytest.approx(0.2)


def test_an_inducement_beyond_the_files_budget_raises_the_budget():
    leverage = "scenarios/kosovo_2007_eu_leverage.yaml"  # eu: budget 1.0, serbia 0.25, kosovo 0.2
    built = build(settings(leverage, inducement__serbia=0.5))
    assert built.scenario.leverage["eu"].budget == 1.0  # 0.7 fits in the budget
    built = build(settings(leverage, inducement__serbia=0.9))
    assert built.overrides["leverage.eu.budget"] == pytest.approx(1.1)
    assert built.scenario.leverage["eu"].inducements == {"serbia": 0.9, "kosovo": 0.2}
    assert built.scenario.leverage["eu"].from_round == 14  # the file's, kept


def test_the_sponsors_strategy_applies_to_every_session():
    assert model(strategy="table_anyway").council.strategy == "table_anyway"
    syria = "scenarios/examples/syria_2011_2012.yaml"
    built = build(settings(syria, strategy="amend_to_avoid_veto"))
    assert built.ok
    assert all(s.strategy in (None, "amend_to_avoid_veto") for s in built.scenario.council.schedule)


def test_ripeness_gives_every_disputant_its_cost():
    control = build(Settings()).control("ripeness")
    assert control.default == pytest.approx((0.004 + 0.001) / 2)  # the file's own costs
    built = build(settings(ripeness=0.01))
    assert built.scenario.ripeness == 0.01
    assert built.scenario.parties["kosovo"].stalemate_cost == 0.01
    assert built.scenario.parties["serbia"].stalemate_cost == 0.01
    assert "parties.kosovo.stalemate_cost" not in built.scenario.uncertainty  # no longer drawn
    demo = DemoModel(built.settings)
    assert demo.party("kosovo").stalemate_cost[0] == pytest.approx(0.01)


def test_the_seed_is_an_integer_and_stays_one():
    demo = model(seed=7)
    assert demo.seed == 7 and isinstance(demo.seed, int)
    assert build(settings(seed="8")).scenario.seed == 8
    control = build(Settings()).control("seed")
    for wrong in (7.5, True, "seven", None):
        with pytest.raises(ValueError, match="whole number"):
            Settings().with_value(control, wrong)


# --- errors become messages ------------------------------------------------------------------


def test_an_invalid_combination_comes_back_as_its_message():
    invalid = settings(red_line__kosovo__sovereignty=(0.0, 0.5))  # Kosovo stands at 1.0
    built = build(invalid)
    assert not built.ok and built.scenario is None
    assert "parties.kosovo.position.sovereignty" in built.error
    assert "a position inside the party's red line [0.0, 0.5]" in built.error
    with pytest.raises(ValueError, match="red line"):
        DemoModel(invalid)
    with pytest.raises(ValueError, match="red line"):
        batch(invalid)


def test_a_value_of_the_wrong_kind_or_an_unknown_control_is_a_message():
    assert "no control 'nonsense'" in build(Settings(KOSOVO, (("nonsense", 1),))).error
    assert "expected a number" in build(Settings(KOSOVO, (("flexibility.kosovo", "x"),))).error
    assert "expected on or off" in build(Settings(KOSOVO, (("veto", "no"),))).error


# --- the model and the batch --------------------------------------------------------------------


def test_the_model_is_an_ordinary_mesa_model_that_mesa_can_reset():
    mesa_viz = pytest.importorskip("mesa.visualization.solara_viz")
    moved = settings(veto=False, seed=3)
    mesa_viz._check_model_params(DemoModel.__init__, {"settings": moved})
    demo = DemoModel(settings=moved)  # what SolaraViz's Reset calls
    assert demo.replicates == 1 and demo.steps == 0 and demo.settings == moved
    demo.step()
    assert demo.steps == 1 and demo.round == 1


def test_the_run_stepped_is_replicate_0_of_the_batch():
    for moved in ({}, {"seed": 11}, {"ripeness": 0.02}):
        demo = model(**moved)
        while demo.running:
            demo.step()
        run = simulate(build(demo.settings).scenario, replicates=5, trajectories=False)
        assert demo.outcome[0] == run.records.outcome[0]
        assert demo.end_round[0] == run.records.end_round[0]


def test_the_batch_changes_when_the_veto_is_switched_off():
    on, off = batch(settings(VETO)), batch(settings(VETO, veto=False))
    assert on.replicates == BATCH
    assert on.shares == {"agreement": 0, "resolution": 0, "unilateral": 0, "deadlock": 1}
    assert off.shares == {"agreement": 0, "resolution": 1, "unilateral": 0, "deadlock": 0}
    assert on.text() != off.text()
    # Kosovo: the Western draft passes without the veto, but Serbia rejects it
    kosovo_on, kosovo_off = batch(settings()), batch(settings(veto=False))
    assert kosovo_on.adopted == 0 and kosovo_off.adopted > 0.1
    assert kosovo_on.text() != kosovo_off.text()


def test_shares_are_never_rounded_to_a_false_zero():
    distribution = batch(settings())
    assert distribution.percent("unilateral") == "100%"
    text = distribution.text()
    assert text.startswith("agreement 0%, resolution 0%, unilateral 100%, deadlock 0%")


# --- the running log ----------------------------------------------------------------------------


def test_the_log_names_the_events_of_the_round():
    demo = model()
    assert events.event_log(demo) == []
    demo.step()
    entry = events.event_log(demo)[-1]
    assert (entry.first, entry.last) == (1, 1)
    assert entry.heading.startswith("Week 1")
    if getattr(demo, "narrator", None) is not None:
        assert any("proposes" in line for line in entry.lines)
        assert any("Kosovo refuses" in line for line in entry.lines)
    while demo.steps < 20:
        demo.step()
    session = next(e for e in events.event_log(demo) if e.first == 20)
    assert any("withdraw" in line for line in session.lines)


def test_the_plain_log_without_narration():
    demo = DemoModel(settings(), narrate=False)
    assert getattr(demo, "narrator", None) is None
    demo.step()
    assert events.event_log(demo)[-1].heading == "Week 1"
    assert events.event_log(demo)[-1].lines[0].startswith("The mediators propose sovereignty ")
    while demo.running:
        demo.step()
    told = {e.first: e.lines for e in events.event_log(demo)}
    assert told[20][0].startswith("Event: Serbia's presidential campaign")
    assert any("withdraws its draft" in line for line in told[20])
    last = told[int(demo.end_round[0])]
    assert last[-1].startswith(f"Outcome: {Outcome(int(demo.outcome[0])).label}")
    veto = DemoModel(settings(VETO), narrate=False)
    veto.step()
    lines = events.event_log(veto)[-1].lines
    assert "14 yes, 1 no, 0 abstaining; vetoed by United States" in lines[0]
    assert lines[-1] == "Outcome: deadlock."


# --- the views ----------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", scenarios.scenario_files())
def test_every_scenario_of_the_folders_is_drawn(scenario):
    demo = DemoModel(Settings(scenario))
    for _ in range(2):
        assert views.issue_space(demo).startswith(b"\x89PNG")
        demo.step()
    while demo.running:
        demo.step()
    assert views.issue_space(demo).startswith(b"\x89PNG")
    assert views.png(views.alliances(demo)).startswith(b"\x89PNG")
    assert views.png(views.outcome_bars(batch(Settings(scenario)))).startswith(b"\x89PNG")
    assert views.vote_html(demo)
    assert "ended in" in views.status(demo)
    assert views.log_html(events.event_log(demo)).count('class="stalemate-round"') >= 1


def test_the_last_vote_marks_the_veto():
    demo = model(VETO)
    assert "has not sat yet" in views.vote_html(demo)
    demo.step()
    vote = views.last_vote(demo)
    assert vote.round == 1 and vote.result.startswith("vetoed by United States (14 yes, 1 no")
    assert [row for row in vote.rows if row[2]] == [("United States", "no", True)]
    assert views.vote_html(demo).count("VETO") == 1
    assert "not a member" not in views.vote_html(demo)
    no_veto = model(VETO, veto=False)
    no_veto.step()
    assert views.last_vote(no_veto).result.startswith("adopted (14 yes")


def test_the_status_shows_the_round():
    demo = model()
    assert views.status(demo) == "kosovo_2007: week 0 of 52, not started"
    demo.step()
    assert views.status(demo) == "kosovo_2007: week 1 of 52, no outcome yet"


def test_the_issue_space_is_laid_out_once_per_model():
    demo = model()
    first = views.issue_space(demo)
    layout = demo.__dict__["_issue_space"]
    demo.step()
    assert views.issue_space(demo) != first
    assert demo.__dict__["_issue_space"] is layout


def test_figures_are_cleared_once_drawn():
    figure = views.alliances(model())
    views.png(figure)
    assert not figure.axes


# --- the command line ---------------------------------------------------------------------------


def test_the_demo_command_refuses_a_scenario_outside_the_folders(tmp_path, capsys):
    outside = tmp_path / "mine.yaml"
    outside.write_text((scenarios.ROOT / VETO).read_text())
    assert main(["demo", str(outside)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {outside}: the demo opens only the scenario files in")
    assert err.count("\n") == 1


def test_the_demo_command_without_the_extra_says_so_in_one_line(monkeypatch, capsys):
    from sim.app import server

    monkeypatch.setattr(server, "missing", lambda: "solara")
    assert main(["demo"]) == 2
    err = capsys.readouterr().err
    assert err == (
        'error: the demo needs the demo extra (solara is missing): pip install -e ".[demo]"\n'
    )


def test_the_demo_command_says_when_the_port_is_taken(capsys):
    pytest.importorskip("solara")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["demo", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot listen on 127.0.0.1 port {port}: ")


def test_the_page_module_loads():
    pytest.importorskip("solara")
    from sim.app import page

    assert page.initial_settings() == Settings()
    assert callable(page.Page)
