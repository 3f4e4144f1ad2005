"""The command line (`run.py`, or the `stalemate` console script).

Commands: `run` (the default: run a scenario, write a results folder, print the summary),
`explain` (one replicate told round by round: `sim.narrative`), `validate` (scenario and
sweep files), `schema`, `plot`, the experiments' `sweep`,
`analyse` and `report` (`sim.sweep_cli`), and `validate-model` (the model's validation report,
`sim.validation`). Exit status: 0 success, 1 invalid input (a scenario, an
override's value, a results folder, a file system error, an output that cannot be written),
2 usage error (a malformed command line, an unusable `--out` folder), 130 interrupted (Ctrl-C),
143 stopped by SIGTERM, 129 stopped by SIGHUP (128 + the signal's number, see `sim.launch`),
141 the reader of the output went away (a closed pipe).

Messages go to stderr with control characters escaped (`sim.inputs.printable`, also for
argparse's own errors). A stopped or failed run says "no complete results were written" only
when that is so, and names the complete folder when there is one (stopped just after the
commit, or a summary that could not be printed: a full disk, a closed stdout, a closed pipe).
`--seed` and `--replicates` may not disagree with a `--set` of the same value.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn, TextIO

from tqdm import tqdm

from sim import __version__, sweep_cli
from sim.drawn import DRAWN_OUTCOMES, discover_drawn
from sim.experiment import design_points, load_sweep, sweep_json_schema
from sim.inputs import printable, shown, shown_path
from sim.launch import raise_if_stopped, say, silence_stdout, stopped
from sim.model import NegotiationModel
from sim.narrative import to_json, to_markdown, to_text
from sim.pipeline import (
    Progress,
    Run,
    prepare_scenario,
    redraw_figures,
    simulate,
    write_results,
)
from sim.problems import describe
from sim.results import (
    RESULTS_ROOT,
    ResultsError,
    ResultsFolder,
    default_folder,
    enclosing_results,
    holds_files,
    read_results,
    signals_held,
    staged_beside,
    staging_in_use,
)
from sim.scenario import Scenario, ScenarioError, json_schema, load_scenario, parse_override
from sim.validation import command as validation
from sim.yaml_reading import read_yaml_file

# Progress bars are drawn by this process alone: a thread lock, so that tqdm does not start
# multiprocessing's resource tracker (a process a hang-up kills with a traceback of its own).
tqdm.set_lock(threading.RLock())

COMMANDS = (
    "run",
    "explain",
    "validate",
    "schema",
    "plot",
    "discover",
    "sweep",
    "analyse",
    "report",
    "validate-model",
    "demo",
)
FIGURE_FORMATS = ("png", "svg", "pdf")
EXPLAIN_FORMATS = {"text": to_text, "markdown": to_markdown, "json": to_json}
"""How `explain` prints a replicate's story (`sim.narrative`)."""

INVALID = 1
USAGE = 2
ARGUMENT_ERROR = 400
"""The most characters of a command-line error printed (argparse quotes what it refuses)."""
INTERRUPTED = 130
"""Ctrl-C (SIGINT); SIGTERM gives 143 and SIGHUP 129: 128 + the signal (`sim.launch.Stopped`)."""
BROKEN_PIPE = 141

DESCRIPTION = """\
Run negotiation scenarios: thousands of replicates of troika mediation, Security Council
votes under the veto, and unilateral action, and how often the deadlock breaks."""

