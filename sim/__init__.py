"""stalemate: an agent-based simulator of negotiation deadlock on Mesa.

Parties with stances and alliances negotiate through a mediating troika; the Security Council
votes on drafts under the veto; a party may act alone. See docs/ODD.md for the model.
"""

from sim.model import NegotiationModel, run_scenario
from sim.records import Outcome, RunRecords
from sim.scenario import Scenario, ScenarioError, load_scenario, with_overrides

__version__ = "0.1.0"

__all__ = [
    "NegotiationModel",
    "Outcome",
    "RunRecords",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_scenario",
    "run_scenario",
    "with_overrides",
]
