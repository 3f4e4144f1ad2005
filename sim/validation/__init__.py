"""Validation of the model: `python run.py validate-model` writes docs/validation.md.

The command runs every registered group of checks, prints one line per group, writes the
report and its figures (docs/validation/*.png), and exits with status 1 if any check failed.
Each check (`Check`) states what is compared, what is expected (`Expected`: a value, an
interval or a relation, as text and as data), the source of the expectation, what the model
gave, and whether it passed.

Modules, one job each:

- `checks`: `Check`, `Expected`, `Group`, and the `Context` a group is given (the seed, the
  scale of the Monte Carlo checks, the repository's folders, a place for figures);
- `stats`: estimates with 95% intervals, and the shared statistical checks;
- `runner`: runs the groups and writes the report and figures atomically;
- `report`: the report as Markdown;
- `command`: the `validate-model` command's options;
- one module per group: `council_votes`, `kosovo_path`, `comparative_statics`,
  `numerical_health`, `voting_power`, `published_case`, `syria_history`.

How to add a group:

1. Write a module `sim/validation/<name>.py` with a function `checks(context: Context) ->
   list[Check]` that makes each check with `context.check(...)` (or the helpers of
   `sim.validation.stats`, e.g. `share_check`, `shift_check`), and a module constant
   `GROUP = Group(title=..., about=..., checks=checks)`: `about` introduces the group in the
   report (what is validated, against what, how it decides). Check names must be unique
   within the group.
2. Add `"<name>"` to `GROUPS` below, where its section should appear in the report.

A group reads its data files from `validation/` at the repository's root with
`context.data_file("<file>")` (None if the file does not exist), any other file of the
repository with `context.path("<path from the root>")`, and runs its Monte Carlo checks at
`context.replicates` (a scale: say in `about` what it runs at that scale) with
`context.seed`. It draws a figure (a `matplotlib.figure.Figure`) with
`context.figure("<file name without .png>", figure, caption)`; figure names must be unique
across groups. An exception in a group is reported as a failing check, not a crash. Then
regenerate the report (`python run.py validate-model`) and commit it with its figures.
"""

from sim.validation.checks import Check, Context, Expected, Group

__all__ = ["GROUPS", "Check", "Context", "Expected", "Group"]

GROUPS: tuple[str, ...] = (
    "council_votes",
    "kosovo_path",
    "comparative_statics",
    "numerical_health",
    "voting_power",
    "published_case",
    "syria_history",
)
"""The groups of checks, in the report's order: modules of `sim.validation`, each with a
`GROUP`. Adding a group is adding its module's name here."""
