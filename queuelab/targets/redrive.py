"""Move the messages of a DLQ back to its source queue.

SQS does it with StartMessageMoveTask, and so does the embedded backend. An endpoint that
lacks it (stock moto answers HTTP 500) gets the fallback: receive from the DLQ, send to the
source (same body and attributes), delete from the DLQ; ``Redriven.method`` names what was
used, so a run says which it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from queuelab.system.waiting import wait_until
from queuelab.targets.outputs import SetOutputs

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

NOT_IMPLEMENTED = {"500", "501", "InternalFailure", "UnsupportedOperation", "InvalidAction"}
MOVE_TASK = "StartMessageMoveTask"
FALLBACK = "receive, send, delete (the backend lacks StartMessageMoveTask)"


@dataclass(frozen=True)
class Redriven:
    method: str
    moved: int


def _move_task(sqs: SQSClient, resources: SetOutputs, timeout: float) -> int:
    sqs.start_message_move_task(SourceArn=resources.dlq_arn, DestinationArn=resources.queue_arn)

    def ended() -> dict[str, Any] | None:
        tasks = sqs.list_message_move_tasks(SourceArn=resources.dlq_arn, MaxResults=1)["Results"]
        done = tasks and tasks[0].get("Status") in ("COMPLETED", "FAILED", "CANCELLED")
        return dict(tasks[0]) if done else None

    task = wait_until(ended, timeout, "the message move task's end", interval=0.2)
    assert task is not None  # wait_until returns only a truthy answer
    if task["Status"] != "COMPLETED":
        raise RuntimeError(f"message move task ended {task['Status']}: {task}")
    return int(task.get("ApproximateNumberOfMessagesMoved", 0))


def _by_hand(sqs: SQSClient, resources: SetOutputs) -> int:
    moved = 0
    while True:
        messages = sqs.receive_message(
            QueueUrl=resources.dlq_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=0,
            VisibilityTimeout=60,
            MessageAttributeNames=["All"],
            MessageSystemAttributeNames=["MessageGroupId"],
        ).get("Messages", [])
        if not messages:
            return moved
        entries: list[Any] = []
        for i, message in enumerate(messages):
            entry: dict[str, Any] = {"Id": str(i), "MessageBody": message["Body"]}
            if message.get("MessageAttributes"):
                entry["MessageAttributes"] = message["MessageAttributes"]
            if resources.fifo:
                entry["MessageGroupId"] = message.get("Attributes", {}).get(
                    "MessageGroupId", "default"
                )
                entry["MessageDeduplicationId"] = f"redrive-{message['MessageId']}"
            entries.append(entry)
        sent = sqs.send_message_batch(QueueUrl=resources.queue_url, Entries=entries)
        done = {int(s["Id"]) for s in sent.get("Successful", [])}
        sqs.delete_message_batch(
            QueueUrl=resources.dlq_url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": messages[i]["ReceiptHandle"]} for i in sorted(done)
            ],
        )
        moved += len(done)


def redrive(sqs: SQSClient, resources: SetOutputs, timeout: float = 300) -> Redriven:
    try:
        return Redriven(MOVE_TASK, _move_task(sqs, resources, timeout))
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") not in NOT_IMPLEMENTED:
            raise
    return Redriven(FALLBACK, _by_hand(sqs, resources))
