"""Group: voting power (`sim.power`) against published values, exact counts and brute force.

The Shapley-Shubik and Banzhaf indices that `sim.power` computes for actual bodies, built from
the presets of `sim.voting` (`rule_from_preset`), are checked three ways:

- against every value in validation/voting_power.csv (a value read in a source, with the
  source, what kind of source it is and how it was read: a scholarly publication, software
  documentation or a blog, each said so in the report);
- against closed-form counts of the Security Council's orderings and coalitions, derived in
  the checks' expected text (no source needed);
- against brute force: every coalition of the body (2^15 for the Security Council and the
  EU-15) decided by the body's rule (`VotingRule.count`), and the indices counted from those
  decisions, independently of the dynamic programme of `sim.power`; the two must agree
  exactly, as fractions.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.power import banzhaf, shapley_shubik
from sim.validation.checks import Check, Context, Expected, Group
from sim.voting import NO, YES, VotingRule, rule_from_preset

if TYPE_CHECKING:
    from matplotlib.axes import Axes

TITLE = "Voting power against published values"

DATA = "voting_power.csv"
"""The published (and other read) values, in validation/."""

COLUMNS = ("body", "member", "index", "relation", "value", "tolerance", "source", "kind")
"""The columns validation/voting_power.csv must have (besides `verification`)."""

P5 = ("china", "france", "russia", "united_kingdom", "united_states")
"""The permanent members (UN Charter Art. 23(1))."""
ELECTED = tuple(f"elected_{i}" for i in range(1, 11))
"""Ten elected members (their names do not matter to the rule)."""

EEC_6 = ("france", "germany", "italy", "belgium", "netherlands", "luxembourg")
EC_12 = (
    "germany",
    "france",
    "italy",
    "united_kingdom",
    "spain",
    "belgium",
    "greece",
    "netherlands",
    "portugal",
    "denmark",
    "ireland",
    "luxembourg",
)
EU_15 = (*EC_12[:9], "austria", "sweden", *EC_12[9:11], "finland", "luxembourg")


@dataclass(frozen=True)
class Body:
    """A body whose voting power is computed: its rule, and how the report names it."""

    label: str
    rule: Callable[[], VotingRule]
    classes: Mapping[str, str]
    """Names a source may give a class of members (`permanent`), and the member standing for
    it (all members of a class have the same power)."""


BODIES: dict[str, Body] = {
    "security_council": Body(
        "UN Security Council (15 members; nine votes, no permanent member's no: preset "
        "security_council)",
        lambda: rule_from_preset("security_council", P5 + ELECTED, veto_players=P5),
        {"permanent": P5[0], "elected": ELECTED[0]},
    ),
    "security_council_1945": Body(
        "UN Security Council 1945-1965 (11 members; seven votes, no permanent member's no: "
        "preset security_council, threshold=7)",
        lambda: rule_from_preset(
            "security_council", P5 + ELECTED[:6], veto_players=P5, threshold=7
        ),
        {"permanent": P5[0], "elected": ELECTED[0]},
    ),
    "eu_council_1958": Body(
        "Council of the EEC-6, 1958 (12 of 17 weighted votes on a proposal of the Commission: "
        "preset eu_council_1958)",
        lambda: rule_from_preset("eu_council_1958", EEC_6),
        {},
    ),
    "eu_council_1958_without_proposal": Body(
        "Council of the EEC-6, 1958, not on a proposal of the Commission (12 votes cast by at "
        "least four members: preset eu_council_1958, threshold=4)",
        lambda: rule_from_preset("eu_council_1958", EEC_6, threshold=4),
        {},
    ),
    "eu_council_1986": Body(
        "Council of the EC-12, 1986 (54 of 76 weighted votes: preset eu_council_1986)",
        lambda: rule_from_preset("eu_council_1986", EC_12),
        {},
    ),
    "eu_council_1995": Body(
        "Council of the EU-15, 1995 (62 of 87 weighted votes: preset eu_council_1995)",
        lambda: rule_from_preset("eu_council_1995", EU_15),
        {},
    ),
}

INDICES = {
    "shapley_shubik": "Shapley-Shubik index",
    "banzhaf": "normalised Banzhaf index",
    "banzhaf_absolute": "absolute Banzhaf index (Bz)",
}


# --- the indices, by the programme and by brute force ---------------------------------------


Indices = dict[str, dict[str, Fraction]]
"""Index name (`INDICES`) -> member -> value."""


def computed(rule: VotingRule) -> Indices:
    """The indices as `sim.power` computes them (by its dynamic programme for these bodies)."""
    return {
        "shapley_shubik": shapley_shubik(rule),
        "banzhaf": banzhaf(rule),
        "banzhaf_absolute": banzhaf(rule, normalized=False),
    }


def brute_force(rule: VotingRule) -> Indices:
    """The indices counted from the rule's decision on every one of the 2^n coalitions.

    Coalition c holds member m iff bit m of c is set; its members vote yes, everybody else
    no, and `VotingRule.count` decides all 2^n at once. A member's swings are the coalitions
    without it that lose, and win once it joins; a swing with s other members makes it pivotal
    in s! (n - 1 - s)! of the n! orderings (Shapley-Shubik); the Banzhaf index counts swings.
    This shares nothing with `sim.power` but the rule.
    """
    n = len(rule.members)
    coalitions = np.arange(2**n, dtype=np.int64)
    holds = (coalitions[np.newaxis, :] >> np.arange(n)[:, np.newaxis]) & 1
    wins = rule.count(np.where(holds == 1, YES, NO).astype(np.int8)).adopted
    size = holds.sum(axis=0)
    pivotal: dict[str, Fraction] = {}
    swings: dict[str, int] = {}
    for m, member in enumerate(rule.members):
        without = coalitions[holds[m] == 0]
        swing = wins[without | (1 << m)] & ~wins[without]
        by_size = np.bincount(size[without][swing], minlength=n)
        pivotal[member] = sum(
            (
                Fraction(int(k) * math.factorial(s) * math.factorial(n - 1 - s), math.factorial(n))
                for s, k in enumerate(by_size)
            ),
            Fraction(0),
        )
        swings[member] = int(swing.sum())
    total = sum(swings.values())
    return {
        "shapley_shubik": pivotal,
        "banzhaf": {m: Fraction(k, total) for m, k in swings.items()},
        "banzhaf_absolute": {m: Fraction(k, 2 ** (n - 1)) for m, k in swings.items()},
    }


def _fraction(value: Fraction) -> str:
    """A fraction with its decimal value, e.g. `4/2145 (0.001865)`."""
    if value.denominator == 1:
        return str(value.numerator)
    return f"{value} ({float(value):.6f})"


# --- the checks -------------------------------------------------------------------------------


def exactness_check(context: Context, key: str, rule: VotingRule, power: Indices) -> Check:
    """`sim.power` against brute force, for every member and index, exactly."""
    n = len(rule.members)
    counted = brute_force(rule)
    differ = [
        f"{index} of {member}: {power[index][member]} vs {counted[index][member]}"
        for index in INDICES
        for member in rule.members
        if power[index][member] != counted[index][member]
    ]
    return context.check(
        f"{key}: programme = brute force",
        f"the three indices of each of the {n} members of the {BODIES[key].label}, by "
        f"sim.power and by deciding all 2^{n} = {2**n} coalitions with VotingRule.count",
        Expected.equal(0, "the same fractions for every member and index (0 differences)"),
        "exact computation (no published value needed)",
        (
            f"{len(INDICES) * n} values identical, e.g. Shapley-Shubik of "
            f"{rule.members[0]} {_fraction(power['shapley_shubik'][rule.members[0]])}"
            if not differ
            else f"{len(differ)} differ: " + "; ".join(differ[:3])
        ),
        not differ,
        value=len(differ),
    )


def security_council_checks(context: Context, power: Indices, power_1945: Indices) -> list[Check]:
    """The Security Council's indices against closed-form counts."""
    comb, fact = math.comb, math.factorial
    elected_ss = Fraction(comb(9, 3) * fact(8) * fact(6), fact(15))
    permanent_ss = (1 - 10 * elected_ss) / 5
    permanent_swings = sum(comb(10, k) for k in range(4, 11))
    elected_swings = comb(9, 3)
    total = 5 * permanent_swings + 10 * elected_swings
    banzhaf_want = {
        "banzhaf": (Fraction(permanent_swings, total), Fraction(elected_swings, total)),
        "banzhaf_absolute": (
            Fraction(permanent_swings, 2**14),
            Fraction(elected_swings, 2**14),
        ),
    }
    old_elected = Fraction(comb(5, 1) * fact(6) * fact(4), fact(11))
    old_permanent = 1 - 6 * old_elected

    def classes(indices: Indices, index: str) -> tuple[set[Fraction], set[Fraction]]:
        values = indices[index]
        return (
            {v for m, v in values.items() if m in P5},
            {v for m, v in values.items() if m not in P5},
        )

    permanent, elected = classes(power, "shapley_shubik")
    banzhaf_got = {index: classes(power, index) for index in banzhaf_want}
    old_permanent_total = sum((power_1945["shapley_shubik"][m] for m in P5), Fraction(0))
    source = "closed-form count (derived in the expected text; Shapley & Shubik 1954's definition)"
    return [
        context.check(
            "security_council: Shapley-Shubik, elected member",
            "the Shapley-Shubik index of each elected member of the 15-member Council",
            Expected.equal(
                elected_ss,
                f"{_fraction(elected_ss)}: an elected member is pivotal only as the 9th voter, "
                "after the five permanent members and 3 of the 9 other elected members: "
                "C(9,3)·8!·6!/15! = 84·40320·720/15!",
            ),
            source,
            ", ".join(_fraction(v) for v in sorted(elected)),
            elected == {elected_ss},
            value=sorted(elected),
        ),
        context.check(
            "security_council: Shapley-Shubik, permanent member",
            "the Shapley-Shubik index of each permanent member of the 15-member Council",
            Expected.equal(
                permanent_ss,
                f"{_fraction(permanent_ss)} = (1 - 10·4/2145)/5: the indices sum to 1 and the "
                "five permanent members are alike",
            ),
            source,
            ", ".join(_fraction(v) for v in sorted(permanent)),
            permanent == {permanent_ss},
            value=sorted(permanent),
        ),
        context.check(
            "security_council: Banzhaf, both classes",
            "the normalised and absolute Banzhaf indices of a permanent and an elected member",
            Expected.equal(
                banzhaf_want,
                f"swings: a permanent member's are the coalitions of the other four permanent "
                f"and at least 4 of the 10 elected members, Σ_(k=4..10) C(10,k) = "
                f"{permanent_swings}; an elected member's, the other permanent members and "
                f"exactly 3 of the 9 other elected, C(9,3) = {elected_swings}; normalised "
                f"{permanent_swings}/{total} = {_fraction(banzhaf_want['banzhaf'][0])} and "
                f"{elected_swings}/{total} = {_fraction(banzhaf_want['banzhaf'][1])}; "
                f"absolute (÷ 2^14) {_fraction(banzhaf_want['banzhaf_absolute'][0])} and "
                f"{_fraction(banzhaf_want['banzhaf_absolute'][1])}",
            ),
            source,
            "; ".join(
                f"{INDICES[index]}: "
                + ", ".join(_fraction(v) for v in sorted(got[0]))
                + " and "
                + ", ".join(_fraction(v) for v in sorted(got[1]))
                for index, got in banzhaf_got.items()
            ),
            all(
                got == ({want[0]}, {want[1]})
                for got, want in zip(banzhaf_got.values(), banzhaf_want.values(), strict=True)
            ),
            value={index: (sorted(p), sorted(e)) for index, (p, e) in banzhaf_got.items()},
        ),
        context.check(
            "security_council_1945: permanent members together",
            "the five permanent members' Shapley-Shubik indices summed, in the 11-member Council "
            "of 1945-1965 (seven votes)",
            Expected.equal(
                old_permanent,
                f"{_fraction(old_permanent)}: an elected member is pivotal only as the 7th voter, "
                "after the five permanent members and 1 of the 5 other elected members: "
                "C(5,1)·6!·4!/11! = 1/462 each, and 1 - 6/462 = 76/77",
            ),
            "closed-form count. Shapley & Shubik (1954, APSR 48: 787-792) are cited for this "
            "statement about the Council of their day, but their paper could not be read in the "
            "corpora searched: not verified (validation/SOURCES.md, section 3)",
            _fraction(old_permanent_total),
            old_permanent_total == old_permanent,
            value=old_permanent_total,
        ),
    ]


