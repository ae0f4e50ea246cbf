"""The heartbeat extends the lease while the work runs, and stops when it ends or is lost."""

from __future__ import annotations

import time

import pytest

from consumer.heartbeat import Heartbeat
from consumer.message import Received

MESSAGE = Received("m", "h", "{}", "k", 1)


class Queue:
    """Answers ChangeMessageVisibility: yes, until ``refuse_after`` extensions."""

    def __init__(self, refuse_after: int = 10**6) -> None:
        self.extensions: list[tuple[float, int]] = []
        self.refuse_after = refuse_after

    def extend(self, message: Received, seconds: int) -> bool:
        self.extensions.append((time.monotonic(), seconds))
        return len(self.extensions) <= self.refuse_after


def test_it_extends_the_visibility_while_the_work_runs_and_stops_with_it() -> None:
    queue = Queue()
    with Heartbeat(queue.extend, interval=0.05, visibility=2).keep(MESSAGE) as beat:
        time.sleep(0.3)
    ended = time.monotonic()
    time.sleep(0.15)
    assert beat.extensions >= 3 and not beat.lost
    assert all(seconds == 2 for _, seconds in queue.extensions)
    assert all(at <= ended for at, _ in queue.extensions)  # nothing after the work ended


def test_a_refused_extension_means_the_lease_is_lost_and_beating_stops() -> None:
    queue = Queue(refuse_after=1)
    with Heartbeat(queue.extend, interval=0.03, visibility=2).keep(MESSAGE) as beat:
        time.sleep(0.3)
    assert beat.lost and beat.extensions == 1
    assert len(queue.extensions) == 2  # one accepted, one refused, then silence


def test_renewals_follow_each_extension_and_a_refused_one_loses_the_lease() -> None:
    deadlines: list[float] = []

    def renew(message: Received, until: float) -> bool:
        assert message is MESSAGE
        deadlines.append(until)
        return len(deadlines) < 2

    queue = Queue()
    started = time.time()
    with Heartbeat(queue.extend, 0.03, 3, renewals=[renew]).keep(MESSAGE) as beat:
        time.sleep(0.3)
    assert beat.lost and len(deadlines) == 2
    assert started + 3 <= deadlines[0] <= time.time() + 3  # the visibility from the beat


def test_a_heartbeat_slower_than_the_visibility_timeout_is_refused() -> None:
    with pytest.raises(ValueError, match="more often than the visibility timeout"):
        Heartbeat(Queue().extend, interval=2, visibility=2)
