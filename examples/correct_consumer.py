"""A correct SQS consumer, for queuelab's consumer contract (docs/consumer-contract.md).

Plain boto3, configured only from the environment: the standard AWS variables
(AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_MAX_ATTEMPTS),
QUEUE_URL and SIDE_EFFECT_URL (the external system). Judge it with:

    .venv/bin/queuelab run --all --consumer-command ".venv/bin/python examples/correct_consumer.py"
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import time
import urllib.error
import urllib.request
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

QUEUE_URL = os.environ["QUEUE_URL"]
SIDE_EFFECT_URL = os.environ["SIDE_EFFECT_URL"]
AWS_ERRORS = (BotoCoreError, ClientError)  # what is left once the SDK's own retries gave up
sqs = boto3.client("sqs")
stopping = False


def stop(signum: int, frame: Any) -> None:
    global stopping
    stopping = True  # finish the message in hand, give back the rest, exit


def side_effect(payload: dict[str, Any]) -> bool:
    """Do it once, whoever else got the same message: an idempotency key (the business key
    when there is one) makes every retry safe. True when it is done, now or before."""
    key = str(payload.get("order_id") or payload["id"])
    body = json.dumps({"id": payload["id"]}).encode()
    headers = {"Content-Type": "application/json", "Idempotency-Key": key}
    for attempt in range(4):
        request = urllib.request.Request(SIDE_EFFECT_URL, body, headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=60):
                return True  # done now, or the first result replayed
        except urllib.error.HTTPError as err:
            if err.code not in (429, 500, 503):
                return False  # 409: another consumer is on it; leave the message for later
        except OSError:
            pass  # no answer: done or not, the same key makes the retry safe
        time.sleep(random.uniform(0, 0.2 * 2**attempt))  # throttled: back off, with jitter
    return False


def handle(message: dict[str, Any]) -> bool:
    """True when the message may be deleted. Poison is never deleted: after
    maxReceiveCount receives the queue's redrive policy moves it to the DLQ."""
    try:
        payload = json.loads(message["Body"])
    except ValueError:
        return False  # not JSON: poison
    if not isinstance(payload, dict) or not payload.get("id") or payload.get("poison"):
        return False
    return side_effect(payload)


def main() -> None:
    signal.signal(signal.SIGTERM, stop)
    failures = 0
    while not stopping:
        try:  # the queue's own long-poll wait (ReceiveMessageWaitTimeSeconds)
            reply = sqs.receive_message(QueueUrl=QUEUE_URL, MaxNumberOfMessages=10)
            failures = 0
        except AWS_ERRORS as err:  # throttled or denied beyond the SDK's retries: back off
            failures += 1
            print(f"receive failed ({failures} in a row): {err}", flush=True)
            time.sleep(random.uniform(0, min(10.0, 0.5 * 2**failures)))
            continue
        messages = reply.get("Messages", [])
        for index, message in enumerate(messages):
            if stopping:  # give back what we will not handle
                for rest in messages[index:]:
                    with contextlib.suppress(*AWS_ERRORS):
                        sqs.change_message_visibility(
                            QueueUrl=QUEUE_URL, ReceiptHandle=rest["ReceiptHandle"],
                            VisibilityTimeout=0,
                        )  # fmt: skip
                break
            if handle(message):  # delete only after the side effect is done
                try:
                    sqs.delete_message(QueueUrl=QUEUE_URL, ReceiptHandle=message["ReceiptHandle"])
                except AWS_ERRORS as err:  # it comes back, and the key makes that safe
                    print(f"delete failed: {err}", flush=True)


if __name__ == "__main__":
    main()
