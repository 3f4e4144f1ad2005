"""A results folder is untrusted input: a catalogue of hostile edits, each refused in one message.

Each case edits a copy of one real results folder (kosovo_2007, 20 replicates) as someone
passing on a doctored folder would: a table changed and its size and SHA-256 written anew in
the manifest, the manifest itself changed (it carries no hash), or a file replaced by a device,
a FIFO or a folder. `read_results` must refuse it with a `ResultsError` naming the file and
what was found and expected; `run.py plot` must exit 1 with `error: ...` and no traceback, and
never block, allocate by a number read, or print a control character raw. A sweep folder (its
manifest, design, parts of the runs table, error records and points table) is catalogued the
same way, refused by `run.py sweep --resume` or `run.py analyse`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim import results
from sim import sweep as sweep_module
from sim.experiment import load_sweep
from sim.findings import analyse_sweep
from sim.pipeline import simulate, write_results
from sim.results import (
    MANIFEST,
    RUNS,
    SCENARIO,
    SUMMARY,
    TRAJECTORIES,
    ResultsError,
    read_csv,
    read_results,
)
from sim.sweep import SweepSettings, run_sweep, start_sweep

ROOT = Path(__file__).resolve().parent.parent
REPLICATES = 20

Edit = Callable[[Path], None]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    """One real results folder, written once for the module."""
    out = tmp_path_factory.mktemp("pristine") / "kosovo"
    run = simulate(ROOT / "scenarios" / "kosovo_2007.yaml", replicates=REPLICATES)
    return write_results(run, out)


@pytest.fixture
def folder(pristine, tmp_path) -> Path:
    """A copy of the pristine folder to doctor."""
    return Path(shutil.copytree(pristine, tmp_path / "doctored"))


# --- edits --------------------------------------------------------------------------------


def rehash(folder: Path, name: str) -> None:
    """Record the file's present size and SHA-256 in the manifest, as a forger would."""
    record = json.loads((folder / MANIFEST).read_text())
    data = (folder / name).read_bytes()
    record["files"][name] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    (folder / MANIFEST).write_text(json.dumps(record, indent=2))


def rewritten(name: str, change: Callable[[str], str]) -> Edit:
    """Change the text of a data file, then rehash it."""

    def edit(folder: Path) -> None:
        path = folder / name
        path.write_bytes(change(path.read_text()).encode("utf-8", "surrogateescape"))
        rehash(folder, name)

    return edit


def lines_changed(name: str, change: Callable[[list[str]], list[str]]) -> Edit:
    """Change a table's lines (the header first; the writer quotes nothing)."""
    return rewritten(name, lambda text: "".join(f"{line}\n" for line in change(text.splitlines())))


def cell(name: str, column: str, value: str, row: int = 0) -> Edit:
    """Set one cell of a table."""

    def change(lines: list[str]) -> list[str]:
        index = lines[0].split(",").index(column)
        fields = lines[row + 1].split(",")
        fields[index] = value
        lines[row + 1] = ",".join(fields)
        return lines

    return lines_changed(name, change)


def column_dropped(name: str, column: str) -> Edit:
    def change(lines: list[str]) -> list[str]:
        index = lines[0].split(",").index(column)
        return [",".join(f for i, f in enumerate(line.split(",")) if i != index) for line in lines]

    return lines_changed(name, change)


def columns_swapped(name: str, first: int, second: int) -> Edit:
    def change(lines: list[str]) -> list[str]:
        swapped = []
        for line in lines:
            fields = line.split(",")
            fields[first], fields[second] = fields[second], fields[first]
            swapped.append(",".join(fields))
        return swapped

    return lines_changed(name, change)


def manifest_changed(change: Callable[[dict], object]) -> Edit:
    """Change the manifest's record in place (what `change` returns is ignored)."""

    def edit(folder: Path) -> None:
        record = json.loads((folder / MANIFEST).read_text())
        change(record)
        (folder / MANIFEST).write_text(json.dumps(record))

    return edit


def manifest_text(text: str | bytes) -> Edit:
    def edit(folder: Path) -> None:
        data = text.encode() if isinstance(text, str) else text
        (folder / MANIFEST).write_bytes(data)

    return edit


def linked(name: str, target: str) -> Edit:
    """Put a symbolic link to `target` in place of the file."""

    def edit(folder: Path) -> None:
        (folder / name).unlink()
        (folder / name).symlink_to(target)

    return edit


def fifo(name: str) -> Edit:
    def edit(folder: Path) -> None:
        (folder / name).unlink()
        os.mkfifo(folder / name)

    return edit


def fifo_linked(name: str) -> Edit:
    """A symbolic link to a FIFO outside the folder in place of the file."""

    def edit(folder: Path) -> None:
        pipe = folder.parent / f"pipe-{name}"
        os.mkfifo(pipe)
        linked(name, str(pipe))(folder)

    return edit


