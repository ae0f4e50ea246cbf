"""The resource plan: what every scenario needs, as plain data.

The single source of truth for the local provisioner (``queuelab.provision``), the Pulumi
program (``infra/``) and ``queuelab doctor``. Timings are short so scenarios take seconds on
the embedded backend; the Pulumi stack can override them for real AWS.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace

from queuelab.contract.claim_check import EXPIRE_DAYS, PREFIX

PROJECT = "queuelab"
DEFAULT_PREFIX = "queuelab"
DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class ResourceSet:
    """One queue, its dead-letter queue, a status table and a side-effects table; and, for
    the pipeline scenarios, tables of their own (roles of ``contract.tables.TABLE_KEYS``) and
    an S3 bucket for claim-checked payloads."""

    key: str
    description: str
    fifo: bool = False
    visibility_timeout: int = 2
    receive_wait: int = 1
    max_receive_count: int | None = 2  # None: no redrive policy (the DLQ exists, unattached)
    content_based_dedup: bool = False  # FIFO: the SHA-256 of the body is the deduplication id
    tables: tuple[str, ...] = ()  # extra tables, by role: orders, outbox, state
    bucket: bool = False  # an S3 bucket for claim-checked payloads

    def _name(self, prefix: str, suffix: str = "") -> str:
        return f"{prefix}-{self.key}{suffix}"

    def queue_name(self, prefix: str = DEFAULT_PREFIX) -> str:
        return self._name(prefix) + (".fifo" if self.fifo else "")

    def dlq_name(self, prefix: str = DEFAULT_PREFIX) -> str:
        return self._name(prefix, "-dlq") + (".fifo" if self.fifo else "")

    def status_table(self, prefix: str = DEFAULT_PREFIX) -> str:
        return self._name(prefix, "-status")

    def side_effects_table(self, prefix: str = DEFAULT_PREFIX) -> str:
        return self._name(prefix, "-effects")

    def table_name(self, role: str, prefix: str = DEFAULT_PREFIX) -> str:
        return self._name(prefix, f"-{role}")

    def bucket_name(self, prefix: str = DEFAULT_PREFIX) -> str:
        """S3 bucket names are global and lower case: on AWS the prefix makes it unique."""
        return self._name(prefix, "-claims").lower()

    def queue_attributes(self) -> dict[str, str]:
        """SQS attributes of the source queue, without the redrive policy (needs the DLQ ARN)."""
        attributes = {
            "VisibilityTimeout": str(self.visibility_timeout),
            "ReceiveMessageWaitTimeSeconds": str(self.receive_wait),
            "SqsManagedSseEnabled": "true",
        }
        if self.fifo and self.content_based_dedup:
            attributes["ContentBasedDeduplication"] = "true"
        return attributes | ({"FifoQueue": "true"} if self.fifo else {})

    def dlq_attributes(self) -> dict[str, str]:
        attributes = {"SqsManagedSseEnabled": "true", "MessageRetentionPeriod": "1209600"}
        return attributes | ({"FifoQueue": "true"} if self.fifo else {})

    def redrive_policy(self, dlq_arn: str) -> dict[str, object] | None:
        if self.max_receive_count is None:
            return None
        return {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": self.max_receive_count}


def redrive_allow_policy(source_queue_arn: str) -> str:
    """The DLQ admits redrive from its own source queue only (SQS RedriveAllowPolicy)."""
    return json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": [source_queue_arn]})


def claims_expiry_rule() -> dict[str, object]:
    """The claim-check bucket's lifecycle rule: objects a consumer did not delete (a message
    that dead-lettered, a send that failed after the upload) expire."""
    return {
        "ID": "expire-claim-checks",
        "Status": "Enabled",
        "Filter": {"Prefix": PREFIX},
        "Expiration": {"Days": EXPIRE_DAYS},
    }


def tags(key: str, stack: str) -> dict[str, str]:
    """Tags on every resource: the runner only resets resources that carry them."""
    return {"project": PROJECT, "stack": stack, "scenario": key}


PLAN: tuple[ResourceSet, ...] = (
    ResourceSet("happy", "messages flow through cleanly"),
    ResourceSet("crash", "a consumer crashes after receive"),
    ResourceSet("dup", "work slower than the visibility timeout", max_receive_count=6),
    ResourceSet("poison", "poison messages redrive to the DLQ"),
    ResourceSet(
        "poison-noredrive", "poison's negative control: no redrive policy", max_receive_count=None
    ),
    ResourceSet("business", "different message ids, same business key"),
    ResourceSet("poison-partial-batch", "batches of 10 mixing good and poison messages"),
    ResourceSet("dup-side-effects", "crash after the side effect", max_receive_count=4),
    ResourceSet("dup-graceful-shutdown", "SIGTERM while work is in hand", visibility_timeout=3),
    # A crashed message stays in flight long enough for freshly started consumers to
    # compete for the queue while it is invisible (ordering scenarios).
    ResourceSet(
        "fifo-order",
        "FIFO queue, one message group",
        fifo=True,
        visibility_timeout=4,
        max_receive_count=4,
    ),
    ResourceSet(
        "fifo-order-standard",
        "fifo-order's negative control",
        visibility_timeout=4,
        max_receive_count=4,
    ),
    ResourceSet("version-order", "versioned updates, out of order", max_receive_count=4),
    ResourceSet(
        "out-of-order", "reordering on a standard queue", visibility_timeout=4, max_receive_count=4
    ),
    ResourceSet("backpressure", "a producer outpaces one consumer", visibility_timeout=10),
    ResourceSet(
        "backlog-drain", "a backlog built while consumers are offline", max_receive_count=4
    ),
    ResourceSet(
        "backlog-100k",
        "100,000 messages built while consumers were offline, drained by a fleet",
        visibility_timeout=10,
        max_receive_count=4,
    ),
    ResourceSet("dlq-redrive", "poison is fixed and redriven from the DLQ", max_receive_count=2),
    ResourceSet("purge-timing", "how the backend purges"),
    # Ten receives: a call retried through a run of faults can outlast a few visibility
    # timeouts while another consumer keeps finding its claim in progress.
    ResourceSet("api-faults", "throttling and 5xx on every API call", max_receive_count=10),
    ResourceSet("ambiguous-send", "sends applied whose answer is lost", max_receive_count=4),
    ResourceSet("at-least-once", "AWS-like duplicate delivery", max_receive_count=6),
    ResourceSet("queue-outage", "consumers denied for a while", max_receive_count=6),
    ResourceSet(
        "soak",
        "randomized mixes of faults, safeguards on",
        visibility_timeout=1,
        max_receive_count=10,
    ),
    ResourceSet(
        "fifo-dedup-window",
        "a producer replays its outbox into a FIFO queue",
        fifo=True,
        max_receive_count=4,
        content_based_dedup=True,
    ),
    ResourceSet(
        "late-delete",
        "a consumer deletes after its lease expired, on a FIFO queue",
        fifo=True,
        max_receive_count=4,
    ),
    ResourceSet("retry-backoff", "a downstream outage, retried with backoff", max_receive_count=4),
    ResourceSet("heartbeat", "work several times the visibility timeout", max_receive_count=4),
    ResourceSet("lease-expiry", "an idempotency lease shorter than the work", max_receive_count=4),
    ResourceSet("check-then-act", "two consumers race for one claim", max_receive_count=4),
    ResourceSet("fifo-poison-group", "FIFO queue, poison at the head of one group", fifo=True),
    ResourceSet(
        "outbox", "orders and their events: a transactional outbox", tables=("orders", "outbox")
    ),
    ResourceSet("claim-check", "payloads over SQS's limit go by S3", bucket=True),
    ResourceSet(
        "schema-evolution",
        "a rolling upgrade of the order schema",
        visibility_timeout=1,
        max_receive_count=2,
    ),
    ResourceSet("cursor-resume", "an upstream poller resumes from its cursor", tables=("state",)),
    ResourceSet("single-poller", "two pollers, one lease lock", tables=("state",)),
    ResourceSet("dlq-watch", "a watcher alerts on dead letters", max_receive_count=2),
)


class UnknownResourceSet(KeyError):
    pass


def resource_set(key: str, plan: Iterable[ResourceSet] = PLAN) -> ResourceSet:
    for item in plan:
        if item.key == key:
            return item
    raise UnknownResourceSet(key)


def with_timings(
    plan: Iterable[ResourceSet],
    *,
    visibility_timeout: int | None = None,
    receive_wait: int | None = None,
) -> tuple[ResourceSet, ...]:
    """The plan with timing overrides (real AWS may want longer polls and leases)."""
    changes: dict[str, int] = {}
    if visibility_timeout is not None:
        changes["visibility_timeout"] = visibility_timeout
    if receive_wait is not None:
        changes["receive_wait"] = receive_wait
    return tuple(replace(item, **changes) for item in plan)  # type: ignore[arg-type]
