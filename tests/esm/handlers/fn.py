"""Tiny handlers the ESM tests run inside awslambdaric. Behaviour is chosen by the record
bodies, so one function (one warm environment) serves every case of a test."""

from __future__ import annotations

import json
import os
import time
from typing import Any

STARTED = time.time()  # once per environment: a cold start


def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {
        "pid": os.getpid(),
        "started": STARTED,
        "records": len(event["Records"]),
        "remaining_ms": context.get_remaining_time_in_millis(),
        "request_id": context.aws_request_id,
        "function": os.environ["AWS_LAMBDA_FUNCTION_NAME"],
        "memory": os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"],
        "key": os.environ.get("AWS_ACCESS_KEY_ID", ""),
    }


def act(event: dict[str, Any], context: Any) -> Any:
    """Each record's body says what to do: ok, raise, sleep:S, exit, hog:MB, big:MB, or
    respond:JSON (the response itself, for the partial batch response table)."""
    for record in event["Records"]:
        body = record["body"]
        what, _, arg = body.partition(":")
        if what == "raise":
            raise RuntimeError(f"asked to fail by {record['messageId']}")
        if what == "sleep":
            time.sleep(float(arg))
        if what == "exit":
            os._exit(7)
        if what == "hog":
            hog = bytearray(int(arg) * 2**20)
            for i in range(0, len(hog), 4096):
                hog[i] = 1
            time.sleep(5)
        if what == "big":
            return "x" * (int(arg) * 2**20)
        if what == "respond":
            return json.loads(arg)
        if what == "fail-ids":  # report every record whose body starts with "bad"
            bad = [r["messageId"] for r in event["Records"] if r["body"].startswith("bad")]
            return {"batchItemFailures": [{"itemIdentifier": i} for i in bad]}
    if os.environ.get("INVOKED_LOG"):
        with open(os.environ["INVOKED_LOG"], "a") as log:
            for record in event["Records"]:
                log.write(
                    json.dumps(
                        {
                            "id": record["messageId"],
                            "body": record["body"],
                            "pid": os.getpid(),
                            "t": time.time(),
                        }
                    )
                    + "\n"
                )
    return None
