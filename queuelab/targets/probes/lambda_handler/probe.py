"""The function the ESM probes invoke (``queuelab.targets.probes.esm``), under awslambdaric:
it answers as ``$CASE`` says and logs each invocation (its records, as the function saw
them) to ``$PROBE_LOG``, one JSON line each."""

from __future__ import annotations

import json
import os
import time
from typing import Any

CASE = os.environ.get("CASE", "ok")
LOG = os.environ.get("PROBE_LOG", "")


def _log(records: list[dict[str, Any]], started: float) -> None:
    line = {
        "case": CASE, "started": started, "ended": time.time(),
        "records": [
            {
                "fields": sorted(r), "body": r.get("body"), "id": r.get("messageId"),
                "event_source": r.get("eventSource"),
                "receive_count": int(r.get("attributes", {}).get("ApproximateReceiveCount", 0)),
            }
            for r in records
        ],
    }  # fmt: skip
    with open(LOG, "a") as log:
        log.write(json.dumps(line) + "\n")


def handler(event: dict[str, Any], context: Any) -> Any:
    started, records = time.time(), list(event["Records"])
    if CASE == "slow":
        time.sleep(0.5)
    _log(records, started)
    failed = [r["messageId"] for r in records if r.get("body") == "fail"]
    if CASE == "error":
        raise RuntimeError("the probe's function error")
    if CASE == "unknown-id":
        return {"batchItemFailures": [{"itemIdentifier": "not-in-the-batch"}]}
    if CASE == "wrapped":
        every = [{"itemIdentifier": r["messageId"]} for r in records]
        return {"statusCode": 200, "body": json.dumps({"batchItemFailures": every})}
    return {"batchItemFailures": [{"itemIdentifier": i} for i in failed]}
