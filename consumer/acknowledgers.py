"""How the worker deletes the messages it handled: its acknowledger.

The worker tells the acknowledger each message it settled (succeeded or failed) and the end
of each received batch; the acknowledger decides when a success is deleted. ``DeleteEach``
(one by one) and ``DeleteTogether`` (a pool's batch in one DeleteMessageBatch) are the
production parts the worker picks from POOL_SIZE. ``NeverDelete`` and ``AllOrNothing`` are
the negative controls' (DELETE_MODE=before / never, BATCH_MODE=all-or-nothing), which the
chaos layer's middleware puts in place of them (``consumer/chaos.py``).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable

from consumer.message import Received

log = logging.getLogger("consumer")
Delete = Callable[[Received], None]
DeleteMany = Callable[[list[Received]], None]


class Acknowledger(ABC):
    """``delete`` deletes one message at once: the worker's own delete, handed on to
    whatever replaces or wraps this acknowledger."""

    delete: Delete

    @abstractmethod
    def succeeded(self, message: Received) -> None:
        """The message was handled: delete it (now or later)."""

    @abstractmethod
    def failed(self, message: Received) -> None:
        """The message failed: it is not deleted, it comes back after its visibility timeout
        (or when the retry policy says)."""

    @abstractmethod
    def end_batch(self) -> None:
        """Every message of the received batch was handled."""


class DeleteEach(Acknowledger):
    """Each success deleted as soon as it succeeded (per-message acknowledgement, what partial
    batch failure reporting gives you)."""

    def __init__(self, delete: Delete) -> None:
        self.delete = delete

    def succeeded(self, message: Received) -> None:
        self.delete(message)

    def failed(self, message: Received) -> None:
        pass

    def end_batch(self) -> None:
        pass


class DeleteTogether(Acknowledger):
    """A pool's successes deleted together, with one DeleteMessageBatch, once every message
    of the batch was worked on (``delete`` stays the one-message delete)."""

    def __init__(self, delete: Delete, delete_many: DeleteMany) -> None:
        self.delete = delete
        self.delete_many = delete_many
        self.pending: list[Received] = []

    def succeeded(self, message: Received) -> None:
        self.pending.append(message)

    def failed(self, message: Received) -> None:
        pass

    def end_batch(self) -> None:
        pending, self.pending = self.pending, []
        if pending:
            self.delete_many(pending)


class NeverDelete(Acknowledger):
    """Successes forgotten: each message comes back until it dead-letters."""

    def __init__(self, delete: Delete) -> None:
        self.delete = delete

    def succeeded(self, message: Received) -> None:
        pass

    def failed(self, message: Received) -> None:
        pass

    def end_batch(self) -> None:
        pass


class AllOrNothing(Acknowledger):
    """A batch deleted only if every message in it succeeded (a batch handler without
    partial failure reporting): one failure and the good messages come back too."""

    def __init__(self, inner: Acknowledger) -> None:
        self.inner = inner
        self.delete = inner.delete
        self.succeeded_messages: list[Received] = []
        self.failures = 0

    def succeeded(self, message: Received) -> None:
        self.succeeded_messages.append(message)

    def failed(self, message: Received) -> None:
        self.failures += 1

    def end_batch(self) -> None:
        if self.failures:
            log.warning(
                "%d of %d messages failed: the whole batch will be retried",
                self.failures,
                self.failures + len(self.succeeded_messages),
            )
        else:
            for message in self.succeeded_messages:
                self.inner.succeeded(message)
        self.succeeded_messages, self.failures = [], 0
        self.inner.end_batch()  # a pool's deletes go out together here