def directory(name: str) -> Edit:
    def edit(folder: Path) -> None:
        (folder / name).unlink()
        (folder / name).mkdir()

    return edit


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def set_field(name: str, value: object) -> Callable[[dict], None]:
    return lambda record: record.__setitem__(name, value)


def drop_field(name: str) -> Callable[[dict], None]:
    return lambda record: record.pop(name)


def header_only(lines: list[str]) -> list[str]:
    return lines[:1]


def scenario_line(old: str, new: str) -> Edit:
    return rewritten(SCENARIO, lambda text: text.replace(old, new, 1))


WIDE = ",".join(f"x{i}" for i in range(200_000))
"""A header of 200 000 columns."""

# --- the catalogue ------------------------------------------------------------------------

# (id, edit, a fragment of the message, whether `run.py plot` is tried too)
CASES = [
    # rounds
    (
        "end-round-1e15",
        cell(RUNS, "end_round", "1000000000000000"),
        "end_round holds 1000000000000000; expected 0 to the horizon 52 (row 0)",
        True,
    ),
    (
        "end-round-1e15-float",
        cell(RUNS, "end_round", "1e15"),
        "end_round holds 1000000000000000.0; expected 0 to the horizon 52",
        False,
    ),
    ("end-round-400-digits", cell(RUNS, "end_round", "9" * 400), "end_round holds", False),
    (
        "end-round-negative",
        cell(RUNS, "end_round", "-1"),
        "end_round holds -1; expected 0 to the horizon 52",
        True,
    ),
    (
        "end-round-not-whole",
        cell(RUNS, "end_round", "27.5"),
        "end_round holds 27.5; expected a whole number",
        False,
    ),
    (
        "end-round-beyond-horizon",
        cell(RUNS, "end_round", "53", row=3),
        "end_round holds 53; expected 0 to the horizon 52 (row 3)",
        False,
    ),
    (
        "end-round-text",
        cell(RUNS, "end_round", "soon"),
        "end_round holds 'soon'; expected a number",
        False,
    ),
    ("end-round-nan", cell(RUNS, "end_round", ""), "end_round holds nan; expected a whole", False),
    (
        "proposals-beyond-horizon",
        cell(RUNS, "proposals", "99"),
        "proposals holds 99; expected 0 to the horizon 52",
        False,
    ),
    (
        "trajectory-round-1e15",
        cell(TRAJECTORIES, "round", "1000000000000000"),
        "round holds 1000000000000000; expected 0 to the horizon 52",
        True,
    ),
    (
        "trajectories-carriage-returns",
        rewritten(TRAJECTORIES, lambda text: text.replace("\n", "\r")),
        "trajectories.csv: 11,726 columns; expected 8",
        False,
    ),
    (
        "runs-crlf",
        rewritten(RUNS, lambda text: text.replace("\n", "\r\n")),
        "runs.csv: no column 'position.qatar.international_presence' (expected 99 columns)",
        False,
    ),
    ("trajectory-round-negative", cell(TRAJECTORIES, "round", "-3"), "round holds -3", False),
    (
        "trajectory-round-not-whole",
        cell(TRAJECTORIES, "round", "0.5"),
        "round holds 0.5; expected a whole number",
        False,
    ),
    (
        "trajectory-round-beyond-horizon",
        cell(TRAJECTORIES, "round", "53"),
        "round holds 53; expected 0 to the horizon 52",
        False,
    ),
    # counts
    (
        "votes-1e15",
        cell(RUNS, "session20.yes", "1000000000000000"),
        "session20.yes holds 1000000000000000; expected 0 to 15, the Council's members",
        True,
    ),
    (
        "abstentions-negative",
        cell(RUNS, "session20.abstain", "-2"),
        "session20.abstain holds -2; expected 0 to 15",
        False,
    ),
    (
        "amendments-negative",
        cell(RUNS, "session20.amendments", "-1"),
        "session20.amendments holds -1",
        False,
    ),
    (
        "drafts-tabled-beyond-sessions",
        cell(RUNS, "drafts_tabled", "7"),
        "drafts_tabled holds 7; expected 0 to 1, the Council's sessions",
        False,
    ),
    (
        "trajectory-replicates-1e15",
        cell(TRAJECTORIES, "replicates", "1000000000000000"),
        "replicates holds 1000000000000000; expected 0 to 20",
        False,
    ),
    (
        "replicate-misnumbered",
        cell(RUNS, "replicate", "5", row=2),
        "replicate holds 5; expected 2: the replicates numbered 0, 1, 2, ... in order (row 2)",
        False,
    ),
    # rows
    (
        "runs-header-only",
        lines_changed(RUNS, header_only),
        "0 rows in runs.csv; expected one per replicate (20",
        True,
    ),
    (
        "runs-row-missing",
        lines_changed(RUNS, lambda lines: lines[:-1]),
        "19 rows in runs.csv; expected one per replicate (20",
        False,
    ),
    (
        "runs-row-repeated",
        lines_changed(RUNS, lambda lines: [*lines, lines[-1]]),
        "21 rows in runs.csv",
        False,
    ),
    (
        "runs-blank-line",
        lines_changed(RUNS, lambda lines: [*lines[:-1], ""]),
        "replicate holds nan; expected a whole number (row 19)",
        False,
    ),
    ("runs-empty", rewritten(RUNS, lambda text: ""), "runs.csv: no header line", False),
    (
        "trajectories-header-only",
        lines_changed(TRAJECTORIES, header_only),
        "trajectories.csv: the trajectory table has no rows",
        True,
    ),
    (
        "trajectories-empty",
        rewritten(TRAJECTORIES, lambda text: ""),
        "trajectories.csv: no header line",
        False,
    ),
    (
        "trajectories-too-many-rows",
        lines_changed(TRAJECTORIES, lambda lines: lines + lines[1:] * 60),
        "102,114 rows; expected at most 3,021",
        False,
    ),
    (
        "trajectories-row-repeated",
        lines_changed(TRAJECTORIES, lambda ls: [*ls, ls[-1]]),
        "do not describe one run",
        False,
    ),
    (
        "runs-row-one-field-more",
        lines_changed(RUNS, lambda ls: [ls[0], ls[1] + ",1", *ls[2:]]),
        "runs.csv: a row has more fields than the header",
        True,
    ),
    (
        "runs-later-row-one-field-more",
        lines_changed(RUNS, lambda ls: [*ls[:3], ls[3] + ",1", *ls[4:]]),
        "runs.csv: not a table as written",
        False,
    ),
    (
        "runs-row-one-field-less",
        lines_changed(RUNS, lambda ls: [ls[0], ls[1].rsplit(",", 1)[0], *ls[2:]]),
        "position.qatar.international_presence holds nan",
        False,
    ),
    # columns
    (
        "runs-200000-columns",
        lines_changed(RUNS, lambda ls: [WIDE, *ls[1:]]),
        "runs.csv: 200,000 columns; expected 99",
        True,
    ),
    (
        "trajectories-200000-columns",
        lines_changed(TRAJECTORIES, lambda ls: [WIDE, *ls[1:]]),
        "trajectories.csv: 200,000 columns; expected 8",
        False,
    ),
    (
        "runs-column-missing",
        column_dropped(RUNS, "position.eu.sovereignty"),
        "runs.csv: no column 'position.eu.sovereignty' (expected 99 columns)",
        True,
    ),
    (
        "trajectories-column-missing",
        column_dropped(TRAJECTORIES, "replicates"),
        "trajectories.csv: no column 'replicates'",
        False,
    ),
    (
        "runs-column-extra",
        lines_changed(RUNS, lambda ls: [ls[0] + ",secret", *(line + ",1" for line in ls[1:])]),
        "runs.csv: 100 columns; expected 99",
        False,
    ),
    (
        "runs-column-renamed",
        lines_changed(RUNS, lambda ls: [ls[0].replace("proposals", "offers"), *ls[1:]]),
        "no column 'proposals'",
        False,
    ),
    (
        "runs-columns-swapped",
        columns_swapped(RUNS, 9, 10),
        "column 10 is 'end_round'; expected 'outcome'",
        False,
    ),
    (
        "runs-column-repeated",
        lines_changed(RUNS, lambda ls: [ls[0].replace("proposals", "end_round"), *ls[1:]]),
        "no column 'proposals'",
        False,
    ),
    # labels
    (
        "outcome-martians",
        cell(RUNS, "outcome", "martians"),
        "runs.csv: outcome holds 'martians'; expected one of 'ongoing', 'deadlock'",
        True,
    ),
    (
        "outcome-ongoing",
        cell(RUNS, "outcome", "ongoing"),
        "outcome holds 'ongoing'; expected one of 'agreement', 'resolution', 'unilateral', "
        "'deadlock': a results folder holds finished runs (row 0)",
        False,
    ),
    (
        "outcome-quoted",
        cell(RUNS, "outcome", '"unilateral"'),
        "outcome holds '\"unilateral\"'",
        False,
    ),
    (
        "vote-maybe",
        cell(RUNS, "session20.vote.russia", "maybe"),
        "session20.vote.russia holds 'maybe'; expected one of 'yes', 'no', 'abstain', ''",
        True,
    ),
    (
        "vetoed-by-atlantis",
        cell(RUNS, "session20.vetoed_by", "atlantis"),
        "session20.vetoed_by names 'atlantis'",
        False,
    ),
    (
        "recognised-by-a-million-names",
        cell(RUNS, "recognised_by", "usa;" * 250_000),
        "recognised_by holds 'usa;usa;",
        False,
    ),
    (
        "boolean-maybe",
        cell(RUNS, "resolution_adopted", "maybe"),
        "resolution_adopted holds 'maybe'; expected True or False",
        False,
    ),
    (
        "event-one",
        cell(RUNS, "event.serbian_campaign", "1"),
        "event.serbian_campaign holds '1'; expected True or False",
        False,
    ),
    (
        "trajectory-party-atlantis",
        cell(TRAJECTORIES, "party", "atlantis"),
        "party holds 'atlantis'",
        False,
    ),
    ("trajectory-kind-rumour", cell(TRAJECTORIES, "kind", "rumour"), "kind holds 'rumour'", False),
    (
        "trajectory-issue-unknown",
        cell(TRAJECTORIES, "issue", "water"),
        "issue holds 'water'",
        False,
    ),
    # numbers that must be finite, on their scale
    (
        "position-nan",
        cell(RUNS, "position.kosovo.sovereignty", "nan"),
        "position.kosovo.sovereignty holds 'nan'; expected 0 to 1, the scale of sovereignty",
        False,
    ),
    (
        "position-empty",
        cell(RUNS, "position.kosovo.sovereignty", ""),
        "position.kosovo.sovereignty holds nan; expected 0 to 1",
        False,
    ),
    (
        "position-inf",
        cell(RUNS, "position.serbia.sovereignty", "inf"),
        "position.serbia.sovereignty holds inf; expected 0 to 1",
        False,
    ),
    (
        "position-off-scale",
        cell(RUNS, "position.serbia.sovereignty", "1.5"),
        "position.serbia.sovereignty holds 1.5; expected 0 to 1, the scale of sovereignty",
        False,
    ),
    (
        "point-off-scale",
        cell(RUNS, "point.sovereignty", "-7"),
        "point.sovereignty holds -7.0; expected 0 to 1, the scale of sovereignty, or empty",
        False,
    ),
    (
        "point-inf",
        cell(RUNS, "point.sovereignty", "inf"),
        "point.sovereignty holds inf; expected 0 to 1",
        False,
    ),
    (
        "gap-negative",
        cell(RUNS, "gap.sovereignty", "-0.5"),
        "gap.sovereignty holds -0.5; expected 0 to 1, the length of sovereignty",
        False,
    ),
    (
        "drawn-nan",
        cell(RUNS, "drawn.parties.kosovo.audience_cost", "nan"),
        "drawn.parties.kosovo.audience_cost holds 'nan'; expected a finite number",
        True,
    ),
    (
        "drawn-huge",
        cell(RUNS, "drawn.parties.kosovo.audience_cost", "1e999"),
        "drawn.parties.kosovo.audience_cost holds",
        False,
    ),
    (
        "quantile-inf",
        cell(TRAJECTORIES, "p95", "inf", row=5),
        "p95 holds inf; expected 0 to 1, the scale of international_presence (row 5)",
        False,
    ),
    (
        "quantile-nan-where-live",
        cell(TRAJECTORIES, "p05", "", row=5),
        "p05 holds nan; expected 0 to 1, the scale of",
        False,
    ),
    (
        "quantile-where-none-live",
        cell(TRAJECTORIES, "median", "0.5", row=1620),
        "median holds 0.5; expected empty: no replicate was live (row 1620)",
        False,
    ),
    (
        "quantiles-disordered",
        cell(TRAJECTORIES, "median", "0.123"),
        "row 0 of the trajectory table: p05 <= median <= p95 fails",
        False,
    ),
    # summary.csv
    (
        "summary-share-changed",
        lines_changed(SUMMARY, lambda ls: [*ls[:3], ls[3].replace("1.0", "0.5", 1), *ls[4:]]),
        "summary.csv: line 4 is 'unilateral,20,0.5",
        True,
    ),
    (
        "summary-200000-columns",
        lines_changed(SUMMARY, lambda ls: [WIDE, *ls[1:]]),
        "summary.csv: line 1 is 'x0,x1,x2",
        False,
    ),
    (
        "summary-empty",
        rewritten(SUMMARY, lambda text: ""),
        "summary.csv: line 1 is ''; expected 'outcome,count,share",
        False,
    ),
    # scenario.yaml
    (
        "scenario-a-variant",
        rewritten(SCENARIO, lambda text: f"extends: /dev/zero\n{text}"),
        "extends",
        True,
    ),
    ("scenario-not-yaml", rewritten(SCENARIO, lambda text: "name: [\n"), "invalid YAML", False),
    (
        "scenario-shorter-horizon",
        scenario_line("horizon: 52", "horizon: 25"),
        "runs.csv: end_round holds 28; expected 0 to the horizon 25 (row 0)",
        False,
    ),
    (
        "scenario-more-replicates",
        scenario_line("replicates: 20", "replicates: 21"),
        "manifest.json: 'replicates' holds 20; expected 21, as in scenario.yaml",
        False,
    ),
    # the manifest
    (
        "manifest-nested-100000-deep",
        manifest_text(nested(100_000)),
        "manifest.json: lists and mappings nested 100,000 deep; expected at most 64",
        True,
    ),
    (
        "manifest-overrides-nested-100-deep",
        manifest_changed(set_field("overrides", {"x": json.loads(nested(100))})),
        "nested 102 deep; expected at most 64",
        False,
    ),
    (
        "manifest-a-list",
        manifest_text("[1, 2]"),
        "manifest.json: holds [1, 2]; expected a mapping of the fields a run writes",
        False,
    ),
    ("manifest-a-number", manifest_text("7"), "holds 7; expected a mapping", False),
    ("manifest-not-json", manifest_text("{"), "manifest.json: unreadable JSON", False),
    ("manifest-empty", manifest_text(""), "manifest.json: unreadable JSON", False),
    (
        "manifest-incomplete",
        manifest_changed(set_field("complete", "yes")),
        "the run did not finish",
        False,
    ),
    (
        "manifest-format-true",
        manifest_changed(set_field("format", True)),
        "manifest.json: 'format' holds true; expected a whole number",
        False,
    ),
    (
        "manifest-seed-text",
        manifest_changed(set_field("seed", "7")),
        "manifest.json: 'seed' holds \"7\"; expected a whole number",
        True,
    ),
    (
        "manifest-replicates-float",
        manifest_changed(set_field("replicates", 20.0)),
        "'replicates' holds 20.0; expected a whole number",
        False,
    ),
    (
        "manifest-command-of-numbers",
        manifest_changed(set_field("command", [1, 2])),
        "'command' holds [1, 2]; expected a list of text or null",
        False,
    ),
    (
        "manifest-packages-of-numbers",
        manifest_changed(set_field("packages", {"numpy": 2})),
        "'packages' holds {\"numpy\": 2}; expected a mapping of text",
        False,
    ),
    (
        "manifest-files-a-list",
        manifest_changed(set_field("files", [])),
        "'files' holds []; expected a mapping",
        False,
    ),
    ("manifest-no-files", manifest_changed(drop_field("files")), "no field 'files'", False),
    (
        "manifest-runs-unlisted",
        manifest_changed(lambda r: r["files"].pop(RUNS)),
        "manifest.json: does not list runs.csv with its 'bytes' and 'sha256'",
        False,
    ),
    (
        "manifest-runs-size-text",
        manifest_changed(lambda r: r["files"][RUNS].update(bytes="1")),
        "does not list runs.csv",
        False,
    ),
    (
        "manifest-seed-not-the-scenarios",
        manifest_changed(set_field("seed", 1)),
        "manifest.json: 'seed' holds 1; expected 20071219, as in scenario.yaml",
        False,
    ),
    (
        "manifest-over-the-limit",
        manifest_text("{" + " " * (1 << 20) + "}"),
        "manifest.json: larger than the limit of 1 MiB",
        False,
    ),
    (
        "manifest-not-utf8",
        manifest_text(b'{"complete": "\xff"}'),
        "manifest.json: not UTF-8 text (byte 0xff on line 1)",
        True,
    ),
    (
        "manifest-escape-in-a-field",
        manifest_changed(set_field("format", "\x1b[2J")),
        'results format "\\u001b[2J"',
        False,
    ),
    # unchanged tables: their hashes
    (
        "runs-changed-not-rehashed",
        lambda f: (f / RUNS).write_text("replicate\n"),
        "runs.csv: changed since the run",
        False,
    ),
    ("runs-missing", lambda f: (f / RUNS).unlink(), "runs.csv: No such file or directory", False),
    (
        "runs-dangling-link",
        linked(RUNS, "/nonexistent/runs.csv"),
        "runs.csv: No such file or directory",
        False,
    ),
    (
        "runs-not-utf8",
        rewritten(RUNS, lambda text: text.replace(",unilateral,", ",unilat\udcffral,", 1)),
        "runs.csv: not UTF-8 text (byte 0xff on line 2)",
        True,
    ),
    (
        "runs-terminal-escape",
        cell(RUNS, "outcome", "\x1b]0;pwned\x07\x1b[31mred"),
        "outcome holds '\\x1b]0;pwned\\x07\\x1b[31mred'",
        True,
    ),
    ("runs-long-text", cell(RUNS, "outcome", "m" * 5000), "(5,000 characters)", False),
    # files that are not regular files
    (
        "manifest-dev-zero",
        linked(MANIFEST, "/dev/zero"),
        "manifest.json: not a regular file but a device",
        True,
    ),
    (
        "manifest-dev-urandom",
        linked(MANIFEST, "/dev/urandom"),
        "manifest.json: not a regular file but a device",
        False,
    ),
    ("manifest-fifo", fifo(MANIFEST), "manifest.json: not a regular file but a pipe (FIFO)", False),
    (
        "manifest-fifo-linked",
        fifo_linked(MANIFEST),
        "manifest.json: not a regular file but a pipe (FIFO)",
        False,
    ),
    (
        "manifest-folder",
        directory(MANIFEST),
        "manifest.json: not a regular file but a folder",
        False,
    ),
    ("runs-dev-zero", linked(RUNS, "/dev/zero"), "runs.csv: not a regular file but a device", True),
    (
        "runs-dev-urandom",
        linked(RUNS, "/dev/urandom"),
        "runs.csv: not a regular file but a device",
        True,
    ),
    ("runs-fifo", fifo(RUNS), "runs.csv: not a regular file but a pipe (FIFO)", True),
    (
        "runs-fifo-linked",
        fifo_linked(RUNS),
        "runs.csv: not a regular file but a pipe (FIFO)",
        False,
    ),
    ("runs-folder", directory(RUNS), "runs.csv: not a regular file but a folder", True),
    ("trajectories-fifo", fifo(TRAJECTORIES), "trajectories.csv: not a regular file", False),
    ("summary-dev-zero", linked(SUMMARY, "/dev/zero"), "summary.csv: not a regular file", False),
    ("scenario-fifo", fifo(SCENARIO), "scenario.yaml: not a regular file but a pipe", False),
    (
        "scenario-dev-zero",
        linked(SCENARIO, "/dev/zero"),
        "scenario.yaml: not a regular file",
        False,
    ),
]