def structure_check(context: Context, key: str, rule: VotingRule, power: Indices) -> Check:
    """Each index sums to 1 (normalised ones); equal weight, equal power; more weight, no less."""
    weights = dict(zip(rule.members, rule.weights.tolist(), strict=True))
    faults = []
    for index in ("shapley_shubik", "banzhaf"):
        values = power[index]
        if sum(values.values()) != 1:
            faults.append(f"the {INDICES[index]} sums to {sum(values.values())}")
        for a in rule.members:
            for b in rule.members:
                if weights[a] == weights[b] and values[a] != values[b]:
                    faults.append(f"{a} and {b} have equal weights, unequal {index}")
                if weights[a] > weights[b] and values[a] < values[b]:
                    faults.append(f"{a} outweighs {b} but has less {index}")
    by_weight = {int(w): m for m, w in reversed(weights.items())}
    classes = sorted(by_weight, reverse=True)
    return context.check(
        f"{key}: sums, symmetry, monotonicity",
        f"the Shapley-Shubik and normalised Banzhaf indices of the {BODIES[key].label}",
        Expected.equal(
            0,
            "each sums to 1; members of equal weight have equal power; a member with more "
            "weight never has less (0 faults)",
        ),
        "properties of the indices in a weighted voting game (no published value could be read "
        "for this body: see the group's introduction)",
        (
            "0 faults; Shapley-Shubik by weight: "
            + ", ".join(f"{w}: {float(power['shapley_shubik'][by_weight[w]]):.4f}" for w in classes)
            if not faults
            else f"{len(faults)} faults: " + "; ".join(faults[:3])
        ),
        not faults,
        value=len(faults),
    )


