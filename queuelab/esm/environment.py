"""An execution environment: one process running the function's runtime interface client
against its own Runtime API, started cold, reused warm, killed at the function's timeout.

lambda-runtime-environment.html: the Init phase (the runtime starts, the handler's module is
loaded) is "limited to 10 seconds"; the Invoke phase ends at the function's timeout, after
which Lambda "resets the execution environment" (here: the process is killed and the next
invocation starts a new one, cold). A runtime that exits, or outgrows the function's memory,
fails its invocation and is replaced the same way. A function error leaves the environment
warm: the runtime reported it and asks for the next event.

The error types are Lambda's: ``Sandbox.Timedout`` ("Task timed out after 3.00 seconds"),
``Runtime.ExitError`` ("Runtime exited with error: exit status 1"), ``Runtime.OutOfMemory``,
the runtime's own for function and init errors (``Runtime.ImportModuleError``...).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from queuelab.esm.function import NODE, Function
from queuelab.esm.runtime_api import Invocation, RuntimeApi

INIT_SECONDS = 10.0
TICK_SECONDS = 0.02  # how often a waiting invocation checks the process (death, memory)
MEMORY_EVERY = 5  # ticks between two looks at its memory
NODE_RIC = Path("node_modules") / ".bin" / "aws-lambda-ric"

# How an invocation ended (``Result.kind``).
RESPONSE, ERROR, TIMEOUT, EXITED, INIT_ERROR, OUT_OF_MEMORY = (
    "response", "error", "timeout", "exited", "init-error", "out-of-memory",
)  # fmt: skip


@dataclass(frozen=True)
class Result:
    kind: str
    payload: bytes = b""
    error_type: str = ""
    error_message: str = ""
    seconds: float = 0.0  # from hand-over to the end (the invoke phase)

    @property
    def ok(self) -> bool:
        return self.kind == RESPONSE


def node_ric(code: Path) -> Path:
    """aws-lambda-ric as npm installs it beside the function's code (or above it)."""
    for folder in (code.resolve(), *code.resolve().parents):
        candidate = folder / NODE_RIC
        if candidate.exists():
            return candidate
    raise FileNotFoundError(
        f"no {NODE_RIC} in {code} or above it: npm install aws-lambda-ric there"
    )


def command(function: Function) -> list[str]:
    if function.runtime == NODE:
        return [str(node_ric(function.code)), function.handler]
    return [sys.executable, "-m", "awslambdaric", function.handler]


class Environment:
    """``base_env``: what the process gets besides the function's variables (PATH, the
    endpoint, the function's credentials)."""

    def __init__(
        self, name: str, function: Function, arn: str, region: str, base_env: dict[str, str],
        log_path: Path | None = None,
    ) -> None:  # fmt: skip
        self.name = name
        self.function = function
        self.api = RuntimeApi(arn)
        env = base_env | function.variables(region, self.api.address, name)
        log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
        # SIGTERM blocked in the runtime (a signal mask outlives exec): a stop of the whole
        # process tree (the lab's) reaches the mapping, which finishes the batches in hand
        # and then ends each environment itself, as Lambda does.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        try:
            self.process = subprocess.Popen(
                command(function), cwd=function.code, env=env, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
            if log_path:
                log.close()  # type: ignore[union-attr]
        self.started_at = time.monotonic()
        self.invocations = 0
        self.ended: str | None = None  # why it was killed, or how it exited

    @property
    def alive(self) -> bool:
        return self.ended is None and self.process.poll() is None

    @property
    def cold(self) -> bool:
        return self.invocations == 0

    def invoke(self, request_id: str, payload: bytes) -> Result:
        invocation = Invocation(request_id, payload, float(self.function.timeout))
        init_deadline = time.monotonic() + INIT_SECONDS if self.cold else None
        self.invocations += 1
        self.api.offer(invocation)
        ticks = 0
        while not invocation.done.wait(TICK_SECONDS):
            ticks += 1
            ended = self._ended(invocation, init_deadline, ticks % MEMORY_EVERY == 0)
            if ended is not None:
                kind, error_type, message = ended
                seconds = time.monotonic() - invocation.handed_at if invocation.handed_at else 0.0
                self.kill(kind)
                return Result(
                    kind, b"", error_type, f"RequestId: {request_id} Error: {message}", seconds
                )
        seconds = time.monotonic() - (invocation.handed_at or time.monotonic())
        error = invocation.error
        if error is None:
            return Result(RESPONSE, invocation.response or b"", seconds=seconds)
        if error.get("errorType") == "Function.ResponseSizeTooLarge":
            self.kill("response-too-large")  # Lambda resets the environment too
        error_type, message = str(error.get("errorType")), str(error.get("errorMessage"))
        return Result(ERROR, b"", error_type, message, seconds)

    def _ended(
        self, invocation: Invocation, init_deadline: float | None, look_at_memory: bool
    ) -> tuple[str, str, str] | None:
        """(kind, error type, message) when the invocation ended without an answer."""
        now, error = time.monotonic(), self.api.init_error
        if error is not None:
            return INIT_ERROR, str(error.get("errorType")), str(error.get("errorMessage"))
        if self.process.poll() is not None:
            status = self.process.returncode
            return EXITED, "Runtime.ExitError", f"Runtime exited with error: exit status {status}"
        if invocation.deadline is not None and now >= invocation.deadline:
            timeout = self.function.timeout
            return TIMEOUT, "Sandbox.Timedout", f"Task timed out after {timeout:.2f} seconds"
        if invocation.deadline is None and init_deadline is not None and now >= init_deadline:
            return TIMEOUT, "Sandbox.Timedout", f"Init timed out after {INIT_SECONDS:.2f} seconds"
        if look_at_memory and self._memory_mb() > self.function.memory:
            return OUT_OF_MEMORY, "Runtime.OutOfMemory", "Runtime exited with error: signal: killed"
        return None

    def _memory_mb(self) -> float:
        try:
            return float(psutil.Process(self.process.pid).memory_info().rss) / 2**20
        except psutil.Error:
            return 0.0

    def kill(self, reason: str) -> None:
        """SIGKILL its whole process group (what the handler started dies with it)."""
        if self.ended is None:
            self.ended = reason
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        self.api.close()
