"""The external system a foreign consumer's side effects go to: what the side-effect
endpoint does with each call (``queuelab.contract.external`` is the API), apart from HTTP.

It performs side effects (once per call; at most once per idempotency key), logs every call,
and is the lab's hand on a consumer it did not write: per caller a slowness (slow work), the
run's faults (429 / 5xx, seeded like the SQS endpoint's), a flood limit, and *triggers*,
which stop the caller at a moment the lab chooses: while its N-th side-effect request is held
before it is performed, or once it was performed and before it is answered.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from queuelab.contract import external, faults
from queuelab.contract.external import Call
from queuelab.contract.files import append_line

FLOOD_PER_SECOND = 200  # more side-effect calls than this in one second: a flood
FAULT_OPERATION = "SideEffect"  # what the run's fault spec calls a side-effect request
STATUS = {"deny": 403, "throttle": 429, "error": 500, "unavailable": 503}
Moment = Literal["before", "after"]  # held before it is performed | performed, not answered


@dataclass
class Trigger:
    """``action(id)`` runs in the request's thread at the chosen moment of the caller's
    ``at``-th request (None: the next one); it answers True when the caller is gone (its
    request is then dropped: not performed if held before)."""

    moment: Moment
    action: Callable[[str], bool]
    at: int | None = None
    fired: threading.Event = field(default_factory=threading.Event)
    id: str = ""  # the request it fired on


@dataclass
class Caller:
    name: str
    delay: float = 0.0  # seconds each side effect takes (slow work)
    log_path: Path | None = None  # the ordering log: one payload field per performance
    log_field: str = "sequence"
    triggers: list[Trigger] = field(default_factory=list)
    attempts: int = 0  # requests that reached the point of being performed
    performed: int = 0
    recent: deque[float] = field(default_factory=deque)
    flooded: int = 0  # the rate that tripped the flood limit (0: none)

    def trigger(self, moment: Moment, n: int) -> Trigger | None:
        for t in self.triggers:
            if t.moment == moment and t.at in (None, n) and not t.fired.is_set():
                return t
        return None


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without an answer


@dataclass
class ExternalSystem:
    log: Path
    payload_of: Callable[[str], dict[str, Any] | None] = lambda _id: None
    decider: faults.Decider | None = None
    on_flood: Callable[[str, int], None] = lambda _name, _rate: None
    alive: Callable[[str], bool] = lambda _name: True  # is the caller's process running?
    callers: dict[str, Caller] = field(default_factory=dict)
    performances: Counter[str] = field(default_factory=Counter)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> first result
    in_progress: set[str] = field(default_factory=set)  # keys being served
    lock: threading.Lock = field(default_factory=threading.Lock)
    closing: threading.Event = field(default_factory=threading.Event)  # cuts the work short
    serving: int = 0  # requests being served
    idle: threading.Condition = field(default_factory=threading.Condition)

    def add(self, caller: Caller) -> Caller:
        with self.lock:
            self.callers[caller.name] = caller
        return caller

    def _record(self, call: Call, answer: Answer) -> Answer:
        call.t1, call.status = time.time(), 0 if answer.drop else answer.status
        append_line(self.log, call.to_json())
        return answer

    def _flooding(self, caller: Caller, now: float) -> bool:
        caller.recent.append(now)
        while caller.recent and caller.recent[0] < now - 1.0:
            caller.recent.popleft()
        if len(caller.recent) <= FLOOD_PER_SECOND:
            return False
        first = not caller.flooded
        caller.flooded = max(caller.flooded, len(caller.recent))
        if first:
            threading.Thread(target=self.on_flood, args=(caller.name, len(caller.recent))).start()
        return True

    def get(self, process: str, id_: str) -> Answer:
        call = Call(time.time(), 0.0, process, "GET", id_)
        with self.lock:
            caller = self.callers.get(process)
            if caller is None:
                return self._record(call, Answer(404, {"error": f"unknown caller {process}"}))
            if self._flooding(caller, call.t0):
                call.outcome = external.FLOODED
                return self._record(call, Answer(429, {"error": "too many requests"}))
            n = self.performances[id_]
        call.outcome = external.FOUND if n else external.NOT_FOUND
        return self._record(call, Answer(200 if n else 404, {"id": id_, "performed": n}))

    def post(self, process: str, id_: str, key: str) -> Answer:
        call = Call(time.time(), 0.0, process, "POST", id_, key)
        with self.lock:
            caller = self.callers.get(process)
            if caller is None:
                call.outcome = external.BAD_REQUEST
                return self._record(call, Answer(404, {"error": f"unknown caller {process}"}))
            if self._flooding(caller, call.t0):
                call.outcome = external.FLOODED
                return self._record(call, Answer(429, {"error": "too many requests"}))
            if not id_:
                call.outcome = external.BAD_REQUEST
                return self._record(call, Answer(400, {"error": 'expected {"id": "..."}'}))
            if key and key in self.results:
                call.outcome = external.REPLAYED
                headers = {external.REPLAYED_HEADER: "true"}
                return self._record(call, Answer(200, self.results[key], headers))
            if key and key in self.in_progress:
                call.outcome = external.CONFLICT
                return self._record(call, Answer(409, {"error": f"{key} is in progress"}))
            fault, latency = (
                self.decider.decide(process, FAULT_OPERATION) if self.decider else (None, 0.0)
            )
            if fault in STATUS or fault == "reset":
                call.outcome = external.REFUSED
                answer = Answer(STATUS.get(str(fault), 0), {"error": fault}, drop=fault == "reset")
                return self._record(call, answer)
            if key:
                self.in_progress.add(key)
            caller.attempts += 1
            held = caller.trigger("before", caller.attempts)
        with self.idle:
            self.serving += 1
        try:
            return self._perform(caller, call, held, latency, dropped=fault == "ambiguous")
        finally:
            with self.lock:
                self.in_progress.discard(key)
            with self.idle:
                self.serving -= 1
                self.idle.notify_all()

    def drain(self, timeout: float) -> bool:
        """End the work in progress (a caller gone by then never gets its side effect) and
        wait until every request was answered and logged; False if some still run."""
        self.closing.set()
        with self.idle:
            return self.idle.wait_for(lambda: self.serving == 0, timeout)

    def _fire(self, trigger: Trigger, id_: str) -> bool:
        trigger.id = id_
        gone = trigger.action(id_)
        trigger.fired.set()
        return gone

    def _perform(
        self, caller: Caller, call: Call, held: Trigger | None, latency: float, dropped: bool
    ) -> Answer:
        if held is not None and self._fire(held, call.id):
            call.outcome = external.ABANDONED
            return self._record(call, Answer(0, {}, drop=True))
        if caller.delay + latency:  # the work before the side effect
            self.closing.wait(caller.delay + latency)
        if not self.alive(caller.name):  # it died during the work: no side effect
            call.outcome = external.ABANDONED
            return self._record(call, Answer(0, {}, drop=True))
        with self.lock:
            self.performances[call.id] += 1
            caller.performed += 1
            n = self.performances[call.id]
            result = {"id": call.id, "performed": n, "result": f"{call.id}#{n}"}
            if call.key:
                self.results[call.key] = result
            after = caller.trigger("after", caller.performed)
            call.outcome, call.performed_at = external.PERFORMED, time.time()
            if caller.log_path is not None:
                payload = self.payload_of(call.id) or {}
                append_line(caller.log_path, str(payload.get(caller.log_field)))
        if after is not None and self._fire(after, call.id):
            dropped = True
        return self._record(call, Answer(200, result, drop=dropped))
