"""SendMessage and SendMessageBatch as SQS validates them.

- Size (SendMessage API, MessageBody; "Amazon SQS message quotas"): a message's size is the
  UTF-8 bytes of its body plus, for each message attribute, the bytes of its name, its data
  type and its value; it must not exceed the queue's ``MaximumMessageSize`` (default and
  maximum 1 MiB). A batch's entries together must not exceed 1 MiB (``BatchRequestTooLong``).
- Message attributes (SendMessage API, MessageAttributeValue): names of up to 256 letters,
  digits, ``_ - .`` (not only ASCII: AWS takes ``attr.1øßä``), not starting with ``AWS.`` or
  ``Amazon.``, with no period first, last or twice in a row; a String or Number value that is
  empty is refused ("Message (user) attribute 'ErrorDetails' must contain a non-empty value
  of type 'String'."), as LocalStack's AWS-validated test_send_message_with_empty_string_
  attribute and test_send_message_with_invalid_string_attributes record (moto refuses any
  non-ASCII name and accepts the rest).
- Characters (SendMessage API): only #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD |
  #x10000 to #x10FFFF; anything else is refused with ``InvalidMessageContents``.
- Batches (SendMessageBatch API): malformed requests fail whole (ids, entry count, total
  size, a FIFO entry without a group or deduplication id); an entry that is too large or
  holds a refused character lands in ``Failed`` and the others are sent.
- MessageGroupId and MessageDeduplicationId: 1-128 alphanumeric and punctuation characters,
  or ``InvalidParameterValue`` ("Value <id> for parameter MessageGroupId is invalid. Reason:
  MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in
  length."), on standard queues too, which take a group id (fair queues) and return it
  (LocalStack's AWS-validated test_send_message_to_standard_queue_with_invalid_message_group_id,
  test_message_deduplication_id_invalid, test_fair_queue_with_message_group_id).
- FIFO: deduplication and sequence numbers come from ``queuelab.backend.behaviour.fifo``;
  a message has the queue's delay (DelaySeconds=0 too), any other per-message delay is
  refused.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

from queuelab.backend.behaviour import fifo

MAX_BATCH_BYTES = 1_048_576
MAX_DELAY_SECONDS = 900
ALLOWED = "#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"
_REFUSED = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_FIFO_ID = re.compile(r"[A-Za-z0-9!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~]{1,128}")
_ENTRY_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")
# A message attribute's name (SendMessage API, MessageAttributeValue): letters and digits (not
# only ASCII: AWS takes attr.1øßä), _ - . ; up to 256; not AWS. or Amazon. first, no period
# first or last, no two in a row.
_ATTRIBUTE_NAME = re.compile(r"[\w.-]{1,256}")
_RESERVED_NAME = re.compile(r"(?i)(aws\.|amazon\.)")


def _exceptions() -> Any:
    from moto.sqs import exceptions

    return exceptions


def message_size(body: str, attributes: dict[str, Any] | None) -> int:
    size = len(body.encode("utf-8"))
    for name, value in (attributes or {}).items():
        data = value.get("StringValue")
        if data is None:
            data = value.get("BinaryValue") or b""
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        size += len(name.encode("utf-8")) + len(str(value.get("DataType", "")).encode()) + len(raw)
    return size


def check_contents(body: str, attributes: dict[str, Any] | None) -> None:
    for where, text in [("the message body", body)] + [
        (f"message attribute {name!r}", value.get("StringValue") or "")
        for name, value in (attributes or {}).items()
    ]:
        found = _REFUSED.search(text)
        if found:
            raise _exceptions().SQSException(
                "InvalidMessageContents",
                f"Invalid binary character '#x{ord(found.group()):X}' was found in {where}, "
                f"the set of allowed characters is {ALLOWED}",
            )


def check_attribute_name(name: str) -> None:
    if (
        not _ATTRIBUTE_NAME.fullmatch(name)
        or _RESERVED_NAME.match(name)
        or name.startswith(".")
        or name.endswith(".")
        or ".." in name
    ):
        raise _exceptions().InvalidParameterValue(
            f"Message (user) attribute name {name[:256]} is invalid: a name has up to 256 "
            "letters, digits, _ - and . characters, does not start with AWS. or Amazon., "
            "and has no period first, last or twice in a row."
        )


def check_attributes(attributes: dict[str, Any] | None) -> None:
    """Names, and string values that must not be empty (AWS: "Message (user) attribute
    'ErrorDetails' must contain a non-empty value of type 'String'.")."""
    for name, value in (attributes or {}).items():
        check_attribute_name(name)
        kind = str(value.get("DataType", "")).split(".")[0]
        if kind in ("String", "Number") and value.get("StringValue") == "":
            raise _exceptions().InvalidParameterValue(
                f"Message (user) attribute '{name}' must contain a non-empty value of type "
                f"'{kind}'."
            )


def check_size(queue: Any, body: str, attributes: dict[str, Any] | None, batch: bool) -> None:
    limit = queue.maximum_message_size
    if message_size(body, attributes) > limit:
        reason = "cannot be validated" if batch else "are invalid"
        raise _exceptions().InvalidParameterValue(
            f"One or more parameters {reason}. Reason: Message must be shorter than {limit} bytes."
        )


def _check_fifo_ids(group_id: str | None, dedup_id: str | None) -> None:
    for name, value in (("MessageGroupId", group_id), ("MessageDeduplicationId", dedup_id)):
        if value is not None and not _FIFO_ID.fullmatch(value):
            raise _exceptions().InvalidParameterValue(
                f"Value {value} for parameter {name} is invalid. Reason: {name} can only include "
                "alphanumeric and punctuation characters. 1 to 128 in length."
            )


def _check_delay(queue: Any, delay_seconds: int | None) -> int:
    """The message's delay. On a FIFO queue a message has the queue's delay: a per-message
    DelaySeconds above 0 is refused, and 0 keeps the queue's (AWS, recorded by LocalStack's
    test_fifo_queue_send_message_with_zero_delay_defaults_to_queue_delay; moto delivers it
    at once)."""
    if delay_seconds is None:
        return int(queue.delay_seconds)
    delay = int(delay_seconds)
    if queue.fifo_queue and delay == 0:
        return int(queue.delay_seconds)
    if queue.fifo_queue and delay > 0:
        reason = "The request include parameter that is not valid for this queue type."
    elif not 0 <= delay <= MAX_DELAY_SECONDS:
        reason = f"DelaySeconds must be >= 0 and <= {MAX_DELAY_SECONDS}."
    else:
        return delay
    raise _exceptions().InvalidParameterValue(
        f"Value {delay} for parameter DelaySeconds is invalid. Reason: {reason}"
    )


def _check_fifo_request(queue: Any, group_id: str | None, dedup_id: str | None, code: str) -> None:
    exceptions = _exceptions()
    if not group_id:
        if code == "MissingParameter":
            raise exceptions.MissingParameter("MessageGroupId")
        raise exceptions.InvalidParameterValue(
            "The request must contain the parameter MessageGroupId."
        )
    if not dedup_id and not queue.content_based_deduplication:
        raise exceptions.InvalidParameterValue(
            "The queue should either have ContentBasedDeduplication enabled or "
            "MessageDeduplicationId provided explicitly"
        )


def send(
    queue: Any,
    body: str,
    attributes: dict[str, Any] | None,
    delay_seconds: int | None,
    dedup_id: str | None,
    group_id: str | None,
    system_attributes: dict[str, Any] | None,
    batch: bool = False,
) -> Any:
    """Validate and store one message; a FIFO duplicate inside the window is not stored and
    answers the original's MessageId and SequenceNumber."""
    from moto.sqs.models import Message

    check_attributes(attributes)
    check_contents(body, attributes)
    check_size(queue, body, attributes, batch)
    delay = _check_delay(queue, delay_seconds)
    message = Message(str(uuid.uuid4()), body, system_attributes)
    message.message_attributes = attributes or {}
    if queue.fifo_queue:
        _check_fifo_ids(group_id, dedup_id)
        _check_fifo_request(queue, group_id, dedup_id, "MissingParameter")
        message.group_id = group_id
        message.deduplication_id = dedup_id or hashlib.sha256(body.encode("utf-8")).hexdigest()
        original = fifo.original_of(queue, group_id, message.deduplication_id)
        if original is not None:
            message.id, message.sequence_number = original.message_id, original.sequence_number
            return message  # accepted, not delivered
        message.sequence_number = fifo.next_sequence_number()
    elif group_id is not None:  # a fair queue's tenant (standard queues take it too)
        _check_fifo_ids(group_id, None)
        message.group_id = group_id
    message.mark_sent(delay_seconds=delay)
    queue.add_message(message)
    if queue.fifo_queue:
        fifo.remember(queue, message)
    return message


# The patches: each takes moto's attribute and returns ours (``queuelab.backend.patches``).


def send_message(_moto: Any) -> Any:
    def send_message(
        self: Any,
        queue_name: str,
        message_body: str,
        message_attributes: dict[str, Any] | None = None,
        delay_seconds: int | None = None,
        deduplication_id: str | None = None,
        group_id: str | None = None,
        system_attributes: dict[str, Any] | None = None,
        validate_group_id: bool = True,
    ) -> Any:
        queue = self.get_queue(queue_name)
        return send(
            queue,
            message_body,
            message_attributes,
            delay_seconds,
            deduplication_id,
            group_id,
            system_attributes,
        )

    return send_message


def validate_attribute_name(_moto: Any) -> Any:
    """moto's check of an attribute name (ASCII only) is ``check_attribute_name``."""
    return staticmethod(check_attribute_name)


def send_message_batch(_moto: Any) -> Any:
    exceptions = _exceptions()

    def send_message_batch(
        self: Any, queue_name: str, entries: dict[str, dict[str, Any]]
    ) -> tuple[list[Any], list[dict[str, Any]]]:
        queue = self.get_queue(queue_name)
        ids = [entry["Id"] for entry in entries.values()]
        if any(not _ENTRY_ID.fullmatch(entry_id) for entry_id in ids):
            raise exceptions.InvalidBatchEntryId()
        if len(ids) > 10:
            raise exceptions.TooManyEntriesInBatchRequest(len(ids))
        repeated = next((i for n, i in enumerate(ids) if i in ids[:n]), None)
        if repeated is not None:
            raise exceptions.BatchEntryIdsNotDistinct(repeated)
        total = sum(
            message_size(e["MessageBody"], e.get("MessageAttributes")) for e in entries.values()
        )
        if total > MAX_BATCH_BYTES:
            raise exceptions.BatchRequestTooLong(total)
        if queue.fifo_queue:
            for entry in entries.values():
                group, dedup = entry.get("MessageGroupId"), entry.get("MessageDeduplicationId")
                _check_fifo_request(queue, group, dedup, "InvalidParameterValue")
        sent, failed = [], []
        for entry in entries.values():
            try:
                message = send(
                    queue,
                    entry["MessageBody"],
                    entry.get("MessageAttributes"),
                    entry.get("DelaySeconds"),
                    entry.get("MessageDeduplicationId"),
                    entry.get("MessageGroupId"),
                    entry.get("MessageSystemAttributes"),
                    batch=True,
                )
            except exceptions.SQSException as err:
                refusal = {"Code": err.code, "Message": err.message}
                failed.append({"Id": entry["Id"], "SenderFault": True, **refusal})
                continue
            message.user_id = entry["Id"]
            sent.append(message)
        return sent, failed

    return send_message_batch
