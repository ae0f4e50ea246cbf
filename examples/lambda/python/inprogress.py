"""A handler with an idempotency record per message, as Powertools' idempotency utility keeps
one (INPROGRESS, then COMPLETED, in a DynamoDB table), for a function that may time out.

The record is claimed INPROGRESS before the work and marked COMPLETED after it. A function
that times out leaves it INPROGRESS; the message comes back after the visibility timeout,
and the retry must be able to take the claim over:

- the in-progress record expires when the invocation that claimed it would have been cut
  off: now plus the remaining time (``context.get_remaining_time_in_millis()``, what
  Powertools' ``register_lambda_context`` uses); a retry after that finds it expired;
- with ``$IN_PROGRESS_EXPIRY=fixed`` it expires with the record (an hour): every retry finds
  it in progress and fails, until the message dead-letters (the negative control);
- the side effect carries a downstream idempotency key (the order), so a retry after a
  timeout that came after the side effect does not do it twice; ``$DOWNSTREAM_KEY=off``
  drops it (the other negative control).

``$SLOW_FIRST_SECONDS``: on a message's first delivery the work hangs that long after the
side effect (past the function's timeout: the invocation times out).
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import effects

STATUS_TABLE = os.environ.get("STATUS_TABLE", "")
FIXED = os.environ.get("IN_PROGRESS_EXPIRY", "remaining-time") == "fixed"
DOWNSTREAM_KEY = os.environ.get("DOWNSTREAM_KEY", "on") != "off"
SLOW_FIRST_SECONDS = float(os.environ.get("SLOW_FIRST_SECONDS") or 0)
RECORD_SECONDS = 3600  # how long a record lives (Powertools' default expiry)


def claim(key: str, in_progress_until_ms: int) -> str:
    """ "claimed", "completed" or "in-progress" (held by another invocation, not expired)."""
    now_ms = int(time.time() * 1000)
    ddb = effects.dynamodb()
    try:
        ddb.put_item(
            TableName=STATUS_TABLE,
            Item={
                "id": {"S": key}, "status": {"S": "INPROGRESS"},
                "in_progress_expiry": {"N": str(in_progress_until_ms)},
                "expires_at": {"N": str(int(time.time()) + RECORD_SECONDS)},
            },
            ConditionExpression="attribute_not_exists(id) OR "
            "(#status = :in_progress AND in_progress_expiry < :now)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":in_progress": {"S": "INPROGRESS"}, ":now": {"N": str(now_ms)},
            },
        )  # fmt: skip
        return "claimed"
    except Exception as err:
        if not effects.refused(err):
            raise
    item = ddb.get_item(TableName=STATUS_TABLE, Key={"id": {"S": key}}, ConsistentRead=True)
    status = item.get("Item", {}).get("status", {}).get("S")
    return "completed" if status == "COMPLETED" else "in-progress"


def complete(key: str) -> None:
    effects.dynamodb().update_item(
        TableName=STATUS_TABLE,
        Key={"id": {"S": key}},
        UpdateExpression="SET #status = :done",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":done": {"S": "COMPLETED"}},
    )


def process(record: dict[str, Any], context: Any) -> bool:
    try:
        payload = json.loads(record["body"])
    except ValueError:
        return False
    if not isinstance(payload, dict) or not payload.get("id") or payload.get("poison"):
        return False
    key = effects.subject(payload)
    now_ms = int(time.time() * 1000)
    until = now_ms + (RECORD_SECONDS * 1000 if FIXED else context.get_remaining_time_in_millis())
    state = claim(key, until)
    if state == "completed":
        return True
    if state == "in-progress":
        print(f"{key} is in progress elsewhere (until {until})")
        return False
    effects.perform(payload, key=key if DOWNSTREAM_KEY else None)
    if SLOW_FIRST_SECONDS and record["attributes"]["ApproximateReceiveCount"] == "1":
        time.sleep(SLOW_FIRST_SECONDS)  # the function times out here, the record INPROGRESS
    complete(key)
    return True


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failures = []
    for record in event["Records"]:
        try:
            done = process(record, context)
        except Exception as err:
            print(f"record {record['messageId']} failed: {err}")
            done = False
        if not done:
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
