"""Whether the machine has room for one more run beside those in progress.

Scenarios mostly wait (on queues, visibility timeouts, subprocesses), so more of them than
cores run well side by side on a quiet machine; on one whose cores are taken (other work,
or the runs' own start-ups: each starts Python processes, a Lambda runtime, a server's
calls) another run only makes every run slower, and a run's windows (a visibility timeout
that must cover a cold start) stop holding. So a batch starts its runs up to ``--jobs``, but
beyond the first ``floor`` only while the CPU was idle at least ``idle`` of the time since
the last look, and one more per ``interval``: the count follows what the runs wait on.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import psutil

# Runs always allowed side by side: four was the fixed --jobs default, with which the whole
# catalogue passed beside six CPU-bound processes on 2 cores.
FLOOR = 4
IDLE = 0.25  # the share of CPU time that must have been idle to start one more
INTERVAL = 1.0  # seconds between two starts beyond the floor (a start's own CPU shows late)


class Headroom:
    """``room(running)``: may one more run start beside ``running`` runs?"""

    def __init__(
        self,
        floor: int = FLOOR,
        idle: float = IDLE,
        interval: float = INTERVAL,
        idle_share: Callable[[], float] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.floor, self.idle, self.interval = floor, idle, interval
        self.idle_share = idle_share or cpu_idle_share()
        self.clock = clock
        self.last_start = float("-inf")

    def __call__(self, running: int) -> bool:
        if running < self.floor:
            return True
        now = self.clock()
        if now - self.last_start < self.interval:
            return False
        if self.idle_share() < self.idle:
            return False
        self.last_start = now
        return True


def cpu_idle_share() -> Callable[[], float]:
    """The share of CPU time idle since the previous call (0..1; the first call's baseline is
    when this was made)."""
    psutil.cpu_times_percent(interval=None)  # the baseline

    def share() -> float:
        return float(psutil.cpu_times_percent(interval=None).idle) / 100.0

    return share


def unlimited(running: int) -> bool:
    """No gate beyond ``--jobs``."""
    return True
