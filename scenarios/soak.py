"""soak: one randomized mix of endpoint faults, crash points, SIGKILL and SIGSTOP/SIGCONT of
consumers at random moments, slow work and poison, every safeguard on. ``queuelab soak``
runs many; the same mix seed replays the same mix (``Mix.draw``). Not a catalogue scenario
(it defines ``SOAK``, not ``SCENARIO``): its resources are in ``scenarios.plan()``."""

from __future__ import annotations

import random
import signal
import time
from dataclasses import dataclass

from scenarios import kit

LEASE_SECONDS = 5.0  # longer than any stop plus work: a stopped holder is never taken over
TICK = 0.2


@dataclass(frozen=True)
class Mix:
    consumers: int
    messages: int
    batch: int
    poison: int
    malformed: int
    work_seconds: float
    crash_rate: float
    kill_at: float | None  # seconds after the start: SIGKILL one consumer
    stop_at: float | None  # SIGSTOP one consumer ...
    stop_for: float  # ... for this long, then SIGCONT
    faults: str  # the endpoint faults (a queuelab.contract.faults spec)

    @classmethod
    def draw(cls, seed: int) -> Mix:
        rng = random.Random(seed)
        latency = rng.choice(["", "", "latency=20ms"])
        faults = ",".join(
            part
            for part in (
                f"throttle={rng.uniform(0, 0.12):.3f}",
                f"error={rng.uniform(0, 0.06):.3f}",
                f"sqs:reset={rng.uniform(0, 0.02):.3f}",
                # Applied, the answer lost: safe on SQS calls (a retried send is deduplicated,
                # a retried delete is a no-op); a side effect's own write would double.
                f"send+delete+receive:ambiguous={rng.uniform(0, 0.05):.3f}",
                latency,
            )
            if part
        )
        return cls(
            consumers=rng.randint(2, 4),
            messages=rng.randint(10, 30),
            batch=rng.choice([1, 5, 10]),
            poison=rng.randint(0, 3),
            malformed=rng.randint(0, 2),
            work_seconds=rng.choice([0.0, 0.02, 0.1, 0.25]),
            crash_rate=rng.choice([0.0, 0.0, 0.03, 0.06]),
            kill_at=rng.choice([None, rng.uniform(0.5, 3.0)]),
            stop_at=rng.choice([None, rng.uniform(0.5, 3.0)]),
            stop_for=rng.uniform(1.5, 3.0),  # past the visibility timeout, within the lease
            faults=faults,
        )

    def describe(self) -> str:
        events = [f"kill@{self.kill_at:.1f}s"] if self.kill_at is not None else []
        if self.stop_at is not None:
            events.append(f"stop@{self.stop_at:.1f}s+{self.stop_for:.1f}s")
        return (
            f"{self.consumers}c {self.messages}m/{self.batch} poison {self.poison}+"
            f"{self.malformed} work {self.work_seconds}s crash {self.crash_rate} "
            + " ".join(events)
        ).strip()


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    mix = Mix.draw(p["mix"])
    lab.note(f"mix {p['mix']}: {mix.describe()}; faults {mix.faults}")
    knobs = kit.ConsumerKnobs(
        max_messages=mix.batch,
        side_effect_delay_seconds=mix.work_seconds,
        crash_rate=mix.crash_rate,
        reject_payload_marker=kit.POISON_MARKER,
        idempotency_lease_seconds=LEASE_SECONDS,
    )
    for _ in range(mix.consumers):
        lab.consumer(knobs, retries=p["attempts"])
    lab.producer(
        kit.ProducerKnobs(
            n=mix.messages, poison_count=mix.poison, malformed_count=mix.malformed, seed=p["mix"]
        ),
        wait=False,
        retries=p["attempts"],
        may_fail=True,  # a send whose every attempt lost its answer ends unknown
    )
    started = time.monotonic()
    rng = random.Random(p["mix"] + 1)
    stopped: kit.Child | None = None
    pending = {"kill": mix.kill_at, "stop": mix.stop_at}
    empty = 0

    def supervise() -> bool:
        """One tick: fire due chaos, restart dead consumers (as an orchestrator would)."""
        nonlocal stopped, empty
        now = time.monotonic() - started
        alive = [c for c in lab.consumers() if c.alive()]
        if pending["kill"] is not None and now >= pending["kill"] and alive:
            victim = rng.choice(alive)
            lab.note(f"SIGKILL {victim.name}")
            lab.signal(victim, signal.SIGKILL)
            pending["kill"] = None
        if pending["stop"] is not None and now >= pending["stop"] and alive:
            stopped = rng.choice(alive)
            lab.note(f"SIGSTOP {stopped.name} for {mix.stop_for:.1f} s")
            lab.signal(stopped, signal.SIGSTOP)
            pending["stop"] = None
        if stopped is not None and mix.stop_at is not None and now >= mix.stop_at + mix.stop_for:
            lab.note(f"SIGCONT {stopped.name}")
            lab.signal(stopped, signal.SIGCONT)
            stopped = None
        for _ in range(mix.consumers - sum(c.alive() for c in lab.consumers())):
            lab.consumer(knobs, retries=p["attempts"])
        producing = any(c.alive() for c in lab.children if c.role is kit.Role.PRODUCER)
        empty = empty + 1 if not producing and lab.depth().total == 0 else 0
        return empty >= 2 and stopped is None

    lab.drained = bool(lab.wait_for(supervise, p["settle_seconds"], "the queue to drain", TICK))


SOAK = kit.Scenario(
    name="soak",
    topic=kit.Topic.ENDPOINT,
    category=kit.Category.SLOW,
    summary="A randomized mix of faults and chaos, safeguards on: nothing lost or doubled.",
    demonstrates=(
        "Everything at once, at random moments: throttling, 5xx, dropped connections and "
        "lost answers at the endpoint, crashes after receive, a consumer SIGKILLed, another "
        "frozen (SIGSTOP) past its visibility timeout then resumed, slow work, poison. "
        "Dead consumers are restarted, as an orchestrator would. With every safeguard on, "
        "nothing is lost and no side effect happens twice."
    ),
    resources=kit.ResourceSet(visibility_timeout=1, max_receive_count=10),
    method=method,
    relies_on=("redelivery-after-visibility-timeout", "dlq-after-max-receives"),
    params={
        "mix": kit.Param(1, "the mix's seed (queuelab soak draws one per run)"),
        "attempts": kit.Param(8, "AWS_MAX_ATTEMPTS for every process", min=1),
    },
    settle_seconds=90.0,
    expectations=kit.POISON_HANDLED,
    unsafe="nothing (every safeguard stays on; a soak has no negative control)",
    unsafe_shows=(),
    typical_seconds=12,
    timeout_seconds=180,
)
