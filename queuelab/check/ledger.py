"""The checker: history + final state -> a ledger of what really happened (pure).

Like Jepsen's total-queue checker: what went in must come out. Messages are named by the
producer's id (the history ``key``). The side-effects table is the ground truth for what the
"external system" did; the queue and DLQ contents at the end say where the rest went.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from queuelab.check.witness import Witnessed
from queuelab.contract.history import FAIL, INFO, INVOKE, OK, Fn, Op

LEDGER_FIELDS = (
    "committed",
    "attempted",
    "acknowledged",
    "good",
    "poison",
    "delivered",
    "lost",
    "unexpected",
    "duplicate_side_effects",
    "redeliveries",
    "deleted",
    "dead_lettered",
    "stuck",
    "crashes",
    "rejected",
    "recovered",
    "early_redeliveries",
)
SAMPLE = 10  # keys listed per anomaly in the journal
# Where each count comes from: the processes' histories, the final state read after the
# run (queue, DLQ, side-effects table), or the endpoint's witness.
SOURCES = {
    "committed": "history (business events committed at their source)",
    "attempted": "history",
    "acknowledged": "history",
    "good": "history",
    "poison": "history",
    "delivered": "final state (side-effects table)",
    "lost": "history + final state",
    "unexpected": "history + final state",
    "duplicate_side_effects": "final state (side-effects table)",
    "redeliveries": "history",
    "deleted": "history",
    "dead_lettered": "final state (DLQ)",
    "stuck": "final state (queue)",
    "crashes": "history",
    "rejected": "history",
    "recovered": "history + final state (+ witness: sends whose answer was lost)",
    "early_redeliveries": "history (- witness: duplicates handed out on purpose)",
    "largest_batch": "operations (what the consumer's design met)",
    "held_past_visibility": "operations (what the consumer's design met)",
    "faults_injected": "witness",
    "ambiguous": "witness",
    "duplicate_deliveries": "witness",
    "duplicate_sends": "witness",
    "unconfirmed": "history vs witness",
    "unrecorded": "history vs witness",
}


@dataclass(frozen=True)
class Observation:
    """This run's messages left at the end, by key, and the side effects by subject."""

    queue: tuple[str, ...] = ()
    dlq: tuple[str, ...] = ()
    side_effects: dict[str, int] = field(default_factory=dict)
    strays: int = 0  # messages of other runs, ignored (real AWS purges lazily)


@dataclass(frozen=True)
class Ledger:
    committed: int = 0  # business events committed at their source (an order row, an
    # upstream event): each must reach the queue, whether or not anybody tried to send it
    attempted: int = 0  # sends invoked
    acknowledged: int = 0  # sends the queue confirmed
    good: int = 0  # acknowledged and not poison
    poison: int = 0  # acknowledged poison (including malformed bodies)
    delivered: int = 0  # messages whose side effect was performed at least once
    lost: int = 0  # acknowledged or committed, never delivered, in neither queue nor DLQ
    unexpected: int = 0  # seen (received, delivered or left over) but never sent
    duplicate_side_effects: int = 0  # performances beyond the first, per subject
    redeliveries: int = 0  # receives beyond the first, per message
    deleted: int = 0  # messages a consumer deleted (at least once)
    dead_lettered: int = 0  # in the DLQ at the end
    stuck: int = 0  # still in the source queue at the end
    crashes: int = 0
    rejected: int = 0  # reject operations (poison handling)
    recovered: int = 0  # sends that failed or timed out, yet the message arrived
    early_redeliveries: int = 0  # the backend redelivered inside the visibility timeout
    extra: dict[str, float] = field(default_factory=dict)  # scenario-specific measures
    samples: dict[str, list[str]] = field(default_factory=dict)  # some keys per anomaly

    def metrics(self) -> dict[str, float]:
        values = {name: getattr(self, name) for name in LEDGER_FIELDS}
        return values | self.extra

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def receives(history: Iterable[Op], run_id: str | None = None) -> list[tuple[Op, dict[str, Any]]]:
    """Every (receive op, message) pair, in time order; with ``run_id``, without the strays
    of other runs (real AWS purges lazily, so an earlier run's message may come through)."""
    return [
        (op, message)
        for op in history
        if op.f == Fn.RECEIVE and op.type == OK
        for message in op.value.get("messages", [])
        if not (run_id and message.get("run") and message["run"] != run_id)
    ]


def in_hand(history: Iterable[Op], process: str) -> str | None:
    """The message ``process`` has claimed and not yet done the side effect for (our
    consumer's history: a claim, then a side effect)."""
    ops = [op for op in history if op.process == process]
    done = {op.key for op in ops if op.f == Fn.SIDE_EFFECT}
    pending = [op.key for op in ops if op.f == Fn.CLAIM and op.type == OK and op.key not in done]
    return pending[-1] if pending else None


def lease_seconds(receive: Op, visibility_timeout: float) -> float:
    """How long the leases of a receive last: the VisibilityTimeout it asked for itself (the
    witness records it), else the queue's ``visibility_timeout``."""
    own = receive.value.get("visibility")
    return visibility_timeout if own is None else float(own)


