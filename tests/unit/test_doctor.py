from __future__ import annotations

import scenarios
from queuelab.contract.tables import CONSUMER
from queuelab.targets.doctor import QueueFacts, TableFacts, check_extras, check_set
from queuelab.targets.outputs import SetOutputs

ITEM = scenarios.get("poison").resources
WHERE = SetOutputs("q", "arn:q", "d", "arn:d", "s", "e", False, 2, 1, 2)
TAGS = {"project": "queuelab", "stack": "dev", "scenario": "poison"}
GOOD = {
    "queue": QueueFacts(
        True, "arn:q", False, {"deadLetterTargetArn": "arn:d", "maxReceiveCount": 2}, 2, TAGS
    ),
    "dlq": QueueFacts(True, "arn:d", False, None, 30, TAGS),
    "status": TableFacts(True, "id", "expires_at", TAGS),
    "effects": TableFacts(True, "subject", "", TAGS),
}


def failing(**changes: object) -> list[str]:
    facts = GOOD | changes
    return [row.check for row in check_set(ITEM, WHERE, "dev", **facts) if not row.ok]  # type: ignore[arg-type]


def test_resources_as_planned_are_healthy() -> None:
    assert failing() == []


def test_each_deviation_is_named() -> None:
    assert failing(queue=QueueFacts(True, "arn:q", False, None, 2, TAGS)) == ["redrive policy"]
    assert failing(queue=QueueFacts(True, "arn:q", True, GOOD["queue"].redrive, 2, TAGS)) == [
        "queue FIFO"
    ]
    assert failing(status=TableFacts(True, "id", "", TAGS)) == ["status table TTL"]
    assert failing(effects=TableFacts(False)) == ["side-effects table exists"]
    assert failing(queue=QueueFacts(True, "arn:q", False, GOOD["queue"].redrive, 2, {})) == [
        "queue tags"
    ]
    wrong_count = {"deadLetterTargetArn": "arn:d", "maxReceiveCount": 5}
    assert failing(queue=QueueFacts(True, "arn:q", False, wrong_count, 2, TAGS)) == [
        "redrive policy"
    ]


def consumer_failing(table: TableFacts | None) -> list[str]:
    found = {} if table is None else {CONSUMER: table}
    return [row.check for row in check_extras(ITEM, "dev", found, None) if not row.ok]


def test_every_set_has_the_consumers_own_table_with_the_contracts_schema() -> None:
    assert CONSUMER in ITEM.roles and CONSUMER not in ITEM.tables
    assert consumer_failing(TableFacts(True, "id", "expiration", TAGS)) == []
    assert consumer_failing(None) == ["consumer table exists"]
    assert consumer_failing(TableFacts(True, "pk", "expiration", TAGS)) == ["consumer table key"]
    assert consumer_failing(TableFacts(True, "id", "", TAGS)) == ["consumer table TTL"]
    assert consumer_failing(TableFacts(True, "id", "expiration", {})) == ["consumer table tags"]
