"""version-order: versioned updates sent out of order; only newer versions are applied."""

from __future__ import annotations

from scenarios import kit
from scenarios.shared import versions
from scenarios.shared.versions import Versions


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    lab.consumer(versions.knobs(lab, reconcile=not unsafe).but(max_messages=10))
    lab.producer(
        kit.ProducerKnobs(
            n=p["entities"] * p["versions"],
            entities=p["entities"],
            versions="shuffled",
            seed=p["seed"],
        )
    )
    lab.settle()


SCENARIO = kit.Scenario(
    name="version-order",
    topic=kit.Topic.ORDERING,
    category=kit.Category.FAST,
    summary="Updates arrive out of order: only newer versions apply; final state is the newest.",
    demonstrates=(
        "When updates to the same entity can arrive in any order, applying each one blindly "
        "leaves whatever came last. Comparing versions (apply only if newer than the stored "
        "one) makes the final state the newest version whatever the arrival order. A consumer "
        "the lab did not write updates an entity through the side-effect endpoint's "
        "conditional PUT (applied only if newer), whose state the checker reads."
    ),
    resources=kit.ResourceSet(max_receive_count=4),
    method=method,
    metrics=Versions,
    measure=versions.measure,
    params={
        "entities": kit.Param(4, "entities updated", min=1),
        "versions": kit.Param(5, "versions per entity, sent shuffled", min=2),
        "seed": kit.Param(7, "shuffle seed"),
    },
    preconditions=(kit.Expect(Versions.stale_if_blind, ">=", 1),),
    expectations=(kit.Expect(Versions.stale_entities, "==", 0), *kit.EXACTLY_ONCE),
    unsafe="apply every update blindly (VERSIONING_ENABLED=0): last writer wins",
    unsafe_shows=(kit.Expect(Versions.stale_entities, ">=", 1),),
    typical_seconds=2,
    black_box=kit.BLACK_BOX,
)
