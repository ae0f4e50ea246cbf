"""The function's execution environments: warm ones are reused, a new one starts (cold) when
none is free, and no more run at once than the function's concurrency allows.

Concurrency is the number of environments busy with an invocation (lambda-concurrency.html:
"the number of in-flight requests that your AWS Lambda function is handling at the same
time"). Past the function's reserved concurrency, or the account's unreserved concurrency
when it has none, an invocation is throttled (``TooManyRequestsException``,
configuration-concurrency.html). The mapping does not look at that limit before it reads
from the queue ("Event source mappings don't account for reserved concurrency and can process
more messages off your queue than can be sent to your function", AWS re:Post
knowledge-center/lambda-sqs-scaling): the throttle comes back to it at invoke time.

The most recently used warm environment is picked first, as Lambda tends to; idle
environments stay warm until the mapping stops.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from queuelab.esm.environment import Environment


class Pool:
    def __init__(self, limit: int, start: Callable[[str], Environment]) -> None:
        """``limit``: reserved concurrency, else the account's; ``start(name)``: a new
        environment (a cold start)."""
        self.limit = limit
        self._start = start
        self._lock = threading.Lock()
        self._idle: list[Environment] = []
        self._busy = 0
        self._started = 0
        self._all: list[Environment] = []
        self._closed = False

    @property
    def busy(self) -> int:
        return self._busy

    def acquire(self) -> Environment | None:
        """A warm environment, or a new one; None when the limit is reached (a throttle)."""
        with self._lock:
            if self._closed or self._busy >= self.limit:
                return None
            self._busy += 1
            while self._idle:
                env = self._idle.pop()
                if env.alive:
                    return env
            self._started += 1
            name = f"env-{self._started}"
        try:
            env = self._start(name)
        except BaseException:
            with self._lock:
                self._busy -= 1
            raise
        with self._lock:
            self._all.append(env)
        return env

    def release(self, env: Environment) -> None:
        with self._lock:
            self._busy -= 1
            if env.alive and not self._closed:
                self._idle.append(env)
            elif self._closed:
                env.kill("stop")

    def close(self) -> list[Environment]:
        """Kill every environment; the list of those not ended before (a signal to the whole
        process tree may have reached them first)."""
        with self._lock:
            self._closed = True
            running = [env for env in self._all if env.ended is None]
        for env in running:
            env.kill("stop")
        return running
