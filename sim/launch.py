"""The entry point of `run.py` and the `stalemate` console script.

It imports the command line inside a guard: Ctrl-C while numpy, pandas, matplotlib and Mesa
load (about a second) exits with status 130 and no traceback, as it does later.
"""

from __future__ import annotations

import sys


def main() -> int:
    """Load the command line and run it on `sys.argv`; returns the exit status."""
    try:
        from sim.cli import main as command_line
    except KeyboardInterrupt:
        return 130
    return command_line()


if __name__ == "__main__":
    sys.exit(main())
