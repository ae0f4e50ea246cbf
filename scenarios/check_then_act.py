"""check-then-act: a claim that reads, then writes, lets two racing consumers both in."""

from __future__ import annotations

from itertools import combinations

from queuelab.contract.messages import ORDER_FIELD
from scenarios import kit
from scenarios.shared.leases import claim_attempts, consumers_polling, double_submit


class Race(kit.Metrics):
    interleaved_claims = kit.metric(
        "pairs of claims on one key, by two consumers, each begun (its check) before the other "
        "answered (its write): the race window was really shared (for a consumer judged from "
        "outside, its side-effect requests: on their Idempotency-Key, or without one on their "
        "order)"
    )
    double_claims = kit.metric(
        "such pairs in which both acquired the claim (both saw no claim; two requests both let in)"
    )


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    window = p["window_factor"] * lab.resources.visibility_timeout
    lab.note(
        f"each claim pauses {window:g} s before its write; "
        + ("it reads first, then writes unconditionally" if unsafe else "one conditional write")
    )
    knobs = kit.ConsumerKnobs(
        max_messages=1,
        business_idempotency_field=ORDER_FIELD,
        check_before_doing="off",  # the downstream cannot be asked: the claim alone protects
        claim_write="read-then-write" if unsafe else "conditional",
        claim_write_delay_seconds=window,
    )
    names = [lab.consumer(knobs).name for _ in range(p["consumers"])]

    def polling() -> bool:  # a long poll under way counts
        return consumers_polling(lab.history(), names, lab.receiving())

    lab.wait_for(polling, 20, "every consumer polling")
    # Each order twice, a moment apart (a double submit): one message a send, so each copy
    # goes to a consumer waiting for it, whatever batch it asks for.
    lab.producer(double_submit(p["orders"]))
    lab.settle()


def measure(run: kit.Measured) -> dict[str, float]:
    interleaved = double = 0
    for claims in claim_attempts(run.history).values():
        for a, b in combinations(claims, 2):
            if a.process != b.process and a.started < b.ended and b.started < a.ended:
                interleaved += 1
                double += a.outcome == b.outcome == "acquired"
    return {Race.interleaved_claims: interleaved, Race.double_claims: double}


SCENARIO = kit.Scenario(
    name="check-then-act",
    topic=kit.Topic.CONSUMER,
    category=kit.Category.FAST,
    summary="Check, then act: two consumers both see no claim and both act; a conditional write.",
    demonstrates=(
        "Every order arrives twice, a moment apart (a double submit), at two consumers. A claim "
        "written as check-then-act (read the record; nobody holds it; write ours) lets both "
        "in when their checks come before either write: a pause between the read and the "
        "write makes the interleaving happen, and the history proves it (both claims begun "
        "before either answered). The side effect happens twice. The conditional write "
        "(attribute_not_exists, or an expired lease, as the write's condition) makes the "
        "check and the act one atomic step: one consumer wins, the other backs off. A consumer "
        "the lab did not write claims through the side-effect endpoint, whose requests with "
        "an Idempotency-Key are that atomic step (409 while one is in progress); the pause is "
        "a slow endpoint, so the second copy's request meets the first in progress."
    ),
    resources=kit.ResourceSet(max_receive_count=4),
    method=method,
    metrics=Race,
    measure=measure,
    params={
        "orders": kit.Param(1, "orders, each sent twice", min=1),
        "consumers": kit.consumers(2),
        "window_factor": kit.Param(
            0.5, "pause before a claim's write (a slow endpoint), in visibility timeouts"
        ),
    },
    preconditions=(kit.Expect(Race.interleaved_claims, ">=", 1),),
    expectations=(*kit.EXACTLY_ONCE, kit.Expect(Race.double_claims, "==", 0)),
    unsafe="the conditional write: the claim reads, then writes without a condition",
    unsafe_shows=(
        kit.Expect("duplicate_side_effects", ">=", 1),
        kit.Expect(Race.double_claims, ">=", 1),
    ),
    typical_seconds=6,
    black_box=kit.BLACK_BOX,
)
