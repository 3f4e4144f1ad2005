"""YAML read safely and within limits: scenario files, sweep files and `--set` values.

PyYAML's safe loader constructs only plain data (no Python objects). On top of it the reader:

- refuses a repeated key (PyYAML would keep the last one silently) and a key YAML reads as
  something other than text (`no:` is a boolean);
- reads at most `MAX_VALUES` values, nested at most `MAX_DEPTH` deep, so that neither a deep
  nesting nor millions of list items can exhaust the stack or memory (both are counted while
  the file is parsed, before anything is built);
- refuses an integer written with more than `MAX_INTEGER_DIGITS` digits before converting it
  (Python refuses to convert more than 4 300, and no count or seed needs more than 20);
- turns every failure of the YAML library (a date that does not exist, base64 that does not
  decode) into a `Problem` that names the path.

A file is read with `sim.inputs.read_text` (a regular file, at most `SCENARIO_BYTES`).
"""

from __future__ import annotations

import os
from typing import Any

import yaml

from sim.inputs import SCENARIO_BYTES, InputError, read_text, shown
from sim.problems import Problem, ScenarioError

MAX_VALUES = 50_000
"""The most values (mappings, lists and scalars) a YAML text may hold.

The largest shipped file holds 1 186 (kosovo_2007: 672). Reading is linear in the values, about
30-60 microseconds each, so the limit bounds a file's parse time to a few seconds and its
memory to about 40 MiB.
"""

MAX_DEPTH = 40
"""The deepest nesting read; the shipped scenarios are at most 8 levels deep."""

MAX_INTEGER_DIGITS = 100
"""The most digits of an integer read (seeds and counts need at most 20)."""

_TEXT = "tag:yaml.org,2002:str"
_INTEGER = "tag:yaml.org,2002:int"


class _Refused(yaml.YAMLError):
    """A limit or a value the reader refuses; carries the `Problem`."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


class _BoundedLoader(yaml.SafeLoader):
    """The safe loader, counting values and depth as it composes, and naming each node's path."""

    def __init__(self, text: str, at: tuple[str, ...]):
        super().__init__(text)
        self._path = list(at)
        self._values = 0
        self._paths: dict[int, tuple[str, ...]] = {}

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        self._path.append(_step(parent, index))
        self._values += 1
        if self._values > MAX_VALUES:
            raise _Refused(
                Problem(_dotted(self._path), f"more than {MAX_VALUES:,} values", _FEWER_VALUES)
            )
        if len(self._path) > MAX_DEPTH:
            raise _Refused(
                Problem(_dotted(self._path), f"nesting deeper than {MAX_DEPTH} levels", _SHALLOW)
            )
        try:
            node = super().compose_node(parent, index)
        finally:
            self._path.pop()
        where = (*self._path, _step(parent, index))
        self._paths[id(node)] = where
        if (
            isinstance(node, yaml.ScalarNode)
            and node.tag == _INTEGER
            and _digits(node.value) > MAX_INTEGER_DIGITS
        ):
            raise _Refused(
                Problem(
                    _dotted(where),
                    f"an integer of {_digits(node.value):,} digits",
                    f"an integer of at most {MAX_INTEGER_DIGITS} digits",
                )
            )
        return node

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except Exception as error:
            kind = node.tag.rsplit(":", 1)[-1]
            why = f" ({error})" if type(error) is ValueError else ""
            found = f"{_shown_value(node)}, which YAML cannot read as {_a(kind)}{why}"
            where = _dotted(self._paths.get(id(node), ()))
            raise _Refused(Problem(where, found, f"a valid {kind}")) from None

    def path_of(self, node: yaml.Node) -> tuple[str, ...]:
        """The path of a composed node (where it was first composed, for an alias)."""
        return self._paths.get(id(node), ())


_FEWER_VALUES = "a scenario of fewer values (is this the right file?)"
_SHALLOW = "a scenario nested a few levels deep"


def read_yaml(text: str, source: str, at: str = "") -> Any:
    """Parse YAML `text` safely within the limits; `source` names it and `at` prefixes paths.

    Raises:
        ScenarioError: if the text is not well-formed YAML, repeats a key, has a key that is
            not text, or exceeds a limit.
    """
    try:
        loader = _BoundedLoader(text, tuple(at.split(".")) if at else ())
    except yaml.reader.ReaderError as error:  # the text holds a character YAML refuses
        raise ScenarioError(source, [_character_problem(error, text, at)]) from None
    try:
        root = loader.get_single_node()
        _check_expanded_size(root, loader)
        problems = list(_key_problems(root, loader))
        if problems:
            raise ScenarioError(source, problems)
        return loader.construct_document(root) if root is not None else None
    except _Refused as refused:
        raise ScenarioError(source, [refused.problem]) from None
    except yaml.YAMLError as error:
        raise ScenarioError(source, [_yaml_problem(error, at)]) from None
    except RecursionError:  # the depth limit stops this first; kept as a last resort
        raise ScenarioError(source, [Problem(at, "nesting too deep to read", _SHALLOW)]) from None
    finally:
        loader.dispose()


