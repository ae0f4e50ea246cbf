"""FIFO queues on the embedded backend, as AWS documents them (each test names the page)."""

from __future__ import annotations

import time
from typing import Any

from sqs_helpers import bodies, error_of, make_queue, receive


def send(sqs: Any, url: str, body: str, group: str = "g", dedup: str | None = None) -> Any:
    extra = {"MessageDeduplicationId": dedup} if dedup else {}
    return sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group, **extra)


def test_a_duplicate_send_is_accepted_not_delivered_and_answers_the_original_message_id(
    sqs: Any, unique: str
) -> None:
    """SendMessage API, MessageDeduplicationId: a message sent with the same id inside the
    5-minute interval is accepted but not delivered. FIFO exactly-once processing: the
    duplicate's answer is the original message's (MessageId, SequenceNumber)."""
    url = make_queue(sqs, f"dup-{unique}.fifo")
    first = send(sqs, url, "one", dedup="d1")
    again = send(sqs, url, "two", dedup="d1")

    assert bodies(receive(sqs, url)) == ["one"]
    assert again["MessageId"] == first["MessageId"]
    assert again["SequenceNumber"] == first["SequenceNumber"]


def test_deduplication_covers_a_message_already_received_and_deleted(sqs: Any, unique: str) -> None:
    """FIFO key terms: SQS keeps tracking the deduplication id after the message was
    received and deleted (stock moto forgets it and delivers the resend)."""
    url = make_queue(sqs, f"deleted-{unique}.fifo")
    send(sqs, url, "one", dedup="d1")
    for message in receive(sqs, url):
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    resent = send(sqs, url, "one again", dedup="d1")

    assert receive(sqs, url) == []
    assert resent["MessageId"]


def test_the_window_ends_and_the_same_id_is_delivered_again(short_sqs: Any, unique: str) -> None:
    """SendMessage API: deduplication lasts for the deduplication interval only (AWS: 300 s;
    this server's dedup_window_seconds is 1)."""
    url = make_queue(short_sqs, f"window-{unique}.fifo")
    send(short_sqs, url, "one", dedup="d1")
    (delivered,) = receive(short_sqs, url)
    short_sqs.delete_message(QueueUrl=url, ReceiptHandle=delivered["ReceiptHandle"])
    send(short_sqs, url, "inside", dedup="d1")
    time.sleep(1.2)

    send(short_sqs, url, "after", dedup="d1")

    assert bodies(receive(short_sqs, url)) == ["after"]


def test_message_group_scope_deduplicates_within_a_group_only(sqs: Any, unique: str) -> None:
    """SetQueueAttributes API, DeduplicationScope: messageGroup deduplicates per group."""
    url = make_queue(
        sqs,
        f"scope-{unique}.fifo",
        DeduplicationScope="messageGroup",
        FifoThroughputLimit="perMessageGroupId",
    )
    send(sqs, url, "one", group="g1", dedup="d1")
    send(sqs, url, "two", group="g2", dedup="d1")
    send(sqs, url, "three", group="g1", dedup="d1")

    assert sorted(bodies(receive(sqs, url))) == ["one", "two"]


def test_queue_scope_deduplicates_across_groups(sqs: Any, unique: str) -> None:
    """SetQueueAttributes API, DeduplicationScope: queue (the default) deduplicates across
    the queue."""
    url = make_queue(sqs, f"qscope-{unique}.fifo")
    send(sqs, url, "one", group="g1", dedup="d1")
    send(sqs, url, "two", group="g2", dedup="d1")

    assert bodies(receive(sqs, url)) == ["one"]


def test_content_based_deduplication_hashes_the_body_and_still_numbers_messages(
    sqs: Any, unique: str
) -> None:
    """SendMessage API: with ContentBasedDeduplication the SHA-256 of the body is the id;
    FIFO key terms: every message gets a SequenceNumber (stock moto leaves it out here)."""
    url = make_queue(sqs, f"content-{unique}.fifo", ContentBasedDeduplication="true")
    answers = [send(sqs, url, body) for body in ("a", "b", "a")]

    assert bodies(receive(sqs, url)) == ["a", "b"]
    numbers = [int(answer["SequenceNumber"]) for answer in answers]
    assert numbers[0] < numbers[1] and numbers[2] == numbers[0]  # the duplicate: the original's


def test_sequence_numbers_increase_within_a_group(sqs: Any, unique: str) -> None:
    """FIFO key terms: the sequence number is a large, non-consecutive number that increases
    (stock moto draws random ones)."""
    url = make_queue(sqs, f"seq-{unique}.fifo")
    numbers = [int(send(sqs, url, f"m{i}", dedup=f"m{i}")["SequenceNumber"]) for i in range(20)]

    assert numbers == sorted(numbers) and len(set(numbers)) == 20


