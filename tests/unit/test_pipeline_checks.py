"""The pipeline scenarios' measures and the contract they read, on crafted histories; and
doctor's checks of the pipeline's resources. Each check shown able to fail."""

from __future__ import annotations

from typing import Any

import pytest

import scenarios
from queuelab.backend.lab.protocol import s3_request
from queuelab.contract import orders
from queuelab.contract.claim_check import Pointer, pointer_body, pointer_of
from queuelab.contract.history import FAIL, INVOKE, OK, Fn, Op
from queuelab.contract.tables import CONSUMER, CONSUMER_TABLE_KEY, CONSUMER_TTL_ATTRIBUTE
from queuelab.targets.doctor import BucketFacts, TableFacts, check_extras
from scenarios.claim_check import measure_sends
from scenarios.dlq_watch import measure_alerts
from scenarios.schema_evolution import wrong_or_missing
from scenarios.shared.measures import sent_twice


def op(t: float, process: str, type_: str, f: Fn, key: str | None = None, **value: Any) -> Op:
    return Op(t, process, type_, f, key, value)


@pytest.mark.parametrize(
    ("payload", "knows", "strict", "readable"),
    [
        (orders.order(1, 0, "r"), 1, True, True),
        (orders.order(2, 0, "r"), 1, True, False),  # strict v1: no customer
        (orders.order(2, 0, "r"), 1, False, False),  # tolerant v1: a newer version, as such
        (orders.order(1, 0, "r"), 2, True, False),  # strict v2: no currency
        (orders.order(1, 0, "r"), 2, False, True),  # tolerant v2: upcast
        (orders.order(2, 0, "r"), 2, False, True),
    ],
)
def test_readers_across_the_schema_change(
    payload: dict[str, Any], knows: int, strict: bool, readable: bool
) -> None:
    if readable:
        assert orders.read(payload, knows, strict) == orders.expected_state(payload)
    else:
        with pytest.raises(orders.Unreadable):
            orders.read(payload, knows, strict)


def test_an_upcast_v1_order_is_in_dollars_under_its_new_field_name() -> None:
    upcast = orders.upcast({"id": "x", "customer": "c", "amount": 3})
    assert (upcast["customer_id"], upcast["currency"], "customer" in upcast) == ("c", "USD", False)


def test_a_claim_check_pointer_round_trips_and_keeps_the_names() -> None:
    pointer = Pointer("bucket", "claims/r/k", 10, "ab")
    body = pointer_body({"id": "k", "order_id": "o", "blob": "x" * 10}, pointer)
    assert pointer_of(body) == pointer and "blob" not in body and '"order_id": "o"' in body
    assert pointer_of('{"id": "k"}') is None and pointer_of("claim_check: not json") is None


def test_dead_letters_without_an_alert_are_undetected_and_late_alerts_are_measured() -> None:
    received = {"key": "k1", "message_id": "m1"}
    history = [
        op(100.0, "c", OK, Fn.RECEIVE, messages=[received]),
        op(100.1, "c", OK, Fn.REJECT, "k1", reason="poison"),
        op(103.5, "dlq-watcher", OK, Fn.ALERT, "k1", message_id="m1", error="poison"),
    ]
    measured = measure_alerts(history, {"k1", "k2"}, visibility_timeout=2.0)
    assert measured == {
        "dlq_alerts": 1,
        "undetected_dead_letters": 1,  # k2
        "alert_delay_s": 1.5,  # landed at 102 at the earliest
        "alerts_without_error": 0,
    }


def test_an_alert_is_late_from_the_receive_that_can_have_moved_the_message_not_before() -> None:
    # Given k1's visibility expired at 102, and the consumer's next receive began at 103
    received = {"key": "k1", "message_id": "m1"}
    history = [
        op(99.9, "c", INVOKE, Fn.RECEIVE),
        op(100.0, "c", OK, Fn.RECEIVE, messages=[received]),
        op(100.1, "c", OK, Fn.REJECT, "k1", reason="poison"),
        op(100.2, "c", INVOKE, Fn.RECEIVE),
        op(101.2, "c", OK, Fn.RECEIVE, messages=[]),  # over before the expiry
        op(103.0, "c", INVOKE, Fn.RECEIVE),  # slow to poll again: the move is in this one
        op(103.1, "c", OK, Fn.RECEIVE, messages=[]),
        op(103.5, "dlq-watcher", OK, Fn.ALERT, "k1", message_id="m1", error="poison"),
    ]
    # Then the alert came 0.5 s after the earliest landing, not 1.5 s
    assert measure_alerts(history, {"k1"}, visibility_timeout=2.0)["alert_delay_s"] == 0.5
    # And a call running across the expiry can have moved it at the expiry itself
    history[5:7] = [op(101.3, "c", INVOKE, Fn.RECEIVE), op(102.3, "c", OK, Fn.RECEIVE)]
    assert measure_alerts(history, {"k1"}, visibility_timeout=2.0)["alert_delay_s"] == 1.5


