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
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    for message in messages:
        if mode == "flood":  # asks the external system whether it is done, without pause
            url = f"{effect_url}/{json.loads(message['Body'])['id']}"
            while True:
                with contextlib.suppress(OSError):
                    urllib.request.urlopen(url).close()
