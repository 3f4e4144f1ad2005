"""The reference of scenario files (docs/reference/scenario.md), generated from the schema.

`python -m sim.schema_reference > docs/reference/scenario.md` writes it. The page is made by
walking the JSON Schema of `sim.scenario.Scenario` (and of `sim.scenario.Variant`): one
section per object of the schema, in the order a file meets them, with every field's dotted
path, type, default, range and description. Nothing in it is written by hand, so a field added
to the schema appears in the page as soon as it is regenerated, and tests/test_docs.py fails
until it is. Three things come from elsewhere in the code: the rule names a scenario can choose
and their summaries (`sim.rules.Registry.summary`, for every registry `sim.scenario` uses), the
values that may be declared uncertain (`sim.scenario.UNCERTAIN_VALUES`) and the values an
event may set (`sim.scenario.EVENT_VALUES`).

docs/ODD.md stays the reference of what each value means in the model, its unit and its
source: each section links to its subsection of ODD section 8, and a field the schema gives no
description borrows the meaning from the ODD's table (marked as such).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, TypeAdapter

from sim import scenario as scenario_module
from sim.inputs import SCENARIO_BYTES, MiB
from sim.problems import SHOWN_PROBLEMS
from sim.rules import Registry
from sim.scenario import (
    EVENT_VALUES,
    MAX_EXTENDS,
    UNCERTAIN_VALUES,
    Name,
    Scenario,
    Variant,
)
from sim.yaml_reading import MAX_DEPTH, MAX_INTEGER_DIGITS, MAX_VALUES

COMMAND = "python -m sim.schema_reference > docs/reference/scenario.md"
ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"
ODD_LINK = "../ODD.md"
KEY = "<key>"
INDEX = "<n>"

NAME = TypeAdapter(Name).json_schema()
"""The JSON Schema of a party, issue or scenario name (`sim.scenario.Name`)."""


def slug(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading: lower case, punctuation dropped, `-` for ` `."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


# --- the ODD's section 8 ----------------------------------------------------------------------


@dataclass(frozen=True)
class OddSection:
    """A subsection of docs/ODD.md, section 8, with the meanings its table gives."""

    number: str
    title: str
    meanings: dict[str, str]
    """Dotted path (placeholders written `<>`) -> the table's "Meaning" cell."""

    @property
    def link(self) -> str:
        """The link to it from docs/reference/."""
        return f"{ODD_LINK}#{slug(f'{self.number} {self.title}')}"


def _normal_path(path: str) -> str:
    return re.sub(r"<[^>]*>", "<>", path)


