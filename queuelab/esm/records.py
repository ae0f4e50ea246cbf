"""The event a function gets: one record per SQS message, in the shape Lambda gives it (pure).

The shape is with-sqs.html's example events (standard and FIFO queue): ``messageId``,
``receiptHandle``, ``body``, ``attributes`` (ApproximateReceiveCount, SentTimestamp, SenderId,
ApproximateFirstReceiveTimestamp; on FIFO queues also SequenceNumber, MessageGroupId,
MessageDeduplicationId), ``messageAttributes``, ``md5OfBody``, ``eventSource``
(``aws:sqs``), ``eventSourceARN``, ``awsRegion``. Message attributes are lower-camel-cased
with empty list values (``{"stringValue": ..., "stringListValues": [], "binaryListValues":
[], "dataType": "String"}``), binary values base64, as in with-sqs.html's example.
``md5OfMessageAttributes`` is there too, null when a message has none: AWS's events carry it
although the page's example leaves it out. Parsers such as Powertools' require every
attribute of the example (a missing one broke them on another emulator).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any

EVENT_SOURCE = "aws:sqs"
# Always in a record; FIFO ones only on FIFO queues; AWSTraceHeader when the sender traced.
ATTRIBUTES = (
    "ApproximateReceiveCount",
    "SentTimestamp",
    "SenderId",
    "ApproximateFirstReceiveTimestamp",
)
FIFO_ATTRIBUTES = ("SequenceNumber", "MessageGroupId", "MessageDeduplicationId")
OPTIONAL_ATTRIBUTES = ("AWSTraceHeader", "DeadLetterQueueSourceArn")
# What to ask ReceiveMessage for, so every record field can be filled.
SYSTEM_ATTRIBUTE_NAMES = ["All"]
MESSAGE_ATTRIBUTE_NAMES = ["All"]
# The bytes an event adds around its records: {"Records":[...]} and the commas between them.
ENVELOPE_BYTES = len(b'{"Records":[]}')


def _binary(value: bytes | str) -> str:
    return base64.b64encode(value if isinstance(value, bytes) else value.encode()).decode()


def message_attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    """SQS's ``{"StringValue", "BinaryValue", "DataType"}`` as Lambda spells it."""
    converted: dict[str, Any] = {}
    if "StringValue" in value:
        converted["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        converted["binaryValue"] = _binary(value["BinaryValue"])
    converted["stringListValues"] = list(value.get("StringListValues", []))
    converted["binaryListValues"] = [_binary(v) for v in value.get("BinaryListValues", [])]
    converted["dataType"] = value.get("DataType", "String")
    return converted


def record(message: Mapping[str, Any], queue_arn: str, fifo: bool) -> dict[str, Any]:
    """The record for one message of a ReceiveMessage answer (boto3's dict), asked with
    ``MessageSystemAttributeNames=["All"]`` and ``MessageAttributeNames=["All"]``."""
    system = message.get("Attributes", {})
    names = ATTRIBUTES + (FIFO_ATTRIBUTES if fifo else ()) + OPTIONAL_ATTRIBUTES
    attributes = {name: str(system[name]) for name in names if name in system}
    for name in ATTRIBUTES:  # never missing: a parser validating the shape requires them
        attributes.setdefault(name, "")
    user = message.get("MessageAttributes", {})
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": attributes,
        "messageAttributes": {name: message_attribute(v) for name, v in user.items()},
        "md5OfMessageAttributes": message.get("MD5OfMessageAttributes"),
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": EVENT_SOURCE,
        "eventSourceARN": queue_arn,
        "awsRegion": queue_arn.split(":")[3],
    }


def encode(one: Mapping[str, Any]) -> bytes:
    """A record as it travels inside the event (compact JSON)."""
    return json.dumps(one, separators=(",", ":")).encode()


def event(encoded: Sequence[bytes]) -> bytes:
    """The invocation payload: ``{"Records": [...]}`` from already-encoded records."""
    return b'{"Records":[' + b",".join(encoded) + b"]}"


def event_size(sizes: Sequence[int]) -> int:
    """The payload's bytes for records of these encoded sizes (without building it)."""
    return ENVELOPE_BYTES + sum(sizes) + max(len(sizes) - 1, 0)
