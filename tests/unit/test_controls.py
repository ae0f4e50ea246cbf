"""Negative controls count as caught: an ``--unsafe`` run that shows the anomaly its scenario
declares is ``caught`` (green, ok, exit 0); one that does not is ``missed``, a failure named
``the checker missed ...``. ``--controls`` runs each scenario safe, then its control, never
both on the same resources at once. With the runner replaced by a fake."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from junitparser import Failure, JUnitXml
from typer.testing import CliRunner

import scenarios
from queuelab.check.ledger import Ledger
from queuelab.check.verdict import Status
from queuelab.cli import api, app
from queuelab.run.batch import CAUGHT, MISSED, Job, Outcome, jobs_for, run_many
from queuelab.run.result import Result

DUP = scenarios.get("dup")


def result(name: str, status: Status, unsafe: bool, ledger: Ledger | None = None) -> Result:
    reasons = ("duplicate_side_effects == 0, got 2",) if status is Status.FAILED else ()
    run_dir = Path("/r") / f"{name}-{'unsafe' if unsafe else 'safe'}"  # one per run, as real ones
    return Result(name, status, unsafe, 0.1, ledger or Ledger(), (), reasons, run_dir)


def test_a_control_that_shows_its_anomaly_is_caught_and_ok() -> None:
    shown = result("dup", Status.FAILED, True, Ledger(duplicate_side_effects=2))
    outcome = Outcome.of(Job(DUP, True), shown)
    assert outcome.control and outcome.label == CAUGHT and outcome.ok and not outcome.problems
    assert outcome.to_dict()["outcome"] == "caught" and outcome.to_dict()["ok"] is True


@pytest.mark.parametrize(
    ("status", "ledger"),
    [(Status.PASSED, Ledger()), (Status.FAILED, Ledger(lost=1))],  # passed; another anomaly
)
def test_a_control_that_does_not_show_its_anomaly_is_missed(status: Status, ledger: Ledger) -> None:
    outcome = Outcome.of(Job(DUP, True), result("dup", status, True, ledger))
    assert outcome.label == MISSED and not outcome.ok
    assert outcome.problems[0].startswith("the checker missed duplicate_side_effects >= 1")


def test_a_control_that_could_not_be_judged_stays_an_error() -> None:
    outcome = Outcome.of(Job(DUP, True), result("dup", Status.ERROR, True))
    assert outcome.label == "error" and not outcome.ok


def test_controls_pair_each_scenario_with_its_control_and_a_diagnostic_runs_alone() -> None:
    diagnostic = next(s for s in scenarios.ALL if not s.has_negative_control)
    keys = [j.key for j in jobs_for([DUP, diagnostic], controls=True)]
    assert keys == ["dup", "dup --unsafe", diagnostic.name]


def test_two_runs_on_the_same_resources_never_run_at_once() -> None:
    running: set[str] = set()
    overlaps: list[set[str]] = []
    lock = threading.Lock()

    def start(job: Job, cancel: threading.Event) -> Result:
        with lock:
            overlaps.append(set(running))
            running.add(job.resources)
        time.sleep(0.05)
        with lock:
            running.discard(job.resources)
        return result(job.name, Status.PASSED, job.unsafe)

    todo = jobs_for([scenarios.get("happy"), DUP], controls=True)
    assert len({j.resources for j in todo}) < len(todo)  # some pair shares its queue
    batch = run_many(todo, 4, start)
    assert [r.unsafe for r in batch.ordered()] == [False, True, False, True]
    shared = {j.resources for j in todo if [k.resources for k in todo].count(j.resources) > 1}
    assert all(not (seen & shared) or len(seen & shared) < 2 for seen in overlaps)


@pytest.fixture
def fake_target(monkeypatch: pytest.MonkeyPatch) -> None:
    @contextmanager
    def session(*args: Any) -> Iterator[Any]:
        probed = type("Conformance", (), {"rows": lambda self, names: []})()
        outputs = type(
            "O", (), {"resources": type("All", (), {"__contains__": lambda s, k: True})()}
        )()
        yield type("S", (), {"name": "fake", "conformance": probed, "outputs": outputs})()

    monkeypatch.setattr(api.targets, "open_session", session)
    monkeypatch.setattr(api.outcome_file, "write", lambda outcome: None)
    monkeypatch.setattr(api.outcome_file, "draw", lambda outcome, about: outcome)
    monkeypatch.setattr(api.outcome_file, "index", lambda root: None)


def fake_runs(monkeypatch: pytest.MonkeyPatch, control_shows: bool) -> None:
    def fake_run(session: Any, scenario: Any, *, unsafe: bool, **kwargs: Any) -> Result:
        if not unsafe:
            return result(scenario.name, Status.PASSED, False)
        ledger = Ledger(duplicate_side_effects=2 if control_shows else 0)
        return result(
            scenario.name, Status.FAILED if control_shows else Status.PASSED, True, ledger
        )

    monkeypatch.setattr(api, "run_scenario", fake_run)


def test_run_controls_exits_0_when_every_control_is_caught_green_in_json_and_junit(
    fake_target: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake_runs(monkeypatch, control_shows=True)
    json_file, junit_file = tmp_path / "r.json", tmp_path / "r.xml"
    args = ["run", "dup", "--controls", "--json", str(json_file), "--junit", str(junit_file)]
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    assert "caught dup (unsafe)" in done.output
    payload = json.loads(json_file.read_text())
    assert payload["ok"] is True
    assert [r["outcome"] for r in payload["results"]] == ["passed", "caught"]
    control = payload["results"][1]["control"]
    assert control["must_show"] == ["duplicate_side_effects >= 1"] and control["turned_off"]
    (suite,) = list(JUnitXml.fromfile(str(junit_file)))
    assert (suite.tests, suite.failures, suite.errors) == (2, 0, 0)


def test_a_missed_control_exits_1_named_the_checker_missed(
    fake_target: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake_runs(monkeypatch, control_shows=False)
    junit_file = tmp_path / "r.xml"
    done = CliRunner().invoke(app, ["run", "dup", "--controls", "--junit", str(junit_file)])
    assert done.exit_code == 1
    said = " ".join(done.output.split())
    assert "dup (unsafe) missed: the checker missed duplicate_side_effects >= 1 (got 0)" in said
    (suite,) = list(JUnitXml.fromfile(str(junit_file)))
    (control,) = [case for case in suite if case.classname == "queuelab.unsafe"]
    (failure,) = control.result
    assert isinstance(failure, Failure) and "the checker missed" in failure.message


def test_the_api_runs_controls_through_the_same_path(
    fake_target: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_runs(monkeypatch, control_shows=True)
    with api.Session() as lab:
        results = lab.run_all(["dup"], controls=True)
        single = lab.run("dup", unsafe=True)
    assert results.ok and [o.label for o in results] == ["passed", "caught"]
    assert single.label == "caught" and single.result.run_dir == Path("/r/dup-unsafe")
