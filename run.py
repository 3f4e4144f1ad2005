"""Run a negotiation scenario: `python run.py scenarios/kosovo_2007.yaml`."""

import sys

if __name__ == "__main__":
    try:
        from sim.launch import main
    except KeyboardInterrupt:  # Ctrl-C in the instant before `main` takes signals over
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    sys.exit(main())
