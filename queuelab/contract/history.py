"""The history of a run: every operation as ``invoke`` then ``ok`` / ``fail`` / ``info``.

Each process appends JSON lines to its own file in the run's ``history/`` directory. A line
is written with a single ``os.write`` on an ``O_APPEND`` descriptor, so a process that
crashes (``os._exit``) right after recording loses nothing.

    {"time": 1700000000.123, "process": "consumer-1", "type": "ok", "f": "delete",
     "key": "6f1c...", "value": {"message_id": "..."}}

``type`` is one of INVOKE / OK / FAIL / INFO (info: outcome unknown, e.g. a timeout).
``f`` is one of the operations of ``Fn``. ``key`` is the producer's id for the message
(``queuelab-id``), or null.

Reading a history, a line cut short (a process killed mid-write) is skipped; a whole line
naming an operation that ``Fn`` does not know is an error (``UnknownOperation``): it was
written by another version of the lab or by a process with a typo, and skipping it would
judge the run on a history with operations missing.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

INVOKE, OK, FAIL, INFO = "invoke", "ok", "fail", "info"
TYPES = (INVOKE, OK, FAIL, INFO)


class Fn(StrEnum):
    """The operations a process records (equal to their strings in the history)."""

    SEND = "send"  # producer: value {subject, poison, payload}; ok {message_id}
    RECEIVE = "receive"  # ok {messages: [{key, message_id, receive_count, run, sent_at}]}
    STRAY = "stray"  # a message of another run, deleted unprocessed
    CLAIM = "claim"  # invoke {dedupe_key} then ok {outcome, holder, dedupe_key}
    SKIP = "skip"  # ok {reason}: no side effect needed (done before, held elsewhere)
    SIDE_EFFECT = "side_effect"  # invoke then ok {subject}
    APPLY = "apply"  # ok {entity, version, applied}: a versioned update
    REJECT = "reject"  # ok {reason, receive_count}: not deleted, left for the redrive policy
    LEAVE = "leave"  # ok {reason}: an error on the way; not deleted, it comes back later
    DELETE = "delete"  # invoke then ok / fail {message_id}
    RELEASE = "release"  # visibility 0 (graceful stop): invoke then ok / fail {message_id}
    CRASH = "crash"  # info {point}: a chaos crash, the process exits at once
    SIGNAL = "signal"  # ok {signal, count}; key: the message in hand, if any
    EXIT = "exit"  # ok {handled} (graceful) or info {reason} (immediate)
    # The pipeline's processes (``python -m pipeline``) and the claim check:
    COMMIT = "commit"  # ok {subject}: a business event committed at its source (an order
    # row, an upstream event), which must reach the queue: the ledger counts it as sent
    FETCH = "fetch"  # invoke then ok {bytes} / fail: a claim-checked payload read from S3
    CLEANUP = "cleanup"  # ok {object}: a claim-checked payload deleted after its message
    MARK = "mark"  # invoke then ok / fail: an outbox item marked sent (relay)
    PAGE = "page"  # ok {start, events, last}: a page read from an upstream feed (poller)
    CURSOR = "cursor"  # invoke then ok / fail {value}: the poller's cursor written
    LOCK = "lock"  # ok {outcome: acquired | renewed | held | lost | released, holder}
    ALERT = "alert"  # ok {message_id, error}: the DLQ watcher saw a dead letter
    READ = "read"  # ok {subject, state}: an order payload read by a schema reader
    # Visibility changes that extend or reschedule a lease (ChangeMessageVisibility).
    HEARTBEAT = "heartbeat"  # invoke {message_id, visibility} then ok / fail {error}
    RETRY = "retry"  # invoke {message_id, receive_count, delay, ceiling} then ok / fail
    # A consumer judged from outside: a ChangeMessageVisibility to a value above 0, as the
    # endpoint saw it (an extension or a backoff: only the consumer knows which).
    VISIBILITY = "visibility"  # invoke {message_id, visibility} then ok / fail
    # The Lambda service on loopback (``python -m queuelab.esm``, queuelab/esm/):
    INVOCATION = "invocation"  # invoke {request_id, environment, cold, keys, message_ids}
    # then ok {shape, deleted, returned, overtaken} / fail {error_type, returned}
    ENVIRONMENT = "environment"  # ok {event: start, environment, pid} / info {event: kill,
    # environment, reason}: an execution environment started cold, or killed


OPERATIONS: dict[str, Fn] = {f.value: f for f in Fn}  # by the name a history line gives


class UnknownOperation(ValueError):
    """A history line whose ``f`` is not an operation of ``Fn``."""

    def __init__(self, name: object, line: str, path: Path | None = None) -> None:
        where = f"{path}: " if path else ""
        known = ", ".join(OPERATIONS)
        super().__init__(
            f"{where}history line names an unknown operation {name!r} (known: {known}): "
            f"{line[:200]}"
        )
        self.name = name
        self.line = line


def operation(name: object, line: str = "") -> Fn:
    """The operation a history line names; ``UnknownOperation`` if ``Fn`` has none by it."""
    f = OPERATIONS.get(name) if isinstance(name, str) else None
    if f is None:
        raise UnknownOperation(name, line)
    return f


@dataclass(frozen=True)
class Op:
    time: float
    process: str
    type: str
    f: Fn
    key: str | None = None
    value: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(
            {
                "time": self.time,
                "process": self.process,
                "type": self.type,
                "f": self.f,
                "key": self.key,
                "value": self.value,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, line: str) -> Op:
        data = json.loads(line)
        if data.get("type") not in TYPES:
            raise ValueError(f"history line has an unknown type: {line[:200]}")
        return cls(
            time=float(data["time"]),
            process=str(data["process"]),
            type=data["type"],
            f=operation(data["f"], line),
            key=data.get("key"),
            value=data.get("value") or {},
        )


class History:
    """Appends one process's operations to ``path``; with no path it writes nothing. Each
    operation also goes to the observers ``watch`` added (the consumer's metrics)."""

    def __init__(self, path: Path | str | None, process: str) -> None:
        self.process = process
        self._fd: int | None = None
        self._observers: list[Callable[[Op], None]] = []
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def watch(self, observer: Callable[[Op], None]) -> None:
        self._observers.append(observer)

    def record(self, type_: str, f: Fn, key: str | None = None, **value: Any) -> None:
        if self._fd is None and not self._observers:
            return
        op = Op(time.time(), self.process, type_, f, key, value)
        for observer in self._observers:
            observer(op)
        if self._fd is not None:
            os.write(self._fd, (op.to_json() + "\n").encode())

    def invoke(self, f: Fn, key: str | None = None, **value: Any) -> None:
        self.record(INVOKE, f, key, **value)

    def ok(self, f: Fn, key: str | None = None, **value: Any) -> None:
        self.record(OK, f, key, **value)

    def fail(self, f: Fn, key: str | None = None, **value: Any) -> None:
        self.record(FAIL, f, key, **value)

    def info(self, f: Fn, key: str | None = None, **value: Any) -> None:
        self.record(INFO, f, key, **value)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def read(paths: Iterable[Path]) -> list[Op]:
    """All operations of a run, in time order. A torn last line (killed mid-write) is skipped;
    a line naming an unknown operation raises ``UnknownOperation``."""
    ops: list[Op] = []
    for path in paths:
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            try:
                ops.append(Op.from_json(line))
            except UnknownOperation as err:
                raise UnknownOperation(err.name, line, path) from None
            except (ValueError, KeyError):
                continue
    return sorted(ops, key=lambda op: op.time)


def read_dir(directory: Path) -> list[Op]:
    return read(sorted(directory.glob("*.jsonl")))


OPERATIONS_FILE = "operations.jsonl"  # every operation the checker read, in a run directory


def write_all(path: Path, ops: Iterable[Op]) -> None:
    """Write ``ops`` as one file (what the checker read: the report draws the same)."""
    path.write_text("".join(op.to_json() + "\n" for op in ops))
