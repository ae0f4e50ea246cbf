"""What the server witnessed, against what the processes wrote about themselves (pure).

The histories are the processes' own word; the witness (``queuelab.contract.witness``) is the
endpoint's. A process that claims an operation the server never applied is ``unconfirmed``;
an operation the server applied and answered that no history mentions is ``unrecorded``.
Either means the histories cannot be trusted for that run. The witness also counts what
only it can see: injected faults, ambiguous outcomes (applied, the answer lost), messages
handed out twice on purpose, and extra copies a queue stored for one message (a send
retried after its answer was lost).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from queuelab.contract.history import OK, Fn, Op
from queuelab.contract.witness import LAB_CALLER, Record

SAMPLE = 10
# Whatever the scenario, when a witness exists: the histories agree with it.
AGREES = ("unconfirmed", "unrecorded")
METRICS = (
    "faults_injected",
    "ambiguous",
    "duplicate_deliveries",
    "duplicate_sends",
    "unconfirmed",
    "unrecorded",
)


@dataclass(frozen=True)
class Witnessed:
    faults_injected: int = 0  # requests that met a fault (added latency not counted)
    ambiguous: int = 0  # applied, then the connection dropped: the caller cannot know
    duplicate_deliveries: int = 0  # messages a receive handed out again on purpose
    duplicate_sends: int = 0  # extra copies the queue stored for one message key
    unconfirmed: int = 0  # claimed by a history, never applied by the server
    unrecorded: int = 0  # applied and answered by the server, in no history
    injected_ids: frozenset[str] = frozenset()  # message ids handed out again on purpose
    ambiguous_sends: frozenset[str] = frozenset()  # keys stored by a send whose answer was lost
    faults: dict[str, int] = field(default_factory=dict)  # by kind
    schedule: list[tuple[float, str, str, str]] = field(default_factory=list)
    samples: dict[str, list[str]] = field(default_factory=dict)

    def metrics(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in METRICS}


def _history_sets(history: Iterable[Op]) -> dict[str, dict[str, set[str]]]:
    """Per process: keys sent ok / invoked, message ids deleted ok / invoked, received."""
    sets: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for op in history:
        mine = sets[op.process]
        if op.f == Fn.SEND and op.key:
            mine["send_invoked"].add(op.key)
            if op.type == OK:
                mine["sent"].add(op.key)
        elif op.f == Fn.DELETE:
            message_id = str(op.value.get("message_id", ""))
            mine["delete_invoked"].add(message_id)
            if op.type == OK:
                mine["deleted"].add(message_id)
        elif op.f == Fn.RECEIVE and op.type == OK:
            mine["received"] |= {m["message_id"] for m in op.value.get("messages", [])}
    return sets


def _server_sets(records: Iterable[Record]) -> dict[str, dict[str, set[str]]]:
    sets: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for r in records:
        if not r.applied:
            continue
        mine = sets[r.caller]
        if r.op in ("SendMessage", "SendMessageBatch"):
            stored = {m["key"] for m in r.messages if m.get("key")}
            mine["sent"] |= stored
            if r.delivered:
                mine["sent_answered"] |= stored
        elif r.op in ("DeleteMessage", "DeleteMessageBatch"):
            done = {h["message_id"] for h in r.handles if h.get("ok") and h.get("message_id")}
            mine["deleted"] |= done
            if r.delivered:
                mine["deleted_answered"] |= done
        elif r.op == "ReceiveMessage" and r.delivered:
            mine["received"] |= {m["message_id"] for m in r.messages}
    return sets


def _within_last_receive(missing: set[str], process: str, records: Iterable[Record]) -> bool:
    """Whether the received messages missing from a process's history were all handed out by
    its last receive (the one in flight when it died)."""
    receives = [
        r
        for r in records
        if r.caller == process and r.op == "ReceiveMessage" and r.applied and r.delivered
    ]
    last = max(receives, key=lambda r: r.t0, default=None)
    return last is not None and missing <= {m["message_id"] for m in last.messages}


def summarize(
    records: list[Record],
    history: list[Op],
    killed: Iterable[str] = (),
    foreign: Iterable[str] = (),
    crashed: Iterable[str] = (),
) -> Witnessed:
    """``killed``: processes ended by SIGKILL, which may die between a response and the
    line that records it (their receives are not held against them). ``crashed``: processes
    that exited at a chaos crash point; with a pool, the crash can come while another of
    their threads waits for a receive, so the messages of their last receive may be missing
    from their history (no more). ``foreign``: processes the lab did not write,
    whose operations are made from the witness itself: they are not held against it (their
    faults and duplicate deliveries still count)."""
    killed, crashed = set(killed), set(crashed)
    ours = [r for r in records if r.caller != LAB_CALLER]
    told, seen = _history_sets(history), _server_sets(ours)
    unconfirmed: set[str] = set()
    unrecorded: set[str] = set()
    for process in (set(told) | set(seen)) - set(foreign):
        said, did = told.get(process, {}), seen.get(process, {})
        for claim, applied in (("sent", "sent"), ("deleted", "deleted"), ("received", "received")):
            unconfirmed |= {
                f"{process} {claim} {x}" for x in said.get(claim, set()) - did.get(applied, set())
            }
        for answered, invoked in (
            ("sent_answered", "send_invoked"),
            ("deleted_answered", "delete_invoked"),
        ):
            unrecorded |= {
                f"{process} {answered} {x}"
                for x in did.get(answered, set()) - said.get(invoked, set())
            }
        missing = did.get("received", set()) - said.get("received", set())
        if process in crashed and _within_last_receive(missing, process, ours):
            missing = set()
        if process not in killed:
            unrecorded |= {f"{process} received {x}" for x in missing}

    stored: dict[str, set[str]] = defaultdict(set)
    ambiguous_sends: set[str] = set()
    for r in ours:
        if r.applied and r.op in ("SendMessage", "SendMessageBatch"):
            for m in r.messages:
                stored[m["key"]].add(m["message_id"])
                if not r.delivered:
                    ambiguous_sends.add(m["key"])
    injected = [i for r in ours for i in r.injected]
    faults: dict[str, int] = defaultdict(int)
    for r in ours:
        if r.fault and r.fault != "latency":
            faults[r.fault] += 1
    duplicates = {key for key, ids in stored.items() if len(ids) > 1}
    return Witnessed(
        faults_injected=sum(faults.values()),
        ambiguous=faults.get("ambiguous", 0),
        duplicate_deliveries=len(injected),
        duplicate_sends=sum(len(stored[key]) - 1 for key in duplicates),
        unconfirmed=len(unconfirmed),
        unrecorded=len(unrecorded),
        injected_ids=frozenset(injected),
        ambiguous_sends=frozenset(ambiguous_sends),
        faults=dict(faults),
        schedule=[(round(r.t0, 3), r.caller, r.op, r.fault) for r in ours if r.fault],
        samples={
            name: sorted(items)[:SAMPLE]
            for name, items in (
                ("unconfirmed", unconfirmed),
                ("unrecorded", unrecorded),
                ("duplicate_sends", duplicates),
            )
            if items
        },
    )
