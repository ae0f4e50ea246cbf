"""Send messages to SQS in batches of up to 10, at a limited rate, recording each send."""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from producer.payloads import Outgoing
from queuelab.contract.history import FAIL, INFO, Fn, History
from queuelab.contract.producer_knobs import MAX_BATCH

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

log = logging.getLogger("producer")


@dataclass
class Tally:
    sent: int = 0
    failed: int = 0
    unknown: int = 0

    @property
    def attempted(self) -> int:
        return self.sent + self.failed + self.unknown


def _entry(index: int, message: Outgoing, fifo: bool, content_dedup: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Id": str(index),
        "MessageBody": message.body,
        "MessageAttributes": {
            name: {"DataType": "String", "StringValue": value}
            for name, value in message.attributes.items()
        },
    }
    if fifo:
        entry["MessageGroupId"] = message.group or "default"
        # The message's own id: a retry of it is recognised as one inside the dedup window.
        dedup_id = message.dedup_id or (None if content_dedup else message.key)
        if dedup_id:
            entry["MessageDeduplicationId"] = dedup_id
    return entry


def batches(messages: Iterable[Outgoing], size: int) -> Iterator[list[Outgoing]]:
    iterator = iter(messages)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


class Producer:
    def __init__(
        self, sqs: SQSClient, queue_url: str, history: History, *, content_dedup: bool = False
    ) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.fifo = queue_url.endswith(".fifo")
        self.content_dedup = content_dedup
        self.history = history
        self.tally = Tally()

    def send_batch(self, batch: list[Outgoing]) -> None:
        for message in batch:
            self.history.invoke(
                Fn.SEND,
                message.key,
                subject=message.subject,
                poison=message.poison,
                payload=message.payload,
                bytes=len(message.body.encode()),
                **({"claim_check": message.stored} if message.stored else {}),
            )
        entries = [_entry(i, m, self.fifo, self.content_dedup) for i, m in enumerate(batch)]
        try:
            response = self.sqs.send_message_batch(QueueUrl=self.queue_url, Entries=entries)  # type: ignore[arg-type]
        except ClientError as err:  # the request was refused: nothing was sent
            self._complete(batch, FAIL, error=str(err))
            return
        except BotoCoreError as err:  # timeout / connection: the outcome is unknown
            self._complete(batch, INFO, error=str(err))
            return
        by_id = {int(s["Id"]): s["MessageId"] for s in response.get("Successful", [])}
        failed = {int(f["Id"]): f.get("Message", f["Code"]) for f in response.get("Failed", [])}
        for i, message in enumerate(batch):
            if i in by_id:
                self.history.ok(Fn.SEND, message.key, message_id=by_id[i])
                self.tally.sent += 1
            else:
                self.history.fail(Fn.SEND, message.key, error=failed.get(i, "not in response"))
                self.tally.failed += 1

    def _complete(self, batch: list[Outgoing], outcome: str, error: str) -> None:
        log.error("send_message_batch %s: %s", "refused" if outcome == FAIL else "unknown", error)
        for message in batch:
            self.history.record(outcome, Fn.SEND, message.key, error=error)
        if outcome == FAIL:
            self.tally.failed += len(batch)
        else:
            self.tally.unknown += len(batch)

    def run(
        self,
        messages: Iterable[Outgoing],
        *,
        batch_size: int = MAX_BATCH,
        rate: float = 0.0,
        keep_going: Callable[[], bool] = lambda: True,
    ) -> Tally:
        """Send everything (or until ``keep_going`` says stop), at most ``rate`` messages/s."""
        started = time.monotonic()
        for batch in batches(messages, batch_size):
            if not keep_going():
                break
            if rate > 0:
                due = started + self.tally.attempted / rate
                time.sleep(max(0.0, due - time.monotonic()))
            self.send_batch(batch)
        log.info(
            "sent %d, failed %d, unknown %d", self.tally.sent, self.tally.failed, self.tally.unknown
        )
        return self.tally
