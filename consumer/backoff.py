"""Waiting after errors: exponential backoff with full jitter (AWS Architecture Blog,
"Exponential Backoff And Jitter"): the n-th failure in a row waits a random time in
[0, min(cap, base * 2**n)], so many workers that failed together do not retry together."""

from __future__ import annotations

import random


def full_jitter(failures: int, base: float, cap: float, rng: random.Random) -> float:
    """The wait after ``failures`` failures in a row (1 for the first)."""
    if failures <= 0 or base <= 0:
        return 0.0
    return rng.uniform(0.0, min(cap, base * 2 ** (failures - 1)))


class ErrorBackoff:
    """The worker's pace after failed receives: grows with each failure in a row, back to
    nothing after a success. ``base`` 0 retries at once (the tight loop of a negative
    control)."""

    def __init__(self, base: float, cap: float, rng: random.Random | None = None) -> None:
        self.base = base
        self.cap = cap
        self.rng = rng or random.Random()
        self.failures = 0

    def failed(self) -> float:
        """Note a failure; how long to wait before the next attempt."""
        self.failures += 1
        return full_jitter(self.failures, self.base, self.cap, self.rng)

    def succeeded(self) -> None:
        self.failures = 0
