"""The processes a run starts, and what their exit codes mean (pure)."""

from __future__ import annotations

import signal
import subprocess
import time
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from queuelab.contract.processes import EXIT_CRASH, EXIT_OK, signal_exit

KILLED_CODES = (-signal.SIGKILL, 128 + signal.SIGKILL)  # Popen's, a shell's


class Role(StrEnum):
    CONSUMER = "consumer"
    PRODUCER = "producer"
    SERVICE = "service"  # the pipeline's order service (python -m pipeline orders)
    RELAY = "relay"  # the outbox relay
    POLLER = "poller"  # an upstream poller


CRASHABLE = (Role.CONSUMER, Role.SERVICE, Role.RELAY, Role.POLLER)  # have chaos crash points


class Ending(StrEnum):
    """How a process ended, as the run sees it."""

    RUNNING = "running"  # not ended (yet)
    CLEAN = "clean"  # exit 0
    ALLOWED = (
        "allowed"  # a non-zero exit the scenario expects (e.g. sends whose outcome is unknown)
    )
    CRASHED_ON_PURPOSE = "crashed on purpose"  # a chaos crash point fired
    STOPPED = "stopped"  # ended by a signal the lab sent (a stop, a SIGTERM mid-work)
    KILLED = "killed"  # SIGKILLed by the lab: a kill on purpose, or a stop that outlasted its grace
    UNEXPECTED = "unexpected"  # anything else: the run cannot be judged


def ending(
    role: Role,
    code: int | None,
    stopped_by_lab: bool,
    allowed: frozenset[int] = frozenset(),
    foreign: bool = False,
) -> Ending:
    """``foreign``: a consumer the lab did not write, which runs until the lab stops it (an
    exit of its own is unexpected, whatever its code; after the lab's signal, any is fine)."""
    if code is None:
        return Ending.RUNNING
    if foreign and not stopped_by_lab:
        return Ending.UNEXPECTED
    if foreign and code in KILLED_CODES:
        return Ending.KILLED
    if foreign:
        return Ending.CLEAN if code == EXIT_OK else Ending.STOPPED
    if code == EXIT_OK:
        return Ending.CLEAN
    if code in allowed:
        return Ending.ALLOWED
    if role in CRASHABLE and code == EXIT_CRASH:
        return Ending.CRASHED_ON_PURPOSE
    if stopped_by_lab and code in KILLED_CODES:
        return Ending.KILLED
    if stopped_by_lab and signal_exit(code):
        return Ending.STOPPED
    return Ending.UNEXPECTED


@dataclass
class Child:
    name: str
    role: Role
    popen: subprocess.Popen[bytes]
    log_path: Path
    grace: float = 10.0  # how long a graceful stop may take (the work in hand)
    exit_code: int | None = None
    stopped_by_lab: bool = False
    allowed: frozenset[int] = frozenset()  # exit codes the scenario expects besides 0
    metrics_url: str = ""  # a consumer's /metrics, scraped while it runs
    slow_shutdown: bool = False  # still running when its graceful stop's grace ran out
    foreign: bool = False  # started from --consumer-command (queuelab.run.drivers.command)
    started: float = field(default_factory=time.monotonic)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def code(self) -> int | None:
        return self.exit_code if self.exit_code is not None else self.popen.poll()

    def ending(self) -> Ending:
        return ending(self.role, self.code(), self.stopped_by_lab, self.allowed, self.foreign)

    def output_tail(self, lines: int = 8) -> str:
        """The last lines it wrote (stdout and stderr share its log)."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return " | ".join(line.strip() for line in text.splitlines()[-lines:] if line.strip())

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "role": self.role.value,
            "exit_code": self.code(),
            "ending": self.ending().value,
            **({"slow_shutdown": True} if self.slow_shutdown else {}),
            "log": str(self.log_path),
            **({"foreign": True} if self.foreign else {}),
        }
