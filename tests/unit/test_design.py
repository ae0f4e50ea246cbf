"""What a consumer's design gave a failure mode to work with, measured from its operations."""

from __future__ import annotations

from typing import Any

from queuelab.check import design
from queuelab.contract.history import INVOKE, OK, Fn, Op


def op(time: float, process: str, type_: str, f: Fn, key: str | None = None, **value: Any) -> Op:
    return Op(time, process, type_, f, key, value)


def test_a_consumer_that_deletes_or_extends_in_time_never_held_a_message_past_its_lease() -> None:
    received = op(1.0, "c1", OK, Fn.RECEIVE, messages=[{"key": "a", "message_id": "m"}])
    late = [received, op(4.0, "c1", INVOKE, Fn.DELETE, "a", message_id="m")]
    in_time = [received, op(2.5, "c1", INVOKE, Fn.DELETE, "a", message_id="m")]
    extended = [
        received,
        op(2.0, "c1", INVOKE, Fn.HEARTBEAT, "a", message_id="m", visibility=5),
        op(2.1, "c1", OK, Fn.HEARTBEAT, "a", message_id="m"),
        op(6.0, "c1", INVOKE, Fn.DELETE, "a", message_id="m"),
    ]
    assert design.held_past_visibility(late, visibility_timeout=2.0) == 1
    assert design.held_past_visibility(in_time, visibility_timeout=2.0) == 0
    assert design.held_past_visibility(extended, visibility_timeout=2.0) == 0
    answered_late = [
        received,
        op(2.9, "c1", INVOKE, Fn.HEARTBEAT, "a", message_id="m", visibility=5),
        op(3.4, "c1", OK, Fn.HEARTBEAT, "a", message_id="m"),  # after the old end: 3.0
        op(6.0, "c1", INVOKE, Fn.DELETE, "a", message_id="m"),
    ]
    assert design.held_past_visibility(answered_late, visibility_timeout=2.0) == 0
    assert design.largest_batch([received]) == 1


def test_a_lease_a_receive_asked_for_itself_is_the_one_that_runs_out() -> None:
    short = op(1.0, "c1", OK, Fn.RECEIVE, messages=[{"key": "a", "message_id": "m"}], visibility=1)
    deleted = op(2.5, "c1", INVOKE, Fn.DELETE, "a", message_id="m")
    assert design.held_past_visibility([short, deleted], visibility_timeout=30.0) == 1
