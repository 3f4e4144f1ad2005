"""The interactive demo: `python run.py demo`, a Mesa SolaraViz page for the classroom.

The page steps one replicate of a scenario (an ordinary Mesa model: `NegotiationModel` with one
replicate) and shows the issue space, the alliance network, the Council's last vote, a running
log of what happened, and the outcome distribution of a batch of a few hundred replicates with
the same settings. Its controls change the scenario through `sim.scenario.with_overrides`,
validated as a `--set` value is: an invalid combination shows its error in the page.

The modules, smallest first:

- `scenarios`: the folders the page may load scenarios from, and the check that refuses any
  other path;
- `controls`: the controls a scenario offers (flexibility, red lines, alliances, mediators,
  inducements, the veto, the sponsor's strategy, ripeness, the seed), the `Settings` they make
  up and the scenario overrides they stand for (`build`);
- `demo_model`: the model the page steps (`DemoModel`) and the batch behind the outcome
  distribution (`batch`);
- `events`: the running log in plain words (from `sim.narrative` when the model narrates);
- `views`: the figures and tables, drawn from a model (no web framework needed);
- `page`: the Solara page on Mesa's SolaraViz (needs the `demo` extra);
- `server`: the web server `run.py demo` starts (needs the `demo` extra).

Everything but `page` and `server` works without the `demo` extra, so the tests of the
model factory and the views run anywhere.
"""
