"""A foreign consumer's operations are made from what the endpoints saw, never its own word."""

from __future__ import annotations

from typing import Any

from queuelab.check import blackbox, ledger
from queuelab.contract import external
from queuelab.contract.external import Call
from queuelab.contract.history import FAIL, INFO, INVOKE, OK, Fn, Op
from queuelab.contract.witness import Record
from scenarios.shared.leases import polls_by_others

ME = "consumer-1"


def record(op: str, t0: float = 1.0, **fields: Any) -> Record:
    return Record(t0, t0 + 0.1, fields.pop("caller", ME), "sqs", op, **fields)


def received(*keys: str, **fields: Any) -> Record:
    messages = [{"message_id": f"m-{k}", "key": k, "receipt_handle": f"h-{k}"} for k in keys]
    return record("ReceiveMessage", messages=messages, **fields)


def handle(key: str, ok: bool = True, visibility: Any = None) -> dict[str, Any]:
    return {"message_id": f"m-{key}", "key": key, "ok": ok, "visibility": visibility}


def shape(ops: list[Op]) -> list[tuple[str, str, str | None]]:
    return [(op.type, op.f, op.key) for op in ops]


def test_a_receive_becomes_an_invoke_and_an_ok_with_its_messages() -> None:
    ops = blackbox.ops([received("a", "b")], [], {ME}, sent_at={"a": 0.5})

    assert shape(ops) == [(INVOKE, Fn.RECEIVE, None), (OK, Fn.RECEIVE, None)]
    assert [m["key"] for m in ops[1].value["messages"]] == ["a", "b"]
    assert ops[1].value["messages"][0]["sent_at"] == 0.5
    assert [k for _, m in ledger.receives(ops) for k in [m["key"]]] == ["a", "b"]


def test_a_long_poll_answered_before_its_sends_record_still_names_the_key() -> None:
    # Given a receive recorded without the key (its send's answer was recorded after it)
    early = record("ReceiveMessage", messages=[{"message_id": "m-a", "key": ""}])
    send = record("SendMessageBatch", t0=1.05, caller="producer",
                  messages=[{"message_id": "m-a", "key": "a"}])  # fmt: skip
    deleted = record("DeleteMessage", t0=2.0, handles=[{"message_id": "m-a", "ok": True}])
    # When the consumer's operations are made from the witness
    ops = blackbox.ops([early, send, deleted], [], {ME})
    # Then the receive and the delete name the key the send recorded
    assert [m["key"] for _, m in ledger.receives(ops)] == ["a"]
    assert [op.key for op in ops if op.f == Fn.DELETE] == ["a", "a"]


def test_a_refused_receive_fails_and_one_whose_answer_was_lost_is_unknown() -> None:
    refused = received("a", fault="deny", error="AccessDenied")
    lost = received("b", t0=2.0, fault="ambiguous", delivered=False)

    ops = blackbox.ops([refused, lost], [], {ME})

    assert [op.type for op in ops if op.f == Fn.RECEIVE] == [INVOKE, FAIL, INVOKE, INFO]


def test_deletes_are_per_handle_and_a_visibility_change_is_a_release_or_a_new_lease() -> None:
    deletes = record("DeleteMessageBatch", handles=[handle("a"), handle("b", ok=False)])
    visibility = record(
        "ChangeMessageVisibilityBatch", t0=2.0, handles=[handle("c", visibility="0"),
                                                         handle("d", visibility=30)],
    )  # fmt: skip

    ops = blackbox.ops([deletes, visibility], [], {ME})

    assert shape(ops) == [  # one batch: invoked together, answered together
        (INVOKE, Fn.DELETE, "a"), (INVOKE, Fn.DELETE, "b"), (OK, Fn.DELETE, "a"),
        (FAIL, Fn.DELETE, "b"), (INVOKE, Fn.RELEASE, "c"), (INVOKE, Fn.VISIBILITY, "d"),
        (OK, Fn.RELEASE, "c"), (OK, Fn.VISIBILITY, "d"),
    ]  # fmt: skip
    assert [op.value["visibility"] for op in ops if op.f == Fn.VISIBILITY] == [30, 30]


def test_only_the_named_processes_are_made_from_the_witness() -> None:
    ours = received("a", caller="consumer-ours")

    assert blackbox.ops([ours], [], {ME}) == []


def call(outcome: str, id_: str = "a", t0: float = 5.0, **fields: Any) -> Call:
    return Call(t0, t0 + 0.5, fields.pop("process", ME), "POST", id_, outcome=outcome, **fields)


def test_side_effect_requests_become_side_effect_ops_by_outcome() -> None:
    calls = [
        call(external.PERFORMED, performed_at=5.2, status=200),
        call(external.REPLAYED, t0=6.0),
        call(external.CONFLICT, t0=7.0),
        call(external.ABANDONED, t0=8.0),
        Call(9.0, 9.1, ME, "GET", "a", outcome=external.FOUND),
    ]

    ops = blackbox.ops([], calls, {ME})

    assert shape(ops) == [
        (INVOKE, Fn.SIDE_EFFECT, "a"), (OK, Fn.SIDE_EFFECT, "a"), (OK, Fn.SKIP, "a"),
        (INVOKE, Fn.SIDE_EFFECT, "a"), (FAIL, Fn.SIDE_EFFECT, "a"),
        (INVOKE, Fn.SIDE_EFFECT, "a"), (FAIL, Fn.SIDE_EFFECT, "a"),
    ]  # fmt: skip
    assert ops[1].time == 5.2  # when the external system did it


