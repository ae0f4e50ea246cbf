"""outbox: an order service writes an order and must publish its event. A transactional
outbox and a relay lose nothing when either crashes; a dual write loses the event of the
order written just before the crash."""

from __future__ import annotations

from queuelab.contract.pipeline_knobs import OrdersKnobs, RelayKnobs
from queuelab.run import stages
from scenarios import kit
from scenarios.shared.measures import crashes_at, sent_twice


class Outbox(kit.Metrics):
    service_crashes = kit.metric("the order service's crashes right after writing an order")
    events_sent_twice = kit.metric("events sent again after their first confirmed send")


def relayed_everything(history: list[kit.Op]) -> bool:
    """Every committed order's outbox item was marked sent (by some relay)."""
    committed = {op.key for op in history if op.f == kit.Fn.COMMIT and op.type == kit.OK}
    marked = {op.key for op in history if op.f == kit.Fn.MARK and op.type in (kit.OK, kit.FAIL)}
    return bool(committed) and committed <= marked


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    mode = "dual-write" if unsafe else "outbox"
    lab.consumer(kit.ConsumerKnobs(max_messages=10), "consumer")
    relay = None
    if not unsafe:  # the relay dies after a send, before marking the item sent
        relay = stages.relay(lab, RelayKnobs(crash_after_sends=p["relay_crash_after"]), "relay-1")
    # The service dies right after writing an order, before anything else; it is restarted.
    knobs = OrdersKnobs(orders=p["orders"], write_mode=mode)
    stages.orders(lab, knobs.but(crash_after_orders=p["crash_after"]), "orders-1")
    lab.note("orders-1 crashed right after writing an order; orders-2 takes the next ones")
    stages.orders(lab, knobs.but(first_order=p["orders"]), "orders-2")
    if relay is not None:
        lab.wait_exit(relay, timeout=30)
        lab.note("relay-1 crashed after a send, before its mark; relay-2 takes over")
        stages.relay(lab, name="relay-2")
        lab.wait_for(lambda: relayed_everything(lab.history()), 30, "the outbox to be relayed")
    lab.settle()


def measure(run: kit.Measured) -> dict[str, float]:
    return {
        Outbox.service_crashes: crashes_at(run.history, "order was written"),
        Outbox.events_sent_twice: sent_twice(run.history),
    }


SCENARIO = kit.Scenario(
    name="outbox",
    topic=kit.Topic.PIPELINE,
    category=kit.Category.FAST,
    summary="An order row and its event: a transactional outbox and a relay lose nothing "
    "when either crashes; a dual write loses events.",
    demonstrates=(
        "A service writes an order to its own table and must publish an event for it. With a "
        "dual write (the row, then the send) a crash between the two loses the event: the "
        "order exists and nobody hears of it. With a transactional outbox the row and an "
        "outbox item are written in one DynamoDB transaction, and a relay process sends "
        "pending items and marks them sent; a relay that crashes after a send and before its "
        "mark sends that item again, and the consumer's deduplication absorbs it: every "
        "order's event is processed once."
    ),
    resources=kit.ResourceSet(tables=("orders", "outbox")),
    method=method,
    metrics=Outbox,
    measure=measure,
    params={
        "orders": kit.Param(5, "orders each service instance writes", min=1),
        "crash_after": kit.Param(
            3, "the first instance crashes right after writing this many", min=1
        ),
        "relay_crash_after": kit.Param(2, "the first relay crashes after this many sends", min=1),
    },
    preconditions=(kit.Expect(Outbox.service_crashes, ">=", 1),),
    expectations=(
        kit.Expect("delivered", "==", "committed"),
        kit.Expect(Outbox.events_sent_twice, ">=", 1),  # the relay's resend, absorbed
        *kit.NOTHING_AMISS,
    ),
    unsafe="the outbox (a dual write: the row, then the send; no relay)",
    unsafe_shows=(kit.Expect("lost", ">=", 1),),
    typical_seconds=5,
    black_box=kit.BLACK_BOX,
)
