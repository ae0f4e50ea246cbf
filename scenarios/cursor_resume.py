"""cursor-resume: a poller pages an upstream feed into SQS, its cursor in a table; killed
mid-page and restarted, it resumes from the cursor and every event arrives once."""

from __future__ import annotations

from queuelab.contract.pipeline_knobs import PollerKnobs
from queuelab.run import stages
from queuelab.run.feed import Feed, ids_with_gaps
from scenarios import kit
from scenarios.shared.measures import crashes_at, sent_twice


class Resume(kit.Metrics):
    killed_mid_page = kit.metric("the poller's crashes in the middle of a page")
    events_sent_twice = kit.metric("events sent again after their first confirmed send")


def caught_up(history: list[kit.Op], process: str, last_id: int) -> bool:
    """``process`` read a page with nothing new past ``last_id``: the feed's end."""
    return any(
        op.process == process and op.f == kit.Fn.PAGE and op.type == kit.OK
        and op.value.get("new") == 0 and int(op.value.get("start", -1)) >= last_id
        for op in history
    )  # fmt: skip


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    with Feed(lab.run_dir / "history" / "feed.jsonl") as upstream:
        ids = ids_with_gaps(p["events"], p["gap_every"])
        upstream.publish(ids)
        lab.note(f"the feed holds {len(ids)} events, ids {ids[0]}..{ids[-1]} with gaps")
        lab.consumer(kit.ConsumerKnobs(max_messages=10), "consumer")
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
        lab.settle()
        lab.stop(second)


def measure(run: kit.Measured) -> dict[str, float]:
    return {
        Resume.killed_mid_page: crashes_at(run.history, "mid page"),
        Resume.events_sent_twice: sent_twice(run.history),
    }


SCENARIO = kit.Scenario(
    name="cursor-resume",
    topic=kit.Topic.PIPELINE,
    category=kit.Category.FAST,
    summary="A poller killed mid-page resumes from its cursor: every upstream event once.",
    demonstrates=(
        "A poller reads an upstream feed (GET /events?from=ID&limit=N, ids increasing with "
        "gaps, served by the lab) page by page, sends each page to SQS and stores its cursor "
        "in a table only once the page was sent, reading the next page from the last id, "
        "inclusive, so a gap never skips an event. Killed mid-page, it is restarted and sends "
        "part of that page again; the consumer's idempotent upsert keeps every event once in "
        "the summary (the side-effects table)."
    ),
    resources=kit.ResourceSet(tables=("state",)),
    method=method,
    metrics=Resume,
    measure=measure,
    params={
        "events": kit.Param(30, "events in the feed", min=2),
        "gap_every": kit.Param(4, "an id is missing after every this many", min=1),
        "page_size": kit.Param(10, "events per page", min=1),
        "batch_size": kit.Param(5, "events per SendMessageBatch", min=1, max=10),
        "crash_after": kit.Param(
            15, "the first poller dies after sending this many (mid-page)", min=1
        ),
        "lease": kit.Param(0.75, "the poller's lease lock, in visibility timeouts", min=0.1),
    },
    preconditions=(kit.Expect(Resume.killed_mid_page, ">=", 1),),
    expectations=(
        kit.Expect("delivered", "==", "committed"),
        kit.Expect(Resume.events_sent_twice, ">=", 1),  # part of the page again, absorbed
        *kit.NOTHING_AMISS,
    ),
    unsafe="the cursor stored after the send (it is stored before: the rest of the page is "
    "skipped)",
    unsafe_shows=(kit.Expect("lost", ">=", 1),),
    typical_seconds=5,
    black_box=kit.BLACK_BOX,
)
