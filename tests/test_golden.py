"""Golden outputs: every shipped scenario, and variants that exercise every rule, give the same
`runs.csv`, `summary.csv` and `trajectories.csv`, byte for byte, as when the hashes were taken.

The hashes in `tests/data/golden_outputs.json` were taken from the engine before it became a
library (the refactor was to change no number). A change that is meant to change numbers
regenerates them with `python tests/test_golden.py --update` and says so in its commit.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

from sim import simulate, write_results
from sim.pipeline import Run
from sim.results import RUNS, SUMMARY, TRAJECTORIES, write_csv

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).with_name("data") / "golden_outputs.json"
CASES = json.loads(GOLDEN.read_text(encoding="utf-8"))["cases"]
TABLES = (RUNS, SUMMARY, TRAJECTORIES)


def run_case(case: dict) -> Run:
    return simulate(
        ROOT / "scenarios" / case["file"],
        replicates=case["replicates"],
        seed=case["seed"],
        overrides=case["overrides"],
    )


def table_hashes(run: Run, folder: Path) -> dict[str, str]:
    """The hashes of the three tables as a results folder writes them."""
    tables = {
        RUNS: run.records.to_frame(),
        SUMMARY: run.summary.outcomes,
        TRAJECTORIES: run.trajectory.to_frame(),
    }
    for name, frame in tables.items():
        write_csv(folder / name, frame)
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in TABLES}


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_tables_are_byte_identical(case, tmp_path):
    assert table_hashes(run_case(case), tmp_path) == case["sha256"]


def test_a_results_folder_holds_the_golden_tables(tmp_path):
    case = next(case for case in CASES if case["id"] == "kosovo_2007_table_anyway-200-3")
    folder = write_results(run_case(case), tmp_path / "out", figure_format="svg")
    written = {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in TABLES}
    assert written == case["sha256"]


def test_the_cases_cover_every_shipped_scenario():
    shipped = {path.name for path in (ROOT / "scenarios").glob("*.yaml")}
    assert shipped <= {case["file"] for case in CASES}


def update(path: Path = GOLDEN) -> None:
    """Recompute every case's hashes with the current engine and rewrite the golden file."""
    import tempfile

    data = json.loads(path.read_text(encoding="utf-8"))
    for case in data["cases"]:
        with tempfile.TemporaryDirectory() as folder:
            case["sha256"] = table_hashes(run_case(case), Path(folder))
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/test_golden.py --update")
    update()