@dataclass(frozen=True)
class Reading:
    """One row of validation/voting_power.csv."""

    line: int
    body: str
    member: str
    index: str
    relation: str
    value: Fraction
    text: str
    """The value as the file gives it (e.g. `4/2145`)."""
    tolerance: Fraction
    source: str
    kind: str
    verification: str


def read_values(path: Path) -> list[Reading]:
    """The rows of validation/voting_power.csv; ValueError if one cannot be read."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path.name} has no column {missing[0]!r}")
        rows = list(reader)
    readings = []
    for line, row in enumerate(rows, start=2):
        if row["body"] not in BODIES:
            raise ValueError(f"{path.name}, line {line}: unknown body {row['body']!r}")
        if row["index"] not in INDICES:
            raise ValueError(f"{path.name}, line {line}: unknown index {row['index']!r}")
        if row["relation"] not in ("==", ">"):
            raise ValueError(f"{path.name}, line {line}: relation must be == or >")
        readings.append(
            Reading(
                line,
                row["body"],
                row["member"],
                row["index"],
                row["relation"],
                Fraction(row["value"]),
                row["value"].strip(),
                Fraction(row["tolerance"] or "0"),
                row["source"],
                row["kind"],
                row.get("verification") or "",
            )
        )
    return readings


KIND_WORDS = {
    "published": "a scholarly publication",
    "software documentation": "software documentation, not a publication",
    "blog": "a blog post, not a publication",
}


def reading_checks(
    context: Context, readings: Sequence[Reading], powers: Mapping[str, Indices]
) -> list[Check]:
    """One check per body, index and source of validation/voting_power.csv."""
    groups: dict[tuple[str, str, str], list[Reading]] = {}
    for reading in readings:
        groups.setdefault((reading.body, reading.index, reading.source), []).append(reading)
    made = []
    for (body, index, source), rows in groups.items():
        kind = rows[0].kind
        values = powers[body][index]
        got, fine, expected = [], True, []
        for row in rows:
            member = BODIES[body].classes.get(row.member, row.member)
            if member not in values:
                raise ValueError(f"{DATA}, line {row.line}: {row.member!r} is not a member")
            value = values[member]
            if row.relation == ">":
                ok = value > row.value
                expected.append(f"{row.member} > {row.text}")
            else:
                ok = abs(value - row.value) <= row.tolerance
                margin = f" ± {float(row.tolerance):g}" if row.tolerance else ""
                expected.append(f"{row.member} = {row.text}{margin}")
            fine &= ok
            got.append(f"{row.member} {_fraction(value)}")
        lines = ("lines " if len(rows) > 1 else "line ") + ", ".join(str(r.line) for r in rows)
        members = "; ".join(dict.fromkeys(r.member for r in rows))
        name = f"{body}: {index}, {kind}"
        taken = sum(c.name.startswith(name) for c in made)
        made.append(
            context.check(
                f"{name} ({taken + 1})" if taken else name,
                f"the {INDICES[index]} of {members} in the {BODIES[body].label}, against a value "
                f"read in {KIND_WORDS.get(kind, kind)}",
                Expected(
                    "==" if all(r.relation == "==" for r in rows) else ">",
                    {r.member: (r.relation, r.value, r.tolerance) for r in rows},
                    "; ".join(expected),
                ),
                f"{source} [{kind}] (validation/{DATA}, {lines})",
                "; ".join(got),
                fine,
                note="; ".join(
                    f"how it was read: {text}"
                    for text in dict.fromkeys(r.verification for r in rows if r.verification)
                ),
                value={
                    r.member: values[BODIES[body].classes.get(r.member, r.member)] for r in rows
                },
            )
        )
    return made


def checks(context: Context) -> list[Check]:
    """The published values, the closed forms, brute force, and the indices' structure."""
    rules = {key: body.rule() for key, body in BODIES.items()}
    powers = {key: computed(rule) for key, rule in rules.items()}
    path = context.data_file(DATA)
    readings = read_values(path) if path else []
    made = reading_checks(context, readings, powers)
    made += security_council_checks(
        context, powers["security_council"], powers["security_council_1945"]
    )
    for key in ("security_council", "eu_council_1958", "eu_council_1986", "eu_council_1995"):
        made.append(exactness_check(context, key, rules[key], powers[key]))
    for key in ("eu_council_1986", "eu_council_1995"):
        made.append(structure_check(context, key, rules[key], powers[key]))
    figure(context, rules, powers, readings)
    return made


