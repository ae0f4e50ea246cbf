"""How the run reads a process's exit code."""

from __future__ import annotations

import pytest

from queuelab.contract.processes import EXIT_CRASH
from queuelab.run.children import Ending, Role, ending


@pytest.mark.parametrize(
    ("role", "code", "stopped_by_lab", "expected"),
    [
        (Role.CONSUMER, None, False, Ending.RUNNING),
        (Role.CONSUMER, 0, False, Ending.CLEAN),
        (Role.PRODUCER, 0, True, Ending.CLEAN),
        (Role.CONSUMER, EXIT_CRASH, False, Ending.CRASHED_ON_PURPOSE),
        (Role.PRODUCER, EXIT_CRASH, False, Ending.UNEXPECTED),  # producers have no crash knob
        (Role.CONSUMER, -9, True, Ending.KILLED),  # SIGKILL after the grace period (or chaos)
        (Role.CONSUMER, 128 + 15, True, Ending.STOPPED),  # second SIGTERM: exits at once
        (Role.CONSUMER, -9, False, Ending.UNEXPECTED),  # killed by someone else
        (Role.CONSUMER, 2, True, Ending.UNEXPECTED),  # a bad knob is never the lab's doing
        (Role.PRODUCER, 1, False, Ending.UNEXPECTED),  # sends failed
    ],
)
def test_an_exit_code_is_classified_by_role_and_by_who_stopped_the_process(
    role: Role, code: int | None, stopped_by_lab: bool, expected: Ending
) -> None:
    assert ending(role, code, stopped_by_lab) is expected


@pytest.mark.parametrize(
    ("code", "stopped_by_lab", "expected"),
    [
        (0, False, Ending.UNEXPECTED),  # a consumer runs until the lab stops it
        (EXIT_CRASH, False, Ending.UNEXPECTED),  # our crash code means nothing to it
        (0, True, Ending.CLEAN),
        (-9, True, Ending.KILLED),  # killed by the lab, not stopped
        (1, True, Ending.STOPPED),  # after the lab's signal, any exit will do
    ],
)
def test_a_foreign_consumer_may_end_only_when_the_lab_stops_it(
    code: int, stopped_by_lab: bool, expected: Ending
) -> None:
    assert ending(Role.CONSUMER, code, stopped_by_lab, foreign=True) is expected
