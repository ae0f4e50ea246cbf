"""queue-outage: consumers are denied for a while (a deny window, then its rollback); they
back off instead of hammering the endpoint, the backlog grows, then drains."""

from __future__ import annotations

import time

from scenarios import kit

CONSUMER_CALLS = (kit.Fn.RECEIVE, kit.Fn.DELETE, kit.Fn.RELEASE)
SAMPLE_SECONDS = 0.25
MAX_CALL_RATE = 10  # the error-storm bound: refused calls per second, all consumers together


class Outage(kit.Metrics):
    backlog_growth = kit.metric("how much the backlog grew during the outage")
    outage_calls = kit.metric("calls the consumers saw refused during the outage")
    outage_call_rate = kit.metric("those per second of the outage")
    recovery_seconds = kit.metric("from the outage's end to an empty queue")
    outage_rolled_back = kit.metric("1 when the deny was lifted and verified afterwards")


def failed_calls(lab: kit.Lab, start: float, end: float) -> int:
    """Calls the consumers saw refused between ``start`` and ``end`` (epoch seconds)."""
    names = {c.name for c in lab.children if c.role is kit.Role.CONSUMER}
    return sum(
        1
        for op in lab.history()
        if op.process in names and op.f in CONSUMER_CALLS and op.type == kit.FAIL
        and start <= op.time <= end
    )  # fmt: skip


def first_send(history: list[kit.Op]) -> bool:
    return any(op.f == kit.Fn.SEND and op.type == kit.OK for op in history)


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    backoff = 0.0 if unsafe else p["backoff_seconds"]
    for _ in range(p["consumers"]):
        lab.consumer(kit.ConsumerKnobs(max_messages=10, error_backoff_seconds=backoff))
    sending = p["lead_seconds"] + p["outage_seconds"]
    producer = lab.producer(
        kit.ProducerKnobs(continuous=True, n=10, rate=p["rate"], duration=sending), wait=False
    )
    # The lead starts with the first send (a busy machine starts the producer late: an
    # outage before it sends would see no backlog grow).
    lab.wait_for(lambda: first_send(lab.history()), 30, "the producer's first send")
    lab.pause(p["lead_seconds"])  # the consumers keep up before the outage
    before = peak = lab.depth().total
    started = time.time()
    with lab.outage():  # records Outage.outage_rolled_back
        for _ in range(max(1, round(p["outage_seconds"] / SAMPLE_SECONDS))):
            lab.pause(SAMPLE_SECONDS)
            peak = max(peak, lab.depth().total)
            lab.sample(backlog=peak)
    ended = time.time()
    lab.wait_exit(producer, timeout=p["lead_seconds"] + 10)
    drained = lab.settle()
    calls = failed_calls(lab, started, ended)
    lab.metric(Outage.backlog_growth, peak - before)
    lab.metric(Outage.outage_calls, calls)
    lab.metric(Outage.outage_call_rate, round(calls / max(ended - started, 1e-6), 1))
    if drained:
        lab.metric(Outage.recovery_seconds, round(time.time() - ended, 1))
    lab.note(
        f"outage of {ended - started:.1f} s: the consumers' calls were refused {calls} times; "
        f"the backlog grew from {before} to {peak}"
    )


SCENARIO = kit.Scenario(
    name="queue-outage",
    topic=kit.Topic.ENDPOINT,
    category=kit.Category.FAST,
    summary="Consumers denied for a while: they back off, the backlog grows, then drains.",
    demonstrates=(
        "For a few seconds every consumer call on the queue is refused (AccessDenied), as "
        "when a policy change or an outage hits one side of a system. Consumers that back "
        "off exponentially with jitter make a handful of calls and pick up the backlog once "
        "the window ends; nothing is lost. The journal reports the time to recover."
    ),
    limits=(
        "offline the nemesis denies the consumers' calls; on AWS a deny statement in the "
        "queue policy does (removed and verified afterwards), and policy changes take up to "
        "a minute to apply there: run it with --set outage_seconds=90 on AWS."
    ),
    resources=kit.ResourceSet(max_receive_count=6),
    method=method,
    relies_on=("redelivery-after-visibility-timeout",),
    intolerance="it measures the consumers' call rate, which other faults would blur",
    metrics=Outage,
    params={
        "consumers": kit.consumers(2),
        "rate": kit.Param(
            10.0, "producer messages per second (it stops when the outage ends)", min=1
        ),
        "lead_seconds": kit.Param(1.5, "how long the consumers run before the outage"),
        "outage_seconds": kit.Param(3.0, "how long the consumers are denied", min=0.5),
        "backoff_seconds": kit.Param(0.5, "ERROR_BACKOFF_SECONDS: first wait after a refusal"),
    },
    preconditions=(
        kit.Expect(Outage.outage_calls, ">=", 1),
        kit.Expect(Outage.backlog_growth, ">=", 1),
        kit.Expect(Outage.outage_rolled_back, "==", 1),
    ),
    expectations=(*kit.EXACTLY_ONCE, kit.Expect(Outage.outage_call_rate, "<=", MAX_CALL_RATE)),
    unsafe="no backoff (ERROR_BACKOFF_SECONDS=0): a refused consumer retries at once",
    unsafe_shows=(kit.Expect(Outage.outage_call_rate, ">", MAX_CALL_RATE),),
    typical_seconds=8,
    black_box=kit.BLACK_BOX,
)
