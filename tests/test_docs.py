"""The documentation stays true: generated pages, examples, citations and links.

- docs/reference/cli.md and docs/reference/scenario.md are what their generators write
  (`python -m sim.cli_reference`, `python -m sim.schema_reference`): regenerate them after
  changing the command line or the scenario schema.
- The Python examples of the reference and of the how-to guides written with it run, and
  print what the page shows (each ```python block followed by a plain ``` block).
- Every author-year citation in the docstrings of sim/*.py is in docs/reference/bibliography.md.
- Every relative link in docs/ and in the READMEs leads to a file that exists, and to a heading
  that exists in it.
"""

from __future__ import annotations

import ast
import contextlib
import io
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from sim import cli_reference, schema_reference

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

# --- generated pages --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "generator"),
    [("reference/cli.md", cli_reference), ("reference/scenario.md", schema_reference)],
    ids=["cli", "scenario"],
)
def test_generated_page_is_up_to_date(page, generator):
    written = (DOCS / page).read_text(encoding="utf-8")
    assert written == generator.reference(), (
        f"docs/{page} is out of date: regenerate it with `{generator.COMMAND}`"
    )


def test_the_cli_reference_covers_every_command():
    page = (DOCS / "reference/cli.md").read_text(encoding="utf-8")
    for name, _, parser in cli_reference._commands(cli_reference.parser()):
        assert f"## {name}\n" in page
        for action in parser._actions:
            for option in action.option_strings:
                assert f"`{option}`" in page or option in ("-h", "--help")


def test_the_scenario_reference_covers_every_field():
    page = (DOCS / "reference/scenario.md").read_text(encoding="utf-8")
    for section in schema_reference.sections(schema_reference.Scenario.model_json_schema()):
        for key in section.schema.get("properties", {}):
            single = section.paths[0] if len(section.paths) == 1 else ""
            path = ".".join(p for p in (single, key) if p)
            assert f"| `{path}` |" in page


# --- examples ---------------------------------------------------------------------------------

EXAMPLE_PAGES = ["reference/api.md", "howto/read-results.md", "howto/set-seeds.md"]
BLOCK = re.compile(r"```python\n(?P<code>.*?)```(?:\n\n```\n(?P<output>.*?)```)?", re.S)
TIME = re.compile(r"\d{8}T\d{6}Z")


def _examples():
    for page in EXAMPLE_PAGES:
        blocks = list(BLOCK.finditer((DOCS / page).read_text(encoding="utf-8")))
        for number, block in enumerate(blocks):
            yield pytest.param(page, block["code"], block["output"], id=f"{page}:{number}")


@pytest.mark.parametrize(("page", "code", "output"), list(_examples()))
def test_example_runs_and_prints_what_the_page_shows(page, code, output, tmp_path, monkeypatch):
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    monkeypatch.chdir(tmp_path)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, f"docs/{page}", "exec"), {"__name__": "__docs__"})
    if output is not None:
        assert TIME.sub("<time>", printed.getvalue()) == TIME.sub("<time>", output)


def test_every_example_page_has_examples():
    for page in EXAMPLE_PAGES:
        assert BLOCK.search((DOCS / page).read_text(encoding="utf-8")), page


# --- citations --------------------------------------------------------------------------------

MONTHS = (
    "January February March April May June July August September October November December"
).split()
NOT_AUTHORS = {*MONTHS, *(m[:3] for m in MONTHS), "In", "The", "Resolution", "Reports", "Opinion"}
YEAR = re.compile(r"(?<![\w/:.=-])(1[5-9]\d\d|20\d\d)(?![\w-])")
TOKEN = re.compile(r"[A-Za-z][\w'\-]*\.?|\d+|\S")
INITIAL = re.compile(r"^[A-Z]\.$")
SURNAME = re.compile(r"^[A-Z][\w'\-]*$")


