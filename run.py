"""Run a negotiation scenario: `python run.py scenarios/kosovo_2007.yaml`."""

import sys

try:
    from sim.cli import main
except KeyboardInterrupt:  # Ctrl-C while the libraries load: nothing has started yet
    sys.exit(130)

if __name__ == "__main__":
    sys.exit(main())
