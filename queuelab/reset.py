"""Start a run from empty: purge the queue and its DLQ, clear the two tables.

Correctness never depends on this: every message carries its run id and the checker ignores
strays, because on real AWS a purge takes up to 60 s and may be refused within 60 s of the
previous one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from queuelab.outputs import SetOutputs
from queuelab.plan import SIDE_EFFECTS_TABLE_KEY, STATUS_TABLE_KEY

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient


def clear_table(ddb: DynamoDBClient, table: str, key: str) -> int:
    deleted = 0
    paginator = ddb.get_paginator("scan")
    for page in paginator.paginate(
        TableName=table, ProjectionExpression="#k", ExpressionAttributeNames={"#k": key}
    ):
        items = page.get("Items", [])
        for start in range(0, len(items), 25):
            chunk = items[start : start + 25]
            requests: list[Any] = [{"DeleteRequest": {"Key": {key: item[key]}}} for item in chunk]
            unprocessed = ddb.batch_write_item(RequestItems={table: requests}).get(
                "UnprocessedItems", {}
            )
            while unprocessed:
                unprocessed = ddb.batch_write_item(RequestItems=unprocessed).get(
                    "UnprocessedItems", {}
                )
            deleted += len(chunk)
    return deleted


def reset(sqs: SQSClient, ddb: DynamoDBClient, resources: SetOutputs) -> list[str]:
    """Purge and clear; returns notes for the journal (e.g. a purge that was refused)."""
    notes = []
    for url in (resources.queue_url, resources.dlq_url):
        try:
            sqs.purge_queue(QueueUrl=url)
        except sqs.exceptions.PurgeQueueInProgress:
            notes.append(
                f"purge of {url} refused (one ran within 60 s): strays are ignored by run id"
            )
    clear_table(ddb, resources.status_table, STATUS_TABLE_KEY)
    clear_table(ddb, resources.side_effects_table, SIDE_EFFECTS_TABLE_KEY)
    return notes
