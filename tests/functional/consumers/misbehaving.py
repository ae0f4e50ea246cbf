"""Consumers that misbehave, one way each (argv[1]), for the runner's error paths; further
arguments mark its processes (and the one it leaves behind)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import boto3

mode = sys.argv[1]
if mode == "exit":
    print("configuration error: no such table", file=sys.stderr)
    sys.exit(3)
if mode == "hang":
    time.sleep(600)
sqs = boto3.client("sqs")
queue_url, effect_url = os.environ["QUEUE_URL"], os.environ["SIDE_EFFECT_URL"]
if mode == "ignore-sigterm":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
if mode == "orphan":  # leaves a process behind in its group
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", *sys.argv[2:]])
while True:
    try:
        received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
    except Exception as err:  # "die-on-error": an error it did not expect ends it
        if mode != "die-on-error":
            raise
        print(f"giving up: {err}", file=sys.stderr)
        sys.exit(1)
    messages = received.get("Messages", [])
    for message in messages:
        if mode == "die-on-error":  # otherwise correct: the side effect, keyed, then the delete
            body = json.loads(message["Body"])
            request = urllib.request.Request(
                effect_url, json.dumps({"id": body["id"]}).encode(), method="POST",
                headers={"Idempotency-Key": body["id"], "Content-Type": "application/json"},
            )  # fmt: skip
            try:  # the outage may begin with the delete as well as with a receive
                urllib.request.urlopen(request).close()
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            except Exception as err:
                print(f"giving up: {err}", file=sys.stderr)
                sys.exit(1)
        if mode == "flood":  # asks the external system whether it is done, without pause
            url = f"{effect_url}/{json.loads(message['Body'])['id']}"
            while True:
                with contextlib.suppress(OSError):
                    urllib.request.urlopen(url).close()
