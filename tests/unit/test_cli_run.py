"""``queuelab run``'s error paths, with the target and the runner replaced by fakes: an
error verdict does not stop the others, an interrupt prints the table so far and exits 130."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from queuelab.check.ledger import Ledger
from queuelab.check.verdict import Status
from queuelab.cli import api, app
from queuelab.cli import run as run_command
from queuelab.run.result import Interrupted, Result


def result(name: str, status: Status, unsafe: bool = False) -> Result:
    reasons = (f"{status.value} reason",)
    return Result(name, status, unsafe, 0.1, Ledger(), (), reasons, Path("/r") / name)


class Everything:
    """A fake target's outputs: every resource set is provisioned."""

    def __contains__(self, key: object) -> bool:
        return True


@pytest.fixture
def no_target(monkeypatch: pytest.MonkeyPatch) -> None:
    @contextmanager
    def session(*args: Any) -> Iterator[Any]:
        probed = type("Conformance", (), {"rows": lambda self, names: []})()
        outputs = type("O", (), {"resources": Everything()})()
        yield type("S", (), {"name": "fake", "conformance": probed, "outputs": outputs})()

    monkeypatch.setattr(run_command.targets, "open_session", session)
    monkeypatch.setattr(api.outcome_file, "write", lambda outcome: None)  # no run folders
    monkeypatch.setattr(api.outcome_file, "draw", lambda outcome, about: outcome)
    monkeypatch.setattr(api.outcome_file, "index", lambda root: None)


def test_an_error_verdict_does_not_stop_the_other_scenarios(
    no_target: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    statuses = iter([Status.ERROR, Status.PASSED])
    ran: list[str] = []

    def fake_run(session: Any, scenario: Any, **kwargs: Any) -> Result:
        ran.append(scenario.name)
        return result(scenario.name, next(statuses))

    monkeypatch.setattr(api, "run_scenario", fake_run)
    done = CliRunner().invoke(app, ["run", "happy", "crash", "--jobs", "1"])
    assert ran == ["happy", "crash"] and done.exit_code == 1
    assert "error happy" in done.output and "passed crash" in done.output


def test_an_interrupt_prints_the_table_so_far_and_exits_130(
    no_target: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fake_run(session: Any, scenario: Any, **kwargs: Any) -> Result:
        if scenario.name == "crash":
            raise Interrupted(result("crash", Status.INTERRUPTED))
        return result(scenario.name, Status.PASSED)

    monkeypatch.setattr(api, "run_scenario", fake_run)
    done = CliRunner().invoke(app, ["run", "happy", "crash", "dup", "--jobs", "1"])
    assert done.exit_code == 130
    assert "passed happy" in done.output and "interrupted crash" in done.output
    assert "dup" not in done.output.split("verdicts")[0]  # never started
    assert "interrupted: every process" in done.output


def test_a_knob_exported_in_the_shell_is_reported_as_ignored(
    no_target: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api, "run_scenario", lambda s, sc, **k: result(sc.name, Status.PASSED))
    monkeypatch.setenv("CRASH_RATE", "0.5")
    monkeypatch.setenv("CRASH_AFTER_SIDEEFFECT", "2")
    done = CliRunner().invoke(app, ["run", "happy"])
    assert "CRASH_RATE is set in your environment" in done.output
    assert "CRASH_AFTER_SIDEEFFECT looks like the consumer knob CRASH_AFTER_SIDE_EFFECT" in (
        done.output.replace("\n", " ")
    )


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--consumer-command", "no-such-consumer-cmd --flag"], "no such command"),
        (["--consumer-command", "python 'unclosed"], "No closing quotation"),
        (["--consumer-command", "python x.py", "--unsafe"], "judged on the safe expectations"),
    ],
)
def test_a_bad_consumer_command_exits_2_before_anything_runs(
    monkeypatch: pytest.MonkeyPatch, args: list[str], complaint: str
) -> None:
    monkeypatch.setattr(run_command.targets, "open_session", None)  # never reached
    done = CliRunner().invoke(app, ["run", "happy", *args])
    assert done.exit_code == 2
    assert complaint in done.output.replace("\n", " ")


def test_the_consumer_command_reaches_every_run_split_as_a_shell_would(
    no_target: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    given: list[Any] = []

    def fake_run(session: Any, scenario: Any, **kwargs: Any) -> Result:
        given.append(list(kwargs["consumer"].command))
        return result(scenario.name, Status.PASSED)

    monkeypatch.setattr(api, "run_scenario", fake_run)
    monkeypatch.setenv("QUEUELAB_CONSUMER_COMMAND", "python 'my worker.py' --fast")
    done = CliRunner().invoke(app, ["run", "happy", "crash"])
    assert done.exit_code == 0
    assert given == [["python", "my worker.py", "--fast"]] * 2


def test_doctor_json_without_semantics_is_a_usage_error() -> None:
    from typer.testing import CliRunner

    from queuelab.cli.main import app

    result = CliRunner().invoke(app, ["doctor", "--json"])

    assert result.exit_code == 2 and "--json goes with --semantics" in result.output
