"""The consumer's knobs (``python -m consumer`` / ``queuelab consume``): every one is an
environment variable and a CLI option. Its table in docs/reference/knobs.md is
``markdown_table`` of this model (generated)."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import model_validator

from queuelab.contract.knobs import AppendPath, KnobModel, PayloadField, knob

OnOff = Literal["on", "off"]


class ConsumerKnobs(KnobModel):
    # Where and how to poll.
    queue_url: str = knob("", "SQS queue URL to poll", required=True, shown="(required)")
    aws_region: str = knob("", "Region override (default: the SDK's)", env="AWS_REGION")
    wait_time_seconds: int = knob(10, "Long-poll wait (seconds)", ge=0, le=20)
    max_messages: int = knob(1, "Messages per receive call (1-10)", ge=1, le=10)
    pool_size: int = knob(
        1,
        "Messages of a received batch worked on at once, in threads (a FIFO group's one "
        "after another); above 1 the batch's successes are deleted together "
        "(DeleteMessageBatch) once the batch is done. 1: one by one, each deleted as soon "
        "as it succeeded",
        ge=1,
        le=10,
    )
    message_limit: int = knob(
        0, "Stop once N messages are done: deleted, as SQS confirmed (0 = unlimited)", ge=0
    )
    idle_timeout_seconds: float = knob(
        0.0, "Exit when no message arrived for this long (0 = never)", ge=0
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = knob("INFO", "Logging level")
    error_backoff_seconds: float = knob(
        0.5,
        "After a failed receive, wait up to this, doubling per failure in a row (full jitter; "
        "0: retry at once)",
        ge=0,
        le=60,
    )
    error_backoff_max_seconds: float = knob(
        10.0, "Longest wait after failed receives in a row", ge=0, le=300
    )
    log_format: Literal["text", "json"] = knob("text", "json: one JSON object per log line")

    # Observability (consumer/metrics.py): Prometheus metrics and health checks over HTTP.
    metrics_port: int = knob(
        0, "Serve /metrics (Prometheus), /livez and /readyz on this port (0 = off)", ge=0,
        le=65535,
    )  # fmt: skip
    metrics_host: str = knob("127.0.0.1", "Address METRICS_PORT listens on (0.0.0.0: all)")

    # Safeguards (each one can be turned off for a negative control).
    message_status_table: str = knob("", "DynamoDB table for idempotency claims (our bookkeeping)")
    message_side_effects_table: str = knob("", "DynamoDB table standing for the external system")
    idempotency: OnOff = knob("on", "off: no claim, no check-before-doing, no cache")
    idempotency_lease_seconds: float = knob(
        30.0, "How long an INPROGRESS claim blocks other consumers", ge=0.1, le=43200
    )
    idempotency_cache_size: int = knob(
        1000, "In-memory LRU of completed keys (0 = disabled)", ge=0, le=10_000_000
    )
    business_idempotency_field: str = knob(
        "", "Payload field to dedupe on (e.g. order_id) instead of the message id"
    )
    check_before_doing: OnOff = knob(
        "on", "off: perform the side effect without asking the external system first"
    )
    dedupe_on: Literal["payload", "sqs-message-id"] = knob(
        "payload",
        "sqs-message-id: dedupe on SQS's MessageId, which differs between two sends of one "
        "message (default: the payload's id, or BUSINESS_IDEMPOTENCY_FIELD)",
    )
    versioning_enabled: bool = knob(False, "1: apply an update only if its version is newer")
    schema_version: int = knob(
        0, "Order schema this consumer's code was written for (1 or 2; 0: none)", ge=0, le=2
    )
    schema_reader: Literal["tolerant", "strict"] = knob(
        "tolerant",
        "strict: exactly SCHEMA_VERSION's fields (default: read the version field, refuse a "
        "newer one as such, upcast an older one)",
    )
    # Leases and retries (consumer/heartbeat.py, consumer/backoff.py, consumer/groups.py).
    heartbeat_seconds: float = knob(
        0.0,
        "Extend the visibility of the message in hand this often while it is worked on "
        "(0 = no heartbeat)",
        ge=0,
        le=43200,
    )
    idempotency_lease: Literal["fixed", "visibility"] = knob(
        "fixed",
        "visibility: a claim ends with the message's visibility and the heartbeat renews it; "
        "fixed: it lasts IDEMPOTENCY_LEASE_SECONDS",
    )
    claim_write: Literal["conditional", "read-then-write"] = knob(
        "conditional",
        "read-then-write: the claim reads the table, then writes without a condition (a race)",
    )
    retry_mode: Literal["visibility-timeout", "backoff", "immediate"] = knob(
        "visibility-timeout",
        "A failed message comes back after its visibility timeout; backoff: exponential with "
        "full jitter (ChangeMessageVisibility); immediate: released at once",
    )
    retry_base_seconds: float = knob(
        1.0, "Backoff: the first retry's delay ceiling, doubled per receive", ge=0.001, le=43200
    )
    retry_cap_seconds: float = knob(900.0, "Backoff: the longest delay", ge=1, le=43200)
    group_failure: Literal["skip-group", "carry-on"] = knob(
        "skip-group",
        "A failure in a batch: release the rest of that message group (skip-group) or go on "
        "with them (carry-on breaks FIFO order)",
    )

    # What the side effect writes besides the side-effects table (the lab's observations).
    side_effect_log_path: AppendPath = knob(
        "", "Append a payload field per side effect to this file"
    )
    side_effect_log_field: PayloadField = knob("sequence", "Payload field for SIDE_EFFECT_LOG_PATH")
    version_state_path: AppendPath = knob(
        "", "Entity state (JSON: entity -> version); enables updates"
    )
    version_log_path: AppendPath = knob("", "Append 'entity version applied|stale' per update")
    version_key: PayloadField = knob("version", "Payload field with the version")
    entity_key: PayloadField = knob("entity_id", "Payload field with the entity id")

    # Chaos: faults the chaos layer plugs into the worker (consumer/chaos.py).
    crash_rate: float = knob(
        0.0, "Probability (0-1) of crashing after receiving a message", ge=0, le=1
    )
    crash_after_receive: int = knob(
        0, "N > 0: crash after receiving the Nth valid message, before its side effect", ge=0
    )
    crash_after_side_effect: int = knob(
        0, "N > 0: crash after the Nth side effect, before marking it complete", ge=0
    )
    side_effect_delay_seconds: float = knob(
        0.0, "Work time before the side effect (slow external service)", ge=0, le=900
    )
    pause_once_seconds: float = knob(
        0.0, "One pause this long before the first side effect (a stalled call)", ge=0, le=900
    )
    lost_lease: Literal["not-done", "counts-as-done"] = knob(
        "not-done",
        "counts-as-done: a delete SQS refused (expired receipt handle) counts as done",
    )
    reject_payload_marker: str = knob(
        "", "Reject (do not delete) bodies containing this text: poison"
    )
    reject_stage: Literal["before-work", "after-side-effect"] = knob(
        "before-work",
        "after-side-effect: the marker fails a message after its side effect (a late bug)",
    )
    delete_mode: Literal["after", "before", "never"] = knob(
        "after", "before: delete on receipt, then work (at-most-once); never: forget to delete"
    )
    batch_mode: Literal["per-message", "all-or-nothing"] = knob(
        "per-message", "all-or-nothing: delete a batch only if every message in it succeeded"
    )
    shutdown_mode: Literal["graceful", "immediate"] = knob(
        "graceful", "immediate: exit at the first SIGTERM, abandoning the message in hand"
    )
    swallow_errors: bool = knob(
        False, "1: a side effect that fails is logged and taken as done (then deleted)"
    )
    downstream_outage_seconds: float = knob(
        0.0, "The side effect fails for this long from this consumer's first attempt", ge=0
    )
    claim_write_delay_seconds: float = knob(
        0.0, "Pause before writing an idempotency claim (a window for a race)", ge=0, le=60
    )

    # Set by the runner.
    run_id: str = knob("", "Run id stamped on status and side-effect records (set by the runner)")
    history_path: str = knob("", "Append the operation history here (JSON lines)")
    consumer_id: str = knob("", "Name in logs and history (default: consumer-PID)")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.versioning_enabled:
            for name in ("version_state_path", "version_log_path"):
                if not getattr(self, name):
                    raise ValueError(f"{name.upper()} is required when VERSIONING_ENABLED=1")
        if self.pool_size > self.max_messages:
            raise ValueError(
                f"POOL_SIZE={self.pool_size} is larger than MAX_MESSAGES={self.max_messages}: "
                "a pool works on one received batch at a time"
            )
        if self.business_idempotency_field and self.idempotency == "off":
            raise ValueError(
                f"BUSINESS_IDEMPOTENCY_FIELD={self.business_idempotency_field!r} needs "
                "IDEMPOTENCY=on: with idempotency off nothing is deduplicated"
            )
        return self

    @property
    def idempotent(self) -> bool:
        return self.idempotency == "on"
