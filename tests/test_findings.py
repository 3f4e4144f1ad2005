"""A finished sweep's findings: analyses, figures and report from real small sweep folders."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest
import yaml
from conftest import KOSOVO

import sim.sweep
from sim.analysis import DUMMY, MORRIS_DISCOVERY, SHOWN
from sim.experiment import Choice, Normal, Range, Triangular, Uniform, load_sweep
from sim.findings import analyse_sweep, parameter_text, write_findings
from sim.results import ResultsError
from sim.sweep import run_sweep, start_sweep

COUNCIL_GAME = KOSOVO.parents[1] / "tests" / "data" / "kosovo_council_game.yaml"
"""The Kosovo case reduced to its Council game (both red lines open, the troika split)."""
RUSSIA = "parties.russia.position.sovereignty"
STRATEGY = "council.strategy"
QUESTION = "Does the deadlock break when Russia moves or the sponsor amends?"
SHARES = ["agreement", "resolution", "unilateral", "deadlock", "breaks"]
OUTCOME_COLUMNS = [*SHARES, "median_end_round"]

GRID = {
    "name": "russia_vs_strategy",
    "question": QUESTION,
    "description": "Russia's position against the sponsor's strategy.",
    "design": "grid",
    "replicates": 100,
    "seed": 3,
    "parameters": {
        RUSSIA: {"from": 0.2, "to": 0.8, "steps": 3},
        STRATEGY: ["table_anyway", "amend_to_avoid_veto"],
    },
}
SAMPLED = {
    "seed": 3,
    "dummy": True,
    "target": "resolution",
    "parameters": {
        # amended drafts pass where Russia stands firmest (at 0.25 or less)
        RUSSIA: {"from": 0.05, "to": 0.35},
        STRATEGY: {"choice": ["table_anyway", "amend_to_avoid_veto"]},
    },
}
SOBOL = {"name": "sobol_small", "design": "sobol", "samples": 32, "replicates": 30, **SAMPLED}
MORRIS = {
    "name": "morris_small",
    "design": "morris",
    "samples": 4,
    "levels": 4,
    "replicates": 50,
    **SAMPLED,
}


RANGES = {  # fourteen of the morris_screening sweep's ranged parameters
    "council.draft.sovereignty": (0.0, 1.0),
    "council.draft.minority_protection": (0.0, 1.0),
    "council.draft.international_presence": (0.0, 1.0),
    "council.amendment_step": (0.0, 1.0),
    "decision.abstain_band": (0.0, 0.2),
    "decision.patron_alignment": (0.0, 0.3),
    "decision.noise": (0.0, 0.1),
    "unilateral.kosovo.base_rate": (0.0, 1.0),
    "unilateral.kosovo.growth": (0.0, 0.05),
    "unilateral.kosovo.point.sovereignty": (0.0, 1.0),
    "unilateral.kosovo.point.minority_protection": (0.0, 1.0),
    "unilateral.kosovo.point.international_presence": (0.0, 1.0),
    "ripeness": (0.0, 0.2),
    "noise": (0.0, 0.05),
}
MORRIS_WIDE = {
    "name": "morris_wide",
    "design": "morris",
    "samples": 2,
    "levels": 4,
    "replicates": 10,
    "seed": 5,
    "dummy": True,
    "target": "unilateral",
    "parameters": {path: {"from": a, "to": b} for path, (a, b) in RANGES.items()},
}


def new_sweep(directory: Path, spec: dict[str, object]) -> sim.sweep.SweepFolder:
    """Start a sweep of `spec` on the Kosovo scenario into `directory / out` (not run)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "sweep.yaml"
    path.write_text(yaml.safe_dump({"scenario": str(COUNCIL_GAME), **spec}), encoding="utf-8")
    return start_sweep(load_sweep(path), directory / "out")


def ran_sweep(directory: Path, spec: dict[str, object]) -> Path:
    folder = new_sweep(directory, spec)
    run_sweep(folder)
    return folder.path


