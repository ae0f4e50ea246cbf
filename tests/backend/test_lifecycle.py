"""Whatever happens to its owner, the embedded server must not outlive it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from queuelab.backend import EmbeddedBackend

OWNER = Path(__file__).with_name("owner.py")


def is_running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_until_gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_running(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_server_dies_with_its_owner(signum: signal.Signals) -> None:
    owner = subprocess.Popen(
        [sys.executable, str(OWNER)], stdout=subprocess.PIPE, start_new_session=True
    )
    assert owner.stdout is not None
    server_pid = int(owner.stdout.readline())
    assert is_running(server_pid)

    os.kill(owner.pid, signum)
    owner.wait(timeout=10)

    assert wait_until_gone(server_pid), f"server {server_pid} outlived its owner ({signum.name})"


def test_context_manager_stops_the_server_on_exception() -> None:
    with pytest.raises(RuntimeError), EmbeddedBackend() as endpoint:
        pid = endpoint.pid
        raise RuntimeError("scenario failed")
    assert wait_until_gone(pid)


def test_stop_is_idempotent() -> None:
    backend = EmbeddedBackend()
    pid = backend.start().pid
    backend.stop()
    backend.stop()
    assert wait_until_gone(pid)
