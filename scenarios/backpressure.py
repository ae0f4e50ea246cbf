"""backpressure: a producer outpaces one consumer; the runner scales consumers out."""

from __future__ import annotations

import itertools
import time

from queuelab.history import OK
from queuelab.lab import Lab
from queuelab.scenario import Category, Param, Params, Scenario
from queuelab.verdict import Expect
from scenarios.common import EXACTLY_ONCE

STABLE_SAMPLES = 3  # depth not growing for this many samples in a row: equilibrium


def method(lab: Lab, p: Params, unsafe: bool) -> None:
    knobs = {"SIDE_EFFECT_DELAY_SECONDS": p["work_seconds"], "MAX_MESSAGES": 1}
    lab.consumer(**knobs)
    producer = lab.producer(
        wait=False, continuous=True, n=100, rate=p["rate"], duration=p["produce_seconds"]
    )
    depths: list[int] = []
    last_scaled = 0.0
    equilibrium_at = None
    while producer.alive():
        time.sleep(p["sample_seconds"])
        depth = lab.depth()
        consumers = sum(c.alive() for c in lab.consumers())
        completed = sum(1 for op in lab.history() if op.f == "delete" and op.type == OK)
        lab.sample(visible=depth.visible, in_flight=depth.in_flight, consumers=consumers,
                   completed=completed)  # fmt: skip
        growing = bool(depths) and depth.visible > depths[-1]
        depths.append(depth.visible)
        now = time.monotonic()
        cooled = now - last_scaled >= 2 * p["sample_seconds"]
        if growing and not unsafe and cooled and consumers < p["max_consumers"]:
            lab.consumer(**knobs)
            last_scaled = now
            lab.note(f"depth {depth.visible} and growing: consumer {consumers + 1} started")
        if equilibrium_at is None and len(depths) > STABLE_SAMPLES and _stable(depths):
            equilibrium_at = now - lab.started
            lab.note(f"equilibrium with {consumers} consumers at depth {depth.visible}")
    lab.wait_exit(producer, timeout=30)
    lab.metric("peak_depth", max(depths, default=0))
    lab.metric("consumers_at_end", sum(c.alive() for c in lab.consumers()))
    if len(depths) > STABLE_SAMPLES:  # else unmeasured: the verdict is an error, not a pass
        lab.metric("equilibrium", int(equilibrium_at is not None))
        lab.metric("still_growing", int(not _stable(depths)))
    if not unsafe:
        lab.settle(timeout=p["drain_seconds"])


def _stable(depths: list[int]) -> bool:
    """The last samples did not grow."""
    tail = depths[-(STABLE_SAMPLES + 1) :]
    return all(later <= earlier for earlier, later in itertools.pairwise(tail))


SCENARIO = Scenario(
    name="backpressure",
    category=Category.SLOW,
    summary="A producer outpaces one consumer; consumers are added until depth stops growing.",
    demonstrates=(
        "A queue absorbs bursts, but a backlog that only grows means the consumers are too "
        "few. The runner watches the depth every second and starts another consumer while it "
        "grows, until an equilibrium; then the backlog drains. The journal's timeline has "
        "depth, in-flight, consumers and completions per sample."
    ),
    limits=(
        "sized for the embedded backend on 2 cores (20 msg/s, ~6 consumers); run it bigger on "
        "AWS with --set rate=... --set max_consumers=..."
    ),
    resources="backpressure",
    method=method,
    extra_metrics=("peak_depth", "consumers_at_end", "equilibrium", "still_growing"),
    params={
        "rate": Param(20.0, "producer messages per second"),
        "work_seconds": Param(0.2, "work time per message (one consumer does < 5/s)"),
        "produce_seconds": Param(24.0, "how long the producer runs"),
        "sample_seconds": Param(1.0, "how often the runner samples the depth"),
        "max_consumers": Param(8, "most consumers the runner may start"),
        "drain_seconds": Param(30.0, "how long to wait for the backlog to drain afterwards"),
    },
    expectations=(Expect("equilibrium", "==", 1), Expect("still_growing", "==", 0), *EXACTLY_ONCE),
    unsafe="no scaling: one consumer for the whole run",
    unsafe_shows=(Expect("still_growing", "==", 1),),
    typical_seconds=31,
    timeout_seconds=300,
)