@pytest.fixture(scope="module")
def grid_folder(tmp_path_factory) -> Path:
    return ran_sweep(tmp_path_factory.mktemp("grid"), GRID)


@pytest.fixture(scope="module")
def sobol_folder(tmp_path_factory) -> Path:
    return ran_sweep(tmp_path_factory.mktemp("sobol"), SOBOL)


@pytest.fixture(scope="module")
def morris_folder(tmp_path_factory) -> Path:
    return ran_sweep(tmp_path_factory.mktemp("morris"), MORRIS)


@pytest.fixture(scope="module")
def wide_folder(tmp_path_factory) -> Path:
    return ran_sweep(tmp_path_factory.mktemp("wide"), MORRIS_WIDE)


def copy_of(folder: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(folder, tmp_path / "copy"))


def figure_links(report: str) -> list[str]:
    return [line.split("](")[1][:-1] for line in report.splitlines() if line.startswith("![")]


# --- grid --------------------------------------------------------------------------------


def test_grid_findings_have_no_indices_and_a_discovery(grid_folder):
    findings = analyse_sweep(grid_folder)
    assert findings.sobol is None and findings.morris is None
    assert findings.notes == []
    assert len(findings.points) == 6 and findings.runs == 600 and findings.failed == 0
    assert findings.discovery.outcome == "breaks" and findings.discovery.points == 6
    assert findings.design.parameters == [STRATEGY, RUSSIA]  # sorted by path


def test_grid_writes_heatmaps_and_a_report_linking_them(grid_folder, tmp_path):
    folder = copy_of(grid_folder, tmp_path)
    findings = analyse_sweep(folder)
    written = write_findings(findings, folder)
    names = [p.name for p in written]
    heatmaps = [f"heatmap_{o}.png" for o in ("breaks", "agreement", "resolution")]
    heatmaps += ["heatmap_unilateral.png", "heatmap_deadlock.png"]
    boxes = ["prim_trajectory.png", "prim_box.png"] if findings.discovery.found else []
    assert names[:-1] == heatmaps + boxes + (["boxes.csv"] if boxes else [])
    assert names[-1] == "report.md"
    assert all(p.parent == folder and p.is_file() and p.stat().st_size > 0 for p in written)
    assert not (folder / "sobol.csv").exists() and not (folder / "morris.csv").exists()
    report = (folder / "report.md").read_text(encoding="utf-8")
    assert report.startswith("# russia_vs_strategy\n")
    assert f"**Question.** {QUESTION}" in report
    assert (
        "A grid design of 6 points (all ran), 100 replicates per point (600 runs in all)" in report
    )
    assert f"| `{RUSSIA}` | from 0.2 to 0.8 in 3 steps |" in report
    assert f"| `{STRATEGY}` | table_anyway, amend_to_avoid_veto |" in report
    assert figure_links(report) == heatmaps + boxes
    assert all((folder / link).is_file() for link in figure_links(report))


def test_text_summarises_the_question_design_and_shares(grid_folder):
    findings = analyse_sweep(grid_folder)
    text = findings.to_text()
    assert text.startswith(f"Sweep russia_vs_strategy: {QUESTION}\n")
    assert "grid design: 6 points (all ran), 100 replicates per point, 600 runs, seed 3" in text
    for column in OUTCOME_COLUMNS:
        assert f"  {column} " in text
    breaks = findings.points["breaks"]
    assert f"{breaks.min():.3f}" in text.split("  breaks", 1)[1].splitlines()[0]
    assert findings.discovery.to_text() in text
    assert text == analyse_sweep(grid_folder).to_text()


# --- sobol and morris ----------------------------------------------------------------------


