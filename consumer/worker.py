"""The consumer's loop: long poll, handle, delete, until stopped.

``stop()`` only flips ``running``; the loop finishes the message in hand, releases the rest
of its batch, then shuts down in a fixed, logged order. The first SIGTERM / SIGINT stops
gracefully; a second one exits at once.

A message is done once SQS confirmed its delete (``consumer/receipts.py``: a refused
receipt handle means the lease was lost).

With ``pool_size`` above 1, the messages of a received batch are worked on at once in a
bounded thread pool (the work is I/O: claims, side effects), a FIFO group's messages one
after another in one thread; once the whole batch is done the worker settles each message
in order, and the successes go out in one DeleteMessageBatch. While the pool works on one
batch the worker already receives the next (a short poll, so settling is not held up by a
long one), and the pool starts on it as threads come free: the pool never waits for a
receive or a delete.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import os
import signal
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from consumer.acknowledgers import DeleteEach, DeleteTogether
from consumer.backoff import AfterVisibilityTimeout, ErrorBackoff, RetryPolicy
from consumer.groups import GroupPolicy, SkipFailedGroups
from consumer.handler import Handler
from consumer.heartbeat import LeaseKeeper, NoHeartbeat
from consumer.message import SYSTEM_ATTRIBUTES, Received
from consumer.middleware import Middleware
from consumer.pool import Batch, Pool
from consumer.receipts import Receipts
from queuelab.contract.history import Fn, History

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

log = logging.getLogger("consumer")


class Worker:
    def __init__(
        self,
        sqs: SQSClient,
        queue_url: str,
        handler: Handler,
        history: History,
        *,
        hooks: Middleware | None = None,
        name: str = "consumer",
        run_id: str = "",
        max_messages: int = 1,
        pool_size: int = 1,
        wait_time_seconds: int = 10,
        message_limit: int = 0,
        idle_timeout_seconds: float = 0.0,
        backoff: ErrorBackoff | None = None,
        retry: RetryPolicy | None = None,
        heartbeat: LeaseKeeper | None = None,
        groups: GroupPolicy | None = None,
    ) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.handler = handler
        self.history = history
        self.hooks = hooks or Middleware()
        self.name = name
        self.run_id = run_id  # set by the runner: messages of other runs are strays
        self.max_messages = max_messages
        self.wait_time_seconds = wait_time_seconds
        self.message_limit = message_limit
        self.idle_timeout_seconds = idle_timeout_seconds
        self.backoff = backoff or ErrorBackoff(base=0.5, cap=10.0)  # after failed receives
        self.retry = retry or AfterVisibilityTimeout()  # when a failed message comes back
        self.heartbeat = heartbeat or NoHeartbeat()  # keeps the lease while work runs
        self.groups = groups or SkipFailedGroups()  # a failed group stops in its batch
        self.receipts = Receipts(sqs, queue_url, history)
        # pool_size 1: each message in turn, deleted as soon as it succeeded; above: a
        # batch's messages at once in threads, its successes deleted together at its end.
        self.pool: Pool | None = None
        if pool_size == 1:
            self.acknowledger = self.hooks.acknowledger(DeleteEach(self.acknowledge))
        else:
            inner = DeleteTogether(self.acknowledge, self.acknowledge_many)
            self.acknowledger = self.hooks.acknowledger(inner)
            turn = functools.partial(self.work_through, settle_each=False)
            self.pool = Pool(pool_size, turn, self.settle, self.acknowledger.end_batch)
        self.running = True
        self.handled = 0
        self.done = 0  # messages whose delete SQS confirmed
        self.signals = 0
        self.in_hand: set[str] = set()  # keys of the messages being processed
        self._counts = threading.Lock()  # pool threads count and mark messages in hand
        self._last_message_at = time.monotonic()

    def stop(self) -> None:
        self.running = False

    def on_signal(self, signum: int, frame: Any) -> None:
        self.signals += 1
        name = signal.Signals(signum).name
        keys = sorted(self.in_hand)
        more = {"in_hand": keys} if len(keys) > 1 else {}
        key = keys[0] if len(keys) == 1 else None
        self.history.ok(Fn.SIGNAL, key, signal=name, count=self.signals, **more)
        if self.signals == 1 and not self.hooks.exit_at_once(self.signals):
            log.info("%s: finishing the message in hand, then exiting", name)
            self.stop()
            return
        log.warning("%s: exiting at once", name)
        self.history.info(Fn.EXIT, None, reason=f"signal {self.signals}, at once")
        os._exit(128 + signum)

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.on_signal)
        signal.signal(signal.SIGINT, self.on_signal)

    def run(self) -> int:
        log.info("%s polling %s", self.name, self.queue_url)
        if self.pool is None:
            self.one_by_one()
        else:
            self.overlap()
        if self._idle_too_long():
            log.info("no message for %.1f s: exiting", self.idle_timeout_seconds)
        return self.shutdown()

    def one_by_one(self) -> None:
        """Receive a batch, work through it, deleting each success; until stopped."""
        while self.running and not self._idle_too_long():
            batch = self.drop_strays(self.receive())
            self.groups.new_batch()
            self.work_through(batch, settle_each=True)
            self.acknowledger.end_batch()
            self._check_limit()

    def overlap(self) -> None:
        """The pool's loop: receive the next batch while the pool works on the one in hand,
        then settle that one; until stopped or idle too long."""
        assert self.pool is not None
        in_work: Batch = []
        while self.running and not self._idle_too_long():
            batch = self.drop_strays(self.receive(short=bool(in_work)))
            started = self.pool.start(batch)
            self.pool.finish(in_work)
            in_work = started
            self._check_limit()
        self.pool.finish(in_work)

    def work_through(
        self, messages: list[Received], settle_each: bool
    ) -> list[tuple[Received, bool]]:
        """Messages one after another (a batch, or one FIFO group of it), stopping a group
        at its first failure; settled as each ends, or returned with whether it succeeded."""
        worked = []
        for index, message in enumerate(messages):
            if not self.running:
                self.receipts.release(messages[index:])
                break
            if self.groups.skip(message):
                self.receipts.release([message], reason="an earlier message of its group failed")
                continue
            with self._holding(message):
                succeeded = self.work(message)
                if settle_each:
                    self.settle(message, succeeded)
            if not succeeded:
                self.groups.record_failure(message)
            if settle_each:
                self._check_limit()
            else:
                worked.append((message, succeeded))
        if not settle_each:
            # A pool's turn is one group's messages; the next batch's turns already run, so
            # the failures of this one are forgotten turn by turn, not batch by batch.
            self.groups.forget(messages)
        return worked

    def _check_limit(self) -> None:
        if self.running and self.message_limit and self.done >= self.message_limit:
            log.info("message limit %d reached: %d messages done", self.message_limit, self.done)
            self.stop()

    def _idle_too_long(self) -> bool:
        idle = self.idle_timeout_seconds
        return bool(idle) and time.monotonic() - self._last_message_at > idle

    def _poll_seconds(self) -> int:
        """The long-poll wait, cut so an idle timeout is not overshot by a whole poll."""
        wait = self.wait_time_seconds
        idle = self.idle_timeout_seconds
        if idle:
            left = idle - (time.monotonic() - self._last_message_at)
            wait = max(0, min(wait, math.ceil(left)))
        return wait

    def receive(self, short: bool = False) -> list[Received]:
        """A long poll; a ``short`` one while the pool works on a batch."""
        asked_at = time.time()
        self.history.invoke(Fn.RECEIVE)
        try:
            response = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=self.max_messages,
                WaitTimeSeconds=0 if short else self._poll_seconds(),
                MessageAttributeNames=["All"],
                MessageSystemAttributeNames=SYSTEM_ATTRIBUTES,  # type: ignore[arg-type]
            )
        except (ClientError, BotoCoreError) as err:
            wait = self.backoff.failed()
            log.error(
                "receive failed (%d in a row, next in %.2f s): %s", self.backoff.failures, wait, err
            )
            self.history.fail(Fn.RECEIVE, error=str(err), wait=round(wait, 3))
            time.sleep(wait)
            return []
        self.backoff.succeeded()
        batch = [Received.from_sqs(m, asked_at) for m in response.get("Messages", [])]
        self.history.ok(Fn.RECEIVE, messages=[m.summary() for m in batch])
        if batch:
            self._last_message_at = time.monotonic()
        return batch

    def drop_strays(self, batch: list[Received]) -> list[Received]:
        """Delete, unprocessed, messages another run sent (SQS purges lazily, so an earlier
        run's leftovers can still arrive): they must not trip this run's chaos knobs."""
        if not self.run_id:
            return batch  # run by hand: every message is ours
        mine = []
        for message in batch:
            if message.run and message.run != self.run_id:
                log.info("dropping %s: a stray of run %s", message.key, message.run)
                self.history.ok(Fn.STRAY, message.key, run=message.run)
                self.delete(message)
            else:
                mine.append(message)
        return mine

    @contextlib.contextmanager
    def _holding(self, message: Received) -> Iterator[None]:
        with self._counts:
            self.handled += 1
            self.in_hand.add(message.key)
        try:
            yield
        finally:
            with self._counts:
                self.in_hand.discard(message.key)

    def work(self, message: Received) -> bool:
        """Handle one message, keeping its lease while the work runs; whether it succeeded."""
        self.hooks.after_receive(message)
        with self.heartbeat.keep(message):
            return self.handler.handle(message)

    def settle(self, message: Received, succeeded: bool) -> None:
        """Delete a success (now, or with its batch); leave a failure for its retry."""
        if succeeded:
            self.acknowledger.succeeded(message)
        else:
            self.acknowledger.failed(message)
            self.receipts.retry_later(message, self.retry)

    def delete(self, message: Received) -> bool:
        return self.receipts.delete(message)

    def acknowledge(self, message: Received) -> None:
        """Delete a handled message; it is done only if SQS confirms."""
        self._confirmed(message, self.delete(message))

    def acknowledge_many(self, messages: list[Received]) -> None:
        """Delete handled messages together; each is done only if SQS confirms its entry."""
        for message, deleted in self.receipts.delete_many(messages):
            self._confirmed(message, deleted)

    def _confirmed(self, message: Received, deleted: bool) -> None:
        if deleted:
            self.hooks.after_delete(message)
        elif not self.hooks.done_despite_lost_lease(message):
            return
        with self._counts:
            self.done += 1

    def shutdown(self) -> int:
        log.info("shutdown 1/2: stopped polling after %d messages", self.handled)
        if self.pool is not None:
            self.pool.shutdown()
        self.history.ok(Fn.EXIT, None, handled=self.handled)
        self.history.close()
        log.info("shutdown 2/2: history closed; bye")
        return 0