# --- the figure -------------------------------------------------------------------------------


FIGURE_BODIES = ("security_council", "eu_council_1958", "eu_council_1986", "eu_council_1995")
SHORT = {
    "security_council": "UN Security Council (15)",
    "eu_council_1958": "EEC-6 Council, 1958 (12 of 17)",
    "eu_council_1986": "EC-12 Council, 1986 (54 of 76)",
    "eu_council_1995": "EU-15 Council, 1995 (62 of 87)",
}


def member_classes(rule: VotingRule) -> list[tuple[str, list[str]]]:
    """Classes of alike members (same weight, same veto), largest first: (label, members)."""
    kinds: dict[tuple[float, bool], list[str]] = {}
    for member, weight, veto in zip(
        rule.members, rule.weights.tolist(), rule.veto_players.tolist(), strict=True
    ):
        kinds.setdefault((weight, veto), []).append(member)
    out = []
    for (weight, veto), members in sorted(kinds.items(), key=lambda kv: (-kv[0][1], -kv[0][0])):
        if rule.veto_players.any():
            label = "permanent" if veto else "elected"
        else:
            label = f"{weight:g}"
        out.append((f"{label}\n({len(members)})", members))
    return out


def _panel(ax: Axes, key: str, rule: VotingRule, power: Indices, read: list[Reading]) -> None:
    """One body: a pair of bars per class of members, a marker per value read."""
    classes = member_classes(rule)
    x = np.arange(len(classes))
    width = 0.38
    shifts = {"shapley_shubik": -width / 2, "banzhaf": width / 2}
    colours = {"shapley_shubik": "#0072B2", "banzhaf": "#E69F00"}
    for index, shift in shifts.items():
        heights = [float(power[index][members[0]]) for _, members in classes]
        ax.bar(x + shift, heights, width, color=colours[index], label=INDICES[index])
    for reading in read:
        member = BODIES[key].classes.get(reading.member, reading.member)
        spot = next(i for i, (_, members) in enumerate(classes) if member in members)
        published = reading.kind == "published"
        ax.plot(
            x[spot] + shifts[reading.index],
            float(reading.value),
            "o" if published else "x",
            color="black",
            markersize=6,
            fillstyle="none",
            label="value read in a publication" if published else "value read elsewhere",
        )
    ax.set_xticks(x, [label for label, _ in classes], fontsize=7)
    weighted = not rule.veto_players.any()
    ax.set_xlabel(
        "weighted votes (number of members)" if weighted else "members (how many)", fontsize=7
    )
    ax.set_title(SHORT[key], fontsize=9)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_ylabel("index of one member", fontsize=7)


