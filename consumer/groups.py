"""Message groups within a received batch (FIFO queues).

A FIFO receive can return several messages of one group, in order. If one of them fails,
the group's later messages must not be processed before it: the failed one comes back (after
its visibility timeout or backoff) and would then be done after its successors. Powertools'
``SqsFifoPartialProcessor(skip_group_on_error=True)`` stops that group at its first failure
and goes on with the other groups; here the group's later messages of the batch are released
untouched (visibility 0). SQS keeps the group blocked while the failed message is in flight,
so they come back after it, in order (``SkipFailedGroups``; ``CarryOn``, the negative
control, works on them anyway).

They come back with it every time, so each of them is received as often as the failed
message: when that one reaches maxReceiveCount and is dead-lettered, they would be too.
So on the failed message's last attempt (its receive count has reached maxReceiveCount) the
group goes on: the queue moves that message to the DLQ at its next receive, and its
successors are processed now, in order, instead of following it there.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from consumer.message import Received


class GroupPolicy(ABC):
    """What a failure within a received batch means for the later messages of its group."""

    @abstractmethod
    def new_batch(self) -> None:
        """A batch was received (the one-by-one worker)."""

    @abstractmethod
    def forget(self, turn: list[Received]) -> None:
        """A pool's turn (one group's messages of a batch) is over."""

    @abstractmethod
    def skip(self, message: Received) -> bool:
        """True to release ``message`` untouched instead of working on it."""

    @abstractmethod
    def record_failure(self, message: Received) -> None:
        """``message`` failed."""


class SkipFailedGroups(GroupPolicy):
    """Stop a message group at its first failure within a batch (unless that was the
    message's last attempt before the redrive policy dead-letters it)."""

    def __init__(self, max_receive_count: int | None = None) -> None:
        self.max_receive_count = max_receive_count  # the queue's redrive policy, if any
        self.failed: set[str] = set()

    def new_batch(self) -> None:
        self.failed.clear()

    def forget(self, turn: list[Received]) -> None:
        for message in turn:
            if message.group is not None:
                self.failed.discard(message.group)

    def skip(self, message: Received) -> bool:
        """True when an earlier message of this one's group failed in this batch."""
        return message.group is not None and message.group in self.failed

    def last_attempt(self, message: Received) -> bool:
        limit = self.max_receive_count
        return limit is not None and message.receive_count >= limit

    def record_failure(self, message: Received) -> None:
        if message.group is not None and not self.last_attempt(message):
            self.failed.add(message.group)


class CarryOn(GroupPolicy):
    """Go on past a failed message: its group's later messages are processed before it is
    (FIFO order broken). The negative control of ``GROUP_FAILURE=carry-on``."""

    def new_batch(self) -> None:
        pass

    def forget(self, turn: list[Received]) -> None:
        pass

    def skip(self, message: Received) -> bool:
        return False

    def record_failure(self, message: Received) -> None:
        pass


def in_turns(batch: list[Received]) -> list[list[Received]]:
    """A batch split into what a pool may work on at once: each FIFO group's messages, in
    order, as one turn; every message without a group as a turn of its own."""
    turns: list[list[Received]] = []
    by_group: dict[str, list[Received]] = {}
    for message in batch:
        if message.group is None:
            turns.append([message])
        elif message.group in by_group:
            by_group[message.group].append(message)
        else:
            by_group[message.group] = [message]
            turns.append(by_group[message.group])
    return turns
