"""Watching a consumer the lab did not write: one that has not called ReceiveMessage within
its start-up time hangs, unless a receive of its is being served (a long poll of up to 20 s
is witnessed only once answered)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from queuelab.contract.clients import AwsSettings
from queuelab.run.children import Child, Role
from queuelab.run.drivers import command
from queuelab.run.watch import STARTUP_SECONDS, Watch


class Running:
    """A process that is still running."""

    pid = 0
    returncode = None

    def poll(self) -> None:
        return None


def started_long_ago(name: str, tmp_path: Path) -> Child:
    popen: Any = Running()
    child = Child(name, Role.CONSUMER, popen, tmp_path / f"{name}.log", foreign=True)
    child.started = time.monotonic() - STARTUP_SECONDS - 1
    return child


def test_a_consumer_with_no_receive_call_after_its_start_up_time_hangs(tmp_path: Path) -> None:
    seen = Watch("my-consumer", tmp_path)
    seen.children = {"consumer-1": started_long_ago("consumer-1", tmp_path)}
    [(name, problem)] = seen._found()
    assert name == "consumer-1" and "made no ReceiveMessage call within 15 s" in problem


def test_a_consumer_in_a_long_poll_not_answered_yet_is_receiving(tmp_path: Path) -> None:
    seen = Watch("my-consumer", tmp_path, polling=lambda: {"consumer-1"})
    seen.children = {"consumer-1": started_long_ago("consumer-1", tmp_path)}
    assert seen._found() == []


def test_a_target_without_the_gateway_says_nobody_is_polling() -> None:
    assert command.polling(AwsSettings(), "token")() == set()
