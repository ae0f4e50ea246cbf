"""Probes of every queue: visibility, redrive, sizes and characters, batches, redrive-allow
policies, message move tasks, purge."""

from __future__ import annotations

import json
import time
from typing import Any

from botocore.exceptions import ClientError

from queuelab.targets.probes.scratch import Observations, Observed, Scratch, bodies, code, refusal

# Visibility timeouts tried in turn: the second receive must come inside the timeout for
# "hidden" to mean anything, which a loaded machine may not manage in one second.
VISIBILITY_TRIES = (1, 5)


def visibility(s: Scratch) -> Observations:
    for timeout in VISIBILITY_TRIES:
        url, _ = s.queue(f"vis-{timeout}", VisibilityTimeout=str(timeout))
        s.send(url, "m")
        asked = time.monotonic()
        first, hidden = s.receive(url, wait=0), s.receive(url, wait=0)
        answered = time.monotonic()  # the server's receive was before this
        if answered - asked < timeout:
            break
    time.sleep(max(0.0, answered + timeout + 0.2 - time.monotonic()))
    again = s.receive(url, wait=2)
    count = again[0]["Attributes"].get("ApproximateReceiveCount") if again else None
    ok = bool(first and not hidden and again) and count == "2"
    ok = ok and again[0]["MessageId"] == first[0]["MessageId"]
    ok = ok and again[0]["ReceiptHandle"] != first[0]["ReceiptHandle"]
    seen = f"hidden during the timeout: {not hidden}; received again: {bool(again)} (count {count})"
    return {"redelivery-after-visibility-timeout": Observed(ok, seen)}


def dead_letter(s: Scratch) -> Observations:
    dlq, dlq_arn = s.queue("dl-dlq")
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
    url, _ = s.queue("dl-src", VisibilityTimeout="0", RedrivePolicy=policy)
    s.send(url, "poison")
    received = sum(len(s.receive(url, wait=0)) for _ in range(4))
    moved = s.receive(dlq, wait=2)
    ok = received == 2 and bodies(moved) == ["poison"]
    return {
        "dlq-after-max-receives": Observed(
            ok, f"received {received} times; in the DLQ: {bodies(moved) or 'nothing'}"
        )
    }


def size(s: Scratch) -> Observations:
    url, _ = s.queue("size", MaximumMessageSize="1024")
    wide = refusal(lambda: s.send(url, "é" * 600))
    attribute = {"k": {"DataType": "String", "StringValue": "x" * 30}}
    with_attributes = refusal(lambda: s.send(url, "a" * 1000, MessageAttributes=attribute))
    plain, _ = s.queue("size-default")
    default = s.sqs.get_queue_attributes(QueueUrl=plain, AttributeNames=["MaximumMessageSize"])
    limit = default["Attributes"].get("MaximumMessageSize", "?")
    return {
        "size-counts-utf8-bytes": Observed(
            wide == "InvalidParameterValue",
            f"refused: {wide}" if wide else "accepted (characters counted)",
        ),
        "size-counts-attributes": Observed(
            with_attributes == "InvalidParameterValue",
            f"refused: {with_attributes}" if with_attributes else "accepted (attributes ignored)",
        ),
        "size-default-1mib": Observed(limit == "1048576", limit),
    }


def contents(s: Scratch) -> Observations:
    url, _ = s.queue("contents")
    refused = refusal(lambda: s.send(url, "bad\x00body"))
    return {
        "invalid-characters-refused": Observed(
            refused == "InvalidMessageContents", refused or "accepted"
        )
    }


def batch(s: Scratch) -> Observations:
    url, _ = s.queue("batch", MaximumMessageSize="1024")
    entries = [
        {"Id": "ok1", "MessageBody": "small"},
        {"Id": "big", "MessageBody": "x" * 2000},
        {"Id": "ok2", "MessageBody": "small too"},
    ]
    try:
        answer = s.sqs.send_message_batch(QueueUrl=url, Entries=entries)  # type: ignore[arg-type]
    except ClientError as err:
        return {
            "batch-fails-only-offending-entries": Observed(
                False, f"the whole request was refused: {code(err)}"
            )
        }
    failed = [f["Id"] for f in answer.get("Failed", [])]
    sent = sorted(e["Id"] for e in answer.get("Successful", []))
    ok = failed == ["big"] and sent == ["ok1", "ok2"]
    return {
        "batch-fails-only-offending-entries": Observed(ok, f"Failed {failed}, Successful {sent}")
    }


def allow_policy(s: Scratch) -> Observations:
    deny = json.dumps({"redrivePermission": "denyAll"})
    dlq, dlq_arn = s.queue("rap-dlq", RedriveAllowPolicy=deny)
    try:
        stored = s.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["RedriveAllowPolicy"])
        value = stored.get("Attributes", {}).get("RedriveAllowPolicy")
    except ClientError as err:
        value = f"error {code(err)}"
    try:
        found = json.loads(value or "null")
    except ValueError:
        found = None
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})
    refused = refusal(lambda: s.queue("rap-src", RedrivePolicy=policy))
    return {
        "redrive-allow-policy-stored": Observed(
            isinstance(found, dict) and found.get("redrivePermission") == "denyAll",
            f"returned {value}" if value else "not returned",
        ),
        "redrive-allow-policy-enforced": Observed(
            bool(refused), f"refused: {refused}" if refused else "accepted"
        ),
    }


def move_task(s: Scratch) -> Observations:
    _, dlq_arn = s.queue("mv-dlq")
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})
    url, src_arn = s.queue("mv-src", VisibilityTimeout="0", RedrivePolicy=policy)
    for body in ("m1", "m2"):
        s.send(url, body)
    for _ in range(6):
        s.receive(url, wait=0)
    validation = refusal(lambda: s.sqs.start_message_move_task(SourceArn=src_arn))
    rows = {
        "move-task-validation": Observed(
            validation == "InvalidParameterValue", validation or "accepted"
        )
    }
    try:
        s.sqs.start_message_move_task(SourceArn=dlq_arn)
    except ClientError as err:
        refused = f"StartMessageMoveTask refused: {code(err)}"
        return rows | {"move-task-to-source": Observed(False, refused)}
    task: dict[str, Any] = {}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        task = s.sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=1)["Results"][0]  # type: ignore[assignment]
        if task.get("Status") not in ("RUNNING", "CANCELLING"):
            break
        time.sleep(0.2)
    back = sorted(bodies(s.receive(url, wait=2)))
    moved = task.get("ApproximateNumberOfMessagesMoved")
    ok = task.get("Status") == "COMPLETED" and moved == 2 and back == ["m1", "m2"]
    seen = f"{task.get('Status')}, {moved} moved; back in the source: {back}"
    return rows | {"move-task-to-source": Observed(ok, seen)}


def purge(s: Scratch) -> Observations:
    url, _ = s.queue("purge")
    s.sqs.purge_queue(QueueUrl=url)
    try:
        s.sqs.purge_queue(QueueUrl=url)
    except ClientError as err:
        status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        refused = f"refused: {code(err)} (HTTP {status})"
        return {
            "purge-cooldown": Observed(
                "PurgeQueueInProgress" in code(err) and status == 403, refused
            )
        }
    return {"purge-cooldown": Observed(False, "accepted")}
