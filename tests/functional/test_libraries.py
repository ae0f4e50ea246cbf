"""Real consumer libraries judged black-box (docs/libraries.md), and what they need from the
contract: a DynamoDB table of their own (STATE_TABLE). Each library's test skips, saying
why, when its runtime or its dependencies are not installed."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

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