def test_an_order_processed_with_the_wrong_state_or_not_at_all_is_counted() -> None:
    v1 = {"id": "k1", "order_id": "o1"} | orders.order(1, 1, "r")
    v2 = {"id": "k2", "order_id": "o2"} | orders.order(2, 2, "r")
    history = [
        op(1, "p", INVOKE, Fn.SEND, "k1", subject="o1", payload=v1),
        op(1, "p", INVOKE, Fn.SEND, "k2", subject="o2", payload=v2),
        op(2, "c", OK, Fn.READ, "k1", state=orders.expected_state(v1)),
        op(3, "c", OK, Fn.SIDE_EFFECT, "k1", subject="o1"),
    ]
    assert wrong_or_missing(history) == 1  # o2 never processed
    history[2] = op(2, "c", OK, Fn.READ, "k1", state="c|0.00|EUR")
    assert wrong_or_missing(history) == 2  # o1 processed with a state nobody meant


def test_claim_check_sends_are_counted_by_what_reached_the_queue() -> None:
    big = {"blob_bytes": 2_000_000}
    history = [
        op(1, "p", INVOKE, Fn.SEND, "k1", payload=big, bytes=2_000_100),
        op(1, "p", FAIL, Fn.SEND, "k1", error="too long"),
        op(1, "p", INVOKE, Fn.SEND, "k2", payload=big, bytes=300, claim_check="claims/r/k2"),
        op(2, "p", OK, Fn.SEND, "k2"),
    ]
    assert measure_sends(history) == {
        "oversized_payloads": 2,
        "sent_oversized": 1,
        "claim_checked": 1,
        "never_queued": 1,
        "fetched": 0,
    }


def test_a_key_sent_twice_is_counted_once_per_extra_send() -> None:
    history = [op(t, "p", OK, Fn.SEND, "k") for t in (1, 2, 3)] + [op(4, "p", OK, Fn.SEND, "j")]
    assert sent_twice(history) == 2


def failing(item: str, tables: dict[str, TableFacts], bucket: BucketFacts | None) -> list[str]:
    """The failing checks, every set's consumer table healthy unless ``tables`` says."""
    tags = {"project": "queuelab", "stack": "dev", "scenario": item}
    consumer = TableFacts(True, CONSUMER_TABLE_KEY, CONSUMER_TTL_ATTRIBUTE, tags)
    return [
        r.check
        for r in check_extras(
            scenarios.get(item).resources, "dev", {CONSUMER: consumer} | tables, bucket
        )
        if not r.ok
    ]


def test_doctor_names_each_missing_or_unsafe_pipeline_resource() -> None:
    tags = {"project": "queuelab", "stack": "dev", "scenario": "claim-check"}
    assert failing("claim-check", {}, BucketFacts(True, "AES256", True, "claims/", tags)) == []
    assert failing("claim-check", {}, BucketFacts(True, "", False, "", tags)) == [
        "bucket encryption",
        "bucket public access blocked",
        "bucket expires claim checks",
    ]
    assert failing("claim-check", {}, None) == ["bucket exists"]
    tags = tags | {"scenario": "outbox"}
    wrong_key = {
        "orders": TableFacts(True, "id", "", tags),
        "outbox": TableFacts(True, "id", "", tags),
    }
    assert failing("outbox", wrong_key, None) == ["orders table key"]
    assert failing("outbox", {}, None) == ["orders table exists", "outbox table exists"]


@pytest.mark.parametrize(
    ("method", "path", "query", "op"),
    [
        ("PUT", "/b/claims/r/k", "", "PutObject"),
        ("GET", "/b/claims/r/k", "", "GetObject"),
        ("DELETE", "/b/k", "", "DeleteObject"),
        ("PUT", "/b", "tagging", "PutBucketTagging"),
        ("GET", "/b", "list-type=2&prefix=claims", "ListObjectsV2"),
        ("POST", "/b", "delete", "DeleteObjects"),
    ],
)
def test_s3_requests_are_named_for_the_witness(method: str, path: str, query: str, op: str) -> None:
    request = s3_request(
        "key", {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query}
    )
    assert (request.service, request.op, request.resource) == ("s3", op, "b")
