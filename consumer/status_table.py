"""The status table: one record per dedupe key, the claims of Powertools' idempotency pattern.

A claim is ``INPROGRESS`` with a lease, allowed when the key is new or its lease has expired;
``COMPLETED`` once the work is done. A claim also stores a hash of the payload, so a
different request reusing the same key is refused, not silently skipped.

How a claim is written is the part a negative control swaps (``CLAIM_WRITE``); both keep
the same records (``ClaimTable``). ``StatusTable`` makes the check the write's condition,
one atomic step. ``ReadThenWriteTable`` reads the record and, when nobody holds it, writes
its own without a condition: two consumers that both read before either writes both believe
they hold the claim, and both do the side effect. It exists for the negative control of the
``check-then-act`` scenario; do not copy it.
"""

from __future__ import annotations

import contextlib
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from queuelab.contract.tables import (
    COMPLETED,
    INPROGRESS,
    RUN_ID_ATTRIBUTE,
    STATUS_TABLE_KEY,
    STATUS_TTL_ATTRIBUTE,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

RECORD_TTL_SECONDS = 7 * 24 * 3600


class Claim(StrEnum):
    ACQUIRED = "acquired"
    COMPLETED = "completed"  # done before: skip the work, delete the message
    IN_PROGRESS = "in_progress"  # someone else holds an unexpired lease
    CONFLICT = "conflict"  # same key, different payload


@dataclass(frozen=True)
class ClaimResult:
    outcome: Claim
    holder: str = ""


class ClaimTable(ABC):
    """The status table's records: a claim, its renewal, its release, its completion. Only
    how the claim is written differs between the two tables."""

    def __init__(
        self,
        ddb: DynamoDBClient,
        table: str,
        owner: str,
        lease_seconds: float,
        before_write: Callable[[str], None] | None = None,
    ) -> None:
        self.ddb = ddb
        self.table = table
        self.owner = owner
        self.lease_seconds = lease_seconds
        self.before_write = before_write or (lambda key: None)  # a hook point (races)

    @abstractmethod
    def claim(self, key: str, digest: str, run_id: str, until: float | None = None) -> ClaimResult:
        """Claim ``key`` for this owner. The lease ends at ``until`` (epoch seconds), by
        default ``lease_seconds`` from now."""

    def item(self, key: str, digest: str, run_id: str, until: float) -> dict[str, Any]:
        return {
            STATUS_TABLE_KEY: {"S": key},
            "status": {"S": INPROGRESS},
            "owner": {"S": self.owner},
            "lease_until": {"N": f"{until:.3f}"},
            "payload_hash": {"S": digest},
            RUN_ID_ATTRIBUTE: {"S": run_id},
            STATUS_TTL_ATTRIBUTE: {"N": str(int(time.time()) + RECORD_TTL_SECONDS)},
        }

    @staticmethod
    def refused(old: dict[str, Any], digest: str) -> ClaimResult:
        """Why an existing record refuses a new claim."""
        holder = old.get("owner", {}).get("S", "")
        if old.get("payload_hash", {}).get("S", digest) != digest:
            return ClaimResult(Claim.CONFLICT, holder)
        if old.get("status", {}).get("S") == COMPLETED:
            return ClaimResult(Claim.COMPLETED, holder)
        return ClaimResult(Claim.IN_PROGRESS, holder)

    def renew(self, key: str, until: float) -> bool:
        """Move our INPROGRESS claim's lease to ``until``; False when it is no longer ours
        (it expired and another consumer took it over)."""
        try:
            self.ddb.update_item(
                TableName=self.table,
                Key={STATUS_TABLE_KEY: {"S": key}},
                UpdateExpression="SET lease_until = :until",
                ConditionExpression="#owner = :me AND #status = :inprogress",
                ExpressionAttributeNames={"#owner": "owner", "#status": "status"},
                ExpressionAttributeValues={
                    ":until": {"N": f"{until:.3f}"},
                    ":me": {"S": self.owner},
                    ":inprogress": {"S": INPROGRESS},
                },
            )
        except self.ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def release(self, key: str) -> None:
        """Give up our claim after a failure, so that a retry may claim it (Powertools
        deletes the INPROGRESS record the same way)."""
        no_longer_ours = self.ddb.exceptions.ConditionalCheckFailedException
        with contextlib.suppress(no_longer_ours):
            self.ddb.delete_item(
                TableName=self.table,
                Key={STATUS_TABLE_KEY: {"S": key}},
                ConditionExpression="#owner = :me AND #status = :inprogress",
                ExpressionAttributeNames={"#owner": "owner", "#status": "status"},
                ExpressionAttributeValues={
                    ":me": {"S": self.owner},
                    ":inprogress": {"S": INPROGRESS},
                },
            )

    def complete(self, key: str, digest: str, run_id: str) -> None:
        """The work is done: the whole record written again as COMPLETED (one put; an
        update expression costs moto's validator several times more)."""
        now = time.time()
        item = self.item(key, digest, run_id, now)
        item["status"] = {"S": COMPLETED}
        item["completed_by"] = {"S": self.owner}
        item["completed_at"] = {"N": f"{now:.3f}"}
        self.ddb.put_item(TableName=self.table, Item=item)


class StatusTable(ClaimTable):
    """A claim is one conditional write: the check and the act are a single atomic step."""

    def claim(self, key: str, digest: str, run_id: str, until: float | None = None) -> ClaimResult:
        self.before_write(key)
        now = time.time()
        lease_until = now + self.lease_seconds if until is None else until
        try:
            self.ddb.put_item(
                TableName=self.table,
                Item=self.item(key, digest, run_id, lease_until),
                ConditionExpression=(
                    "attribute_not_exists(#key) OR (#status = :inprogress AND lease_until < :now)"
                ),
                ExpressionAttributeNames={"#key": STATUS_TABLE_KEY, "#status": "status"},
                ExpressionAttributeValues={
                    ":inprogress": {"S": INPROGRESS},
                    ":now": {"N": f"{now:.3f}"},
                },
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except self.ddb.exceptions.ConditionalCheckFailedException as err:
            old: dict[str, Any] = dict(err.response.get("Item", {}))  # type: ignore[call-overload]
            return self.refused(old, digest)
        return ClaimResult(Claim.ACQUIRED)


class ReadThenWriteTable(ClaimTable):
    """A claim as check-then-act: read the record, then write without a condition (the
    negative control of ``CLAIM_WRITE=conditional``)."""

    def claim(self, key: str, digest: str, run_id: str, until: float | None = None) -> ClaimResult:
        now = time.time()
        found = self.ddb.get_item(
            TableName=self.table, Key={STATUS_TABLE_KEY: {"S": key}}, ConsistentRead=True
        ).get("Item")
        old: dict[str, Any] = dict(found or {})
        expired = (
            old.get("status", {}).get("S") == INPROGRESS
            and float(old.get("lease_until", {}).get("N", "0")) < now
        )
        if old and not expired:
            return self.refused(old, digest)
        self.before_write(key)  # the check is done; another consumer may be checking too
        lease_until = time.time() + self.lease_seconds if until is None else until
        self.ddb.put_item(TableName=self.table, Item=self.item(key, digest, run_id, lease_until))
        return ClaimResult(Claim.ACQUIRED)
