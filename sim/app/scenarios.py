"""The scenario files the demo may open: those in its three folders, and no others.

The folders are scenarios/, scenarios/examples and scenarios/teaching.
A teacher's browser chooses among these files by their path relative to the project; the
command line may name one by any path that resolves into one of the folders. A path that
resolves anywhere else (another folder, a link leading out, a sweep file in a subfolder) is
refused with a `DemoPathError` that says which folders are allowed.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The project folder (the one holding run.py and scenarios/)."""

FOLDERS = ("scenarios", "scenarios/examples", "scenarios/teaching")
"""The demo's scenario folders, relative to the project folder."""

DEFAULT = "scenarios/kosovo_2007.yaml"
"""The scenario the demo opens when none is named."""

SUFFIXES = (".yaml", ".yml")

SCENARIO_VARIABLE = "STALEMATE_DEMO_SCENARIO"
"""The environment variable through which `run.py demo` tells the page which file to open."""


class DemoPathError(ValueError):
    """A scenario path the demo refuses (outside its folders, or not a scenario file)."""


def folders() -> list[Path]:
    """The demo's scenario folders, resolved."""
    return [(ROOT / folder).resolve() for folder in FOLDERS]


def scenario_files() -> list[str]:
    """Every scenario file in the demo's folders, relative to the project, folder by folder."""
    files = []
    for folder in folders():
        if folder.is_dir():
            found = [p for p in folder.iterdir() if p.suffix in SUFFIXES and p.is_file()]
            files += [p.relative_to(ROOT).as_posix() for p in sorted(found)]
    return files


def resolve(path: str | Path, base: Path | None = None) -> Path:
    """The scenario file `path` names, if it lies directly in one of the demo's folders.

    A relative path is read from `base` (default: the project folder, as the page names its
    files; the command line passes its working folder).

    Raises:
        DemoPathError: if the path resolves outside the folders, or is not a YAML file there.
    """
    given = Path(path)
    candidate = given if given.is_absolute() else (base or ROOT) / given
    resolved = candidate.resolve()
    allowed = ", ".join(f"{folder}/" for folder in FOLDERS)
    if resolved.parent not in folders():
        raise DemoPathError(
            f"{path}: the demo opens only the scenario files in {allowed} of the project ({ROOT})"
        )
    if resolved.suffix not in SUFFIXES or not resolved.is_file():
        raise DemoPathError(f"{path}: no scenario file (.yaml) there")
    return resolved


def relative(path: Path) -> str:
    """A resolved scenario file's path relative to the project, as the page shows it."""
    return path.relative_to(ROOT).as_posix()