EPILOG = """\
examples:
  python run.py scenarios/kosovo_2007.yaml
  python run.py scenarios/kosovo_2007.yaml --replicates 2000 --seed 7 \\
      --set parties.russia.flexibility=0.3 --out results/russia_flexible
  python run.py explain scenarios/kosovo_2007.yaml --replicate 3
  python run.py validate scenarios/*.yaml
  python run.py plot results/kosovo_2007-20261127T120000Z --figure-format svg
  python run.py sweep scenarios/sweeps/red_lines_vs_ripeness.yaml --workers 2
  python run.py validate-model
  python run.py demo

exit status: 0 done, 1 invalid input (a scenario, a --set value, a results folder, a file
or an output that cannot be written), 2 usage error (the command line itself, an unusable
--out), 130 interrupted (Ctrl-C), 143 stopped by SIGTERM, 129 by SIGHUP (a stopped run
removes what it staged and says whether complete results were written), 141 the reader of
the output went away.
Run "python run.py COMMAND --help" for a command's options."""


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples' line breaks."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors quote the command line with control characters escaped."""

    def error(self, message: str) -> NoReturn:
        """Print the usage and the error, escaped and cut short, on stderr; exit with USAGE.

        (argparse quotes a refused argument whole: a 5 000-digit --seed would fill a screen.)
        """
        self.print_usage(sys.stderr)
        self.exit(USAGE, shown(f"{self.prog}: error: {message}", ARGUMENT_ERROR) + "\n")

    def _print_message(self, message: str, file: TextIO | None = None) -> None:
        # argparse drops a failed write: one to stdout (--help, --version) is reported instead
        if message and file is sys.stdout:
            file.write(message)
        else:
            super()._print_message(message, file)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `run.py` with its commands."""
    parser = _Parser(
        prog=shown(Path(sys.argv[0]).name, None) or "run.py",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"stalemate {__version__}")
    commands = parser.add_subparsers(
        dest="command",
        metavar="COMMAND",
        title="commands",
        description='run is the default: "run.py SCENARIO" means "run.py run SCENARIO"',
    )

    run = commands.add_parser(
        "run",
        help="run a scenario (the default command)",
        description="Run a scenario's replicates, write a results folder and print the summary.",
        epilog="""\
examples:
  python run.py run scenarios/kosovo_2007.yaml
  python run.py scenarios/kosovo_2007.yaml --replicates 2000 --seed 7
  python run.py scenarios/kosovo_2007.yaml --set security_council.strategy=table_anyway \\
      --set parties.china.position.sovereignty=0.5 --format json --out results/china

The results folder holds scenario.yaml (as run), manifest.json, runs.csv (one row per
replicate), summary.csv, trajectories.csv and the figures. Rerunning its scenario.yaml
reproduces runs.csv exactly.""",
        formatter_class=_Formatter,
    )
    run.add_argument(
        "scenario", metavar="SCENARIO", help="a scenario YAML file, e.g. scenarios/kosovo_2007.yaml"
    )
    run.add_argument(
        "--replicates",
        type=int,
        metavar="N",
        help="number of replicates, e.g. --replicates 2000 (default: the file's; as --set "
        "replicates=N, and refused if both are given with different values)",
    )
    _seed(run)
    _add_overrides(run, "parties.russia.flexibility=0.3")
    run.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help=f"write the results exactly to DIR, which must be new or empty and not inside "
        f"another results folder (default: {RESULTS_ROOT}/<scenario name>-<UTC time>/)",
    )
    _figure_format(run)
    run.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="how to print the summary: table (default) or json, e.g. --format json",
    )
    run.add_argument(
        "--quiet",
        action="store_true",
        help="print only the results folder: no summary, no progress bar",
    )

    explain = commands.add_parser(
        "explain",
        help="tell one replicate round by round: what happens, and why",
        description="Run one replicate of a scenario and tell it round by round: the events, "
        "the red lines that give way, the mediators' proposals and each disputant's answer "
        "and reason, the moves, the votes at a session and each member's reason, the "
        "unilateral act and each recognition, and the outcome. Replicate N with seed S is "
        "exactly replicate N of 'run.py SCENARIO --seed S' (with the same --set values): "
        "its row of runs.csv. Rounds in which nothing happens but the clock are told in "
        "one line.",
        epilog="""\
examples:
  python run.py explain scenarios/kosovo_2007.yaml
  python run.py explain scenarios/kosovo_2007.yaml --seed 7 --replicate 12
  python run.py explain scenarios/kosovo_2007_eu_leverage.yaml --format markdown > handout.md
  python run.py explain scenarios/kosovo_2007.yaml --set council.strategy=table_anyway \\
      --format json

