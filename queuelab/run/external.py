"""The external system a foreign consumer's side effects go to: what the side-effect
endpoint does with each call (``queuelab.contract.external`` is the API), apart from HTTP.

It performs side effects (once per call; at most once per idempotency key), keeps each
entity's version (a PUT applies only a newer one), logs every call, and is the lab's hand on
a consumer it did not write: per caller a slowness (slow work, a stall once), an outage
window (503 from its first request on, for a while), a bug (marked payloads fail after
their side effect), the run's faults (429 / 5xx, seeded like the SQS endpoint's), a flood
limit, and *triggers*, which stop the caller at a moment the lab chooses: while its N-th
side-effect request is held before it is performed, or once it was performed and before it
is answered.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from queuelab.contract import external, faults
from queuelab.contract.external import Call
from queuelab.contract.files import append_line, version_line

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
    outage: float = 0.0  # its requests are refused (503) this long from its first one
    pause_once: float = 0.0  # its first side effect is held this long (a stalled call)
    bug: str = ""  # a payload whose JSON holds this fails after its side effect (500)
    first_request: float = 0.0  # when its first side-effect request arrived
    paused: bool = False
    attempts: int = 0  # requests that reached the point of being performed
    performed: int = 0
    recent: deque[float] = field(default_factory=deque)
    flooded: int = 0  # the rate that tripped the flood limit (0: none)

    def trigger(self, moment: Moment, n: int) -> Trigger | None:
        for t in self.triggers:
            if t.moment == moment and t.at in (None, n) and not t.fired.is_set():
                return t
        return None

    def down(self, now: float) -> bool:
        """Within its outage window (which opens at its first side-effect request)."""
        self.first_request = self.first_request or now
        return now < self.first_request + self.outage

    def fire(self, trigger: Trigger, wait: Callable[[Callable[[], bool], float, str], object],
             timeout: float, what: str) -> str:  # fmt: skip
        """Arm ``trigger`` on this caller's requests and ``wait`` (the lab's, which raises
        when the time runs out) until it fired; disarmed if it did not. The request's id."""
        self.triggers.append(trigger)
        try:
            wait(trigger.fired.is_set, timeout, what)
        finally:
            if not trigger.fired.is_set():
                self.triggers.remove(trigger)
        return trigger.id


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without an answer


EXPECTED = {"POST": 'expected {"id": "..."}', "PUT": 'expected {"id": "...", "version": N}'}
BUG = {"error": "failed after the side effect (a bug the lab put in the external system)"}


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
    entities: dict[str, int] = field(default_factory=dict)  # entity -> its version
    entity_state: Path | None = None  # the entities' versions as JSON, for the checker
    entity_log: Path | None = None  # "entity version applied|stale" per update, in order
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

    def get(self, process: str, id_: str, entity: str = "") -> Answer:
        """Whether ``id_``'s side effect was performed, or ``entity``'s version."""
        call = Call(time.time(), 0.0, process, "GET", id_, entity=entity)
        with self.lock:
            caller = self.callers.get(process)
            if caller is None:
                return self._record(call, Answer(404, {"error": f"unknown caller {process}"}))
            if self._flooding(caller, call.t0):
                call.outcome = external.FLOODED
                return self._record(call, Answer(429, {"error": "too many requests"}))
            n = self.entities.get(entity, 0) if entity else self.performances[id_]
        call.outcome, status = (external.FOUND, 200) if n else (external.NOT_FOUND, 404)
        body = {"entity_id": entity, "version": n} if entity else {"id": id_, "performed": n}
        return self._record(call, Answer(status, body))

    def post(self, process: str, id_: str, key: str) -> Answer:
        return self._side_effect(Call(time.time(), 0.0, process, "POST", id_, key), bool(id_))

    def put(self, process: str, entity: str, id_: str, version: int | None, key: str) -> Answer:
        """A versioned update of ``entity``: applied only if newer; the payload id is its
        idempotency key unless the caller gives one."""
        valid = bool(entity and id_) and version is not None
        key = key or (f"{external.ENTITIES}/{entity}/{id_}" if valid else "")
        call = Call(time.time(), 0.0, process, "PUT", id_, key, entity=entity, version=version or 0)
        return self._side_effect(call, valid)

    def _buggy(self, process: str, id_: str) -> bool:
        caller = self.callers.get(process)
        if caller is None or not caller.bug or not id_:
            return False
        payload = self.payload_of(id_)
        return payload is not None and caller.bug in json.dumps(payload)

    def _side_effect(self, call: Call, valid: bool) -> Answer:
        key, buggy = call.key, self._buggy(call.process, call.id)
        with self.lock:
            caller = self.callers.get(call.process)
            if caller is None:
                call.outcome = external.BAD_REQUEST
                return self._record(call, Answer(404, {"error": f"unknown caller {call.process}"}))
            if self._flooding(caller, call.t0):
                call.outcome = external.FLOODED
                return self._record(call, Answer(429, {"error": "too many requests"}))
            if not valid:
                call.outcome = external.BAD_REQUEST
                return self._record(call, Answer(400, {"error": EXPECTED[call.method]}))
            if caller.down(call.t0):
                call.outcome = external.DOWN
                return self._record(call, Answer(503, {"error": "the external system is down"}))
            if key and key in self.results:
                if buggy:  # the bug fails it every time, done or not
                    call.outcome = external.REFUSED
                    return self._record(call, Answer(500, BUG))
                call.outcome = external.REPLAYED
                headers = {external.REPLAYED_HEADER: "true"}
                return self._record(call, Answer(200, self.results[key], headers))
            if key and key in self.in_progress:
                call.outcome = external.CONFLICT
                return self._record(call, Answer(409, {"error": f"{key} is in progress"}))
            fault, latency = (
                self.decider.decide(call.process, FAULT_OPERATION) if self.decider else (None, 0.0)
            )
            if fault in STATUS or fault == "reset":
                call.outcome = external.REFUSED
                answer = Answer(STATUS.get(str(fault), 0), {"error": fault}, drop=fault == "reset")
                return self._record(call, answer)
            if key:
                self.in_progress.add(key)
            caller.attempts += 1
            held = caller.trigger("before", caller.attempts)
            if caller.pause_once and not caller.paused:
                caller.paused, latency = True, latency + caller.pause_once
        with self.idle:
            self.serving += 1
        try:
            dropped = fault == "ambiguous"
            return self._perform(caller, call, held, latency, dropped, buggy)
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

    def _update(self, call: Call) -> dict[str, Any]:
        """Apply a PUT if it is newer (under the lock): the entity's state and log."""
        call.applied = call.version > self.entities.get(call.entity, 0)
        if call.applied:
            self.entities[call.entity] = call.version
            if self.entity_state is not None:
                self.entity_state.write_text(json.dumps(self.entities, sort_keys=True))
        if self.entity_log is not None:
            append_line(self.entity_log, version_line(call.entity, call.version, call.applied))
        version = self.entities.get(call.entity, 0)
        return {"entity_id": call.entity, "version": version, "applied": call.applied}

    def _perform(
        self,
        caller: Caller,
        call: Call,
        held: Trigger | None,
        latency: float,
        dropped: bool,
        buggy: bool,
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
            if call.method == "PUT":
                result = self._update(call)
            else:
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
        return self._record(call, Answer(500, BUG, drop=dropped) if buggy else
                            Answer(200, result, drop=dropped))  # fmt: skip
