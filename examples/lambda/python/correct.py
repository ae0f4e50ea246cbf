"""A correct SQS-triggered Lambda handler, for queuelab's ESM (``python -m queuelab.esm``):
a partial batch response in the documented shape, and an idempotent side effect.

- Each record is handled on its own; the ids of those that failed go back in
  ``{"batchItemFailures": [{"itemIdentifier": messageId}, ...]}`` (the mapping needs
  ``--report-batch-item-failures``, AWS's ``FunctionResponseTypes: ReportBatchItemFailures``),
  so one bad message does not bring its batch back.
- On a FIFO queue it stops at the first failure and reports it and every record after it,
  so a group's later messages never overtake a failed one (services-sqs-errorhandling.html).
- The side effect is a POST to ``$SIDE_EFFECT_URL`` with an ``Idempotency-Key`` (the order
  when the payload names one, else its id), or a conditional write to
  ``$SIDE_EFFECTS_TABLE`` under the same key (``effects.py``): a message delivered twice,
  or a batch retried after a timeout, is done once.
- Poison (a body that is not JSON, or marked ``"poison": true``) is reported as failed and
  never done: the queue's redrive policy moves it to the DLQ after maxReceiveCount.

    python -m queuelab.esm --queue-url URL --handler examples/lambda/python:correct.handler \\
        --report-batch-item-failures --env SIDE_EFFECT_URL=http://127.0.0.1:PORT/effects
"""

from __future__ import annotations

import json
from typing import Any

import effects


def side_effect(payload: dict[str, Any]) -> bool:
    """True when it is done, now or before (the key makes every retry safe)."""
    return effects.perform(payload, key=effects.subject(payload))


def process(record: dict[str, Any]) -> bool:
    try:
        payload = json.loads(record["body"])
    except ValueError:
        return False
    if not isinstance(payload, dict) or not payload.get("id") or payload.get("poison"):
        return False
    return side_effect(payload)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failures: list[dict[str, str]] = []
    fifo = False
    for record in event["Records"]:
        fifo = fifo or "MessageGroupId" in record["attributes"]
        if failures and fifo:  # FIFO: everything after a failure goes back too
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        try:
            done = process(record)
        except Exception as err:  # one record's trouble is not the batch's
            print(f"record {record['messageId']} failed: {err}")
            done = False
        if not done:
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
