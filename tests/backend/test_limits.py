"""Message size, characters and batches on the embedded backend, as AWS documents them."""

from __future__ import annotations

from typing import Any

import pytest
from sqs_helpers import bodies, error_of, make_queue, receive

ATTRIBUTE = {"k": {"DataType": "String", "StringValue": "x"}}  # 1 + 6 + 1 = 8 bytes


def test_the_default_maximum_message_size_is_one_mebibyte(sqs: Any, unique: str) -> None:
    """SetQueueAttributes API, MaximumMessageSize: default 1,048,576 bytes (1 MiB)."""
    url = make_queue(sqs, f"default-{unique}")
    answer = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["MaximumMessageSize"])

    assert answer["Attributes"]["MaximumMessageSize"] == "1048576"


def test_size_counts_utf8_bytes_not_characters(sqs: Any, unique: str) -> None:
    """SendMessage API: the limit is in bytes; 600 'é' are 1,200 UTF-8 bytes (stock moto
    counts 600 characters and accepts them)."""
    url = make_queue(sqs, f"bytes-{unique}", MaximumMessageSize="1024")
    sqs.send_message(QueueUrl=url, MessageBody="é" * 512)  # 1,024 bytes: at the limit

    error = error_of(lambda: sqs.send_message(QueueUrl=url, MessageBody="é" * 513))

    assert error["Code"] == "InvalidParameterValue"
    assert "Message must be shorter than 1024 bytes" in error["Message"]


def test_message_attributes_count_toward_the_size(sqs: Any, unique: str) -> None:
    """Message quotas: a message's size is its body plus each attribute's name, data type
    and value (stock moto ignores the attributes)."""
    url = make_queue(sqs, f"attrs-{unique}", MaximumMessageSize="1024")
    sqs.send_message(QueueUrl=url, MessageBody="a" * (1024 - 8), MessageAttributes=ATTRIBUTE)

    error = error_of(
        lambda: sqs.send_message(
            QueueUrl=url, MessageBody="a" * (1024 - 7), MessageAttributes=ATTRIBUTE
        )
    )

    assert error["Code"] == "InvalidParameterValue"


@pytest.mark.parametrize("character", ["\x00", "\x08", "\x1f", "\ufffe", "\uffff"])
def test_characters_outside_the_allowed_set_are_refused(
    sqs: Any, unique: str, character: str
) -> None:
    """SendMessage API: only #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000
    to #x10FFFF; anything else is refused with InvalidMessageContents."""
    url = make_queue(sqs, f"chars-{unique}")

    error = error_of(lambda: sqs.send_message(QueueUrl=url, MessageBody=f"a{character}b"))

    assert error["Code"] == "InvalidMessageContents"


def test_allowed_characters_pass(sqs: Any, unique: str) -> None:
    url = make_queue(sqs, f"ok-chars-{unique}")
    body = "tab\tnew\nline\rcr é € \U0001f600 \ud7ff\ue000"
    sqs.send_message(QueueUrl=url, MessageBody=body)

    assert bodies(receive(sqs, url)) == [body]


def test_a_batch_fails_only_its_offending_entries(sqs: Any, unique: str) -> None:
    """SendMessageBatch API: the result of each entry is reported individually; an entry too
    large or with a refused character is in Failed and the others are sent (stock moto
    refuses the whole request)."""
    url = make_queue(sqs, f"batch-{unique}", MaximumMessageSize="1024")
    answer = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "ok1", "MessageBody": "fine"},
            {"Id": "big", "MessageBody": "x" * 1025},
            {"Id": "bad", "MessageBody": "nul\x00"},
            {"Id": "ok2", "MessageBody": "fine too"},
        ],
    )

    failed = {f["Id"]: f["Code"] for f in answer["Failed"]}
    assert failed == {"big": "InvalidParameterValue", "bad": "InvalidMessageContents"}
    assert all(f["SenderFault"] for f in answer["Failed"])
    assert sorted(s["Id"] for s in answer["Successful"]) == ["ok1", "ok2"]
    assert sorted(bodies(receive(sqs, url))) == ["fine", "fine too"]


def test_a_batch_over_one_mebibyte_in_total_is_refused_whole(sqs: Any, unique: str) -> None:
    """SendMessageBatch API: the sum of all entries (bodies and attributes) must not exceed
    1 MiB: BatchRequestTooLong."""
    url = make_queue(sqs, f"total-{unique}")
    half = "a" * (1_048_576 // 2)
    entries = [
        {"Id": "1", "MessageBody": half},
        {"Id": "2", "MessageBody": half, "MessageAttributes": ATTRIBUTE},
    ]

    error = error_of(lambda: sqs.send_message_batch(QueueUrl=url, Entries=entries))

    assert "BatchRequestTooLong" in error["Code"]


def test_a_fifo_batch_entry_without_a_group_fails_the_request(sqs: Any, unique: str) -> None:
    """SendMessageBatch on a FIFO queue: an entry without MessageGroupId fails the whole
    request (AWS, per LocalStack's AWS-validated snapshot)."""
    url = make_queue(sqs, f"nogroup-{unique}.fifo", ContentBasedDeduplication="true")
    entries = [
        {"Id": "1", "MessageBody": "a", "MessageGroupId": "g"},
        {"Id": "2", "MessageBody": "b"},
    ]

    error = error_of(lambda: sqs.send_message_batch(QueueUrl=url, Entries=entries))

    assert "MessageGroupId" in error["Message"]
    assert receive(sqs, url) == []
