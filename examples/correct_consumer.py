"""A correct SQS consumer, for queuelab's consumer contract (docs/consumer-contract.md).

Plain boto3, configured only from the environment: the standard AWS variables
(AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_MAX_ATTEMPTS),
QUEUE_URL and SIDE_EFFECT_URL (the external system). Judge it with:

    .venv/bin/queuelab run --all --consumer-command ".venv/bin/python examples/correct_consumer.py"

Long polls for batches of ten; every message in hand keeps its lease (a heartbeat); each side
effect is keyed (a versioned update is a conditional PUT), the delete comes after it; a
downstream that is down is retried, then backed off through the message's visibility; poison
is left to the redrive policy; in a FIFO batch a failed message stops its group.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import signal
import threading
import time
import urllib.error
import urllib.request
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

QUEUE_URL = os.environ["QUEUE_URL"]
SIDE_EFFECT_URL = os.environ["SIDE_EFFECT_URL"]
AWS_ERRORS = (BotoCoreError, ClientError)  # what is left once the SDK's own retries gave up
RETRYABLE = (429, 500, 502, 503, 504)  # not performed (or performed: the key makes it safe)
DONE, RETRY, LEAVE = "done", "retry", "leave"  # a message's outcome
BACKOFF_BASE, BACKOFF_CAP = 1, 900  # seconds: a retry's delay ceiling doubles per receive
PATH_STYLE = Config(s3={"addressing_style": "path"})  # an endpoint URL has no bucket host names
sqs = boto3.client("sqs")
s3 = boto3.client("s3", config=PATH_STYLE if os.environ.get("AWS_ENDPOINT_URL") else None)
stopping = False


def stop(signum: int, frame: Any) -> None:
    global stopping
    stopping = True  # finish the message in hand, give back the rest, exit


def queue_settings() -> tuple[int, int | None]:
    """The queue's visibility timeout and its redrive policy's maxReceiveCount (None: none)."""
    while True:
        try:
            names = ["VisibilityTimeout", "RedrivePolicy"]
            got = sqs.get_queue_attributes(QueueUrl=QUEUE_URL, AttributeNames=names)
            break
        except AWS_ERRORS:
            time.sleep(random.uniform(0, 1))
    attributes = got["Attributes"]
    policy = json.loads(attributes.get("RedrivePolicy") or "{}")
    limit = policy.get("maxReceiveCount")
    return int(attributes.get("VisibilityTimeout", 30)), int(limit) if limit else None


class Leases:
    """A heartbeat: every third of the visibility timeout, the visibility of every message in
    hand is extended (ChangeMessageVisibilityBatch), until it is deleted or given back; so no
    message comes back to another consumer while this one still works on it."""

    def __init__(self, visibility: int) -> None:
        self.visibility = visibility
        self.held: dict[str, str] = {}  # MessageId -> ReceiptHandle
        self.lock = threading.Lock()  # held while extending: a let go waits for it
        threading.Thread(target=self.beat, daemon=True).start()

    def hold(self, messages: list[dict[str, Any]]) -> None:
        with self.lock:
            self.held |= {m["MessageId"]: m["ReceiptHandle"] for m in messages}

    def let_go(self, message: dict[str, Any]) -> None:
        """Before its delete, release or backoff: never extended again."""
        with self.lock:
            self.held.pop(message["MessageId"], None)

    def beat(self) -> None:
        while True:
            time.sleep(self.visibility / 3)
            with self.lock:
                held = list(self.held.items())
                for start in range(0, len(held), 10):
                    self.extend(held[start : start + 10])

    def extend(self, chunk: list[tuple[str, str]]) -> None:
        entries = [
            {"Id": str(i), "ReceiptHandle": handle, "VisibilityTimeout": self.visibility}
            for i, (_, handle) in enumerate(chunk)
        ]
        try:
            reply = sqs.change_message_visibility_batch(QueueUrl=QUEUE_URL, Entries=entries)
        except AWS_ERRORS:
            return  # the next beat tries again
        for failed in reply.get("Failed", []):  # the lease is lost: let it go
            self.held.pop(chunk[int(failed["Id"])][0], None)


def call(method: str, url: str, body: dict[str, Any], key: str) -> str:
    """Ask the external system, retrying what was not done; DONE, RETRY (it is down or
    throttles: try again later) or LEAVE (409: another consumer is on it; 4xx: never)."""
    headers = {"Content-Type": "application/json", "Idempotency-Key": key}
    request = urllib.request.Request(url, json.dumps(body).encode(), headers, method=method)
    for attempt in range(4):
        if attempt:
            time.sleep(random.uniform(0, 0.2 * 2**attempt))  # back off, with jitter
        try:
            with urllib.request.urlopen(request, timeout=60):
                return DONE  # done now, or the first result replayed
        except urllib.error.HTTPError as err:
            if err.code not in RETRYABLE:
                return LEAVE
        except OSError:
            pass  # no answer: done or not, the same key makes the retry safe
    return RETRY


def fetch(pointer: dict[str, Any], names: dict[str, Any]) -> dict[str, Any] | None:
    """A claim-checked payload from S3, checked (None: not the one sent). Its object is gone
    only once its message was deleted: a redelivery then needs only its names."""
    try:
        data = s3.get_object(Bucket=pointer["bucket"], Key=pointer["key"])["Body"].read()
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return names
        raise
    if len(data) != pointer["bytes"] or hashlib.sha256(data).hexdigest() != pointer["sha256"]:
        return None
    payload = json.loads(data)
    return payload if isinstance(payload, dict) else None


def handle(message: dict[str, Any]) -> str:
    """Poison (not JSON, no id, "poison": true) is left: after maxReceiveCount receives the
    queue's redrive policy moves it to the DLQ."""
    try:
        payload = json.loads(message["Body"])
    except ValueError:
        return LEAVE
    if isinstance(payload, dict) and isinstance(payload.get("claim_check"), dict):
        names = {k: v for k, v in payload.items() if k != "claim_check"}
        payload = fetch(payload["claim_check"], names)
    if not isinstance(payload, dict) or not payload.get("id") or payload.get("poison"):
        return LEAVE
    id_, version = payload["id"], payload.get("version")
    if payload.get("entity_id") and isinstance(version, int):  # a conditional update: newer wins
        url = f"{SIDE_EFFECT_URL}/entities/{payload['entity_id']}"
        return call("PUT", url, {"id": id_, "version": version}, str(id_))
    # Once, whoever else got the same message: the business key when there is one.
    return call("POST", SIDE_EFFECT_URL, {"id": id_}, str(payload.get("order_id") or id_))