def citations(text: str) -> list[tuple[str, str]]:
    """The (surname, year) of each author-year citation in `text`.

    "Zartman 1989", "Nash (1950)", "Saltelli et al. 2010", "Fisher & Ury 1981", "Zartman 1989,
    2000" (two), and references written out ("Devroye, L. (1986)"); a year after a month, a
    resolution's number, a word in lower case, an acronym ("EEC/TEC, 1958") or a treaty's
    place ("Treaty of Rome, 1957") is not a citation.
    """
    text = " ".join(text.split())
    found: list[tuple[str, str]] = []
    cited_at: dict[int, str] = {}  # end of a cited year -> its surname
    for match in YEAR.finditer(text):
        before = text[: match.start()]
        tokens = TOKEN.findall(before[-200:])
        i = len(tokens) - 1

        def at(j: int, tokens: list[str] = tokens) -> str:
            return tokens[j] if j >= 0 else ""

        while at(i) in ("(", ","):
            i -= 1
        if re.fullmatch(r"\d{4}", at(i)):  # "Zartman 1989, 2000": the same author's
            surname = cited_at.get(len(before.rstrip(" ,(")))
            if surname:
                found.append((surname, match[1]))
                cited_at[match.end()] = surname
            continue
        for _ in range(2):  # "et al.", then the initials of a reference written out
            if at(i) == "al." and at(i - 1) == "et":
                i -= 2
            while INITIAL.match(at(i)) or at(i) == ",":
                i -= 1
        name = at(i)
        acronym = name.isupper() and len(name) > 1
        treaty = at(i - 1) == "of" and at(i - 2) in ("Treaty", "Act")
        if acronym or treaty:
            continue
        if SURNAME.match(name) and not set(name.split("-")) & NOT_AUTHORS:
            found.append((name, match[1]))
            cited_at[match.end()] = name
    return found


def _docstrings():
    for path in sorted((ROOT / "sim").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                docstring = ast.get_docstring(node)
                if docstring:
                    yield path.name, docstring


def test_citations_are_found():
    assert citations("(Zartman 1989, 2000; Fisher & Ury 1981)") == [
        ("Zartman", "1989"),
        ("Zartman", "2000"),
        ("Ury", "1981"),
    ]
    assert citations("Source: Nash (1950); Saltelli et al. 2010; Ker-Lindsay 2009") == [
        ("Nash", "1950"),
        ("Saltelli", "2010"),
        ("Ker-Lindsay", "2009"),
    ]
    assert citations("Devroye, L. (1986). Non-Uniform -- Saltelli, A. et al. (2010). Var") == [
        ("Devroye", "1986"),
        ("Saltelli", "2010"),
    ]
    text = "the draft of July 2007, in 2008, Resolution 1973, 2011, January-February 2008"
    assert citations(text) == []
    assert citations("Art. 148(2) EEC/TEC, 1958, 1986 (Treaty of Rome, 1957), 17 Feb 2008") == []
    assert citations("the zone of possible agreement of Raiffa (1982, ch. 4)") == [
        ("Raiffa", "1982")
    ]


def test_every_citation_in_the_code_is_in_the_bibliography():
    page = (DOCS / "reference/bibliography.md").read_text(encoding="utf-8")
    entries = [e for e in re.split(r"\n(?=- \*\*)", page) if e.startswith("- **")]
    assert len(entries) > 80
    missing = set()
    for module, docstring in _docstrings():
        for surname, year in citations(docstring):
            if not any(surname in e and re.search(rf"\b{year}\b", e) for e in entries):
                missing.add(f"{surname} {year} (sim/{module})")
    assert not missing, "cited in sim/ but not in docs/reference/bibliography.md: " + ", ".join(
        sorted(missing)
    )


# --- links ------------------------------------------------------------------------------------

LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
CODE = re.compile(r"`[^`\n]*`")


def _pages() -> list[Path]:
    pages = sorted(DOCS.rglob("*.md"))
    return [*pages, ROOT / "README.md", ROOT / "results" / "README.md"]


def anchors(path: Path) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown file (repeats get -1, -2, ...)."""
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    seen: dict[str, int] = {}
    found = set()
    for line in text.splitlines():
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading:
            base = schema_reference.slug(heading[1])
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def _links():
    for page in _pages():
        text = CODE.sub("", FENCE.sub("", page.read_text(encoding="utf-8")))
        for target in LINK.findall(text):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
                continue
            yield page, target


def test_the_link_checker_finds_links():
    assert len(list(_links())) > 50


@pytest.mark.parametrize(
    ("page", "target"),
    list(_links()),
    ids=[f"{p.relative_to(ROOT)}->{t}" for p, t in _links()],
)
def test_relative_link_resolves(page, target):
    file, _, anchor = target.partition("#")
    destination = (page.parent / unquote(file)).resolve() if file else page
    assert destination.exists(), f"{page.relative_to(ROOT)}: {target} leads nowhere"
    if anchor and destination.suffix == ".md":
        assert anchor in anchors(destination), (
            f"{page.relative_to(ROOT)}: {target}: no such heading in {destination.name}"
        )
