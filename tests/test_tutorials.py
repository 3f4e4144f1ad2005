"""The tutorials of docs/tutorials/ stay true: their commands print what the pages show.

- Every ```console (or ```bash) block whose first line is `$ python run.py ...` is run: each
  `$` command in it (with `\\` continuations) is run by the command line's own entry point,
  `sim.cli.main`, in a new working directory that sees the project's scenarios (so its results
  folder is written there, never into the repository), and what it prints must be the lines
  that follow the command, up to the next `$` or the end of the block (or, for a block holding
  only the command, the plain ``` block after it). The UTC time in the results folder's name
  is the one thing allowed to differ.
- Every ```python block followed by a plain ``` block (its output) is run the same way and
  must print that output (as tests/test_readme.py checks the README's examples).
- Every other `python run.py` command a page suggests (the experiments of its questions, in
  a block without `$` or in running text) must parse, and its scenario with its `--set`
  values must validate; it is not run.
- Every scenario in scenarios/teaching/ loads, runs to an outcome in every replicate, draws its
  figures, is commented and about a page long, and is run by some tutorial.
- The index (docs/tutorials/README.md) lists every tutorial; every tutorial asks 3 to 5
  questions.

The commands of the pages run without drawing their figures (a no-op `render_figures`): the
figures are not what the pages show, and drawing them would take most of the time. Each
teaching scenario draws its figures once, in its own test.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

import sim.plots
from sim.cli import build_parser
from sim.cli import main as command_line
from sim.pipeline import prepare_scenario, simulate, write_results
from sim.records import Outcome

ROOT = Path(__file__).resolve().parents[1]
TUTORIALS = ROOT / "docs" / "tutorials"
TEACHING = ROOT / "scenarios" / "teaching"
PAGES = sorted(p for p in TUTORIALS.glob("*.md") if p.name != "README.md")
SCENARIOS = sorted(TEACHING.glob("*.yaml"))

FENCE = re.compile(r"^```(?P<lang>[a-z]*)\n(?P<body>.*?)^```[ \t]*$", re.S | re.M)
FOLDER_TIME = re.compile(r"^(results: \S+?)-\d{8}T\d{6}Z(-\d+)?$", re.M)
INLINE = re.compile(r"`(python\s+run\.py\s[^`]+)`")


@dataclass(frozen=True)
class Block:
    """A fenced block of a page: its language, text, first line and where it ends."""

    page: Path
    lang: str
    body: str
    line: int
    start: int
    end: int


@dataclass(frozen=True)
class Example:
    """Something a page runs and the output it shows."""

    page: Path
    line: int
    kind: str  # "command" or "python"
    code: str  # the command line (without `$ `), or the Python source
    output: str

    @property
    def id(self) -> str:
        return f"{self.page.name}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of `page`, in order."""
    text = page.read_text(encoding="utf-8")
    return [
        Block(
            page,
            m["lang"],
            m["body"],
            text.count("\n", 0, m.start()) + 1,
            m.start(),
            m.end(),
        )
        for m in FENCE.finditer(text)
    ]


def _commands(block: Block) -> list[tuple[str, list[str]]]:
    """The `$` commands of a console block, each with the lines printed after it."""
    found: list[tuple[str, list[str]]] = []
    lines = block.body.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("$ "):
            command = line[2:]
            while command.endswith("\\"):
                i += 1
                command = command[:-1] + " " + lines[i].strip()
            found.append((command, []))
        elif found:
            found[-1][1].append(line)
        i += 1
    return found


def examples(page: Path) -> list[Example]:
    """What `page` runs, with the output it shows."""
    text = page.read_text(encoding="utf-8")
    found = []
    page_blocks = blocks(page)
    for n, block in enumerate(page_blocks):
        after = page_blocks[n + 1] if n + 1 < len(page_blocks) else None
        follows = (
            after is not None and after.lang == "" and not text[block.end : after.start].strip()
        )
        if block.lang in ("console", "bash") and block.body.startswith("$ python run.py"):
            commands = _commands(block)
            for command, printed in commands:
                output = "\n".join(printed) + "\n" if printed else ""
                if not printed and len(commands) == 1 and follows:
                    output = after.body
                found.append(Example(page, block.line, "command", command, output))
        elif block.lang == "python" and follows:
            found.append(Example(page, block.line, "python", block.body, after.body))
    return found


