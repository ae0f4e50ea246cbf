"""What a scenario's method works with: start producers and consumers as real subprocesses,
watch the queue, wait for things to settle. The lab owns every process it starts (``spawn``
is the one place that starts them) and stops them all in ``close()``, whatever happened. It
knows the processes only through the contract (``queuelab.contract``): their commands,
their knobs, their exit codes; and the consumer only through its driver
(``queuelab.run.drivers``), whoever wrote it."""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from queuelab.backend.control import Control
from queuelab.backend.settings import AWS, BackendSettings
from queuelab.contract import clients, history
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.history import Op
from queuelab.contract.processes import EXIT_FAILED, PRODUCER_MODULE
from queuelab.contract.producer_knobs import ProducerKnobs
from queuelab.run import processes
from queuelab.run.children import KILLED_CODES, Child, Role
from queuelab.run.drivers.base import ConsumerDriver, LabTimeout
from queuelab.run.drivers.own import OwnConsumer
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

T = TypeVar("T")


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
    driver: ConsumerDriver = field(default_factory=OwnConsumer)  # who the consumer slots run
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
    impaired: bool = False  # an outage began: the consumers met the faults it injects

    def _within_limit(self, timeout: float) -> float:
        """``timeout``, cut to what is left of the scenario's time limit (and the run not
        cancelled: the runner was interrupted while this run ran beside others)."""
        self._check_cancel()
        left = self.started + self.time_limit - time.monotonic()
        if left <= 0:
            raise LabTimeout(f"the scenario ran past its {self.time_limit:.0f} s time limit")
        return min(timeout, left)

    # -- processes -----------------------------------------------------------------------

    def environment(self, name: str, extra: dict[str, str]) -> dict[str, str]:
        """A process's environment: the target's settings, its own credentials (the witness
        knows it by them), its history file, the run id; then ``extra``."""
        return (
            processes.environment(name, self.settings, self.run_id, self.run_dir, self.token)
            | extra
        )

    def spawn(self, name: str, role: Role, argv: list[str], env: dict[str, str], grace: float,
              foreign: bool = False) -> Child:  # fmt: skip
        """Start one of the run's processes (the one place that does): its log in the run
        directory, a lifeline unless it is ``foreign`` (a process we did not write: it would
        not watch one)."""
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
        """Start a consumer on the run's queue with these knobs, through the run's driver
        (queuelab's consumer, a command, a Lambda handler); ``retries`` sets AWS_MAX_ATTEMPTS
        (1: the SDK never retries; 0: the target's default)."""
        name = name or f"consumer-{len(self.consumers()) + 1}"
        return self.driver.start(self, knobs or ConsumerKnobs(), name, retries)

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
        env = self.environment(name, extra | processes.attempts(retries))
        child = self.spawn(name, Role.PRODUCER, argv, env, grace=10.0)
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
        """Wait for a process about to end (a producer done, a consumer's crash)."""
        if child.role is Role.CONSUMER:
            return self.driver.wait_exit(self, child, timeout)
        return self.wait_process(child, timeout)

    def wait_process(self, child: Child, timeout: float) -> int:
        exited = self._guarded(lambda: child.popen.poll() is not None)
        if not poll(exited, self._within_limit(timeout), interval=0.05):
            raise LabTimeout(f"{child.name} did not exit within {timeout:.0f} s")
        child.exit_code = child.popen.returncode
        return child.exit_code

    def stop(self, child: Child) -> int | None:
        """SIGTERM (graceful) then, after the child's grace period, SIGKILL (a consumer as
        its driver says)."""
        if child.role is Role.CONSUMER:
            return self.driver.stop(self, child)
        return self.stop_process(child)

    def stop_process(self, child: Child) -> int | None:
        """SIGTERM, then SIGKILL if it still runs after its grace (a slow shutdown)."""
        running = child.alive()
        if running:
            child.stopped_by_lab = True
        child.exit_code = spawn.stop(child.popen, child.grace)
        child.slow_shutdown = running and child.exit_code in KILLED_CODES
        return child.exit_code

    def terminate_mid_work(self, child: Child, timeout: float) -> str:
        """SIGTERM a consumer while it has a message in hand whose side effect is not done
        yet; the message's key (how the driver knows that moment: ``queuelab.run.drivers``)."""
        return self.driver.terminate_mid_work(self, child, timeout)

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
        self.driver.watch()

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

    @contextmanager
    def outage(self) -> Iterator[impairment.Rollback]:
        """The consumers denied for the block while producers still send (the nemesis, or a
        deny in the queue policy); the rollback always runs (metric ``outage_rolled_back``)."""
        impaired = impairment.for_run(
            self.sqs, self.resources, self.run_id, self.control, self.token, self.faults
        )
        with impaired as rollback:
            self.impaired = True
            self.note(f"outage begins: {rollback.how}")
            try:
                yield rollback
            finally:
                self.note("outage ends")
        self.metric("outage_rolled_back", int(rollback.lifted and rollback.verified))
        for text in rollback.notes:
            self.note(text)

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
        """Every operation so far: as our processes recorded them, and a consumer judged from
        outside as the endpoints saw it (``queuelab.check.blackbox``)."""
        return self.driver.ops(history.read_dir(self.run_dir / "history"))

    def receiving(self) -> set[str]:
        """Consumers in a receive the history does not show yet (a long poll from outside)."""
        return self.driver.receiving()

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
        self.driver.stop_all(self, self.consumers())
        running = [child for child in self.children if child.alive()]
        if running:
            with ThreadPoolExecutor(max_workers=len(running)) as pool:
                list(pool.map(self.stop, running))
        return processes.endings(self.children, self.note)
