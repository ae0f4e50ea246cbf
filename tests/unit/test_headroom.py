"""A batch starts one more run beside others only while the CPU had idle time, one at a
time; a floor of runs always goes."""

from __future__ import annotations

from queuelab.run.headroom import Headroom


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_runs_up_to_the_floor_start_whatever_the_machine_does() -> None:
    room = Headroom(floor=4, idle_share=lambda: 0.0, clock=Clock())
    assert all(room(running) for running in range(4))


def test_beyond_the_floor_a_busy_cpu_leaves_no_room() -> None:
    room = Headroom(floor=4, idle=0.25, idle_share=lambda: 0.1, clock=Clock())
    assert not room(4)


def test_an_idle_cpu_lets_one_more_start_then_waits_for_its_start_to_show() -> None:
    clock = Clock()
    room = Headroom(floor=4, idle=0.25, interval=1.0, idle_share=lambda: 0.6, clock=clock)
    assert room(4)
    assert not room(5)  # the last start's own CPU shows only later
    clock.now = 1.5
    assert room(5)
