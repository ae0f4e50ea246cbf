"""What a scenario's method works with: start producers and consumers as real subprocesses,
watch the queue, wait for things to settle. The lab owns every process it starts and stops
them all in ``close()``, whatever happened. It knows the processes only through the
contract (``queuelab.contract``): their commands, their knobs, their exit codes."""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from queuelab.backend.control import Control
from queuelab.backend.settings import AWS, BackendSettings
from queuelab.check.ledger import in_hand
from queuelab.contract import clients, history
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.history import Op
from queuelab.contract.processes import (
    CONSUMER_MODULE,
    EXIT_FAILED,
    PRODUCER_MODULE,
)
from queuelab.contract.producer_knobs import ProducerKnobs
from queuelab.run import outage, processes
from queuelab.run.children import Child, Role
from queuelab.run.events import Event, Kind, Phase, Sink, ignore
from queuelab.run.metrics import Metrics, check_declared
from queuelab.system import spawn
from queuelab.system.waiting import WaitTimeout, poll, wait_until
from queuelab.targets import impairment, redrive
from queuelab.targets.observe import Depth, depth
from queuelab.targets.outputs import Outputs, SetOutputs
from queuelab.targets.pacing import EXACT, Pacing

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

    from queuelab.run.foreign import Foreign

T = TypeVar("T")


class LabTimeout(RuntimeError):
    """Something the method waited for did not happen in time: the run cannot be judged."""


