"""What the lease scenarios (heartbeat, lease-expiry, check-then-act) read in a history:
who held each message when, and the claims taken on each key. Our consumer claims in its
status table (``claim`` operations); a consumer judged from outside claims through the
side-effect endpoint: each request with an ``Idempotency-Key`` is a claim on that key (409:
held by another; performed: acquired; replayed: done before), and a request without one
claims nothing but its message's subject, so two of them for one order are two winners."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from queuelab.contract.history import INFO, INVOKE, OK, Fn, Op
from queuelab.contract.producer_knobs import ProducerKnobs

SUBMIT_GAP = 0.2  # seconds between the two copies of a double submit


def double_submit(orders: int) -> ProducerKnobs:
    """Each order sent twice, one message a send, ``SUBMIT_GAP`` apart: the first copy wakes
    one waiting consumer alone, the second finds it busy and goes to another."""
    return ProducerKnobs(n=2 * orders, order_ids=orders, batch_size=1, rate=1 / SUBMIT_GAP)


@dataclass(frozen=True)
class ClaimAttempt:
    process: str
    message: str  # the message's key
    key: str  # the dedupe key claimed
    started: float  # its invoke: before the check
    ended: float  # its answer: after the write
    outcome: str
    taken: float  # when it held the key: our claim's answer; a request's arrival (the
    # endpoint marks its key in progress then, and holds it until it answers)


# A side-effect request's outcome, as a claim on its key (``queuelab.contract.external``).
REQUEST_CLAIMS = {"conflict": "held", "abandoned": "acquired"}


def claim_attempts(history: list[Op]) -> dict[str, list[ClaimAttempt]]:
    """Every claim with an answer, by the key claimed, in the order they started: our
    consumer's claims, and a foreign consumer's side-effect requests."""
    started: dict[str, float] = {}  # process -> its pending claim's invoke
    asked: dict[tuple[str, str | None], float] = {}  # a request's arrival, by process and id
    subject = {op.key: str(op.value.get("subject") or op.key) for op in history
               if op.f == Fn.SEND and op.type == INVOKE}  # fmt: skip
    attempts: dict[str, list[ClaimAttempt]] = defaultdict(list)

    def claimed(op: Op, at: float, outcome: str) -> None:
        key = str(op.value.get("idempotency_key") or subject.get(op.key) or op.key)
        claim = ClaimAttempt(op.process, str(op.key), key, at, op.time, outcome, taken=at)
        attempts[key].append(claim)

    for op in history:
        if op.f == Fn.CLAIM and op.type == INVOKE:
            started[op.process] = op.time
        elif op.f == Fn.CLAIM and op.type == OK:
            key = str(op.value.get("dedupe_key") or op.key)
            at = started.pop(op.process, op.time)
            outcome = str(op.value.get("outcome"))
            claim = ClaimAttempt(op.process, str(op.key), key, at, op.time, outcome, op.time)
            attempts[key].append(claim)
        elif op.f == Fn.SIDE_EFFECT and "idempotency_key" in op.value:  # from outside
            if op.type == INVOKE:
                asked[(op.process, op.key)] = op.time
            elif op.type != INFO:
                at = asked.pop((op.process, op.key), op.time)
                error = str(op.value.get("error", ""))
                claimed(op, at, "acquired" if op.type == OK else REQUEST_CLAIMS.get(error, error))
        elif op.f == Fn.SKIP and "idempotency_key" in op.value:  # a replay: done before
            claimed(op, float(op.value.get("asked_at", op.time)), "completed")
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


def polls_by_others(history: list[Op], process: str, start: float, end: float) -> int:
    """Receive calls of other processes open at some moment between ``start`` and ``end``:
    each was a chance to be handed the message, however long it waited (a long poll open
    during the window counts, whenever it returned)."""
    opened: dict[str, float] = {}
    chances = 0
    for op in history:
        if op.f != Fn.RECEIVE or op.process == process:
            continue
        if op.type == INVOKE:
            opened[op.process] = op.time
        elif op.process in opened:
            chances += opened.pop(op.process) < end and op.time > start
    return chances


def work_ended(history: list[Op], process: str, key: str) -> float | None:
    """When ``process``'s first side effect for the message ``key`` ended (performed or
    refused): its work up to the side effect was done by then, whoever wrote it (our
    consumer works before it asks; a slow endpoint works between request and answer)."""
    return next(
        (
            op.time
            for op in history
            if op.process == process and op.key == key and op.f == Fn.SIDE_EFFECT
            and op.type != INVOKE
        ),
        None,
    )  # fmt: skip


def consumers_polling(history: list[Op], names: list[str], receiving: set[str]) -> bool:
    """Every one of ``names`` has asked for messages at least once: a receive in the history,
    or one under way that it does not show yet (``receiving``: a long poll from outside)."""
    polling = {op.process for op in history if op.f == Fn.RECEIVE} | receiving
    return all(name in polling for name in names)
