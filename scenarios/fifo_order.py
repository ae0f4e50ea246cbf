"""fifo-order: a FIFO queue keeps one group's order through a crash and a retry."""

from __future__ import annotations

from scenarios import kit
from scenarios.shared.measures import crashed_leases, inversions, polled_while_in_flight

LOG_FILE = "side-effects.log"


class Order(kit.Metrics):
    order_violations = kit.metric(
        "side effects done after a later one of the same group, summed over the groups (the "
        "log holds sequence numbers; the send history maps them to groups)"
    )
    overtake_chances = kit.metric(
        "polls by other consumers while the crashed message was in flight"
    )
    short_leases = kit.metric(
        "crashed messages whose lease was one their receive asked for itself, shorter than "
        "the queue's visibility timeout"
    )


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    knobs = kit.ConsumerKnobs(
        side_effect_log_path=lab.path(LOG_FILE), side_effect_log_field="sequence"
    )
    crashy = lab.consumer(knobs.but(crash_after_receive=p["crash_after"]), "consumer-crashy")
    lab.producer(kit.ProducerKnobs(n=p["messages"], groups=p["groups"]))
    lab.wait_exit(crashy, timeout=30)
    lab.note("the crash leaves one message in flight; the others are free to overtake it")
    for _ in range(p["consumers"]):
        lab.consumer(knobs)
    lab.settle()


def measure(run: kit.Measured) -> dict[str, float]:
    group_of = {
        op.value["payload"]["sequence"]: op.value["payload"].get("group", "")
        for op in run.history
        if op.f == kit.Fn.SEND and op.type == kit.INVOKE and op.value.get("payload")
    }
    path = run.run_dir / LOG_FILE
    per_group: dict[str, list[int]] = {}
    for line in path.read_text().split() if path.exists() else []:
        per_group.setdefault(group_of.get(int(line), ""), []).append(int(line))
    return {
        Order.order_violations: sum(inversions(seqs) for seqs in per_group.values()),
        Order.overtake_chances: polled_while_in_flight(run.history, run.visibility_timeout),
        Order.short_leases: sum(
            1
            for _, _, length in crashed_leases(run.history, run.visibility_timeout)
            if length < run.visibility_timeout
        ),
    }


SCENARIO = kit.Scenario(
    name="fifo-order",
    topic=kit.Topic.ORDERING,
    category=kit.Category.FAST,
    summary="FIFO queue: side effects happen in send order within a group, despite a crash.",
    demonstrates=(
        "Within a message group a FIFO queue hands out the next message only after the "
        "previous one is deleted, so a retry cannot be overtaken: the side-effect log is in "
        "send order. The same messages on a standard queue, with a crash and parallel "
        "consumers, come out of order."
    ),
    limits=(
        "moto's standard queues deliver in send order and never reorder on their own; the "
        "negative control causes the disorder with a crash, a retry and parallel consumers."
    ),
    # A crashed message stays in flight long enough for freshly started consumers to
    # compete for the queue while it is invisible (starting one takes seconds on a busy
    # machine: a consumer in any language, its SDK, its first call).
    resources=kit.ResourceSet(fifo=True, visibility_timeout=8, max_receive_count=4),
    unsafe_resources=kit.ResourceSet(visibility_timeout=8, max_receive_count=4),
    relies_on=("fifo-group-blocked-in-flight", "redelivery-after-visibility-timeout"),
    method=method,
    alone=True,
    metrics=Order,
    measure=measure,
    params={
        "messages": kit.messages(20),
        "groups": kit.Param(1, "message groups (order is kept within each)", min=1),
        "crash_after": kit.Param(3, "the first consumer dies after receiving this many", min=1),
        "consumers": kit.consumers(2, "consumers after the crash"),
    },
    # The retry must have had competition: other consumers polled while it was in flight.
    preconditions=(
        kit.Expect("crashes", ">=", 1),
        kit.Expect("redeliveries", ">=", 1),
        kit.Expect(Order.overtake_chances, ">=", 1),
    ),
    # A consumer that leases for less than the replacements take to start: its crashed
    # message is back, at the head of its group, before anyone could overtake it.
    applies=(
        kit.Applies(
            kit.Expect(Order.short_leases, "==", 0),
            "it asks each receive for a visibility timeout shorter than the queue's, so the "
            "crashed message came back before another consumer polled: nothing could "
            "overtake it",
        ),
    ),
    expectations=(kit.Expect(Order.order_violations, "==", 0), *kit.EXACTLY_ONCE),
    unsafe="a standard queue instead of FIFO",
    unsafe_shows=(kit.Expect(Order.order_violations, ">=", 1),),
    typical_seconds=5,
    black_box=kit.BLACK_BOX,
)
