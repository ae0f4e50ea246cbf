r"""Powertools for AWS Lambda (Python) outside Lambda: its batch processor and its idempotency
utility, driven by a boto3 receive loop, judged by queuelab's consumer contract
(docs/consumer-contract.md; what the lab found: docs/libraries.md).

The record handler, the processor and the idempotency utility are written as Powertools'
docs show them for an SQS-triggered function (``process_partial_response``,
``idempotent_function`` on a DynamoDBPersistenceLayer); the loop does what Lambda's event
source mapping would: receive, build the SQS event, delete what did not fail. The
idempotency records go to the contract's STATE_TABLE (string key ``id``, TTL on
``expiration``: the persistence layer's defaults). Judge it with:

    make examples-powertools     # aws-lambda-powertools into .venv (the extra "examples")
    PATH=$PWD/.venv/bin:$PATH queuelab run --all --consumer-command \
        "python examples/powertools/consumer.py"

Options, each the departure from the configuration that passes that the lab judges:

    --no-context   no Lambda context registered with the idempotency config (what a handler
                   moved out of Lambda does when it has no context to register): an
                   in-progress record then has no in-progress expiry, only the record's own
                   (an hour), so a consumer that dies mid-work blocks its message that long
    --no-key       no Idempotency-Key on the side-effect request: the idempotency utility
                   alone stands between a redelivery and a second payment
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import sys
import time
import urllib.error
import urllib.request
from typing import Any

import boto3
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    SqsFifoPartialProcessor,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from botocore.exceptions import BotoCoreError, ClientError

QUEUE_URL = os.environ["QUEUE_URL"]
SIDE_EFFECT_URL = os.environ["SIDE_EFFECT_URL"]
REGISTER_CONTEXT = "--no-context" not in sys.argv
DOWNSTREAM_KEY = "--no-key" not in sys.argv
AWS_ERRORS = (BotoCoreError, ClientError)  # what is left once the SDK's own retries gave up

sqs = boto3.client("sqs")
FIFO = QUEUE_URL.endswith(".fifo")
# FIFO: stop at the first failure, the rest of the batch reported failed with it.
processor = SqsFifoPartialProcessor() if FIFO else BatchProcessor(event_type=EventType.SQS)
persistence_layer = DynamoDBPersistenceLayer(table_name=os.environ["STATE_TABLE"])
# Keyed on the payload: its business key when it has one, else its id (a redelivery, a
# duplicate the queue or the producer made, and a second message for one order share it).
config = IdempotencyConfig(event_key_jmespath="order_id || id")
stopping = False
given_back: set[str] = set()  # the records not started because of SIGTERM


class Poison(Exception):
    """Never deleted: after maxReceiveCount receives the redrive policy dead-letters it."""


class Stopping(Exception):
    """SIGTERM came: the records not started are given back."""


class SideEffectNotDone(Exception):
    """Refused (409: someone else is on it), or still throttled after the retries."""


class Lease:
    """A stand-in for Lambda's context: the time left on the batch's visibility lease is
    what an invocation's remaining time is to the idempotency utility (an in-progress
    record expires with it, so a consumer that died mid-work does not block the message
    beyond its next delivery)."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


def side_effect(payload: dict[str, Any]) -> None:
    """POST it (with the idempotency key unless --no-key); retry throttling and 5xx."""
    body = json.dumps({"id": payload["id"]}).encode()
    headers = {"Content-Type": "application/json"}
    if DOWNSTREAM_KEY:
        headers["Idempotency-Key"] = str(payload.get("order_id") or payload["id"])
    for attempt in range(4):
        request = urllib.request.Request(SIDE_EFFECT_URL, body, headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=60):
                return
        except urllib.error.HTTPError as err:
            if err.code not in (429, 500, 503):
                raise SideEffectNotDone(f"{payload['id']}: {err.code}") from None
        except OSError:
            pass  # no answer: done or not, the same key makes the retry safe
        time.sleep(random.uniform(0, 0.2 * 2**attempt))
    raise SideEffectNotDone(f"{payload['id']}: still refused after retries")


@idempotent_function(
    data_keyword_argument="payload", persistence_store=persistence_layer, config=config
)
def pay(payload: dict[str, Any]) -> dict[str, Any]:
    side_effect(payload)
    return {"id": payload["id"], "paid": True}


def record_handler(record: SQSRecord) -> dict[str, Any]:
    if stopping:
        given_back.add(record.message_id)
        raise Stopping(record.message_id)
    try:
        payload = json.loads(record.body)
    except ValueError:
        raise Poison(f"{record.message_id}: not JSON") from None
    if not isinstance(payload, dict) or not payload.get("id") or payload.get("poison"):
        raise Poison(f"{record.message_id}: poison")
    return pay(payload=payload)


def as_event(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The SQS event Lambda's event source mapping would have built from these messages."""
    arn = "arn:aws:sqs:" + os.environ.get("AWS_REGION", "us-east-1") + ":000000000000:queue"
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": m.get("MessageAttributes", {}),
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": os.environ.get("AWS_REGION", "us-east-1"),
            }
            for m in messages
        ]
    }


def settle(messages: list[dict[str, Any]], failed: set[str]) -> None:
    """What the event source mapping does with a partial batch response: delete the
    messages that did not fail; the failed ones come back after their visibility timeout.
    Those never started because of SIGTERM are given back now (visibility 0)."""
    done = [m for m in messages if m["MessageId"] not in failed]
    for start in range(0, len(done), 10):
        entries = [
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
            for i, m in enumerate(done[start : start + 10])
        ]
        try:
            sqs.delete_message_batch(QueueUrl=QUEUE_URL, Entries=entries)
        except AWS_ERRORS as err:  # they come back, and the idempotency record makes it safe
            print(f"delete failed: {err}", flush=True)
    for m in messages:
        if m["MessageId"] in given_back:
            with contextlib.suppress(*AWS_ERRORS):
                sqs.change_message_visibility(
                    QueueUrl=QUEUE_URL, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0
                )


def stop(signum: int, frame: Any) -> None:
    global stopping
    stopping = True  # finish the record in hand, give back the rest, exit


def main() -> None:
    signal.signal(signal.SIGTERM, stop)
    attributes = sqs.get_queue_attributes(QueueUrl=QUEUE_URL, AttributeNames=["VisibilityTimeout"])
    visibility = int(attributes["Attributes"]["VisibilityTimeout"])
    failures = 0
    while not stopping:
        try:  # the queue's own long-poll wait (ReceiveMessageWaitTimeSeconds)
            reply = sqs.receive_message(
                QueueUrl=QUEUE_URL, MaxNumberOfMessages=10, AttributeNames=["All"]
            )
            failures = 0
        except AWS_ERRORS as err:  # throttled or denied beyond the SDK's retries: back off
            failures += 1
            print(f"receive failed ({failures} in a row): {err}", flush=True)
            time.sleep(random.uniform(0, min(10.0, 0.5 * 2**failures)))
            continue
        messages = reply.get("Messages", [])
        if not messages:
            continue
        if REGISTER_CONTEXT:
            config.register_lambda_context(Lease(visibility))  # type: ignore[arg-type]
        try:
            response = process_partial_response(
                event=as_event(messages), record_handler=record_handler, processor=processor
            )
            failed = {item["itemIdentifier"] for item in response["batchItemFailures"]}
        except BatchProcessingError as err:  # every record failed: Lambda would retry all
            print(f"the whole batch failed: {err}", flush=True)
            failed = {m["MessageId"] for m in messages}
        settle(messages, failed)


if __name__ == "__main__":
    main()
