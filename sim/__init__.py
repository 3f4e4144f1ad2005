"""stalemate: an agent-based simulator of negotiation deadlock on Mesa.

Parties with stances and alliances negotiate through a mediating troika; the Security Council
votes on drafts under the veto; a party may act alone. See docs/ODD.md for the model.

The names below are loaded on first use (PEP 562), so `import sim` is instant and the command
line can answer Ctrl-C cleanly while the scientific libraries load.
"""

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_HOMES = {
    "NegotiationModel": "sim.model",
    "run_scenario": "sim.model",
    "Run": "sim.pipeline",
    "simulate": "sim.pipeline",
    "write_results": "sim.pipeline",
    "read_results": "sim.results",
    "Outcome": "sim.records",
    "RunRecords": "sim.records",
    "Scenario": "sim.scenario",
    "ScenarioError": "sim.scenario",
    "load_scenario": "sim.scenario",
    "with_overrides": "sim.scenario",
}

__all__ = ["__version__", *_HOMES]


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
