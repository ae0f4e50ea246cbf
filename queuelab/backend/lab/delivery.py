"""The AWS-like delivery mode, inside the server process: standard queues that now and then
hand a message out twice, and not in send order, as SQS's at-least-once delivery may.

Off unless a run's fault spec asks for it (``duplicate=P``, ``reorder=P``, or the
``aws-delivery`` preset) for its own queues; FIFO queues are never touched. A duplicate is
the message made visible again right after a receive handed it out (the first receiver's
handle stays valid, as on SQS); the receive's message ids handed out that way are noted in
``injected`` so the witness can record them and the checker tell them from a backend bug.
Decisions are seeded and keyed by (queue, message id, receive count)."""

from __future__ import annotations

import contextvars
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from queuelab.backend.behaviour.locking import notify
from queuelab.backend.speed import store
from queuelab.contract.faults import draw

REORDER_WINDOW = 20  # visible messages (from the head) a reordering receive may pick from


@dataclass(frozen=True)
class Delivery:
    duplicate: float = 0.0
    reorder: float = 0.0
    seed: int = 0


QUEUES: dict[str, Delivery] = {}  # queue name -> its delivery mode
# Message ids the current request's receive handed out again on purpose.
injected: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "queuelab_injected", default=None
)
_receives: dict[str, int] = {}  # queue name -> receives served (keys the reorder draws)


def configure(queue: str, mode: Delivery | None) -> None:
    if mode is None or not (mode.duplicate or mode.reorder):
        QUEUES.pop(queue, None)
    else:
        QUEUES[queue] = mode


def _reordered(queue: Any, found: Iterator[Any], mode: Delivery) -> Iterator[Any]:
    n = _receives[queue.name] = _receives.get(queue.name, 0) + 1
    if draw(mode.seed, queue.name, "reorder", n) >= mode.reorder:
        return found
    window = list(itertools.islice(found, REORDER_WINDOW))
    window.sort(key=lambda m: draw(mode.seed, queue.name, m.id, n))
    return itertools.chain(window, found)


# The patches: each takes moto's attribute (as ``behaviour`` and ``speed`` left it) and
# returns ours (``queuelab.backend.patches``, which applies the lab's last).


def messages(original: property) -> property:
    """A queue's visible messages, reordered when its delivery mode says so."""

    def messages(self: Any) -> Iterator[Any]:
        found = original.fget(self)  # type: ignore[misc]
        mode = QUEUES.get(self.name)
        if mode is None or not mode.reorder or self.fifo_queue:
            return found  # type: ignore[no-any-return]
        return _reordered(self, iter(found), mode)

    return property(messages)


def receive_message(original: Any) -> Any:
    """A receive whose messages are made visible again at once, when the delivery mode of
    their queue draws a duplicate."""

    def receive_message(self: Any, queue_name: str, *args: Any, **kwargs: Any) -> list[Any]:
        result: list[Any] = original(self, queue_name, *args, **kwargs)
        mode = QUEUES.get(queue_name)
        if mode is None or not mode.duplicate or not result:
            return result
        queue = self.get_queue(queue_name)
        if queue.fifo_queue:
            return result
        again = injected.get()
        for copy in result:
            roll = draw(mode.seed, queue_name, copy.id, copy.approximate_receive_count, "dup")
            stored = store.find(queue, copy.receipt_handle)
            if roll < mode.duplicate and stored is not None:
                stored.change_visibility(0)
                queue.pending_messages.discard(stored)
                if again is not None:
                    again.append(copy.id)
        notify()
        return result

    return receive_message
