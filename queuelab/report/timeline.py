"""What the report draws, computed from a run directory (pure): one row per message with its
leases (each receive across its visibility window) and marks (side effects, deletes,
rejects, crashes...), and the queue's counts over time. Times are seconds since the run
started."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace

from queuelab.contract.history import FAIL, INFO, INVOKE, OK, Fn, Op
from queuelab.report import explain
from queuelab.report.rundir import RunDir
from queuelab.run.events import Kind

ROWS = 60  # most messages drawn; the rest are summed up
SAMPLED_AT_LEAST = 10  # rows kept for a sample of the unflagged, however many are flagged
# Flags, most serious first: what the ledger counts as an anomaly, then what the lesson is.
ANOMALIES = ("duplicate", "lost", "unexpected", "stuck", "early redelivery")
NOTABLE = ("concurrent", "dead-lettered", "redelivered", "rejected", "crashed", "released")
DLQ_MOVE = "to the DLQ"
VISIBILITY_CHANGES = (Fn.HEARTBEAT, Fn.RETRY, Fn.VISIBILITY)  # a new lease length
# Operations drawn as marks: (function, history type) -> mark name.
MARKS: dict[tuple[Fn, str], str] = {
    (Fn.SEND, OK): "sent",
    (Fn.SIDE_EFFECT, OK): "side effect",
    (Fn.DELETE, OK): "delete",
    (Fn.DELETE, FAIL): "delete failed",
    (Fn.REJECT, OK): "reject",
    (Fn.SKIP, OK): "skip",
    (Fn.RELEASE, INVOKE): "release",
    (Fn.HEARTBEAT, OK): "extend",
    (Fn.VISIBILITY, OK): "visibility",
    (Fn.RETRY, OK): "retry later",
    (Fn.CRASH, INFO): "crash",
    (Fn.SIGNAL, OK): "signal",
}


@dataclass(frozen=True)
class Lease:
    """One receive: the message invisible to others from ``start`` to ``end``."""

    start: float
    end: float
    process: str
    receive_count: int
    ended_by: str  # delete, release, expired, "deleted by NAME"
    worked_until: float  # the process's last operation on the message under this receive


@dataclass(frozen=True)
class Mark:
    t: float
    kind: str
    process: str
    detail: str = ""


@dataclass
class MessageRow:
    key: str
    leases: list[Lease] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    sent: float | None = None

    @property
    def label(self) -> str:
        return self.key[:8]

    @property
    def anomalous(self) -> bool:
        return any(flag in ANOMALIES for flag in self.flags)

    @property
    def notable(self) -> bool:
        return bool(self.flags)


@dataclass(frozen=True)
class MessageTimeline:
    rows: list[MessageRow]  # the ones drawn
    total: int  # messages in the run
    flagged: int  # messages with a flag
    processes: list[str]  # consumers (and the producer), in order of appearance
    end: float

    @property
    def sampled(self) -> bool:
        return len(self.rows) < self.total

    def caption(self) -> str:
        if not self.sampled:
            return f"all {self.total} messages"
        shown_flagged = sum(1 for r in self.rows if r.notable)
        return (
            f"{len(self.rows)} of {self.total} messages: {shown_flagged} of the {self.flagged} "
            f"with an anomaly or a redelivery, and an even sample of the others"
        )


def _leases(ops: list[Op], visibility: float, t0: float) -> dict[str, list[Lease]]:
    """Each receive's lease: ended by a delete (the message is gone, whoever deleted it),
    by that process's release, else expired after the visibility timeout, or after the
    visibility its holder last set (a heartbeat, a retry's backoff, any change the endpoint
    saw). A lease also says until when its process worked on the message (up to its next
    receive of it)."""
    leases: dict[str, list[Lease]] = defaultdict(list)
    open_: dict[tuple[str, str], tuple[float, int, float]] = {}  # start, count, expires

    def close(key: str, process: str, at: float, how: str) -> None:
        start, count, expires = open_.pop((key, process))
        if at > expires:
            at, how = expires, "expired"
        leases[key].append(Lease(start - t0, at - t0, process, count, how, start - t0))

    for op in ops:
        if op.f == Fn.RECEIVE and op.type == OK:
            for message in op.value.get("messages", []):
                key = str(message.get("key") or message.get("message_id"))
                if (key, op.process) in open_:
                    close(key, op.process, op.time, "expired")
                count = int(message.get("receive_count") or 1)
                open_[(key, op.process)] = (op.time, count, op.time + visibility)
        elif op.key and op.f == Fn.DELETE and op.type == OK:
            for key, process in [held for held in open_ if held[0] == op.key]:
                how = "delete" if process == op.process else f"deleted by {op.process}"
                close(key, process, op.time, how)
        elif op.f == Fn.RELEASE and op.type == INVOKE and (op.key, op.process) in open_:
            close(str(op.key), op.process, op.time, "release")
        elif op.f in VISIBILITY_CHANGES and op.type == OK and (op.key, op.process) in open_:
            start, count, _ = open_[(str(op.key), op.process)]
            seconds = float(op.value.get("delay", op.value.get("visibility", visibility)))
            open_[(str(op.key), op.process)] = (start, count, op.time + seconds)
    for key, process in list(open_):
        close(key, process, open_[(key, process)][2], "expired")
    by_key: dict[str, list[Op]] = defaultdict(list)
    for op in ops:
        if op.key and op.f != Fn.RECEIVE:
            by_key[op.key].append(op)
    return {key: _with_work(sorted(found, key=lambda x: x.start), by_key[key], t0)
            for key, found in leases.items()}  # fmt: skip


def _with_work(leases: list[Lease], ops: list[Op], t0: float) -> list[Lease]:
    """Each lease's ``worked_until``: its process's last operation on the message before
    that process received it again."""
    worked = [lease.start for lease in leases]
    for op in ops:  # the message's own, receives aside
        at = op.time - t0
        mine = [i for i, lease in enumerate(leases) if lease.process == op.process]
        before = [i for i in mine if leases[i].start <= at]
        if before:
            worked[before[-1]] = max(worked[before[-1]], at)
    return [replace(lease, worked_until=w) for lease, w in zip(leases, worked, strict=True)]


def _overlaps(leases: list[Lease], work: bool) -> bool:
    """Another process received the message while one still held its lease (an early
    redelivery: only a faulty backend does that) or, with ``work``, while one still worked
    on it after its lease expired."""
    return any(
        b.start < (max(a.end, a.worked_until) if work else a.end) - 0.01 and a.process != b.process
        for i, a in enumerate(leases)
        for b in leases[i + 1 :]
    )


def _flags(run: RunDir, rows: dict[str, MessageRow], ops: list[Op]) -> None:
    observed = run.journal.get("observation") or {}
    samples = run.journal.get("ledger", {}).get("samples", {})
    queue = set(observed.get("queue", samples.get("stuck", [])))
    dlq = set(observed.get("dlq", samples.get("dead_lettered", [])))
    subjects = {op.key: str(op.value.get("subject") or op.key) for op in ops if op.f == Fn.SEND}
    acknowledged = {op.key for op in ops if op.f == Fn.SEND and op.type == OK}
    if "side_effects" in observed:
        performed = Counter({s: int(n) for s, n in observed["side_effects"].items()})
    else:  # an older journal: the history's count of performances
        performed = Counter(
            str(op.value.get("subject")) for op in ops if op.f == Fn.SIDE_EFFECT and op.type == OK
        )
    for key, row in rows.items():
        subject = subjects.get(key, key)
        checks = {
            "duplicate": performed.get(subject, 0) > 1,
            "lost": key in acknowledged and not performed.get(subject) and key not in queue | dlq,
            "unexpected": key not in subjects,
            "stuck": key in queue,
            "early redelivery": _overlaps(row.leases, work=False),
            "concurrent": _overlaps(row.leases, work=True),
            "dead-lettered": key in dlq,
            "redelivered": len(row.leases) > 1,
            "rejected": any(m.kind == "reject" for m in row.marks),
            "crashed": any(m.kind == "crash" for m in row.marks),
            "released": any(lease.ended_by == "release" for lease in row.leases),
        }
        row.flags = [flag for flag in (*ANOMALIES, *NOTABLE) if checks[flag]]
    explain.as_the_ledger_says(run.journal, rows.values())


def _choose(rows: list[MessageRow], limit: int) -> list[MessageRow]:
    """Flagged rows (anomalies first), leaving room for an even sample of the rest, shown in
    send order."""
    if len(rows) <= limit:
        return rows
    rest = [r for r in rows if not r.notable]
    room_for_flagged = limit - min(len(rest), SAMPLED_AT_LEAST)
    flagged = sorted(
        (r for r in rows if r.notable), key=lambda r: (not r.anomalous, r.sent or 0.0)
    )[:room_for_flagged]
    room = limit - len(flagged)
    step = len(rest) / room if room > 0 else 0
    sample = [rest[int(i * step)] for i in range(room)] if room > 0 and rest else []
    chosen = {id(r) for r in flagged + sample}
    return [r for r in rows if id(r) in chosen]


def message_timeline(run: RunDir, limit: int = ROWS) -> MessageTimeline:
    t0 = run.start
    ops = [op for op in run.ops if op.f != Fn.STRAY]
    rows: dict[str, MessageRow] = {}
    processes: list[str] = []
    for op in ops:
        if op.process not in processes and op.f != Fn.SEND:
            processes.append(op.process)
        if op.f == Fn.SEND and op.type == INVOKE and op.key:
            rows.setdefault(op.key, MessageRow(op.key)).sent = op.time - t0
    for key, found in _leases(ops, run.visibility_timeout, t0).items():
        rows.setdefault(key, MessageRow(key)).leases = found
    for op in ops:
        kind = MARKS.get((op.f, op.type))
        if kind and op.key and op.key in rows:
            detail = str(op.value.get("reason") or op.value.get("point") or "")
            rows[op.key].marks.append(Mark(op.time - t0, kind, op.process, detail))
    _flags(run, rows, ops)
    for row in rows.values():  # the move to the DLQ: after its last window, by the queue
        if "dead-lettered" in row.flags and row.leases:
            moved = Mark(row.leases[-1].end, DLQ_MOVE, "the queue", "maxReceiveCount reached")
            row.marks.append(moved)
    ordered = sorted(rows.values(), key=lambda r: (r.sent is None, r.sent or 0.0, r.key))
    end = max((op.time - t0 for op in ops), default=0.0)
    end = max([end] + [lease.end for r in ordered for lease in r.leases])
    return MessageTimeline(
        rows=_choose(ordered, limit),
        total=len(ordered),
        flagged=sum(1 for r in ordered if r.notable),
        processes=processes,
        end=end,
    )


@dataclass(frozen=True)
class QueueSeries:
    """The queue over time: sampled counts, and from the histories the completions (deletes)
    and the producer's sends per second."""

    t: list[float] = field(default_factory=list)
    visible: list[int] = field(default_factory=list)
    in_flight: list[int] = field(default_factory=list)
    delayed: list[int] = field(default_factory=list)
    dlq: list[int] = field(default_factory=list)
    consumers: list[int] = field(default_factory=list)
    completed_t: list[float] = field(default_factory=list)  # each delete, cumulative
    sent_per_second: dict[int, int] = field(default_factory=dict)  # second -> sends
    phases: list[tuple[str, float, float]] = field(default_factory=list)  # name, start, end
    redrives: list[float] = field(default_factory=list)
    faults: list[tuple[float, str]] = field(default_factory=list)  # injected: when, what

    @property
    def sampled(self) -> bool:
        return bool(self.t)


