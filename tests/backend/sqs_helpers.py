"""Small helpers for the backend tests (queues, receives, error codes)."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError


def make_queue(sqs: Any, name: str, **attributes: str) -> str:
    if name.endswith(".fifo"):
        attributes.setdefault("FifoQueue", "true")
    url: str = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    return url


def arn_of(sqs: Any, url: str) -> str:
    answer = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    arn: str = answer["Attributes"]["QueueArn"]
    return arn


def dlq_pair(sqs: Any, name: str, max_receives: int = 1, **attributes: str) -> tuple[str, str]:
    """A source queue (visibility 0) and its DLQ: (source url, DLQ url)."""
    dlq = make_queue(sqs, f"{name}-dlq")
    policy = {"deadLetterTargetArn": arn_of(sqs, dlq), "maxReceiveCount": max_receives}
    attributes.setdefault("VisibilityTimeout", "0")
    source = make_queue(sqs, f"{name}-src", RedrivePolicy=json.dumps(policy), **attributes)
    return source, dlq


def receive(sqs: Any, url: str, wait: int = 0, **kwargs: Any) -> list[dict[str, Any]]:
    kwargs.setdefault("MaxNumberOfMessages", 10)
    messages: list[dict[str, Any]] = sqs.receive_message(
        QueueUrl=url, WaitTimeSeconds=wait, MessageSystemAttributeNames=["All"], **kwargs
    ).get("Messages", [])
    return messages


def bodies(messages: list[dict[str, Any]]) -> list[str]:
    return [m["Body"] for m in messages]


def error_of(call: Any) -> dict[str, Any]:
    """The error a call is refused with (the test fails if it is accepted)."""
    try:
        call()
    except ClientError as err:
        error: dict[str, Any] = err.response["Error"]
        return error
    raise AssertionError("the call was accepted")
