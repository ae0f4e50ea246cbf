"""Build a worker from its knobs: the production parts, the safeguards the knobs keep on,
and the chaos layer's faults."""

from __future__ import annotations

import functools
import json
import logging
import os
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from consumer import chaos, keys, logs
from consumer.backoff import AfterVisibilityTimeout, Backoff, ErrorBackoff, Immediate, RetryPolicy
from consumer.claim_check import ClaimCheckedHandler, CleanUpAfterDelete, Objects
from consumer.groups import CarryOn, GroupPolicy, SkipFailedGroups
from consumer.handler import Handler
from consumer.heartbeat import Heartbeat, LeaseKeeper, NoHeartbeat
from consumer.idempotency import DoneCache, Idempotency, never_performed
from consumer.leases import ClaimLease, FixedLease, VisibilityLease
from consumer.metrics import Metrics
from consumer.middleware import Chain, Middleware
from consumer.schemas import SchemaReader
from consumer.side_effects import Downstream, SideEffects
from consumer.status_table import ClaimTable, ReadThenWriteTable, StatusTable
from consumer.versions import VersionStore
from consumer.worker import Worker
from queuelab.contract import clients, lifeline
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.history import History
from queuelab.contract.knobs import KnobError, lookalikes
from queuelab.contract.processes import EXIT_USAGE

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

log = logging.getLogger("consumer")


def idempotency(
    knobs: ConsumerKnobs,
    effects: SideEffects,
    history: History,
    name: str,
    ddb: DynamoDBClient | None,
    hooks: Middleware | None = None,
    visibility_timeout: float = 0.0,
) -> Idempotency:
    if not knobs.idempotent:
        return Idempotency(None, DoneCache(0), never_performed, history)
    status = None
    if knobs.message_status_table and ddb is not None:
        table: type[ClaimTable] = StatusTable
        if knobs.claim_write == "read-then-write":
            table = ReadThenWriteTable
        before_write = hooks.before_claim_write if hooks else None
        status = table(
            ddb, knobs.message_status_table, name, knobs.idempotency_lease_seconds, before_write
        )
    elif effects.checked and effects.ddb is not None:
        log.info(
            "IDEMPOTENCY=on without MESSAGE_STATUS_TABLE: no claims; the side effect's own "
            "check (its request key) keeps a redelivered message from being done twice"
        )
    else:
        log.warning(
            "IDEMPOTENCY=on without MESSAGE_STATUS_TABLE: only this process's in-memory cache "
            "deduplicates; other consumers will repeat side effects"
        )
    performed = effects.performed if knobs.check_before_doing == "on" else never_performed
    lease: ClaimLease = FixedLease()
    if knobs.idempotency_lease == "visibility":
        lease = VisibilityLease(visibility_timeout)
    return Idempotency(
        status, DoneCache(knobs.idempotency_cache_size), performed, history, knobs.run_id, lease
    )


def retry_policy(knobs: ConsumerKnobs) -> RetryPolicy:
    if knobs.retry_mode == "backoff":
        return Backoff(knobs.retry_base_seconds, knobs.retry_cap_seconds)
    if knobs.retry_mode == "immediate":
        return Immediate()
    return AfterVisibilityTimeout()


@dataclass(frozen=True)
class QueueSettings:
    visibility_timeout: int = 0
    max_receive_count: int | None = None  # None: no redrive policy


def queue_settings(sqs: SQSClient, queue_url: str) -> QueueSettings:
    """The queue's own settings that the heartbeat, the lease and the group policy follow."""
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["VisibilityTimeout", "RedrivePolicy"]
    )["Attributes"]
    redrive = json.loads(attributes.get("RedrivePolicy") or "{}")
    limit = redrive.get("maxReceiveCount")
    return QueueSettings(int(attributes["VisibilityTimeout"]), int(limit) if limit else None)


def needs_queue_settings(knobs: ConsumerKnobs) -> bool:
    return (
        bool(knobs.heartbeat_seconds)
        or knobs.idempotency_lease == "visibility"
        or knobs.queue_url.endswith(".fifo")
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
    visibility_timeout: float = 0.0,
    objects: Objects | None = None,
) -> Handler:
    """The per-message path, with the safeguards the knobs keep on."""
    name = history.process
    system = SideEffects(
        ddb,
        knobs.message_side_effects_table,
        knobs.side_effect_log_path,
        knobs.side_effect_log_field,
        checked=knobs.idempotent and knobs.check_before_doing == "on",
    )
    effects: Downstream = system
    if knobs.swallow_errors:
        effects = chaos.SwallowingSideEffects(system)
    versions = None
    if knobs.version_state_path:
        versions = VersionStore(
            knobs.version_state_path, knobs.version_log_path, knobs.versioning_enabled
        )
    # With the claim check's objects: a handler that fetches claim-checked payloads first.
    made = Handler if objects is None else functools.partial(ClaimCheckedHandler, objects=objects)
    return made(
        idempotency(knobs, system, history, name, ddb, hooks, visibility_timeout),
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
    sqs = clients.sqs(settings)
    queue = queue_settings(sqs, knobs.queue_url) if needs_queue_settings(knobs) else QueueSettings()
    per_message = handler(knobs, ddb, history, hooks, queue.visibility_timeout, objects)
    worker = Worker(
        sqs,
        knobs.queue_url,
        per_message,
        history,
        hooks=hooks,
        name=name,
        run_id=knobs.run_id,
        max_messages=knobs.max_messages,
        pool_size=knobs.pool_size,
        wait_time_seconds=knobs.wait_time_seconds,
        message_limit=knobs.message_limit,
        idle_timeout_seconds=knobs.idle_timeout_seconds,
        backoff=ErrorBackoff(knobs.error_backoff_seconds, knobs.error_backoff_max_seconds),
        retry=retry_policy(knobs),
        groups=group_policy(knobs, queue),
    )
    worker.heartbeat = heartbeat(knobs, worker, per_message, queue.visibility_timeout)
    return worker


def group_policy(knobs: ConsumerKnobs, queue: QueueSettings) -> GroupPolicy:
    if knobs.group_failure == "carry-on":
        return CarryOn()
    return SkipFailedGroups(queue.max_receive_count)


def heartbeat(
    knobs: ConsumerKnobs, worker: Worker, per_message: Handler, visibility: int
) -> LeaseKeeper:
    """Beats extend the message's visibility through the worker and renew the claim's
    lease (when it follows the visibility)."""
    if not knobs.heartbeat_seconds:
        return NoHeartbeat()
    if knobs.heartbeat_seconds >= visibility:
        raise KnobError(
            f"HEARTBEAT_SECONDS={knobs.heartbeat_seconds:g} must be shorter than the queue's "
            f"visibility timeout ({visibility} s), or the lease ends between two beats"
        )
    renewals = [per_message.idempotency.renew]
    return Heartbeat(worker.receipts.extend, knobs.heartbeat_seconds, visibility, renewals)


def run(knobs: ConsumerKnobs) -> int:
    name = knobs.consumer_id or f"consumer-{os.getpid()}"
    logs.configure(name, knobs.log_level, knobs.log_format)
    for variable, meant in lookalikes(os.environ, ConsumerKnobs):
        log.warning("%s is not a consumer knob (ignored); did you mean %s?", variable, meant)
    try:
        worker = build(knobs)
    except KnobError as err:  # a knob that does not fit the queue
        log.error("%s", err)
        return EXIT_USAGE
    worker.install_signal_handlers()
    lifeline.watch()  # started by the runner: stop gracefully if it dies
    return worker.run()
