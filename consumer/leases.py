"""How long an idempotency claim keeps other consumers out: its lease.

Powertools-style idempotency gives an ``INPROGRESS`` claim a fixed lease. Work that outlasts
it can be taken over by a second consumer, which does the side effect again: the known gap.
``VisibilityLease`` closes it for a queue consumer: the claim ends when the message's
visibility does, and the heartbeat (``consumer/heartbeat.py``) extends both together, so
the claim lasts exactly as long as SQS lends us the message.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod

from consumer.message import Received


class ClaimLease(ABC):
    """When a claim ends, and whether the heartbeat renews it."""

    renewed: bool

    @abstractmethod
    def until(self, message: Received) -> float | None:
        """When a claim for ``message`` ends (epoch seconds); None: the table's fixed lease."""


class FixedLease(ClaimLease):
    """The claim blocks others for IDEMPOTENCY_LEASE_SECONDS from when it was taken."""

    renewed = False

    def until(self, message: Received) -> float | None:
        return None


class VisibilityLease(ClaimLease):
    """The claim ends with the message's visibility timeout, counted from its receive (the
    lease SQS gives began after that), and is renewed by every heartbeat."""

    renewed = True

    def __init__(self, visibility_timeout: float) -> None:
        self.visibility_timeout = visibility_timeout

    def until(self, message: Received) -> float | None:
        received = message.received_at or time.time()
        return received + self.visibility_timeout