@pytest.mark.parametrize(("edit", "message"), [pytest.param(e, m, id=i) for i, e, m, _ in CASES])
def test_a_hostile_folder_is_refused_in_a_message_that_names_it(folder, edit, message):
    edit(folder)
    with pytest.raises(ResultsError) as refused:
        read_results(folder)
    text = str(refused.value)
    assert message in text
    assert all(c.isprintable() for c in text.replace("\n", ""))  # no control character raw


@pytest.mark.parametrize(
    ("edit", "message"), [pytest.param(e, m, id=i) for i, e, m, cli in CASES if cli]
)
def test_plot_exits_1_with_the_message_and_no_traceback(folder, edit, message):
    edit(folder)
    done = command("plot", folder)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("error: ") and message in done.stderr
    assert "Traceback" not in done.stderr and "\x1b" not in done.stderr
    assert done.stdout == ""


DISCOVERED = ("end-round-1e15", "votes-1e15", "runs-fifo", "manifest-nested-100000-deep")
"""The cases also tried with `run.py discover`."""


@pytest.mark.parametrize(
    ("edit", "message"), [pytest.param(e, m, id=i) for i, e, m, _ in CASES if i in DISCOVERED]
)
def test_discover_exits_1_with_the_message_and_no_traceback(folder, edit, message):
    edit(folder)
    done = command("discover", folder)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("error: ") and message in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def command(*words: object) -> subprocess.CompletedProcess:
    """`python run.py WORDS...`, its output captured; a hang fails the test after 2 minutes."""
    return subprocess.run(
        [sys.executable, str(ROOT / "run.py"), *map(str, words)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def test_the_pristine_folder_reads_and_plots(pristine, tmp_path):
    folder = Path(shutil.copytree(pristine, tmp_path / "copy"))
    assert read_results(folder).records.replicates == REPLICATES
    done = command("plot", folder)
    assert done.returncode == 0, done.stderr


def test_brackets_inside_strings_of_the_manifest_are_not_nesting(folder):
    manifest_changed(set_field("source", nested(1000)))(folder)
    assert read_results(folder).manifest["source"] == nested(1000)


def test_a_data_file_linked_from_outside_the_folder_is_read_within_the_same_limits(folder):
    # git-annex and DataLad keep files as links into a store outside the folder.
    store = folder.parent / "store"
    store.mkdir()
    shutil.move(folder / RUNS, store / RUNS)
    (folder / RUNS).symlink_to(store / RUNS)
    assert read_results(folder).records.replicates == REPLICATES


def test_a_table_over_the_size_limit_is_refused_before_it_is_read(folder, monkeypatch):
    size = (folder / RUNS).stat().st_size
    monkeypatch.setitem(results.FILE_LIMITS, RUNS, size - 1)
    with pytest.raises(ResultsError, match=r"runs\.csv: larger than the limit of"):
        read_results(folder)


def test_read_csv_refuses_a_table_over_its_limit_or_not_a_file(folder, monkeypatch):
    monkeypatch.setattr(results, "TABLE_BYTES", 100)
    with pytest.raises(ResultsError, match=r"summary\.csv: larger than the limit of 100 bytes"):
        read_csv(folder / SUMMARY)
    os.mkfifo(folder / "pipe.csv")
    with pytest.raises(ResultsError, match=r"pipe\.csv: not a regular file but a pipe"):
        read_csv(folder / "pipe.csv")


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda path: None, "no such results folder"),
        (lambda path: path.write_text("a file"), "no such results folder"),
        (lambda path: path.mkdir(), "no manifest.json; not a results folder"),
    ],
    ids=["missing", "a-file", "empty"],
)
def test_what_is_not_a_folder_is_refused(tmp_path, setup, message):
    path = tmp_path / "folder\x1b[31m"
    setup(path)
    with pytest.raises(ResultsError, match=message) as refused:
        read_results(path)
    assert "\x1b" not in str(refused.value) and "\\x1b[31m" in str(refused.value)


