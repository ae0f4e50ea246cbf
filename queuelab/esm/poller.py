"""One poller: it gathers a batch, invokes the function with it, and settles it (deletes
what succeeded, leaves the rest to come back), then reads again. The service runs as many
as the ramp allows.

- A successful batch is deleted (with-sqs.html: "When your function successfully processes
  a batch, Lambda deletes its messages from the queue"); with ReportBatchItemFailures the
  response decides message by message (``responses.py``).
- A function error or timeout returns the whole batch: nothing is deleted, every message
  becomes visible again when its visibility timeout ends (services-sqs-errorhandling.html).
- A throttled invocation is retried with a growing delay "until the message's timestamp
  exceeds your queue's visibility timeout", then left to come back
  (services-sqs-errorhandling.html, "Backoff strategy for failed invocations"). The delays
  (0.2 s doubling, at most 5 s) are ours: AWS does not publish them.
- Messages of another run of the lab (a different ``queuelab-run`` attribute) are deleted
  without an invocation, as messages that match no filter criteria are
  (invocation-eventfiltering.html: "Lambda deletes messages that don't match"); that is the
  lab's filter, not a default of Lambda's.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Protocol

from queuelab.contract.history import Fn, History
from queuelab.esm import fifo, records, responses
from queuelab.esm.batching import Batch
from queuelab.esm.invoker import THROTTLE_ERROR, Attempt, Invoker
from queuelab.esm.mapping import Mapping, Queue
from queuelab.esm.source import Source, key_of, run_of

log = logging.getLogger("queuelab.esm")
THROTTLE_FIRST, THROTTLE_MAX = 0.2, 5.0
SHORT_POLL_PAUSE = 0.05  # between short polls while a window's last second runs out


class Service(Protocol):
    """What a poller needs of the mapping that runs it (``queuelab.esm.service.Service``)."""

    mapping: Mapping
    queue: Queue
    history: History
    run_id: str
    receive_wait: int
    source: Source
    invoker: Invoker

    @property
    def stopping(self) -> bool: ...

    def wants(self, index: int) -> bool: ...

    def found(self, messages: bool) -> None: ...

    def backed_off(self) -> None: ...

    def sleep(self, seconds: float) -> None: ...


class Poller:
    def __init__(self, index: int, service: Service) -> None:
        self.index = index
        self.service = service
        self.carry: list[dict[str, Any]] = []  # received, left out of a full batch
        self.received_at: dict[str, float] = {}  # message id -> monotonic, at its receive

    def run(self) -> None:
        try:
            while self.service.wants(self.index):
                batch = self.gather()
                if batch is not None:
                    self.deliver(batch)
        except Exception:
            log.exception("poller %d failed", self.index)
            raise
        finally:
            if self.carry:
                self.service.source.leave(self.carry, "stopping")

    def _admit(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The run's messages; another run's are deleted unprocessed."""
        run_id, now = self.service.run_id, time.monotonic()
        mine, strays = [], []
        for m in messages:
            if run_id and run_of(m) and run_of(m) != run_id:
                strays.append(m)
            else:
                self.received_at[m["MessageId"]] = now
                mine.append(m)
        for m in strays:
            self.service.history.ok(Fn.STRAY, key_of(m), run=run_of(m), message_id=m["MessageId"])
        if strays:
            self.service.source.delete(strays)
        return mine

    def _add(self, batch: Batch, messages: list[dict[str, Any]]) -> None:
        queue, now = self.service.queue, time.monotonic()
        for i, m in enumerate(messages):
            if not batch.add(m, records.encode(records.record(m, queue.arn, queue.fifo)), now):
                self.carry = messages[i:]
                return

    def gather(self) -> Batch | None:
        """A batch ready to invoke with, or None (stopping, or retired by the ramp)."""
        service = self.service
        batch = Batch(service.mapping.batch_size, float(service.mapping.window))
        carried, self.carry = self.carry, []
        self._add(batch, carried)
        while not batch.due(time.monotonic()) and batch.room():
            if service.stopping:
                break
            wait = batch.wait_seconds(time.monotonic(), service.receive_wait)
            messages = self._admit(service.source.receive(batch.room(), wait))
            service.found(bool(messages))
            self._add(batch, messages)
            if self.carry:
                break
            if not batch.messages and not service.wants(self.index):
                return None
            if not messages and wait == 0 and batch.messages:
                time.sleep(SHORT_POLL_PAUSE)
        return batch if batch.messages else None  # when stopping: what was gathered

    def deliver(self, batch: Batch) -> None:
        service = self.service
        messages = batch.messages
        lease_end = min(self.received_at.pop(m["MessageId"], time.monotonic()) for m in messages)
        lease_end += service.queue.visibility_timeout
        payload = records.event(batch.encoded)
        attempt: Attempt | None = None
        for number in range(1, 1_000_000):
            attempt = service.invoker.invoke(payload, messages, number)
            if not attempt.throttled:
                break
            service.history.fail(
                Fn.INVOCATION, request_id=attempt.request_id, error_type=THROTTLE_ERROR,
                throttled_by=attempt.throttled_by, returned=[],
            )  # fmt: skip
            service.backed_off()
            delay = min(THROTTLE_MAX, THROTTLE_FIRST * 2 ** (number - 1))
            if time.monotonic() + delay >= lease_end or service.stopping:
                service.source.leave(messages, "throttled until the visibility timeout")
                return
            service.sleep(delay)
        assert attempt is not None and attempt.result is not None
        self.settle(batch, attempt)

    def settle(self, batch: Batch, attempt: Attempt) -> None:
        service, result = self.service, attempt.result
        assert result is not None
        messages = batch.messages
        ids = [m["MessageId"] for m in messages]
        if result.ok:
            verdict = responses.judge(
                result.payload, ids, [m["ReceiptHandle"] for m in messages],
                service.mapping.report_batch_item_failures,
            )  # fmt: skip
            overtaken = fifo.overtaken(messages, verdict.returned) if service.queue.fifo else []
            service.history.ok(
                Fn.INVOCATION, request_id=attempt.request_id, shape=verdict.shape,
                deleted=list(verdict.deleted), returned=list(verdict.returned),
                overtaken=overtaken, seconds=round(result.seconds, 4),
            )  # fmt: skip
            returned, reason = set(verdict.returned), f"batch item failure ({verdict.shape})"
        else:
            service.history.fail(
                Fn.INVOCATION, request_id=attempt.request_id, error_type=result.error_type,
                error=result.error_message[:500], kind=result.kind, returned=ids,
                seconds=round(result.seconds, 4),
            )  # fmt: skip
            if not service.mapping.report_batch_item_failures:
                service.backed_off()
            returned, reason = set(ids), f"function error ({result.error_type})"
        service.source.delete([m for m in messages if m["MessageId"] not in returned])
        service.source.leave([m for m in messages if m["MessageId"] in returned], reason)
