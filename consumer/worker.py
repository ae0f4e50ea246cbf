"""The consumer's loop: long poll, handle, delete, until stopped.

``stop()`` only flips ``running``; the loop finishes the message in hand, releases the rest
of its batch, then shuts down in a fixed, logged order. The first SIGTERM / SIGINT stops
gracefully; a second one exits at once.

A message is done once SQS confirmed its delete. A delete or visibility change that SQS
refuses because the receipt handle is no longer valid (a FIFO queue refuses a handle whose
visibility timeout expired) means the lease was lost: the message will come back, so it is
not done, whatever the work did.
"""

from __future__ import annotations

import logging
import math
import os
import signal
import time
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from consumer.backoff import ErrorBackoff, RetryPolicy
from consumer.groups import SkipFailedGroups
from consumer.handler import Handler
from consumer.heartbeat import NoHeartbeat
from consumer.message import SYSTEM_ATTRIBUTES, Received
from consumer.middleware import Acknowledger, Middleware
from queuelab.contract.history import Fn, History

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

log = logging.getLogger("consumer")


def lease_lost(err: Exception) -> bool:
    """SQS refused the receipt handle: it expired or was replaced by a later receive."""
    if not isinstance(err, ClientError):
        return False
    error = err.response.get("Error", {})
    code, message = str(error.get("Code", "")), str(error.get("Message", ""))
    return code in ("ReceiptHandleIsInvalid", "MessageNotInflight") or (
        code == "InvalidParameterValue" and "ReceiptHandle" in message
    )


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
        wait_time_seconds: int = 10,
        message_limit: int = 0,
        idle_timeout_seconds: float = 0.0,
        backoff: ErrorBackoff | None = None,
        retry: RetryPolicy | None = None,
        heartbeat: NoHeartbeat | None = None,
        groups: SkipFailedGroups | None = None,
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
        self.retry = retry or RetryPolicy()  # when a failed message comes back
        self.heartbeat = heartbeat or NoHeartbeat()  # keeps the lease while work runs
        self.groups = groups or SkipFailedGroups()  # a failed group stops in its batch
        self.acknowledger = self.hooks.acknowledger(Acknowledger(self.acknowledge))
        self.running = True
        self.handled = 0
        self.done = 0  # messages whose delete SQS confirmed
        self.signals = 0
        self.in_hand: str | None = None  # key of the message being processed
        self._last_message_at = time.monotonic()

    def stop(self) -> None:
        self.running = False

    def on_signal(self, signum: int, frame: Any) -> None:
        self.signals += 1
        name = signal.Signals(signum).name
        self.history.ok(Fn.SIGNAL, self.in_hand, signal=name, count=self.signals)
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
        while self.running:
            if self._idle_too_long():
                log.info("no message for %.1f s: exiting", self.idle_timeout_seconds)
                break
            batch = self.drop_strays(self.receive())
            self.groups.new_batch()
            for index, message in enumerate(batch):
                if not self.running:
                    self.release(batch[index:])
                    break
                if self.groups.skip(message):
                    self.release([message], reason="an earlier message of its group failed")
                    continue
                if not self.process(message):
                    self.groups.record_failure(message)
                self._check_limit()
            self.acknowledger.end_batch()
            self._check_limit()
        return self.shutdown()

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

    def receive(self) -> list[Received]:
        asked_at = time.time()
        self.history.invoke(Fn.RECEIVE)
        try:
            response = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=self.max_messages,
                WaitTimeSeconds=self._poll_seconds(),
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

    def process(self, message: Received) -> bool:
        """Handle one message, keeping its lease while the work runs; whether it succeeded."""
        self.handled += 1
        self.in_hand = message.key
        try:
            self.hooks.after_receive(message)
            with self.heartbeat.keep(message):
                succeeded = self.handler.handle(message)
            if succeeded:
                self.acknowledger.succeeded(message)
            else:
                self.acknowledger.failed(message)
                self.retry_later(message)
        finally:
            self.in_hand = None
        return succeeded

    def retry_later(self, message: Received) -> None:
        """Set when the failed message comes back, as the retry policy says."""
        delay = self.retry.delay(message)
        if delay is None:
            return  # after its visibility timeout
        ceiling = round(self.retry.ceiling(message), 3)
        self.history.invoke(
            Fn.RETRY,
            message.key,
            message_id=message.message_id,
            receive_count=message.receive_count,
            delay=delay,
            ceiling=ceiling,
        )
        log.info("%s: retry in %d s (receive %d)", message.key, delay, message.receive_count)
        self.change_visibility(message, delay, Fn.RETRY)

    def extend(self, message: Received, seconds: int) -> bool:
        """The heartbeat's call: the message stays ours for ``seconds`` from now."""
        self.history.invoke(
            Fn.HEARTBEAT, message.key, message_id=message.message_id, visibility=seconds
        )
        return self.change_visibility(message, seconds, Fn.HEARTBEAT)

    def change_visibility(self, message: Received, seconds: int, fn: Fn) -> bool:
        """ChangeMessageVisibility, its invoke already recorded; False when refused (the
        receipt handle is no longer valid: the lease is lost)."""
        try:
            self.sqs.change_message_visibility(
                QueueUrl=self.queue_url,
                ReceiptHandle=message.receipt_handle,
                VisibilityTimeout=seconds,
            )
        except (ClientError, BotoCoreError) as err:
            log.warning("%s of %s refused: %s", fn.value, message.key, err)
            lost = lease_lost(err)
            self.history.fail(
                fn, message.key, message_id=message.message_id, error=str(err), lease_lost=lost
            )
            return False
        self.history.ok(fn, message.key, message_id=message.message_id)
        return True

    def acknowledge(self, message: Received) -> None:
        """Delete a handled message; it is done only if SQS confirms."""
        if self.delete(message):
            self.done += 1
            self.hooks.after_delete(message)
        elif self.hooks.done_despite_lost_lease(message):
            self.done += 1

    def delete(self, message: Received) -> bool:
        """True once SQS confirmed; False when it refused (a lost lease: the message comes
        back) or the call failed."""
        self.history.invoke(Fn.DELETE, message.key, message_id=message.message_id)
        try:
            self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message.receipt_handle)
        except (ClientError, BotoCoreError) as err:
            lost = lease_lost(err)
            why = "the lease was lost, it will come back" if lost else "it may come back"
            log.warning("delete of %s refused (%s): %s", message.key, why, err)
            self.history.fail(Fn.DELETE, message.key, error=str(err), lease_lost=lost)
            return False
        self.history.ok(Fn.DELETE, message.key, message_id=message.message_id)
        return True

    def release(self, messages: list[Received], reason: str = "stopping") -> None:
        """Make messages we will not handle visible again at once (graceful stop, or a
        group that failed earlier in the batch)."""
        for message in messages:
            # Recorded before the call: another consumer may receive the message before
            # this one gets the answer back.
            self.history.invoke(
                Fn.RELEASE, message.key, message_id=message.message_id, reason=reason
            )
            self.change_visibility(message, 0, Fn.RELEASE)

    def shutdown(self) -> int:
        log.info("shutdown 1/2: stopped polling after %d messages", self.handled)
        self.history.ok(Fn.EXIT, None, handled=self.handled)
        self.history.close()
        log.info("shutdown 2/2: history closed; bye")
        return 0
