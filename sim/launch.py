"""The entry point of `run.py` and the `stalemate` console script, and how the program stops.

Before it loads anything heavy, `main` makes the program stop the same clean way on SIGINT
(Ctrl-C), SIGTERM (`kill`, a cluster's scheduler at the end of a job's time) and SIGHUP (its
terminal closed): each raises `Stopped`, a `KeyboardInterrupt`, so every cleanup written for
Ctrl-C runs for all three, and the exit status is 128 + the signal's number (130, 143, 129), the
status a shell reports for a process the signal killed. Only the first signal stops the
program; later ones are noted and ignored, so its cleanup and its last message are never cut
short; once the command is done they are ignored, while Python shuts down. A signal the
program was started with ignored (`nohup`, a background job of a script) stays ignored.

It then gives a closed stdin, stdout or stderr `/dev/null`, so no file the program opens takes
its place (a results file opened as descriptor 1 would receive the output); a closed stdout
still fails every write, so the program can say that its output was lost.

Last it imports the command line and runs it: a signal while numpy, pandas, matplotlib and Mesa
load exits with the signal's status and no traceback, whatever error the interrupted import
raised (the command line says more about what a stopped command left).
(A signal before Python has run a line of the program, while the interpreter itself starts,
is Python's: SIGINT then ends in Python's own message and SIGTERM or SIGHUP kill the process;
either way nothing has been written.)
"""

from __future__ import annotations

import atexit
import errno
import io
import os
import signal
import sys
from typing import NoReturn

STOPPING = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
"""The signals that stop the program cleanly."""

_received: list[int] = []
"""The stopping signals received so far, in order."""


class Stopped(KeyboardInterrupt):
    """A signal (SIGINT, SIGTERM or SIGHUP) asked the program to stop."""

    def __init__(self, signum: int = signal.SIGINT):
        super().__init__(signum)
        self.signum = signum

    @property
    def status(self) -> int:
        """The exit status: 128 + the signal's number (130 for SIGINT, 143 for SIGTERM)."""
        return 128 + self.signum

    @property
    def what(self) -> str:
        """How the message names the stop: "interrupted", or "stopped by SIGTERM"."""
        if self.signum == signal.SIGINT:
            return "interrupted"
        return f"stopped by {signal.Signals(self.signum).name}"


def stopped(error: BaseException) -> Stopped | None:
    """The stop that `error` is, or that caused it; None if no signal asked to stop.

    A plain `KeyboardInterrupt` is a SIGINT. Any other error raised after a stopping signal
    arrived is that signal's doing (an import or a library cut short raises what it likes).
    """
    if isinstance(error, Stopped):
        return error
    if _received:
        return Stopped(_received[0])
    if isinstance(error, KeyboardInterrupt):
        return Stopped(signal.SIGINT)
    return None


def raise_if_stopped() -> None:
    """Raise `Stopped` if a stopping signal arrived but its exception was swallowed.

    (A library that catches every exception, or a finalizer the signal landed in, would
    otherwise let the program run on after the user asked it to stop.)
    """
    if _received:
        raise Stopped(_received[0])


def install() -> None:
    """Make SIGINT, SIGTERM and SIGHUP raise `Stopped` (each unless started ignored).

    A stop raised where Python cannot pass it on (a finalizer, a callback) is not printed as
    an ignored exception: the command notices it when it returns (`_command_line`).
    """
    for signum in STOPPING:
        if signal.getsignal(signum) != signal.SIG_IGN:
            signal.signal(signum, _stop)
    sys.unraisablehook = _unraisable


def _unraisable(unraisable: sys.UnraisableHookArgs) -> None:
    if not isinstance(unraisable.exc_value, KeyboardInterrupt):
        sys.__unraisablehook__(unraisable)


def _stop(signum: int, frame: object) -> None:
    _received.append(signum)
    if len(_received) == 1:
        raise Stopped(signum)


def say(message: str) -> None:
    """Print `message` on stderr, if stderr can still be written (a hung-up terminal cannot)."""
    try:
        print(message, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def reopen_closed_streams() -> None:
    """Open `/dev/null` as each of descriptors 0, 1 and 2 that is closed (see the module)."""
    for descriptor in (0, 1, 2):
        try:
            os.fstat(descriptor)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != descriptor:
                os.dup2(null, descriptor)
                os.close(null)
            if descriptor == 1:
                sys.stdout = _ClosedOutput()
            elif descriptor == 2:
                sys.stderr = open(descriptor, "w", closefd=False)


def silence_stdout() -> None:
    """Point stdout at /dev/null: output that could not be written is dropped, not retried.

    (Python would otherwise try to flush it again at exit, and complain.)
    """
    try:
        descriptor = sys.stdout.fileno()
    except (OSError, ValueError):  # a stdout that is no file: a closed one, a test's capture
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, descriptor)
    os.close(null)


class _ClosedOutput(io.TextIOBase):
    """Stands for a stdout closed when the program started: every write fails with EBADF."""

    def writable(self) -> bool:
        """It is an output."""
        return True

    def write(self, text: str) -> int:
        """Fail as writing to a closed descriptor does."""
        raise OSError(errno.EBADF, "standard output is closed")


def main() -> int:
    """Prepare signals and streams, load the command line, run it; returns the exit status."""
    install()
    reopen_closed_streams()
    return _command_line()


def _command_line() -> int:
    """Import and run the command line; a signal's stop, however it surfaced, is no traceback."""
    try:
        from sim.cli import main as command_line

        status = command_line()
        _ignore_stopping()
        if _received and status == 0:  # swallowed where it landed, as the command finished
            stop = Stopped(_received[0])
            say(f"{stop.what} as the command finished: its work is complete")
            status = stop.status
    except BaseException as error:
        if (stop := stopped(error)) is None:
            raise
        say(stop.what)
        _ignore_stopping()
        status = stop.status
    if _received:
        _end_now(status)
    return status


def _end_now(status: int) -> NoReturn:
    """Exit with `status` once the exit functions have run and the output is flushed.

    The rest of Python's shutdown, tearing the modules down, is skipped: a signal can cut an
    import or a library short (matplotlib loads while the figures are drawn), and tearing such
    a module down can crash the interpreter ("Fatal Python error", about 1 stop in 30 there).
    """
    atexit._run_exitfuncs()  # what libraries registered: multiprocessing's cleanup, say
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    os._exit(status)


def _ignore_stopping() -> None:
    """Ignore the stopping signals from now on: the command is done.

    (Python's shutdown takes the better part of a second, and restores the default actions
    early in it: a signal then would kill the process, with no exit status of ours.)
    """
    for signum in STOPPING:
        signal.signal(signum, signal.SIG_IGN)


if __name__ == "__main__":
    sys.exit(main())
