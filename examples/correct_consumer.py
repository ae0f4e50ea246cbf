"""A correct SQS consumer, for queuelab's consumer contract (docs/consumer-contract.md).

Plain boto3, configured only from the environment: the standard AWS variables
(AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_MAX_ATTEMPTS),
QUEUE_URL and SIDE_EFFECT_URL (the external system). Judge it with:

    .venv/bin/queuelab run --all --consumer-command ".venv/bin/python examples/correct_consumer.py"

Long polls for batches of ten; every message in hand keeps its lease (a heartbeat); each side
effect is keyed (a versioned update is a conditional PUT), the delete comes after it; a
downstream that is down is retried, then backed off through the message's visibility; poison
is left to the redrive policy; in a FIFO batch a failed message stops its group.

Its design is chosen by these variables (all optional; each combination is correct, and
benchmarks/designs.py judges several on every scenario):

    BATCH_SIZE=1..10        MaxNumberOfMessages of each receive (default 10)
    WAIT_SECONDS=0..20      each receive's WaitTimeSeconds (default: the queue's own
                            ReceiveMessageWaitTimeSeconds); a SIGTERM cuts a long poll short
    VISIBILITY_SECONDS=N    each receive's own VisibilityTimeout, which the heartbeat then
                            keeps (default: the queue's visibility timeout)
    PARALLEL=N              threads handling a batch at once (default 1: one message at a
                            time); a FIFO group's messages stay in order, in one thread
    DELETE_IN_BATCHES=1     delete a batch's done messages together (DeleteMessageBatch) once
                            the batch is handled; the heartbeat keeps them until then

    .venv/bin/queuelab run heartbeat --consumer-command \
        "env BATCH_SIZE=1 WAIT_SECONDS=20 .venv/bin/python examples/correct_consumer.py"
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
from concurrent.futures import ThreadPoolExecutor
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
BATCH_SIZE = int(os.environ.get("BATCH_SIZE") or 10)
WAIT_SECONDS = os.environ.get("WAIT_SECONDS")  # None: the queue's own long-poll wait
VISIBILITY_SECONDS = os.environ.get("VISIBILITY_SECONDS")  # None: the queue's own
PARALLEL = int(os.environ.get("PARALLEL") or 1)
DELETE_IN_BATCHES = os.environ.get("DELETE_IN_BATCHES", "") not in ("", "0")
sqs = boto3.client("sqs")
s3 = boto3.client("s3", config=PATH_STYLE if os.environ.get("AWS_ENDPOINT_URL") else None)
stopping = False  # SIGTERM: finish the message in hand, give back the rest, exit
polling = False  # in a receive: nothing in hand yet, so a SIGTERM cuts it short


class Stopped(BaseException):
    """SIGTERM during a receive: a long poll of up to 20 s would outlast the grace period."""


def stop(signum: int, frame: Any) -> None:
    global stopping
    stopping = True  # a plain flag: a lock taken here could be the one the main thread holds
    if polling:
        raise Stopped


def queue_settings() -> tuple[int, int | None]:
    """The visibility timeout a receive gives (VISIBILITY_SECONDS, else the queue's) and the
    queue's redrive policy's maxReceiveCount (None: none)."""
    while True:
        try:
            got = sqs.get_queue_attributes(
                QueueUrl=QUEUE_URL, AttributeNames=["VisibilityTimeout", "RedrivePolicy"]
            )
            break
        except AWS_ERRORS:
            time.sleep(random.uniform(0, 1))
    attributes = got["Attributes"]
    policy = json.loads(attributes.get("RedrivePolicy") or "{}")
    limit = policy.get("maxReceiveCount")
    visibility = int(VISIBILITY_SECONDS or attributes.get("VisibilityTimeout") or 30)
    return visibility, int(limit) if limit else None


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
        try:
            reply = sqs.change_message_visibility_batch(
                QueueUrl=QUEUE_URL,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": handle, "VisibilityTimeout": self.visibility}
                    for i, (_, handle) in enumerate(chunk)
                ],
            )
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


def give_back(messages: list[dict[str, Any]], leases: Leases) -> None:
    """Untouched: visibility 0, so they come back at once (and in order, in a FIFO group)."""
    for message in messages:
        leases.let_go(message)
        set_visibility(message, 0)


def delete(messages: list[dict[str, Any]], leases: Leases) -> None:
    """Delete done messages (one call each, or DeleteMessageBatch for up to ten at a time),
    then the claim-checked payloads of those deleted. A refused delete: the message comes
    back, and its key makes that safe."""
    for message in messages:
        leases.let_go(message)
    if DELETE_IN_BATCHES:
        tens = [messages[at : at + 10] for at in range(0, len(messages), 10)]
        deleted = [message for ten in tens for message in delete_ten(ten)]
    else:
        deleted = [message for message in messages if delete_one(message)]
    for message in deleted:  # the payload is no longer needed
        if pointer := claim_check_of(message):
            with contextlib.suppress(*AWS_ERRORS):
                s3.delete_object(Bucket=pointer["bucket"], Key=pointer["key"])


def delete_one(message: dict[str, Any]) -> bool:
    try:
        sqs.delete_message(QueueUrl=QUEUE_URL, ReceiptHandle=message["ReceiptHandle"])
    except AWS_ERRORS as err:
        print(f"delete failed: {err}", flush=True)
        return False
    return True


def delete_ten(chunk: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages of ``chunk`` that one DeleteMessageBatch deleted."""
    try:
        reply = sqs.delete_message_batch(
            QueueUrl=QUEUE_URL,
            Entries=[
                {"Id": str(i), "ReceiptHandle": message["ReceiptHandle"]}
                for i, message in enumerate(chunk)
            ],
        )
    except AWS_ERRORS as err:
        print(f"delete failed: {err}", flush=True)
        return []
    for failed in reply.get("Failed", []):
        print(f"delete failed: {failed.get('Code')}", flush=True)
    ok = {int(entry["Id"]) for entry in reply.get("Successful", [])}
    return [message for i, message in enumerate(chunk) if i in ok]


def lanes(batch: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """A FIFO group's messages of the batch, in order, make one lane; on a standard queue
    each message is a lane of its own."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for message in batch:
        group = message.get("Attributes", {}).get("MessageGroupId") or message["MessageId"]
        grouped.setdefault(group, []).append(message)
    return list(grouped.values())


def work_lane(
    lane: list[dict[str, Any]], leases: Leases, max_receives: int | None
) -> list[dict[str, Any]]:
    """Handle a lane's messages in order; the done ones, still to delete when deleting in
    batches. A failure stops a FIFO group: its later messages are given back."""
    done = []
    for at, message in enumerate(lane):
        if stopping:
            give_back(lane[at:], leases)
            break
        outcome = handle(message)
        if outcome == DONE:  # delete only after the side effect is done
            done.append(message)
            if not DELETE_IN_BATCHES:
                delete([message], leases)
            continue
        leases.let_go(message)
        if outcome == RETRY:
            set_visibility(message, backoff(message))
        attributes = message.get("Attributes", {})
        receives = int(attributes.get("ApproximateReceiveCount", 1))
        last = max_receives is not None and receives >= max_receives  # the DLQ is next for it
        if "MessageGroupId" in attributes and not last:  # its successors wait for it
            give_back(lane[at + 1 :], leases)
            break
    return done if DELETE_IN_BATCHES else []


def work(
    batch: list[dict[str, Any]], leases: Leases, max_receives: int | None, pool: ThreadPoolExecutor
) -> None:
    """The batch's lanes one after the other, or PARALLEL at a time; then the batch's
    deletes when deleting in batches."""
    if PARALLEL > 1:
        handled = list(pool.map(lambda lane: work_lane(lane, leases, max_receives), lanes(batch)))
    else:
        handled = [work_lane(lane, leases, max_receives) for lane in lanes(batch)]
    delete([m for done in handled for m in done], leases)


def claim_check_of(message: dict[str, Any]) -> dict[str, Any] | None:
    with contextlib.suppress(ValueError, AttributeError):
        pointer = json.loads(message["Body"]).get("claim_check")
        return pointer if isinstance(pointer, dict) else None
    return None


def receive() -> list[dict[str, Any]]:
    """One receive of the chosen design; a SIGTERM during it raises ``Stopped``."""
    global polling
    asked: dict[str, Any] = {
        "QueueUrl": QUEUE_URL,
        "MaxNumberOfMessages": BATCH_SIZE,
        "MessageSystemAttributeNames": ["ApproximateReceiveCount", "MessageGroupId"],
    }
    if WAIT_SECONDS is not None:  # else the queue's own long-poll wait
        asked["WaitTimeSeconds"] = int(WAIT_SECONDS)
    if VISIBILITY_SECONDS is not None:  # else the queue's visibility timeout
        asked["VisibilityTimeout"] = int(VISIBILITY_SECONDS)
    polling = True
    try:
        if stopping:
            raise Stopped
        messages: list[Any] = sqs.receive_message(**asked).get("Messages", [])
        return messages
    finally:
        polling = False


def pause(seconds: float) -> None:
    """Sleep, but not past a SIGTERM."""
    until = time.monotonic() + seconds
    while not stopping and time.monotonic() < until:
        time.sleep(max(0.0, min(0.1, until - time.monotonic())))


def main() -> None:
    signal.signal(signal.SIGTERM, stop)
    visibility, max_receives = queue_settings()
    leases = Leases(visibility)
    pool = ThreadPoolExecutor(max_workers=PARALLEL)
    failures = 0
    while not stopping:
        try:
            batch = receive()
            failures = 0
        except Stopped:
            break
        except AWS_ERRORS as err:  # throttled or denied beyond the SDK's retries: back off
            failures += 1
            print(f"receive failed ({failures} in a row): {err}", flush=True)
            pause(random.uniform(0, min(10.0, 0.5 * 2**failures)))
            continue
        leases.hold(batch)
        work(batch, leases, max_receives, pool)


if __name__ == "__main__":
    main()
