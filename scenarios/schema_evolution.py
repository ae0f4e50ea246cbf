"""schema-evolution: a rolling upgrade of the order schema. v2 payloads meet v1 consumers
and v1 payloads meet v2 consumers; a version field, an upcaster and a DLQ redrive after the
upgrade process every order once, with the right final state."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from queuelab.contract import orders
from queuelab.targets.redrive import FALLBACK
from scenarios import kit
from scenarios.shared.measures import Redrive


class Upgrade(Redrive):
    wrong_or_missing_state = kit.metric(
        "orders whose state, as read by the consumer that did the side effect, is not what the "
        "producer meant (or that no consumer processed)"
    )


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    reader = "strict" if unsafe else "tolerant"
    old = [
        lab.consumer(
            kit.ConsumerKnobs(max_messages=10, schema_version=1, schema_reader=reader), f"v1-{i}"
        )
        for i in (1, 2)
    ]
    # A rolling upgrade of the producers: an upgraded one sends v2 orders next to an old one.
    producers = [
        lab.producer(
            kit.ProducerKnobs(n=p["orders"], schema_version=v), f"producer-v{v}", wait=False
        )
        for v in (1, 2)
    ]
    for producer in producers:
        lab.wait_exit(producer, timeout=60)
    lab.settle()
    dead = lab.depth(lab.resources.dlq_url).total
    lab.metric(Upgrade.dead_lettered_before_redrive, dead)
    lab.note(f"{dead} orders in the DLQ; the consumers are upgraded")
    new = kit.ConsumerKnobs(max_messages=10, schema_version=2, schema_reader=reader)
    for i in range(1, len(old) + 1):  # the new ones come up, then the old ones go
        lab.consumer(new, f"v2-{i}")
    with ThreadPoolExecutor(max_workers=len(old)) as pool:  # each finishes its long poll
        list(pool.map(lab.stop, old))
    moved = lab.redrive()  # every consumer is upgraded: what they refused comes back
    lab.metric(Upgrade.redriven, moved.moved)
    lab.metric(Upgrade.redrive_fallback, int(moved.method == FALLBACK))
    lab.note(f"after the upgrade: redrove {moved.moved} orders with {moved.method}")
    # A producer not upgraded yet: its v1 orders now reach v2 consumers only.
    lab.producer(kit.ProducerKnobs(n=p["late_orders"], schema_version=1), "producer-v1-late")
    lab.settle()


def wrong_or_missing(history: list[kit.Op]) -> int:
    """(pure) Orders whose state, as read by the consumer that did the side effect, is not
    what the producer meant (or that no consumer processed)."""
    meant = {
        str(op.value["subject"]): orders.expected_state(op.value["payload"])
        for op in history
        if op.f == kit.Fn.SEND and op.type == kit.INVOKE and op.value.get("payload")
    }
    read = {
        op.key: op.value.get("state") for op in history if op.f == kit.Fn.READ and op.type == kit.OK
    }
    done: dict[str, str | None] = {}
    for op in history:
        if op.f == kit.Fn.SIDE_EFFECT and op.type == kit.OK and op.key:
            done[str(op.value.get("subject"))] = read.get(op.key)
    return sum(1 for subject, state in meant.items() if done.get(subject) != state)


def measure(run: kit.Measured) -> dict[str, float]:
    return {Upgrade.wrong_or_missing_state: wrong_or_missing(run.history)}


SCENARIO = kit.Scenario(
    name="schema-evolution",
    topic=kit.Topic.PIPELINE,
    category=kit.Category.FAST,
    summary="A rolling upgrade of the order schema: a version field, an upcaster and a DLQ "
    "redrive after the upgrade process every order once, with the right state.",
    demonstrates=(
        "Producers are upgraded first: they send v2 orders (customer renamed customer_id, a "
        "new required currency) while v1 consumers still run. A v1 consumer that reads the "
        "version field refuses a newer version as such, and those orders dead-letter; the "
        "upgraded v2 consumers upcast the v1 orders still coming from a producer not yet "
        "upgraded (customer -> customer_id, USD); after the upgrade the DLQ is redriven to "
        "them. Every order is processed once, with the state its producer meant."
    ),
    resources=kit.ResourceSet(visibility_timeout=1, max_receive_count=2),
    relies_on=("dlq-after-max-receives",),
    adapts_to=("move-task-to-source",),
    method=method,
    metrics=Upgrade,
    measure=measure,
    params={
        "orders": kit.Param(5, "orders sent by the v1 producer, then by the v2 producer", min=1),
        "late_orders": kit.Param(
            4, "v1 orders from a producer not yet upgraded, after the upgrade", min=1
        ),
    },
    preconditions=(
        kit.Expect(Upgrade.dead_lettered_before_redrive, ">=", 1),
        kit.Expect(Upgrade.redriven, ">=", 1),
    ),
    expectations=(*kit.EXACTLY_ONCE, kit.Expect(Upgrade.wrong_or_missing_state, "==", 0)),
    unsafe="the tolerant reader and the upcaster (strict readers: v1 refuses v2, v2 refuses v1)",
    unsafe_shows=(
        kit.Expect("dead_lettered", ">=", 1),
        kit.Expect(Upgrade.wrong_or_missing_state, ">=", 1),
    ),
    typical_seconds=7,
    black_box=kit.not_black_box(
        "it judges a rolling upgrade between two code versions of one consumer (v1 refuses v2 "
        "orders as newer, v2 upcasts v1 orders), started in turn: one command is one version; "
        "and it judges the order state each version read, which only our consumer's history "
        "says (a side-effect request carries the payload's id, not what was read)"
    ),
)