def set_visibility(message: dict[str, Any], seconds: int) -> None:
    with contextlib.suppress(*AWS_ERRORS):  # refused: it comes back after its lease anyway
        sqs.change_message_visibility(
            QueueUrl=QUEUE_URL, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=seconds
        )


def backoff(message: dict[str, Any]) -> int:
    """Exponential with full jitter, from the receive count, whole seconds (at least one)."""
    count = int(message.get("Attributes", {}).get("ApproximateReceiveCount", 1))
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (count - 1))
    return max(1, round(random.uniform(0, ceiling)))


def work(batch: list[dict[str, Any]], leases: Leases, max_receives: int | None) -> None:
    stopped: set[str] = set()  # FIFO groups stopped at a failure in this batch
    for message in batch:
        attributes = message.get("Attributes", {})
        group = attributes.get("MessageGroupId")
        if stopping or group in stopped:  # give it back untouched: it comes back in order
            leases.let_go(message)
            set_visibility(message, 0)
            continue
        outcome = handle(message)
        leases.let_go(message)
        if outcome == DONE:  # delete only after the side effect is done
            try:
                sqs.delete_message(QueueUrl=QUEUE_URL, ReceiptHandle=message["ReceiptHandle"])
            except AWS_ERRORS as err:  # it comes back, and the key makes that safe
                print(f"delete failed: {err}", flush=True)
                continue
            if payload_pointer := claim_check_of(message):  # the payload is no longer needed
                with contextlib.suppress(*AWS_ERRORS):
                    s3.delete_object(Bucket=payload_pointer["bucket"], Key=payload_pointer["key"])
            continue
        receives = int(attributes.get("ApproximateReceiveCount", 1))
        last = max_receives is not None and receives >= max_receives  # the DLQ is next for it
        if group is not None and not last:  # its successors wait for it (unless it dies now)
            stopped.add(group)
        if outcome == RETRY:
            set_visibility(message, backoff(message))


def claim_check_of(message: dict[str, Any]) -> dict[str, Any] | None:
    with contextlib.suppress(ValueError, AttributeError):
        pointer = json.loads(message["Body"]).get("claim_check")
        return pointer if isinstance(pointer, dict) else None
    return None


def main() -> None:
    signal.signal(signal.SIGTERM, stop)
    visibility, max_receives = queue_settings()
    leases = Leases(visibility)
    failures = 0
    while not stopping:
        try:  # the queue's own long-poll wait (ReceiveMessageWaitTimeSeconds)
            reply = sqs.receive_message(
                QueueUrl=QUEUE_URL, MaxNumberOfMessages=10,
                MessageSystemAttributeNames=["ApproximateReceiveCount", "MessageGroupId"],
            )  # fmt: skip
            failures = 0
        except AWS_ERRORS as err:  # throttled or denied beyond the SDK's retries: back off
            failures += 1
            print(f"receive failed ({failures} in a row): {err}", flush=True)
            time.sleep(random.uniform(0, min(10.0, 0.5 * 2**failures)))
            continue
        batch = reply.get("Messages", [])
        leases.hold(batch)
        work(batch, leases, max_receives)


if __name__ == "__main__":
    main()
