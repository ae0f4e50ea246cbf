"""Build a worker from its knobs: the production parts, the safeguards the knobs keep on,
and the chaos layer's faults."""

from __future__ import annotations

import functools
import logging
import os
from dataclasses import replace
from typing import TYPE_CHECKING

from consumer import chaos, keys, logs
from consumer.backoff import ErrorBackoff
from consumer.claim_check import ClaimCheckedHandler, CleanUpAfterDelete, Objects
from consumer.handler import Handler
from consumer.idempotency import DoneCache, Idempotency, StatusTable, never_performed
from consumer.metrics import Metrics
from consumer.middleware import Chain, Middleware
from consumer.schemas import SchemaReader
from consumer.side_effects import SideEffects
from consumer.versions import VersionStore
from consumer.worker import Worker
from queuelab.contract import clients, lifeline
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.history import History
from queuelab.contract.knobs import lookalikes

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

log = logging.getLogger("consumer")


def idempotency(
    knobs: ConsumerKnobs,
    effects: SideEffects,
    history: History,
    name: str,
    ddb: DynamoDBClient | None,
) -> Idempotency:
    if not knobs.idempotent:
        return Idempotency(None, DoneCache(0), never_performed, history)
    status = None
    if knobs.message_status_table and ddb is not None:
        status = StatusTable(ddb, knobs.message_status_table, name, knobs.idempotency_lease_seconds)
    else:
        log.warning(
            "IDEMPOTENCY=on without MESSAGE_STATUS_TABLE: only this process's in-memory cache "
            "deduplicates; other consumers will repeat side effects"
        )
    performed = effects.performed if knobs.check_before_doing == "on" else never_performed
    return Idempotency(
        status, DoneCache(knobs.idempotency_cache_size), performed, history, knobs.run_id
    )


def dedupe_key(knobs: ConsumerKnobs) -> keys.DedupeKey:
    if knobs.dedupe_on == "sqs-message-id":
        return keys.sqs_message_id
    if knobs.business_idempotency_field:
        return keys.payload_field(knobs.business_idempotency_field)
    return keys.payload_id


def handler(
    knobs: ConsumerKnobs,
    ddb: DynamoDBClient | None,
    history: History,
    hooks: Middleware,
    objects: Objects | None = None,
) -> Handler:
    """The per-message path, with the safeguards the knobs keep on."""
    name = history.process
    kind = chaos.SwallowingSideEffects if knobs.swallow_errors else SideEffects
    effects = kind(
        ddb,
        knobs.message_side_effects_table,
        name,
        knobs.side_effect_log_path,
        knobs.side_effect_log_field,
    )
    versions = None
    if knobs.version_state_path:
        versions = VersionStore(
            knobs.version_state_path, knobs.version_log_path, knobs.versioning_enabled
        )
    # With the claim check's objects: a handler that fetches claim-checked payloads first.
    made = Handler if objects is None else functools.partial(ClaimCheckedHandler, objects=objects)
    return made(
        idempotency(knobs, effects, history, name, ddb),
        effects,
        history,
        hooks=hooks,
        dedupe_key=dedupe_key(knobs),
        versions=versions,
        version_key=knobs.version_key,
        entity_key=knobs.entity_key,
        run_id=knobs.run_id,
    )


def build(knobs: ConsumerKnobs) -> Worker:
    name = knobs.consumer_id or f"consumer-{os.getpid()}"
    settings = clients.AwsSettings.from_env()
    if knobs.aws_region:
        settings = replace(settings, region=knobs.aws_region)
    tables = knobs.message_status_table or knobs.message_side_effects_table
    ddb = clients.dynamodb(settings) if tables else None
    history = History(knobs.history_path or None, name)
    objects = Objects(settings, history)  # claim-checked payloads (S3 only when one comes)
    layers: list[Middleware] = [CleanUpAfterDelete(objects)]
    if knobs.schema_version:
        layers.append(SchemaReader(knobs.schema_version, knobs.schema_reader == "strict", history))
    layers += chaos.layer(knobs, history)
    if knobs.metrics_port:  # observed, not in the path: a history observer, a middleware
        metrics = Metrics(name)
        history.watch(metrics.observe)
        layers = [*layers, metrics.middleware()]  # last: the outermost acknowledger
        try:
            metrics.serve(knobs.metrics_host, knobs.metrics_port)
        except OSError as err:  # observability must not stop the work
            log.error(
                "cannot serve metrics on %s:%d: %s", knobs.metrics_host, knobs.metrics_port, err
            )
    hooks = Chain(layers)
    return Worker(
        clients.sqs(settings),
        knobs.queue_url,
        handler(knobs, ddb, history, hooks, objects),
        history,
        hooks=hooks,
        name=name,
        run_id=knobs.run_id,
        max_messages=knobs.max_messages,
        wait_time_seconds=knobs.wait_time_seconds,
        message_limit=knobs.message_limit,
        idle_timeout_seconds=knobs.idle_timeout_seconds,
        backoff=ErrorBackoff(knobs.error_backoff_seconds, knobs.error_backoff_max_seconds),
    )


def run(knobs: ConsumerKnobs) -> int:
    name = knobs.consumer_id or f"consumer-{os.getpid()}"
    logs.configure(name, knobs.log_level, knobs.log_format)
    for variable, meant in lookalikes(os.environ, ConsumerKnobs):
        log.warning("%s is not a consumer knob (ignored); did you mean %s?", variable, meant)
    worker = build(knobs)
    worker.install_signal_handlers()
    lifeline.watch()  # started by the runner: stop gracefully if it dies
    return worker.run()
