"""version-order: versioned updates sent out of order; only newer versions are applied."""

from __future__ import annotations

from queuelab.check.verdict import Expect
from queuelab.contract.producer_knobs import ProducerKnobs
from queuelab.run.lab import Lab
from queuelab.run.scenario import Category, Param, Params, Scenario
from scenarios import versions
from scenarios.common import EXACTLY_ONCE


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
    lab.settle(timeout=p["settle_seconds"])


SCENARIO = Scenario(
    name="version-order",
    category=Category.FAST,
    summary="Updates arrive out of order: only newer versions apply; final state is the newest.",
    demonstrates=(
        "When updates to the same entity can arrive in any order, applying each one blindly "
        "leaves whatever came last. Comparing versions (apply only if newer than the stored "
        "one) makes the final state the newest version whatever the arrival order."
    ),
    resources="version-order",
    method=method,
    measure=versions.measure,
    extra_metrics=versions.METRICS,
    params={
        "entities": Param(4, "entities updated"),
        "versions": Param(5, "versions per entity, sent shuffled"),
        "seed": Param(7, "shuffle seed"),
        "settle_seconds": Param(30.0, "how long to wait for the queue to empty"),
    },
    preconditions=(Expect("stale_if_blind", ">=", 1),),
    expectations=(Expect("stale_entities", "==", 0), *EXACTLY_ONCE),
    unsafe="apply every update blindly (VERSIONING_ENABLED=0): last writer wins",
    unsafe_shows=(Expect("stale_entities", ">=", 1),),
    typical_seconds=2,
    black_box=versions.NOT_BLACK_BOX,
)
