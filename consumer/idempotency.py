"""Idempotency: claims in the status table (Powertools' pattern, ``consumer/status_table.py``),
a local LRU of done keys, and check-before-doing against the external system.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from consumer.leases import ClaimLease, FixedLease
from consumer.message import Received, Reject, Work
from consumer.status_table import Claim, ClaimTable
from queuelab.contract.history import Fn, History

log = logging.getLogger("consumer")
IGNORED_IN_HASH = ("id", "run", "sequence")  # delivery details, not the request itself


def payload_hash(payload: dict[str, Any]) -> str:
    request = {k: v for k, v in payload.items() if k not in IGNORED_IN_HASH}
    return hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()[:32]


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
        status: ClaimTable | None,
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
