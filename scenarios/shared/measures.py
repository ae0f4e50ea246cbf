"""Measures more than one scenario reads in a history."""

from __future__ import annotations

from queuelab.check.ledger import lease_seconds, receives
from queuelab.contract.history import INVOKE, OK, Fn, Op
from queuelab.run.metrics import Metrics, metric


class Redrive(Metrics):
    """What a redrive of the DLQ did (dlq-redrive, schema-evolution)."""

    dead_lettered_before_redrive = metric("messages in the DLQ when the fix was deployed")
    redriven = metric("messages the redrive moved back to the source queue")
    redrive_fallback = metric(
        "1 when the endpoint lacks StartMessageMoveTask and the redrive fell back to receive, "
        "send and delete"
    )


class PoisonSeen(Metrics):
    poison_received = metric("receives of poison messages: the consumers met them")


def poison_received(history: list[Op]) -> int:
    """Receives of poison messages (marked or not JSON): the consumers met them. Judged from
    what they were handed, not from what they decided, so it holds for a consumer we did not
    write too."""
    poison = {op.key for op in history if op.f == Fn.SEND and op.value.get("poison")}
    return sum(1 for _, message in receives(history) if message["key"] in poison)


def inversions(sequence: list[int]) -> int:
    """How many items arrived after a larger one had already arrived."""
    count, highest = 0, None
    for value in sequence:
        if highest is not None and value < highest:
            count += 1
        highest = value if highest is None else max(highest, value)
    return count


def receive_calls(history: list[Op]) -> list[tuple[str, float, float]]:
    """Each completed receive call as (process, opened, answered): a long poll is open for
    its whole wait, and every moment of it is a chance to be handed a message."""
    opened: dict[str, list[float]] = {}
    calls = []
    for op in history:
        if op.f != Fn.RECEIVE:
            continue
        if op.type == INVOKE:
            opened.setdefault(op.process, []).append(op.time)
        elif op.type == OK:
            starts = opened.get(op.process) or [op.time]
            calls.append((op.process, starts.pop(0), op.time))
    return calls


def crashed_leases(history: list[Op], visibility_timeout: float) -> list[tuple[str, float, float]]:
    """(process, start, length) of the lease each crashed consumer held on the message it
    crashed with: from its last receive of it, for the queue's visibility timeout or the one
    that receive asked for."""
    found = []
    for crash in (op for op in history if op.f == Fn.CRASH and op.key):
        leases = [
            (op.time, lease_seconds(op, visibility_timeout))
            for op in history
            if op.process == crash.process
            and op.f == Fn.RECEIVE
            and op.type == OK
            and op.time <= crash.time
            and any(m["key"] == crash.key for m in op.value.get("messages", []))
        ]
        if leases:
            found.append((crash.process, *leases[-1]))
    return found


def polled_while_in_flight(history: list[Op], visibility_timeout: float) -> int:
    """Receive calls other consumers had open while a crashed consumer's message was still
    invisible: each one was a chance for later messages to overtake it (a 20 s long poll
    open across the window counts as much as many short ones)."""
    calls = receive_calls(history)
    return sum(
        1
        for crashed, start, length in crashed_leases(history, visibility_timeout)
        for process, opened, answered in calls
        if process != crashed and opened < start + length and answered > start
    )


def sent_twice(history: list[Op]) -> int:
    """Sends SQS confirmed for a message key beyond its first (a resend, or a second sender)."""
    sends: dict[str, int] = {}
    for op in history:
        if op.f == Fn.SEND and op.type == OK and op.key:
            sends[op.key] = sends.get(op.key, 0) + 1
    return sum(n - 1 for n in sends.values())


def crashes_at(history: list[Op], point: str) -> int:
    """Chaos crashes whose point mentions ``point``."""
    return sum(1 for op in history if op.f == Fn.CRASH and point in str(op.value.get("point")))
