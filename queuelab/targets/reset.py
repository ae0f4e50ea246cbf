"""Start a run from empty: purge the queue and its DLQ, clear the tables (the pipeline's
too), empty the claim-check bucket.

Correctness never depends on the purge: every message carries its run id, consumers drop
and the checker ignores strays of other runs, because on real AWS a purge takes up to 60 s
and may be refused within 60 s of the previous one. What a purge can do on AWS is delete
messages sent while it still runs, so after purging a queue that held anything the reset
waits out that window (``purge_wait_seconds``) before the run sends its own. The embedded
backend the runner starts purges at once and without a cooldown (its setting
``purge_cooldown_seconds=0``, recorded in every journal).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from queuelab.contract.tables import SIDE_EFFECTS_TABLE_KEY, STATUS_TABLE_KEY, TABLE_KEYS
from queuelab.system.waiting import with_backoff
from queuelab.targets.observe import depth
from queuelab.targets.outputs import SetOutputs

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient


class ResetError(RuntimeError):
    """A table could not be cleared: the run cannot start from empty."""


def clear_table(ddb: DynamoDBClient, table: str, key: str) -> int:
    """Delete every item; unprocessed items are retried with backoff, a bounded number of
    times (``ResetError`` after that)."""
    deleted = 0
    paginator = ddb.get_paginator("scan")
    for page in paginator.paginate(
        TableName=table, ProjectionExpression="#k", ExpressionAttributeNames={"#k": key}
    ):
        items = page.get("Items", [])
        for start in range(0, len(items), 25):
            chunk = items[start : start + 25]
            pending: dict[str, Any] = {
                table: [{"DeleteRequest": {"Key": {key: item[key]}}} for item in chunk]
            }

            def write() -> dict[str, Any]:
                nonlocal pending
                pending = dict(
                    ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems", {})
                )
                return pending

            if with_backoff(write, unfinished=bool):
                raise ResetError(f"{table}: items still unprocessed after retries")
            deleted += len(chunk)
    return deleted


def empty_bucket(s3: S3Client, bucket: str) -> int:
    """Delete every object (a run's claim checks are its own)."""
    deleted = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        objects = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if objects:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True})  # type: ignore[typeddict-item]
            deleted += len(objects)
    return deleted


def reset(
    sqs: SQSClient,
    ddb: DynamoDBClient,
    resources: SetOutputs,
    purge_wait_seconds: float = 0.0,
    s3: S3Client | None = None,
) -> list[str]:
    """Purge the queues that hold anything and clear the tables; returns notes for the
    journal (a purge that was refused, a wait for one to finish)."""
    notes = []
    purging = False
    for url in (resources.queue_url, resources.dlq_url):
        if depth(sqs, url).total == 0:
            continue  # nothing to purge (a stray the counts missed is dropped by run id)
        purging = True
        try:
            sqs.purge_queue(QueueUrl=url)
        except sqs.exceptions.PurgeQueueInProgress:
            notes.append(f"purge of {url} refused: one is running (strays are dropped by run id)")
    clear_table(ddb, resources.status_table, STATUS_TABLE_KEY)
    clear_table(ddb, resources.side_effects_table, SIDE_EFFECTS_TABLE_KEY)
    for role, table in resources.tables.items():
        clear_table(ddb, table, TABLE_KEYS[role])
    if resources.bucket:
        if s3 is None:
            raise ResetError(f"the bucket {resources.bucket} needs an S3 client to be emptied")
        empty_bucket(s3, resources.bucket)
    if purging and purge_wait_seconds:
        notes.append(
            f"waited {purge_wait_seconds:.0f} s after purging: the target may delete messages "
            "sent while a purge runs"
        )
        time.sleep(purge_wait_seconds)
    return notes
