"""The consumer's loop: long poll, handle, delete, until stopped.

``stop()`` only flips ``running``; the loop finishes the message in hand, releases the rest
of its batch, then shuts down in a fixed, logged order. The first SIGTERM / SIGINT stops
gracefully; a second one exits at once.
"""

from __future__ import annotations

import logging
import math
import os
import signal
import time
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from consumer.config import ConsumerConfig
from consumer.handler import Handler, Received
from queuelab.history import KEY_ATTRIBUTE, RUN_ATTRIBUTE, History

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

log = logging.getLogger("consumer")
ERROR_BACKOFF_SECONDS = 1.0


def to_received(message: MessageTypeDef) -> Received:
    attributes: dict[str, Any] = dict(message.get("MessageAttributes", {}))
    system = message.get("Attributes", {})
    return Received(
        message_id=message["MessageId"],
        receipt_handle=message["ReceiptHandle"],
        body=message.get("Body", ""),
        key=attributes.get(KEY_ATTRIBUTE, {}).get("StringValue") or message["MessageId"],
        receive_count=int(system.get("ApproximateReceiveCount", "0")),
        group=system.get("MessageGroupId"),
        run=attributes.get(RUN_ATTRIBUTE, {}).get("StringValue", ""),
        sent_at=int(system.get("SentTimestamp", "0")) / 1000,
    )


class Worker:
    def __init__(
        self, config: ConsumerConfig, sqs: SQSClient, handler: Handler, history: History
    ) -> None:
        self.config = config
        self.sqs = sqs
        self.handler = handler
        self.history = history
        self.running = True
        self.handled = 0
        self.signals = 0
        self.in_hand: str | None = None  # key of the message being processed
        self._last_message_at = time.monotonic()

    def stop(self) -> None:
        self.running = False

    def on_signal(self, signum: int, frame: Any) -> None:
        self.signals += 1
        name = signal.Signals(signum).name
        self.history.ok("signal", self.in_hand, signal=name, count=self.signals)
        if self.signals == 1 and self.config.shutdown_mode == "graceful":
            log.info("%s: finishing the message in hand, then exiting", name)
            self.stop()
            return
        log.warning("%s: exiting at once", name)
        self.history.info(
            "exit", None, reason=f"signal {self.signals}, {self.config.shutdown_mode}"
        )
        os._exit(128 + signum)

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.on_signal)
        signal.signal(signal.SIGINT, self.on_signal)

    def run(self) -> int:
        log.info("%s polling %s", self.config.consumer_id, self.config.queue_url)
        while self.running:
            if self._idle_too_long():
                log.info("no message for %.1f s: exiting", self.config.idle_timeout_seconds)
                break
            batch = self.drop_strays(self.receive())
            if self.config.batch_mode == "all-or-nothing":
                self.process_all_or_nothing(batch)
                continue
            for index, message in enumerate(batch):
                if not self.running:
                    self.release(batch[index:])
                    break
                self.process(message)
                if self.config.message_limit and self.handled >= self.config.message_limit:
                    log.info("message limit %d reached", self.config.message_limit)
                    self.stop()
        return self.shutdown()

    def _idle_too_long(self) -> bool:
        idle = self.config.idle_timeout_seconds
        return bool(idle) and time.monotonic() - self._last_message_at > idle

    def _poll_seconds(self) -> int:
        """The long-poll wait, cut so an idle timeout is not overshot by a whole poll."""
        wait = self.config.wait_time_seconds
        idle = self.config.idle_timeout_seconds
        if idle:
            left = idle - (time.monotonic() - self._last_message_at)
            wait = max(0, min(wait, math.ceil(left)))
        return wait

    def receive(self) -> list[Received]:
        self.history.invoke("receive")
        try:
            response = self.sqs.receive_message(
                QueueUrl=self.config.queue_url,
                MaxNumberOfMessages=self.config.max_messages,
                WaitTimeSeconds=self._poll_seconds(),
                MessageAttributeNames=["All"],
                MessageSystemAttributeNames=[
                    "ApproximateReceiveCount",
                    "MessageGroupId",
                    "SentTimestamp",
                ],
            )
        except (ClientError, BotoCoreError) as err:
            log.error("receive failed: %s", err)
            self.history.fail("receive", error=str(err))
            time.sleep(ERROR_BACKOFF_SECONDS)
            return []
        batch = [to_received(m) for m in response.get("Messages", [])]
        self.history.ok(
            "receive",
            messages=[
                {
                    "key": m.key,
                    "message_id": m.message_id,
                    "receive_count": m.receive_count,
                    "run": m.run,
                    "sent_at": m.sent_at,
                }
                for m in batch
            ],
        )
        if batch:
            self._last_message_at = time.monotonic()
        return batch

    def drop_strays(self, batch: list[Received]) -> list[Received]:
        """Delete, unprocessed, messages another run sent (SQS purges lazily, so an earlier
        run's leftovers can still arrive): they must not trip this run's chaos knobs."""
        if not self.config.run_id:
            return batch  # run by hand: every message is ours
        mine = []
        for message in batch:
            if message.run and message.run != self.config.run_id:
                log.info("dropping %s: a stray of run %s", message.key, message.run)
                self.history.ok("stray", message.key, run=message.run)
                self.delete(message)
            else:
                mine.append(message)
        return mine

    def process(self, message: Received) -> None:
        self.handled += 1
        self.in_hand = message.key
        try:
            if self.config.delete_mode == "before":
                self.delete(message)
                self.handler.handle(message)
            elif self.handler.handle(message) and self.config.delete_mode == "after":
                self.delete(message)
        finally:
            self.in_hand = None

    def process_all_or_nothing(self, batch: list[Received]) -> None:
        """The batch succeeds or fails as a whole: one failure and nothing is deleted, so the
        good messages come back too (what a batch handler without partial failure
        reporting does)."""
        self.handled += len(batch)
        outcomes = [self.handler.handle(message) for message in batch]
        if all(outcomes):
            for message in batch:
                self.delete(message)
        elif batch:
            log.warning(
                "%d of %d messages failed: the whole batch will be retried",
                outcomes.count(False),
                len(batch),
            )

    def delete(self, message: Received) -> None:
        self.history.invoke("delete", message.key, message_id=message.message_id)
        try:
            self.sqs.delete_message(
                QueueUrl=self.config.queue_url, ReceiptHandle=message.receipt_handle
            )
        except (ClientError, BotoCoreError) as err:
            log.warning("delete of %s failed (stale receipt handle?): %s", message.key, err)
            self.history.fail("delete", message.key, error=str(err))
            return
        self.history.ok("delete", message.key, message_id=message.message_id)

    def release(self, messages: list[Received]) -> None:
        """Make messages we will not handle visible again at once (graceful stop)."""
        for message in messages:
            # Recorded before the call: another consumer may receive the message before
            # this one gets the answer back.
            self.history.invoke("release", message.key, message_id=message.message_id)
            try:
                self.sqs.change_message_visibility(
                    QueueUrl=self.config.queue_url,
                    ReceiptHandle=message.receipt_handle,
                    VisibilityTimeout=0,
                )
            except (ClientError, BotoCoreError) as err:
                log.warning("release of %s failed: %s", message.key, err)
                self.history.fail("release", message.key, error=str(err))
                continue
            self.history.ok("release", message.key, message_id=message.message_id)

    def shutdown(self) -> int:
        log.info("shutdown 1/2: stopped polling after %d messages", self.handled)
        self.history.ok("exit", None, handled=self.handled)
        self.history.close()
        log.info("shutdown 2/2: history closed; bye")
        return 0
