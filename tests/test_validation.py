"""The validation report (`python run.py validate-model`, `sim.validation`).

The machinery (checks, report, exit status, atomic writing, options) is tested with small
groups made up here; each real group is run once at a small scale; and the committed report
is compared with what the command writes at its defaults.
"""

from __future__ import annotations

import math
import os
import shutil
from fractions import Fraction

import pytest

from sim import cli
from sim.pipeline import simulate
from sim.records import Outcome
from sim.validation import (
    GROUPS,
    Check,
    Context,
    Expected,
    Group,
    council_votes,
    kosovo_path,
    numerical_health,
    published_case,
    syria_history,
    voting_power,
)
from sim.validation.checks import ROOT
from sim.validation.report import COLUMNS
from sim.validation.runner import load_groups, run_group, run_groups, write_report
from sim.validation.stats import homogeneity, mean, share, share_check, shift_check

REPORT = ROOT / "docs" / "validation.md"


def run(capsys, *words: object) -> tuple[int, str, str]:
    status = cli.main([str(w) for w in words])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return status, out, err


def passing(context: Context) -> list[Check]:
    return [
        context.check(
            "one is one", "the number one", Expected.equal(1), "arithmetic", "1", True, value=1
        ),
        context.check(
            "a share",
            "a share | with a bar",
            Expected.at_least(0.5),
            "docs/ODD.md",
            "0.9",
            True,
            note="a note",
        ),
    ]


def failing(context: Context) -> list[Check]:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(2, 2))
    figure.add_subplot().plot([0, 1], [0, 1])
    context.figure("made_up", figure, "A made-up figure.")
    return [
        context.check(
            "two is three", "two and three", Expected.equal(3), "nothing", "2", False, value=2
        )
    ]


def broken(context: Context) -> list[Check]:
    raise RuntimeError("the data are gone")


GOOD = Group("Made-up passing group", "It passes.", passing)
BAD = Group("Made-up failing group", "It fails.\n\nA second paragraph.", failing)
BROKEN = Group("Made-up broken group", "It raises.", broken)


@pytest.fixture
def groups(monkeypatch):
    """Make the command run the given made-up groups instead of the registered ones."""

    def use(*chosen: Group) -> None:
        monkeypatch.setattr("sim.validation.runner.load_groups", lambda names=(): list(chosen))

    return use


