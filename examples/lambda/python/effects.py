"""Where the example handlers' side effects go, as the lab sees them:

- ``$SIDE_EFFECT_URL`` (``queuelab run --lambda-handler``): the lab's side-effect endpoint,
  a POST of ``{"id": ...}``; with an ``Idempotency-Key`` header it is done at most once per
  key (the endpoint answers the first result again);
- ``$SIDE_EFFECTS_TABLE`` (a Lambda scenario's own handler, and on AWS, which cannot reach
  the lab's loopback): one atomic counter per subject in DynamoDB (the ledger reads the
  table); with a key, the write is conditional on the key being new for the subject, so a
  retried message is done once. Items carry ``$RUN_ID``.

The subject is the order when the payload names one, else the message's id.

The table stands for a downstream whose behaviour a scenario may set: ``$WORK_SECONDS``, its
latency per call; ``$FLAKY_EVERY=N``, a transient failure: the first call for every Nth
message (by the payload's ``sequence``) fails, the next succeeds.
"""

from __future__ import annotations

import json
import os
import random
import time
import urllib.error
import urllib.request
from typing import Any

SIDE_EFFECT_URL = os.environ.get("SIDE_EFFECT_URL", "")
SIDE_EFFECTS_TABLE = os.environ.get("SIDE_EFFECTS_TABLE", "")
RUN_ID = os.environ.get("RUN_ID", "")
WORK_SECONDS = float(os.environ.get("WORK_SECONDS") or 0)
FLAKY_EVERY = int(os.environ.get("FLAKY_EVERY") or 0)
_dynamodb: Any = None


def subject(payload: dict[str, Any]) -> str:
    return str(payload.get("order_id") or payload["id"])


def perform(payload: dict[str, Any], key: str | None) -> bool:
    """True when it is done, now or before under ``key`` (None: no idempotency key, every
    call does it again)."""
    if SIDE_EFFECT_URL:
        return _post(payload, key)
    if SIDE_EFFECTS_TABLE:
        time.sleep(WORK_SECONDS)
        if _flaky(payload) and _first_call(payload):
            raise ConnectionError(f"the downstream failed {payload['id']} (transient)")
        return _count(payload, key)
    raise RuntimeError("neither SIDE_EFFECT_URL nor SIDE_EFFECTS_TABLE is set")


def _post(payload: dict[str, Any], key: str | None) -> bool:
    body = json.dumps({"id": payload["id"]}).encode()
    headers = {"Content-Type": "application/json", **({"Idempotency-Key": key} if key else {})}
    for attempt in range(4 if key else 1):  # without a key a retry may do it twice
        request = urllib.request.Request(SIDE_EFFECT_URL, body, headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10):
                return True
        except urllib.error.HTTPError as err:
            if err.code not in (429, 500, 503):
                return False  # 409: in progress elsewhere; try again on the next delivery
        except OSError:
            if not key:
                raise
        time.sleep(random.uniform(0, 0.1 * 2**attempt))
    return False


def dynamodb() -> Any:
    """The DynamoDB client (made at init, outside the function's timeout, when the table
    is where side effects go; boto3 takes a second to import, and the endpoint's callers
    never need it)."""
    global _dynamodb
    if _dynamodb is None:
        import boto3

        _dynamodb = boto3.client("dynamodb")
    return _dynamodb


def refused(err: Exception) -> bool:
    """A conditional write that found the condition false (done before)."""
    code = getattr(err, "response", {}).get("Error", {}).get("Code")
    return bool(code == "ConditionalCheckFailedException")


def _flaky(payload: dict[str, Any]) -> bool:
    return bool(FLAKY_EVERY) and int(payload.get("sequence", 0)) % FLAKY_EVERY == FLAKY_EVERY - 1


def _first_call(payload: dict[str, Any]) -> bool:
    """Whether this is the downstream's first call for the message (an item without a run,
    which the lab's ledger does not count)."""
    try:
        dynamodb().put_item(
            TableName=SIDE_EFFECTS_TABLE,
            Item={"subject": {"S": f"first-call:{RUN_ID}:{payload['id']}"}},
            ConditionExpression="attribute_not_exists(#subject)",
            ExpressionAttributeNames={"#subject": "subject"},
        )
    except Exception as err:
        if not refused(err):
            raise
        return False
    return True


def _count(payload: dict[str, Any], key: str | None) -> bool:
    ddb, name = dynamodb(), subject(payload)
    request = key or f"{payload['id']}:{time.time_ns()}"
    try:
        ddb.put_item(
            TableName=SIDE_EFFECTS_TABLE,
            Item={
                "subject": {"S": name}, "performances": {"N": "1"},
                "request_keys": {"SS": [request]}, "run": {"S": RUN_ID},
            },
            ConditionExpression="attribute_not_exists(#subject)",
            ExpressionAttributeNames={"#subject": "subject"},
        )  # fmt: skip
        return True
    except Exception as err:
        if not refused(err):
            raise
    checked = {"ConditionExpression": "NOT contains(request_keys, :key)"} if key else {}
    try:
        ddb.update_item(
            TableName=SIDE_EFFECTS_TABLE,
            Key={"subject": {"S": name}},
            UpdateExpression="ADD performances :one, request_keys :request SET #run = :run",
            ExpressionAttributeNames={"#run": "run"},
            ExpressionAttributeValues={
                ":one": {"N": "1"}, ":request": {"SS": [request]}, ":run": {"S": RUN_ID},
                **({":key": {"S": key}} if key else {}),
            },
            **checked,
        )  # fmt: skip
    except Exception as err:
        if not refused(err):
            raise
    return True  # done now, or done before under this key


if SIDE_EFFECTS_TABLE:
    dynamodb()
