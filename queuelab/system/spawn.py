"""Child processes: start them in their own process group, and stop whole trees."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import psutil

from queuelab.contract import lifeline

GRACE_SECONDS = 3.0


def spawn(
    argv: Sequence[str],
    env: dict[str, str],
    log_path: Path | None = None,
    *,
    tied: bool = True,
    stdout: int | IO[bytes] | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``argv`` in a new session, so a terminal's Ctrl-C reaches only the parent,
    which then stops its children in order. A ``tied`` child gets a lifeline: it stops
    when this process dies, however that happens."""
    env = {k: v for k, v in env.items() if k != lifeline.ENV}
    if tied:
        env[lifeline.ENV] = "1"
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    try:
        return subprocess.Popen(
            list(argv),
            env=env,
            stdin=subprocess.PIPE if tied else subprocess.DEVNULL,
            stdout=stdout if stdout is not None else log,
            stderr=log if log_path else None,
            start_new_session=True,
        )
    finally:
        if log_path:
            log.close()  # type: ignore[union-attr]


def stop_tree(pid: int, grace: float = GRACE_SECONDS) -> None:
    """SIGTERM ``pid`` and every descendant; SIGKILL what is left after ``grace``."""
    try:
        root = psutil.Process(pid)
        procs = [*root.children(recursive=True), root]
    except psutil.NoSuchProcess:
        return
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.terminate()
    _, alive = psutil.wait_procs(procs, timeout=grace)
    for proc in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    psutil.wait_procs(alive, timeout=grace)


def stop(popen: subprocess.Popen[bytes], grace: float = GRACE_SECONDS) -> int | None:
    """Stop a child we started (and its descendants), reap it, and return its exit code."""
    if popen.poll() is None:
        stop_tree(popen.pid, grace)
    for pipe in (popen.stdin, popen.stdout):
        if pipe is not None:
            pipe.close()
    try:
        return popen.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        return None


def signal_group(popen: subprocess.Popen[bytes], signum: int) -> None:
    """Send ``signum`` to the child's whole process group (it leads its own session)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(popen.pid, signum)


def stop_group(popen: subprocess.Popen[bytes], grace: float = GRACE_SECONDS) -> int | None:
    """Stop a child we did not write, and everything in its process group: SIGTERM to it
    (as a container runtime does: what it started is its business), then SIGKILL to the
    whole group after ``grace`` (also for what it left behind when it exited)."""
    if popen.poll() is None:
        popen.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            popen.wait(timeout=grace)
    signal_group(popen, signal.SIGKILL)  # what is left of the group
    return stop(popen, grace)
