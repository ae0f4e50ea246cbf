"""fifo-dedup-window: a restarted producer replays its outbox into a FIFO queue; the
deduplication window keeps the replay from being delivered again, until the window ends."""

from __future__ import annotations

import time
from collections.abc import Iterable

from queuelab.check.verdict import Expect
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.history import INVOKE, OK, Op
from queuelab.contract.producer_knobs import ProducerKnobs
from queuelab.run.lab import Lab
from queuelab.run.scenario import Category, Param, Params, Scenario
from scenarios.common import (
    ALL_DELIVERED,
    DLQ_EMPTY,
    DRAINED,
    NOTHING_LOST,
    NOTHING_UNEXPECTED,
    QUEUE_EMPTY,
)

FIRST, REPLAY, LATE = "producer", "producer-replay", "producer-late"
AWS_WINDOW_SECONDS = 300.0
MEASURES = (
    "dedup_window_s",
    "replayed_in_window",
    "redelivered_in_window",
    "window_end_replays",
    "redelivered_after_window",
    "window_end_shown",
)


def _first(ops: Iterable[Op], process: str, f: str, type_: str) -> dict[str, float]:
    """key -> the time of its first ``f`` op of this type (by ``process``, "" for any)."""
    times: dict[str, float] = {}
    for op in ops:
        if op.f == f and op.type == type_ and op.key and (not process or op.process == process):
            times.setdefault(op.key, op.time)
    return times


def measure_window(history: list[Op], window: float) -> dict[str, float]:
    """Per message (pure): was its replay inside the window, after its first copy was
    deleted, and did a consumer receive it again after the replay; the same for the replay
    after the window's end."""
    sent = _first(history, FIRST, "send", OK)
    deleted = _first(history, "", "delete", OK)
    replayed = _first(history, REPLAY, "send", INVOKE)
    late = _first(history, LATE, "send", INVOKE)
    received = [(op.time, m["key"]) for op in history if op.f == "receive" and op.type == OK
                for m in op.value.get("messages", [])]  # fmt: skip
    late_start = min(late.values(), default=float("inf"))

    def received_between(key: str, start: float, end: float) -> bool:
        return any(k == key and start <= t < end for t, k in received)

    in_window = {
        key for key, at in replayed.items()
        if key in sent and key in deleted and deleted[key] < at < sent[key] + window
    }  # fmt: skip
    after_window = {key for key, at in late.items() if key in sent and at > sent[key] + window}
    return {
        "dedup_window_s": window,
        "replayed_in_window": len(in_window),
        "redelivered_in_window": sum(
            received_between(k, replayed[k], late_start) for k in in_window
        ),
        "window_end_replays": len(after_window),
        "redelivered_after_window": sum(
            received_between(k, late[k], float("inf")) for k in after_window
        ),
        "window_end_shown": int(bool(late)),
    }


def method(lab: Lab, p: Params, unsafe: bool) -> None:
    if p["dedup_by"] not in ("id", "content"):
        raise ValueError(f"dedup_by must be id or content, not {p['dedup_by']!r}")
    content = p["dedup_by"] == "content"
    window = lab.dedup_window_seconds()
    if window != AWS_WINDOW_SECONDS:
        lab.note(
            f"the deduplication window is {window:g} s (embedded backend setting "
            f"dedup_window_seconds; AWS: {AWS_WINDOW_SECONDS:g} s)"
        )
    for _ in range(p["consumers"]):  # no idempotency: the queue's deduplication is on trial
        lab.consumer(ConsumerKnobs(max_messages=10, idempotency="off"))
    lab.producer(ProducerKnobs(n=p["messages"], groups=p["groups"], content_dedup=content), FIRST)
    lab.settle(timeout=p["settle_seconds"])
    outbox = lab.path(f"history/{FIRST}.jsonl")
    lab.note("every message was processed and deleted; the producer restarts and replays them")
    replay = ProducerKnobs(replay=outbox, content_dedup=content)
    if unsafe:  # retries that do not look like retries
        replay = replay.but(fresh_dedup_ids=not content, stamp_sent_at=content)
    lab.producer(replay, REPLAY)
    lab.settle(timeout=p["settle_seconds"])

    sent = [op.time for op in lab.history() if op.process == FIRST and op.f == "send"]
    window_end = max(sent, default=time.time()) + window
    if window <= p["max_window_wait"]:
        lab.wait_for(
            lambda: time.time() > window_end + 0.2, window + 5, "the deduplication window's end"
        )
        lab.producer(ProducerKnobs(replay=outbox, content_dedup=content), LATE)
        lab.settle(timeout=p["settle_seconds"])
    else:
        lab.note(
            f"the {window:g} s window is longer than max_window_wait ({p['max_window_wait']:g} "
            "s): its end is not shown (--set max_window_wait=... to wait it out)"
        )
    for name, value in measure_window(lab.history(), window).items():
        lab.metric(name, value)


SCENARIO = Scenario(
    name="fifo-dedup-window",
    category=Category.FAST,
    summary="A producer replays its outbox into a FIFO queue: nothing is delivered twice "
    "inside the deduplication window, even after deletes; after it, the replay is new.",
    demonstrates=(
        "A FIFO queue remembers each MessageDeduplicationId (or, with content-based "
        "deduplication, the body's SHA-256) for 5 minutes, also after the message was received "
        "and deleted: a restarted producer that replays its outbox with the same ids is "
        "accepted and nothing is delivered twice. Once the window has passed the same replay is "
        "delivered again, so the queue's deduplication covers retries, not every duplicate: "
        "the consumers here have no idempotency of their own on purpose."
    ),
    limits=(
        "the runner's embedded backend shortens the window to a few seconds "
        "(dedup_window_seconds, in the journal) so that its end can be shown; on AWS the "
        "window is 300 s and its end is shown only with --set max_window_wait=330. Stock moto "
        "forgets deleted messages: the run is then an error (fifo-dedup-after-delete)."
    ),
    resources="fifo-dedup-window",
    relies_on=("fifo-dedup-drops-duplicate", "fifo-dedup-after-delete", "fifo-content-based-dedup"),
    method=method,
    extra_metrics=MEASURES,
    params={
        "messages": Param(6, "messages the producer sends, then replays"),
        "groups": Param(2, "message groups"),
        "consumers": Param(2, "consumers (without idempotency)"),
        "dedup_by": Param(
            "id", "id: MessageDeduplicationId = the message id; content: content-based"
        ),
        "max_window_wait": Param(30.0, "longest wait for the window's end (s)"),
        "settle_seconds": Param(20.0, "how long to wait for the queue to empty, per phase"),
    },
    preconditions=(Expect("replayed_in_window", ">=", 1),),
    expectations=(
        Expect("redelivered_in_window", "==", 0),
        Expect("redelivered_after_window", "==", "window_end_replays"),
        ALL_DELIVERED,
        NOTHING_LOST,
        NOTHING_UNEXPECTED,
        QUEUE_EMPTY,
        DRAINED,
        DLQ_EMPTY,
    ),
    unsafe="stable deduplication ids (a new id per send; with dedup_by=content, a send time "
    "in the body)",
    unsafe_shows=(Expect("redelivered_in_window", ">=", 1),),
    typical_seconds=9,
)