# --- sweep folders ------------------------------------------------------------------------

GRID = f"""\
name: hostile_grid
scenario: {ROOT / "scenarios" / "kosovo_2007.yaml"}
design: grid
replicates: 10
seed: 4
parameters:
  council.strategy: [table_anyway, amend_to_avoid_veto]
"""

PART = "runs/part-00000.parquet"
ERRORS = "runs/part-00000.errors.json"


@pytest.fixture(scope="module")
def pristine_sweep(tmp_path_factory) -> Path:
    """One complete sweep folder (two points of 10 runs, a part each), written once."""
    base = tmp_path_factory.mktemp("sweep")
    (base / "grid.yaml").write_text(GRID)
    loaded = load_sweep(base / "grid.yaml")
    folder = start_sweep(loaded, base / "out", settings=SweepSettings(chunk_runs=10))
    run_sweep(folder)
    return folder.path


@pytest.fixture
def sweep(pristine_sweep, tmp_path) -> Path:
    return Path(shutil.copytree(pristine_sweep, tmp_path / "doctored"))


def sweep_manifest(change: Callable[[dict], object]) -> Edit:
    def edit(folder: Path) -> None:
        record = json.loads((folder / "manifest.json").read_text())
        change(record)
        (folder / "manifest.json").write_text(json.dumps(record))

    return edit


