"""out-of-order: a standard queue reorders (retries, parallel consumers); versions reconcile."""

from __future__ import annotations

from scenarios import kit
from scenarios.shared import versions
from scenarios.shared.versions import Versions


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    knobs = versions.knobs(lab, reconcile=not unsafe)
    crashy = lab.consumer(knobs.but(crash_after_receive=p["crash_after"]), "consumer-crashy")
    lab.producer(
        kit.ProducerKnobs(
            n=p["entities"] * p["versions"], entities=p["entities"], versions="ascending"
        )
    )
    lab.wait_exit(crashy, timeout=30)
    lab.note("the crash leaves one update in flight; it comes back after newer ones")
    for _ in range(p["consumers"]):
        lab.consumer(knobs.but(max_messages=1))
    lab.settle()


SCENARIO = kit.Scenario(
    name="out-of-order",
    topic=kit.Topic.ORDERING,
    category=kit.Category.FAST,
    summary="A standard queue does not keep order: retries reorder; versions fix the final state.",
    demonstrates=(
        "Updates sent in order (v1, v2, v3 per entity) are processed out of order as soon as "
        "one is retried or consumers run in parallel. Version reconciliation (apply only if "
        "newer) yields the right final state anyway."
    ),
    limits=(
        "moto's standard queues deliver in send order and never reorder on their own, unlike "
        "SQS; this scenario causes the reordering with a crash and a retry plus parallel "
        "consumers, and its precondition (stale_if_blind >= 1) reports a run where the retry was "
        "not overtaken."
    ),
    # The crashed update stays in flight long enough for freshly started consumers (seconds
    # on a busy machine: a consumer in any language, its SDK, its first call) to apply newer
    # ones first.
    resources=kit.ResourceSet(visibility_timeout=8, max_receive_count=4),
    relies_on=("redelivery-after-visibility-timeout",),
    method=method,
    alone=True,
    metrics=Versions,
    measure=versions.measure,
    params={
        "entities": kit.Param(3, "entities updated", min=1),
        "versions": kit.Param(4, "versions per entity, sent in ascending order", min=2),
        "crash_after": kit.Param(
            2, "the first consumer dies after receiving this many updates", min=1
        ),
        "consumers": kit.consumers(2, "parallel consumers after the crash"),
    },
    preconditions=(kit.Expect(Versions.stale_if_blind, ">=", 1), kit.Expect("crashes", ">=", 1)),
    expectations=(kit.Expect(Versions.stale_entities, "==", 0), *kit.EXACTLY_ONCE),
    unsafe="no reconciliation: every update is applied as it arrives",
    unsafe_shows=(kit.Expect(Versions.stale_entities, ">=", 1),),
    typical_seconds=4,
    black_box=kit.BLACK_BOX,
)
