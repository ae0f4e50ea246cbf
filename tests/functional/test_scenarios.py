"""Every scenario passes on the embedded backend, and its negative control fails with the
anomaly it declares: the same checker, the safeguard off. The runs are made side by side in
the session's batch (``matrix.py``); each item judges its own."""

from __future__ import annotations

import pytest
from matrix import alone, planned

import scenarios
from queuelab.check.verdict import Status
from queuelab.run.result import Result
from queuelab.run.scenario import Category, Scenario


def marks(scenario: Scenario, unsafe: bool) -> list[pytest.MarkDecorator]:
    """On-demand scale scenarios run here at their declared small size (the same method and
    checks); at that size they do not take the machine, so they run beside the other tests."""
    found = [pytest.mark.catalogue, *planned(scenario.name, unsafe), *alone(scenario.name)]
    return found + ([pytest.mark.slow] if scenario.category is Category.SLOW else [])


CASES = [
    pytest.param(s, unsafe, id=f"{s.name}-{'unsafe' if unsafe else 'safe'}", marks=marks(s, unsafe))
    for s in scenarios.ALL
    for unsafe in ((False, True) if s.has_negative_control else (False,))
]


@pytest.mark.parametrize(("scenario", "unsafe"), CASES)
def test_scenario_verdict(planned_result: Result, scenario: Scenario, unsafe: bool) -> None:
    result = planned_result
    journal = result.run_dir / "journal.json"
    if not unsafe:
        assert result.status is Status.PASSED, f"{result.reasons} (journal: {journal})"
        return
    assert result.status is Status.FAILED, f"{result.reasons} (journal: {journal})"
    metrics = result.ledger.metrics()
    for expect in scenario.unsafe_shows:
        assert expect.evaluate(metrics).ok, f"--unsafe should show {expect}: {metrics}"
