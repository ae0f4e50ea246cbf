"""Read the final state of a run's resources: what is left in the queue and the DLQ (by key),
and the side effects the external system recorded.

Reading a queue means receiving from it, so leftovers are received and deleted: the run is
over and the next one starts from empty anyway. Messages still in flight when consumers
stopped become visible within the visibility timeout, so reading goes on until the queue
reports nothing left or that timeout (plus a margin) has passed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from queuelab.check.ledger import Observation
from queuelab.contract.messages import KEY_ATTRIBUTE, RUN_ATTRIBUTE
from queuelab.contract.tables import (
    PERFORMANCES_ATTRIBUTE,
    RUN_ID_ATTRIBUTE,
    SIDE_EFFECTS_TABLE_KEY,
)
from queuelab.system.waiting import poll
from queuelab.targets.outputs import SetOutputs
from queuelab.targets.pacing import EXACT, Pacing

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

MARGIN_SECONDS = 3.0
READ_VISIBILITY_SECONDS = 60


@dataclass
class Leftovers:
    keys: list[str] = field(default_factory=list)
    strays: int = 0
    unread: int = 0  # still invisible when time ran out


@dataclass(frozen=True)
class Depth:
    visible: int
    in_flight: int
    delayed: int

    @property
    def total(self) -> int:
        return self.visible + self.in_flight + self.delayed


def depth(sqs: SQSClient, url: str) -> Depth:
    """The queue's approximate counts (exact on the embedded backend)."""
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=[
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ],
    )["Attributes"]
    return Depth(
        visible=int(attributes.get("ApproximateNumberOfMessages", "0")),
        in_flight=int(attributes.get("ApproximateNumberOfMessagesNotVisible", "0")),
        delayed=int(attributes.get("ApproximateNumberOfMessagesDelayed", "0")),
    )


def _read_batch(sqs: SQSClient, url: str, run_id: str, wait: int, found: Leftovers) -> int:
    """Receive, note and delete one batch; how many messages it held."""
    messages = sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=10,
        WaitTimeSeconds=wait,
        VisibilityTimeout=READ_VISIBILITY_SECONDS,
        MessageAttributeNames=["All"],
    ).get("Messages", [])
    for message in messages:
        attributes: dict[str, Any] = dict(message.get("MessageAttributes", {}))
        run = attributes.get(RUN_ATTRIBUTE, {}).get("StringValue")
        if run is not None and run != run_id:
            found.strays += 1
            continue
        found.keys.append(
            attributes.get(KEY_ATTRIBUTE, {}).get("StringValue") or message["MessageId"]
        )
    if messages:
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
            ],
        )
    return len(messages)


def leftovers(
    sqs: SQSClient, url: str, run_id: str, wait_seconds: float, pacing: Pacing = EXACT
) -> Leftovers:
    """Receive (and delete) everything left, until the queue reads empty
    ``pacing.read_confirmations`` times in a row or in-flight messages outstay
    ``wait_seconds``."""
    found = Leftovers()
    empty_reads = 0

    def all_read() -> bool:
        nonlocal empty_reads
        while _read_batch(sqs, url, run_id, pacing.read_poll_seconds, found):
            empty_reads = 0
        found.unread = depth(sqs, url).total
        empty_reads = empty_reads + 1 if found.unread == 0 else 0
        return empty_reads >= pacing.read_confirmations

    poll(all_read, wait_seconds + MARGIN_SECONDS)
    return found


def side_effects(ddb: DynamoDBClient, table: str, run_id: str) -> dict[str, int]:
    performed: dict[str, int] = {}
    paginator = ddb.get_paginator("scan")
    for page in paginator.paginate(TableName=table, ConsistentRead=True):
        for item in page.get("Items", []):
            if item.get(RUN_ID_ATTRIBUTE, {}).get("S") != run_id:
                continue
            subject = item[SIDE_EFFECTS_TABLE_KEY]["S"]
            performed[subject] = int(item.get(PERFORMANCES_ATTRIBUTE, {}).get("N", "0"))
    return performed


def observe(
    sqs: SQSClient,
    ddb: DynamoDBClient,
    resources: SetOutputs,
    run_id: str,
    pacing: Pacing = EXACT,
) -> tuple[Observation, list[str]]:
    """The final state, and problems that prevent judging it."""
    wait = float(resources.visibility_timeout)
    queue = leftovers(sqs, resources.queue_url, run_id, wait, pacing)
    dlq = leftovers(sqs, resources.dlq_url, run_id, wait, pacing)
    problems = [
        f"{n} message(s) in {name} stayed invisible: final state unknown"
        for name, n in (("the queue", queue.unread), ("the DLQ", dlq.unread))
        if n
    ]
    observation = Observation(
        queue=tuple(queue.keys),
        dlq=tuple(dlq.keys),
        side_effects=side_effects(ddb, resources.side_effects_table, run_id),
        strays=queue.strays + dlq.strays,
    )
    return observation, problems


def objects(s3: S3Client, bucket: str, prefix: str) -> int:
    """How many objects are left under ``prefix`` (claim checks nobody cleaned up)."""
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return sum(page.get("KeyCount", 0) for page in pages)
