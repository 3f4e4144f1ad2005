"""Run a negotiation scenario: `python run.py scenarios/kosovo_2007.yaml`."""

import sys

from sim.cli import main

if __name__ == "__main__":
    sys.exit(main())
