"""What the scenarios rely on from SQS, checked against the patched embedded server."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest


def make_queue(sqs: Any, name: str, **attributes: str) -> str:
    url: str = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    return url


def arn_of(sqs: Any, url: str) -> str:
    arn: str = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return arn


def receive(sqs: Any, url: str, wait: int = 0, **kwargs: Any) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = sqs.receive_message(
        QueueUrl=url,
        WaitTimeSeconds=wait,
        MessageSystemAttributeNames=["All"],
        **kwargs,
    ).get("Messages", [])
    return messages


def counts(sqs: Any, url: str) -> dict[str, int]:
    names = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return {name: int(attrs[name]) for name in names}


def test_message_is_redelivered_after_visibility_timeout_with_growing_receive_count(
    sqs: Any, unique: str
) -> None:
    url = make_queue(sqs, f"vis-{unique}", VisibilityTimeout="1")
    sqs.send_message(QueueUrl=url, MessageBody="m")

    first = receive(sqs, url)
    hidden = receive(sqs, url)
    time.sleep(1.2)
    second = receive(sqs, url)

    assert [m["Attributes"]["ApproximateReceiveCount"] for m in first] == ["1"]
    assert hidden == []
    assert [m["Attributes"]["ApproximateReceiveCount"] for m in second] == ["2"]
    assert second[0]["MessageId"] == first[0]["MessageId"]
    assert second[0]["ReceiptHandle"] != first[0]["ReceiptHandle"]


def test_change_visibility_extends_and_releases(sqs: Any, unique: str) -> None:
    url = make_queue(sqs, f"chg-{unique}", VisibilityTimeout="1")
    sqs.send_message(QueueUrl=url, MessageBody="m")
    handle = receive(sqs, url)[0]["ReceiptHandle"]

    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=5)
    time.sleep(1.3)
    assert receive(sqs, url) == [], "extended message must stay hidden past the queue default"

    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)
    assert len(receive(sqs, url)) == 1, "released message must be receivable at once"


def test_message_moves_to_dlq_after_max_receive_count(sqs: Any, unique: str) -> None:
    dlq = make_queue(sqs, f"dlq-{unique}")
    policy = {"deadLetterTargetArn": arn_of(sqs, dlq), "maxReceiveCount": "2"}
    url = make_queue(sqs, f"src-{unique}", VisibilityTimeout="0", RedrivePolicy=json.dumps(policy))
    sqs.send_message(QueueUrl=url, MessageBody="poison")

    received = [len(receive(sqs, url)) for _ in range(3)]

    assert received == [1, 1, 0]
    moved = receive(sqs, dlq)
    assert [m["Body"] for m in moved] == ["poison"]
    assert counts(sqs, url)["ApproximateNumberOfMessages"] == 0


def test_long_poll_waits_then_returns_early_when_a_message_arrives(sqs: Any, unique: str) -> None:
    url = make_queue(sqs, f"poll-{unique}")
    started = time.monotonic()
    assert receive(sqs, url, wait=1) == []
    assert time.monotonic() - started >= 0.9, "an empty long poll waits the full time"

    threading.Timer(0.5, lambda: sqs.send_message(QueueUrl=url, MessageBody="late")).start()
    started = time.monotonic()
    got = receive(sqs, url, wait=10)
    elapsed = time.monotonic() - started

    assert [m["Body"] for m in got] == ["late"]
    assert elapsed < 3, f"long poll returned after {elapsed:.1f}s, not when the message arrived"


def test_long_polls_wait_concurrently(sqs: Any, unique: str) -> None:
    url = make_queue(sqs, f"conc-{unique}")
    started = time.monotonic()
    threads = [threading.Thread(target=receive, args=(sqs, url, 2)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert time.monotonic() - started < 4, "four 2 s long polls must not run one after another"


def test_fifo_keeps_order_within_a_group_and_blocks_the_group_while_in_flight(
    sqs: Any, unique: str
) -> None:
    url = make_queue(sqs, f"fifo-{unique}.fifo", FifoQueue="true", VisibilityTimeout="30")
    for i in range(3):
        for group in ("a", "b"):
            sqs.send_message(
                QueueUrl=url,
                MessageBody=f"{group}{i}",
                MessageGroupId=group,
                MessageDeduplicationId=f"{group}{i}",
            )

    first = receive(sqs, url, MaxNumberOfMessages=1)
    second = receive(sqs, url, MaxNumberOfMessages=1)
    blocked = receive(sqs, url, MaxNumberOfMessages=10)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"])
    after_delete = receive(sqs, url, MaxNumberOfMessages=1)

    assert [m["Body"] for m in first + second] == ["a0", "b0"]
    assert blocked == [], "both groups are in flight, so nothing else may be delivered"
    assert [m["Body"] for m in after_delete] == ["a1"]


def test_an_expired_fifo_batch_comes_back_from_its_oldest_message(sqs: Any, unique: str) -> None:
    # Given a consumer that received a batch of one group, deleted two and died
    url = make_queue(sqs, f"fifo-{unique}.fifo", FifoQueue="true", VisibilityTimeout="1")
    for i in range(12):
        sqs.send_message(
            QueueUrl=url, MessageBody=str(i), MessageGroupId="g", MessageDeduplicationId=str(i)
        )
    batch = receive(sqs, url, MaxNumberOfMessages=10)
    for message in batch[:2]:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    # When its lease expires, the next receive gets the rest of the batch, oldest first
    again = receive(sqs, url, wait=3, MaxNumberOfMessages=10)

    assert [m["Body"] for m in batch] == [str(i) for i in range(10)]
    assert [m["Body"] for m in again] == [str(i) for i in range(2, 12)]


def test_delay_seconds_hide_a_message_until_due(sqs: Any, unique: str) -> None:
    url = make_queue(sqs, f"delay-{unique}")
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=1)

    assert counts(sqs, url)["ApproximateNumberOfMessagesDelayed"] == 1
    assert receive(sqs, url) == []
    assert [m["Body"] for m in receive(sqs, url, wait=3)] == ["later"]


def test_purge_empties_the_queue_every_time_on_the_lab_backend(sqs: Any, unique: str) -> None:
    url = make_queue(sqs, f"purge-{unique}")
    for _ in range(2):
        sqs.send_message(QueueUrl=url, MessageBody="m")
        sqs.purge_queue(QueueUrl=url)
        assert counts(sqs, url)["ApproximateNumberOfMessages"] == 0


@pytest.mark.parametrize("stale", [True, False])
def test_delete_accepts_current_and_stale_receipt_handles(
    sqs: Any, unique: str, stale: bool
) -> None:
    url = make_queue(sqs, f"del-{unique}", VisibilityTimeout="0")
    sqs.send_message(QueueUrl=url, MessageBody="m")
    old = receive(sqs, url)[0]["ReceiptHandle"]
    new = receive(sqs, url)[0]["ReceiptHandle"]

    sqs.delete_message(QueueUrl=url, ReceiptHandle=old if stale else new)

    assert receive(sqs, url) == []
    assert sum(counts(sqs, url).values()) == 0


def test_unknown_receipt_handle_is_refused(sqs: Any, unique: str) -> None:
    url = make_queue(sqs, f"bad-{unique}")
    with pytest.raises(sqs.exceptions.ReceiptHandleIsInvalid):
        sqs.delete_message(QueueUrl=url, ReceiptHandle="not-a-handle")