def table_rows(text: str, header: str) -> list[list[str]]:
    """The rows of the Markdown table whose header row begins with `header`."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {header} |"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip().strip("|").replace("\\|", "\x00").split("|")]
        rows.append([c.replace("\x00", "|") for c in cells])
    return rows


# --- the machinery -----------------------------------------------------------------------------


def test_groups_are_registered_in_order_and_each_has_its_group():
    assert GROUPS[:4] == ("council_votes", "kosovo_path", "comparative_statics", "numerical_health")
    assert GROUPS[4:] == ("voting_power", "published_case", "syria_history")
    loaded = load_groups()
    assert [type(g) for g in loaded] == [Group] * len(GROUPS)
    assert len({g.title for g in loaded}) == len(loaded)


def test_all_passing_exits_0_and_prints_a_line_per_group(tmp_path, capsys, groups):
    groups(GOOD, GOOD)
    status, out, err = run(capsys, "validate-model", "--out", tmp_path / "v.md")
    assert status == 0
    assert err == ""
    lines = out.splitlines()
    assert lines[0].startswith("Made-up passing group: 2 checks, 2 passed, all passed (")
    assert lines[1].startswith("Made-up passing group: 2 checks, 2 passed")
    assert lines[-1] == "passed: all 4 checks"
    text = (tmp_path / "v.md").read_text(encoding="utf-8")
    assert "**FAIL**" not in text
    assert "4 of 4 checks passed: every check passed." in text


def test_a_failing_check_exits_1_and_the_report_says_fail(tmp_path, capsys, groups):
    groups(GOOD, BAD)
    status, out, _ = run(capsys, "validate-model", "--out", tmp_path / "v.md")
    assert status == 1
    assert "Made-up failing group: 1 checks, 0 passed, 1 FAILED" in out
    assert "FAILED: 1 of 3 checks\n  Made-up failing group: two is three" in out
    text = (tmp_path / "v.md").read_text(encoding="utf-8")
    (row,) = table_rows(text.split("## 2. Made-up failing group")[1], "check")
    assert row == ["two is three", "two and three", "3", "nothing", "2", "**FAIL**"]
    assert "2 of 3 checks passed: 1 checks FAILED." in text
    summary = table_rows(text, "group")
    assert summary == [
        ["1. Made-up passing group", "2", "2"],
        ["2. Made-up failing group", "1", "0"],
        ["all", "3", "2"],
    ]


def test_the_report_lists_every_check_with_all_columns(tmp_path, groups):
    context = Context(seed=3, replicates=40)
    validation = run_groups(context, [GOOD, BAD])
    report = tmp_path / "report.md"
    write_report(validation, report, "python run.py validate-model --replicates 40 --seed 3")
    text = report.read_text(encoding="utf-8")
    assert text.startswith("# Validation of the model\n")
    assert "python run.py validate-model --replicates 40 --seed 3" in text
    assert "seed 3" in text and "scale 40" in text
    sections = text.split("\n## ")[2:]  # after the introduction and the summary
    assert len(sections) == 2
    for section, result in zip(sections, validation.results, strict=True):
        assert section.startswith(f"{validation.results.index(result) + 1}. {result.group.title}")
        header = section.splitlines()[section.splitlines().index("| " + " | ".join(COLUMNS) + " |")]
        assert header == "| check | compared | expected | source | obtained | result |"
        rows = table_rows(section, "check")
        assert len(rows) == len(result.checks)
        for row, check in zip(rows, result.checks, strict=True):
            assert row == [
                check.name,
                check.compared,
                check.expected.text,
                check.source,
                check.obtained,
                "pass" if check.passed else "**FAIL**",
            ]
    assert "- a share: a note" in text  # notes below the table
    assert "It fails.\n\nA second paragraph." in text
    assert "![A made-up figure.](report/made_up.png)" in text
    assert "*Figure 1. A made-up figure.*" in text
    assert (tmp_path / "report" / "made_up.png").read_bytes().startswith(b"\x89PNG")


def test_the_report_is_the_same_for_the_same_checks(tmp_path):
    context = Context(seed=3, replicates=40)
    texts = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        write_report(run_groups(context, [GOOD, BAD]), folder / "v.md", "python run.py x")
        texts.append((folder / "v.md").read_bytes())
        assert (folder / "v" / "made_up.png").is_file()
    assert texts[0] == texts[1]


def test_a_group_that_raises_is_a_failing_check_not_a_crash(tmp_path, capsys, groups):
    groups(BROKEN, GOOD)
    status, out, _ = run(capsys, "validate-model", "--out", tmp_path / "v.md")
    assert status == 1
    (check,) = run_group(BROKEN, Context()).checks
    assert not check.passed
    assert check.obtained == "RuntimeError: the data are gone"
    assert "Made-up passing group: 2 checks, 2 passed" in out  # the others still ran


def test_check_names_repeated_within_a_group_are_refused():
    twice = Group("Twice", "Twice.", lambda context: passing(context) + passing(context))
    with pytest.raises(ValueError, match="names two checks 'a share'"):
        run_group(twice, Context())


def test_the_report_is_written_atomically(tmp_path, capsys, groups, monkeypatch):
    groups(GOOD)
    report = tmp_path / "v.md"
    report.write_text("the old report\n", encoding="utf-8")

    def refuse(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    status, _, err = run(capsys, "validate-model", "--out", report)
    assert status == 1
    assert err == f"error: cannot write {report}: No space left on device\n"
    assert report.read_text(encoding="utf-8") == "the old report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.md"]  # no temporary file left


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["--replicates", "0"], "argument --replicates: 0 is out of range; expected at least 20"),
        (["--replicates", "many"], "argument --replicates: 'many' is not a whole number"),
        (["--replicates", "19"], "19 is out of range; expected at least 20"),
        (["--seed", "-1"], "argument --seed: -1 is out of range; expected from 0 to"),
        (["--seed", "1.5"], "argument --seed: '1.5' is not a whole number"),
        (["--out", "report.txt"], "'report.txt' does not name a Markdown file ending in .md"),
        (["--out", "nowhere/v.md"], "--out nowhere/v.md: the folder nowhere does not exist"),
        (["--out", "folder.md"], "--out folder.md is a folder; name a .md file"),
        (["--frobnicate"], "unrecognized arguments: --frobnicate"),
    ],
)
def test_bad_options_give_a_clear_error(tmp_path, capsys, monkeypatch, groups, words, message):
    groups(GOOD)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder.md").mkdir()
    status, _, err = run(capsys, "validate-model", *words)
    assert status == 2
    assert message in err
    assert "error" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.md"]  # nothing written


def test_help_explains_the_options(capsys):
    status, out, _ = run(capsys, "validate-model", "--help")
    assert status == 0
    for option in ("--out PATH", "--replicates N", "--seed S"):
        assert option in out


# --- the statistics ----------------------------------------------------------------------------


def test_a_share_passes_only_if_its_whole_interval_meets_the_bound():
    context = Context().for_group("g")
    at_least = Expected.at_least(0.9)
    assert share_check(context, "a", "a", 1000, 1000, at_least, "s").passed
    assert not share_check(context, "b", "b", 92, 100, at_least, "s").passed  # low end < 0.9
    assert share_check(context, "c", "c", 960, 1000, at_least, "s").passed
    assert share_check(context, "d", "d", 0, 100, Expected.at_most(0.1), "s").passed
    assert not share_check(context, "e", "e", 0, 0, at_least, "s").passed  # nothing to judge
    check = share_check(context, "f", "f", 3, 4, at_least, "s")
    assert check.obtained == "0.750 [0.301, 0.954] (3 of 4)"
    assert check.group == "g"


def test_a_shift_passes_beyond_three_standard_errors_in_the_expected_direction():
    context = Context()
    low, high = share(100, 1000), share(200, 1000)
    assert shift_check(context, "up", "x", ("a", low), ("b", high), True, "s").passed
    assert not shift_check(context, "down", "x", ("a", low), ("b", high), False, "s").passed
    close = share(110, 1000)
    assert not shift_check(context, "near", "x", ("a", low), ("b", close), True, "s").passed
    zero, one = share(0, 50), share(0, 50)  # no spread: floored at 1/n, so no shift
    check = shift_check(context, "flat", "x", ("a", zero), ("b", one), True, "s")
    assert not check.passed and check.value == 0
    weeks = shift_check(
        context, "w", "x", ("a", mean([1, 2, 3])), ("b", mean([7, 8, 9])), True, "s"
    )
    assert weeks.passed and weeks.obtained.endswith("difference +6.00 = +7.3 SE")


def test_homogeneity_pools_rare_categories():
    test = homogeneity({"a": 60, "b": 40, "c": 1}, {"a": 600, "b": 400, "c": 5})
    assert test.categories == (("a",), ("b", "c"))
    assert test.dof == 1 and test.p_value > 0.5
    assert homogeneity({"a": 5}, {"a": 9}).p_value == 1.0  # one category: nothing to differ
    differ = homogeneity({"a": 90, "b": 10}, {"a": 500, "b": 500})
    assert differ.p_value < 1e-10
    assert homogeneity({"a": 3, "b": 0}, {"a": 0, "b": 3}).categories == (("a", "b"),)


def test_mean_has_a_normal_interval():
    estimate = mean([1.0, 2.0, 3.0])
    assert estimate.value == 2.0 and estimate.n == 3
    assert math.isclose(estimate.high - estimate.value, 1.959964 / math.sqrt(3))


# --- each group at a small scale ---------------------------------------------------------------


def test_council_votes_reproduces_every_recorded_vote():
    result = run_group(council_votes.GROUP, Context())
    rows = council_votes.read_votes(
        Context().data_file("unsc_votes.csv") or ROOT / council_votes.FALLBACK
    )
    assert len(result.checks) == len(rows) >= 4
    assert all(c.passed for c in result.checks), [c.obtained for c in result.checks]
    by_name = {c.name: c for c in result.checks}
    assert by_name["S/2011/612"].expected.value == {
        "adopted": False,
        "vetoed_by": ("China", "Russian Federation"),
        "tally": (9, 2, 4),
    }


def test_council_votes_prefers_the_validation_folder_and_flags_a_wrong_record(tmp_path):
    (tmp_path / "validation").mkdir()
    (tmp_path / "validation" / "unsc_votes.csv").write_text(
        "document,date,subject,yes,no,abstain,voted_no,abstained,adopted,meeting,source\n"
        "S/X/1,2000-01-01,right,14,0,1,,China,true,S/PV.1,press release 1\n"
        'S/X/2,2000-01-02,wrong,13,1,1,Russia,China,true,S/PV.2,"press release 2, p. 3"\n'
        "S/X/3,2000-01-03,unreadable,14,0,1,,China,maybe,S/PV.3,press release 3\n"
        "S/X/4,2000-01-04,too many,14,2,1,,China,true,S/PV.4,press release 4\n",
        encoding="utf-8",
    )
    checks = run_group(council_votes.GROUP, Context(root=tmp_path)).checks
    assert [c.passed for c in checks] == [True, False, False, False]
    assert checks[0].source == "press release 1 (validation/unsc_votes.csv, line 2)"
    assert checks[0].compared == "the vote of 2000-01-01, meeting S/PV.1: right"
    assert checks[1].expected.text == "adopted; no veto; 13-1-1"
    assert checks[1].obtained == "not adopted; vetoed by Russian Federation; 13-1-1"
    assert checks[2].obtained == "ValueError: adopted is 'maybe'; expected true or false"
    assert "do not fit a Council of 15" in checks[3].obtained


def test_council_votes_reads_the_tests_data_without_a_validation_folder(tmp_path):
    (tmp_path / "tests" / "data").mkdir(parents=True)
    shutil.copy(ROOT / council_votes.FALLBACK, tmp_path / council_votes.FALLBACK)
    checks = run_group(council_votes.GROUP, Context(root=tmp_path)).checks
    assert checks[0].source == "the UN record of S/RES/1244 (tests/data/unsc_votes.csv, line 2)"
    assert all(c.passed for c in checks)


def test_council_votes_without_a_column_is_one_failing_check(tmp_path):
    (tmp_path / "validation").mkdir()
    (tmp_path / "validation" / "unsc_votes.csv").write_text("document,date\nS/X,2000\n")
    (check,) = run_group(council_votes.GROUP, Context(root=tmp_path)).checks
    assert not check.passed
    assert check.obtained == "ValueError: unsc_votes.csv has no column 'subject'"


def test_kosovo_path_at_a_small_scale():
    result = run_group(kosovo_path.GROUP, Context(replicates=250, seed=11))
    names = [c.name for c in result.checks]
    assert names == [
        "no agreement in the talks",
        "draft withdrawn, not voted",
        "no veto cast",
        "no resolution adopted",
        "unilateral declaration",
        "week of the declaration",
        "the USA recognises",
        "the UK recognises",
        "France recognises",
        "Russia does not recognise",
        "China does not recognise",
        "Serbia does not recognise",
    ]
    assert all(c.passed for c in result.checks), [c.obtained for c in result.checks]
    assert result.checks[0].obtained.endswith("(500 of 500)")
    assert [f.name for f in result.figures] == ["kosovo_declaration_week"]


def test_kosovo_path_dates():
    assert kosovo_path.round_of(kosovo_path.DECLARATION) == 28
    assert kosovo_path.week_of(28) == "11\N{EN DASH}17 Feb 2008"
    assert kosovo_path.week_of(22) == "31 Dec 2007\N{EN DASH}6 Jan 2008"
    assert kosovo_path.weeks_of(26, 30) == "28 Jan\N{EN DASH}2 Mar 2008"


def test_comparative_statics_at_a_small_scale():
    group = load_groups(("comparative_statics",))[0]
    result = run_group(group, Context(replicates=200, seed=5))
    assert len(result.checks) == 18
    assert all(c.passed for c in result.checks), [
        (c.name, c.obtained) for c in result.checks if not c.passed
    ]
    shifts = [c for c in result.checks if "→" in c.name]
    assert len(shifts) == 12
    assert all(c.expected.relation == ">" and abs(c.value) > 3 for c in shifts)
    assert [f.name for f in result.figures] == ["comparative_statics"]


def test_numerical_health_at_a_small_scale():
    result = run_group(numerical_health.GROUP, Context(replicates=40, seed=3))
    by_name = {c.name: c for c in result.checks}
    assert list(by_name) == [
        "(a) the share is not degenerate",
        "(a) width ratio R = 10 / R = 40",
        "(a) width ratio R = 40 / R = 160",
        "(b) one at a time = the batch",
        "(b) one at a time ~ a batch: outcome",
        "(b) one at a time ~ a batch: end week",
    ]
    exact = by_name["(b) one at a time = the batch"]
    assert exact.passed and exact.obtained == "6 of 6 identical"
    assert 0 <= by_name["(b) one at a time ~ a batch: outcome"].value <= 1
    assert [f.name for f in result.figures] == ["interval_width"]


def test_council_votes_decides_with_the_security_council_preset():
    votes = {"China": "no", "France": "yes", "Brazil": "abstain"} | {
        f"e{i}": "yes" for i in range(9)
    }
    result = council_votes.decide(votes, list(votes), ["China", "France"])
    assert (result.adopted, result.vetoed_by, result.yes) == (False, ("China",), 10)
    assert "except ImportError" not in (ROOT / "sim/validation/council_votes.py").read_text()


def test_voting_power_matches_every_value_read_and_brute_force():
    result = run_group(voting_power.GROUP, Context())
    assert all(c.passed for c in result.checks), [
        (c.name, c.obtained) for c in result.checks if not c.passed
    ]
    by_name = {c.name: c for c in result.checks}
    readings = voting_power.read_values(Context().data_file("voting_power.csv"))
    assert len(readings) >= 4 and {r.kind for r in readings} >= {"published"}
    assert by_name["eu_council_1958: shapley_shubik, published"].value == {"luxembourg": 0}
    assert by_name["security_council: Shapley-Shubik, elected member"].value == [Fraction(4, 2145)]
    assert by_name["security_council_1945: permanent members together"].value == Fraction(76, 77)
    for body in ("security_council", "eu_council_1958", "eu_council_1986", "eu_council_1995"):
        assert by_name[f"{body}: programme = brute force"].value == 0
    assert [f.name for f in result.figures] == ["voting_power"]


def test_voting_power_brute_force_counts_a_small_game():
    from sim.voting import voting_rule

    rule = voting_rule(
        ["a", "b", "c", "d"], weights={"a": 3, "b": 2, "c": 1, "d": 1}, weight_threshold=4
    )
    counted = voting_power.brute_force(rule)
    assert counted["shapley_shubik"] == {
        "a": Fraction(1, 2),
        "b": Fraction(1, 6),
        "c": Fraction(1, 6),
        "d": Fraction(1, 6),
    }
    assert counted == voting_power.computed(rule)


def test_voting_power_flags_a_wrong_value_read(tmp_path):
    (tmp_path / "validation").mkdir()
    text = (ROOT / "validation" / "voting_power.csv").read_text(encoding="utf-8")
    wrong = text.replace(
        "security_council,elected,shapley_shubik,==,4/2145",
        "security_council,elected,shapley_shubik,==,5/2145",
    )
    assert wrong != text
    (tmp_path / "validation" / "voting_power.csv").write_text(wrong, encoding="utf-8")
    checks = run_group(voting_power.GROUP, Context(root=tmp_path)).checks
    failed = [c.name for c in checks if not c.passed]
    assert failed == ["security_council: shapley_shubik, blog"]


def test_published_case_reproduces_the_hand_arithmetic():
    result = run_group(published_case.GROUP, Context())
    assert [c.name for c in result.checks] == [
        "the scenario holds the published inputs",
        "weighted_mean: capability x salience weighted mean",
        "median: capability x salience weighted median",
        "the other reading of the Netherlands and Belgium",
    ]
    assert all(c.passed for c in result.checks), [c.obtained for c in result.checks]
    mean = result.checks[1]
    assert math.isclose(mean.value, 5.003 / 0.677, rel_tol=1e-12)
    assert "5.003, / .677 = 7.389956" in mean.expected.text
    assert result.checks[2].value == 7.0
    assert (
        "forecast" in published_case.GROUP.about
        and "could not be found" in published_case.GROUP.about
    )


def test_published_case_flags_a_scenario_that_strays_from_the_data(tmp_path):
    (tmp_path / "validation").mkdir()
    (tmp_path / "scenarios" / "published").mkdir(parents=True)
    shutil.copy(ROOT / "validation" / "published_case.yaml", tmp_path / "validation")
    scenario = (ROOT / published_case.SCENARIO).read_text(encoding="utf-8")
    changed = scenario.replace("salience: {standards_date: 100}", "salience: {standards_date: 90}")
    assert changed != scenario
    (tmp_path / published_case.SCENARIO).write_text(changed, encoding="utf-8")
    checks = run_group(published_case.GROUP, Context(root=tmp_path)).checks
    assert [c.passed for c in checks][:1] == [False]
    assert checks[0].obtained == "1 actors differ: Denmark"


def test_the_published_scenario_runs():
    records = simulate(ROOT / published_case.SCENARIO, replicates=20, trajectories=False).records
    assert (records.outcome != Outcome.ONGOING).all()


def test_syria_history_reproduces_three_drafts_in_one_run():
    result = run_group(syria_history.GROUP, Context(replicates=40, seed=3))
    assert [c.name for c in result.checks] == [
        f"{symbol}: {what}"
        for symbol in ("S/2011/612", "S/2012/77", "S/2012/538")
        for what in ("tally", "vetoed by", "each member's vote")
    ]
    assert all(c.passed for c in result.checks), [c.obtained for c in result.checks]
    assert result.checks[0].expected.value == (9, 2, 4)
    assert result.checks[1].value == [("china", "russia")]
    assert "calibrated" in syria_history.GROUP.about


def test_syria_history_flags_a_record_the_run_does_not_match(tmp_path):
    (tmp_path / "validation").mkdir()
    (tmp_path / "scenarios" / "examples").mkdir(parents=True)
    shutil.copy(ROOT / syria_history.SCENARIO, tmp_path / syria_history.SCENARIO)
    text = (ROOT / "validation" / "syria_2011_2012.yaml").read_text(encoding="utf-8")
    wrong = text.replace(
        'tally: {"yes": 13, "no": 2, "abstain": 0}', 'tally: {"yes": 12, "no": 2, "abstain": 1}'
    )
    assert wrong != text
    (tmp_path / "validation" / "syria_2011_2012.yaml").write_text(wrong, encoding="utf-8")
    checks = run_group(syria_history.GROUP, Context(root=tmp_path, replicates=20)).checks
    assert [c.name for c in checks if not c.passed] == ["S/2012/77: tally"]


# --- the committed report ------------------------------------------------------------------------


def test_the_committed_report_is_what_the_command_writes(tmp_path, capsys):
    """docs/validation.md is regenerated byte for byte by `python run.py validate-model`.

    If this fails after a change to the model, or to its data (tests/data/unsc_votes.csv,
    validation/), regenerate the report with that command and commit it with its figures.
    """
    out = tmp_path / REPORT.name
    run(capsys, "validate-model", "--out", out)
    assert out.read_text(encoding="utf-8") == REPORT.read_text(encoding="utf-8")
