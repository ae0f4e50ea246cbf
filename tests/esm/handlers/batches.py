"""Handlers for the mapping's tests: each appends what it did to ``$INVOKED_LOG`` (one JSON
line per record: id, body, receive count, group, pid, time), then answers as its name says.
Bodies steer them: ``flaky`` fails on its first receive, ``bad...`` is reported failed on its
first receive."""

from __future__ import annotations

import json
import os
import time
from typing import Any

LOG = os.environ.get("INVOKED_LOG", "")


def _log(records: list[dict[str, Any]], **extra: Any) -> None:
    lines = []
    for r in records:
        attributes = r["attributes"]
        line = {
            "id": r["messageId"],
            "body": r["body"],
            "count": int(attributes["ApproximateReceiveCount"]),
            "group": attributes.get("MessageGroupId"),
            "pid": os.getpid(),
            "t": time.time(),
            **extra,
        }
        lines.append(json.dumps(line) + "\n")
    with open(LOG, "a") as log:
        log.write("".join(lines))


def _first_time(record: dict[str, Any]) -> bool:
    return record["attributes"]["ApproximateReceiveCount"] == "1"


def ok(event: dict[str, Any], context: Any) -> None:
    _log(event["Records"])


def events(event: dict[str, Any], context: Any) -> None:
    with open(LOG, "a") as log:
        log.write(json.dumps(event) + "\n")


def flaky(event: dict[str, Any], context: Any) -> None:
    """Raises (the whole batch fails) while a ``flaky`` record is on its first receive."""
    _log(event["Records"])
    if any(r["body"] == "flaky" and _first_time(r) for r in event["Records"]):
        raise RuntimeError("flaky")


def report(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failed, done = [], []
    for r in event["Records"]:
        (failed if r["body"].startswith("bad") and _first_time(r) else done).append(r)
    _log(done)
    return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in failed]}


def fifo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """As a FIFO handler should: stop at the first failure, report it and all after it."""
    failed: list[str] = []
    for r in event["Records"]:
        if failed or (r["body"].startswith("flaky") and _first_time(r)):
            failed.append(r["messageId"])
        else:
            _log([r])
    return {"batchItemFailures": [{"itemIdentifier": i} for i in failed]}


def fifo_only_failed(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """As a FIFO handler should not: it reports the failure and goes on with the rest."""
    failed: list[str] = []
    for r in event["Records"]:
        if r["body"].startswith("flaky") and _first_time(r):
            failed.append(r["messageId"])
        else:
            _log([r])
    return {"batchItemFailures": [{"itemIdentifier": i} for i in failed]}


def slow(event: dict[str, Any], context: Any) -> None:
    _log(event["Records"], phase="start")
    time.sleep(float(os.environ.get("SLOW_SECONDS", "0.5")))
    _log(event["Records"], phase="end")


def respond(event: dict[str, Any], context: Any) -> Any:
    """Answers ``$RESPONSE`` (JSON), whatever the batch."""
    _log(event["Records"])
    return json.loads(os.environ["RESPONSE"])
