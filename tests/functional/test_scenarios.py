"""Every scenario passes on the embedded backend, and its negative control fails with the
anomaly it declares: the same checker, the safeguard off."""

from __future__ import annotations

from pathlib import Path

import pytest

import scenarios
from queuelab.check.verdict import Status
from queuelab.run.runner import run_scenario
from queuelab.run.scenario import Category, Scenario
from queuelab.targets.session import Session


def marks(scenario: Scenario) -> list[pytest.MarkDecorator]:
    """On-demand scale scenarios run here at their declared small size (the same method and
    checks); at that size they do not take the machine, so they run beside the other tests."""
    found = [pytest.mark.catalogue]
    found += [pytest.mark.slow] if scenario.category is Category.SLOW else []
    alone = scenario.alone and not scenario.small
    return found + ([pytest.mark.alone] if alone else [])


CASES = [
    pytest.param(s, unsafe, id=f"{s.name}-{'unsafe' if unsafe else 'safe'}", marks=marks(s))
    for s in scenarios.ALL
    for unsafe in ((False, True) if s.has_negative_control else (False,))
]


@pytest.mark.parametrize(("scenario", "unsafe"), CASES)
def test_scenario_verdict(
    session: Session, tmp_path: Path, scenario: Scenario, unsafe: bool
) -> None:
    small = scenario.small if scenario.on_demand else None
    result = run_scenario(session, scenario, unsafe=unsafe, overrides=small, runs_root=tmp_path)

    journal = result.run_dir / "journal.json"
    if not unsafe:
        assert result.status is Status.PASSED, f"{result.reasons} (journal: {journal})"
        return
    assert result.status is Status.FAILED, f"{result.reasons} (journal: {journal})"
    metrics = result.ledger.metrics()
    for expect in scenario.unsafe_shows:
        assert expect.evaluate(metrics).ok, f"--unsafe should show {expect}: {metrics}"
