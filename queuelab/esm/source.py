"""The mapping's side of the queue: what it reads of the queue when it is created, its
receives and deletes, each recorded in its history as the lab's processes record theirs
(invoke, then ok / fail), so the witness can hold them against what the endpoint served.

The mapping reads with ``ReceiveMessage`` (long polling: with-sqs.html) and deletes with
``DeleteMessageBatch``; it needs ``sqs:ReceiveMessage``, ``sqs:DeleteMessage`` and
``sqs:GetQueueAttributes`` (with-sqs.html, "Execution role permissions").
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from queuelab.contract.history import Fn, History
from queuelab.contract.messages import KEY_ATTRIBUTE, RUN_ATTRIBUTE
from queuelab.esm.mapping import Queue
from queuelab.esm.records import MESSAGE_ATTRIBUTE_NAMES, SYSTEM_ATTRIBUTE_NAMES

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

log = logging.getLogger("queuelab.esm")
FAILED_RECEIVE_PAUSE = 1.0


def key_of(message: dict[str, Any]) -> str:
    """The producer's id for the message (its queuelab-id attribute), else its MessageId."""
    value = message.get("MessageAttributes", {}).get(KEY_ATTRIBUTE, {}).get("StringValue")
    return str(value or message["MessageId"])


def run_of(message: dict[str, Any]) -> str:
    return str(message.get("MessageAttributes", {}).get(RUN_ATTRIBUTE, {}).get("StringValue", ""))


def summary(message: dict[str, Any]) -> dict[str, Any]:
    """How the history records a received message (as the lab's consumer does)."""
    system = message.get("Attributes", {})
    return {
        "key": key_of(message),
        "message_id": message["MessageId"],
        "receive_count": int(system.get("ApproximateReceiveCount", "0")),
        "run": run_of(message),
        "sent_at": int(system.get("SentTimestamp", "0")) / 1000,
    }


def describe(sqs: SQSClient, url: str) -> Queue:
    names = ["QueueArn", "VisibilityTimeout", "FifoQueue"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]  # type: ignore[arg-type]
    return Queue(
        url=url,
        arn=attributes["QueueArn"],
        visibility_timeout=int(attributes["VisibilityTimeout"]),
        fifo=attributes.get("FifoQueue", "false") == "true" or url.endswith(".fifo"),
    )


class Source:
    def __init__(self, sqs: SQSClient, queue: Queue, history: History) -> None:
        self.sqs = sqs
        self.queue = queue
        self.history = history

    def receive(self, count: int, wait: int) -> list[dict[str, Any]]:
        """Up to ``count`` (1-10) messages, waiting up to ``wait`` seconds for the first."""
        self.history.invoke(Fn.RECEIVE)
        try:
            answer = self.sqs.receive_message(
                QueueUrl=self.queue.url,
                MaxNumberOfMessages=count,
                WaitTimeSeconds=wait,
                MessageAttributeNames=MESSAGE_ATTRIBUTE_NAMES,
                MessageSystemAttributeNames=SYSTEM_ATTRIBUTE_NAMES,  # type: ignore[arg-type]
            )
        except (ClientError, BotoCoreError) as err:
            log.warning("receive failed: %s", err)
            self.history.fail(Fn.RECEIVE, error=str(err))
            time.sleep(FAILED_RECEIVE_PAUSE)
            return []
        messages: list[dict[str, Any]] = list(answer.get("Messages", []))  # type: ignore[arg-type]
        self.history.ok(Fn.RECEIVE, messages=[summary(m) for m in messages])
        return messages

    def delete(self, messages: Sequence[dict[str, Any]]) -> list[str]:
        """DeleteMessageBatch, ten a call; the ids SQS confirmed deleted."""
        confirmed: list[str] = []
        for start in range(0, len(messages), 10):
            chunk = messages[start : start + 10]
            for m in chunk:
                self.history.invoke(Fn.DELETE, key_of(m), message_id=m["MessageId"])
            try:
                answer = self.sqs.delete_message_batch(
                    QueueUrl=self.queue.url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                        for i, m in enumerate(chunk)
                    ],
                )
            except (ClientError, BotoCoreError) as err:
                log.warning("delete of %d messages failed: %s", len(chunk), err)
                for m in chunk:
                    self.history.fail(Fn.DELETE, key_of(m), error=str(err), lease_lost=False)
                continue
            refused = {entry["Id"]: entry for entry in answer.get("Failed", [])}
            for i, m in enumerate(chunk):
                entry = refused.get(str(i))
                if entry is None:
                    self.history.ok(Fn.DELETE, key_of(m), message_id=m["MessageId"])
                    confirmed.append(m["MessageId"])
                else:
                    error = f"{entry.get('Code', '')}: {entry.get('Message', '')}"
                    self.history.fail(Fn.DELETE, key_of(m), error=error, lease_lost=True)
        return confirmed

    def leave(self, messages: Sequence[dict[str, Any]], reason: str) -> None:
        """Not deleted: each comes back when its visibility timeout ends."""
        for m in messages:
            self.history.ok(Fn.LEAVE, key_of(m), message_id=m["MessageId"], reason=reason)