def parquet_changed(name: str, change: Callable[[pd.DataFrame], pd.DataFrame]) -> Edit:
    def edit(folder: Path) -> None:
        frame = change(pq.read_table(folder / name).to_pandas())
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), folder / name)

    return edit


def assigned(column: str, value: object, row: int = 0) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.astype({column: object}) if isinstance(value, str) else frame
        frame.loc[row, column] = value
        return frame

    return change


def written(name: str, text: str) -> Edit:
    return lambda folder: (folder / name).write_text(text)


def fifo_made(name: str) -> Edit:
    """A FIFO where there was no file."""
    return lambda folder: os.mkfifo(folder / name)


# (id, edit, fragment of the message, what refuses it: "resume" (`run.py sweep --resume`) or
# "analyse" (`run.py analyse`), whether the command line is tried too)
SWEEP_CASES = [
    (
        "manifest-fifo",
        fifo("manifest.json"),
        "manifest.json: not a regular file but a pipe",
        "resume",
        True,
    ),
    (
        "manifest-dev-zero",
        linked("manifest.json", "/dev/zero"),
        "manifest.json: not a regular file but a device",
        "analyse",
        True,
    ),
    (
        "lock-fifo",
        fifo(".lock"),
        ".lock: cannot be opened (No such device or address)",
        "resume",
        True,
    ),
    (
        "lock-linked",
        linked(".lock", "/dev/zero"),
        ".lock: cannot be opened (Too many levels of symbolic links)",
        "resume",
        False,
    ),
    (
        "manifest-nested-100000-deep",
        written("manifest.json", nested(100_000)),
        "nested 100,000 deep; expected at most 64",
        "resume",
        True,
    ),
    (
        "manifest-points-text",
        sweep_manifest(set_field("points", "2")),
        "'points' holds \"2\"; expected a whole number",
        "resume",
        False,
    ),
    (
        "manifest-status-unknown",
        sweep_manifest(set_field("status", "paused")),
        "'status' holds \"paused\"",
        "analyse",
        False,
    ),
    (
        "settings-chunk-runs-0",
        sweep_manifest(lambda r: r["settings"].update(chunk_runs=0)),
        "no valid sweep settings ('chunk_runs' holds 0; expected a whole number of at least 1)",
        "resume",
        True,
    ),
    (
        "settings-width-text",
        sweep_manifest(lambda r: r["settings"].update(until_ci_width="narrow")),
        "'until_ci_width' holds \"narrow\"",
        "resume",
        False,
    ),
    (
        "settings-unknown",
        sweep_manifest(lambda r: r["settings"].update(workers=2)),
        "'workers' holds 2; expected no such setting",
        "resume",
        False,
    ),
    (
        "design-dev-urandom",
        linked("design.parquet", "/dev/urandom"),
        "design.parquet: not a regular file but a device",
        "resume",
        True,
    ),
    (
        "design-junk",
        written("design.parquet", "junk"),
        "design.parquet: cannot be read as the design of a sweep",
        "resume",
        False,
    ),
    (
        "design-point-ids-shuffled",
        parquet_changed("design.parquet", assigned("point_id", 1)),
        "point_id is not 0, 1, 2, ... in order",
        "resume",
        False,
    ),
    (
        "design-seed-negative",
        parquet_changed("design.parquet", assigned("seed", -1)),
        "seed holds -1; expected a whole number from 0 to inf (row 0)",
        "resume",
        False,
    ),
    ("part-fifo", fifo(PART), "part-00000.parquet: not a regular file but a pipe", "resume", True),
    (
        "part-folder",
        directory(PART),
        "part-00000.parquet: not a regular file but a folder",
        "resume",
        False,
    ),
    (
        "part-junk",
        written(PART, "junk"),
        "cannot be read as a part of the runs table",
        "resume",
        False,
    ),
    (
        "part-end-round-1e15",
        parquet_changed(PART, assigned("end_round", 10**15)),
        "end_round holds 1000000000000000; expected a whole number from 0 to 52 (row 0)",
        "resume",
        True,
    ),
    (
        "part-outcome-martians",
        parquet_changed(PART, assigned("outcome", "martians")),
        "outcome holds 'martians'; expected one of 'agreement'",
        "resume",
        False,
    ),
    (
        "part-replicate-1e15",
        parquet_changed(PART, assigned("replicate", 10**15)),
        "replicate holds 1000000000000000; expected a whole number from 0 to 9",
        "resume",
        False,
    ),
    (
        "part-replicate-repeated",
        parquet_changed(PART, assigned("replicate", 1)),
        "the replicates of point 0 are not one range, each once",
        "resume",
        False,
    ),
    (
        "part-point-unplanned",
        parquet_changed(PART, assigned("point_id", 7)),
        "point_id holds 7; expected a whole number from 0 to 1",
        "resume",
        False,
    ),
    (
        "part-badly-named",
        lambda f: shutil.copy(f / PART, f / "runs" / "part-x.parquet"),
        "part-x.parquet: not a part the sweep wrote",
        "resume",
        False,
    ),
    (
        "errors-nested-deep",
        written(ERRORS, nested(1000)),
        "nested 1,000 deep; expected at most 64: not a list of failed pieces",
        "resume",
        True,
    ),
    ("errors-fifo", fifo_made(ERRORS), "not a regular file but a pipe", "resume", False),
    (
        "errors-wrong-fields",
        written(ERRORS, '[{"point_id": "0", "first": 0}]'),
        'not a list of failed pieces (found [{"point_id": "0"',
        "resume",
        False,
    ),
    (
        "points-dev-zero",
        linked("points.parquet", "/dev/zero"),
        "points.parquet: not a regular file but a device",
        "analyse",
        True,
    ),
    (
        "points-share-5",
        parquet_changed("points.parquet", assigned("unilateral", 5.0)),
        "unilateral holds 5.0; expected a number from 0 to 1, or empty (row 0)",
        "analyse",
        True,
    ),
    (
        "points-status-unknown",
        parquet_changed("points.parquet", assigned("status", "lost")),
        "status holds 'lost'; expected one of 'done', 'failed'",
        "analyse",
        False,
    ),
    (
        "points-a-row-more",
        parquet_changed("points.parquet", lambda f: pd.concat([f, f[:1]])),
        "3 rows; expected 2, one per point",
        "analyse",
        False,
    ),
]


