"""What the lease scenarios (heartbeat, lease-expiry, check-then-act) read in a history:
who held each message when, and the idempotency claims taken on each dedupe key."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from queuelab.contract.history import INVOKE, OK, Fn, Op


@dataclass(frozen=True)
class ClaimAttempt:
    process: str
    message: str  # the message's key
    key: str  # the dedupe key claimed
    started: float  # its invoke: before the check
    ended: float  # its answer: after the write
    outcome: str


def claim_attempts(history: list[Op]) -> dict[str, list[ClaimAttempt]]:
    """Every claim with an answer, by dedupe key, in the order they started."""
    started: dict[str, float] = {}  # process -> its pending claim's invoke
    attempts: dict[str, list[ClaimAttempt]] = defaultdict(list)
    for op in history:
        if op.f != Fn.CLAIM:
            continue
        if op.type == INVOKE:
            started[op.process] = op.time
        elif op.type == OK:
            key = str(op.value.get("dedupe_key") or op.key)
            at = started.pop(op.process, op.time)
            attempts[key].append(
                ClaimAttempt(
                    op.process, str(op.key), key, at, op.time, str(op.value.get("outcome"))
                )
            )
    for claims in attempts.values():
        claims.sort(key=lambda c: c.started)
    return attempts


def first_receives(history: list[Op]) -> dict[str, tuple[str, float]]:
    """Who received each message first, and when it asked (the lease began after that)."""
    asked: dict[str, float] = {}
    first: dict[str, tuple[str, float]] = {}
    for op in history:
        if op.f == Fn.RECEIVE and op.type == INVOKE:
            asked[op.process] = op.time
        elif op.f == Fn.RECEIVE and op.type == OK:
            for message in op.value.get("messages", []):
                first.setdefault(message["key"], (op.process, asked.get(op.process, op.time)))
    return first


def first_op(history: list[Op], process: str, key: str, f: Fn, type_: str) -> float | None:
    """When ``process`` first recorded ``f`` / ``type_`` for the message ``key``."""
    return next(
        (
            op.time
            for op in history
            if op.process == process and op.key == key and op.f == f and op.type == type_
        ),
        None,
    )


def polls_by_others(history: list[Op], process: str, start: float, end: float) -> int:
    """Receives other processes completed between ``start`` and ``end``."""
    return sum(
        1
        for op in history
        if op.f == Fn.RECEIVE and op.type == OK and op.process != process
        and start < op.time < end
    )  # fmt: skip


def consumers_polling(history: list[Op], names: list[str]) -> bool:
    """Every one of ``names`` has asked for messages at least once."""
    polling = {op.process for op in history if op.f == Fn.RECEIVE}
    return all(name in polling for name in names)
