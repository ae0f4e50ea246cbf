"""One invocation of the function with a batch's event, synchronous, as the mapping makes it
(invocation-eventsourcemapping.html: "Lambda event source mappings process events at least
once" and invoke synchronously): an environment from the pool, or a throttle; and the
faults the nemesis applies to invocations.

Faults (``--faults``, the spec of ``queuelab.contract.faults``, operation ``Invoke``):
``throttle`` refuses the invocation as a full function would (``TooManyRequestsException``);
``error`` fails it as a function error without running the function; ``ambiguous`` runs the
function and loses its response (the batch returns although its work was done); ``latency``
delays the invocation. ``deny`` and ``reset`` do not apply to invocations.

The history gets ``invocation`` invoke before the event is handed over, and ``environment``
records when one starts (cold) or is killed.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from queuelab.contract.faults import Decider
from queuelab.contract.history import Fn, History
from queuelab.esm.environment import ERROR, Result
from queuelab.esm.pool import Pool
from queuelab.esm.source import key_of

OPERATION = "Invoke"
THROTTLE_ERROR = "TooManyRequestsException"
CONCURRENCY, FAULT = "concurrency", "fault"  # why an invocation was throttled


@dataclass(frozen=True)
class Attempt:
    request_id: str
    result: Result | None  # None: throttled
    environment: str = ""
    cold: bool = False
    throttled_by: str = ""  # CONCURRENCY or FAULT
    fault: str = ""  # the fault injected, if any

    @property
    def throttled(self) -> bool:
        return self.result is None


class Invoker:
    def __init__(self, pool: Pool, history: History, decider: Decider | None, caller: str) -> None:
        self.pool = pool
        self.history = history
        self.decider = decider
        self.caller = caller
        self._deciding = threading.Lock()

    def _decide(self) -> tuple[str | None, float]:
        if self.decider is None:
            return None, 0.0
        with self._deciding:  # the decider counts calls: one at a time
            return self.decider.decide(self.caller, OPERATION)

    def invoke(self, payload: bytes, messages: Sequence[dict[str, Any]], attempt: int) -> Attempt:
        request_id = str(uuid.uuid4())
        fault, latency = self._decide()
        if latency:
            time.sleep(latency)
        fields: dict[str, Any] = {
            "request_id": request_id,
            "attempt": attempt,
            "keys": [key_of(m) for m in messages],
            "message_ids": [m["MessageId"] for m in messages],
        }
        if fault == "throttle":
            self.history.invoke(Fn.INVOCATION, environment="", cold=False, **fields)
            return Attempt(request_id, None, throttled_by=FAULT, fault=fault)
        if fault in ("error", "unavailable"):
            self.history.invoke(Fn.INVOCATION, environment="", cold=False, **fields)
            injected = Result(
                ERROR, b"", "queuelab.InjectedError", "a function error the nemesis injected"
            )
            return Attempt(request_id, injected, fault="error")
        env = self.pool.acquire()
        if env is None:
            self.history.invoke(Fn.INVOCATION, environment="", cold=False, **fields)
            return Attempt(request_id, None, throttled_by=CONCURRENCY)
        try:
            cold = env.cold
            if cold:
                self.history.ok(
                    Fn.ENVIRONMENT, event="start", environment=env.name, pid=env.process.pid
                )
            self.history.invoke(Fn.INVOCATION, environment=env.name, cold=cold, **fields)
            result = env.invoke(request_id, payload)
            if not env.alive:
                self.history.info(
                    Fn.ENVIRONMENT, event="kill", environment=env.name, reason=env.ended or "exited"
                )
        finally:
            self.pool.release(env)
        if fault == "ambiguous" and result.ok:
            result = Result(
                ERROR,
                b"",
                "queuelab.LostResponse",
                "the function ran; its response was lost",
                result.seconds,
            )
        return Attempt(request_id, result, env.name, cold, fault=fault or "")