@pytest.mark.parametrize(
    ("edit", "message", "by"), [pytest.param(e, m, b, id=i) for i, e, m, b, _ in SWEEP_CASES]
)
def test_a_hostile_sweep_folder_is_refused_in_a_message_that_names_it(sweep, edit, message, by):
    edit(sweep)
    with pytest.raises(ResultsError) as refused:
        run_sweep(sweep) if by == "resume" else analyse_sweep(sweep)
    text = str(refused.value)
    assert message in text
    assert all(c.isprintable() for c in text.replace("\n", ""))


@pytest.mark.parametrize(
    ("edit", "message", "by"),
    [pytest.param(e, m, b, id=i) for i, e, m, b, cli in SWEEP_CASES if cli],
)
def test_resume_and_analyse_exit_1_with_the_message_and_no_traceback(sweep, edit, message, by):
    edit(sweep)
    words = ["sweep", "--resume", sweep] if by == "resume" else ["analyse", sweep]
    done = command(*words)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("error: ") and message in done.stderr
    assert "Traceback" not in done.stderr


def test_the_pristine_sweep_resumes_and_analyses(sweep):
    assert run_sweep(sweep).ran == 0
    assert len(analyse_sweep(sweep).points) == 2


def test_a_part_that_would_unpack_beyond_the_limit_is_refused_before_it_is(sweep, monkeypatch):
    monkeypatch.setattr(sweep_module, "UNPACKED_BYTES", 100)
    with pytest.raises(
        ResultsError,
        match=r"rows whose columns take [0-9,]+ bytes unpacked; expected at most 100\)",
    ):
        run_sweep(sweep)


def test_long_texts_that_would_unpack_beyond_the_limit_are_refused(sweep, monkeypatch):
    parquet_changed(PART, lambda frame: frame.assign(outcome="x" * 10_000))(sweep)
    monkeypatch.setattr(sweep_module, "UNPACKED_BYTES", 50_000)
    with pytest.raises(ResultsError, match="texts of 100,000 bytes unpacked; expected at most"):
        run_sweep(sweep)