def count_early_redeliveries(
    history: Iterable[Op], visibility_timeout: float, excused: frozenset[str] = frozenset()
) -> int:
    """Receives of a MessageId while an earlier receive's lease had clearly not expired.
    Only a faulty backend does that.

    The server starts a lease somewhere between a receive's invoke and its ok, so the
    interval between two receives is at most the wider of (second ok) - (first invoke) and
    (first ok) - (second invoke): the history orders receives by when their ok was written,
    and a process that wrote its ok late (frozen by SIGSTOP between the answer and the line,
    or retrying after a lost answer) may have been served before the one written first.
    Only that upper bound counts, so a slow process cannot make a redelivery look early. A release
    (ChangeMessageVisibility 0) or a retry (a new, maybe shorter, visibility) ends the lease
    from its invoke on, whatever its outcome: another consumer may get the message before
    the releasing one records the answer. Once a retry, a heartbeat or any other visibility
    change is confirmed, the lease is its visibility from its invoke: whatever value a
    consumer asks for, what follows is its own doing, never an early redelivery.
    A receive that asked for its own VisibilityTimeout leases for that long, not for the
    queue's. ``excused``: message ids the endpoint handed out again on purpose (AWS-like
    delivery).
    """
    tolerance = min(0.5, visibility_timeout / 2)
    receive_invoked: dict[str, float] = {}  # process -> its pending receive's invoke time
    changes: dict[tuple[str, str], tuple[float, float]] = {}  # (process, id) -> (at, seconds)
    # message id -> (earliest start, latest start: when its ok was written, length)
    lease_from: dict[str, tuple[float, float, float]] = {}
    early = 0
    for op in history:
        message_id = op.value.get("message_id", "")
        if op.f == Fn.RELEASE or (op.f in (Fn.RETRY, Fn.VISIBILITY) and op.type == INVOKE):
            lease_from.pop(message_id, None)
        if op.f in (Fn.RETRY, Fn.HEARTBEAT, Fn.VISIBILITY):
            if op.type == INVOKE:
                seconds = float(op.value.get("delay", op.value.get("visibility", 0)))
                changes[(op.process, message_id)] = (op.time, seconds)
            elif op.type == OK and (op.process, message_id) in changes:
                at, seconds = changes.pop((op.process, message_id))
                lease_from[message_id] = (at, op.time, seconds)
        if op.f != Fn.RECEIVE:
            continue
        if op.type == INVOKE:
            receive_invoked[op.process] = op.time
            continue
        started_at = receive_invoked.pop(op.process, op.time)
        if op.type != OK:
            continue
        for message in op.value.get("messages", []):
            message_id = message["message_id"]
            previous = lease_from.get(message_id)
            if previous is not None:
                first_start, first_ok, length = previous
                widest = max(op.time - first_start, first_ok - started_at)
                if widest < length - tolerance:
                    early += message_id not in excused
            lease_from[message_id] = (started_at, op.time, lease_seconds(op, visibility_timeout))
    return early


def compute(
    history: list[Op],
    observed: Observation,
    visibility_timeout: float,
    run_id: str | None = None,
    witnessed: Witnessed | None = None,
) -> Ledger:
    sends = [op for op in history if op.f == Fn.SEND]
    attempted = {op.key for op in sends if op.type == INVOKE and op.key}
    acknowledged = {op.key for op in sends if op.type == OK and op.key}
    unconfirmed = {op.key for op in sends if op.type in (FAIL, INFO) and op.key}
    invoked = {op.key: op.value for op in sends if op.type == INVOKE and op.key}
    subject_of = {key: str(value.get("subject") or key) for key, value in invoked.items()}
    poison = {key for key, value in invoked.items() if value.get("poison")} & acknowledged
    commits = [op for op in history if op.f == Fn.COMMIT and op.type == OK and op.key]
    committed = {op.key for op in commits if op.key}
    for op in commits:  # an event committed but never sent is named by its commit
        subject_of.setdefault(str(op.key), str(op.value.get("subject") or op.key))

    performed = {s: n for s, n in observed.side_effects.items() if n > 0}
    delivered = {key for key in attempted | committed if subject_of[key] in performed}
    in_queue, in_dlq = set(observed.queue), set(observed.dlq)
    lost = (acknowledged | committed) - delivered - in_queue - in_dlq
    arrived = delivered | in_queue | in_dlq
    answer_lost = witnessed.ambiguous_sends if witnessed else frozenset()

    received_keys = Counter(message["key"] for _, message in receives(history, run_id))
    known_subjects = set(subject_of.values())
    unexpected_keys = (set(received_keys) | in_queue | in_dlq) - attempted
    unexpected_subjects = set(performed) - known_subjects
    duplicates = {s: n - 1 for s, n in performed.items() if n > 1}

    samples: dict[str, list[str]] = defaultdict(list)
    for name, keys in (
        ("lost", lost),
        ("unexpected", unexpected_keys | unexpected_subjects),
        ("duplicate_side_effects", set(duplicates)),
        ("stuck", in_queue & attempted),
        ("dead_lettered", in_dlq & attempted),
    ):
        samples[name] = sorted(keys)[:SAMPLE]

    return Ledger(
        committed=len(committed),
        attempted=len(attempted),
        acknowledged=len(acknowledged),
        good=len(acknowledged - poison),
        poison=len(poison),
        delivered=len(delivered),
        lost=len(lost),
        unexpected=len(unexpected_keys) + len(unexpected_subjects),
        duplicate_side_effects=sum(duplicates.values()),
        redeliveries=sum(n - 1 for key, n in received_keys.items() if key in attempted),
        deleted=len({op.key for op in history if op.f == Fn.DELETE and op.type == OK} & attempted),
        dead_lettered=len(in_dlq & attempted),
        stuck=len(in_queue & attempted),
        crashes=sum(1 for op in history if op.f == Fn.CRASH),
        rejected=sum(1 for op in history if op.f == Fn.REJECT and op.type == OK),
        recovered=len(((unconfirmed - acknowledged) | answer_lost) & arrived),
        early_redeliveries=count_early_redeliveries(
            history, visibility_timeout, witnessed.injected_ids if witnessed else frozenset()
        ),
        samples={k: v for k, v in samples.items() if v},
    )
