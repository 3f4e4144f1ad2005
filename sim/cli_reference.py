"""The reference of the command line (docs/reference/cli.md), generated from its parsers.

`python -m sim.cli_reference > docs/reference/cli.md` writes it. The page is made by walking
the argument parser of `run.py` (`sim.cli.build_parser`): the program's own options, then each
command in the order the parser lists it, with its usage line, its description, every
argument and option (its value, choices, default and help text) and its examples. Nothing in
it is written by hand, so a command or option added to the parser appears in the page as soon
as it is regenerated, and tests/test_docs.py fails until it is.

The output does not depend on the terminal: usage lines are wrapped at a fixed width, and the
program is named `run.py` whatever the name it was started under.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePath

COMMAND = "python -m sim.cli_reference > docs/reference/cli.md"
PROGRAM = "run.py"
WIDTH = 96
"""Usage lines are wrapped at this many characters, whatever the terminal's width."""


@contextmanager
def _program_name(name: str) -> Iterator[None]:
    """Build parsers as if the program were started as `name` (argparse reads `sys.argv[0]`)."""
    saved = sys.argv
    sys.argv = [name, *saved[1:]]
    try:
        yield
    finally:
        sys.argv = saved


def parser() -> argparse.ArgumentParser:
    """The parser of `run.py`, named `run.py`."""
    from sim.cli import build_parser

    with _program_name(PROGRAM):
        return build_parser()


def _commands(
    parser: argparse.ArgumentParser,
) -> Iterator[tuple[str, str, argparse.ArgumentParser]]:
    """Each sub-command: its name, its one-line help and its parser, in the parser's order."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for name, sub in action.choices.items():
                yield name, helps.get(name, ""), sub


def usage(parser: argparse.ArgumentParser) -> str:
    """The usage line argparse prints, wrapped at `WIDTH` characters."""
    formatter = argparse.HelpFormatter(parser.prog, width=WIDTH)
    formatter.add_usage(parser.usage, parser._actions, parser._mutually_exclusive_groups)
    return formatter.format_help().strip()


def _help(action: argparse.Action, prog: str) -> str:
    """An action's help with its `%(...)s` fields filled in, as argparse fills them."""
    text = action.help or ""
    if "%" not in text:
        return text
    params = {k: v for k, v in vars(action).items() if v is not argparse.SUPPRESS}
    params["prog"] = prog
    if params.get("choices") is not None:
        params["choices"] = ", ".join(str(choice) for choice in params["choices"])
    return text % params


def cell(text: str) -> str:
    """Text made safe for a Markdown table cell: `|` escaped; `<`, `>`, `*` outside code."""
    parts = re.split(r"(`[^`]*`)", " ".join(text.split()))
    out = []
    for part in parts:
        if not part.startswith("`"):
            part = part.replace("<", "&lt;").replace(">", "&gt;").replace("*", r"\*")
        out.append(part.replace("|", r"\|"))
    return "".join(out)


def _value(action: argparse.Action) -> str:
    """What an option takes: a flag, its metavar, or its choices."""
    if action.nargs == 0:
        return "flag"
    if action.choices is not None and not isinstance(action, argparse._SubParsersAction):
        return " \\| ".join(f"`{choice}`" for choice in action.choices)
    many = {"+": "one or more", "*": "any number", "?": "optional"}.get(action.nargs, "")
    if not action.option_strings:  # a positional argument: its name says what it takes
        return many
    text = f"`{action.metavar or action.dest.upper()}`"
    if many:
        text += f", {many}"
    if isinstance(action, argparse._AppendAction):
        text += ", repeatable"
    return text


ROOT = Path(__file__).resolve().parents[1]
"""The repository's root: a default path inside it is shown relative to it."""


def _default(action: argparse.Action) -> str:
    if action.option_strings == [] and action.nargs not in ("?", "*"):
        return "required"
    if action.required:
        return "required"
    default = action.default
    if default is None or default is argparse.SUPPRESS or default is False or default == []:
        return ""
    if isinstance(default, PurePath) and default.is_absolute():
        try:  # the same page wherever the repository is checked out
            default = default.relative_to(ROOT).as_posix()
        except ValueError:
            pass
    return f"`{default}`"


def _arguments(parser: argparse.ArgumentParser) -> list[str]:
    """The table of a parser's arguments and options (`-h/--help` left out)."""
    rows = []
    exclusive = {
        id(action): group
        for group in parser._mutually_exclusive_groups
        for action in group._group_actions
    }
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
            continue
        names = ", ".join(f"`{name}`" for name in action.option_strings)
        if not names:
            names = f"`{action.metavar or action.dest}`"
        text = cell(_help(action, parser.prog))
        group = exclusive.get(id(action))
        if group is not None:
            others = [o.option_strings[-1] for o in group._group_actions if o is not action]
            text += " (not with " + " or ".join(f"`{o}`" for o in others) + ")"
        rows.append(f"| {names} | {_value(action)} | {_default(action)} | {text} |")
    if not rows:
        return []
    return ["| argument | value | default | what it does |", "|---|---|---|---|", *rows, ""]


def _text_block(text: str | None) -> list[str]:
    if not text:
        return []
    return ["```text", *text.rstrip().splitlines(), "```", ""]


def reference() -> str:
    """The whole page, docs/reference/cli.md."""
    top = parser()
    commands = list(_commands(top))
    lines = [
        f"<!-- Generated by `{COMMAND}` from the parsers of sim/cli.py:",
        "     do not edit by hand; regenerate after changing the command line. -->",
        "",
        "# Command line: reference",
        "",
        f"`python {PROGRAM}`, or `stalemate` (the same program, installed as a console "
        "script). Every command also takes `-h`/`--help`, which prints what this page shows "
        "for it. How to use the commands for a task is in the [how-to guides](../README.md).",
        "",
        " ".join((top.description or "").split()),
        "",
        "```text",
        usage(top),
        "```",
        "",
        *_arguments(top),
        "Commands:",
        "",
        "| command | what it does |",
        "|---|---|",
    ]
    lines += [f"| [`{name}`](#{name}) | {cell(summary)} |" for name, summary, _ in commands]
    lines.append("")
    for group in top._action_groups:
        if group.description and any(
            isinstance(a, argparse._SubParsersAction) for a in group._group_actions
        ):
            lines += [cell(group.description), ""]
    lines += _text_block(top.epilog)
    for name, summary, sub in commands:
        lines += [f"## {name}", ""]
        description = " ".join((sub.description or summary).split())
        lines += [description, "", "```text", usage(sub), "```", ""]
        lines += _arguments(sub)
        lines += _text_block(sub.epilog)
    return "\n".join(lines).rstrip("\n") + "\n"


def main() -> int:
    """Print the page (`python -m sim.cli_reference > docs/reference/cli.md`)."""
    sys.stdout.write(reference())
    return 0


if __name__ == "__main__":
    sys.exit(main())
