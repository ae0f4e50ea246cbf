"""backpressure: a producer outpaces one consumer; the runner scales consumers out."""

from __future__ import annotations

import statistics
import time

from scenarios import kit

WINDOW = 5  # samples a trend is judged on: the depth jitters with each batch the producer sends
# A trend below this share of the producer's rate is noise, not growth.
NOISE_SHARE = 0.1


class Backpressure(kit.Metrics):
    peak_depth = kit.metric("the most messages waiting (visible) at one sample")
    consumers_at_end = kit.metric("consumers running when the producer stopped")
    outpaced = kit.metric(
        "1 when the backlog grew over the first 5 samples from the producer's first send (one "
        "consumer was too few)"
    )
    still_growing = kit.metric("1 when the backlog still grew over the last 5 samples")
    equilibrium_s = kit.metric("when the backlog stopped growing, from the method's start")


def trend(depths: list[int], sample_seconds: float) -> float:
    """Messages per second the backlog grew by over the last WINDOW samples (least squares)."""
    tail = depths[-WINDOW:]
    if len(tail) < 2:
        return 0.0
    times = [i * sample_seconds for i in range(len(tail))]
    return statistics.linear_regression(times, tail).slope


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    knobs = kit.ConsumerKnobs(side_effect_delay_seconds=p["work_seconds"], max_messages=1)
    lab.consumer(knobs)
    producer = lab.producer(
        kit.ProducerKnobs(continuous=True, n=100, rate=p["rate"], duration=p["produce_seconds"]),
        wait=False,
    )
    noise = NOISE_SHARE * p["rate"]
    depths: list[int] = []
    first_trend: float | None = None
    last_scaled = 0.0
    equilibrium_at = None
    while producer.alive():
        time.sleep(p["sample_seconds"])
        depth = lab.depth()
        consumers = sum(c.alive() for c in lab.consumers())
        completed = sum(1 for op in lab.history() if op.f == kit.Fn.DELETE and op.type == kit.OK)
        lab.sample(visible=depth.visible, in_flight=depth.in_flight, consumers=consumers,
                   completed=completed)  # fmt: skip
        if not depths and depth.total == 0:
            continue  # nothing sent yet (a loaded machine starts the producer late)
        # The backlog is what waits: a consumer that takes 10 at a time keeps 10 in flight,
        # and each one added would look like growth if in-flight messages counted.
        depths.append(depth.visible)
        now = time.monotonic()
        # The scaler reacts to any upward trend over a short window (the verdict tolerates
        # noise over a longer one), so it does not stop right at the verdict's limit.
        growth = trend(depths[-3:], p["sample_seconds"])
        cooled = now - last_scaled >= 2 * p["sample_seconds"]
        if growth > 0 and not unsafe and cooled and consumers < p["max_consumers"]:
            lab.consumer(knobs)
            last_scaled = now
            lab.note(f"backlog {depths[-1]}, growing {growth:.1f}/s: consumer {consumers + 1}")
        if len(depths) == WINDOW:
            first_trend = trend(depths, p["sample_seconds"])
        if (
            equilibrium_at is None
            and len(depths) > WINDOW
            and trend(depths, p["sample_seconds"]) <= noise
        ):
            equilibrium_at = now - lab.started
            lab.note(f"equilibrium with {consumers} consumers at backlog {depths[-1]}")
    lab.wait_exit(producer, timeout=30)
    lab.metric(Backpressure.peak_depth, max(depths, default=0))
    lab.metric(Backpressure.consumers_at_end, sum(c.alive() for c in lab.consumers()))
    if first_trend is not None and len(depths) > WINDOW:  # else unmeasured: an error
        final = trend(depths, p["sample_seconds"])
        lab.note(f"backlog trend: {first_trend:+.1f}/s at first, {final:+.1f}/s at the end")
        lab.metric(Backpressure.outpaced, int(first_trend > noise))
        lab.metric(Backpressure.still_growing, int(final > noise))
    if equilibrium_at is not None:
        lab.metric(Backpressure.equilibrium_s, round(equilibrium_at, 1))
    if not unsafe:
        lab.settle()


SCENARIO = kit.Scenario(
    name="backpressure",
    topic=kit.Topic.LOAD,
    category=kit.Category.SLOW,
    summary="A producer outpaces one consumer; consumers are added until depth stops growing.",
    demonstrates=(
        "A queue absorbs bursts, but a backlog that only grows means the consumers are too "
        "few. The runner samples the backlog every half second and starts another consumer while "
        "it trends upward; the verdict wants its trend over the last 5 samples under 10% of "
        "the producer's rate (an equilibrium), then a full drain. The journal's timeline has "
        "depth, in-flight, consumers and completions per sample."
    ),
    limits=(
        "sized for the embedded backend on 2 cores (20 msg/s, ~6 consumers); run it bigger on "
        "AWS with --set rate=... --set max_consumers=..."
    ),
    resources=kit.ResourceSet(visibility_timeout=10),
    method=method,
    alone=True,
    metrics=Backpressure,
    params={
        "rate": kit.Param(20.0, "producer messages per second", min=1),
        "work_seconds": kit.Param(0.2, "work time per message (one consumer does < 5/s)"),
        "produce_seconds": kit.Param(12.0, "how long the producer runs", min=4),
        "sample_seconds": kit.Param(0.5, "how often the runner samples the depth", min=0.1),
        "max_consumers": kit.Param(8, "most consumers the runner may start", min=1),
    },
    preconditions=(kit.Expect(Backpressure.outpaced, "==", 1),),
    expectations=(kit.Expect(Backpressure.still_growing, "==", 0), *kit.EXACTLY_ONCE),
    unsafe="no scaling: one consumer for the whole run",
    unsafe_shows=(kit.Expect(Backpressure.still_growing, "==", 1),),
    intolerance="it measures an equilibrium of throughput, which retried calls slow down",
    typical_seconds=16,
    timeout_seconds=300,
    black_box=kit.BLACK_BOX,
)
