"""The correct handler's work (``correct.process``) answered in the wrong shapes, for the lab's
negative controls (scenarios/lambda_*.py). Each is what a real handler gets wrong, and what
AWS then does (services-sqs-errorhandling.html, "Success and failure conditions"):

- ``http_wrapped``: the failures inside an API Gateway-style reply, ``{"statusCode": 200,
  "body": "{\\"batchItemFailures\\": ...}"}``: AWS sees no list, the batch is a success, the
  failed messages are deleted (lost);
- ``receipt_handles``, ``unknown_ids``, ``empty_identifiers``: malformed entries (a receipt
  handle or an id not in the batch as ``itemIdentifier``, an empty one): the whole batch
  fails, its successes run again;
- ``only_the_failure``: on a FIFO queue, reports the failed record alone and goes on with
  the next ones: they are done (and deleted) before the failed one, out of order.
"""

from __future__ import annotations

import json
from typing import Any

import correct


def _failed(event: dict[str, Any], stop_at_first: bool = False) -> list[dict[str, Any]]:
    """The records that failed (with ``stop_at_first``: a failure and every later record)."""
    failed: list[dict[str, Any]] = []
    for record in event["Records"]:
        if failed and stop_at_first:
            failed.append(record)
            continue
        try:
            done = correct.process(record)
        except Exception as err:
            print(f"record {record['messageId']} failed: {err}")
            done = False
        if not done:
            failed.append(record)
    return failed


def _items(records: list[dict[str, Any]], field: str) -> dict[str, Any]:
    return {"batchItemFailures": [{"itemIdentifier": r[field]} for r in records]}


def http_wrapped(event: dict[str, Any], context: Any) -> dict[str, Any]:
    body = json.dumps(_items(_failed(event), "messageId"))
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": body}


def receipt_handles(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _items(_failed(event), "receiptHandle")


def unknown_ids(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failed = _failed(event)
    return {"batchItemFailures": [{"itemIdentifier": f"{r['messageId']}-x"} for r in failed]}


def empty_identifiers(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"batchItemFailures": [{"itemIdentifier": ""} for _ in _failed(event)]}


def only_the_failure(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failed: list[dict[str, Any]] = []
    for record in event["Records"]:  # every record, past a failure too (FIFO: out of order)
        try:
            done = correct.process(record)
        except Exception as err:
            print(f"record {record['messageId']} failed: {err}")
            done = False
        if not done:
            failed.append(record)
    return _items(failed, "messageId")
