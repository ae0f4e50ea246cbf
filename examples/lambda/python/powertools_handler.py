"""Powertools for AWS Lambda (Python) in its natural home: an SQS-triggered handler with the
batch processor (partial batch responses; ``SqsFifoPartialProcessor`` on a FIFO queue, which
stops at the first failure) and the idempotency utility on a DynamoDB table
(``$STATUS_TABLE``, Powertools' default attributes: key ``id``), keyed on the order (or the
message's id), its in-progress expiry from the invocation's remaining time
(``register_lambda_context``). The side effect carries a downstream key too (``effects.py``),
for a timeout after the side effect and before the record is COMPLETED.

Needs ``aws-lambda-powertools`` (not part of the lab's dependencies: ``pip install
aws-lambda-powertools``); the mapping needs ReportBatchItemFailures.

    queuelab run lambda-partial-batch poison \\
        --lambda-handler examples/lambda/python:powertools_handler.handler
"""

from __future__ import annotations

import json
import os
from typing import Any

import effects
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    SqsFifoPartialProcessor,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

persistence = DynamoDBPersistenceLayer(table_name=os.environ["STATUS_TABLE"])
config = IdempotencyConfig(event_key_jmespath="order_id || id", raise_on_no_idempotency_key=True)


@idempotent_function(data_keyword_argument="payload", config=config, persistence_store=persistence)
def perform(payload: dict[str, Any]) -> dict[str, Any]:
    if not effects.perform(payload, key=effects.subject(payload)):
        raise RuntimeError(f"the side effect of {payload['id']} is not done (yet)")
    return {"done": payload["id"]}


def record_handler(record: SQSRecord) -> None:
    payload = json.loads(record.body)  # not JSON: poison, reported as failed
    if not isinstance(payload, dict) or not payload.get("id") or payload.get("poison"):
        raise ValueError(f"poison message {record.message_id}")
    perform(payload=payload)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    config.register_lambda_context(context)
    fifo = any("MessageGroupId" in r.get("attributes", {}) for r in event["Records"])
    processor = SqsFifoPartialProcessor() if fifo else BatchProcessor(event_type=EventType.SQS)
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
