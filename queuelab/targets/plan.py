"""The resource plan: what a scenario needs (a queue, its DLQ, tables, a bucket), as plain
data.

Each scenario declares its own resource set next to its method (``scenarios/``); the plan is
the catalogue's sets (``scenarios.plan()``), read by the local provisioner
(``queuelab.targets.provision``), the Pulumi program (``infra/``) and ``queuelab doctor``.
Timings are short so scenarios take seconds on the embedded backend; the Pulumi stack can
override them for real AWS.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace

from queuelab.contract.claim_check import EXPIRE_DAYS, PREFIX
from queuelab.contract.tables import CONSUMER

PROJECT = "queuelab"
DEFAULT_PREFIX = "queuelab"
DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class ResourceSet:
    """One queue, its dead-letter queue, a status table, a side-effects table and the
    consumer's own table; and, for the pipeline scenarios, tables of their own (roles of
    ``contract.tables.TABLE_KEYS``) and an S3 bucket for claim-checked payloads."""

    key: str = ""  # a scenario's resources take its name (queuelab.run.scenario)
    description: str = ""
    fifo: bool = False
    visibility_timeout: int = 2
    receive_wait: int = 1
    max_receive_count: int | None = 2  # None: no redrive policy (the DLQ exists, unattached)
    content_based_dedup: bool = False  # FIFO: the SHA-256 of the body is the deduplication id
    tables: tuple[str, ...] = ()  # extra tables, by role: orders, outbox, state
    bucket: bool = False  # an S3 bucket for claim-checked payloads

    @property
    def roles(self) -> tuple[str, ...]:
        """Every table of the set by role: those the scenario declares, then the consumer's
        own (every set has one: a foreign consumer's STATE_TABLE)."""
        return (*self.tables, *(() if CONSUMER in self.tables else (CONSUMER,)))

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
