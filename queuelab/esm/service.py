"""The event source mapping at work: its pollers (as many as the ramp allows), the function's
environments, and an orderly stop (pollers finish the batch in hand, then every environment
is killed and recorded).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from queuelab.contract.faults import Decider
from queuelab.contract.history import Fn, History
from queuelab.esm.environment import Environment
from queuelab.esm.function import ACCOUNT_CONCURRENCY, Function
from queuelab.esm.invoker import Invoker
from queuelab.esm.mapping import LONG_POLL_SECONDS, Mapping, Queue
from queuelab.esm.poller import Poller
from queuelab.esm.pool import Pool
from queuelab.esm.scaling import Ramp
from queuelab.esm.source import Source

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

SUPERVISE_SECONDS = 0.1


@dataclass
class Settings:
    """What the service runs with, besides the function and the mapping."""

    base_env: dict[str, str]  # the environments' variables besides the function's own
    caller: str = "esm"  # the process name in the history and to the nemesis
    run_id: str = ""  # the lab's run: other runs' messages are filtered out
    receive_wait: int = LONG_POLL_SECONDS
    log_dir: Path | None = None  # one log per environment (its CloudWatch log stream)
    account_concurrency: int = ACCOUNT_CONCURRENCY
    decider: Decider | None = None


class Service:
    def __init__(
        self, function: Function, mapping: Mapping, queue: Queue, sqs: SQSClient,
        history: History, settings: Settings,
    ) -> None:  # fmt: skip
        self.function = function
        self.mapping = mapping
        self.queue = queue
        self.history = history
        self.settings = settings
        self.run_id = settings.run_id
        self.receive_wait = settings.receive_wait
        self.source = Source(sqs, queue, history)
        limit = function.reserved_concurrency
        self.pool = Pool(settings.account_concurrency if limit is None else limit, self._start)
        self.invoker = Invoker(self.pool, history, settings.decider, settings.caller)
        self.ramp = Ramp(mapping.maximum_concurrency, time.monotonic())
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: dict[int, threading.Thread] = {}

    def _start(self, name: str) -> Environment:
        log_path = self.settings.log_dir / f"{name}.log" if self.settings.log_dir else None
        arn = self.function.arn(self.queue.region, self.queue.account)
        return Environment(
            name, self.function, arn, self.queue.region, self.settings.base_env, log_path
        )

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def wants(self, index: int) -> bool:
        """Whether poller ``index`` goes on reading."""
        with self._lock:
            return not self._stop.is_set() and index < self.ramp.pollers()

    def found(self, messages: bool) -> None:
        with self._lock:
            if messages:
                self.ramp.found_messages(time.monotonic())
            else:
                self.ramp.found_none(time.monotonic())

    def backed_off(self) -> None:
        with self._lock:
            self.ramp.back_off(time.monotonic())

    def sleep(self, seconds: float) -> None:
        self._stop.wait(seconds)

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        """Poll until ``stop``; then let the pollers finish and kill the environments."""
        try:
            while not self._stop.is_set():
                with self._lock:
                    wanted = self.ramp.pollers()
                for index in range(wanted):
                    thread = self._threads.get(index)
                    if thread is None or not thread.is_alive():
                        thread = threading.Thread(
                            target=Poller(index, self).run, name=f"poller-{index}", daemon=True
                        )
                        self._threads[index] = thread
                        thread.start()
                self._stop.wait(SUPERVISE_SECONDS)
        finally:
            self._stop.set()
            for thread in self._threads.values():
                thread.join()
            for env in self.pool.close():
                self.history.info(Fn.ENVIRONMENT, event="kill", environment=env.name, reason="stop")
