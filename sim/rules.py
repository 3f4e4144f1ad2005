"""Registries of interchangeable rules: one per family, each rule registered by name.

A family (the compromise rules of the troika, the sponsor strategies at the Council, and every
later family) is a `Registry`. A rule joins it with the `register` decorator, under the name a
scenario file uses for it; every rule of a family has the family's signature, and its docstring
says what it does and cites its source (the first paragraph is its summary). The scenario
schema takes its allowed names, and their descriptions in the JSON Schema, from the registry
(`Registry.choice`), so a name that is not registered cannot pass validation, and looking one up
in the engine raises `UnknownRuleError`. docs/adding-a-rule.md shows how to add a rule.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import WithJsonSchema

Rule = TypeVar("Rule", bound=Callable[..., Any])


class UnknownRuleError(KeyError):
    """A rule name that its family has not registered."""

    def __init__(self, family: str, name: str, known: tuple[str, ...]):
        self.family, self.name, self.known = family, name, known
        super().__init__(name)

    def __str__(self) -> str:
        return f"unknown {self.family} {self.name!r}; registered: {', '.join(self.known)}"


class Registry(Generic[Rule]):
    """The rules of one family, by name, in the order they were registered.

    Args:
        family: what a member of the family is, in words (e.g. "compromise rule").
    """

    def __init__(self, family: str):
        self.family = family
        self._rules: dict[str, Rule] = {}

    def register(self, name: str) -> Callable[[Rule], Rule]:
        """Decorator: register the rule under `name` (a scenario value) and return it unchanged.

        Raises:
            ValueError: if `name` is taken, or the rule's docstring does not cite its source
                (a paragraph or sentence beginning "Source:", as every rule's does).
        """

        def add(rule: Rule) -> Rule:
            if name in self._rules:
                raise ValueError(f"{self.family} {name!r} is registered already")
            if "Source:" not in (inspect.getdoc(rule) or ""):
                raise ValueError(
                    f"{self.family} {name!r} needs a docstring that cites its source "
                    '("Source: ...")'
                )
            self._rules[name] = rule
            return rule

        return add

    def __getitem__(self, name: str) -> Rule:
        try:
            return self._rules[name]
        except KeyError:
            raise UnknownRuleError(self.family, name, self.names) from None

    def __contains__(self, name: object) -> bool:
        return name in self._rules

    def __iter__(self) -> Iterator[str]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    @property
    def names(self) -> tuple[str, ...]:
        """The registered names, in registration order."""
        return tuple(self._rules)

    def summary(self, name: str) -> str:
        """The first paragraph of the rule's docstring, on one line."""
        first = inspect.getdoc(self[name]).split("\n\n", 1)[0]
        return " ".join(first.split())

    def choice(self) -> Any:
        """The schema type of a scenario value naming one of the rules registered so far.

        Validation accepts exactly the registered names; the JSON Schema lists each name with
        its summary, so editors show what each choice means.
        """
        names = self.names
        schema = {
            "type": "string",
            "oneOf": [{"const": name, "description": self.summary(name)} for name in names],
        }
        return Annotated[Literal[names], WithJsonSchema(schema)]
