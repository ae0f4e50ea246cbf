"""What a consumer's design gave the failure modes to work with (pure), measured in every run
from the operations, whoever wrote the consumer: how many messages one receive handed it,
and how often it still held a message when its lease ran out. A scenario's ``applies``
reads these: a consumer that takes one message at a time never meets a mixed batch, one
that finishes (or extends) within the visibility timeout never has a message taken away
while it works on it. Those runs are ``not applicable``, not errors."""

from __future__ import annotations

from collections.abc import Iterable

from queuelab.check.ledger import lease_seconds
from queuelab.contract.history import INVOKE, OK, Fn, Op

CHANGES = (Fn.HEARTBEAT, Fn.RETRY, Fn.VISIBILITY)  # set a new lease length
ENDS = (Fn.DELETE, Fn.RELEASE)  # end a lease (from the invoke on: the outcome may be late)
METRICS = ("largest_batch", "held_past_visibility")


def largest_batch(ops: Iterable[Op]) -> int:
    """The most messages one receive handed a consumer."""
    sizes = [
        len(op.value.get("messages", [])) for op in ops if op.f == Fn.RECEIVE and op.type == OK
    ]
    return max(sizes, default=0)


def held_past_visibility(ops: Iterable[Op], visibility_timeout: float) -> int:
    """Leases that ran out while their holder still had the message: neither deleted nor
    released by it before the end of the visibility timeout (the receive's own if it asked
    for one, or the visibility it last set). Each one was a chance for another consumer to
    receive the message mid-work."""
    ends: dict[tuple[str, str], float] = {}  # (process, message id) -> when its lease ends
    ran_out = 0
    for op in sorted(ops, key=lambda o: o.time):
        for (process, message_id), end in list(ends.items()):
            if end < op.time:
                ran_out += 1
                del ends[(process, message_id)]
        message_id = str(op.value.get("message_id", ""))
        if op.f == Fn.RECEIVE and op.type == OK:
            for message in op.value.get("messages", []):
                ends[(op.process, str(message["message_id"]))] = op.time + lease_seconds(
                    op, visibility_timeout
                )
        elif op.f in ENDS and op.type == INVOKE:
            ends.pop((op.process, message_id), None)
        elif op.f in CHANGES and op.type == INVOKE and (op.process, message_id) in ends:
            # Asked in time, it counts from the asking: its answer may come after the old end.
            seconds = op.value.get("delay", op.value.get("visibility"))
            if seconds is not None:
                ends[(op.process, message_id)] = op.time + float(seconds)
    return ran_out  # a lease still open at the end ran out after the run: not counted


def measure(ops: list[Op], visibility_timeout: float) -> dict[str, float]:
    return {
        "largest_batch": largest_batch(ops),
        "held_past_visibility": held_past_visibility(ops, visibility_timeout),
    }
