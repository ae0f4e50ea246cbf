"""The reset before a run: purge only what holds something, then wait out the purge."""

from __future__ import annotations

import time
from typing import Any

from queuelab.contract.tables import CONSUMER
from queuelab.targets.observe import depth
from queuelab.targets.reset import reset
from queuelab.targets.session import Session


def test_empty_queues_are_not_purged_so_nothing_waits(
    session: Session, sqs: Any, dynamodb: Any
) -> None:
    resources = session.outputs["purge-timing"]
    reset(sqs, dynamodb, resources)  # from empty

    started = time.monotonic()
    notes = reset(sqs, dynamodb, resources, purge_wait_seconds=30)

    assert notes == [] and time.monotonic() - started < 5


def test_after_purging_a_queue_that_held_messages_the_reset_waits_out_the_purge(
    session: Session, sqs: Any, dynamodb: Any
) -> None:
    resources = session.outputs["purge-timing"]
    sqs.send_message(QueueUrl=resources.queue_url, MessageBody="left over")

    started = time.monotonic()
    notes = reset(sqs, dynamodb, resources, purge_wait_seconds=0.5)

    assert time.monotonic() - started >= 0.5
    assert any("waited" in note for note in notes)
    assert depth(sqs, resources.queue_url).total == 0


def test_the_consumers_own_table_starts_every_run_empty(
    session: Session, sqs: Any, dynamodb: Any
) -> None:
    resources = session.outputs["purge-timing"]
    table = resources.table(CONSUMER)  # every set has one (a foreign consumer's STATE_TABLE)
    record = {"id": {"S": "left over"}, "status": {"S": "INPROGRESS"}}
    dynamodb.put_item(TableName=table, Item=record)

    reset(sqs, dynamodb, resources)

    assert dynamodb.scan(TableName=table)["Count"] == 0
