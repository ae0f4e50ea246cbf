"""What a scenario's method works with: start producers and consumers as real subprocesses,
watch the queue, wait for things to settle. The lab owns every process it starts and stops
them all in ``close()``, whatever happened."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from consumer.handler import CRASH_EXIT_CODE
from queuelab import history, processes
from queuelab.aws import AwsSettings
from queuelab.history import Op
from queuelab.observe import Depth, depth
from queuelab.outputs import Outputs, SetOutputs
from queuelab.pacing import EXACT, Pacing

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

POLL_SECONDS = 0.2
# What the lab measures in every run, besides the ledger and the scenario's own metrics.
RUN_METRICS = ("drained",)
# Only these of the caller's variables reach children: a consumer knob exported in the
# user's shell must not change a scenario.
PASSED_THROUGH = (
    "PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_", "TZ", "TMPDIR", "SYSTEMROOT",
    "VIRTUAL_ENV", "SSL_CERT_", "REQUESTS_CA_BUNDLE", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",
    "http_proxy", "https_proxy", "no_proxy", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CA_BUNDLE",
)  # fmt: skip


class LabTimeout(RuntimeError):
    """Something the method waited for did not happen in time: the run cannot be judged."""


@dataclass
class Child:
    name: str
    role: str  # "consumer" | "producer"
    popen: subprocess.Popen[bytes]
    log_path: Path
    grace: float = 10.0  # how long a graceful stop may take (the work in hand)
    exit_code: int | None = None
    stopped_by_lab: bool = False

    def alive(self) -> bool:
        return self.popen.poll() is None


@dataclass
class Lab:
    run_id: str
    run_dir: Path
    settings: AwsSettings
    outputs: Outputs
    resources: SetOutputs
    sqs: SQSClient
    pacing: Pacing = EXACT  # how far the target's counts can be trusted at once
    children: list[Child] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    timeline: list[dict[str, float]] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)  # measured by the method
    drained: bool = False  # the last settle() saw the queue empty while consumers ran
    time_limit: float = 300.0  # the scenario's timeout_seconds: no wait may go past it
    started: float = field(default_factory=time.monotonic)

    def _within_limit(self, timeout: float) -> float:
        """``timeout``, cut to what is left of the scenario's time limit."""
        left = self.started + self.time_limit - time.monotonic()
        if left <= 0:
            raise LabTimeout(f"the scenario ran past its {self.time_limit:.0f} s time limit")
        return min(timeout, left)

    # -- processes -----------------------------------------------------------------------

    def _env(self, name: str, extra: dict[str, str]) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k.startswith(PASSED_THROUGH)}
        env |= self.settings.env() | {"PYTHONUNBUFFERED": "1", "RUN_ID": self.run_id}
        env["HISTORY_PATH"] = str(self.run_dir / "history" / f"{name}.jsonl")
        return env | extra

    def _spawn(
        self, name: str, role: str, argv: list[str], env: dict[str, str], grace: float = 10.0
    ) -> Child:
        if any(child.name == name for child in self.children):
            raise ValueError(f"a process named {name!r} already exists in this run")
        log_path = self.run_dir / "logs" / f"{name}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        child = Child(name, role, processes.spawn(argv, env, log_path), log_path, grace)
        self.children.append(child)
        return child

    def consumer(self, name: str | None = None, **knobs: Any) -> Child:
        """Start ``python -m consumer`` with the run's resources and these knobs."""
        name = name or f"consumer-{sum(c.role == 'consumer' for c in self.children) + 1}"
        target = self.resources
        env = target.env() | {
            "WAIT_TIME_SECONDS": str(target.receive_wait),
            "CONSUMER_ID": name,
        }
        env |= {key: _text(value) for key, value in knobs.items()}
        # A graceful stop finishes the message in hand: its work, then a poll at most.
        grace = 5.0 + float(knobs.get("SIDE_EFFECT_DELAY_SECONDS", 0)) + target.receive_wait
        argv = [sys.executable, "-m", "consumer"]
        return self._spawn(name, "consumer", argv, self._env(name, env), grace)

    def producer(
        self,
        name: str = "producer",
        *,
        wait: bool = True,
        timeout: float = 60.0,
        **options: Any,
    ) -> Child:
        """Run ``python -m producer`` with ``--option value`` for each keyword (to completion
        unless ``wait=False``)."""
        argv = [sys.executable, "-m", "producer"]
        for key, value in options.items():
            flag = "--" + key.replace("_", "-")
            if isinstance(value, bool):
                argv += [flag] if value else []
            else:
                argv += [flag, _text(value)]
        env = self._env(name, {"QUEUE_URL": self.resources.queue_url, "PROCESS_NAME": name})
        child = self._spawn(name, "producer", argv, env)
        if wait:
            self.wait_exit(child, timeout)
        return child

    def wait_exit(self, child: Child, timeout: float) -> int:
        try:
            child.exit_code = child.popen.wait(timeout=self._within_limit(timeout))
        except subprocess.TimeoutExpired:
            raise LabTimeout(f"{child.name} did not exit within {timeout:.0f} s") from None
        return child.exit_code

    def stop(self, child: Child) -> int | None:
        """SIGTERM (graceful) then, after the child's grace period, SIGKILL."""
        if child.alive():
            child.stopped_by_lab = True
        child.exit_code = processes.stop(child.popen, child.grace)
        return child.exit_code

    def signal(self, child: Child, signum: int = signal.SIGTERM) -> None:
        """Send a signal as an operator would (its exit is then not a surprise)."""
        child.stopped_by_lab = True
        child.popen.send_signal(signum)

    def consumers(self) -> list[Child]:
        return [c for c in self.children if c.role == "consumer"]

    # -- the queue -----------------------------------------------------------------------

    def depth(self, url: str | None = None) -> Depth:
        return depth(self.sqs, url or self.resources.queue_url)

    def wait_for(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + self._within_limit(timeout)
        while not condition():
            if time.monotonic() > deadline:
                raise LabTimeout(f"{what} did not happen within {timeout:.0f} s")
            time.sleep(POLL_SECONDS)

    def settle(self, timeout: float, url: str | None = None) -> bool:
        """Wait until the queue holds nothing (visible, in flight or delayed). False when
        ``timeout`` passes first (for a negative control that may be the expected outcome)
        or when no consumer is left to change anything. The outcome is the run's
        ``drained`` metric: reading the leftovers afterwards must not be what empties the
        queue (on moto, a receive is what moves an over-limit message to the DLQ)."""
        self.drained = self._settle(timeout, url)
        return self.drained

    def _settle(self, timeout: float, url: str | None) -> bool:
        deadline = time.monotonic() + self._within_limit(timeout)
        empty_readings = 0
        while time.monotonic() < deadline:
            empty_readings = empty_readings + 1 if self.depth(url).total == 0 else 0
            if empty_readings >= self.pacing.settle_confirmations:
                return True
            if not any(child.alive() for child in self.consumers()):
                self.note("every consumer has exited: the queue cannot drain any further")
                return False
            time.sleep(POLL_SECONDS)
        self.note(f"queue still not empty after {timeout:.0f} s")
        return False

    def history(self) -> list[Op]:
        """Every operation recorded so far by the run's processes."""
        return history.read_dir(self.run_dir / "history")

    def path(self, name: str) -> Path:
        """A file in the run directory (side-effect logs, version state...)."""
        return self.run_dir / name

    # -- the journal ---------------------------------------------------------------------

    def metric(self, name: str, value: float) -> None:
        self.metrics[name] = value

    def note(self, text: str) -> None:
        self.notes.append(f"{time.monotonic() - self.started:6.1f}s {text}")

    def sample(self, **values: float) -> None:
        self.timeline.append({"t": round(time.monotonic() - self.started, 2), **values})

    def close(self) -> list[str]:
        """Stop every process still running; return problems with the ones that ended."""
        for child in self.children:
            if child.alive():
                self.stop(child)
        problems = []
        for child in self.children:
            code = child.exit_code if child.exit_code is not None else child.popen.poll()
            if code in (0, None) or (child.role == "consumer" and code == CRASH_EXIT_CODE):
                continue
            if child.stopped_by_lab and code is not None and (code < 0 or code >= 128):
                self.note(f"{child.name} ended by a signal (exit code {code})")
                continue
            problems.append(f"{child.name} exited with code {code} (see {child.log_path})")
        return problems


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)
