"""business: different message ids, same business key: one side effect."""

from __future__ import annotations

from collections import Counter

from scenarios import kit


class Business(kit.Metrics):
    repeated_orders = kit.metric(
        "messages sent for an order that an earlier message already named (the producer "
        "really sent the same logical work twice)"
    )


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    field = "" if unsafe else "order_id"
    for _ in range(p["consumers"]):
        lab.consumer(kit.ConsumerKnobs(max_messages=10, business_idempotency_field=field))
    lab.producer(kit.ProducerKnobs(n=p["messages"], order_ids=p["orders"]))
    lab.settle()


def measure(run: kit.Measured) -> dict[str, float]:
    subjects = Counter(
        op.value.get("subject")
        for op in run.history
        if op.f == kit.Fn.SEND and op.type == kit.INVOKE and op.value.get("subject") != op.key
    )
    return {Business.repeated_orders: sum(n - 1 for n in subjects.values())}


SCENARIO = kit.Scenario(
    name="business",
    topic=kit.Topic.DELIVERY,
    category=kit.Category.FAST,
    summary="Two message ids, one business key (order_id): one side effect.",
    demonstrates=(
        "Delivery idempotency (dedupe on the message id) does not catch a producer that sends "
        "the same logical work twice under different ids (a double click, a retry). Deduping "
        "on a business key (order_id) does: the second message finds the order COMPLETED and "
        "is deleted without charging again."
    ),
    method=method,
    metrics=Business,
    measure=measure,
    params={
        "messages": kit.messages(12),
        "orders": kit.Param(
            8, "distinct orders among them (messages - orders are duplicates)", min=1
        ),
        "consumers": kit.consumers(2),
    },
    preconditions=(kit.Expect(Business.repeated_orders, ">=", 1),),
    expectations=kit.EXACTLY_ONCE,
    unsafe="dedupe on the message id only (BUSINESS_IDEMPOTENCY_FIELD unset)",
    unsafe_shows=(kit.Expect("duplicate_side_effects", ">=", 1),),
    typical_seconds=3,
    black_box=kit.BLACK_BOX,
)
