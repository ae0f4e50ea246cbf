"""Probes whose expected answers were recorded against real AWS (LocalStack's AWS-validated
SQS tests record them; ``tests/backend/test_recorded_answers.py`` names each one): receipt
handles of deleted messages, FIFO delays and group order, queue names and types."""

from __future__ import annotations

import time
from typing import Any

from queuelab.targets.probes.scratch import Observations, Observed, Scratch, bodies, refusal

GONE = "Message does not exist or is not available for visibility timeout change"
NOT_VALID = 'The input receipt handle "garbage" is not a valid receipt handle.'
FIFO_DELAY_SECONDS = 4


def _error(call: Any) -> tuple[str, str]:
    """(code, message) of a refused call, ("", "") when accepted."""
    from botocore.exceptions import ClientError

    try:
        call()
    except ClientError as err:
        error = err.response.get("Error", {})
        return str(error.get("Code", "")), str(error.get("Message", ""))
    return "", ""


def handles(s: Scratch) -> Observations:
    url, _ = s.queue("handles")
    s.send(url, "foo")
    handle = s.receive(url, wait=2)[0]["ReceiptHandle"]
    s.sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
    code, message = _error(
        lambda: s.sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=30
        )
    )
    again = refusal(lambda: s.sqs.delete_message(QueueUrl=url, ReceiptHandle=handle))
    bad_code, bad_message = _error(
        lambda: s.sqs.delete_message(QueueUrl=url, ReceiptHandle="garbage")
    )
    return {
        "visibility-deleted-handle-refused": Observed(
            code == "InvalidParameterValue" and GONE in message,
            f"{code}: {message.rsplit('Reason: ', 1)[-1]}" if code else "accepted",
        ),
        "receipt-handle-malformed-refused": Observed(
            (bad_code, bad_message) == ("ReceiptHandleIsInvalid", NOT_VALID) and not again,
            f"{bad_code or 'accepted'}: {bad_message}; the second delete "
            + (f"refused: {again}" if again else "accepted"),
        ),
    }


def fifo_delay(s: Scratch) -> Observations:
    url, _ = s.queue(
        "delay",
        fifo=True,
        ContentBasedDeduplication="true",
        DelaySeconds=str(FIFO_DELAY_SECONDS),
    )
    sent = time.monotonic()
    s.send(url, "message-1", MessageGroupId="1", DelaySeconds=0)
    early = s.receive(url, wait=1)
    early_at = time.monotonic() - sent
    later = s.receive(url, wait=FIFO_DELAY_SECONDS + 2)
    ok = not early and early_at < FIFO_DELAY_SECONDS and bodies(later) == ["message-1"]
    seen = f"received at once: {bool(early)}; after the delay: {bodies(later) or 'nothing'}"
    return {"fifo-queue-delay-applies": Observed(ok, seen)}


def fifo_groups(s: Scratch) -> Observations:
    url, _ = s.queue("groups", fifo=True, ContentBasedDeduplication="true")
    for body in ("g1-m1", "g2-m1", "g1-m2", "g1-m3"):
        s.send(url, body, MessageGroupId=body[:2])
    together = bodies(s.receive(url, wait=0))
    head, _ = s.queue("head", fifo=True, ContentBasedDeduplication="true", VisibilityTimeout="30")
    for body in ("g1-m1", "g1-m2", "g2-m1"):
        s.send(head, body, MessageGroupId=body[:2])
    first = s.receive(head, wait=0, MaxNumberOfMessages=2)
    released = bodies(first)
    if first:
        s.sqs.change_message_visibility(
            QueueUrl=head, ReceiptHandle=first[0]["ReceiptHandle"], VisibilityTimeout=0
        )
    then = bodies(s.receive(head, wait=1, MaxNumberOfMessages=3))
    return {
        "fifo-batch-groups-together": Observed(
            together == ["g1-m1", "g1-m2", "g1-m3", "g2-m1"], ", ".join(together) or "nothing"
        ),
        "fifo-group-head-available": Observed(
            released == ["g1-m1", "g1-m2"] and then == ["g2-m1", "g1-m1"],
            f"received {released}, released g1-m1, then {then}",
        ),
    }