def odd_sections(text: str) -> tuple[str, list[OddSection]]:
    """The link to ODD section 8 and its subsections, read from the ODD's text."""
    top = ""
    sections: list[OddSection] = []
    inside = False
    for line in text.splitlines():
        if line.startswith("## "):
            inside = line.startswith("## 8.")
            if inside:
                top = f"{ODD_LINK}#{slug(line[3:])}"
            continue
        if not inside:
            continue
        heading = re.match(r"^### (8\.\d+) (.*)$", line)
        if heading:
            sections.append(OddSection(heading[1], heading[2], {}))
        elif sections and line.startswith("| `"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            if len(cells) >= 2:
                for path in re.findall(r"`([^`]+)`", cells[0]):
                    path = _normal_path(path)
                    sections[-1].meanings.setdefault(path, cells[1])
                    sections[-1].meanings.setdefault(re.sub(r"\.\d$", "", path), cells[1])
    return top, sections


def _odd() -> tuple[str, list[OddSection]]:
    try:
        return odd_sections(ODD.read_text(encoding="utf-8"))
    except OSError:  # installed without the docs
        return "", []


# --- walking the schema -----------------------------------------------------------------------


@dataclass
class Section:
    """An object of the schema (the top level, or one of its `$defs`) and where it is used."""

    name: str
    schema: dict[str, Any]
    paths: list[str] = field(default_factory=list)

    @property
    def heading(self) -> str:
        """Its heading in the page: the object's name."""
        return self.name

    @property
    def anchor(self) -> str:
        """The anchor of its heading."""
        return slug(self.heading)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _refs(schema: dict[str, Any], path: str) -> Iterator[tuple[str, str]]:
    """The `$defs` a field's schema refers to, each with the dotted path it stands at."""
    if "$ref" in schema:
        yield schema["$ref"].rsplit("/", 1)[-1], path
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            yield from _refs(option, path)
    if isinstance(schema.get("items"), dict):
        yield from _refs(schema["items"], _join(path, INDEX))
    for value in schema.get("patternProperties", {}).values():
        yield from _refs(value, _join(path, KEY))
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _refs(schema["additionalProperties"], _join(path, KEY))


def sections(root: dict[str, Any]) -> list[Section]:
    """The objects of a JSON Schema, depth first in field order, each with its paths."""
    defs = root.get("$defs", {})
    found: dict[str, Section] = {}

    def visit(name: str, schema: dict[str, Any], path: str) -> None:
        if name in found:
            found[name].paths.append(path)
            return
        found[name] = Section(name, schema, [path])
        for key, sub in schema.get("properties", {}).items():
            for ref, at in _refs(sub, _join(path, key)):
                visit(ref, defs[ref], at)

    visit(root.get("title", "Scenario"), root, "")
    return list(found.values())


def _models(root: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """The pydantic models reachable from `root` through its fields, by class name."""
    found: dict[str, type[BaseModel]] = {}

    def types(annotation: Any) -> Iterator[type[BaseModel]]:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield annotation
        for argument in get_args(annotation):
            yield from types(argument)

    stack = [root]
    while stack:
        model = stack.pop()
        if model.__name__ in found:
            continue
        found[model.__name__] = model
        for info in model.model_fields.values():
            stack.extend(types(info.annotation))
    return found


# --- rendering --------------------------------------------------------------------------------


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _code(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, separators=(", ", ": "))
    return f"`{text}`"


def cell(text: str) -> str:
    """Text made safe for a Markdown table cell: `|` escaped; `<`, `>`, `*` outside code."""
    parts = re.split(r"(`[^`]*`)", " ".join(text.split()))
    out = []
    for part in parts:
        if not part.startswith("`"):
            part = part.replace(" -> ", " → ").replace("->", "→")
            part = part.replace("<", "&lt;").replace(">", "&gt;").replace("*", r"\*")
        out.append(part.replace("|", r"\|"))
    return "".join(out)


def type_of(schema: dict[str, Any]) -> str:
    """A field's type in words, with links to the sections of the objects it holds."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{slug(name)})"
    if "const" in schema:
        return _code(schema["const"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = schema[key]
            if all("const" in option for option in options):
                return "one of " + ", ".join(_code(option["const"]) for option in options)
            text = " or ".join(type_of(o) for o in options if o.get("type") != "null")
            if any(o.get("type") == "null" for o in options):
                text += ", or `null`" if text.startswith(("map:", "list of")) else " or `null`"
            return text
    if "enum" in schema:
        return "one of " + ", ".join(_code(value) for value in schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, list):
        return " or ".join(type_of({"type": k}) for k in kind)
    if kind == "array":
        return f"list of {type_of(schema.get('items', {}))}"
    if kind == "object":
        if schema.get("patternProperties"):
            (pattern, value), *_ = schema["patternProperties"].items()
            key = "name" if pattern == NAME["pattern"] else f"key matching `{pattern}`"
            return f"map: {key} → {type_of(value)}"
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            return f"map: text → {type_of(extra)}"
        return "map: text → any value"
    if kind == "string":
        return "name" if schema.get("pattern") == NAME["pattern"] else "text"
    return {
        "number": "number",
        "integer": "whole number",
        "boolean": "`true` or `false`",
        "null": "`null`",
    }.get(kind, "any value")


def range_of(schema: dict[str, Any]) -> str:
    """The constraints on a field's value, in words (empty if there are none)."""
    return "; ".join(_limits(schema))


def _limits(schema: dict[str, Any], nested: bool = False) -> list[str]:
    for key in ("anyOf", "oneOf"):
        if key in schema:
            ranges = [_limits(o, nested) for o in schema[key] if o.get("type") != "null"]
            return list(dict.fromkeys(part for parts in ranges for part in parts))
    parts = []
    low, high = schema.get("minimum"), schema.get("maximum")
    above, below = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if low is not None and high is not None:
        if schema.get("type") == "integer":
            parts.append(f"{'from ' if nested else ''}{_number(low)} to {_number(high)}")
        else:
            parts.append(f"{'in ' if nested else ''}[{_number(low)}, {_number(high)}]")
    else:
        if low is not None:
            parts.append(f"≥ {_number(low)}")
        if above is not None:
            parts.append(f"> {_number(above)}")
        if high is not None:
            parts.append(f"≤ {_number(high)}")
        if below is not None:
            parts.append(f"< {_number(below)}")
    least, most = schema.get("minItems"), schema.get("maxItems")
    if least is not None and least == most:
        parts.append(f"exactly {least} items")
    else:
        if least:
            parts.append(f"at least {least} item{'s' if least > 1 else ''}")
        if most is not None:
            parts.append(f"at most {most} items")
    if schema.get("minProperties"):
        count = schema["minProperties"]
        parts.append(f"at least {count} entr{'ies' if count > 1 else 'y'}")
    if schema.get("type") == "string" and schema.get("pattern") != NAME["pattern"]:
        if schema.get("maxLength") is not None:
            parts.append(f"at most {schema['maxLength']} characters")
    inner, each = None, ""
    if isinstance(schema.get("items"), dict):
        inner, each = schema["items"], "each item"
    if schema.get("patternProperties"):
        inner, each = next(iter(schema["patternProperties"].values())), "each entry"
    elif isinstance(schema.get("additionalProperties"), dict):
        inner, each = schema["additionalProperties"], "each entry"
    if inner is not None and "$ref" not in inner:
        inside = _limits(inner, nested=True)
        if len(inside) == 1:
            parts.append(f"{each} {inside[0]}")
        elif inside:
            parts.append(f"{each}: {', '.join(inside)}")
    return parts


def default_of(
    model: type[BaseModel] | None, key: str, schema: dict[str, Any], required: bool
) -> str:
    """A field's default as written in a file, or "required"."""
    if required:
        return "required"
    if "default" in schema:
        value = schema["default"]
    elif model is not None and key in model.model_fields:
        value = model.model_fields[key].get_default(call_default_factory=True)
        if isinstance(value, BaseModel):
            return "its defaults"
    else:
        return ""
    if value is None:
        return "`null`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, int | float):
        return f"`{_number(value)}`"
    if isinstance(value, str):
        return f'`"{value}"`' if value == "" else f"`{value}`"
    return _code(value)


def _odd_for(section: Section, odd: list[OddSection]) -> OddSection | None:
    """The ODD subsection about a section: by the object's name, else by its path."""
    for candidate in odd:
        if re.search(rf"\b{re.escape(section.name)}\b", candidate.title):
            return candidate
    first = section.paths[0].split(".", 1)[0] if section.paths and section.paths[0] else ""
    for candidate in odd:
        if first and (f"`{first}." in candidate.title or f"`{first}`" in candidate.title):
            return candidate
    return None


def _meaning(
    path: str, odd: list[OddSection], first: OddSection | None
) -> tuple[str, OddSection] | None:
    """The ODD's meaning of a dotted path: from `first` (the section's own), else any."""
    wanted = _normal_path(path)
    for section in [first] * (first is not None) + odd:
        for key in (wanted, f"{wanted}.<>", f"{wanted}.0"):
            if key in section.meanings:
                return section.meanings[key], section
    return None


def _section_lines(
    section: Section,
    models: dict[str, type[BaseModel]],
    odd_top: str,
    odd: list[OddSection],
    where: str,
) -> list[str]:
    schema = section.schema
    lines = [f"## {section.heading}", ""]
    if schema.get("description"):
        lines += [" ".join(schema["description"].split("\n\n")[0].split()), ""]
    at = ", ".join(f"`{p}`" if p else "the top level" for p in section.paths)
    about = _odd_for(section, odd)
    if about is not None:
        lines += [f"{where} {at}. In the ODD: [section {about.number}]({about.link}).", ""]
    elif odd_top:
        lines += [f"{where} {at}. In the ODD: [section 8]({odd_top}).", ""]
    else:
        lines += [f"{where} {at}.", ""]
    lines += [
        "| field | type | default | range | description |",
        "|---|---|---|---|---|",
    ]
    required = set(schema.get("required", []))
    model = models.get(section.name)
    single = section.paths[0] if len(section.paths) == 1 else None
    for key, sub in schema.get("properties", {}).items():
        path = _join(single, key) if single is not None else key
        description = cell(sub.get("description", ""))
        if not description and single is not None:
            found = _meaning(path, odd, about)
            if found is not None:
                meaning, source = found
                description = f"{meaning} ([ODD {source.number}]({source.link}))"
        lines.append(
            f"| `{path}` | {cell(type_of(sub))} | {default_of(model, key, sub, key in required)}"
            f" | {cell(range_of(sub))} | {description} |"
        )
    return [*lines, ""]


def _registries() -> list[Registry]:
    found: dict[int, Registry] = {}
    for value in vars(scenario_module).values():
        if isinstance(value, Registry):
            found.setdefault(id(value), value)
    return list(found.values())


def _rule_fields(everything: list[Section]) -> Iterator[tuple[str, frozenset[str]]]:
    """Every field naming a registered rule: its dotted path and the names it allows."""
    for section in everything:
        for key, sub in section.schema.get("properties", {}).items():
            options = sub.get("oneOf") or sub.get("anyOf") or []
            if options and all("const" in option for option in options):
                path = _join(section.paths[0], key) if len(section.paths) == 1 else key
                yield path, frozenset(option["const"] for option in options)


def reference() -> str:
    """The whole page, docs/reference/scenario.md."""
    odd_top, odd = _odd()
    root = Scenario.model_json_schema()
    found = sections(root)
    models = _models(Scenario)
    variant = Variant.model_json_schema()
    variant_sections = sections(variant)
    every = [*found, *variant_sections]
    strict = all(
        s.schema.get("additionalProperties") is False for s in every if s.schema.get("properties")
    )
    registries = _registries()
    rule_fields = list(_rule_fields(found))
    lines = [
        f"<!-- Generated by `{COMMAND}` from the scenario schema (sim/scenario.py):",
        "     do not edit by hand; regenerate after changing the schema. -->",
        "",
        "# Scenario files: reference",
        "",
        "A scenario is a YAML file (`scenarios/*.yaml`), validated when it is loaded "
        "(`python run.py validate FILE`); every problem is reported with its dotted path, what "
        "was found and what was expected, and nothing runs on an invalid file. This page lists "
        "every section and field of the schema, generated from it. What each value means in "
        "the model, its unit and its source are in the model's reference, "
        + (f"[docs/ODD.md, section 8]({odd_top})" if odd_top else "docs/ODD.md, section 8")
        + "; how to write a scenario step by step is in "
        "[Write a scenario](../howto/write-a-scenario.md).",
        "",
        "Conventions:",
        "",
        f"- A **dotted path** names a value as `--set PATH=VALUE` and a variant's `changes` do: "
        f"map keys by name, list items by index from 0. `{KEY}` stands for a key you choose "
        f"(a party's or an issue's name, as the description says), `{INDEX}` for a list index.",
        f"- A **name** (of the scenario, a party, an issue or an event) matches "
        f"`{NAME['pattern']}` and has at most {NAME.get('maxLength')} characters.",
        "- **required** means the field has no default. A field whose type includes `null` "
        "may be written `null` (or left out, where `null` is its default).",
        "- Numbers must be finite and written as numbers (YAML 1.1 reads `1e-3` as text: "
        "write `1.0e-3`).",
    ]
    if strict:
        lines.append("- A key that a section does not list is an error, in every section.")
    lines += [
        "- A value listed under [Declared uncertainty](#declared-uncertainty) may be written "
        "as a distribution in place of a number; both ends of the distribution must then lie "
        "in the value's range.",
        "",
        "Beyond the ranges below, every scenario is cross-checked (a red line must contain the "
        "party's position, a session must lie within the horizon, ...): "
        + _cross_checks(odd)
        + ".",
        "",
        "Sections:",
        "",
    ]
    for section in found:
        at = f"`{section.paths[0]}`" if section.paths[0] else "the top level"
        lines.append(f"- [{section.heading}](#{section.anchor}): {at}")
    lines += [
        "- [Registered rules](#registered-rules)",
        "- [Declared uncertainty](#declared-uncertainty)",
        "- [What an event may set](#what-an-event-may-set)",
        "- [Variant files](#variant-files)",
        "- [Limits on what is read](#limits-on-what-is-read)",
        "",
    ]
    for section in found:
        lines += _section_lines(section, models, odd_top, odd, "At")
    lines += [
        "## Registered rules",
        "",
        "The rule names a scenario may choose, registered in the code "
        "(`sim.rules.Registry`), each with the first paragraph of its docstring. "
        "[Adding a rule](../adding-a-rule.md) shows how to register a new one; it then "
        "appears here when the page is regenerated.",
        "",
    ]

    def first_use(registry: Registry) -> int:
        names = frozenset(registry.names)
        uses = [i for i, (_, allowed) in enumerate(rule_fields) if allowed == names]
        return uses[0] if uses else len(rule_fields)

    for registry in sorted(registries, key=first_use):
        paths = [p for p, names in rule_fields if names == frozenset(registry.names)]
        chosen = ", ".join(f"`{p}`" for p in paths) or "no scenario field"
        lines += [
            f"### {registry.family}",
            "",
            f"Chosen by {chosen}.",
            "",
            "| name | what it does |",
            "|---|---|",
        ]
        lines += [f"| `{name}` | {cell(registry.summary(name))} |" for name in registry.names]
        lines.append("")
    lines += [
        "## Declared uncertainty",
        "",
        "These values may be declared uncertain: written as a distribution "
        "(`{uniform: [a, b]}`, `{triangular: [a, mode, b]}`, `{normal: [mu, sd], clip: "
        "[lo, hi]}`, `{beta: [alpha, beta], range: [a, b]}`, `{choice: [...]}`; see the "
        "distribution sections above) in place of the number, or under `uncertainty:` by "
        "their dotted path. Every replicate then draws its own value, once, when the model "
        "is built. Any other value written as a distribution is refused "
        "(`sim.scenario.UNCERTAIN_VALUES`).",
        "",
    ]
    lines += [f"- `{template}`" for template in UNCERTAIN_VALUES]
    lines += [
        "",
        "## What an event may set",
        "",
        "The dotted paths an event's `set` may name (`sim.scenario.EVENT_VALUES`); each "
        "value is checked against the field's range above.",
        "",
    ]
    lines += [f"- `{template}`" for template in EVENT_VALUES]
    lines += [
        "",
        "## Variant files",
        "",
        "A file with an `extends` key is a variant: the base scenario, loaded and validated, "
        "with the `changes` applied by dotted path, then validated again. A counterfactual "
        "is written this way, so the one assumption it changes is plain to see.",
        "",
    ]
    for section in variant_sections:
        body = _section_lines(section, _models(Variant), odd_top, odd, "At")
        lines += body[2:]  # under the "Variant files" heading
    lines += _reading_limits()
    return "\n".join(lines).rstrip("\n") + "\n"


def _reading_limits() -> list[str]:
    """The limits a file (and a `--set` value) is read within (`sim.yaml_reading`)."""
    return [
        "## Limits on what is read",
        "",
        "A scenario, a file it `extends`, a sweep file and a `--set` value are read as untrusted "
        "input, within limits far above any real scenario; past one, loading stops with an "
        "error that names the file and the path, and nothing runs.",
        "",
        "| What | Limit |",
        "| --- | --- |",
        f"| a file | a regular file (not a pipe, device or folder) of at most "
        f"{SCENARIO_BYTES // MiB} MiB of UTF-8 text |",
        f"| values (mappings, lists and scalars) in one file or value | {MAX_VALUES:,} |",
        f"| nesting | {MAX_DEPTH} levels |",
        f"| an integer | {MAX_INTEGER_DIGITS} digits, checked before it is converted |",
        f"| a chain of variants (`extends`) | {MAX_EXTENDS} files |",
        "| keys | each once, and text (`no:` is a boolean: quote it) |",
        "| text | no control characters but line breaks and tabs, and no lone surrogates |",
        "",
        "An error quotes at most a short excerpt of what it found, with control characters "
        f"escaped, and lists at most {SHOWN_PROBLEMS} problems one by one.",
        "",
    ]


def _cross_checks(odd: list[OddSection]) -> str:
    for section in odd:
        if "cross-check" in section.title.lower():
            return f"[docs/ODD.md, section {section.number}]({section.link}) lists them"
    return "docs/ODD.md, section 8, lists them"


def main() -> int:
    """Print the page (`python -m sim.schema_reference > docs/reference/scenario.md`)."""
    sys.stdout.write(reference())
    return 0


if __name__ == "__main__":
    sys.exit(main())
