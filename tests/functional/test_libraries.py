"""Real consumer libraries judged black-box (docs/libraries.md), and what they need from the
contract: a DynamoDB table of their own (STATE_TABLE). Each library's test skips, saying
why, when its runtime or its dependencies are not installed."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

import scenarios
from queuelab.check.verdict import Status
from queuelab.contract.tables import CONSUMER
from queuelab.run.drivers import Consumer
from queuelab.run.runner import Result, run_scenario
from queuelab.targets.session import Session

ROOT = Path(__file__).parents[2]
STATE_TABLE_USER = [sys.executable, str(Path(__file__).parent / "consumers" / "state_table.py")]


def run(session: Session, tmp_path: Path, name: str, command: list[str]) -> Result:
    return run_scenario(
        session, scenarios.get(name), runs_root=tmp_path, consumer=Consumer.of(command)
    )


def why(result: Result) -> str:
    return f"{result.status}: {result.reasons} (journal: {result.run_dir / 'journal.json'})"


def test_a_foreign_consumer_gets_its_own_table_emptied_before_the_run(
    session: Session, tmp_path: Path, dynamodb: Any
) -> None:
    table = session.outputs["happy"].table(CONSUMER)
    dynamodb.put_item(TableName=table, Item={"id": {"S": "from an earlier run"}})

    result = run(session, tmp_path, "happy", STATE_TABLE_USER)

    assert result.status is Status.PASSED, why(result)
    items = dynamodb.scan(TableName=table)["Items"]
    assert len(items) == 20 and {"id": {"S": "from an earlier run"}} not in items


# -- the bbc sqs-consumer (Node) ------------------------------------------------------------

SQS_CONSUMER = ROOT / "examples" / "node-sqs-consumer"
SQS_CONSUMER_PASSES = ["node", str(SQS_CONSUMER / "consumer.mjs")]
SQS_CONSUMER_README = [*SQS_CONSUMER_PASSES, "--readme"]


def sqs_consumer_ready() -> str:
    """Why the sqs-consumer example cannot run here ("" if it can)."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (SQS_CONSUMER / "node_modules" / "sqs-consumer").exists():
        return "its dependencies are not installed: make examples-sqs-consumer (npm ci)"
    return ""


needs_sqs_consumer = pytest.mark.skipif(
    bool(sqs_consumer_ready()), reason=sqs_consumer_ready() or "ready"
)


@needs_sqs_consumer
@pytest.mark.parametrize(
    "name",
    [
        "happy",
        *(pytest.param(n, marks=pytest.mark.slow) for n in ("crash", "fifo-order", "poison")),
    ],
)
def test_sqs_consumer_configured_as_documented_passes(
    session: Session, tmp_path: Path, name: str
) -> None:
    result = run(session, tmp_path, name, SQS_CONSUMER_PASSES)
    assert result.status is Status.PASSED, why(result)


@needs_sqs_consumer
@pytest.mark.slow
def test_sqs_consumer_finishes_the_message_in_hand_with_pollingcompletewaittimems(
    session: Session, tmp_path: Path
) -> None:
    # One message at a time: the lab holds its next side-effect request (docs/libraries.md).
    command = [*SQS_CONSUMER_PASSES, "--batch-size", "1"]
    result = run(session, tmp_path, "dup-graceful-shutdown", command)
    assert result.status is Status.PASSED, why(result)


@needs_sqs_consumer
@pytest.mark.slow
def test_sqs_consumer_as_its_readme_starts_it_abandons_the_message_in_hand_on_sigterm(
    session: Session, tmp_path: Path
) -> None:
    result = run(session, tmp_path, "dup-graceful-shutdown", SQS_CONSUMER_README)
    assert result.status is Status.FAILED, why(result)
    assert [c for c in result.checks if c.name == "in_hand_redelivered" and not c.ok], why(result)


# -- Powertools for AWS Lambda (Python): batch processor + idempotency, outside Lambda -------

POWERTOOLS = [sys.executable, str(ROOT / "examples" / "powertools" / "consumer.py")]


def powertools_ready() -> str:
    if importlib.util.find_spec("aws_lambda_powertools") is None:
        return "aws-lambda-powertools is not installed: make examples-powertools"
    return ""


needs_powertools = pytest.mark.skipif(
    bool(powertools_ready()), reason=powertools_ready() or "ready"
)


@needs_powertools
@pytest.mark.parametrize(
    "name",
    ["happy", *(pytest.param(n, marks=pytest.mark.slow) for n in ("crash", "business"))],
)
def test_powertools_with_a_lease_registered_as_its_context_passes(
    session: Session, tmp_path: Path, dynamodb: Any, name: str
) -> None:
    result = run(session, tmp_path, name, POWERTOOLS)
    assert result.status is Status.PASSED, why(result)
    if name == "happy":  # its idempotency records are in the contract's table, completed
        items = dynamodb.scan(TableName=session.outputs[name].table(CONSUMER))["Items"]
        assert len(items) == 20 and {i["status"]["S"] for i in items} == {"COMPLETED"}


@needs_powertools
@pytest.mark.slow
def test_powertools_without_a_context_dead_letters_what_a_crash_left_in_progress(
    session: Session, tmp_path: Path
) -> None:
    result = run(session, tmp_path, "crash", [*POWERTOOLS, "--no-context"])
    assert result.status is Status.FAILED, why(result)
    assert [c for c in result.checks if c.name == "dead_lettered" and not c.ok], why(result)


@needs_powertools
@pytest.mark.slow
def test_powertools_idempotency_alone_pays_twice_after_a_crash_before_its_record_completes(
    session: Session, tmp_path: Path
) -> None:
    result = run(session, tmp_path, "dup-side-effects", [*POWERTOOLS, "--no-key"])
    assert result.status is Status.FAILED, why(result)
    assert [c for c in result.checks if c.name == "duplicate_side_effects" and not c.ok], why(
        result
    )