def queue_types(s: Scratch) -> Observations:
    name = f"queuelab-probe-{s.token}"
    standard_fifo_name = refusal(lambda: s.sqs.create_queue(QueueName=f"{name}-std.fifo"))
    if not standard_fifo_name:  # created: it is ours to delete
        s.urls.append(s.sqs.get_queue_url(QueueName=f"{name}-std.fifo")["QueueUrl"])
    no_suffix = refusal(
        lambda: s.sqs.create_queue(QueueName=f"{name}-nosuffix", Attributes={"FifoQueue": "true"})
    )
    if not no_suffix:
        s.urls.append(s.sqs.get_queue_url(QueueName=f"{name}-nosuffix")["QueueUrl"])
    standard, _ = s.queue("type")
    fifo, _ = s.queue("type", fifo=True)
    unknown = refusal(
        lambda: s.sqs.set_queue_attributes(QueueUrl=standard, Attributes={"FifoQueue": "true"})
    )
    modified = refusal(
        lambda: s.sqs.set_queue_attributes(QueueUrl=fifo, Attributes={"FifoQueue": "false"})
    )
    return {
        "fifo-name-needs-fifo-attribute": Observed(
            standard_fifo_name == no_suffix == "InvalidParameterValue",
            f".fifo without FifoQueue: {standard_fifo_name or 'created'}; FifoQueue without "
            f".fifo: {no_suffix or 'created'}",
        ),
        "queue-type-fixed": Observed(
            (unknown, modified) == ("InvalidAttributeName", "InvalidAttributeValue"),
            f"FifoQueue on a standard queue: {unknown or 'accepted'}; FifoQueue=false on a "
            f"FIFO queue: {modified or 'accepted'}",
        ),
    }


def requests(s: Scratch) -> Observations:
    url, _ = s.queue("requests")
    body = _error(lambda: s.sqs.send_message(QueueUrl=url, MessageBody=""))
    most = _error(lambda: s.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=11))
    wait = _error(lambda: s.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=21))
    entries = [{"Id": f"m{i}", "ReceiptHandle": "h"} for i in range(20)]
    batch = _error(lambda: s.sqs.delete_message_batch(QueueUrl=url, Entries=entries))  # type: ignore[arg-type]
    ranges = (most[0], wait[0]) == ("InvalidParameterValue", "InvalidParameterValue")
    return {
        "message-body-required": Observed(
            body == ("MissingParameter", "The request must contain the parameter MessageBody."),
            f"{body[0]}: {body[1]}" if body[0] else "accepted",
        ),
        "receive-limits-refused": Observed(
            ranges and "Must be between 1 and 10, if provided." in most[1],
            f"MaxNumberOfMessages=11: {most[0] or 'accepted'} ({most[1]}); "
            f"WaitTimeSeconds=21: {wait[0] or 'accepted'}",
        ),
        "batch-size-checked-first": Observed(
            batch[0] == "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
            batch[0] or "accepted",
        ),
    }


def attributes(s: Scratch) -> Observations:
    url, _ = s.queue("attributes")
    value = {"StringValue": "Valid", "DataType": "String"}
    unicode = _error(lambda: s.send(url, "m", MessageAttributes={"attr.1øßä": value}))
    reserved = _error(lambda: s.send(url, "m", MessageAttributes={"AWS.x": value}))
    empty = _error(
        lambda: s.send(url, "m", MessageAttributes={"e": {"StringValue": "", "DataType": "String"}})
    )
    fair, _ = s.queue("fair")
    s.send(fair, "m", MessageGroupId="test")
    got = s.receive(fair, wait=1)
    kept = got[0].get("Attributes", {}).get("MessageGroupId") if got else None
    bad_group = _error(lambda: s.send(fair, "m", MessageGroupId="group 123"))
    return {
        "message-attribute-names": Observed(
            not unicode[0]
            and (reserved[0], empty[0]) == ("InvalidParameterValue", "InvalidParameterValue"),
            f"attr.1øßä: {unicode[0] or 'accepted'}; AWS.x: {reserved[0] or 'accepted'}; "
            f"empty value: {empty[0] or 'accepted'}",
        ),
        "group-id-on-standard-queue": Observed(
            kept == "test" and bad_group[0] == "InvalidParameterValue",
            f"returned: {kept}; 'group 123': {bad_group[0] or 'accepted'}",
        ),
    }