def test_sobol_indices_of_every_outcome_in_sobol_csv(sobol_folder, tmp_path):
    folder = copy_of(sobol_folder, tmp_path)
    findings = analyse_sweep(folder)
    written = write_findings(findings, folder)
    table = pd.read_csv(folder / "sobol.csv")
    assert list(table.columns) == ["outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert table["outcome"].drop_duplicates().tolist() == OUTCOME_COLUMNS
    for _, rows in table.groupby("outcome", sort=False):
        assert rows["parameter"].tolist() == [STRATEGY, RUSSIA, DUMMY]
    varying = table[table["outcome"] == "resolution"]
    assert varying[["S1", "ST"]].notna().all().all()
    names = [p.name for p in written]
    assert names[:2] == ["scatter_resolution.png", "sobol_indices.png"]
    assert "sobol.csv" in names and names[-1] == "report.md"
    report = (folder / "report.md").read_text(encoding="utf-8")
    assert "## Sobol' indices of resolution" in report
    assert set(figure_links(report)) == {n for n in names if n.endswith(".png")}


def test_the_strategy_ranks_above_the_noise(sobol_folder):
    # Amending the draft rather than tabling it is what lets a resolution pass.
    lines = analyse_sweep(sobol_folder).to_text().splitlines()
    head = next(n for n, line in enumerate(lines) if "Sobol' indices of resolution" in line)
    ranked = [line.split()[1] for line in lines[head + 1 : head + 4]]
    assert ranked.index(STRATEGY) < ranked.index(DUMMY)


def test_text_ranks_synthetic_indices_and_names_the_noise(sobol_folder):
    findings = analyse_sweep(sobol_folder)
    synthetic = pd.DataFrame(
        {
            "outcome": "resolution",
            "parameter": [RUSSIA, STRATEGY, DUMMY],
            "S1": [0.7, 0.01, 0.0],
            "S1_conf": [0.05, 0.01, 0.01],
            "ST": [0.8, 0.02, 0.01],
            "ST_conf": [0.05, 0.01, 0.02],
        }
    )
    text = dataclasses.replace(findings, sobol=synthetic).to_text()
    ranks = [line.split()[1] for line in text.splitlines() if line.lstrip()[:3] in ("1. ", "2. ")]
    assert ranks == [RUSSIA, STRATEGY]
    assert f"No detectable effect (ST at or below the dummy's 0.03): {STRATEGY}" in text


def test_morris_screening_of_every_outcome_in_morris_csv(morris_folder, tmp_path):
    folder = copy_of(morris_folder, tmp_path)
    findings = analyse_sweep(folder)
    names = [p.name for p in write_findings(findings, folder)]
    table = pd.read_csv(folder / "morris.csv")
    assert list(table.columns) == ["outcome", "parameter", "mu_star", "mu_star_conf", "sigma"]
    assert table["outcome"].drop_duplicates().tolist() == OUTCOME_COLUMNS
    assert table["parameter"].tolist() == [STRATEGY, RUSSIA, DUMMY] * len(OUTCOME_COLUMNS)
    assert names[:2] == ["scatter_resolution.png", "morris_indices.png"]
    assert "Morris screening of resolution" in findings.to_text()
    assert "## Morris screening of resolution" in (folder / "report.md").read_text()


def test_morris_designs_get_no_scenario_discovery_and_say_why(morris_folder, tmp_path):
    folder = copy_of(morris_folder, tmp_path)
    findings = analyse_sweep(folder)
    discovery = findings.discovery
    assert discovery.skipped and not discovery.found and discovery.message == MORRIS_DISCOVERY
    assert discovery.points == 16 and discovery.outcome == "resolution"
    text = findings.to_text()
    assert "Scenario discovery: resolution >= 0.5 at" in text
    assert "PRIM and CART are not run on a morris design" in text
    assert "PRIM box" not in text and "CART rules" not in text
    names = [p.name for p in write_findings(findings, folder)]
    assert not {"prim_trajectory.png", "prim_box.png", "boxes.csv"} & set(names)
    report = (folder / "report.md").read_text(encoding="utf-8")
    section = report.split("## Where it happens: scenario discovery")[1]
    assert "PRIM and CART are not run on a morris design: its points lie on" in section
    assert "not independent samples" in section and "PRIM box" not in section


def test_a_wide_morris_sweep_prints_a_short_ranked_summary(wide_folder):
    findings = analyse_sweep(wide_folder)
    text = findings.to_text()
    lines = text.splitlines()
    assert len(lines) < 45
    assert "  14 parameters (sweep.yaml and report.md give each one's values)" in lines
    assert not any(line.startswith("  decision.noise:") for line in lines)
    head = next(n for n, line in enumerate(lines) if line.startswith("Morris screening of"))
    listed = []
    for line in lines[head + 1 :]:
        if not line.lstrip()[:1].isdigit():
            break
        listed.append(line.split(". ", 1)[1].split()[0])
    expected = findings.target_morris().sort_values("mu_star", ascending=False, kind="stable")
    top = [p for p in expected["parameter"] if p != DUMMY][:SHOWN]
    assert [p for p in listed if p != DUMMY] == top
    assert DUMMY in listed  # the reference, wherever it ranks
    assert "  ... 2 more parameters with smaller mu* (every one in morris.csv)" in lines


def test_a_wide_morris_report_key_numbers_are_cut_and_match_the_terminal(wide_folder, tmp_path):
    folder = copy_of(wide_folder, tmp_path)
    findings = analyse_sweep(folder)
    write_findings(findings, folder)
    report = (folder / "report.md").read_text(encoding="utf-8")
    key = report.split("## Key numbers")[1].split("\n## ")[0]
    rows = [line.split(" | ")[0][2:] for line in key.splitlines() if line.startswith("| ")]
    assert rows[1:] == findings.outcome_columns() == OUTCOME_COLUMNS
    for column in findings.outcome_columns():
        assert f"  {column} " in findings.to_text()
    bullets = [line for line in key.splitlines() if " likely at " in line or " at every " in line]
    assert bullets and all(line.count("` = ") <= 10 for line in bullets)
    assert all(f"`{DUMMY}`" not in line for line in bullets)
    if len(bullets) == 2:
        assert "Parameter values below: the 10 of 14 varied parameters" in key


def test_an_outcome_that_never_varies_gets_a_note(sobol_folder, tmp_path):
    # Kosovo's and Serbia's red lines do not overlap: no point ever agrees
    folder = copy_of(sobol_folder, tmp_path)
    findings = analyse_sweep(folder)
    assert (findings.points["agreement"] == 0).all()
    agreement = findings.sobol[findings.sobol["outcome"] == "agreement"]
    assert agreement[["S1", "ST"]].isna().all().all()
    note = "agreement is 0.000 at every point: no Sobol' indices (empty in sobol.csv)"
    assert note in findings.notes
    assert not any(n.startswith("resolution ") for n in findings.notes)  # the target varies
    assert f"Notes:\n  - {note}" in findings.to_text()
    write_findings(findings, folder)
    report = (folder / "report.md").read_text(encoding="utf-8")
    assert "## Notes\n\n- Agreement is 0.000 at every point: no Sobol' indices" in report


def test_the_same_folder_gives_the_same_files(sobol_folder, tmp_path):
    folder = copy_of(sobol_folder, tmp_path)
    first = {p.name: p.read_bytes() for p in write_findings(analyse_sweep(folder), folder, "svg")}
    second = {p.name: p.read_bytes() for p in write_findings(analyse_sweep(folder), folder, "svg")}
    assert first == second
    assert "sobol_indices.svg" in first


# --- what is refused, what is left out ------------------------------------------------------


def test_an_incomplete_sweep_is_refused(tmp_path):
    folder = new_sweep(tmp_path, GRID)
    with pytest.raises(ResultsError, match="not complete"):
        analyse_sweep(folder.path)


def test_a_design_that_does_not_match_sweep_yaml_is_refused(grid_folder, tmp_path):
    folder = copy_of(grid_folder, tmp_path)
    spec = yaml.safe_load((folder / "sweep.yaml").read_text(encoding="utf-8"))
    spec["parameters"][RUSSIA]["to"] = 0.9
    (folder / "sweep.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    with pytest.raises(ResultsError, match=r"the folder's design does not match its sweep\.yaml"):
        analyse_sweep(folder)


def test_a_failed_point_skips_the_indices_with_a_note(tmp_path, monkeypatch):
    run_piece = sim.sweep._run_piece

    def failing(base, piece):
        if piece.point_id == 4:  # a B row of Saltelli's sample: one scenario discovery uses
            raise RuntimeError("the model broke")
        return run_piece(base, piece)

    monkeypatch.setattr(sim.sweep, "_run_piece", failing)
    folder = ran_sweep(tmp_path, SOBOL)
    findings = analyse_sweep(folder)
    assert findings.sobol is None and findings.failed == 1
    assert len(findings.notes) == 1
    assert "1 of 160 points failed (point 4: RuntimeError: the model broke)" in findings.notes[0]
    assert "Sobol' indices left out" in findings.notes[0]
    assert findings.discovery.excluded == 1
    names = [p.name for p in write_findings(findings, folder)]
    assert names[0] == "scatter_resolution.png" and names[-1] == "report.md"
    assert "sobol_indices.png" not in names and not (folder / "sobol.csv").exists()
    report = (folder / "report.md").read_text(encoding="utf-8")
    assert "A sobol design of 160 points (159 ran, 1 failed)" in report
    assert "Notes:\n  - 1 of 160 points failed" in findings.to_text()
    assert "## Notes\n\n- 1 of 160 points failed" in report


def test_an_unwritable_file_is_named(grid_folder, tmp_path):
    folder = copy_of(grid_folder, tmp_path)
    findings = analyse_sweep(folder)
    (folder / "report.md").mkdir()
    with pytest.raises(ResultsError, match=r"cannot write .*report\.md"):
        write_findings(findings, folder)


def test_bad_arguments(grid_folder, tmp_path):
    with pytest.raises(ValueError, match="threshold"):
        analyse_sweep(grid_folder, threshold=1.5)
    with pytest.raises(ValueError, match="figure format"):
        write_findings(analyse_sweep(grid_folder), tmp_path, "jpg")
    with pytest.raises(ResultsError, match="not a sweep folder"):
        analyse_sweep(tmp_path)


def test_boxes_csv_holds_the_prim_box(sobol_folder, tmp_path):
    folder = copy_of(sobol_folder, tmp_path)
    findings = analyse_sweep(folder)
    assert findings.discovery.found  # strategy: amend_to_avoid_veto
    names = [p.name for p in write_findings(findings, folder)]
    assert {"prim_trajectory.png", "prim_box.png", "boxes.csv"} <= set(names)
    boxes = pd.read_csv(folder / "boxes.csv", keep_default_na=False)
    assert boxes["parameter"].tolist() == findings.discovery.limits["parameter"].tolist()
    for row in boxes.itertuples(index=False):
        if row.kind == "categorical":
            assert set(json.loads(row.values)) <= set(json.loads(row.all_values))


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        ([0.1, "x", True], "0.1, x, true"),
        (Range.model_validate({"from": 0.2, "to": 0.8, "steps": 3}), "from 0.2 to 0.8 in 3 steps"),
        (Range.model_validate({"from": 0, "to": 0.2}), "uniform from 0 to 0.2"),
        (Uniform(uniform=[0, 0.1]), "uniform from 0 to 0.1"),
        (Triangular(triangular=[30, 52, 80]), "triangular from 30 to 80, mode 52"),
        (Normal(normal=[0.1, 0.02]), "normal, mean 0.1, sd 0.02"),
        (Normal(normal=[0.1, 0.02], clip=[0, 1]), "normal, mean 0.1, sd 0.02, clipped to [0, 1]"),
        (Choice(choice=["usa", "uk"]), "one of usa, uk"),
    ],
)
def test_parameter_text(spec, text):
    assert parameter_text(spec) == text
