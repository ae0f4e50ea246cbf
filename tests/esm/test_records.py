"""The event's records from SQS messages: every field of with-sqs.html's example events, for
standard and FIFO queues (pure)."""

from __future__ import annotations

import json

from queuelab.esm import records

ARN = "arn:aws:sqs:us-east-2:123456789012:my-queue"
MESSAGE = {
    "MessageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
    "ReceiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...",
    "MD5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
    "Body": "Test message.",
    "Attributes": {
        "SenderId": "AIDAIENQZJOLO23YVJ4VO",
        "ApproximateFirstReceiveTimestamp": "1545082649185",
        "ApproximateReceiveCount": "1",
        "SentTimestamp": "1545082649183",
    },
}


def test_a_standard_queue_record_is_the_documented_one() -> None:
    """with-sqs.html, "Example Amazon SQS message event (standard queue)"."""
    assert records.record(MESSAGE, ARN, fifo=False) == {
        "messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
        "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...",
        "body": "Test message.",
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1545082649183",
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": "1545082649185",
        },
        "messageAttributes": {},
        "md5OfMessageAttributes": None,
        "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
        "eventSource": "aws:sqs",
        "eventSourceARN": ARN,
        "awsRegion": "us-east-2",
    }


def test_fifo_records_carry_group_sequence_and_deduplication() -> None:
    """with-sqs.html, "Example Amazon SQS message event (FIFO queue)"."""
    fifo = MESSAGE | {
        "Attributes": MESSAGE["Attributes"]
        | {
            "SequenceNumber": "18849496460467696128",
            "MessageGroupId": "1",
            "MessageDeduplicationId": "1",
        },
    }
    attributes = records.record(fifo, ARN + ".fifo", fifo=True)["attributes"]
    assert attributes["SequenceNumber"] == "18849496460467696128"
    assert attributes["MessageGroupId"] == "1" and attributes["MessageDeduplicationId"] == "1"
    assert "MessageGroupId" not in records.record(fifo, ARN, fifo=False)["attributes"]


def test_message_attributes_are_spelled_as_lambda_spells_them() -> None:
    message = MESSAGE | {
        "MD5OfMessageAttributes": "abc",
        "MessageAttributes": {
            "queuelab-id": {"StringValue": "k1", "DataType": "String"},
            "blob": {"BinaryValue": b"\x00\x01", "DataType": "Binary"},
        },
    }
    one = records.record(message, ARN, fifo=False)
    assert one["messageAttributes"] == {
        "queuelab-id": {
            "stringValue": "k1",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "String",
        },
        "blob": {
            "binaryValue": "AAE=",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "Binary",
        },
    }
    assert one["md5OfMessageAttributes"] == "abc"


def test_every_documented_attribute_is_there_even_when_sqs_left_one_out() -> None:
    """A parser that validates the shape (Powertools) needs all four."""
    bare = MESSAGE | {"Attributes": {"ApproximateReceiveCount": "2"}}
    attributes = records.record(bare, ARN, fifo=False)["attributes"]
    assert set(attributes) == set(records.ATTRIBUTES)


def test_the_event_and_its_size() -> None:
    encoded = [records.encode(records.record(MESSAGE, ARN, fifo=False)) for _ in range(3)]
    payload = records.event(encoded)
    assert len(json.loads(payload)["Records"]) == 3
    assert len(payload) == records.event_size([len(e) for e in encoded])
    assert records.event([]) == b'{"Records":[]}' and records.event_size([]) == 14
