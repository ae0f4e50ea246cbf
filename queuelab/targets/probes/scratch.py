"""What a probe works with: its own short-lived queues and what it observed."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from queuelab.targets.plan import PROJECT

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


@dataclass(frozen=True)
class Observed:
    ok: bool
    observed: str


Observations = dict[str, Observed]


class Scratch:
    """Short-lived queues for one probe; ``close`` deletes them."""

    def __init__(self, sqs: SQSClient, wait_seconds: int = 1) -> None:
        self.sqs = sqs
        self.wait = wait_seconds  # long poll used where "nothing arrives" must be observed
        self.token = secrets.token_hex(3)
        self.urls: list[str] = []

    def queue(self, name: str, fifo: bool = False, **attributes: str) -> tuple[str, str]:
        full = f"queuelab-probe-{self.token}-{name}" + (".fifo" if fifo else "")
        attributes = ({"FifoQueue": "true"} if fifo else {}) | attributes
        url = self.sqs.create_queue(
            QueueName=full,
            Attributes=attributes,  # type: ignore[arg-type]
            tags={"project": PROJECT, "purpose": "probe"},
        )["QueueUrl"]
        self.urls.append(url)
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        return url, arn["Attributes"]["QueueArn"]

    def send(self, url: str, body: str, **kwargs: Any) -> dict[str, Any]:
        return dict(self.sqs.send_message(QueueUrl=url, MessageBody=body, **kwargs))

    def receive(self, url: str, wait: int | None = None, **kwargs: Any) -> list[dict[str, Any]]:
        kwargs.setdefault("MaxNumberOfMessages", 10)
        answer = self.sqs.receive_message(
            QueueUrl=url,
            WaitTimeSeconds=self.wait if wait is None else wait,
            MessageSystemAttributeNames=["All"],
            **kwargs,
        )
        return [dict(message) for message in answer.get("Messages", [])]

    def delete(self, url: str, messages: list[dict[str, Any]]) -> None:
        for message in messages:
            self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def close(self) -> None:
        for url in self.urls:
            with contextlib.suppress(ClientError):
                self.sqs.delete_queue(QueueUrl=url)


def bodies(messages: list[dict[str, Any]]) -> list[str]:
    return [m["Body"] for m in messages]


def code(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code", ""))


def refusal(call: Callable[[], object]) -> str:
    """The error code ``call`` was refused with, or "" when it was accepted."""
    try:
        call()
    except ClientError as err:
        return code(err) or "error"
    return ""
