"""Run a negotiation scenario: `python run.py scenarios/kosovo_2007.yaml`."""

import sys

from sim.launch import main

if __name__ == "__main__":
    sys.exit(main())