@dataclass
class Lab:
    run_id: str
    run_dir: Path
    settings: clients.AwsSettings
    outputs: Outputs
    resources: SetOutputs
    sqs: SQSClient
    pacing: Pacing = EXACT  # how far the target's counts can be trusted at once
    token: str | None = None  # the run's token: each process signs with its own key
    control: Control | None = None  # the embedded server's nemesis, if the target has one
    faults: str = ""  # the run's fault spec (switched by ``impaired``)
    foreign: Foreign | None = None  # --consumer-command: consumer slots start that instead
    children: list[Child] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    timeline: list[dict[str, float]] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)  # measured by the method
    drained: bool = False  # the last settle() saw the queue empty while consumers ran
    time_limit: float = 300.0  # the scenario's timeout_seconds: no wait may go past it
    started: float = field(default_factory=time.monotonic)
    emit: Sink = ignore  # settling, notes and redrives, as they happen
    ports: set[int] = field(default_factory=set)  # metrics ports handed to consumers
    backend: BackendSettings | None = None  # the embedded backend's settings, if it is one
    cancel: threading.Event = field(default_factory=threading.Event)  # set: stop waiting
    settle_seconds: float = 30.0  # settle()'s wait unless the method gives one
    declared: type[Metrics] = Metrics  # the scenario's own metrics: lab.metric's names

    def _within_limit(self, timeout: float) -> float:
        """``timeout``, cut to what is left of the scenario's time limit (and the run not
        cancelled: the runner was interrupted while this run ran beside others)."""
        self._check_cancel()
        left = self.started + self.time_limit - time.monotonic()
        if left <= 0:
            raise LabTimeout(f"the scenario ran past its {self.time_limit:.0f} s time limit")
        return min(timeout, left)

    # -- processes -----------------------------------------------------------------------

    def _env(self, name: str, extra: dict[str, str]) -> dict[str, str]:
        return (
            processes.environment(name, self.settings, self.run_id, self.run_dir, self.token)
            | extra
        )

    def _spawn(self, name: str, role: Role, argv: list[str], env: dict[str, str], grace: float,
               foreign: bool = False) -> Child:  # fmt: skip
        """``foreign``: a process we did not write (no lifeline: it would not watch it)."""
        if any(child.name == name for child in self.children):
            raise ValueError(f"a process named {name!r} already exists in this run")
        log_path = self.run_dir / "logs" / f"{name}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        popen = spawn.spawn(argv, env, log_path, tied=not foreign)
        child = Child(name, role, popen, log_path, grace, foreign=foreign)
        self.children.append(child)
        return child

    def consumer(
        self, knobs: ConsumerKnobs | None = None, name: str | None = None, *, retries: int = 0
    ) -> Child:
        """Start ``python -m consumer`` with the run's resources and these knobs; ``retries``
        sets AWS_MAX_ATTEMPTS (1: the SDK never retries; 0: the target's default)."""
        knobs = knobs or ConsumerKnobs()
        name = name or f"consumer-{len(self.consumers()) + 1}"
        if self.foreign is not None:
            return self.foreign.consumer(self, knobs, name, retries)
        wiring = processes.consumer_wiring(self.resources, name, processes.free_port(self.ports))
        env = wiring.to_env() | knobs.to_env() | processes.attempts(retries)
        # A graceful stop finishes the message in hand: its work, then a poll at most.
        grace = 5.0 + knobs.side_effect_delay_seconds + self.resources.receive_wait
        argv = [sys.executable, "-m", CONSUMER_MODULE]
        child = self._spawn(name, Role.CONSUMER, argv, self._env(name, env), grace)
        port = knobs.metrics_port or wiring.metrics_port
        child.metrics_url = f"http://127.0.0.1:{port}/metrics"
        return child

    def producer(
        self,
        knobs: ProducerKnobs,
        name: str = "producer",
        *,
        wait: bool = True,
        timeout: float = 60.0,
        retries: int = 0,
        may_fail: bool = False,
    ) -> Child:
        """Run ``python -m producer`` with these options (to completion unless
        ``wait=False``); ``retries`` as for ``consumer``; ``may_fail``: an exit 1 (some sends
        failed or their outcome is unknown) is part of the scenario, not a problem."""
        argv = [sys.executable, "-m", PRODUCER_MODULE, *knobs.to_argv()]
        extra = {"QUEUE_URL": self.resources.queue_url, "PROCESS_NAME": name}
        env = self._env(name, extra | processes.attempts(retries))
        child = self._spawn(name, Role.PRODUCER, argv, env, grace=10.0)
        if may_fail:
            child.allowed = frozenset({EXIT_FAILED})
        if wait:
            self.wait_exit(child, timeout)
        return child

    def _check_cancel(self) -> None:
        if self.cancel.is_set():
            raise KeyboardInterrupt

    def _guarded(self, condition: Callable[[], T]) -> Callable[[], T]:
        def check() -> T:
            self._check_cancel()
            return condition()

        return check

    def wait_exit(self, child: Child, timeout: float) -> int:
        if child.foreign and self.foreign is not None:  # watched while it runs
            return self.foreign.wait_exit(self, child, timeout)
        exited = self._guarded(lambda: child.popen.poll() is not None)
        if not poll(exited, self._within_limit(timeout), interval=0.05):
            raise LabTimeout(f"{child.name} did not exit within {timeout:.0f} s")
        child.exit_code = child.popen.returncode
        return child.exit_code

    def stop(self, child: Child) -> int | None:
        """SIGTERM (graceful) then, after the child's grace period, SIGKILL. A consumer's
        metrics are scraped first: its last counts go to the report."""
        if child.foreign and self.foreign is not None:
            return self.foreign.stop(child)
        if child.alive():
            child.stopped_by_lab = True
            values = processes.scrape(child)
            if values is not None:
                self.emit(Event(Kind.METRICS, self.run_id, {"name": child.name, "values": values}))
        child.exit_code = spawn.stop(child.popen, child.grace)
        return child.exit_code

    def terminate_mid_work(self, child: Child, timeout: float) -> str:
        """SIGTERM a consumer while it has a message in hand whose side effect is not done
        yet; the message's key. Ours: once its history shows one; a foreign one: while its
        next side-effect request is held (``queuelab.run.foreign``)."""
        if child.foreign and self.foreign is not None:
            return self.foreign.terminate_mid_work(self, child, timeout)
        key = self.wait_for(lambda: in_hand(self.history(), child.name), timeout, "work in hand")
        self.signal(child, signal.SIGTERM)
        return str(key)

    def signal(self, child: Child, signum: int = signal.SIGTERM) -> None:
        """Send a signal as an operator would (its exit is then not a surprise)."""
        child.stopped_by_lab = True
        child.popen.send_signal(signum)

    def consumers(self) -> list[Child]:
        return [c for c in self.children if c.role is Role.CONSUMER]

    # -- the queue -----------------------------------------------------------------------

    def depth(self, url: str | None = None) -> Depth:
        return depth(self.sqs, url or self.resources.queue_url)

    def _watch(self) -> None:
        """A consumer we did not write that misbehaves ends the method (ConsumerFailed)."""
        if self.foreign is not None:
            self.foreign.watch.check()

    def wait_for(
        self, condition: Callable[[], T], timeout: float, what: str, interval: float = 0.2
    ) -> T:
        def watched() -> T:
            self._watch()
            return condition()

        try:
            return wait_until(self._guarded(watched), self._within_limit(timeout), what, interval)
        except WaitTimeout as err:
            raise LabTimeout(f"{what} did not happen within {timeout:.0f} s") from err

    def pause(self, seconds: float) -> None:
        """Let the processes run for a while (never past the scenario's time limit)."""
        self._watch()
        if self.cancel.wait(self._within_limit(seconds)):
            raise KeyboardInterrupt

    def settle(self, timeout: float | None = None, url: str | None = None) -> bool:
        """Wait until the queue holds nothing (visible, in flight or delayed). False when
        ``timeout`` (default: the scenario's ``settle_seconds``) passes first (for a negative
        control that may be the expected outcome) or when no consumer is left to change
        anything. The outcome is the run's
        ``drained`` metric: reading the leftovers afterwards must not be what empties the
        queue (on moto, a receive is what moves an over-limit message to the DLQ)."""
        empty_readings = 0

        def ended() -> str:
            nonlocal empty_readings
            self._watch()
            empty_readings = empty_readings + 1 if self.depth(url).total == 0 else 0
            if empty_readings >= self.pacing.settle_confirmations:
                return "drained"
            if not any(child.alive() for child in self.consumers()):
                return "abandoned"
            return ""

        timeout = self.settle_seconds if timeout is None else timeout
        self.emit(Event(Kind.PHASE, self.run_id, {"name": Phase.SETTLE.value}))
        try:
            outcome = poll(self._guarded(ended), self._within_limit(timeout))
        finally:
            self.emit(Event(Kind.PHASE, self.run_id, {"name": Phase.METHOD.value}))
        if outcome == "abandoned":
            self.note("every consumer has exited: the queue cannot drain any further")
        elif not outcome:
            self.note(f"queue still not empty after {timeout:.0f} s")
        self.drained = outcome == "drained"
        return self.drained

    def outage(self) -> AbstractContextManager[impairment.Rollback]:
        """Consumers denied for the block, producers still send (``queuelab.run.outage``)."""
        return outage.deny_consumers(self)

    def purge(self) -> bool:
        """Purge the run's queue; False when the target refuses (one is still running)."""
        try:
            self.sqs.purge_queue(QueueUrl=self.resources.queue_url)
        except self.sqs.exceptions.PurgeQueueInProgress:
            return False
        return True

    def redrive(self) -> redrive.Redriven:
        """Move the DLQ's messages back to the queue."""
        moved = redrive.redrive(self.sqs, self.resources, timeout=self._within_limit(300))
        self.emit(Event(Kind.REDRIVE, self.run_id, {"moved": moved.moved, "method": moved.method}))
        return moved

    def dedup_window_seconds(self) -> float:
        """The target's FIFO deduplication window: the embedded backend's setting, else
        AWS's 5 minutes."""
        return (self.backend or AWS).dedup_window_seconds

    def history(self) -> list[Op]:
        """Every operation so far: as our processes recorded them, and a foreign consumer's
        as the endpoints saw them (``queuelab.check.blackbox``)."""
        ours = history.read_dir(self.run_dir / "history")
        return self.foreign.ops(ours) if self.foreign is not None else ours

    def path(self, name: str) -> str:
        """A file in the run directory (side-effect logs, version state...), as a knob."""
        return str(self.run_dir / name)

    # -- the journal ---------------------------------------------------------------------

    def metric(self, name: str, value: float) -> None:
        """Record one of the scenario's declared metrics (an undeclared name is refused)."""
        check_declared([name], self.declared, "the method")
        self.metrics[name] = value

    def note(self, text: str) -> None:
        self.notes.append(f"{time.monotonic() - self.started:6.1f}s {text}")
        self.emit(Event(Kind.NOTE, self.run_id, {"text": text}))

    def sample(self, **values: float) -> None:
        self.timeline.append({"t": round(time.monotonic() - self.started, 2), **values})

    def close(self) -> list[str]:
        """Stop every process still running, all at once (each finishes the work in hand
        within its own grace); return problems with the ones that ended."""
        if self.foreign is not None:
            self.foreign.stop_all()
        running = [child for child in self.children if child.alive()]
        if running:
            with ThreadPoolExecutor(max_workers=len(running)) as pool:
                list(pool.map(self.stop, running))
        problems = self.foreign.watch.unreported() if self.foreign is not None else []
        return problems + processes.endings(self.children, self.note)
