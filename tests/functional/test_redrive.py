"""DLQ redrive: with StartMessageMoveTask on the embedded backend, and by hand where an
endpoint lacks it, keeping bodies and tracking attributes, and saying which was used."""

from __future__ import annotations

from typing import Any
from unittest.mock import Mock

import pytest
from botocore.exceptions import ClientError

from queuelab.targets import redrive as redrive_module
from queuelab.targets.redrive import FALLBACK, MOVE_TASK, redrive
from queuelab.targets.reset import reset
from queuelab.targets.session import Session


@pytest.mark.parametrize("move_task", [True, False], ids=["move-task", "by-hand"])
def test_redrive_moves_every_message_back_with_its_attributes(
    session: Session, sqs: Any, dynamodb: Any, monkeypatch: pytest.MonkeyPatch, move_task: bool
) -> None:
    resources = session.outputs["purge-timing"]
    reset(sqs, dynamodb, resources)
    attributes = {"queuelab-id": {"DataType": "String", "StringValue": "k1"}}
    for body in ("a", "b", "c"):
        sqs.send_message(QueueUrl=resources.dlq_url, MessageBody=body, MessageAttributes=attributes)

    if not move_task:  # as on an endpoint without StartMessageMoveTask (stock moto: HTTP 500)
        missing = ClientError({"Error": {"Code": "500", "Message": "x"}}, "StartMessageMoveTask")
        monkeypatch.setattr(redrive_module, "_move_task", Mock(side_effect=missing))

    moved = redrive(sqs, resources)

    assert (moved.method, moved.moved) == (MOVE_TASK if move_task else FALLBACK, 3)
    back = sqs.receive_message(
        QueueUrl=resources.queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    )["Messages"]
    assert sorted(m["Body"] for m in back) == ["a", "b", "c"]
    assert all(m["MessageAttributes"]["queuelab-id"]["StringValue"] == "k1" for m in back)
    left = sqs.get_queue_attributes(QueueUrl=resources.dlq_url, AttributeNames=["All"])
    assert left["Attributes"]["ApproximateNumberOfMessages"] == "0"
    reset(sqs, dynamodb, resources)