def queue_series(run: RunDir) -> QueueSeries:
    t0 = run.start
    samples = run.of_kind(Kind.SAMPLE)
    series = QueueSeries(
        t=[e.time - t0 for e in samples],
        visible=[int(e.values.get("visible", 0)) for e in samples],
        in_flight=[int(e.values.get("in_flight", 0)) for e in samples],
        delayed=[int(e.values.get("delayed", 0)) for e in samples],
        dlq=[int(e.values.get("dlq", 0)) for e in samples],
        consumers=[int(e.values.get("consumers", 0)) for e in samples],
        completed_t=sorted(op.time - t0 for op in run.ops if op.f == Fn.DELETE and op.type == OK),
        sent_per_second=dict(
            Counter(int(op.time - t0) for op in run.ops if op.f == Fn.SEND and op.type == OK)
        ),
        redrives=[e.time - t0 for e in run.of_kind(Kind.REDRIVE)],
        faults=[
            (float(at) - t0, f"{fault} on {call} ({who})")
            for at, who, call, fault in run.journal.get("faults", {}).get("schedule") or []
        ],
    )
    marks = [(str(e.values.get("name")), e.time - t0) for e in run.of_kind(Kind.PHASE)]
    verdicts = run.of_kind(Kind.VERDICT)
    last = verdicts[-1].time - t0 if verdicts else (marks[-1][1] if marks else 0.0)
    for (name, start), (_, end) in zip(marks, [*marks[1:], ("", last)], strict=False):
        series.phases.append((name, start, end))
    return series
