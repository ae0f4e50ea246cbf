"""The worker counts a message done only once SQS confirmed its delete; a refused receipt
handle is a lost lease (a Mock stands in for the SQS client)."""

from __future__ import annotations

from typing import Any
from unittest.mock import Mock

import pytest
from botocore.exceptions import ClientError

from consumer.chaos import TrustStaleDelete
from consumer.message import Received
from consumer.middleware import Chain
from consumer.receipts import lease_lost
from consumer.worker import Worker
from queuelab.contract.history import History

EXPIRED = {
    "Error": {
        "Code": "InvalidParameterValue",
        "Message": "Value abc for parameter ReceiptHandle is invalid. Reason: The receipt "
        "handle has expired.",
    }
}


def refused(response: dict[str, Any] = EXPIRED) -> ClientError:
    return ClientError(response, "DeleteMessage")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("response", "lost"),
    [
        (EXPIRED, True),
        ({"Error": {"Code": "ReceiptHandleIsInvalid", "Message": "x"}}, True),
        ({"Error": {"Code": "InvalidParameterValue", "Message": "VisibilityTimeout"}}, False),
        ({"Error": {"Code": "ServiceUnavailable", "Message": "x"}}, False),
    ],
)
def test_a_refused_receipt_handle_is_a_lost_lease(response: dict[str, Any], lost: bool) -> None:
    assert lease_lost(refused(response)) is lost


def worker(sqs: Any, hooks: Chain | None = None, limit: int = 1) -> Worker:
    return Worker(sqs, "q", Mock(), History(None, "c"), hooks=hooks, message_limit=limit)


MESSAGE = Received("m1", "handle", "{}", "k1", 1)


def test_a_confirmed_delete_is_done_and_stops_a_job_at_its_limit() -> None:
    w = worker(Mock())
    w.acknowledge(MESSAGE)
    w._check_limit()

    assert w.done == 1 and not w.running


def test_a_refused_delete_is_not_done() -> None:
    sqs = Mock()
    sqs.delete_message.side_effect = refused()
    w = worker(sqs)
    w.acknowledge(MESSAGE)
    w._check_limit()

    assert w.done == 0 and w.running


def test_the_negative_control_counts_a_refused_delete_as_done() -> None:
    sqs = Mock()
    sqs.delete_message.side_effect = refused()
    w = worker(sqs, hooks=Chain([TrustStaleDelete()]))
    w.acknowledge(MESSAGE)

    assert w.done == 1
