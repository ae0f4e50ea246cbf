"""Idempotency: claims in the status table (Powertools' pattern), a local LRU of done keys,
and check-before-doing against the external system.

A claim is a conditional write: ``INPROGRESS`` with a lease, allowed when the key is new or
its lease has expired; ``COMPLETED`` once the work is done. A claim also stores a hash of the
payload, so a different request reusing the same key is refused, not silently skipped.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from consumer.leases import ClaimLease, FixedLease
from consumer.message import Received, Reject, Work
from queuelab.contract.history import Fn, History
from queuelab.contract.tables import (
    COMPLETED,
    INPROGRESS,
    RUN_ID_ATTRIBUTE,
    STATUS_TABLE_KEY,
    STATUS_TTL_ATTRIBUTE,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

log = logging.getLogger("consumer")
RECORD_TTL_SECONDS = 7 * 24 * 3600
IGNORED_IN_HASH = ("id", "run", "sequence")  # delivery details, not the request itself


class Claim(StrEnum):
    ACQUIRED = "acquired"
    COMPLETED = "completed"  # done before: skip the work, delete the message
    IN_PROGRESS = "in_progress"  # someone else holds an unexpired lease
    CONFLICT = "conflict"  # same key, different payload


@dataclass(frozen=True)
class ClaimResult:
    outcome: Claim
    holder: str = ""


def payload_hash(payload: dict[str, Any]) -> str:
    request = {k: v for k, v in payload.items() if k not in IGNORED_IN_HASH}
    return hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()[:32]


class StatusTable:
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

    def claim(self, key: str, digest: str, run_id: str, until: float | None = None) -> ClaimResult:
        """One conditional write: the check and the act are a single atomic step. The lease
        ends at ``until`` (epoch seconds), by default ``lease_seconds`` from now."""
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


class DoneCache:
    """Keys this process completed, most recent last; size 0 disables it."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._keys: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, key: object) -> bool:
        if key in self._keys:
            self._keys.move_to_end(key)  # type: ignore[arg-type]
            return True
        return False

    def add(self, key: str) -> None:
        if self.size <= 0:
            return
        self._keys[key] = None
        self._keys.move_to_end(key)
        while len(self._keys) > self.size:
            self._keys.popitem(last=False)


Performed = Callable[[str, str], bool]  # (subject, request key) -> done already?


def never_performed(subject: str, key: str) -> bool:
    """No check-before-doing: the side effect is performed without asking first."""
    return False


class Idempotency:
    """Deduplicate on a key: the local cache, then a claim in the status table (none: the
    cache only), and check-before-doing with the external system (``performed``).
    IDEMPOTENCY=off is this with no table, a cache of size 0 and ``never_performed``."""

    def __init__(
        self,
        status: StatusTable | None,
        cache: DoneCache,
        performed: Performed,
        history: History,
        run_id: str = "",
        lease: ClaimLease | None = None,
    ) -> None:
        self.status = status
        self.cache = cache
        self.performed = performed
        self.history = history
        self.run_id = run_id
        self.lease = lease or FixedLease()
        # Our claims in progress: message key -> dedupe key (a pool holds several; the
        # heartbeats renew them from their own threads).
        self._held: dict[str, str] = {}
        self._lock = threading.Lock()

    def begin(self, message: Received, work: Work) -> bool | None:
        """None to go on with the side effect, else what ``handle()`` returns (True:
        delete, done before; False: leave it for later). Raises ``Reject`` on a conflict."""
        key = work.dedupe_key
        if key in self.cache:
            self.history.ok(Fn.SKIP, message.key, reason="completed (local cache)")
            return True
        if self.status is None:
            return None
        self.history.invoke(Fn.CLAIM, message.key, dedupe_key=key)
        result = self.status.claim(
            key, payload_hash(work.payload), message.run or self.run_id, self.lease.until(message)
        )
        self.history.ok(
            Fn.CLAIM,
            message.key,
            outcome=result.outcome.value,
            holder=result.holder,
            dedupe_key=key,
        )
        if result.outcome is Claim.ACQUIRED:
            with self._lock:
                self._held[message.key] = key
            return None
        if result.outcome is Claim.COMPLETED:
            self.cache.add(key)
            self.history.ok(Fn.SKIP, message.key, reason="completed before")
            return True
        if result.outcome is Claim.CONFLICT:
            raise Reject(f"another payload was processed under {key}")
        if self.performed(work.subject, key):
            # the holder did the work, then died or is slow
            self.status.complete(key, payload_hash(work.payload), message.run or self.run_id)
            self.history.ok(
                Fn.SKIP, message.key, reason="side effect performed by the lease holder"
            )
            return True
        log.info("message %s is in progress at %s: leaving it", message.key, result.holder)
        self.history.ok(Fn.SKIP, message.key, reason=f"in progress at {result.holder}")
        return False

    def renew(self, message: Received, until: float) -> bool:
        """Move the lease of our claim in progress for ``message`` to ``until`` (its heartbeat
        calls this); False when the claim was taken over. A fixed lease is not renewed."""
        with self._lock:
            held = self._held.get(message.key)
            if not self.lease.renewed or self.status is None or held is None:
                return True
            if self.status.renew(held, until):
                return True
        log.warning("our claim on %s was taken over: its lease had expired", held)
        return False

    def _let_go(self, work: Work) -> None:
        with self._lock:  # no renewal after this
            for message_key, key in list(self._held.items()):
                if key == work.dedupe_key:
                    del self._held[message_key]

    def complete(self, message: Received, work: Work) -> None:
        self._let_go(work)
        if self.status is not None:
            run = message.run or self.run_id
            self.status.complete(work.dedupe_key, payload_hash(work.payload), run)
        self.cache.add(work.dedupe_key)

    def release(self, work: Work) -> None:
        self._let_go(work)
        if self.status is not None:
            self.status.release(work.dedupe_key)
