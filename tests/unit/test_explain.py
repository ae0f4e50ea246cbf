"""The report's words, from the run directory alone: the story of a run, a note beside a
number that looks alarming in a pass, and no timeline mark the ledger contradicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from queuelab.report import explain


@dataclass
class Row:
    flags: list[str] = field(default_factory=list)


def journal(status: str, ledger: dict[str, Any], checks: list[dict[str, Any]]) -> dict[str, Any]:
    return {"verdict": {"status": status, "checks": checks, "reasons": []}, "ledger": ledger}


def check(name: str, expected: str, actual: float, ok: bool) -> dict[str, Any]:
    return {"name": name, "expected": expected, "actual": actual, "ok": ok}


def test_a_mark_the_ledger_does_not_count_is_not_drawn_and_an_expected_one_is_not_red() -> None:
    # backlog-drain: the timeline saw an early redelivery, the ledger counts none
    rows = [Row(["early redelivery", "redelivered"]), Row(["duplicate"])]
    counted = {"early_redeliveries": 0, "duplicate_side_effects": 6, "extra": {}}
    explain.as_the_ledger_says(journal("passed", counted, []), rows)
    assert rows[0].flags == ["redelivered"]
    assert rows[1].flags == ["duplicate (expected)"]  # fifo-dedup-window: no red row

    broken = [check("duplicate_side_effects", "== 0", 6, False)]
    row = Row(["duplicate"])
    explain.as_the_ledger_says(journal("failed", counted, broken), [row])
    assert row.flags == ["duplicate"]  # the verdict broke on it: red


def test_an_alarming_number_in_a_pass_is_explained_beside_it() -> None:
    purge = journal(
        "passed", {"lost": 20, "extra": {}}, [check("purge_survivors", "== 0", 0, True)]
    )
    assert "none of this scenario's checks is on lost" in explain.notes(purge)["lost"]
    dedup = journal("passed", {"duplicate_side_effects": 6, "extra": {"duplicate_sends": 6}}, [])
    assert "sent 6 duplicates on purpose" in explain.notes(dedup)["duplicate_side_effects"]
    dlq = journal(
        "passed", {"dead_lettered": 4, "extra": {}}, [check("dead_lettered", "== 4", 4, True)]
    )
    assert "its check dead_lettered == 4 held" in explain.notes(dlq)["dead_lettered"]
    failed = journal("failed", {"lost": 1, "extra": {}}, [check("lost", "== 0", 1, False)])
    assert explain.notes(failed) == {}  # a broken check says it already


def test_the_story_tells_what_happened_and_what_a_control_had_to_show() -> None:
    run = journal("failed", {"acknowledged": 2, "delivered": 2, "duplicate_side_effects": 2}, [])
    run["faults"] = {"injected": {"throttle": 3}}
    control = {"control": True, "must_show": ["duplicate_side_effects >= 1"], "outcome": "caught",
               "turned_off": "idempotency off"}  # fmt: skip
    told = explain.story(run, control)
    assert told[0] == (
        "2 messages sent and acknowledged by the queue; 2 had their side effect done, "
        "2 side effects a second time."
    )
    assert "The endpoint injected 3 faults (throttle 3)." in told
    assert told[-1].endswith(
        "the checker had to report duplicate_side_effects >= 1: it did: caught."
    )