def read_yaml_file(path: str | os.PathLike[str]) -> Any:
    """Read a YAML file within the limits (`read_yaml`, `sim.inputs.read_text`).

    Raises:
        ScenarioError: if the file cannot be read (missing, not a regular file, larger than
            `SCENARIO_BYTES`, not UTF-8) or `read_yaml` refuses it.
    """
    source = os.fspath(path)
    try:
        text = read_text(path, SCENARIO_BYTES)
    except InputError as error:
        raise ScenarioError(
            source,
            [Problem("", f"a file that cannot be read ({error})", "a readable UTF-8 YAML file")],
        ) from None
    return read_yaml(text, source)


def _check_expanded_size(root: yaml.Node | None, loader: _BoundedLoader) -> None:
    """Refuse a text whose values, each alias expanded, number more than `MAX_VALUES`.

    Composing counts an alias once, but everything that reads the data afterwards walks the
    expansion: a file of a few hundred aliases can expand to millions of values. Sizes are
    counted once per node, so the check is linear in the composed values.
    """
    sizes: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        sizes[id(node)] = 1  # a node that holds itself (a recursive anchor) counts once
        if isinstance(node, yaml.MappingNode):
            total = 1 + sum(size(key) + size(value) for key, value in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total = 1 + sum(size(item) for item in node.value)
        else:
            total = 1
        sizes[id(node)] = total = min(total, MAX_VALUES + 1)
        return total

    if root is not None and size(root) > MAX_VALUES:
        found = f"more than {MAX_VALUES:,} values once its aliases (*name) are expanded"
        raise _Refused(Problem(_dotted(loader.path_of(root)), found, _FEWER_VALUES))


def _key_problems(root: yaml.Node | None, loader: _BoundedLoader) -> list[Problem]:
    """Keys that are repeated, or that YAML would not read as text, in the text's order.

    A node reached again through an alias is checked once (so nested aliases cannot make the
    walk exponential); the walk uses a stack, not recursion.
    """
    found: list[tuple[int, Problem]] = []
    seen_nodes: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                scalar = isinstance(key_node, yaml.ScalarNode)
                key = shown(str(key_node.value)) if scalar else "(key)"
                where = _dotted((*loader.path_of(node), key))
                if key_node.tag != _TEXT:
                    kind = key_node.tag.rsplit(":", 1)[-1]
                    problem = Problem(
                        where,
                        f"the key {_shown_value(key_node)}, which YAML reads as {_a(kind)}",
                        f"a name; quote it ('{key}') if it is one" if scalar else "a name",
                    )
                    found.append((key_node.start_mark.index, problem))
                elif key in seen:
                    line = key_node.start_mark.line + 1
                    again = f"the key {key!r} again on line {line}"
                    problem = Problem(where, again, "each key once")
                    found.append((key_node.start_mark.index, problem))
                seen.add(key)
                stack.append(value_node)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return [problem for _, problem in sorted(found, key=lambda pair: pair[0])]


def _yaml_problem(error: yaml.YAMLError, at: str) -> Problem:
    """A syntax error: at its line and column in a file, at `at` in a `--set` value."""
    mark = getattr(error, "problem_mark", None)
    what = getattr(error, "problem", None) or str(error)
    if at:
        column = f", column {mark.column + 1}" if mark else ""
        return Problem(at, f"invalid YAML ({what}{column})", "a YAML value")
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return Problem(where, f"invalid YAML ({what})", "well-formed YAML")


def _character_problem(error: yaml.reader.ReaderError, text: str, at: str) -> Problem:
    """A character YAML does not read (a control character, a lone surrogate)."""
    character = chr(error.character) if isinstance(error.character, int) else error.character
    line = text.count("\n", 0, error.position) + 1
    found = f"the character '{shown(str(character))}', which YAML does not read"
    expected = "text without control characters or lone surrogates"
    return Problem(at or f"line {line}", found, expected)


def _step(parent: yaml.Node | None, index: Any) -> str:
    """The path element of the node composed under `parent` at `index`."""
    if isinstance(parent, yaml.MappingNode):
        return str(index.value) if isinstance(index, yaml.ScalarNode) else "(key)"
    return str(index) if isinstance(index, int) else ""


def _dotted(path: list[str] | tuple[str, ...]) -> str:
    return ".".join(part for part in path if part)


def _digits(text: str) -> int:
    """The digits of an integer as YAML writes it (sign, base prefix, `_` and `:` aside)."""
    body = text.lstrip("+-").lower()
    if body.startswith(("0x", "0o", "0b")):
        body = body[2:]
    return sum(character.isalnum() for character in body)


def _a(kind: str) -> str:
    return f"an {kind}" if kind[:1] in "aeiou" else f"a {kind}"


def _shown_value(node: yaml.Node) -> str:
    if isinstance(node, yaml.ScalarNode):
        return repr(str(node.value))
    return "a mapping" if isinstance(node, yaml.MappingNode) else "a list"