def figure(
    context: Context,
    rules: Mapping[str, VotingRule],
    powers: Mapping[str, Indices],
    readings: Sequence[Reading],
) -> None:
    """Bars of the two indices per class of alike members, with the values read as markers."""
    from matplotlib.figure import Figure

    drawn = Figure(figsize=(8, 5.6), layout="constrained")
    axes = drawn.subplots(2, 2)
    for ax, key in zip(axes.flat, FIGURE_BODIES, strict=True):
        read = [r for r in readings if r.body == key and r.index in ("shapley_shubik", "banzhaf")]
        _panel(ax, key, rules[key], powers[key], read)
    handles: dict[str, object] = {}
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
    drawn.legend(
        list(handles.values()),
        list(handles),
        loc="outside lower center",
        ncol=4,
        fontsize=7,
        frameon=False,
    )
    context.figure(
        "voting_power",
        drawn,
        "The Shapley-Shubik and normalised Banzhaf indices of one member of each class of alike "
        "members, as sim.power computes them, for the Security Council and the Council of the "
        "EEC/EC/EU under its weighted votes of 1958, 1986 and 1995; markers: the values read in "
        "validation/voting_power.csv (circle: a publication; cross: software documentation or "
        "a blog). Luxembourg's bars in the EEC-6 are zero: a dummy.",
    )


