"""A naive SQS consumer: it deletes each message as soon as it has it, then does the side
effect with no idempotency key, and retries a failed receive at once. It works on a good
day; queuelab's scenarios show what it loses and what it does twice:

    .venv/bin/queuelab run --all --consumer-command ".venv/bin/python examples/naive_consumer.py"
"""

from __future__ import annotations

import json
import os
import urllib.request

import boto3

QUEUE_URL = os.environ["QUEUE_URL"]
SIDE_EFFECT_URL = os.environ["SIDE_EFFECT_URL"]
sqs = boto3.client("sqs")  # endpoint, region and credentials from the environment

while True:
    try:
        reply = sqs.receive_message(QueueUrl=QUEUE_URL, MaxNumberOfMessages=10)
        for message in reply.get("Messages", []):
            sqs.delete_message(QueueUrl=QUEUE_URL, ReceiptHandle=message["ReceiptHandle"])
            try:
                payload = json.loads(message["Body"])
                body = json.dumps({"id": payload["id"]}).encode()
                request = urllib.request.Request(SIDE_EFFECT_URL, body, method="POST")
                urllib.request.urlopen(request, timeout=60).close()
            except Exception as err:  # a bad message or a failed call: skip it
                print(f"skipped a message: {err}", flush=True)
    except Exception as err:
        print(f"receive failed: {err}", flush=True)
