"""When a failed message is tried again: the retry policies.

A message that failed is not deleted. By default (``AfterVisibilityTimeout``) it comes back
when its visibility timeout ends, whatever the failure. ``Backoff`` instead sets its
visibility (ChangeMessageVisibility) to an exponentially growing delay with full jitter,
computed from ``ApproximateReceiveCount``: while a downstream is down, retries thin out and
spread instead of hammering it, so the messages outlast the outage instead of exhausting
maxReceiveCount. ``Immediate`` releases a failed message at once: the thundering herd a
negative control shows."""

from __future__ import annotations

import math
import random
from abc import ABC, abstractmethod

from consumer.message import Received

SQS_MAX_VISIBILITY = 43200  # seconds (12 hours)


def ceiling(receive_count: int, base: float, cap: float) -> float:
    """The longest delay after the ``receive_count``-th receive failed: base, 2 base, 4 base...
    up to ``cap``."""
    exponent = max(0, receive_count - 1)
    return min(cap, base * 2.0 ** min(exponent, 64), SQS_MAX_VISIBILITY)


def full_jitter(receive_count: int, base: float, cap: float, rng: random.Random) -> int:
    """Seconds until the next attempt: uniform between 0 and ``ceiling``, rounded up to whole
    seconds (a visibility timeout is whole seconds), so a retry is never immediate.

    Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter") spreads the
    retries of messages that failed together over the whole interval."""
    return max(1, math.ceil(rng.uniform(0.0, ceiling(receive_count, base, cap))))


class RetryPolicy(ABC):
    """When a failed message may be received again."""

    @abstractmethod
    def delay(self, message: Received) -> int | None:
        """Seconds until the message may be received again; None: the visibility timeout."""

    @abstractmethod
    def ceiling(self, message: Received) -> float:
        """The longest ``delay`` could have been (recorded with a retry)."""


class AfterVisibilityTimeout(RetryPolicy):
    """Leave a failed message alone: it comes back after its visibility timeout
    (``RETRY_MODE=visibility-timeout``, the default)."""

    def delay(self, message: Received) -> int | None:
        return None

    def ceiling(self, message: Received) -> float:
        return 0.0


class Backoff(RetryPolicy):
    """Exponential backoff with full jitter, from the message's receive count."""

    def __init__(self, base: float, cap: float, rng: random.Random | None = None) -> None:
        self.base = base
        self.cap = cap
        self.rng = rng or random.Random()

    def delay(self, message: Received) -> int | None:
        return full_jitter(message.receive_count, self.base, self.cap, self.rng)

    def ceiling(self, message: Received) -> float:
        return ceiling(message.receive_count, self.base, self.cap)


class Immediate(RetryPolicy):
    """Release a failed message at once (no backoff): every consumer retries it right away.
    The negative control of ``RETRY_MODE=backoff``."""

    def delay(self, message: Received) -> int | None:
        return 0

    def ceiling(self, message: Received) -> float:
        return 0.0


class ErrorBackoff:
    """The worker's pace after failed receives (throttling, an outage): full jitter over a
    ceiling that doubles with each failure in a row, back to nothing after a success.
    ``base`` 0 retries at once (the tight loop of a negative control)."""

    def __init__(self, base: float, cap: float, rng: random.Random | None = None) -> None:
        self.base = base
        self.cap = cap
        self.rng = rng or random.Random()
        self.failures = 0

    def failed(self) -> float:
        """Note a failure; how long to wait before the next attempt."""
        self.failures += 1
        if self.base <= 0:
            return 0.0
        return self.rng.uniform(0.0, ceiling(self.failures, self.base, self.cap))

    def succeeded(self) -> None:
        self.failures = 0