def test_a_retried_receive_with_the_same_attempt_id_returns_the_same_messages(
    sqs: Any, unique: str
) -> None:
    """ReceiveMessage API, ReceiveRequestAttemptId: during the visibility timeout a retry
    with the same id returns the same messages and receipt handles."""
    url = make_queue(sqs, f"attempt-{unique}.fifo", VisibilityTimeout="30")
    for group in ("g1", "g2"):
        send(sqs, url, group, group=group, dedup=group)

    first = receive(sqs, url, ReceiveRequestAttemptId="retry-me")
    retried = receive(sqs, url, ReceiveRequestAttemptId="retry-me")
    other = receive(sqs, url, ReceiveRequestAttemptId="another")

    assert bodies(first) == ["g1", "g2"]
    assert [m["ReceiptHandle"] for m in retried] == [m["ReceiptHandle"] for m in first]
    assert other == []


def test_an_attempt_id_is_not_replayed_once_its_messages_changed(sqs: Any, unique: str) -> None:
    """ReceiveMessage API: the retry returns the same messages only if none of them was
    deleted or had its visibility changed."""
    url = make_queue(sqs, f"changed-{unique}.fifo", VisibilityTimeout="30")
    send(sqs, url, "a", dedup="a")
    send(sqs, url, "b", dedup="b")
    first = receive(sqs, url, MaxNumberOfMessages=1, ReceiveRequestAttemptId="x")
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"])

    assert bodies(receive(sqs, url, ReceiveRequestAttemptId="x")) == ["b"]


def test_delete_with_an_expired_receipt_handle_is_refused_and_the_message_comes_back(
    sqs: Any, unique: str
) -> None:
    """ReceiveMessage API (ReceiveRequestAttemptId): a consumer that deletes after its
    visibility timeout expired fails; AWS answers InvalidParameterValue, "The receipt handle
    has expired" (stock moto deletes)."""
    url = make_queue(sqs, f"expired-{unique}.fifo", VisibilityTimeout="1")
    send(sqs, url, "late", dedup="late")
    handle = receive(sqs, url)[0]["ReceiptHandle"]
    time.sleep(1.3)

    error = error_of(lambda: sqs.delete_message(QueueUrl=url, ReceiptHandle=handle))

    assert error["Code"] == "InvalidParameterValue"
    assert "The receipt handle has expired" in error["Message"]
    again = receive(sqs, url)
    assert bodies(again) == ["late"] and again[0]["Attributes"]["ApproximateReceiveCount"] == "2"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=again[0]["ReceiptHandle"])
    assert receive(sqs, url) == []


def test_a_handle_replaced_by_a_new_receive_is_expired_too(sqs: Any, unique: str) -> None:
    """The same refusal for the handle of an earlier receive once the message was received
    again (the lease passed to someone else)."""
    url = make_queue(sqs, f"replaced-{unique}.fifo", VisibilityTimeout="1")
    send(sqs, url, "m", dedup="m")
    old = receive(sqs, url)[0]["ReceiptHandle"]
    time.sleep(1.2)
    assert receive(sqs, url, VisibilityTimeout=30)

    error = error_of(lambda: sqs.delete_message(QueueUrl=url, ReceiptHandle=old))

    assert "expired" in error["Message"]


def test_visibility_change_and_batches_with_expired_handles_are_refused(
    sqs: Any, unique: str
) -> None:
    """ChangeMessageVisibility with an expired FIFO handle is refused the same way; in
    DeleteMessageBatch the entry fails with ReceiptHandleIsInvalid, "The receipt handle has
    expired", and the other entries succeed."""
    url = make_queue(sqs, f"batch-{unique}.fifo", VisibilityTimeout="1")
    send(sqs, url, "expires", group="g1", dedup="a")
    stale = receive(sqs, url)[0]["ReceiptHandle"]
    time.sleep(1.2)
    send(sqs, url, "fresh", group="g2", dedup="b")
    fresh = [m for m in receive(sqs, url, VisibilityTimeout=30) if m["Body"] == "fresh"]

    change = error_of(
        lambda: sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=stale, VisibilityTimeout=30
        )
    )
    answer = sqs.delete_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "stale", "ReceiptHandle": stale},
            {"Id": "fresh", "ReceiptHandle": fresh[0]["ReceiptHandle"]},
        ],
    )

    assert "The receipt handle has expired" in change["Message"]
    assert [s["Id"] for s in answer["Successful"]] == ["fresh"]
    assert [(f["Id"], f["Code"]) for f in answer["Failed"]] == [("stale", "ReceiptHandleIsInvalid")]


def test_standard_queues_keep_accepting_a_handle_whose_visibility_expired(
    sqs: Any, unique: str
) -> None:
    """On a standard queue AWS still deletes with a handle whose visibility timeout expired
    (as long as nobody received the message again)."""
    url = make_queue(sqs, f"standard-{unique}", VisibilityTimeout="1")
    sqs.send_message(QueueUrl=url, MessageBody="m")
    handle = receive(sqs, url)[0]["ReceiptHandle"]
    time.sleep(1.2)

    sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)

    assert receive(sqs, url) == []


def test_a_purge_forgets_deduplication_ids(sqs: Any, unique: str) -> None:
    """PurgeQueue deletes the deduplication records too (AWS does; LocalStack's AWS-validated
    test_purge_queue_clears_fifo_deduplication_cache)."""
    url = make_queue(sqs, f"purged-{unique}.fifo")
    send(sqs, url, "before", dedup="d1")
    sqs.purge_queue(QueueUrl=url)

    send(sqs, url, "after", dedup="d1")

    assert bodies(receive(sqs, url)) == ["after"]
