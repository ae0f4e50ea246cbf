"""ReceiveMessage: atomic, long polls that wait without holding the server lock, retried
receives on FIFO queues (``ReceiveRequestAttemptId``), and messages the redrive policy moves
to a DLQ remember where they came from (``DeadLetterQueueSourceArn``, which AWS returns and
StartMessageMoveTask uses to send them back to their own source queue).

moto's own receive runs as a single pass (wait 0) under the server lock; the waiting
happens here, releasing the lock between passes. A FIFO queue's pass is
``behaviour.fifo_order``'s (which messages, in which order), not moto's.
"""

from __future__ import annotations

import contextvars
import time
from typing import Any

from queuelab.backend.behaviour import fifo, fifo_order
from queuelab.backend.behaviour.locking import LOCK, POLL_TICK_SECONDS, notify
from queuelab.backend.speed import store

SOURCE_ARN = "DeadLetterQueueSourceArn"

# The queue a receive is reading (a message it adds to another queue is a DLQ move).
_receiving_from: contextvars.ContextVar[Any | None] = contextvars.ContextVar(
    "queuelab_receiving_from", default=None
)
# The messages this request's receive returned, by receipt handle.
_returned: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "queuelab_returned", default=None
)


# The patches: each takes moto's attribute and returns ours (``queuelab.backend.patches``).


def add_message(original: Any) -> Any:
    def add_message(self: Any, message: Any) -> None:
        """A message the redrive policy moves remembers its source; waiting long polls wake."""
        source = _receiving_from.get()
        if source is not None and source is not self:  # the redrive policy moves it
            message.dead_letter_source_arn = source.queue_arn
            source.pending_messages.discard(message)
            store.forget(message)  # the source's receipt handles do not work in the DLQ
        original(self, message)
        notify()

    return add_message


def _expire_leases(queue: Any) -> None:
    """End every expired lease of a FIFO queue before a receive looks at it. moto ends them
    one by one as its scan meets them, and a group stays locked until the last one: the
    earlier messages of an expired batch are skipped and the last one is handed out first
    (with the messages after it), so a group's order breaks after a consumer dies holding a
    batch. SQS hands the expired batch out again from its oldest message."""
    if queue.fifo_queue:
        for message in [m for m in queue.pending_messages if m.visible]:
            queue.pending_messages.discard(message)


def _filter() -> Any:
    """moto's filter of a received copy's message attributes (MessageAttributeNames)."""
    from moto.sqs.models import _filter_message_attributes

    return _filter_message_attributes


def receive_message(original: Any) -> Any:
    def receive_once(
        self: Any, queue_name: str, count: int, visibility_timeout: int, names: list[str] | None
    ) -> list[Any]:
        queue = self.get_queue(queue_name)
        attempt = fifo.attempt_id.get() if queue.fifo_queue else None
        if attempt:
            again = fifo.replay(queue, attempt, visibility_timeout)
            if again is not None:
                return again
        _expire_leases(queue)
        token = _receiving_from.set(queue)
        found: list[Any]
        try:
            if queue.fifo_queue:
                found = fifo_order.receive(queue, count, visibility_timeout, names, _filter())
            else:
                found = original(self, queue_name, count, 0, visibility_timeout, names)
        finally:
            _receiving_from.reset(token)
        if attempt and found:
            fifo.record_attempt(queue, attempt, found)
        return found

    def receive_message(
        self: Any,
        queue_name: str,
        count: int,
        wait_seconds_timeout: int,
        visibility_timeout: int,
        message_attribute_names: list[str] | None = None,
    ) -> list[Any]:
        deadline = time.monotonic() + wait_seconds_timeout
        while True:
            with LOCK:
                found = receive_once(
                    self, queue_name, count, visibility_timeout, message_attribute_names
                )
                remaining = deadline - time.monotonic()
                if found or remaining <= 0:
                    returned = _returned.get()
                    if returned is not None:
                        returned.update((m.receipt_handle, m) for m in found)
                    return found
                LOCK.wait(min(remaining, POLL_TICK_SECONDS))

    return receive_message


def receive_message_response(original: Any) -> Any:
    """The patch of ``SQSResponse.receive_message``: the attempt id in, the source ARN out."""

    def receive_message(self: Any) -> Any:
        names = set(self._get_param("AttributeNames", []) or []) | set(
            self._get_param("MessageSystemAttributeNames", []) or []
        )
        returned: dict[str, Any] = {}
        tokens = (
            fifo.attempt_id.set(self._get_param("ReceiveRequestAttemptId")),
            _returned.set(returned),
        )
        try:
            answer = original(self)
        finally:
            fifo.attempt_id.reset(tokens[0])
            _returned.reset(tokens[1])
        if names & {"All", SOURCE_ARN} and isinstance(answer.result, dict):
            for entry in answer.result.get("Messages", []):
                message = returned.get(entry["ReceiptHandle"])
                source = getattr(message, "dead_letter_source_arn", None)
                if source:
                    entry.setdefault("Attributes", {})[SOURCE_ARN] = source
        return answer

    return receive_message
