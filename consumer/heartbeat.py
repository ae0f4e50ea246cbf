"""The heartbeat: keep the lease on the message in hand while its work runs.

SQS lends a received message for the visibility timeout. Work that may take longer must
extend it (ChangeMessageVisibility) before it ends, or SQS hands the message to another
consumer, which does the work again. The heartbeat extends it every ``interval`` seconds to
the queue's visibility timeout from now, and renews whatever else follows that deadline
(the idempotency claim's lease, ``Idempotency.renew``). It stops when the work ends, or
when an extension or a renewal is refused: the lease is lost (the message was deleted, or
another consumer holds it now) and beating on would only hide that.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

from consumer.message import Received

log = logging.getLogger("consumer")

Extend = Callable[[Received, int], bool]  # (message, visibility seconds) -> still ours?
Renew = Callable[[Received, float], bool]  # (message, new deadline in epoch s) -> still ours?


@dataclass
class Beat:
    """What the heartbeat of one message saw."""

    extensions: int = 0
    lost: bool = False


class LeaseKeeper(ABC):
    """What keeps the lease on a message while its work runs."""

    @abstractmethod
    def keep(self, message: Received) -> AbstractContextManager[Beat]:
        """For the ``with`` body's duration: what happened to the lease meanwhile."""


class NoHeartbeat(LeaseKeeper):
    """The message's lease is only what the queue's visibility timeout gives (no
    HEARTBEAT_SECONDS)."""

    @contextlib.contextmanager
    def keep(self, message: Received) -> Iterator[Beat]:
        yield Beat()


class Heartbeat(LeaseKeeper):
    def __init__(
        self,
        extend: Extend,
        interval: float,
        visibility: int,
        renewals: Sequence[Renew] = (),
    ) -> None:
        if not 0 < interval < visibility:
            raise ValueError(
                f"a heartbeat every {interval:g} s cannot keep a {visibility} s lease: "
                "it must beat more often than the visibility timeout"
            )
        self.extend = extend
        self.interval = interval
        self.visibility = visibility
        self.renewals = tuple(renewals)

    @contextlib.contextmanager
    def keep(self, message: Received) -> Iterator[Beat]:
        """Beat for ``message`` in a thread while the ``with`` body runs."""
        beat = Beat()
        stop = threading.Event()
        thread = threading.Thread(
            target=self._run, args=(message, beat, stop), name=f"heartbeat-{message.key}"
        )
        thread.daemon = True
        thread.start()
        try:
            yield beat
        finally:
            stop.set()
            thread.join()

    def _run(self, message: Received, beat: Beat, stop: threading.Event) -> None:
        while not stop.wait(self.interval):
            if not self.beat_once(message):
                beat.lost = True
                log.warning("lost the lease on %s: heartbeat stopped", message.key)
                return
            beat.extensions += 1

    def beat_once(self, message: Received) -> bool:
        """Extend the message's visibility, then renew what follows it; False: lost."""
        deadline = time.time() + self.visibility  # the new lease ends no earlier than this
        if not self.extend(message, self.visibility):
            return False
        return all(renew(message, deadline) for renew in self.renewals)