The JSON holds the replicate (scenario, seed, replicate, the values it drew) and its events,
each with its kind, round, the parties involved and the numbers behind the decision.""",
        formatter_class=_Formatter,
    )
    explain.add_argument(
        "scenario", metavar="SCENARIO", help="a scenario YAML file, e.g. scenarios/kosovo_2007.yaml"
    )
    _seed(explain)
    explain.add_argument(
        "--replicate",
        type=int,
        default=0,
        metavar="N",
        help="which replicate of the run to tell, from 0 to the run's replicates - 1, e.g. "
        "--replicate 12 (default: 0)",
    )
    _add_overrides(explain, "council.strategy=table_anyway")
    explain.add_argument(
        "--format",
        choices=tuple(EXPLAIN_FORMATS),
        default="text",
        help="text (default: plain English), markdown (a heading per round, for handouts) "
        "or json (the events, machine-readable)",
    )

    validate = commands.add_parser(
        "validate",
        help="check scenario files",
        description="Check scenario files: print 'ok' or every problem; exit 1 on any problem.",
        epilog="example:\n  python run.py validate scenarios/*.yaml",
        formatter_class=_Formatter,
    )
    validate.add_argument("files", nargs="+", metavar="FILE", help="scenario YAML files")

    schema = commands.add_parser(
        "schema",
        help="print the JSON Schema of scenario files (or of sweep files)",
        description="Print the JSON Schema of scenario files, or with --sweep of sweep files "
        "(for editors to check and complete them).",
        epilog="examples:\n  python run.py schema > scenario.schema.json\n"
        "  python run.py schema --sweep > sweep.schema.json",
        formatter_class=_Formatter,
    )
    schema.add_argument("--sweep", action="store_true", help="the schema of sweep files")

    plot = commands.add_parser(
        "plot",
        help="redraw the figures of a results folder",
        description="Redraw the figures of a results folder from its tables, without rerunning.",
        epilog="example:\n  python run.py plot results/kosovo_2007-20261127T120000Z "
        "--figure-format pdf",
        formatter_class=_Formatter,
    )
    plot.add_argument("folder", type=Path, metavar="RESULTS_DIR", help="a results folder")
    _figure_format(plot)
    discover = commands.add_parser(
        "discover",
        help="which of the values drawn per replicate lead to an outcome (scenario discovery)",
        description="Scenario discovery over a run's declared uncertainty: PRIM and a "
        "decision tree find the ranges of the values each replicate drew (its drawn.<path> "
        "columns) in which the replicates ending in OUTCOME lie.",
        epilog="example:\n  python run.py discover "
        "results/kosovo_2007_eu_leverage-20261127T120000Z --outcome agreement",
        formatter_class=_Formatter,
    )
    discover.add_argument("folder", type=Path, metavar="RESULTS_DIR", help="a results folder")
    discover.add_argument(
        "--outcome",
        default="breaks",
        choices=DRAWN_OUTCOMES,
        help="the outcome to explain (default: breaks, any outcome but deadlock)",
    )
    sweep_cli.add_commands(commands, _Formatter)
    validation.add_command(commands, _Formatter)
    _demo_command(commands)
    return parser


def _demo_command(commands: argparse._SubParsersAction) -> None:
    """The `demo` command: the interactive page of `sim.app`."""
    demo = commands.add_parser(
        "demo",
        help="open the interactive demo in a browser: step a run, move the controls",
        description="Serve the interactive demo (a Mesa SolaraViz page) and print its address: "
        "play, step and reset one run of a scenario, watch the issue space, the alliances, "
        "the Council's votes and a log of what happens, and move the controls (flexibility, "
        "red lines, alliances, the mediators, an inducement, the veto, the sponsor's "
        "strategy, ripeness, the seed) to see how the outcome distribution of a batch of "
        "300 runs changes. The page may open any scenario in scenarios/, scenarios/examples "
        "and scenarios/teaching, and no other file. It listens on this computer only "
        "(127.0.0.1) unless --host says otherwise; Ctrl-C stops it. Needs the demo extra: "
        'pip install -e ".[demo]".',
        epilog="""\
