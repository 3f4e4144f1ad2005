"""A catalogue of hostile and careless scenario inputs, each with the message it must give.

Every case is a file (or a `--set` value) that once escaped as a traceback, hung, exhausted
memory or printed too much, together with its relatives. Each must be refused with a
`ScenarioError` that names the source and a path, quotes at most a short escaped excerpt
of what it found, and says what was expected; on the command line, with exit status 1, one
`error:` message and nothing written.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from sim.inputs import SCENARIO_BYTES, shown
from sim.problems import SHOWN_PROBLEMS
from sim.scenario import (
    MAX_EXTENDS,
    ScenarioError,
    load_scenario,
    parse_override,
    validate_scenario,
    with_overrides,
)
from sim.yaml_reading import MAX_DEPTH, MAX_INTEGER_DIGITS, MAX_VALUES

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "scenarios" / "examples" / "two_party_bargaining.yaml"
LONGEST_MESSAGE = 4000
"""No message about one input is longer (a 20 MB value once gave a 20 MB message)."""


def base_text() -> str:
    return BASE.read_text(encoding="utf-8")


def base_data() -> dict:
    return yaml.safe_load(base_text())


def with_line(key: str, value: str) -> str:
    """The base scenario with the top-level `key` set to the YAML text `value`."""
    data = base_data()
    data.pop(key, None)
    return yaml.safe_dump(data, sort_keys=False) + f"{key}: {value}\n"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# --- files: each builder writes the input under tmp and returns the path to load ----------


def _file(text: str | bytes) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        path = tmp / "scenario.yaml"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return build


def _special(target: str) -> Callable[[Path], Path]:
    """A scenario path that is (a link to) a special file."""

    def build(tmp: Path) -> Path:
        path = tmp / "scenario.yaml"
        if target == "fifo":
            os.mkfifo(path)
        elif target == "loop":
            path.symlink_to(path)
        elif target == "folder":
            path.mkdir()
        else:
            path.symlink_to(target)
        return path

    return build


def _extending(target: str) -> Callable[[Path], Path]:
    """A variant whose `extends` names `target` (a special file, or one `_special` builds)."""

    def build(tmp: Path) -> Path:
        base = target if target.startswith("/") else str(_special(target)(tmp))
        variant = tmp / "variant.yaml"
        variant.write_text(f"extends: {base}\nname: v\nchanges: {{horizon: 10}}\n")
        return variant

    return build


def _extending_text(extends: str) -> Callable[[Path], Path]:
    """A variant whose `extends` is the YAML text `extends`."""

    def build(tmp: Path) -> Path:
        variant = tmp / "variant.yaml"
        variant.write_text(f"extends: {extends}\nname: v\nchanges: {{horizon: 10}}\n")
        return variant

    return build


def _chain(length: int) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        (tmp / "v0.yaml").write_text(base_text(), encoding="utf-8")
        for step in range(1, length + 1):
            (tmp / f"v{step}.yaml").write_text(
                f"extends: v{step - 1}.yaml\nname: v{step}\nchanges: {{horizon: {10 + step}}}\n"
            )
        return tmp / f"v{length}.yaml"

    return build


def _named(name: str) -> Callable[[Path], Path]:
    """A missing file whose name holds terminal escape codes."""
    return lambda tmp: tmp / name


ESC = "\x1b[2J\x1b[31m"
MANY_ITEMS = "sources: [" + "0, " * (MAX_VALUES + 10) + "]\n"

FILES = {
    # special files, directly and through `extends`
    "dev-zero": (_special("/dev/zero"), "not a regular file but a device"),
    "dev-urandom": (_special("/dev/urandom"), "not a regular file but a device"),
    "dev-null": (_special("/dev/null"), "not a regular file but a device"),
    "fifo": (_special("fifo"), "not a regular file but a pipe (FIFO)"),
    "folder": (_special("folder"), "not a regular file but a folder"),
    "missing": (_named("nothing-here.yaml"), "No such file or directory"),
    "extends-dev-zero": (_extending("/dev/zero"), "not a regular file but a device"),
    "extends-fifo": (_extending("fifo"), "not a regular file but a pipe (FIFO)"),
    "extends-folder": (_extending("folder"), "not a regular file but a folder"),
    "extends-etc-passwd": (_extending("/etc/passwd"), "found the text 'root:"),
    "extends-chain-too-long": (_chain(MAX_EXTENDS + 2), "a chain of more than 16 variants"),
    # sizes and counts
    "over-size-limit": (
        _file("# " + "x" * SCENARIO_BYTES + "\n"),
        "larger than the limit of 1 MiB",
    ),
    "too-many-values": (_file(MANY_ITEMS), f"found more than {MAX_VALUES:,} values"),
    "deep-nesting": (_file(with_line("sources", nested(2000))), "nesting deeper than 40 levels"),
    "deep-mapping": (
        _file(with_line("sources", "{a: " * 100 + "1" + "}" * 100)),
        "nesting deeper than 40 levels",
    ),
    # integers beyond Python's digit limit, in every base YAML reads
    "seed-5000-digits": (_file(with_line("seed", "9" * 5000)), "an integer of 5,000 digits"),
    "horizon-5000-digits": (_file(with_line("horizon", "1" * 5000)), "an integer of 5,000"),
    "seed-negative-5000": (_file(with_line("seed", "-" + "9" * 5000)), "of 5,000 digits"),
    "seed-hex-4000": (_file(with_line("seed", "0x" + "f" * 4000)), "an integer of 4,000 digits"),
    "seed-octal": (_file(with_line("seed", "0" + "7" * 200)), "an integer of 201 digits"),
    "seed-binary": (_file(with_line("seed", "0b" + "1" * 5000)), "an integer of 5,000 digits"),
    "seed-sexagesimal": (_file(with_line("seed", "1" + ":30" * 200)), "an integer of 401 digits"),
    "seed-underscores": (_file(with_line("seed", "1_000" * 100)), "an integer of 400 digits"),
    "seed-tagged-int": (_file(with_line("seed", "!!int " + "1" * 200)), "of 200 digits"),
    # values the YAML library cannot construct
    "impossible-date": (_file(with_line("start", "2012-02-30")), "cannot read as a timestamp"),
    "bad-base64": (_file(with_line("description", "!!binary 'zz'")), "base64"),
    "python-tag": (_file(with_line("description", "!!python/name:os.system")), "python/name"),
    "float-tag-on-text": (_file(with_line("horizon", "!!float abc")), "cannot read as a float"),
    # values whose construction fails inside the YAML library, each kind of failure
    "bool-tag-on-text": (_file(with_line("description", "!!bool maybe")), "cannot read as a bool"),
    "empty-int-tag": (_file(with_line("horizon", "!!int ''")), "cannot read as an int"),
    "sign-only-int": (_file(with_line("horizon", "!!int '-'")), "cannot read as an int"),
    "empty-float-tag": (_file(with_line("horizon", "!!float ''")), "cannot read as a float"),
    "int-tag-on-list": (_file(with_line("horizon", "!!int [1]")), "expected a scalar node"),
    "timestamp-tag-on-text": (
        _file(with_line("start", "!!timestamp abc")),
        "cannot read as a timestamp",
    ),
    "month-13": (_file(with_line("start", "2012-13-01")), "month must be in 1..12"),
    "time-of-day": (_file(with_line("start", "2011-02-18 10:00:00")), "start"),
    # keys
    "complex-key": (_file(with_line("? [a, b]", "1").replace("? [a, b]:", "? [a, b]\n:")), "(key)"),
    "aliased-complex-key": (
        _file(
            "a0: &a0 [x, x, x, x, x, x, x, x]\n"
            + "".join(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 8) + "]\n" for i in range(1, 9))
            + "? *a8\n: 1\n"
        ),
        "once its aliases (*name) are expanded",
    ),
    "alias-amplification": (
        _file(
            "shared: &p {"
            + ", ".join(f"i{k}: 0.5" for k in range(1000))
            + "}\n"
            + "".join(f"x{k}: *p\n" for k in range(200))
        ),
        "more than 50,000 values once its aliases (*name) are expanded",
    ),
    # names that resolve to no file
    "extends-link-loop": (_extending("loop"), "which names no file"),
    "extends-nul": (_extending_text('"base\\0.yaml"'), "which names no file"),
    "extends-error-names-the-variant": (_extending("/dev/zero"), "variant.yaml, which extends"),
    # scales and calendars the model cannot represent
    "infinite-scale-width": (
        _file(base_text().replace("scale: [0, 100]", "scale: [-1.0e+308, 1.0e+308]")),
        "ends a finite distance apart",
    ),
    "dates-past-9999": (
        _file(with_line("start", "9999-06-01").replace("time_unit: week", "time_unit: month")),
        "a horizon whose last round begins by 9999-12-31",
    ),
    # text that is not text
    "not-utf8": (_file(b"name: \xff\xfe\n"), "not UTF-8 text (byte 0xff on line 1)"),
    "lone-surrogate-label": (
        _file(base_text().replace("label: Coastal state", 'label: "\\udcff"')),
        "with a lone surrogate",
    ),
    "lone-surrogate-description": (
        _file(with_line("description", '"abc \\ud800 def"')),
        "with a lone surrogate",
    ),
    # what is quoted back
    "escape-codes-in-name": (_named(f"evil{ESC}.yaml"), "evil\\x1b[2J\\x1b[31m.yaml"),
    "escape-codes-in-value": (
        _file(with_line("horizon", f'"12{ESC}"'.replace("\x1b", "\\e"))),
        "'12\\x1b[2J\\x1b[31m'",
    ),
    "huge-name": (_file(with_line("name", "a" * 500_000)), "(500,000 characters)"),
    "huge-key": (_file(with_line("z" * 100_000, "1")), "could not find expected ':'"),
    "huge-explicit-key": (_file(base_text() + "? " + "z" * 100_000 + "\n: 1\n"), "(100,000 char"),
    "control-character": (_file(with_line("description", "a\x07b")), "the character '\\x07'"),
}


@pytest.mark.parametrize(("build", "expected"), FILES.values(), ids=FILES.keys())
def test_a_hostile_file_is_refused_with_a_short_escaped_message(
    tmp_path: Path, build: Callable[[Path], Path], expected: str
) -> None:
    path = build(tmp_path)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert expected in message
    assert_safe(message)


def assert_safe(message: str) -> None:
    """Short, and no control character but line breaks."""
    assert len(message) <= LONGEST_MESSAGE
    assert all(c.isprintable() or c == "\n" for c in message), shown(message, None)


# --- the command line: one message, exit 1, nothing written -------------------------------

ON_THE_COMMAND_LINE = [
    "dev-zero",
    "fifo",
    "extends-etc-passwd",
    "deep-nesting",
    "seed-5000-digits",
    "lone-surrogate-label",
    "escape-codes-in-name",
    "huge-name",
]


@pytest.mark.parametrize("case", ON_THE_COMMAND_LINE)
def test_the_command_line_refuses_it_and_writes_nothing(tmp_path: Path, case: str) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    build, expected = FILES[case]
    path = build(inputs)
    done = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), str(path), "--replicates", "2"],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
    )
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 1, stderr
    assert stderr.startswith("error: ") and "Traceback" not in stderr
    assert expected in stderr
    assert b"\x1b" not in done.stderr and done.stdout == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inputs"]


# --- `--set` values: the same reader and limits as files -----------------------------------

SETS = {
    "nested-2000": (f"sources={nested(2000)}", "sources.0.0.0", "nesting deeper than 40"),
    "nested-mappings": ("sources=" + "{a: " * 60 + "1" + "}" * 60, "", "nesting deeper"),
    "duplicate-key": (
        "parties.coastal.red_lines={x: 10, x: 20}",
        "parties.coastal.red_lines.x",
        "the key 'x' again on line 1",
    ),
    "number-as-key": ("parties.coastal.red_lines={1: 10}", "red_lines.1", "reads as an int"),
    "hex-seed-4000": ("seed=0x" + "f" * 4000, "seed", "an integer of 4,000 digits"),
    "decimal-seed-5000": ("seed=" + "7" * 5000, "seed", "an integer of 5,000 digits"),
    "too-many-items": ("sources=[" + "0," * (MAX_VALUES + 5) + "]", "sources", "more than"),
    "unclosed": ("horizon=[1, 2", "horizon", "invalid YAML"),
    "bool-tag": ("horizon=!!bool maybe", "horizon", "cannot read as a bool"),
    "python-tag": ("horizon=!!python/object:os.system 1", "horizon", "python/object"),
    "impossible-date": ("start=2012-13-45", "start", "cannot read as a timestamp"),
    "no-equals": ("horizon", "", "PATH=VALUE"),
}


@pytest.mark.parametrize(("text", "path", "expected"), SETS.values(), ids=SETS.keys())
def test_a_hostile_set_value_is_refused(text: str, path: str, expected: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_override(text)
    message = str(caught.value)
    assert message.startswith("--set: ")
    assert path in message and expected in message
    assert_safe(message)


APPLIED = {
    "superscript-index": ("sources.²=x", "sources.²: found '²'; expected an index from 0 to"),
    "index-5000-digits": ("sources." + "9" * 5000 + "=x", "; expected an index from 0 to"),
    "datetime-start": ("start=2011-02-18 10:00:00", "start: found"),
    "scale-overflow": ("issues.quota.scale=[-1.0e+308, 1.0e+308]", "a finite distance apart"),
}


@pytest.mark.parametrize(("text", "expected"), APPLIED.values(), ids=APPLIED.keys())
def test_a_hostile_set_path_or_value_is_refused_when_applied(text: str, expected: str) -> None:
    base = load_scenario(BASE).model_copy(update={"sources": ["a source"]})
    with pytest.raises(ScenarioError) as caught:
        with_overrides(base, dict([parse_override(text)]), source="--set")
    assert expected in str(caught.value)
    assert_safe(str(caught.value))


def test_a_set_value_is_read_as_a_file_value_is() -> None:
    assert parse_override("parties.coastal.red_lines={quota: 10}") == (
        "parties.coastal.red_lines",
        {"quota": 10},
    )
    assert parse_override("seed=0x10") == ("seed", 16)
    assert parse_override("horizon=" + "9" * MAX_INTEGER_DIGITS)[1] == int("9" * 100)


def test_a_valid_but_huge_integer_is_refused_by_its_field_in_a_short_message() -> None:
    base = load_scenario(BASE)
    with pytest.raises(ScenarioError) as caught:
        with_overrides(base, {"horizon": 10**99})
    assert "horizon: found an integer of about 100 digits" in str(caught.value)


@pytest.mark.parametrize("argument", [b"label=\xff\xfe", b"label=ok\xed\xa0\x80"])
def test_bytes_that_are_not_utf8_in_a_set_value_are_refused(
    tmp_path: Path, argument: bytes
) -> None:
    done = subprocess.run(
        [
            sys.executable.encode(),
            str(ROOT / "run.py").encode(),
            str(BASE).encode(),
            b"--set",
            b"parties.coastal." + argument,
            b"--replicates",
            b"2",
        ],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
    )
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 2, stderr  # a usage error, as every --set refused on reading
    assert "argument --set: parties.coastal.label: found the character '\\ud" in stderr
    assert "lone surrogates" in stderr
    assert "Traceback" not in stderr and list(tmp_path.iterdir()) == []


# --- the Python API: the same limits on what a message quotes -----------------------------


def test_a_twenty_megabyte_value_gives_a_short_message() -> None:
    data = base_data()
    data["name"] = "n" * 20_000_000
    with pytest.raises(ScenarioError) as caught:
        validate_scenario(data, source="big")
    assert "(20,000,000 characters)" in str(caught.value)
    assert_safe(str(caught.value))


def test_ten_thousand_problems_are_counted_not_listed() -> None:
    data = base_data()
    data["sources"] = [{"bad": index} for index in range(10_000)]
    with pytest.raises(ScenarioError) as caught:
        validate_scenario(data, source="many")
    message = str(caught.value)
    assert message.startswith("many: 10000 problems")
    assert f"... and {10_000 - SHOWN_PROBLEMS} more" in message
    assert len(message.splitlines()) == SHOWN_PROBLEMS + 2


def test_a_surrogate_in_a_key_is_refused_with_its_path() -> None:
    data = base_data()
    data["parties"]["coastal"]["red_lines"] = {"\udcff": 1}
    with pytest.raises(ScenarioError) as caught:
        validate_scenario(data, source="keys")
    assert "parties.coastal.red_lines.\\udcff: found the text '\\udcff'" in str(caught.value)


def test_the_depth_limit_is_far_above_any_scenario() -> None:
    """The shipped scenarios are at most a few levels deep: the limit refuses only abuse."""
    assert MAX_DEPTH >= 20
    for path in sorted((ROOT / "scenarios").rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert len(text.encode()) < SCENARIO_BYTES / 10


# --- labels are text: markup is drawn as it is written -------------------------------------

MARKUP = " ".join(["$x^$", "$\\frac{1}{$", "50% _under_ {braces}", "a\\nb", "$$", "\\$5", "^_^"])
"""Invalid mathtext, TeX commands, and characters TeX would read: once fatal when drawing."""


def test_text_that_looks_like_markup_is_drawn_as_text(tmp_path: Path) -> None:
    markup = MARKUP
    data = base_data()
    data["parties"]["coastal"]["label"] = f"Coastal {markup}"
    data["issues"]["quota"]["description"] = f"Share {markup}"
    data["issues"]["quota"]["labels"] = [f"none {markup}", f"all {markup}"]
    data["time_unit"] = "week $x^$ 50% {b} \\$"
    path = tmp_path / "markup.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), str(path), "--replicates", "5", "--quiet"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    folder = Path(tmp_path, done.stdout.strip())
    assert {"outcomes.png", "trajectories.png", "manifest.json"} <= {
        p.name for p in folder.iterdir()
    }


def test_a_label_longer_than_a_figure_can_show_is_refused(tmp_path: Path) -> None:
    text = base_text().replace("label: Coastal state", "label: " + "W" * 60_000)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(_file(text)(tmp_path))
    message = str(caught.value)
    assert "parties.coastal.label: found the text 'WWW" in message
    assert "(60,000 characters)" in message and "at most 120 characters" in message


# --- options: argparse quotes what it refuses; the message stays short and escaped ----------

HUGE = "9" * 5000
OPTIONS = {
    "seed-5000-digits": (["--seed", HUGE], "invalid int value"),
    "replicates-5000-digits": (["--replicates", HUGE], "invalid int value"),
    "unknown-option-with-escapes": ([f"--colour{ESC}", "x" * 5000], "unrecognized arguments"),
}


@pytest.mark.parametrize(("arguments", "expected"), OPTIONS.values(), ids=OPTIONS.keys())
def test_a_hostile_option_gives_a_short_usage_error(
    tmp_path: Path, arguments: list[str], expected: str
) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), str(BASE), *arguments],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    error = done.stderr.splitlines()[-1]
    assert expected in error and len(error) <= 450 and "Traceback" not in done.stderr
    assert "\x1b" not in done.stderr and list(tmp_path.iterdir()) == []


def test_a_drawn_round_beyond_any_horizon_is_refused_not_wrapped() -> None:
    """A draw of 1e300 once became -9223372036854775808 in an integer array."""
    base = load_scenario(ROOT / "scenarios" / "belgrade_pristina_2013.yaml")
    with pytest.raises(ScenarioError) as caught:
        with_overrides(base, {"uncertainty": {"events.0.round": {"uniform": [1, 1.0e300]}}})
    assert "events.0.round: found an integer of about 300 digits" in str(caught.value)
    assert "expected less than or equal to 10000" in str(caught.value)
