"""The runner's error paths on a real backend: a failing phase is that run's error verdict
with its reason (the journal still written); Ctrl-C stops every process and writes the
journal as interrupted."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

import scenarios
from queuelab.check.verdict import Status
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.run import runner
from queuelab.run.lab import Lab
from queuelab.targets.outputs import Outputs
from queuelab.targets.session import Session


def journal(run_dir: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((run_dir / "journal.json").read_text())
    return loaded


def test_a_reset_that_fails_makes_an_error_verdict_with_its_reason(
    session: Session, tmp_path: Path
) -> None:
    happy = session.outputs["happy"]
    missing = dataclasses.replace(happy, queue_url=happy.queue_url + "-gone")
    broken = dataclasses.replace(
        session, outputs=Outputs(session.outputs.region, "local", {"happy": missing})
    )
    result = runner.run_scenario(broken, scenarios.get("happy"), runs_root=tmp_path)
    assert result.status is Status.ERROR
    assert any(reason.startswith("reset raised") for reason in result.reasons)
    assert journal(result.run_dir)["verdict"]["status"] == "error"


def test_an_observe_that_fails_makes_an_error_verdict(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("the endpoint went away")

    monkeypatch.setattr(runner.observe, "observe", broken)
    result = runner.run_scenario(session, scenarios.get("happy"), runs_root=tmp_path)
    assert result.status is Status.ERROR
    assert any("observe raised ConnectionError" in reason for reason in result.reasons)


def test_a_history_naming_an_unknown_operation_makes_an_error_verdict_naming_it(
    session: Session, tmp_path: Path
) -> None:
    def method(lab: Lab, p: Any, unsafe: bool) -> None:
        line = '{"time": 1.0, "process": "odd", "type": "ok", "f": "dlete", "key": "a"}\n'
        (lab.run_dir / "history").mkdir(exist_ok=True)
        (lab.run_dir / "history" / "odd.jsonl").write_text(line)

    odd = dataclasses.replace(scenarios.get("happy"), method=method)
    result = runner.run_scenario(session, odd, runs_root=tmp_path)
    assert result.status is Status.ERROR
    (reason,) = result.reasons
    assert reason.startswith("reading the history raised UnknownOperation")
    assert "'dlete'" in reason and "odd.jsonl" in reason
    assert journal(result.run_dir)["verdict"]["status"] == "error"


def test_ctrl_c_stops_every_process_and_journals_the_run_as_interrupted(
    session: Session, tmp_path: Path
) -> None:
    started: list[Any] = []

    def method(lab: Lab, p: Any, unsafe: bool) -> None:
        started.append(lab.consumer(ConsumerKnobs()))
        raise KeyboardInterrupt

    happy = scenarios.get("happy")
    interrupted = dataclasses.replace(happy, method=method)
    with pytest.raises(runner.Interrupted) as caught:
        runner.run_scenario(session, interrupted, runs_root=tmp_path)
    result = caught.value.result
    assert result.status is Status.INTERRUPTED
    assert not started[0].alive()
    written = journal(result.run_dir)
    assert written["verdict"]["status"] == "interrupted"
    assert written["verdict"]["reasons"] == ["interrupted (Ctrl-C or SIGTERM) during method"]
    assert written["processes"][0]["ending"] in ("clean", "stopped")  # SIGTERM: graceful
