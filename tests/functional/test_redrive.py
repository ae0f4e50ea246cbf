"""DLQ redrive on the embedded backend: moto lacks StartMessageMoveTask, so the fallback
moves the messages by hand, keeping bodies and tracking attributes, and says so."""

from __future__ import annotations

from typing import Any

from queuelab.target.redrive import FALLBACK, redrive
from queuelab.target.reset import reset
from queuelab.target.session import Session


def test_redrive_moves_every_message_back_with_its_attributes(
    session: Session, sqs: Any, dynamodb: Any
) -> None:
    resources = session.outputs["purge-timing"]
    reset(sqs, dynamodb, resources)
    attributes = {"queuelab-id": {"DataType": "String", "StringValue": "k1"}}
    for body in ("a", "b", "c"):
        sqs.send_message(QueueUrl=resources.dlq_url, MessageBody=body, MessageAttributes=attributes)

    moved = redrive(sqs, resources)

    assert (moved.method, moved.moved) == (FALLBACK, 3)
    back = sqs.receive_message(
        QueueUrl=resources.queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    )["Messages"]
    assert sorted(m["Body"] for m in back) == ["a", "b", "c"]
    assert all(m["MessageAttributes"]["queuelab-id"]["StringValue"] == "k1" for m in back)
    left = sqs.get_queue_attributes(QueueUrl=resources.dlq_url, AttributeNames=["All"])
    assert left["Attributes"]["ApproximateNumberOfMessages"] == "0"
    reset(sqs, dynamodb, resources)
