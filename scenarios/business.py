"""business: different message ids, same business key: one side effect."""

from __future__ import annotations

from collections import Counter

from queuelab.check.verdict import Expect
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.history import INVOKE
from queuelab.contract.producer_knobs import ProducerKnobs
from queuelab.run.lab import Lab
from queuelab.run.scenario import BLACK_BOX, Category, Measured, Param, Params, Scenario
from scenarios.common import EXACTLY_ONCE


def method(lab: Lab, p: Params, unsafe: bool) -> None:
    field = "" if unsafe else "order_id"
    for _ in range(p["consumers"]):
        lab.consumer(ConsumerKnobs(max_messages=10, business_idempotency_field=field))
    lab.producer(ProducerKnobs(n=p["messages"], order_ids=p["orders"]))
    lab.settle(timeout=p["settle_seconds"])


def measure(run: Measured) -> dict[str, float]:
    """repeated_orders: messages sent for an order that an earlier message already named
    (the producer really sent the same logical work twice)."""
    subjects = Counter(
        op.value.get("subject")
        for op in run.history
        if op.f == "send" and op.type == INVOKE and op.value.get("subject") != op.key
    )
    return {"repeated_orders": sum(n - 1 for n in subjects.values())}


SCENARIO = Scenario(
    name="business",
    category=Category.FAST,
    summary="Two message ids, one business key (order_id): one side effect.",
    demonstrates=(
        "Delivery idempotency (dedupe on the message id) does not catch a producer that sends "
        "the same logical work twice under different ids (a double click, a retry). Deduping "
        "on a business key (order_id) does: the second message finds the order COMPLETED and "
        "is deleted without charging again."
    ),
    resources="business",
    method=method,
    measure=measure,
    extra_metrics=("repeated_orders",),
    params={
        "messages": Param(12, "messages to send"),
        "orders": Param(8, "distinct orders among them (messages - orders are duplicates)"),
        "consumers": Param(2, "consumer processes"),
        "settle_seconds": Param(30.0, "how long to wait for the queue to empty"),
    },
    preconditions=(Expect("repeated_orders", ">=", 1),),
    expectations=EXACTLY_ONCE,
    unsafe="dedupe on the message id only (BUSINESS_IDEMPOTENCY_FIELD unset)",
    unsafe_shows=(Expect("duplicate_side_effects", ">=", 1),),
    typical_seconds=3,
    black_box=BLACK_BOX,
)
