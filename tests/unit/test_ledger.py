"""The checker on crafted histories, including the ones that must fail."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from queuelab.check.ledger import Observation, compute
from queuelab.check.verdict import Expect, Status, judge
from queuelab.contract.history import FAIL, INFO, INVOKE, OK, Fn, Op
from scenarios.kit import EXACTLY_ONCE

VISIBILITY = 2.0


class Story:
    """Builds a history one operation at a time, with a steadily advancing clock."""

    def __init__(self) -> None:
        self.ops: list[Op] = []
        self.clock = 1000.0

    def add(self, process: str, type_: str, f: Fn, key: str | None = None, **value: Any) -> Story:
        self.clock += 0.01
        self.ops.append(Op(self.clock, process, type_, f, key, value))
        return self

    def sent(self, *keys: str, poison: bool = False, subject: str | None = None) -> Story:
        for key in keys:
            self.add("producer", INVOKE, Fn.SEND, key, subject=subject or key, poison=poison)
            self.add("producer", OK, Fn.SEND, key, message_id=f"m-{key}")
        return self

    def received(self, key: str, process: str = "c1", message_id: str | None = None) -> Story:
        msg = {"key": key, "message_id": message_id or f"m-{key}", "receive_count": 1}
        return self.add(process, OK, Fn.RECEIVE, None, messages=[msg])

    def wait(self, seconds: float) -> Story:
        self.clock += seconds
        return self


def computed(story: Story, observed: Observation) -> Any:
    """The ledger, as the runner completes it (the queue drained while consumers ran)."""
    return replace(compute(story.ops, observed, VISIBILITY), extra={"drained": 1})


def judged(story: Story, observed: Observation, *expect: Expect) -> tuple[Any, Any]:
    ledger = computed(story, observed)
    return ledger, judge(ledger, expect or EXACTLY_ONCE)


def test_every_message_delivered_once_passes() -> None:
    story = Story().sent("a", "b").received("a").received("b")
    ledger, verdict = judged(story, Observation(side_effects={"a": 1, "b": 1}))
    assert (ledger.attempted, ledger.acknowledged, ledger.delivered) == (2, 2, 2)
    assert verdict.status is Status.PASSED


def test_a_message_that_vanished_is_lost_and_fails() -> None:
    story = Story().sent("a", "b").received("a").received("b")
    ledger, verdict = judged(story, Observation(side_effects={"a": 1}))
    assert ledger.lost == 1 and ledger.samples["lost"] == ["b"]
    assert verdict.status is Status.FAILED
    assert any(check.name == "lost" and not check.ok for check in verdict.checks)


def test_a_message_still_in_the_queue_is_stuck_not_lost() -> None:
    ledger, verdict = judged(Story().sent("a"), Observation(queue=("a",)))
    assert (ledger.lost, ledger.stuck) == (0, 1)
    assert verdict.status is Status.FAILED


def test_a_message_nobody_sent_is_unexpected() -> None:
    story = Story().sent("a").received("a").received("ghost")
    ledger, verdict = judged(story, Observation(side_effects={"a": 1, "other": 1}))
    assert ledger.unexpected == 2  # received "ghost", and a side effect on "other"
    assert verdict.status is Status.FAILED


def test_a_second_performance_is_a_duplicate_side_effect() -> None:
    story = Story().sent("a").received("a").wait(3).received("a", "c2")
    ledger, verdict = judged(story, Observation(side_effects={"a": 2}))
    assert (ledger.duplicate_side_effects, ledger.redeliveries) == (1, 1)
    assert verdict.status is Status.FAILED


def test_a_run_where_nothing_happened_is_an_error_not_a_pass() -> None:
    ledger, verdict = judged(Story(), Observation())
    assert ledger.attempted == 0
    assert verdict.status is Status.ERROR
    assert any("attempted" in reason for reason in verdict.reasons)


def test_sends_that_were_never_confirmed_cannot_pass() -> None:
    story = Story().add("producer", INVOKE, Fn.SEND, "a").add("producer", INFO, Fn.SEND, "a")
    _, verdict = judged(story, Observation())
    assert verdict.status is Status.ERROR


def test_an_unexercised_failure_mode_is_an_error() -> None:
    story = Story().sent("a").received("a")
    ledger = computed(story, Observation(side_effects={"a": 1}))
    verdict = judge(ledger, EXACTLY_ONCE, preconditions=(Expect("redeliveries", ">=", 1),))
    assert verdict.status is Status.ERROR
    assert verdict.reasons == ("not judged: needs redeliveries >= 1, got 0",)


def test_a_backend_that_redelivers_inside_the_visibility_timeout_is_an_error() -> None:
    story = Story().sent("a").received("a", "c1").received("a", "c2")  # 10 ms apart
    ledger, verdict = judged(story, Observation(side_effects={"a": 1}))
    assert ledger.early_redeliveries == 1
    assert verdict.status is Status.ERROR


def test_a_release_makes_an_early_redelivery_legitimate() -> None:
    story = (
        Story()
        .sent("a")
        .received("a", "c1")
        .add("c1", OK, Fn.RELEASE, "a", message_id="m-a")
        .received("a", "c2")
    )
    ledger, _ = judged(story, Observation(side_effects={"a": 1}))
    assert ledger.early_redeliveries == 0


def test_a_release_answered_after_the_next_receive_is_not_an_early_redelivery() -> None:
    # Given c1 releases a message, c2 receives it, and only then c1 records the answer
    story = Story().sent("a").received("a", "c1").wait(0.5)
    story.add("c1", INVOKE, Fn.RELEASE, "a", message_id="m-a").received("a", "c2")
    story.add("c1", OK, Fn.RELEASE, "a", message_id="m-a")
    # Then the backend did nothing wrong
    ledger, _ = judged(story, Observation(side_effects={"a": 1}))
    assert ledger.early_redeliveries == 0


def test_a_slowly_recorded_receive_does_not_make_a_timely_redelivery_early() -> None:
    # Given c1's receive returned at once but c1 wrote it down 0.8 s later, and c2 got the
    # message again 2.1 s after c1's call (the 2 s visibility timeout had expired)
    story = Story().sent("a").add("c1", INVOKE, Fn.RECEIVE).wait(0.8).received("a", "c1")
    story.wait(1.3).add("c2", INVOKE, Fn.RECEIVE).received("a", "c2")
    ledger, _ = judged(story, Observation(side_effects={"a": 1}))
    assert ledger.early_redeliveries == 0


def test_a_receive_written_down_late_may_have_been_served_first() -> None:
    # Given c2 asked first and was served at once, but was frozen (SIGSTOP) before it wrote
    # its ok; the lease ran out, c1 received the message 2.2 s later and wrote it down at
    # once, and c2, resumed, wrote its ok 0.3 s after c1's call (the soak's seed 2026 run:
    # a consumer stopped at the same time, the other's receive retried after a lost answer)
    story = Story().sent("a").add("c2", INVOKE, Fn.RECEIVE).wait(2.2)
    story.add("c1", INVOKE, Fn.RECEIVE).received("a", "c1").wait(0.3).received("a", "c2")
    # Then nothing says the backend handed the message out inside a lease: c2's lease may
    # have been the first, over before c1's began
    ledger, _ = judged(story, Observation(side_effects={"a": 1}))
    assert ledger.early_redeliveries == 0


def test_two_receives_inside_one_lease_whichever_came_first_are_early() -> None:
    # Given c2's call spanned c1's, but both ended within 0.3 s of the other's start
    story = Story().sent("a").add("c2", INVOKE, Fn.RECEIVE).wait(0.2)
    story.add("c1", INVOKE, Fn.RECEIVE).received("a", "c1").wait(0.1).received("a", "c2")
    ledger, _ = judged(story, Observation(side_effects={"a": 1}))
    assert ledger.early_redeliveries == 1


def test_a_redelivery_well_inside_the_lease_is_early_even_after_a_long_poll() -> None:
    # Given c1's long poll waited 0.9 s for the message, and c2 got it 0.3 s later
    story = Story().sent("a").add("c1", INVOKE, Fn.RECEIVE).wait(0.9).received("a", "c1")
    story.wait(0.3).add("c2", INVOKE, Fn.RECEIVE).received("a", "c2")
    ledger, verdict = judged(story, Observation(side_effects={"a": 1}))
    assert ledger.early_redeliveries == 1
    assert verdict.status is Status.ERROR


def test_poison_in_the_dlq_is_dead_lettered_and_good_ones_are_counted_apart() -> None:
    story = Story().sent("g1", "g2").sent("p1", poison=True)
    observed = Observation(dlq=("p1",), side_effects={"g1": 1, "g2": 1})
    expect = (Expect("delivered", "==", "good"), Expect("dead_lettered", "==", "poison"))
    ledger, verdict = judged(story, observed, *expect)
    assert (ledger.good, ledger.poison, ledger.dead_lettered, ledger.lost) == (2, 1, 1, 0)
    assert verdict.status is Status.PASSED


def test_messages_sharing_a_business_subject_count_one_side_effect() -> None:
    story = Story().sent("u1", "u2", subject="order-1")
    ledger, _ = judged(story, Observation(side_effects={"order-1": 2}))
    assert (ledger.delivered, ledger.duplicate_side_effects) == (2, 1)


def test_a_failed_send_that_arrived_anyway_is_recovered() -> None:
    story = Story().add("producer", INVOKE, Fn.SEND, "a", subject="a")
    story.add("producer", INFO, Fn.SEND, "a").sent("b")
    ledger, _ = judged(story, Observation(side_effects={"a": 1, "b": 1}))
    assert (ledger.acknowledged, ledger.recovered, ledger.lost) == (1, 1, 0)


def test_strays_of_an_earlier_run_are_ignored() -> None:
    story = Story().sent("a").received("a")
    stray = {"key": "old", "message_id": "m-old", "receive_count": 1, "run": "run-0"}
    story.add("c1", OK, Fn.RECEIVE, None, messages=[stray])
    ledger = compute(story.ops, Observation(side_effects={"a": 1}), VISIBILITY, run_id="run-1")
    assert (ledger.unexpected, ledger.redeliveries) == (0, 0)


def test_a_queue_emptied_only_by_the_final_read_fails() -> None:
    # Given every message was handled, but the queue had not drained when consumers stopped
    story = Story().sent("a").received("a")
    ledger = compute(story.ops, Observation(side_effects={"a": 1}), VISIBILITY)
    ledger = replace(ledger, extra={"drained": 0})
    verdict = judge(ledger, EXACTLY_ONCE)
    assert verdict.status is Status.FAILED
    assert verdict.reasons == ("drained == 1, got 0",)


def test_an_event_committed_at_its_source_but_never_sent_is_lost() -> None:
    # Given an order written (its event committed), then a crash before the send
    story = Story().sent("e1", subject="order-1")
    story.add("orders", OK, Fn.COMMIT, "e1", subject="order-1")
    story.add("orders", OK, Fn.COMMIT, "e2", subject="order-2")
    # When only the first order's side effect happened
    ledger = compute(story.ops, Observation(side_effects={"order-1": 1}), VISIBILITY)
    # Then the second is lost, though nobody ever tried to send it
    assert (ledger.committed, ledger.delivered, ledger.lost) == (2, 1, 1)
    assert ledger.samples["lost"] == ["e2"]


def test_a_committed_event_that_arrived_is_delivered_not_lost() -> None:
    story = Story().sent("e1", subject="order-1")
    story.add("orders", OK, Fn.COMMIT, "e1", subject="order-1")
    ledger = compute(story.ops, Observation(side_effects={"order-1": 1}), VISIBILITY)
    assert (ledger.committed, ledger.delivered, ledger.lost) == (1, 1, 0)


def test_a_heartbeat_makes_a_redelivery_inside_its_extension_early() -> None:
    # Given c1 extended its lease by 2 s after 1.5 s, and c2 got the message 1 s later
    story = Story().sent("a").received("a", "c1").wait(1.5)
    story.add("c1", INVOKE, Fn.HEARTBEAT, "a", message_id="m-a", visibility=2)
    story.add("c1", OK, Fn.HEARTBEAT, "a", message_id="m-a").wait(1.0).received("a", "c2")
    # Then the backend handed out a message that was still leased
    ledger, _ = judged(story, Observation(side_effects={"a": 1}))
    assert ledger.early_redeliveries == 1


def test_a_refused_heartbeat_does_not_extend_the_lease() -> None:
    story = Story().sent("a").received("a", "c1").wait(1.5)
    story.add("c1", INVOKE, Fn.HEARTBEAT, "a", message_id="m-a", visibility=2)
    story.add("c1", FAIL, Fn.HEARTBEAT, "a", message_id="m-a").wait(1.0).received("a", "c2")
    ledger, _ = judged(story, Observation(side_effects={"a": 1}))
    assert ledger.early_redeliveries == 0


def test_a_retry_sooner_than_the_visibility_timeout_is_a_legitimate_redelivery() -> None:
    # Given c1 failed the message and asked for it back in 1 s; c2 got it 1.05 s later
    story = Story().sent("a").received("a", "c1")
    story.add("c1", INVOKE, Fn.RETRY, "a", message_id="m-a", delay=1)
    story.add("c1", OK, Fn.RETRY, "a", message_id="m-a").wait(1.05).received("a", "c2")
    ledger, _ = judged(story, Observation(side_effects={"a": 1}))
    assert ledger.early_redeliveries == 0


def test_a_redelivery_inside_a_retry_delay_is_early() -> None:
    story = Story().sent("a").received("a", "c1")
    story.add("c1", INVOKE, Fn.RETRY, "a", message_id="m-a", delay=4)
    story.add("c1", OK, Fn.RETRY, "a", message_id="m-a").wait(2.5).received("a", "c2")
    ledger, _ = judged(story, Observation(side_effects={"a": 1}))
    assert ledger.early_redeliveries == 1
