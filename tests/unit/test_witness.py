"""The checker against the witness: agreement, claims the server never applied, operations
no history mentions, and what only the witness can count."""

from __future__ import annotations

from typing import Any

from queuelab.check import ledger
from queuelab.check.witness import summarize
from queuelab.contract.history import INVOKE, OK, Fn, Op
from queuelab.contract.witness import Record


def op(t: float, process: str, type_: str, f: Fn, key: str | None = None, **value: Any) -> Op:
    return Op(t, process, type_, f, key, value)


def record(caller: str, op_name: str, t0: float = 1.0, **fields: Any) -> Record:
    return Record(t0=t0, t1=t0 + 0.1, caller=caller, service="sqs", op=op_name, **fields)


SENT = record("producer", "SendMessageBatch", messages=[{"message_id": "m1", "key": "k1"}])
RECEIVED = record(
    "consumer-1",
    "ReceiveMessage",
    messages=[{"message_id": "m1", "key": "k1", "receipt_handle": "h"}],
)
DELETED = record("consumer-1", "DeleteMessage", handles=[{"message_id": "m1", "ok": True}])
HISTORY = [
    op(1.0, "producer", INVOKE, Fn.SEND, "k1"),
    op(1.1, "producer", OK, Fn.SEND, "k1", message_id="m1"),
    op(2.0, "consumer-1", INVOKE, Fn.RECEIVE),
    op(2.1, "consumer-1", OK, Fn.RECEIVE, messages=[{"key": "k1", "message_id": "m1"}]),
    op(3.0, "consumer-1", INVOKE, Fn.DELETE, "k1", message_id="m1"),
    op(3.1, "consumer-1", OK, Fn.DELETE, "k1", message_id="m1"),
]


def test_histories_that_match_the_witness_raise_nothing() -> None:
    seen = summarize([SENT, RECEIVED, DELETED], HISTORY)
    assert (seen.unconfirmed, seen.unrecorded, seen.duplicate_sends) == (0, 0, 0)


def test_a_delete_the_server_never_applied_is_unconfirmed() -> None:
    seen = summarize([SENT, RECEIVED], HISTORY)
    assert seen.unconfirmed == 1 and seen.samples["unconfirmed"] == ["consumer-1 deleted m1"]


def test_a_delete_no_history_mentions_is_unrecorded() -> None:
    history = HISTORY[:4]  # the consumer never wrote that it deleted
    assert summarize([SENT, RECEIVED, DELETED], history).unrecorded == 1


def test_a_receive_lost_with_a_killed_process_is_not_held_against_it() -> None:
    history = HISTORY[:3]  # killed between the answer and the line that records it
    assert summarize([SENT, RECEIVED], history).unrecorded == 1
    assert summarize([SENT, RECEIVED], history, killed={"consumer-1"}).unrecorded == 0


def test_a_crashed_process_may_lose_the_record_of_one_receive_and_no_more() -> None:
    # Given a consumer that crashed on purpose while another thread waited for a receive
    m2, m3 = ([{"message_id": m, "key": "k"}] for m in ("m2", "m3"))
    second = record("consumer-1", "ReceiveMessage", t0=2.0, messages=m2)
    third = record("consumer-1", "ReceiveMessage", t0=3.0, messages=m3)
    crashed = {"consumer-1"}
    # Then the messages of that last receive are not held against it
    assert summarize([SENT, RECEIVED, second], HISTORY[:4], crashed=crashed).unrecorded == 0
    # but two receives it never recorded are, as they are for a process that did not crash
    assert summarize([SENT, RECEIVED, second, third], HISTORY[:4], crashed=crashed).unrecorded == 2
    assert summarize([SENT, RECEIVED, second], HISTORY[:4]).unrecorded == 1


def test_a_crashed_process_is_excused_only_its_last_receive() -> None:
    # Given a crashed consumer whose history misses an earlier receive but has its last one
    earlier = record("consumer-1", "ReceiveMessage", t0=0.5, messages=[{"message_id": "m0"}])
    seen = summarize([SENT, earlier, RECEIVED], HISTORY[:4], crashed={"consumer-1"})
    # Then the earlier receive's message is unrecorded: it was not in flight when it died
    assert seen.unrecorded == 1


def test_the_lab_s_own_calls_are_never_counted_against_the_histories() -> None:
    lab_copy = record("lab", "SendMessageBatch", messages=[{"message_id": "m9", "key": "k1"}])
    seen = summarize([SENT, lab_copy], HISTORY[:2])
    assert (seen.unrecorded, seen.duplicate_sends) == (0, 0)


def test_a_send_retried_after_its_answer_was_lost_is_a_duplicate_and_recovered() -> None:
    lost_answer = record(
        "producer",
        "SendMessageBatch",
        messages=[{"message_id": "m0", "key": "k1"}],
        fault="ambiguous",
        delivered=False,
    )
    seen = summarize([lost_answer, SENT], HISTORY[:2])
    assert (seen.ambiguous, seen.duplicate_sends, seen.faults_injected) == (1, 1, 1)
    counted = ledger.compute(
        HISTORY[:2], ledger.Observation(side_effects={"k1": 1}), 2.0, witnessed=seen
    )
    assert counted.recovered == 1 and counted.lost == 0


def test_a_duplicate_delivered_on_purpose_is_not_an_early_redelivery() -> None:
    receives = [
        op(1.0, "consumer-1", INVOKE, Fn.RECEIVE),
        op(1.1, "consumer-1", OK, Fn.RECEIVE, messages=[{"key": "k1", "message_id": "m1"}]),
        op(1.2, "consumer-2", INVOKE, Fn.RECEIVE),
        op(1.3, "consumer-2", OK, Fn.RECEIVE, messages=[{"key": "k1", "message_id": "m1"}]),
    ]
    assert ledger.count_early_redeliveries(receives, visibility_timeout=2) == 1
    assert ledger.count_early_redeliveries(receives, 2, excused=frozenset({"m1"})) == 0
