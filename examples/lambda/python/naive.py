"""A naive SQS-triggered Lambda handler: no partial batch response, so it raises on the
first failure and the whole batch comes back, the records it already did included; and its
side effect has no idempotency key (``effects.py``: the lab's endpoint or table), so every
retry does them again. It works on a good day;
with poison in a batch, or a timeout, the lab shows what it does twice.

    python -m queuelab.esm --queue-url URL --handler examples/lambda/python:naive.handler \\
        --env SIDE_EFFECT_URL=http://127.0.0.1:PORT/effects
"""

from __future__ import annotations

import json
from typing import Any

import effects


def handler(event: dict[str, Any], context: Any) -> None:
    for record in event["Records"]:
        payload = json.loads(record["body"])  # poison raises: the whole batch fails
        if payload.get("poison"):
            raise ValueError(f"poison message {record['messageId']}")
        effects.perform(payload, key=None)  # no idempotency key: a retry does it again
