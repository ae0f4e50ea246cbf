"""The run report, from a run directory made by hand: leases and marks per message, the
anomalies highlighted, hundreds of messages sampled (and said so), one self-contained file,
and an index of the runs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from queuelab.contract.history import INVOKE, OK, Fn, Op
from queuelab.report.html import render_report, write_index, write_report
from queuelab.report.rundir import RunDir
from queuelab.report.timeline import message_timeline, queue_series
from queuelab.run.events import Event, EventLog, Kind

T0 = 1_700_000_000.0
VISIBILITY = 2


def op(t: float, process: str, type_: str, f: Fn, key: str | None = None, **value: Any) -> Op:
    return Op(T0 + t, process, type_, f, key, value)


def receive(t: float, process: str, key: str, count: int) -> Op:
    messages = [{"key": key, "message_id": "m-" + key, "receive_count": count, "run": "r"}]
    return op(t, process, OK, Fn.RECEIVE, messages=messages)


def make_run(
    root: Path, ops: list[Op], observation: dict[str, Any] | None = None, status: str = "passed"
) -> Path:
    run_dir = root / "dup-run"
    (run_dir / "history").mkdir(parents=True)
    by_process: dict[str, list[str]] = {}
    for o in ops:
        by_process.setdefault(o.process, []).append(o.to_json())
    for process, lines in by_process.items():
        (run_dir / "history" / f"{process}.jsonl").write_text("\n".join(lines) + "\n")
    log = EventLog(run_dir)
    log(Event(Kind.RUN, "r", {"scenario": "dup", "unsafe": False, "time_limit": 180}, T0))
    log(Event(Kind.PHASE, "r", {"name": "method"}, T0 + 0.1))
    for i in range(10):
        values = {"visible": 0, "in_flight": 1, "delayed": 0, "dlq": 0, "consumers": 2}
        log(Event(Kind.SAMPLE, "r", values, T0 + 0.5 * i))
    log(Event(Kind.PHASE, "r", {"name": "observe"}, T0 + 5))
    log(Event(Kind.VERDICT, "r", {"status": status, "duration_s": 5.2}, T0 + 5.2))
    journal = {
        "scenario": "dup",
        "run_id": "r",
        "target": "local",
        "unsafe": False,
        "params": {"messages": 1},
        "resources": {"visibility_timeout": VISIBILITY, "max_receive_count": 6},
        "duration_s": 5.2,
        "verdict": {
            "status": status,
            "checks": [
                {
                    "name": "duplicate_side_effects",
                    "expected": "== 0",
                    "actual": 1,
                    "ok": status == "passed",
                }
            ],
            "reasons": [] if status == "passed" else ["duplicate_side_effects == 0, got 1"],
        },
        "ledger": {"attempted": 1, "samples": {}, "extra": {"drained": 1}},
        "observation": observation or {"queue": [], "dlq": [], "side_effects": {"k1": 1}},
        "notes": [],
        "processes": [
            {"name": "consumer-1", "role": "consumer", "ending": "clean", "exit_code": 0}
        ],
    }
    (run_dir / "journal.json").write_text(json.dumps(journal))
    return run_dir


# consumer-1 works longer than the visibility timeout; consumer-2 gets the message again
# while consumer-1 still works on it, skips it (claimed), consumer-1 deletes it.
REDELIVERY = [
    op(0.2, "producer", INVOKE, Fn.SEND, "k1", subject="k1"),
    op(0.3, "producer", OK, Fn.SEND, "k1", message_id="m-k1"),
    receive(0.5, "consumer-1", "k1", 1),
    receive(2.6, "consumer-2", "k1", 2),
    op(2.7, "consumer-2", OK, Fn.SKIP, "k1", reason="in progress at consumer-1"),
    op(3.4, "consumer-1", OK, Fn.SIDE_EFFECT, "k1", subject="k1"),
    op(3.5, "consumer-1", OK, Fn.DELETE, "k1", message_id="m-k1"),
]


def test_each_receive_is_a_lease_ended_by_a_delete_or_its_visibility_timeout(
    tmp_path: Path,
) -> None:
    run = RunDir.load(make_run(tmp_path, REDELIVERY))
    timeline = message_timeline(run)

    [row] = timeline.rows
    first, second = row.leases
    assert (first.process, first.ended_by, first.receive_count) == ("consumer-1", "expired", 1)
    assert first.end - first.start == VISIBILITY
    assert first.worked_until == 3.5  # it still worked on the message after its window
    assert (second.process, second.receive_count) == ("consumer-2", 2)
    assert second.ended_by == "deleted by consumer-1" and second.end == 3.5
    assert {m.kind for m in row.marks} == {"sent", "skip", "side effect", "delete"}
    assert row.flags == ["concurrent", "redelivered"] and not row.anomalous


def test_a_duplicate_side_effect_is_an_anomaly(tmp_path: Path) -> None:
    observation = {"queue": [], "dlq": [], "side_effects": {"k1": 2}}
    run = RunDir.load(make_run(tmp_path, REDELIVERY, observation, status="failed"))
    [row] = message_timeline(run).rows
    assert row.anomalous and row.flags[0] == "duplicate"


def test_hundreds_of_messages_show_the_flagged_ones_and_a_sample(tmp_path: Path) -> None:
    ops = []
    for i in range(300):
        key = f"k{i:03d}"
        ops += [
            op(0.01 * i, "producer", INVOKE, Fn.SEND, key, subject=key),
            op(0.01 * i, "producer", OK, Fn.SEND, key),
            receive(1 + 0.01 * i, "consumer-1", key, 1),
        ]
        if i % 50:  # every 50th is never deleted: redelivered to consumer-2
            ops.append(op(1.1 + 0.01 * i, "consumer-1", OK, Fn.DELETE, key))
        else:
            ops += [
                receive(4 + 0.01 * i, "consumer-2", key, 2),
                op(4.1 + 0.01 * i, "consumer-2", OK, Fn.DELETE, key),
            ]
    effects = {f"k{i:03d}": 1 for i in range(300)}
    observation = {"queue": [], "dlq": [], "side_effects": effects}
    timeline = message_timeline(RunDir.load(make_run(tmp_path, ops, observation)), limit=40)

    assert timeline.total == 300 and len(timeline.rows) == 40 and timeline.sampled
    assert {r.key for r in timeline.rows if r.notable} == {f"k{i:03d}" for i in range(0, 300, 50)}
    assert timeline.caption().startswith("40 of 300 messages: 6 of the 6 with an anomaly")


def test_the_queue_series_has_the_samples_phases_and_completions(tmp_path: Path) -> None:
    series = queue_series(RunDir.load(make_run(tmp_path, REDELIVERY)))
    assert len(series.t) == 10 and series.in_flight[0] == 1 and series.consumers[0] == 2
    assert series.completed_t == [3.5]
    assert [name for name, _, _ in series.phases] == ["method", "observe"]
    assert series.sent_per_second == {0: 1}


def test_the_report_is_one_file_with_the_verdict_and_both_timelines(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path, REDELIVERY)
    page = write_report(run_dir, "about dup").read_text()

    assert 'id="verdict"' in page and "duplicate_side_effects" in page
    assert re.search(r"<svg[^>]*id=\"message-timeline\"", page)
    assert re.search(r"<svg[^>]*id=\"queue-timeline\"", page)
    assert "receive 2 by consumer-2" in page  # a bar's tooltip
    # self-contained: nothing is fetched (no script, stylesheet, image or font by URL)
    assert not re.search(r'<script|<link|src=|href="https?:|url\((?!#)|@import', page)
    assert (run_dir / "report.html").exists()


def test_an_old_run_without_events_still_gets_a_report(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path, REDELIVERY)
    (run_dir / "events.jsonl").unlink()
    page = render_report(RunDir.load(run_dir))
    assert "no queue samples in this run" in page and "message-timeline" in page


def test_the_index_links_every_run_with_its_verdict(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path, REDELIVERY, status="failed")
    write_report(run_dir)
    (tmp_path / "not-a-run").mkdir()
    page = write_index(tmp_path).read_text()
    assert 'href="dup-run/report.html"' in page and 'class="status failed"' in page
    assert page.count("<tr>") == 2  # the header and the one run


def test_more_flagged_messages_than_rows_still_leave_room_for_a_sample(tmp_path: Path) -> None:
    ops = []
    for i in range(100):
        key = f"k{i:03d}"
        ops += [op(0.01 * i, "producer", INVOKE, Fn.SEND, key), receive(1, "consumer-1", key, 1)]
        if i % 2:
            ops.append(receive(4, "consumer-2", key, 2))  # redelivered: flagged
    timeline = message_timeline(RunDir.load(make_run(tmp_path, ops)), limit=30)
    assert len(timeline.rows) == 30
    assert sum(1 for r in timeline.rows if not r.notable) == 10


def test_work_after_another_consumer_deleted_the_message_is_drawn(tmp_path: Path) -> None:
    ops = [
        op(0.1, "producer", INVOKE, Fn.SEND, "k1"),
        receive(0.5, "consumer-1", "k1", 1),
        receive(2.6, "consumer-2", "k1", 2),
        op(3.0, "consumer-2", OK, Fn.DELETE, "k1"),
        op(4.0, "consumer-1", OK, Fn.SIDE_EFFECT, "k1", subject="k1"),  # no claim: done twice
    ]
    [row] = message_timeline(RunDir.load(make_run(tmp_path, ops))).rows
    first, second = row.leases
    assert first.ended_by == "expired" and first.worked_until == 4.0
    assert second.ended_by == "delete" and second.end == 3.0
