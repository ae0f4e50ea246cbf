"""cursor-resume: a poller pages an upstream feed into SQS, its cursor in a table; killed
mid-page and restarted, it resumes from the cursor and every event arrives once."""

from __future__ import annotations

from queuelab.check.verdict import Expect
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.history import OK, Op
from queuelab.contract.pipeline_knobs import PollerKnobs
from queuelab.run import stages
from queuelab.run.feed import Feed, ids_with_gaps
from queuelab.run.lab import Lab
from queuelab.run.scenario import BLACK_BOX, Category, Measured, Param, Params, Scenario
from scenarios.common import (
    DLQ_EMPTY,
    DRAINED,
    NO_DUPLICATES,
    NOTHING_LOST,
    NOTHING_UNEXPECTED,
    QUEUE_EMPTY,
    crashes_at,
    sent_twice,
)


def caught_up(history: list[Op], process: str, last_id: int) -> bool:
    """``process`` read a page with nothing new past ``last_id``: the feed's end."""
    return any(
        op.process == process and op.f == "page" and op.type == OK
        and op.value.get("new") == 0 and int(op.value.get("start", -1)) >= last_id
        for op in history
    )  # fmt: skip


def method(lab: Lab, p: Params, unsafe: bool) -> None:
    with Feed(lab.run_dir / "history" / "feed.jsonl") as upstream:
        ids = ids_with_gaps(p["events"], p["gap_every"])
        upstream.publish(ids)
        lab.note(f"the feed holds {len(ids)} events, ids {ids[0]}..{ids[-1]} with gaps")
        lab.consumer(ConsumerKnobs(max_messages=10), "consumer")
        knobs = PollerKnobs(
            feed_url=upstream.url,
            page_size=p["page_size"],
            batch_size=p["batch_size"],
            lease_seconds=round(p["lease"] * lab.resources.visibility_timeout, 2),
            cursor_mode="before-send" if unsafe else "after-send",
        )
        first = stages.poller(lab, knobs.but(crash_after_sends=p["crash_after"]), "poller-1")
        lab.wait_exit(first, timeout=30)
        lab.note("poller-1 died mid-page; poller-2 starts from the stored cursor")
        second = stages.poller(lab, knobs, "poller-2")
        lab.wait_for(lambda: caught_up(lab.history(), "poller-2", ids[-1]), 60, "the feed's end")
        lab.settle(timeout=p["settle_seconds"])
        lab.stop(second)


def measure(run: Measured) -> dict[str, float]:
    return {
        "killed_mid_page": crashes_at(run.history, "mid page"),
        "events_sent_twice": sent_twice(run.history),
    }


SCENARIO = Scenario(
    name="cursor-resume",
    category=Category.FAST,
    summary="A poller killed mid-page resumes from its cursor: every upstream event once.",
    demonstrates=(
        "A poller reads an upstream feed (GET /events?from=ID&limit=N, ids increasing with "
        "gaps, served by the lab) page by page, sends each page to SQS and stores its cursor "
        "in a table only once the page was sent, reading the next page from the last id, "
        "inclusive, so a gap never skips an event. Killed mid-page, it is restarted and sends "
        "part of that page again; the consumer's idempotent upsert keeps every event once in "
        "the summary (the side-effects table)."
    ),
    resources="cursor-resume",
    method=method,
    measure=measure,
    extra_metrics=("killed_mid_page", "events_sent_twice"),
    params={
        "events": Param(30, "events in the feed"),
        "gap_every": Param(4, "an id is missing after every this many"),
        "page_size": Param(10, "events per page"),
        "batch_size": Param(5, "events per SendMessageBatch"),
        "crash_after": Param(15, "the first poller dies after sending this many (mid-page)"),
        "lease": Param(0.75, "the poller's lease lock, in visibility timeouts"),
        "settle_seconds": Param(30.0, "how long to wait for the queue to empty"),
    },
    preconditions=(Expect("killed_mid_page", ">=", 1),),
    expectations=(
        Expect("delivered", "==", "committed"),
        Expect("events_sent_twice", ">=", 1),  # part of the page again, absorbed
        NOTHING_LOST,
        NOTHING_UNEXPECTED,
        NO_DUPLICATES,
        QUEUE_EMPTY,
        DRAINED,
        DLQ_EMPTY,
    ),
    unsafe="the cursor stored after the send (it is stored before: the rest of the page is "
    "skipped)",
    unsafe_shows=(Expect("lost", ">=", 1),),
    typical_seconds=5,
    black_box=BLACK_BOX,
)
