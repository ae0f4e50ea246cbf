"""A consumer the lab did not write, judged from outside (pure).

Its history is never its own word: the operations the checker reads for it are made here
from what the endpoint witnessed (its SQS calls: receives, deletes, releases), what the
side-effect endpoint recorded (each call, each performance) and what the lab did to it
(a SIGKILL is a ``crash``, a SIGTERM a ``signal``, both named by the message whose
side-effect request the lab held at that moment). So ``queuelab.check.ledger`` and every
scenario's measures read a foreign consumer exactly as they read ours.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from queuelab.contract import external
from queuelab.contract.external import Call
from queuelab.contract.history import FAIL, INFO, INVOKE, OK, Fn, Op
from queuelab.contract.witness import Record

DELETES = ("DeleteMessage", "DeleteMessageBatch")
VISIBILITY = ("ChangeMessageVisibility", "ChangeMessageVisibilityBatch")
# An object the consumer read from or deleted in S3 (a claim-checked payload, its cleanup).
OBJECTS = {"GetObject": Fn.FETCH, "DeleteObject": Fn.CLEANUP}
# SQS refusing a receipt handle (it expired, or a later receive replaced it): a lost lease.
HANDLE_REFUSED = ("ReceiptHandleIsInvalid", "MessageNotInflight", "InvalidParameterValue")


def _outcome(record: Record, entry_ok: bool = True) -> str:
    """OK, FAIL (refused: nothing applied) or INFO (applied, the answer lost)."""
    if not record.applied or not entry_ok:
        return FAIL
    return OK if record.delivered else INFO


def _seconds(handle: Mapping[str, Any]) -> int:
    """The visibility a ChangeMessageVisibility asked for (-1: unreadable)."""
    try:
        return int(str(handle.get("visibility")))
    except ValueError:
        return -1


def _released(handle: Mapping[str, Any]) -> bool:
    return _seconds(handle) == 0


def _lease_lost(record: Record, handle: Mapping[str, Any]) -> bool:
    """SQS itself refused this handle (no fault of the lab's): its lease was lost. A batch
    entry's own error code is not witnessed; the handle is all SQS can refuse there."""
    if record.fault or handle.get("ok"):
        return False
    return record.error in HANDLE_REFUSED or (not record.error and record.op in DELETES)


def _sqs_ops(record: Record, sent_at: Mapping[str, float], keys: Mapping[str, str]) -> list[Op]:
    """``keys``: our key by MessageId, from every record (a long poll can answer with a
    message before its send's answer is recorded, so the receive's record may lack it)."""
    p, t0, t1 = record.caller, record.t0, record.t1

    def key_of(m: Mapping[str, Any]) -> str:
        return str(m.get("key") or keys.get(str(m.get("message_id", ""))) or "")

    if record.op == "ReceiveMessage":
        outcome = _outcome(record)
        value: dict[str, Any] = {"error": record.error or record.fault} if outcome != OK else {}
        if outcome == OK:
            value["messages"] = [
                {
                    "key": key_of(m) or m["message_id"],
                    "message_id": m["message_id"],
                    "receive_count": m.get("receive_count"),
                    "sent_at": sent_at.get(key_of(m), 0.0),
                }
                for m in record.messages
            ]
            if record.visibility is not None:  # its own lease length, not the queue's
                value["visibility"] = record.visibility
        return [Op(t0, p, INVOKE, Fn.RECEIVE), Op(t1, p, outcome, Fn.RECEIVE, None, value)]
    if record.op in OBJECTS and record.service == "s3":
        f, value = OBJECTS[record.op], {"bucket": record.resource}
        return [Op(t0, p, INVOKE, f, None, value), Op(t1, p, _outcome(record), f, None, value)]
    if record.op in DELETES:
        f = Fn.DELETE
        handles = record.handles
    elif record.op in VISIBILITY:
        made = []
        for h in record.handles:  # a release (0), or an extension or backoff (above 0)
            key, value = key_of(h) or None, {"message_id": h.get("message_id", "")}
            f = Fn.RELEASE if _released(h) else Fn.VISIBILITY
            if f is Fn.VISIBILITY:
                value["visibility"] = _seconds(h)
            made.append(Op(t0, p, INVOKE, f, key, value))
            made.append(Op(t1, p, _outcome(record, bool(h.get("ok"))), f, key, value))
        return made
    else:
        return []
    made = []
    for h in handles:
        key, value = key_of(h) or None, {"message_id": h.get("message_id", "")}
        made.append(Op(t0, p, INVOKE, f, key, value))
        outcome = _outcome(record, bool(h.get("ok")))
        if outcome != OK:  # why: a fault of the lab's, or SQS refusing the handle
            error = record.error or record.fault or "refused"
            value = value | {"error": error, "lease_lost": _lease_lost(record, h)}
        made.append(Op(t1, p, outcome, f, key, value))
    return made


def _call_ops(call: Call) -> list[Op]:
    """A side-effect request (POST, or a versioned PUT) as the consumer's side effect: its
    invoke when it arrived (with its idempotency key), its end when it was performed or
    refused; a replay is a skip (nothing performed); a performed PUT applies a version."""
    if call.method not in ("POST", "PUT") or not call.id:
        return []
    p, key = call.process, call.id
    asked: dict[str, Any] = {"idempotency_key": call.key}
    if call.method == "PUT":
        asked |= {"entity": call.entity, "version": call.version}
    if call.outcome == external.REPLAYED:
        skipped = asked | {"reason": "idempotency key replayed", "asked_at": call.t0}
        return [Op(call.t1, p, OK, Fn.SKIP, key, skipped)]
    invoke = Op(call.t0, p, INVOKE, Fn.SIDE_EFFECT, key, asked)
    if call.outcome != external.PERFORMED:
        failed = asked | {"error": call.outcome, "status": call.status}
        return [invoke, Op(call.t1, p, FAIL, Fn.SIDE_EFFECT, key, failed)]
    done = Op(call.performed_at, p, OK, Fn.SIDE_EFFECT, key, asked | {"status": call.status})
    if call.method != "PUT":
        return [invoke, done]
    applied = {"entity": call.entity, "version": call.version, "applied": call.applied}
    return [invoke, done, Op(call.performed_at, p, OK, Fn.APPLY, key, applied)]


def ops(
    records: Iterable[Record],
    calls: Iterable[Call],
    processes: Collection[str],
    actions: Iterable[Op] = (),
    sent_at: Mapping[str, float] | None = None,
) -> list[Op]:
    """The operations of ``processes`` (foreign consumers), in time order; ``sent_at``: the
    producer's send times by key (what SentTimestamp says to a consumer)."""
    sent = sent_at or {}
    records = list(records)
    keys = {
        str(m["message_id"]): str(m["key"]) for r in records for m in r.messages if m.get("key")
    }
    made = [op for op in actions if op.process in processes]
    made += [op for r in records if r.caller in processes for op in _sqs_ops(r, sent, keys)]
    made += [op for c in calls if c.process in processes for op in _call_ops(c)]
    return sorted(made, key=lambda op: op.time)


def performances(calls: Iterable[Call]) -> Counter[str]:
    """How many times the external system performed each id's side effect."""
    return Counter(c.id for c in calls if c.outcome == external.PERFORMED)


def side_effects(calls: Iterable[Call], subject_of: Mapping[str, str]) -> dict[str, int]:
    """Performances by subject (the order when the producer's payload names one): what the
    side-effects table holds for our consumers. An id the producer never sent is its own
    subject, so the ledger reports it as unexpected."""
    by_subject: Counter[str] = Counter()
    for key, n in performances(calls).items():
        by_subject[subject_of.get(key, key)] += n
    return dict(by_subject)


@dataclass(frozen=True)
class Activity:
    """What one foreign process did, for a diagnosis in words."""

    sqs_calls: int = 0
    receives: int = 0
    received: int = 0  # messages handed to it
    deletes: int = 0
    side_effect_calls: int = 0
    performed: int = 0

    def __str__(self) -> str:
        return (
            f"{self.sqs_calls} SQS calls ({self.receives} ReceiveMessage, {self.received} "
            f"messages received, {self.deletes} deletes), {self.side_effect_calls} "
            f"side-effect calls ({self.performed} performed)"
        )


def activity(records: Iterable[Record], calls: Iterable[Call], process: str) -> Activity:
    mine = [r for r in records if r.caller == process]
    receives = [r for r in mine if r.op == "ReceiveMessage"]
    its_calls = [c for c in calls if c.process == process]
    return Activity(
        sqs_calls=len(mine),
        receives=len(receives),
        received=sum(len(r.messages) for r in receives if r.applied),
        deletes=sum(len(r.handles) for r in mine if r.op in DELETES),
        side_effect_calls=len(its_calls),
        performed=sum(1 for c in its_calls if c.outcome == external.PERFORMED),
    )
