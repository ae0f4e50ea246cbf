"""The command line: exit codes, JSON results, knob validation, usage errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import scenarios
from queuelab.check.ledger import LEDGER_FIELDS
from queuelab.cli.main import app

runner = CliRunner()


def queuelab(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "queuelab", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_invalid_knob_stops_the_consumer_before_it_touches_aws(tmp_path: Path) -> None:
    # No endpoint, no credentials: had it reached AWS it would fail differently.
    done = queuelab(
        "consume", cwd=tmp_path, env={"CRASH_RATE": "abc", "QUEUE_URL": "http://nowhere"}
    )
    assert done.returncode == 2
    assert "CRASH_RATE" in done.stderr and "'abc'" in done.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--max-messages", "0"], "MAX_MESSAGES"),
        (["--log-level", "CHATTY"], "LOG_LEVEL"),
        (["--idle-timeout-seconds", "soon"], "IDLE_TIMEOUT_SECONDS"),
    ],
)
def test_invalid_cli_options_are_named(args: list[str], needle: str) -> None:
    result = runner.invoke(app, ["consume", "--queue-url", "http://q", *args])
    assert result.exit_code == 2
    assert needle in result.output


@pytest.mark.parametrize(
    "args",
    [["run"], ["run", "nonexistent"], ["run", "dup", "--set", "nope=1"], ["run", "dup", "--all"]],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    assert runner.invoke(app, args).exit_code == 2


def test_list_and_show_describe_the_scenarios() -> None:
    listed = runner.invoke(app, ["list"])
    shown = runner.invoke(app, ["show", "dup"])
    assert listed.exit_code == 0 and "poison" in listed.output
    assert (
        shown.exit_code == 0
        and "duplicate_side_effects" in shown.output
        and "--unsafe" in shown.output
    )


def test_list_counts_the_scenarios_that_judge_your_consumer_and_json_says_why_not() -> None:
    judged = [s for s in scenarios.ALL if s.black_box.runs]
    listed = runner.invoke(app, ["list"], terminal_width=200)
    count = f"{len(judged)} of {len(scenarios.ALL)} scenarios judge your consumer"
    assert count in listed.output
    data = json.loads(runner.invoke(app, ["list", "--json"]).output)
    counted = {"judge_your_consumer": len(judged), "scenarios": len(scenarios.ALL)}
    assert data["black_box"] == counted
    rows = {row["name"]: row for row in data["scenarios"]}
    assert rows["happy"]["black_box"] is True and rows["happy"]["not_black_box_because"] is None
    assert "deduplication window" in rows["fifo-dedup-window"]["not_black_box_because"]


def test_a_caught_negative_control_exits_0_with_the_anomaly_in_json(tmp_path: Path) -> None:
    # The checker's verdict is failed (it saw the loss): the control did its job, caught
    done = queuelab("run", "crash", "--unsafe", "--json", "r.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (result,) = json.loads((tmp_path / "r.json").read_text())["results"]
    assert (
        result["scenario"] == "crash" and result["status"] == "failed" and result["unsafe"] is True
    )
    assert result["outcome"] == "caught" and result["ok"] is True
    assert result["control"]["must_show"] == ["lost >= 1"]
    assert result["ledger"]["lost"] >= 1
    assert set(LEDGER_FIELDS) <= set(result["ledger"])
    assert {"name", "expected", "actual", "ok"} == set(result["checks"][0])
    assert isinstance(result["duration_s"], float)


@pytest.mark.slow
def test_doctor_semantics_probes_an_embedded_backend_and_prints_json(tmp_path: Path) -> None:
    done = queuelab("doctor", "--semantics", "--json", cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    status = {row["semantic"]: row["status"] for row in report["rows"]}
    assert {name for name, s in status.items() if s != "ok"} == {
        "purge-cooldown",
        "fifo-dedup-window",
    }
    assert report["backend"]["purge_cooldown_seconds"] == 0
    references = [row["reference"] for row in report["rows"]]
    assert all(ref.startswith("https://docs.aws.amazon.com/") for ref in references)
