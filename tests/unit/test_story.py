"""The demo's story is told from the ledgers: what it says follows what was counted."""

from __future__ import annotations

from pathlib import Path

from queuelab.check.ledger import Ledger
from queuelab.check.verdict import Status
from queuelab.report import story
from queuelab.run.result import Result


def result(status: Status, unsafe: bool, **counts: int) -> Result:
    return Result("dup", status, unsafe, 7.0, Ledger(**counts), (), ("why",), Path("/r"))


def test_the_story_names_the_claim_and_the_duplicates_it_prevented() -> None:
    safe = result(Status.PASSED, False, acknowledged=2, delivered=2, redeliveries=2)
    unsafe = result(Status.FAILED, True, acknowledged=2, delivered=2, duplicate_side_effects=1)

    told = " ".join(story.sentences(safe, unsafe))

    assert "2 side effects for 2 messages" in told
    assert "1 side effect happened twice" in told
    assert story.told_the_story(safe, unsafe)


def test_a_negative_control_that_showed_nothing_is_not_a_story() -> None:
    safe = result(Status.PASSED, False, acknowledged=2, delivered=2, redeliveries=1)
    unsafe = result(Status.PASSED, True, acknowledged=2, delivered=2)

    assert "no side effect doubled" in " ".join(story.sentences(safe, unsafe))
    assert not story.told_the_story(safe, unsafe)