def test_the_labs_own_actions_join_in_time_order() -> None:
    crash = Op(3.0, ME, INFO, Fn.CRASH, "a", {"point": "after receive"})

    ops = blackbox.ops([received("a")], [call(external.ABANDONED)], {ME}, [crash])

    assert [op.f for op in ops] == [
        Fn.RECEIVE,
        Fn.RECEIVE,
        Fn.CRASH,
        Fn.SIDE_EFFECT,
        Fn.SIDE_EFFECT,
    ]


def test_performances_count_by_subject_and_an_unknown_id_is_its_own_subject() -> None:
    calls = [
        call(external.PERFORMED, "a"),
        call(external.PERFORMED, "b"),
        call(external.REPLAYED, "b"),
        call(external.PERFORMED, "stranger"),
    ]

    counted = blackbox.side_effects(calls, {"a": "order-1", "b": "order-1"})

    assert counted == {"order-1": 2, "stranger": 1}


def test_activity_says_what_a_process_did() -> None:
    done = blackbox.activity([received("a", "b")], [call(external.PERFORMED)], ME)

    assert str(done) == (
        "1 SQS calls (1 ReceiveMessage, 2 messages received, 0 deletes), "
        "1 side-effect calls (1 performed)"
    )


def test_a_versioned_update_is_a_side_effect_that_applies_a_version_or_not() -> None:
    put = Call(5.0, 5.5, ME, "PUT", "a", "entities/e1/a", external.PERFORMED, 200, 5.2,
               entity="e1", version=3, applied=False)  # fmt: skip

    ops = blackbox.ops([], [put], {ME})

    assert shape(ops) == [(INVOKE, Fn.SIDE_EFFECT, "a"), (OK, Fn.SIDE_EFFECT, "a"),
                          (OK, Fn.APPLY, "a")]  # fmt: skip
    assert ops[2].value == {"entity": "e1", "version": 3, "applied": False}
    assert blackbox.performances([put]) == {"a": 1}, "a stale update was handled all the same"


def test_a_replay_is_a_skip_naming_its_key_and_when_it_was_asked() -> None:
    ops = blackbox.ops([], [call(external.REPLAYED, key="order-1")], {ME})

    assert shape(ops) == [(OK, Fn.SKIP, "a")]
    assert ops[0].value["idempotency_key"] == "order-1" and ops[0].value["asked_at"] == 5.0


def test_a_delete_sqs_refused_for_its_handle_is_a_lost_lease_and_a_fault_is_not() -> None:
    expired = record("DeleteMessage", error="ReceiptHandleIsInvalid", handles=[handle("a", False)])
    faulted = record("DeleteMessage", t0=2.0, fault="throttle", error="ThrottlingException",
                     handles=[handle("b", False)])  # fmt: skip
    entry = record("DeleteMessageBatch", t0=3.0, handles=[handle("c", False)])

    ops = blackbox.ops([expired, faulted, entry], [], {ME})

    failed = {op.key: op.value for op in ops if op.type == FAIL}
    assert {k: v["lease_lost"] for k, v in failed.items()} == {"a": True, "b": False, "c": True}
    assert failed["a"]["error"] == "ReceiptHandleIsInvalid"


def test_an_object_read_and_deleted_in_s3_is_a_fetch_and_a_cleanup() -> None:
    def s3(op: str, t0: float) -> Record:
        return Record(t0, t0 + 0.1, ME, "s3", op, resource="claims")

    ops = blackbox.ops([s3("GetObject", 1.0), s3("DeleteObject", 2.0), s3("PutObject", 3.0)],
                       [], {ME})  # fmt: skip

    assert shape(ops) == [(INVOKE, Fn.FETCH, None), (OK, Fn.FETCH, None),
                          (INVOKE, Fn.CLEANUP, None), (OK, Fn.CLEANUP, None)]  # fmt: skip


def test_a_receive_that_asked_for_its_own_visibility_leases_for_that_long() -> None:
    # Given a consumer that receives with VisibilityTimeout=1 on a queue of 30 s, twice
    first = received("a", visibility=1)
    again = received("a", t0=2.5, visibility=1)
    # When its operations are made from the witness
    ops = blackbox.ops([first, again], [], {ME})
    # Then each receive carries its own lease, and the second one, 1.4 s after the first's
    # lease ended, is no early redelivery
    assert [op.value.get("visibility") for op in ops if op.type == OK] == [1, 1]
    assert ledger.count_early_redeliveries(ops, visibility_timeout=30) == 0
    queue_s = blackbox.ops([received("a"), received("a", t0=2.5)], [], {ME})
    assert ledger.count_early_redeliveries(queue_s, visibility_timeout=30) == 1


def test_a_long_poll_open_when_the_run_ended_was_a_chance_to_receive() -> None:
    # Given the witness's record of a long poll still being served when the run ended
    open_poll = record("ReceiveMessage", t0=1.0, caller="consumer-2", delivered=False,
                       unfinished=True)  # fmt: skip
    # When the consumer's operations are made from it
    ops = blackbox.ops([open_poll], [], {"consumer-2"})
    # Then it is a receive with no answer (handed nothing), open across the window
    assert shape(ops) == [(INVOKE, Fn.RECEIVE, None), (INFO, Fn.RECEIVE, None)]
    assert ledger.receives(ops) == []
    assert polls_by_others(ops, ME, start=1.05, end=1.08) == 1
