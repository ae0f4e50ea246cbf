"""Group order in a FIFO batch (pure): a function that reports only its failed message lets
the group's later messages overtake it (services-sqs-errorhandling.html)."""

from __future__ import annotations

from queuelab.esm.fifo import overtaken


def m(message_id: str, group: str | None) -> dict[str, object]:
    attributes = {} if group is None else {"MessageGroupId": group}
    return {"MessageId": message_id, "Attributes": attributes}


BATCH = [m("a1", "a"), m("b1", "b"), m("a2", "a"), m("a3", "a"), m("b2", "b")]


def test_later_messages_of_a_failed_group_overtake_it_when_deleted() -> None:
    assert overtaken(BATCH, ["a1"]) == ["a2", "a3"]


def test_reporting_the_failure_and_everything_after_it_keeps_the_order() -> None:
    assert overtaken(BATCH, ["a1", "b1", "a2", "a3", "b2"]) == []
    assert overtaken(BATCH, ["a2", "a3"]) == []  # a1 before the failure: fine
    assert overtaken(BATCH, []) == []


def test_standard_messages_have_no_group() -> None:
    assert overtaken([m("x", None), m("y", None)], ["x"]) == []
