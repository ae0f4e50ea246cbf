"""Probes: each one exercises a few of ``queuelab.targets.semantics`` on a target, with its own
short-lived queues (named ``queuelab-probe-<token>-...``, tagged, deleted afterwards), and
says what it observed. They only use the public SQS API, so they run the same on the
embedded backend, any endpoint and AWS.
"""

from __future__ import annotations

from collections.abc import Callable

from queuelab.targets.probes import esm, fifo, queues, recorded
from queuelab.targets.probes.scratch import Observations, Observed, Scratch

__all__ = ["PROBES", "WINDOW", "Observations", "Observed", "Probe", "Scratch", "fifo_window"]

fifo_window = fifo.fifo_window
Probe = Callable[[Scratch], Observations]
# Which probe observes which semantics (a probe may observe several).
PROBES: dict[Probe, tuple[str, ...]] = {
    queues.visibility: ("redelivery-after-visibility-timeout",),
    queues.dead_letter: ("dlq-after-max-receives",),
    fifo.fifo_group: ("fifo-group-blocked-in-flight",),
    fifo.fifo_dedup: (
        "fifo-dedup-drops-duplicate",
        "fifo-dedup-answers-original-id",
        "fifo-dedup-after-delete",
    ),
    fifo.fifo_scope: ("fifo-dedup-scope-message-group",),
    fifo.fifo_content: ("fifo-content-based-dedup", "fifo-sequence-number"),
    fifo.fifo_attempt: ("fifo-receive-attempt-id",),
    fifo.fifo_expired: (
        "fifo-expired-handle-delete-refused",
        "fifo-expired-handle-visibility-refused",
    ),
    queues.size: ("size-counts-utf8-bytes", "size-counts-attributes", "size-default-1mib"),
    queues.contents: ("invalid-characters-refused",),
    queues.batch: ("batch-fails-only-offending-entries",),
    queues.allow_policy: ("redrive-allow-policy-stored", "redrive-allow-policy-enforced"),
    queues.move_task: ("move-task-to-source", "move-task-validation"),
    recorded.handles: ("visibility-deleted-handle-refused", "receipt-handle-malformed-refused"),
    recorded.fifo_delay: ("fifo-queue-delay-applies",),
    recorded.fifo_groups: ("fifo-batch-groups-together", "fifo-group-head-available"),
    recorded.queue_types: ("fifo-name-needs-fifo-attribute", "queue-type-fixed"),
    recorded.requests: (
        "message-body-required",
        "receive-limits-refused",
        "batch-size-checked-first",
    ),
    recorded.attributes: ("message-attribute-names", "group-id-on-standard-queue"),
    queues.purge: ("purge-cooldown",),
    esm.responses: (
        "esm-event-shape", "esm-delete-on-success", "esm-error-returns-batch",
        "esm-partial-batch-response", "esm-malformed-response-fails-batch",
        "esm-unseen-list-is-success",
    ),
    esm.concurrency: (
        "esm-maximum-concurrency", "esm-reserved-concurrency-throttles", "esm-scaling-ramp",
    ),
    esm.configuration: ("esm-timeout-above-visibility-refused", "esm-batch-size-validation"),
}  # fmt: skip
# ``fifo_window`` takes how long to wait; ``queuelab.targets.conformance`` binds it.
WINDOW = ("fifo-dedup-window",)
