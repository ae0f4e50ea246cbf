"""The concurrency ramp (pure): services-sqs-scaling.html, API_ScalingConfig.html,
services-sqs-errorhandling.html."""

from __future__ import annotations

from queuelab.esm.scaling import Ramp


def test_five_to_start_three_hundred_more_a_minute_a_thousand_at_most() -> None:
    ramp = Ramp(now=0.0)
    assert ramp.pollers() == 5
    ramp.found_messages(60.0)
    assert ramp.pollers() == 305
    ramp.found_messages(120.0)
    ramp.found_messages(1000.0)
    assert ramp.pollers() == 1000


def test_growth_is_steady_not_a_jump() -> None:
    ramp = Ramp(now=0.0)
    for second in range(1, 11):
        ramp.found_messages(float(second))
    assert ramp.pollers() == 55  # 5 + 300/60 a second


def test_maximum_concurrency_caps_it() -> None:
    ramp = Ramp(maximum_concurrency=2, now=0.0)
    assert ramp.pollers() == 2
    ramp.found_messages(600.0)
    assert ramp.pollers() == 2
    assert Ramp(maximum_concurrency=50, now=0.0).pollers() == 5


def test_quiet_scales_back_to_five() -> None:
    ramp = Ramp(now=0.0)
    ramp.found_messages(6.0)
    assert ramp.pollers() == 35
    for _ in range(100):
        ramp.found_none(6.0)
    assert ramp.pollers() == 5


def test_failures_back_off_down_to_one() -> None:
    ramp = Ramp(now=0.0)
    for _ in range(10):
        ramp.back_off(0.0)
    assert ramp.pollers() == 1
    ramp.found_messages(1.0)
    assert ramp.pollers() == 6
