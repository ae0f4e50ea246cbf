"""How far a target's answers can be trusted at once.

The embedded backend is exact and immediate. SQS is not: its queue counts are approximate
and lag, a short poll samples only some of its hosts, and a purge goes on deleting for up
to 60 s, including messages sent meanwhile. The runner reads these values instead of
asking which target it is on.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pacing:
    settle_confirmations: int = 2  # consecutive empty depth readings before "empty"
    read_poll_seconds: int = 0  # long poll when reading leftovers (0: a short poll)
    read_confirmations: int = 1  # consecutive empty reads before the leftovers are all read
    purge_wait_seconds: float = 0.0  # how long after a purge new messages may still vanish


EXACT = Pacing()
SQS = Pacing(settle_confirmations=15, read_poll_seconds=1, read_confirmations=3,
             purge_wait_seconds=60.0)  # fmt: skip
