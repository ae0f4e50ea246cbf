"""The retry policies: exponential backoff with full jitter from the receive count."""

from __future__ import annotations

import random

from consumer.backoff import AfterVisibilityTimeout, Backoff, Immediate, ceiling, full_jitter
from consumer.message import Received


def received(count: int) -> Received:
    return Received("m", "h", "{}", "k", count)


def test_the_ceiling_doubles_per_receive_up_to_the_cap() -> None:
    assert [ceiling(n, base=1, cap=10) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]


def test_the_ceiling_never_exceeds_what_sqs_accepts() -> None:
    assert ceiling(200, base=1, cap=10**9) == 43200


def test_full_jitter_stays_between_one_second_and_the_ceiling_rounded_up() -> None:
    rng = random.Random(0)
    delays = {full_jitter(3, base=2, cap=60, rng=rng) for _ in range(2000)}
    assert delays == set(range(1, 9))  # ceiling 8: every whole second from 1 to 8


def test_full_jitter_spreads_messages_that_failed_together() -> None:
    rng = random.Random(1)
    delays = [full_jitter(4, base=1, cap=900, rng=rng) for _ in range(10)]
    assert len(set(delays)) > 3


def test_a_retry_is_never_immediate_even_with_a_tiny_base() -> None:
    rng = random.Random(2)
    assert min(full_jitter(1, base=0.001, cap=1, rng=rng) for _ in range(100)) == 1


def test_the_policies_say_when_a_failed_message_comes_back() -> None:
    assert AfterVisibilityTimeout().delay(received(3)) is None  # after the visibility timeout
    assert Immediate().delay(received(3)) == 0
    backoff = Backoff(base=2, cap=5, rng=random.Random(3))
    assert 1 <= (backoff.delay(received(1)) or 0) <= 2
    assert backoff.ceiling(received(5)) == 5
