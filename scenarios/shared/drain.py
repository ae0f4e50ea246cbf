"""How a backlog drained (backlog-drain, backlog-100k)."""

from __future__ import annotations

from collections import Counter

from scenarios import kit

WINDOW_SECONDS = 10  # messages per second over time: deletes counted per window


class Drain(kit.Metrics):
    backlog = kit.metric("messages waiting when the consumers started")
    drain_seconds = kit.metric("from the first message received to the last one deleted")
    oldest_age_s = kit.metric(
        "the longest a message waited, from its SentTimestamp to its first receive"
    )


class DrainRates(Drain):
    drain_rate = kit.metric("messages deleted per second over the drain")
    slowest_rate = kit.metric("the fewest messages deleted per second in a 10 s window")
    fastest_rate = kit.metric("the most messages deleted per second in a 10 s window")


def measure(run: kit.Measured) -> dict[str, float]:
    first: dict[str, float] = {}
    received = kit.receives(run.history)
    for op, message in received:
        if message.get("sent_at"):
            first.setdefault(message["key"], op.time - message["sent_at"])
    deleted = [op.time for op in run.history if op.f == kit.Fn.DELETE and op.type == kit.OK]
    measured = {Drain.oldest_age_s: round(max(first.values(), default=0.0), 2)}
    if received and deleted:  # else unmeasured
        measured[Drain.drain_seconds] = round(max(deleted) - received[0][0].time, 2)
    return measured


def measure_rates(run: kit.Measured) -> dict[str, float]:
    """``measure``, and the rates per 10 s window (the last, partial one left out)."""
    measured = measure(run)
    deleted = sorted(op.time for op in run.history if op.f == kit.Fn.DELETE and op.type == kit.OK)
    seconds = measured.get(Drain.drain_seconds)
    if not seconds:
        return measured  # unmeasured
    start = deleted[-1] - seconds  # the first receive
    windows = Counter(int((t - start) // WINDOW_SECONDS) for t in deleted)
    full = [windows[i] / WINDOW_SECONDS for i in range(int(seconds // WINDOW_SECONDS))]
    measured[DrainRates.drain_rate] = round(len(deleted) / seconds, 1)
    if full:
        measured[DrainRates.slowest_rate] = round(min(full), 1)
        measured[DrainRates.fastest_rate] = round(max(full), 1)
    return measured