examples:
  python run.py demo
  python run.py demo scenarios/teaching/veto.yaml --port 8800""",
        formatter_class=_Formatter,
    )
    demo.add_argument(
        "scenario",
        nargs="?",
        default="scenarios/kosovo_2007.yaml",
        metavar="SCENARIO",
        help="the scenario to open first, in scenarios/, scenarios/examples or "
        "scenarios/teaching (default: scenarios/kosovo_2007.yaml)",
    )
    demo.add_argument(
        "--port",
        type=int,
        default=8765,
        metavar="P",
        help="the port to listen on, e.g. --port 8800 (default: 8765; 0: any free port)",
    )
    demo.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="H",
        help="the address to listen on (default: 127.0.0.1, this computer only); "
        "e.g. --host 0.0.0.0 lets other computers on the network open the page",
    )


def _seed(command: argparse.ArgumentParser) -> None:
    """The `--seed S` option of a command that runs a scenario."""
    command.add_argument(
        "--seed",
        type=int,
        metavar="S",
        help="random seed, e.g. --seed 7 (default: the file's; as --set seed=S, and refused if "
        "both are given with different values)",
    )


def _figure_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--figure-format",
        choices=FIGURE_FORMATS,
        default="png",
        help="file format of the figures: png (default), svg or pdf",
    )


def _override(text: str) -> tuple[str, Any]:
    try:
        return parse_override(text)
    except ScenarioError as error:
        raise argparse.ArgumentTypeError(str(error.problems[0])) from None


def _add_overrides(command: argparse.ArgumentParser, example: str) -> None:
    """The repeatable `--set PATH=VALUE` option of a command that runs a scenario."""
    command.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        type=_override,
        metavar="PATH=VALUE",
        help="change a scenario value by its dotted path, validated like the file, e.g. "
        f"--set {example} (repeatable)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    try:
        raise_if_stopped()  # a signal whose exception an import swallowed
        status = _dispatch(list(sys.argv[1:] if argv is None else argv))
        sys.stdout.flush()  # the output's last bytes: a full disk says so here
    except KeyboardInterrupt as error:
        stop = stopped(error)
        say(stop.what)
        return stop.status
    except BrokenPipeError:
        # The reader stopped reading (`run.py schema | head`): send what is left nowhere.
        silence_stdout()
        return BROKEN_PIPE
    except OSError as error:  # the output itself cannot be written (a full disk)
        silence_stdout()
        return _error(f"cannot write the output: {_reason(error)}")
    return status


def _reason(error: OSError) -> str:
    return error.strerror or str(error) or type(error).__name__


def _dispatch(typed: list[str]) -> int:
    words = typed
    if words and words[0] not in (*COMMANDS, "-h", "--help", "--version"):
        words = ["run", *words]  # the default command
    parser = build_parser()
    try:
        args = parser.parse_args(words)
    except SystemExit as done:
        return int(done.code or 0)
    args.command_line = [Path(sys.argv[0]).name or "run.py", *typed]
    if args.command is None:
        parser.print_help(sys.stderr)
        return USAGE
    commands = {
        "run": _run,
        "explain": _explain,
        "validate": _validate,
        "schema": _schema,
        "plot": _plot,
        "discover": _discover,
        "sweep": sweep_cli.sweep,
        "analyse": sweep_cli.analyse,
        "report": sweep_cli.report,
        "validate-model": validation.validate_model,
        "demo": _demo,
    }
    return commands[args.command](args)


def _error(message: str, status: int = INVALID) -> int:
    say(printable(f"error: {message}"))
    return status


def _run(args: argparse.Namespace) -> int:
    started = datetime.now(UTC)
    if (refused := _refused(args)) is not None:
        return _error(*refused)
    settings = {
        "overrides": dict(args.overrides),
        "replicates": args.replicates,
        "seed": args.seed,
        "source": f"{args.scenario} (command line)",
    }
    try:
        scenario = prepare_scenario(args.scenario, **settings)  # checked before any folder
    except ScenarioError as error:
        return _error(str(error))
    folder: ResultsFolder | None = None
    try:
        with signals_held():  # made and named at once: a Ctrl-C cannot leave it unnamed
            folder = ResultsFolder(
                args.out or default_folder(scenario.name, started), exact=args.out is not None
            )
        with _progress_bar(scenario, show=not args.quiet) as bar:  # the file is read once
            ran = simulate(scenario, progress=bar)
        run = replace(ran, scenario_file=args.scenario, overrides=settings["overrides"])
        written = write_results(
            run, folder, figure_format=args.figure_format, command=args.command_line
        )
        _show(run, written, args)
    except BaseException as error:
        if folder is not None:
            folder.discard()
        return _run_failed(error, folder.written if folder else None, args, scenario)
    return 0


def _refused(args: argparse.Namespace) -> tuple[str, int] | None:
    """Why the command line of `run` is refused before anything runs, with the exit status."""
    if (conflict := _conflict(args)) is not None:
        return conflict, USAGE
    try:
        if args.out is not None and (problem := _unusable(args.out)):
            return problem, USAGE
    except OSError as error:
        return f"cannot write results to {shown_path(args.out)}: {_reason(error)}", INVALID
    return None


def _conflict(args: argparse.Namespace) -> str | None:
    """How `--seed` or `--replicates` disagrees with a `--set` of the same value, or None."""
    overrides = dict(args.overrides)
    for name in ("seed", "replicates"):
        given = getattr(args, name, None)
        if given is not None and name in overrides and overrides[name] != given:
            return (
                f"--{name} {given} and --set {name}={describe(overrides[name])} disagree; "
                f"give the {name} once"
            )
    return None


def _show(run: Run, written: Path, args: argparse.Namespace) -> None:
    """Print the summary (or only the folder), and make sure it reached stdout."""
    if args.quiet:
        print(_named(written))
    elif args.format == "json":
        print(json.dumps({**run.summary.to_dict(), "folder": str(written)}, indent=2))
    else:
        print(printable(run.summary.to_text()))
        print(f"\nresults: {_named(written)}")
    sys.stdout.flush()


def _named(path: str | os.PathLike[str]) -> str:
    """A path as printed on stdout: whole, its control characters escaped."""
    return shown(os.fspath(path), None)


def _run_failed(
    error: BaseException, written: Path | None, args: argparse.Namespace, scenario: Scenario
) -> int:
    """Say what became of a run that did not end well; its exit status.

    Args:
        error: what ended it.
        written: its complete results folder, if it was committed before the end.
        args: the command line.
        scenario: the scenario as run.
    """
    if written is not None:
        where = f"the complete results are in {shown_path(written)}"
    else:
        where = "no complete results were written"
    if (stop := stopped(error)) is not None:
        say(f"{stop.what}: {where}")
        return stop.status
    if written is not None and isinstance(error, OSError):  # only printing the summary failed
        silence_stdout()
        if isinstance(error, BrokenPipeError):
            return _error(f"the reader of the output went away; {where}", BROKEN_PIPE)
        return _error(f"cannot write the output ({_reason(error)}); {where}")
    if isinstance(error, ResultsError):
        return _error(str(error))
    if isinstance(error, MemoryError):
        replicates = args.replicates or scenario.replicates
        return _error(
            f"not enough memory for {replicates} replicates of {shown_path(args.scenario)}; "
            "ask for fewer with --replicates"
        )
    raise error


def _explain(args: argparse.Namespace) -> int:
    """Run replicate `--replicate` of the scenario alone, narrated, and print its story."""
    if (conflict := _conflict(args)) is not None:
        return _error(conflict, USAGE)
    try:
        scenario = prepare_scenario(
            args.scenario,
            overrides=dict(args.overrides),
            seed=args.seed,
            source=f"{args.scenario} (command line)",
        )
    except ScenarioError as error:
        return _error(str(error))
    replicate, count = args.replicate, scenario.replicates
    if not 0 <= replicate < count:
        return _error(
            f"--replicate {replicate} is out of range: a run of {shown_path(args.scenario)} "
            f"has replicates 0 to {count - 1} (--set replicates=N runs more)",
            USAGE,
        )
    model = NegotiationModel(scenario, replicates=1, first_replicate=replicate, narrate=True)
    model.run()
    narrative = model.narrator.narrative(command=_batch_command(args, scenario.seed))
    story = EXPLAIN_FORMATS[args.format](narrative)
    print(story if args.format == "json" else printable(story), end="")  # JSON escapes its own
    return 0


def _batch_command(args: argparse.Namespace, seed: int) -> str:
    """The run whose replicate `explain` tells: the scenario, the seed and the --set values."""
    words = ["python", "run.py", args.scenario, "--seed", str(seed)]
    typed = args.command_line[1:]
    for index, word in enumerate(typed):
        if word == "--set" and index + 1 < len(typed):
            words += ["--set", typed[index + 1]]
        elif word.startswith("--set="):
            words += ["--set", word.removeprefix("--set=")]
    return shlex.join(words)


def _unusable(out: Path) -> str | None:
    """Why `--out` cannot take results (checked before the run), or None."""
    named = shown_path(out)
    if out.is_symlink() and not out.exists():
        return f"--out {named} is a link to nothing; choose a folder"
    if (results := enclosing_results(out)) is not None:
        return (
            f"--out {named} lies inside the results folder {shown_path(results)}; choose a "
            "folder outside it"
        )
    if not out.exists() and (live := [p for p in staged_beside(out) if staging_in_use(p)]):
        return (
            f"--out {named} is being written by another run, now ({shown_path(live[0])}); "
            "wait for it to end or choose another folder"
        )
    if not holds_files(out):
        return None
    entries = sorted(out.iterdir()) if out.is_dir() else []
    if entries and all(p.name.endswith(".partial") for p in entries):
        names = ", ".join(shown_path(p) for p in entries)
        if any(staging_in_use(p) for p in entries):
            return (
                f"--out {named} is being written by another run, now ({names}); wait for it "
                "to end or choose another folder"
            )
        return f"--out {named} holds what an interrupted run left ({names}); delete it first"
    return f"--out {named} already holds files; choose a new folder"


@contextmanager
def _progress_bar(scenario: Scenario, show: bool) -> Iterator[Progress]:
    """A progress callback drawing a bar on stderr, if it is a terminal and the run is slow."""
    with tqdm(
        total=scenario.horizon,
        desc=scenario.name,
        unit=scenario.time_unit,
        file=sys.stderr,
        delay=0.5,
        leave=False,
        disable=not (show and sys.stderr.isatty()),
    ) as bar:

        def progress(round_: int, live: int) -> None:
            raise_if_stopped()
            bar.update()
            bar.set_postfix_str(f"{live} live", refresh=False)

        yield progress


def _validate(args: argparse.Namespace) -> int:
    status = 0
    for path in args.files:
        problem = ""
        try:
            if _declares_a_sweep(path):
                loaded = load_sweep(path)
                problem = sweep_cli.invalid_points(loaded, design_points(loaded))
            else:
                load_scenario(path)
        except ScenarioError as error:
            problem = str(error)
        if problem:
            status = _error(problem)
        else:
            print(f"{_named(path)}: ok")
    return status


def _declares_a_sweep(path: str) -> bool:
    """Whether a file reads as a mapping with a sweep's `design` and `parameters` keys.

    (A file that cannot be read is left to the scenario loader to report.)
    """
    try:
        data = read_yaml_file(path)
    except ScenarioError:
        return False
    return isinstance(data, dict) and {"design", "parameters"} <= data.keys()


def _schema(args: argparse.Namespace) -> int:
    print(sweep_json_schema() if args.sweep else json_schema())
    return 0


def _discover(args: argparse.Namespace) -> int:
    try:
        records = read_results(args.folder).records
        discovery = discover_drawn(records, args.outcome)
    except ResultsError as error:
        return _error(str(error))
    except ValueError as error:
        return _error(f"{shown_path(args.folder)}: {error}")
    print(
        f"{_named(args.folder)}: {records.replicates} replicates, "
        f"{len(records.uncertain)} values drawn"
    )
    print(printable(discovery.to_text()))
    return 0


def _plot(args: argparse.Namespace) -> int:
    try:
        written = redraw_figures(args.folder, args.figure_format)
    except ResultsError as error:
        return _error(str(error))
    for path in written:
        print(_named(path))
    return 0


def _demo(args: argparse.Namespace) -> int:
    """Serve the interactive demo (`sim.app`) until interrupted."""
    from sim.app import scenarios, server  # the web libraries are imported only to serve

    if (missing := server.missing()) is not None:
        needed = f"the demo needs the demo extra ({missing} is missing): {server.EXTRA}"
        return _error(needed, USAGE)
    try:
        path = scenarios.resolve(args.scenario, base=Path.cwd())
        load_scenario(path)
    except scenarios.DemoPathError as error:
        return _error(str(error), USAGE)
    except ScenarioError as error:
        return _error(str(error))
    try:
        server.serve(scenarios.relative(path), args.host, args.port, say=_say)
    except server.ServeError as error:
        return _error(str(error))
    return 0


def _say(line: str) -> None:
    print(line, flush=True)