GROUP = Group(
    title=TITLE,
    about="""\
The voting power that `sim.power` gives the members of actual bodies, built from the presets of
`sim.voting` (`rule_from_preset`): the Security Council (15 members; and the 11-member Council
of 1945-1965, seven votes), the Council of the EEC-6 (1958: 12 of 17 weighted votes on a
proposal of the Commission, and 12 votes cast by at least four members otherwise), the EC-12
(1986: 54 of 76) and the EU-15 (1995: 62 of 87). The indices are the a priori Shapley-Shubik
index (Shapley & Shubik 1954) and the Banzhaf index, normalised and absolute (Banzhaf 1965;
Felsenthal & Machover 1998), for yes/no voting: abstaining is not voting yes.

Three kinds of expectation. (1) Values read in a source, listed in
`validation/voting_power.csv` with the source, its kind and how it was read (the note of each
check quotes it). Only one scholarly publication stating values could be read: the
introduction of "Luxembourg in the Early Days of the EEC: Null Player or Not?" (Games 9(2): 29,
2018), which states that Luxembourg's Shapley-Shubik and Penrose-Banzhaf indices are zero under
the 1958 rule on a proposal of the Commission, and positive otherwise. The other values read
come from software documentation (the powerindex package's EEC example) and a popular-science
blog (the Security Council's 4/2145); the report says so at each. (2) Closed-form counts of the
Security Council's orderings and coalitions, derived in the expected text. (3) Brute force:
every coalition decided by the body's own rule, the indices counted from those decisions
independently of the dynamic programme of `sim.power`, which must agree exactly.

Not found: no readable published table of the Security Council's indices (e.g. O'Neill 1996,
J. Conflict Resolution 40: 219-237; Hosli et al. 2011, Rev. Int. Organ. 6: 163-187: only first
pages), nor of the EC-12's or the EU-15's (Widgrén 1994 and Laruelle & Widgrén 1998, Public
Choice 94: 317-339: located, first pages only; Felsenthal & Machover 1998: only references to
it), nor Shapley & Shubik (1954) itself, whose statement about the Council of their day (the
five permanent members holding 76/77 of the power) is therefore checked here as a closed-form
count, not as a published value. For the EC-12 and the EU-15 the group checks only the exact
computation and the indices' structure (validation/SOURCES.md, section 3, lists what was
searched).""",
    checks=checks,
)
