"""A scenario's verdict is only as good as the SQS behaviours it relies on: the runner probes
them once per session, refuses to run on a target that differs (an error naming the
behaviour, before any process starts), notes the behaviours it adapts to, and journals the
rows and the backend's settings."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

import scenarios
from queuelab.check.verdict import Status
from queuelab.run import runner
from queuelab.targets import semantics
from queuelab.targets.conformance import Row
from queuelab.targets.conformance import Status as Conformity
from queuelab.targets.session import Session


def journal(run_dir: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((run_dir / "journal.json").read_text())
    return loaded


def differing(session: Session, name: str, observed: str) -> Session:
    """The same target, but its conformance says ``name`` differs (no probe needed)."""
    other = dataclasses.replace(session)
    other.conformance._rows[name] = Row(semantics.get(name), Conformity.DIFFERS, observed)
    return other


def test_a_target_that_differs_on_a_relied_on_behaviour_makes_the_run_an_error(
    session: Session, tmp_path: Path
) -> None:
    target = differing(session, "fifo-expired-handle-delete-refused", "delete accepted")
    result = runner.run_scenario(target, scenarios.get("late-delete"), runs_root=tmp_path)

    assert result.status is Status.ERROR
    (reason,) = result.reasons  # that, and no noise about what could not be measured
    assert "differs from SQS" in reason
    assert "fifo-expired-handle-delete-refused" in reason and "delete accepted" in reason
    written = journal(result.run_dir)
    assert written["processes"] == []  # nothing ran
    rows = {row["semantic"]: row["status"] for row in written["semantics"]}
    assert rows["fifo-expired-handle-delete-refused"] == "differs"


def test_a_behaviour_the_scenario_adapts_to_is_noted_not_refused(
    session: Session, tmp_path: Path
) -> None:
    result = runner.run_scenario(session, scenarios.get("purge-timing"), runs_root=tmp_path)

    written = journal(result.run_dir)
    assert result.status is Status.PASSED, result.reasons
    assert any("purge-cooldown" in note and "adapts" in note for note in written["notes"])
    assert written["backend"] == {"purge_cooldown_seconds": 0.0, "dedup_window_seconds": 4.0}
    (row,) = written["semantics"]
    assert row["semantic"] == "purge-cooldown" and row["status"] == "setting"


@pytest.mark.slow  # every probe against a fresh server, twice (~17 s)
def test_the_probes_run_once_per_session_and_only_for_what_is_needed(
    session: Session, tmp_path: Path
) -> None:
    target = dataclasses.replace(session)
    conformance = target.conformance
    probe_runs: list[tuple[str, ...]] = []
    real_run = conformance._run

    def counted(probe: Any, names: tuple[str, ...]) -> dict[str, Row]:
        probe_runs.append(names)
        return real_run(probe, names)

    conformance._run = counted  # type: ignore[method-assign]
    for _ in range(2):
        result = runner.run_scenario(target, scenarios.get("crash"), runs_root=tmp_path)
        assert result.status is Status.PASSED, result.reasons

    assert probe_runs == [("redelivery-after-visibility-timeout",)]
    assert conformance._rows["redelivery-after-visibility-timeout"].status is Conformity.OK
