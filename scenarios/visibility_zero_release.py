"""visibility-zero-release: a consumer that gives a failed message back with visibility 0 gets
it straight back, in a hot loop, and burns its receives before the downstream recovers."""

from __future__ import annotations

from collections import defaultdict

from scenarios import kit

HOT_SHARE = 0.5  # back within half a visibility timeout of its last receive: a hot loop
SAFE = {"timeout": "visibility-timeout", "backoff": "backoff"}


class Release(kit.Metrics):
    failed_attempts = kit.metric(
        "side-effect calls the downstream failed (the messages had to wait)"
    )
    hot_redeliveries = kit.metric(
        "receives of a message within half a visibility timeout of its previous receive"
    )
    fastest_return_s = kit.metric("the shortest time between two receives of one message")


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    visibility = lab.resources.visibility_timeout
    outage = p["outage_factor"] * visibility
    retry = "immediate" if unsafe else SAFE[p["retry"]]
    lab.note(
        f"the downstream fails for {outage:g} s from the consumer's first call; a failed "
        + (
            "message is released with ChangeMessageVisibility(0)"
            if unsafe
            else f"message comes back by {retry} (visibility timeout {visibility} s)"
        )
    )
    lab.consumer(
        kit.ConsumerKnobs(
            max_messages=10,
            downstream_outage_seconds=outage,
            retry_mode=retry,
            retry_base_seconds=visibility,
            retry_cap_seconds=2 * visibility,
        )
    )
    lab.producer(kit.ProducerKnobs(n=p["messages"]))
    lab.settle()


def returns(history: list[kit.Op]) -> list[float]:
    """(pure) For each receive of a message after its first, the seconds since its previous."""
    seen: dict[str, float] = {}
    gaps: dict[str, list[float]] = defaultdict(list)
    for op in history:
        if op.f != kit.Fn.RECEIVE or op.type != kit.OK:
            continue
        for message in op.value.get("messages", []):
            key = message["key"]
            if key in seen:
                gaps[key].append(op.time - seen[key])
            seen[key] = op.time
    return [gap for key_gaps in gaps.values() for gap in key_gaps]


def measure(run: kit.Measured) -> dict[str, float]:
    gaps = returns(run.history)
    failed = sum(1 for op in run.history if op.f == kit.Fn.SIDE_EFFECT and op.type == kit.FAIL)
    measured: dict[str, float] = {
        Release.failed_attempts: failed,
        Release.hot_redeliveries: sum(
            1 for gap in gaps if gap < HOT_SHARE * run.visibility_timeout
        ),
    }
    if gaps:
        measured[Release.fastest_return_s] = round(min(gaps), 3)
    return measured


SCENARIO = kit.Scenario(
    name="visibility-zero-release",
    topic=kit.Topic.CONSUMER,
    category=kit.Category.FAST,
    summary="A failed message released with visibility 0 comes straight back: a hot loop that "
    "dead-letters it before the downstream recovers.",
    demonstrates=(
        "A downstream is down for a few seconds (for a consumer the lab did not write: the "
        "side-effect endpoint answers 503 from its first request on). A consumer that gives "
        "a failed message back "
        "at once (ChangeMessageVisibility to 0, what some libraries do on an error) gets it "
        "straight back: it is received again within milliseconds, over and over, and each "
        "receive counts towards maxReceiveCount, so the message is dead-lettered while the "
        "downstream is still down, although it would have succeeded seconds later. Letting "
        "the visibility timeout run (or backing off through ChangeMessageVisibility) spaces "
        "the attempts out: the message outlasts the outage and is processed once."
    ),
    # Six receives: a backoff's jitter may draw 1 s delays, and five attempts still outlast
    # the outage; a hot loop burns all six within a second.
    resources=kit.ResourceSet(max_receive_count=6),
    relies_on=("redelivery-after-visibility-timeout", "dlq-after-max-receives"),
    method=method,
    metrics=Release,
    measure=measure,
    params={
        "messages": kit.messages(3),
        "outage_factor": kit.Param(
            1.5, "the downstream's outage, in visibility timeouts", min=0.5, max=2.5
        ),
        "retry": kit.Param(
            "timeout",
            "the safe run's retry: the visibility timeout runs out, or a backoff",
            choices=tuple(SAFE),
        ),
    },
    preconditions=(kit.Expect(Release.failed_attempts, ">=", 1),),
    expectations=(*kit.EXACTLY_ONCE, kit.Expect(Release.hot_redeliveries, "==", 0)),
    unsafe="waiting before a retry: a failed message is released with visibility 0",
    unsafe_shows=(
        kit.Expect(Release.hot_redeliveries, ">=", 1),
        kit.Expect("dead_lettered", ">=", 1),
    ),
    typical_seconds=6,
    black_box=kit.BLACK_BOX,
)
