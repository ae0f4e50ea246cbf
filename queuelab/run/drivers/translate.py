"""How a scenario's consumer knobs translate into what the lab does to a consumer it did not
write, from outside (``queuelab.run.drivers.command``), pure.

Every knob of ``ConsumerKnobs`` is in one of four lists: ``TRANSLATED`` (chaos the
side-effect endpoint applies to the slot's requests), ``LEFT_TO_IT`` (our consumer's own way
of doing the safe thing: a consumer of yours has its own design, judged by what it does),
``SET_BY_RUNNER``, and ``UNTRANSLATABLE`` (refused away from its default: chaos or a
safeguard switch only our consumer can honour). ``REFUSED_VALUES`` are the values of knobs
left to it that would switch a safeguard off.
"""

from __future__ import annotations

from pathlib import Path

from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.run.external import Caller

# What the lab applies from outside, through the side-effect endpoint (``caller``) and the
# crash triggers of ``queuelab.run.drivers.command``.
TRANSLATED = (
    "crash_after_receive", "crash_after_side_effect", "side_effect_delay_seconds",
    "pause_once_seconds", "downstream_outage_seconds", "claim_write_delay_seconds",
    "reject_stage", "side_effect_log_path", "side_effect_log_field", "version_state_path",
    "version_log_path",
)  # fmt: skip
# Our consumer's own way of doing the safe thing, which a scenario's safe run sets (its batch
# size, a heartbeat, a backoff, a claim's lease, a business key, versions, a job's length):
# a consumer of yours has its own design, judged by what it does, so the lab leaves these to it.
LEFT_TO_IT = (
    "wait_time_seconds", "max_messages", "pool_size", "message_limit", "error_backoff_seconds",
    "error_backoff_max_seconds", "message_status_table", "message_side_effects_table",
    "idempotency_lease_seconds", "idempotency_cache_size", "business_idempotency_field",
    "check_before_doing", "versioning_enabled", "version_key", "entity_key",
    "heartbeat_seconds", "idempotency_lease", "retry_mode", "retry_base_seconds",
    "retry_cap_seconds", "reject_payload_marker", "log_level", "log_format", "metrics_port",
    "metrics_host",
)  # fmt: skip
SET_BY_RUNNER = ("queue_url", "aws_region", "run_id", "history_path", "consumer_id")
# Chaos and safeguard switches the lab cannot apply to a consumer it did not write: refused
# when set away from their defaults.
UNTRANSLATABLE = (
    "crash_rate", "delete_mode", "batch_mode", "shutdown_mode", "swallow_errors",
    "idempotency", "dedupe_on", "schema_version", "schema_reader", "idle_timeout_seconds",
    "group_failure", "claim_write", "lost_lease",
)  # fmt: skip
# Values of the knobs left to it that switch a safeguard off: refused too.
REFUSED_VALUES: dict[str, tuple[object, ...]] = {"retry_mode": ("immediate",)}


def untranslatable(knobs: ConsumerKnobs) -> list[str]:
    """The knobs set away from their defaults that the lab cannot apply from outside, and
    the values of the knobs left to the consumer that would switch a safeguard off."""
    defaults = ConsumerKnobs()
    return [
        f"{name}={getattr(knobs, name)!r}"
        for name in ConsumerKnobs.model_fields
        if (name in UNTRANSLATABLE and getattr(knobs, name) != getattr(defaults, name))
        or getattr(knobs, name) in REFUSED_VALUES.get(name, ())
    ]


def caller(knobs: ConsumerKnobs, name: str) -> Caller:
    """What the side-effect endpoint does to this slot's requests: slow work is a slow
    endpoint, a stall once its first request held, a pause before a claim's write a request
    held that long (a second one on its key meets it in progress), an outage of the
    downstream 503s from its first request on, a bug after the side effect (``reject_stage``)
    a 500 for marked payloads once they were performed."""
    made = Caller(
        name,
        delay=knobs.side_effect_delay_seconds + knobs.claim_write_delay_seconds,
        outage=knobs.downstream_outage_seconds,
        pause_once=knobs.pause_once_seconds,
    )
    if knobs.reject_stage == "after-side-effect":
        made.bug = knobs.reject_payload_marker
    if knobs.side_effect_log_path:
        made.log_path = Path(knobs.side_effect_log_path)
        made.log_field = knobs.side_effect_log_field
    return made
