"""version-order: versioned updates sent out of order; only newer versions are applied."""

from __future__ import annotations

from scenarios.kit import (
    EXACTLY_ONCE,
    Category,
    Expect,
    Lab,
    Param,
    Params,
    ProducerKnobs,
    ResourceSet,
    Scenario,
    Topic,
)
from scenarios.shared import versions
from scenarios.shared.versions import Versions


def method(lab: Lab, p: Params, unsafe: bool) -> None:
    lab.consumer(versions.knobs(lab, reconcile=not unsafe).but(max_messages=10))
    lab.producer(
        ProducerKnobs(
            n=p["entities"] * p["versions"],
            entities=p["entities"],
            versions="shuffled",
            seed=p["seed"],
        )
    )
    lab.settle()


SCENARIO = Scenario(
    name="version-order",
    topic=Topic.ORDERING,
    category=Category.FAST,
    summary="Updates arrive out of order: only newer versions apply; final state is the newest.",
    demonstrates=(
        "When updates to the same entity can arrive in any order, applying each one blindly "
        "leaves whatever came last. Comparing versions (apply only if newer than the stored "
        "one) makes the final state the newest version whatever the arrival order."
    ),
    resources=ResourceSet(max_receive_count=4),
    method=method,
    metrics=Versions,
    measure=versions.measure,
    params={
        "entities": Param(4, "entities updated", min=1),
        "versions": Param(5, "versions per entity, sent shuffled", min=2),
        "seed": Param(7, "shuffle seed"),
    },
    preconditions=(Expect(Versions.stale_if_blind, ">=", 1),),
    expectations=(Expect(Versions.stale_entities, "==", 0), *EXACTLY_ONCE),
    unsafe="apply every update blindly (VERSIONING_ENABLED=0): last writer wins",
    unsafe_shows=(Expect(Versions.stale_entities, ">=", 1),),
    typical_seconds=2,
    black_box=versions.NOT_BLACK_BOX,
)
