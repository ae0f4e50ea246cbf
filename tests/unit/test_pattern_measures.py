"""The measures of the consumer-pattern scenarios, on crafted histories: each one can say
that the failure mode happened, and that it did not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from queuelab.check.ledger import Observation
from queuelab.contract.history import FAIL, INVOKE, OK, Fn, Op
from queuelab.run.scenario import Measured
from scenarios import check_then_act, fifo_poison_group, heartbeat, lease_expiry, retry_backoff
from scenarios.shared.leases import consumers_polling


def op(time: float, process: str, type_: str, f: Fn, key: str | None = None, **value: Any) -> Op:
    return Op(time, process, type_, f, key, value)


def measured(history: list[Op], **params: Any) -> Measured:
    ordered = sorted(history, key=lambda o: o.time)
    return Measured(ordered, Observation(), Path("/nonexistent"), params, False, 2)


def claim(start: float, end: float, process: str, outcome: str, key: str = "o1") -> list[Op]:
    return [
        op(start, process, INVOKE, Fn.CLAIM, f"msg-{process}", dedupe_key=key),
        op(end, process, OK, Fn.CLAIM, f"msg-{process}", dedupe_key=key, outcome=outcome),
    ]


def receive(time: float, process: str, *keys: str, asked: float | None = None) -> list[Op]:
    messages = [{"key": k, "message_id": f"id-{k}"} for k in keys]
    return [
        op(time if asked is None else asked, process, INVOKE, Fn.RECEIVE),
        op(time, process, OK, Fn.RECEIVE, messages=messages),
    ]


def test_claims_begun_before_either_answered_are_interleaved() -> None:
    both_in = claim(1.0, 1.5, "c1", "acquired") + claim(1.01, 1.51, "c2", "acquired")
    metrics = check_then_act.measure(measured(both_in))
    assert metrics == {"interleaved_claims": 1, "double_claims": 1}
    one_after_the_other = claim(1.0, 1.5, "c1", "acquired") + claim(1.6, 2.1, "c2", "in_progress")
    assert check_then_act.measure(measured(one_after_the_other))["interleaved_claims"] == 0


def test_a_claim_after_the_short_lease_while_the_holder_works_is_late() -> None:
    work_ends = op(4.0, "c1", OK, Fn.SIDE_EFFECT, "msg-c1", subject="o1")
    holder = [*claim(1.0, 1.05, "c1", "acquired"), work_ends]
    early = claim(1.01, 1.06, "c2", "in_progress")  # at once: any lease would stop it
    late = claim(3.1, 3.15, "c2", "acquired")  # after 1 s (0.5 visibility timeouts)
    metrics = lease_expiry.measure(measured(holder + early + late, lease_factor=0.5))
    assert metrics == {"late_claims": 1, "takeovers": 1, "longer_leases": 0}
    after_work = claim(4.5, 4.55, "c2", "completed")
    metrics = lease_expiry.measure(measured(holder + early + after_work, lease_factor=0.5))
    assert metrics["late_claims"] == 0


def test_work_past_the_visibility_timeout_with_a_poller_is_a_redelivery_chance() -> None:
    history = [
        *receive(1.0, "c1", "a", asked=0.9),
        *claim(1.01, 1.02, "c1", "acquired", key="a"),
        *receive(2.0, "c2"),  # still inside c1's lease: no chance
        *receive(3.5, "c2"),  # after it: c2 could have got the message
        op(6.0, "c1", OK, Fn.SIDE_EFFECT, "a", subject="a"),
        op(1.7, "c1", OK, Fn.HEARTBEAT, "a"),
    ]
    metrics = heartbeat.measure(measured(history))
    assert metrics["outlasted_visibility"] == 1 and metrics["redelivery_chances"] == 1
    assert metrics["wasted_work"] == 0 and metrics["heartbeats"] == 1
    taken_over = [*history, *claim(3.6, 3.61, "c2", "acquired", key="a")]
    assert heartbeat.measure(measured(taken_over))["wasted_work"] == 1


def sends(*specs: tuple[str, str, int, bool]) -> list[Op]:
    return [
        op(0.0, "producer", INVOKE, Fn.SEND, key, poison=poison,
           payload={"group": group, "sequence": sequence})
        for key, group, sequence, poison in specs
    ]  # fmt: skip


FIFO = sends(("p", "g0", 0, True), ("b", "g1", 1, False), ("f", "g0", 2, False))


def done(time: float, key: str) -> Op:
    return op(time, "c1", OK, Fn.SIDE_EFFECT, key)


def test_a_message_done_before_its_failed_predecessor_came_back_is_an_order_violation() -> None:
    carried_on = [*FIFO, *receive(1.0, "c1", "p", "b", "f"), done(1.1, "b"), done(1.2, "f")]
    carried_on += receive(3.0, "c1", "p")
    metrics = fifo_poison_group.measure(measured(carried_on))
    assert metrics["order_violations"] == 1 and metrics["followers_in_batch"] == 1
    skipped = [*FIFO, *receive(1.0, "c1", "p", "b", "f"), done(1.1, "b")]
    skipped += [*receive(3.0, "c1", "p", "f"), done(3.1, "f")]
    metrics = fifo_poison_group.measure(measured(skipped))
    assert metrics["order_violations"] == 0 and metrics["followers_in_batch"] == 2
    assert metrics["group_blocked_s"] == 2.1 and metrics["flowed_while_blocked"] == 1


def test_the_downstream_call_rates_count_failures_over_the_outage_and_the_busiest_second() -> None:
    calls = []
    for i in range(6):
        t = 1.0 + i * 0.1
        calls += [
            op(t, "c1", INVOKE, Fn.SIDE_EFFECT, "a"),
            op(t, "c1", FAIL, Fn.SIDE_EFFECT, "a"),
        ]
    metrics = retry_backoff.measure(measured(calls, outage_factor=1.5))
    assert metrics["outage_calls"] == 6 and metrics["outage_call_rate"] == 2.0
    assert metrics["peak_call_rate"] == 6 and metrics["retried_messages"] == 0


def test_a_retry_is_timed_from_the_failure_to_the_next_receive_whatever_brought_it_back() -> None:
    # A backoff of 1 s, then of 3 s (asked through ChangeMessageVisibility, as the endpoint
    # saw it), then success; another message failed once and was never received again.
    history = [
        *receive(1.0, "c1", "a", "b"),
        op(1.1, "c1", INVOKE, Fn.SIDE_EFFECT, "a"), op(1.2, "c1", FAIL, Fn.SIDE_EFFECT, "a"),
        op(1.3, "c1", INVOKE, Fn.VISIBILITY, "a", visibility=1),
        op(1.3, "c1", INVOKE, Fn.SIDE_EFFECT, "b"), op(1.4, "c1", FAIL, Fn.SIDE_EFFECT, "b"),
        *receive(2.4, "c1", "a"),
        op(2.5, "c1", INVOKE, Fn.SIDE_EFFECT, "a"), op(2.6, "c1", FAIL, Fn.SIDE_EFFECT, "a"),
        *receive(5.6, "c1", "a"),
        op(5.7, "c1", INVOKE, Fn.SIDE_EFFECT, "a"), op(5.8, "c1", OK, Fn.SIDE_EFFECT, "a"),
    ]  # fmt: skip

    metrics = retry_backoff.measure(measured(history, outage_factor=1.5))

    assert metrics["retried_messages"] == 1
    assert (metrics["first_retry_delay_s"], metrics["last_retry_delay_s"]) == (1.2, 3.0)
    assert retry_backoff.retry_timelines(history) == [
        "a: attempts at +0.0, +1.4, +4.6 s; visibility asked (s): 1",
        "b: attempts at +0.0 s; visibility asked (s): none",
    ]


def request(t0: float, t1: float, process: str, outcome: str, key: str = "o1",
            message: str = "") -> list[Op]:  # fmt: skip
    """A side-effect request as the endpoint logged it (``queuelab.check.blackbox``)."""
    message = message or f"msg-{process}"
    asked = {"idempotency_key": key}
    if outcome == "replayed":
        return [op(t1, process, OK, Fn.SKIP, message, **asked, asked_at=t0)]
    end = (op(t1, process, OK, Fn.SIDE_EFFECT, message, **asked) if outcome == "performed"
           else op(t1, process, FAIL, Fn.SIDE_EFFECT, message, **asked, error=outcome))  # fmt: skip
    return [op(t0, process, INVOKE, Fn.SIDE_EFFECT, message, **asked), end]


def test_keyed_requests_from_outside_are_claims_on_their_key() -> None:
    # The holder's request is in progress 1.0-6.0; the other consumer meets it at once (409,
    # not late), then again after a 1 s lease would have ended (late, held: no takeover).
    holder = request(1.0, 6.0, "c1", "performed")
    others = request(1.2, 1.2, "c2", "conflict") + request(3.0, 3.0, "c2", "conflict")
    metrics = lease_expiry.measure(measured(holder + others, lease_factor=0.5))
    assert metrics == {"late_claims": 1, "takeovers": 0, "longer_leases": 0}
    assert check_then_act.measure(measured(holder + others)) == {
        "interleaved_claims": 2, "double_claims": 0
    }  # fmt: skip
    replay = request(7.0, 7.1, "c2", "replayed")
    assert lease_expiry.measure(measured(holder + replay, lease_factor=0.5))["late_claims"] == 0


def test_unkeyed_requests_claim_their_order_so_two_let_in_are_a_double_claim() -> None:
    orders = [
        op(0.0, "producer", INVOKE, Fn.SEND, key, subject="order-1", payload={})
        for key in ("m1", "m2")
    ]
    both = request(1.0, 1.5, "c1", "performed", "", "m1") + request(1.2, 1.7, "c2", "performed",
                                                                     "", "m2")  # fmt: skip
    metrics = check_then_act.measure(measured(orders + both))
    assert metrics == {"interleaved_claims": 1, "double_claims": 1}


def test_a_long_poll_open_during_the_window_is_a_chance_whenever_it_returned() -> None:
    history = [
        *receive(1.0, "c1", "a", asked=0.9),
        *receive(8.0, "c2", asked=2.0),  # opened before the lease ended, returned after the work
        op(6.0, "c1", INVOKE, Fn.SIDE_EFFECT, "a", idempotency_key="a"),
        op(6.5, "c1", OK, Fn.SIDE_EFFECT, "a", idempotency_key="a"),
        op(1.5, "c1", INVOKE, Fn.VISIBILITY, "a", visibility=2),
        op(1.6, "c1", OK, Fn.VISIBILITY, "a", visibility=2),
    ]
    metrics = heartbeat.measure(measured(history))
    assert metrics["outlasted_visibility"] == 1 and metrics["redelivery_chances"] == 1
    assert metrics["heartbeats"] == 1 and metrics["leases_lost"] == 0


def test_a_consumer_in_a_long_poll_not_answered_yet_is_polling() -> None:
    asked = [Op(1.0, "consumer-1", INVOKE, Fn.RECEIVE, None, {})]
    assert not consumers_polling(asked, ["consumer-1", "consumer-2"], receiving=set())
    # consumer-2's first receive is a 20 s long poll the endpoint is still serving
    assert consumers_polling(asked, ["consumer-1", "consumer-2"], receiving={"consumer-2"})


def test_a_consumer_that_leases_longer_than_the_queue_s_timeout_meets_no_late_claim() -> None:
    # Given a copy of the order received by consumer-2 with a lease of its own (5 s on a 2 s
    # queue): its 409 leaves it, and it comes back after the holder's work
    history = [
        Op(1.0, "consumer-2", OK, Fn.RECEIVE, None, {"messages": [{"key": "b"}], "visibility": 5}),
    ]
    run = Measured(history, Observation(), Path("/nonexistent"), {"lease_factor": 0.5}, False, 2)
    counts = lease_expiry.measure(run)
    assert (counts["late_claims"], counts["longer_leases"]) == (0, 1)
