"""The README's Python examples run, and print what the README shows.

Each ```python block followed by a plain ``` block (its output) is run in a new working
directory that sees the project's scenarios; the printed lines must match, but for the UTC time
in a results folder's name.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = re.compile(r"```python\n(?P<code>.*?)```\n\n```\n(?P<output>.*?)```", re.S)
TIME = re.compile(r"\d{8}T\d{6}Z")
EXAMPLES = [m.groupdict() for m in EXAMPLE.finditer((ROOT / "README.md").read_text())]


def test_the_readme_has_examples_with_output():
    assert len(EXAMPLES) >= 2


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"example{n}" for n in range(len(EXAMPLES))])
def test_example_prints_what_the_readme_shows(example, tmp_path, monkeypatch):
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    monkeypatch.chdir(tmp_path)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(example["code"], "README.md", "exec"), {})
    assert TIME.sub("<time>", printed.getvalue()) == TIME.sub("<time>", example["output"])
