"""The scenario-specific measures that decide whether a failure mode really happened."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from queuelab.check.ledger import Observation
from queuelab.contract.history import FAIL, INFO, INVOKE, OK, Fn, Op
from queuelab.run.scenario import Measured
from scenarios import backpressure, business, dup_graceful_shutdown, fifo_order, poison
from scenarios.fifo_dedup_window import measure_window
from scenarios.late_delete import refused_deletes
from scenarios.shared import versions
from scenarios.shared.measures import polled_while_in_flight


def op(time: float, process: str, type_: str, f: Fn, key: str | None = None, **value: Any) -> Op:
    return Op(time, process, type_, f, key, value)


def measured(history: list[Op], run_dir: Path = Path("/nonexistent")) -> Measured:
    return Measured(history, Observation(), run_dir, {}, False, visibility_timeout=2)


def receive(time: float, process: str, *keys: str) -> Op:
    return op(time, process, OK, Fn.RECEIVE, messages=[{"key": k} for k in keys])


def test_a_jittery_but_steady_backlog_is_not_growing() -> None:
    assert backpressure.trend([60, 66, 59, 64, 60], 1.0) < 1
    assert backpressure.trend([10, 25, 41, 55, 70], 1.0) > 14


def test_polls_count_only_while_the_crashed_message_is_invisible() -> None:
    history = [
        receive(10.0, "crashy", "m3"),
        op(10.1, "crashy", INFO, Fn.CRASH, "m3"),
        receive(11.0, "healthy", "m4"),  # overtakes m3
        receive(13.5, "healthy", "m3"),  # after the 2 s visibility timeout: the retry
    ]
    assert polled_while_in_flight(history, visibility_timeout=2) == 1
    assert polled_while_in_flight(history[:2] + history[3:], visibility_timeout=2) == 0


def test_a_long_poll_open_across_the_in_flight_window_was_a_chance_to_overtake() -> None:
    history = [
        receive(10.0, "crashy", "m3"),
        op(10.1, "crashy", INFO, Fn.CRASH, "m3"),
        op(9.0, "long-poller", INVOKE, Fn.RECEIVE),  # a 20 s wait, open through 10..12
        op(13.5, "long-poller", OK, Fn.RECEIVE, messages=[{"key": "m3"}]),
    ]
    assert polled_while_in_flight(history, visibility_timeout=2) == 1


def test_a_crashed_message_leased_shorter_than_the_queue_s_timeout_had_no_one_to_overtake_it(
    tmp_path: Path,
) -> None:
    # Given a consumer that asks each receive for 5 s on a queue of 8 s, and crashes; the
    # replacement's first poll opens 6 s later
    history = [
        op(10.0, "crashy", OK, Fn.RECEIVE, messages=[{"key": "m3"}], visibility=5),
        op(10.1, "crashy", INFO, Fn.CRASH, "m3"),
        op(16.0, "healthy", INVOKE, Fn.RECEIVE),
        op(16.1, "healthy", OK, Fn.RECEIVE, messages=[{"key": "m3"}]),
    ]
    run = Measured(history, Observation(), tmp_path, {}, False, visibility_timeout=8)
    # Then nothing could overtake it, and the scenario says its lease is why
    counts = fifo_order.measure(run)
    assert (counts["overtake_chances"], counts["short_leases"]) == (0, 1)
    # ...whereas on the queue's own 8 s lease the same poll was a chance
    history[0] = receive(10.0, "crashy", "m3")
    assert polled_while_in_flight(history, visibility_timeout=8) == 1


def test_a_blind_apply_would_be_stale_only_if_the_newest_did_not_arrive_last(
    tmp_path: Path,
) -> None:
    sends = [
        op(1.0, "producer", INVOKE, Fn.SEND, f"k{v}", payload={"entity_id": "e", "version": v})
        for v in (1, 2, 3)
    ]
    (tmp_path / versions.LOG_FILE).write_text("e 2 applied\ne 1 stale\ne 3 applied\n")
    assert versions.measure(measured(sends, tmp_path))["stale_if_blind"] == 0
    (tmp_path / versions.LOG_FILE).write_text("e 1 applied\ne 3 applied\ne 2 stale\n")
    assert versions.measure(measured(sends, tmp_path))["stale_if_blind"] == 1


def test_repeated_orders_count_messages_beyond_the_first_per_order() -> None:
    history = [
        op(1.0, "producer", INVOKE, Fn.SEND, "a", subject="o1"),
        op(1.0, "producer", INVOKE, Fn.SEND, "b", subject="o1"),
        op(1.0, "producer", INVOKE, Fn.SEND, "c", subject="c"),  # no order: its own subject
    ]
    assert business.measure(measured(history))["repeated_orders"] == 1


def test_sigterm_counts_as_mid_work_only_before_the_side_effect_of_the_message_in_hand() -> None:
    before = [op(5.0, "consumer-1", OK, Fn.SIGNAL, "m1", signal="SIGTERM")]
    after = [
        op(4.0, "consumer-1", OK, Fn.SIDE_EFFECT, "m1"),
        op(5.0, "consumer-1", OK, Fn.SIGNAL, "m1", signal="SIGTERM"),
    ]
    idle = [op(5.0, "consumer-1", OK, Fn.SIGNAL, None, signal="SIGTERM")]
    assert dup_graceful_shutdown.measure(measured(before))["signalled_mid_work"] == 1
    assert dup_graceful_shutdown.measure(measured(after))["signalled_mid_work"] == 0
    assert dup_graceful_shutdown.measure(measured(idle))["signalled_mid_work"] == 0


def test_only_the_message_in_hand_coming_back_counts_not_the_rest_of_its_batch() -> None:
    signalled = [
        receive(4.0, "consumer-1", "m1", "m2"),
        op(4.5, "consumer-1", INVOKE, Fn.SIDE_EFFECT, "m1"),  # held by the endpoint
        op(5.0, "consumer-1", OK, Fn.SIGNAL, "m1", signal="SIGTERM"),
    ]
    finished = [*signalled, receive(6.0, "consumer-2", "m2")]  # released, picked up
    abandoned = [*finished, receive(8.0, "consumer-2", "m1")]  # the work in hand, again
    measure = dup_graceful_shutdown.measure
    assert measure(measured(finished))["signalled_mid_work"] == 1, "invoked is not done"
    assert measure(measured(finished))["in_hand_redelivered"] == 0
    assert measure(measured(abandoned))["in_hand_redelivered"] == 1


def test_poison_received_counts_what_the_consumers_were_handed() -> None:
    history = [
        op(1.0, "producer", INVOKE, Fn.SEND, "p", poison=True),
        op(1.0, "producer", INVOKE, Fn.SEND, "g", poison=False),
        receive(2.0, "consumer-1", "p", "g"),
        receive(4.0, "consumer-2", "p"),
    ]
    assert poison.measure(measured(history))["poison_received"] == 2


def test_the_dedup_window_measure_separates_resends_inside_and_after_the_window() -> None:
    received = [{"key": "a"}]
    history = [
        op(0.0, "producer", OK, Fn.SEND, "a"),
        op(0.1, "consumer-1", OK, Fn.RECEIVE, None, messages=received),
        op(0.2, "consumer-1", OK, Fn.DELETE, "a"),
        op(1.0, "producer", INVOKE, Fn.SEND, "a"),  # inside the 4 s window, after the delete
        op(1.1, "consumer-1", OK, Fn.RECEIVE, None, messages=received),  # a redelivery
        op(5.0, "producer-restarted", INVOKE, Fn.SEND, "a"),  # after the window
        op(5.1, "consumer-1", OK, Fn.RECEIVE, None, messages=received),
    ]

    measured = measure_window(history, window=4.0)

    assert measured["resent_in_window"] == 1 and measured["redelivered_in_window"] == 1
    assert measured["resent_after_window"] == 1 and measured["redelivered_after_window"] == 1
    assert measured["window_end_shown"] == 1
    quiet = measure_window([o for o in history if o.time != 1.1], window=4.0)
    assert quiet["redelivered_in_window"] == 0


def test_a_resend_before_the_delete_does_not_count_as_inside_the_window() -> None:
    history = [
        op(0.0, "producer", OK, Fn.SEND, "a"),
        op(0.5, "producer", INVOKE, Fn.SEND, "a"),
        op(1.0, "consumer-1", OK, Fn.DELETE, "a"),
    ]

    assert measure_window(history, window=4.0)["resent_in_window"] == 0


def test_refused_deletes_count_only_lost_leases() -> None:
    history = [
        op(0.0, "c", FAIL, Fn.DELETE, "a", lease_lost=True),
        op(0.1, "c", FAIL, Fn.DELETE, "b", lease_lost=False),
        op(0.2, "c", OK, Fn.DELETE, "c"),
    ]

    assert refused_deletes(history) == 1
