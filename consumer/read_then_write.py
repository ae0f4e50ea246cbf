"""A claim written as check-then-act: the race a conditional write exists to prevent.

``ReadThenWriteTable`` reads the claim record and, when nobody holds it, writes its own
without a condition. Two consumers that both read before either writes both believe they
hold the claim, and both do the side effect. ``StatusTable.claim`` is the fix: the check is
the write's condition, one atomic step. This class exists for the negative control of the
``check-then-act`` scenario; do not copy it.
"""

from __future__ import annotations

import time
from typing import Any

from consumer.idempotency import Claim, ClaimResult, StatusTable
from queuelab.contract.tables import INPROGRESS, STATUS_TABLE_KEY


class ReadThenWriteTable(StatusTable):
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