def suggested(page: Path) -> list[str]:
    """Every `python run.py` command the page suggests but does not run and show."""
    text = page.read_text(encoding="utf-8")
    commands = []
    for block in blocks(page):
        if block.lang in ("console", "bash", "sh", "") and not block.body.startswith("$ "):
            body = block.body.replace("\\\n", " ")
            commands += [
                line.strip() for line in body.splitlines() if line.startswith("python run.py")
            ]
    commands += [" ".join(m[1].split()) for m in INLINE.finditer(FENCE.sub("", text))]
    return commands


EXAMPLES = [example for page in PAGES for example in examples(page)]
SUGGESTED = [(page, command) for page in PAGES for command in suggested(page)]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A new working directory that sees the project's scenarios."""
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def normalised(text: str) -> str:
    """`text` with the UTC time of a results folder's name (and any -2 suffix) left out."""
    return FOLDER_TIME.sub(r"\1-<time>", text)


# --- the pages --------------------------------------------------------------------------------


def test_there_are_tutorials_with_examples():
    assert len(PAGES) >= 6
    for page in PAGES:
        kinds = {e.kind for e in examples(page)}
        assert "command" in kinds, f"{page.name} runs no `$ python run.py` command"


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_example_prints_what_the_page_shows(example, workdir, monkeypatch):
    monkeypatch.setattr(sim.plots, "render_figures", lambda *args, **kwargs: {})
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        if example.kind == "command":
            words = shlex.split(example.code)
            assert words[:2] == ["python", "run.py"], example.code
            assert command_line(words[2:]) == 0, example.code
        else:
            exec(compile(example.code, str(example.page), "exec"), {"__name__": "__tutorial__"})
    assert normalised(printed.getvalue()) == normalised(example.output)


@pytest.mark.parametrize(
    ("page", "command"),
    SUGGESTED,
    ids=[f"{p.name}:{n}" for n, (p, _) in enumerate(SUGGESTED)],
)
def test_a_suggested_experiment_is_a_valid_command(page, command, workdir):
    words = shlex.split(command)
    assert words[:2] == ["python", "run.py"], command
    arguments = words[2:]
    if arguments[0] != "run":
        arguments = ["run", *arguments]
    args = build_parser().parse_args(arguments)
    prepare_scenario(
        args.scenario,
        overrides=dict(args.overrides),
        replicates=args.replicates,
        seed=args.seed,
    )


def test_the_pages_suggest_experiments():
    for page in PAGES:
        assert any(p == page for p, _ in SUGGESTED), f"{page.name} suggests no experiment"


def test_every_tutorial_asks_three_to_five_questions():
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        questions = text.split("\n## Questions\n", 1)
        assert len(questions) == 2, f"{page.name} has no '## Questions' section"
        asked = re.findall(r"^\d+\. ", questions[1].split("\n## ", 1)[0], re.M)
        assert 3 <= len(asked) <= 5, f"{page.name} asks {len(asked)} questions"


def test_the_index_lists_every_tutorial_in_order():
    index = (TUTORIALS / "README.md").read_text(encoding="utf-8")
    linked = re.findall(r"\]\(([\w-]+\.md)\)", index)  # pages in the same folder
    tutorials = [name for name in linked if name != "README.md"]
    assert sorted(set(tutorials)) == [p.name for p in PAGES]
    assert tutorials[: len(PAGES)] == [p.name for p in PAGES]  # in the order to take them


# --- the teaching scenarios -------------------------------------------------------------------


def test_there_are_teaching_scenarios():
    assert len(SCENARIOS) >= 5


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_teaching_scenario_loads_runs_and_draws(path, workdir):
    run = simulate(path, replicates=20)
    assert run.scenario.name == path.stem
    assert (run.records.outcome != Outcome.ONGOING).all()
    folder = write_results(run, workdir / "results" / path.stem)
    figures = {p.stem for p in folder.glob("*.png")}
    assert {"outcomes", "trajectories", "time_to_outcome"} <= figures


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_teaching_scenario_is_a_commented_page_used_by_a_tutorial(path):
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert len(lines) <= 120, f"{path.name}: {len(lines)} lines; a lesson's file is about a page"
    assert lines[0].startswith("# Lesson"), f"{path.name} does not say which lesson it serves"
    tutorial = re.search(r"docs/tutorials/[\w-]+\.md", text)
    assert tutorial and (ROOT / tutorial[0]).exists(), f"{path.name} names no tutorial"
    relative = path.relative_to(ROOT).as_posix()
    assert any(relative in e.code for e in EXAMPLES if e.kind == "command") or any(
        relative in c for _, c in SUGGESTED
    ), f"no tutorial runs {relative}"
