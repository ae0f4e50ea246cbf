"""A consumer's pool: the messages of received batches worked on at once, in threads.

A batch is split into turns (``groups.in_turns``: a FIFO group's messages in order, or one
message), and the bounded pool works on the turns as its threads come free, so the turns of
the next batch can start while the last ones of this batch finish. Once all of a batch's
turns are done, its messages are settled in the batch's order and its successes deleted
together.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from consumer.groups import in_turns
from consumer.message import Received

Worked = list[tuple[Received, bool]]  # a turn's messages, with whether each succeeded
Batch = list[Future[Worked]]  # a batch's turns in the pool


class Pool:
    def __init__(
        self,
        size: int,
        work: Callable[[list[Received]], Worked],
        settle: Callable[[Received, bool], None],
        end_batch: Callable[[], None],
    ) -> None:
        self.executor = ThreadPoolExecutor(size, "work")
        self.work, self.settle, self.end_batch = work, settle, end_batch

    def start(self, batch: list[Received]) -> Batch:
        return [self.executor.submit(self.work, turn) for turn in in_turns(batch)]

    def finish(self, batch: Batch) -> None:
        """Wait for the batch's turns, then settle each message and delete the successes."""
        if not batch:
            return
        for turn in batch:
            for message, succeeded in turn.result():
                self.settle(message, succeeded)
        self.end_batch()

    def shutdown(self) -> None:
        self.executor.shutdown()
