"""The consumer's per-message logic against DynamoDB (moto in-process)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from consumer import chaos, wiring
from consumer.handler import Handler
from consumer.leases import VisibilityLease
from consumer.message import Received
from consumer.middleware import Chain
from consumer.side_effects import SideEffects
from consumer.status_table import Claim, ClaimResult, ClaimTable, ReadThenWriteTable, StatusTable
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.history import FAIL, INVOKE, OK, Fn, History, read
from queuelab.contract.tables import SIDE_EFFECTS_TABLE_KEY, STATUS_TABLE_KEY


@pytest.fixture
def ddb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        for table, key in (("status", STATUS_TABLE_KEY), ("effects", SIDE_EFFECTS_TABLE_KEY)):
            client.create_table(
                TableName=table,
                AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
                KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
                BillingMode="PAY_PER_REQUEST",
            )
        yield client


class Crashed(Exception):
    pass


def crash(history: History, key: str | None, point: str) -> None:
    raise Crashed(point)


def handler(ddb: Any, owner: str = "c1", lease: float = 30, **knobs: str) -> Handler:
    """The consumer's handler as its knobs build it (chaos included), on in-process moto."""
    config = ConsumerKnobs.from_env(
        {
            "QUEUE_URL": "q",
            "CONSUMER_ID": owner,
            "MESSAGE_STATUS_TABLE": "status",
            "MESSAGE_SIDE_EFFECTS_TABLE": "effects",
            "IDEMPOTENCY_LEASE_SECONDS": str(lease),
            **knobs,
        }
    )
    history = History(config.history_path or None, owner)
    hooks = Chain(chaos.layer(config, history, crash=crash))
    return wiring.handler(config, ddb, history, hooks)


def message(payload: dict[str, Any] | str, count: int = 1) -> Received:
    body = payload if isinstance(payload, str) else json.dumps(payload)
    key = payload["id"] if isinstance(payload, dict) and "id" in payload else "k"
    return Received("m", "h", body, key, count)


def performances(ddb: Any, subject: str) -> int:
    item = ddb.get_item(TableName="effects", Key={SIDE_EFFECTS_TABLE_KEY: {"S": subject}})
    return int(item.get("Item", {}).get("performances", {}).get("N", "0"))


def test_a_message_is_processed_once_and_marked_completed(ddb: Any) -> None:
    assert handler(ddb).handle(message({"id": "a", "work": 1})) is True
    assert performances(ddb, "a") == 1
    item = ddb.get_item(TableName="status", Key={STATUS_TABLE_KEY: {"S": "a"}})["Item"]
    assert item["status"]["S"] == "COMPLETED"


def test_a_redelivered_completed_message_is_deleted_without_a_second_side_effect(ddb: Any) -> None:
    handler(ddb, "c1").handle(message({"id": "a"}))
    assert handler(ddb, "c2").handle(message({"id": "a"}, count=2)) is True
    assert performances(ddb, "a") == 1


def test_a_message_in_progress_elsewhere_is_left_for_later(ddb: Any) -> None:
    StatusTable(ddb, "status", "c1", 30).claim("a", "hash", "run")
    assert handler(ddb, "c2").handle(message({"id": "a"})) is False
    assert performances(ddb, "a") == 0


def test_when_the_holder_already_did_the_work_the_message_is_completed(ddb: Any) -> None:
    first = handler(ddb, "c1", CRASH_AFTER_SIDE_EFFECT="1")
    with pytest.raises(Crashed):
        first.handle(message({"id": "a"}))
    assert handler(ddb, "c2").handle(message({"id": "a"}, count=2)) is True
    assert performances(ddb, "a") == 1


def test_after_a_takeover_the_side_effect_write_itself_refuses_the_repeat(
    ddb: Any, tmp_path: Any
) -> None:
    # Given a holder that did the side effect, then crashed, and whose lease expired
    holder = handler(ddb, "c1", CRASH_AFTER_SIDE_EFFECT="1", IDEMPOTENCY_LEASE="visibility")
    holder.idempotency.lease = VisibilityLease(-1)  # already expired
    with pytest.raises(Crashed):
        holder.handle(message({"id": "a"}))
    # When another consumer takes the claim over and handles the message
    path = tmp_path / "c2.jsonl"
    assert handler(ddb, "c2", HISTORY_PATH=str(path)).handle(message({"id": "a"})) is True
    # Then its conditional write was refused: no second performance, recorded as a skip
    assert performances(ddb, "a") == 1
    ops = [(op.f, op.type) for op in read([path]) if op.f in (Fn.SIDE_EFFECT, Fn.SKIP)]
    assert ops == [(Fn.SIDE_EFFECT, INVOKE), (Fn.SIDE_EFFECT, FAIL), (Fn.SKIP, OK)]


def test_a_first_performance_is_recorded_as_done_not_as_a_skip(ddb: Any, tmp_path: Any) -> None:
    path = tmp_path / "c1.jsonl"
    assert handler(ddb, "c1", HISTORY_PATH=str(path)).handle(message({"id": "a"})) is True
    ops = [(op.f, op.type) for op in read([path]) if op.f in (Fn.SIDE_EFFECT, Fn.SKIP)]
    assert ops == [(Fn.SIDE_EFFECT, INVOKE), (Fn.SIDE_EFFECT, OK)]


def test_an_expired_lease_can_be_claimed_again(ddb: Any) -> None:
    table = StatusTable(ddb, "status", "c1", lease_seconds=-1)  # already expired
    assert table.claim("a", "h", "r").outcome is Claim.ACQUIRED
    assert StatusTable(ddb, "status", "c2", 30).claim("a", "h", "r").outcome is Claim.ACQUIRED


def test_the_same_key_with_another_payload_is_a_conflict_and_rejected(ddb: Any) -> None:
    handler(ddb).handle(message({"id": "a", "work": 1}))
    assert handler(ddb, "c2").handle(message({"id": "a", "work": 2})) is False
    assert performances(ddb, "a") == 1


@pytest.mark.parametrize(
    "body", ["not json", "[1, 2]", '{"work": 1}', '{"id": "p", "poison": true}']
)
def test_poison_is_rejected_without_deleting_and_without_side_effect(ddb: Any, body: str) -> None:
    h = handler(ddb, REJECT_PAYLOAD_MARKER='"poison": true')
    assert h.handle(message(body)) is False
    assert ddb.scan(TableName="effects")["Count"] == 0


def test_without_idempotency_a_redelivery_repeats_the_side_effect(ddb: Any) -> None:
    handler(ddb, "c1", IDEMPOTENCY="off").handle(message({"id": "a"}))
    handler(ddb, "c2", IDEMPOTENCY="off").handle(message({"id": "a"}, count=2))
    assert performances(ddb, "a") == 2


def test_crash_after_receive_happens_before_the_side_effect(ddb: Any) -> None:
    with pytest.raises(Crashed, match="after receive"):
        handler(ddb, CRASH_AFTER_RECEIVE="1").handle(message({"id": "a"}))
    assert performances(ddb, "a") == 0


def test_deduping_on_the_message_id_lets_a_repeated_order_through(ddb: Any) -> None:
    # Given two messages with different ids for the same order, deduped on the message id
    handler(ddb, "c1").handle(message({"id": "a", "order_id": "o1"}))
    handler(ddb, "c2").handle(message({"id": "b", "order_id": "o1"}))
    # Then check-before-doing (which asks about this message's request) lets both through
    assert performances(ddb, "o1") == 2


def test_a_business_key_makes_a_repeated_order_a_no_op(ddb: Any) -> None:
    by_order = {"BUSINESS_IDEMPOTENCY_FIELD": "order_id"}
    handler(ddb, "c1", **by_order).handle(message({"id": "a", "order_id": "o1"}))
    assert handler(ddb, "c2", **by_order).handle(message({"id": "b", "order_id": "o1"})) is True
    assert performances(ddb, "o1") == 1


def test_check_before_doing_finds_a_business_keyed_side_effect_after_a_crash(ddb: Any) -> None:
    by_order = {"BUSINESS_IDEMPOTENCY_FIELD": "order_id"}
    with pytest.raises(Crashed):
        handler(ddb, "c1", CRASH_AFTER_SIDE_EFFECT="1", **by_order).handle(
            message({"id": "a", "order_id": "o1"})
        )
    assert handler(ddb, "c2", **by_order).handle(message({"id": "b", "order_id": "o1"})) is True
    assert performances(ddb, "o1") == 1


def status_item(ddb: Any, key: str) -> dict[str, Any]:
    item: dict[str, Any] = ddb.get_item(TableName="status", Key={STATUS_TABLE_KEY: {"S": key}})
    return item.get("Item", {})


def test_a_downstream_outage_fails_the_message_and_lets_a_retry_claim_it(ddb: Any) -> None:
    # Given a downstream that is down for a minute
    down = handler(ddb, "c1", DOWNSTREAM_OUTAGE_SECONDS="60")
    # When a message is handled, it fails without a side effect and without a claim left
    assert down.handle(message({"id": "a"})) is False
    assert performances(ddb, "a") == 0 and status_item(ddb, "a") == {}
    # Then another consumer's retry does it once
    assert handler(ddb, "c2").handle(message({"id": "a"}, count=2)) is True
    assert performances(ddb, "a") == 1


def test_a_failing_side_effect_call_is_a_retry_not_a_crash(ddb: Any) -> None:
    broken = handler(ddb, MESSAGE_SIDE_EFFECTS_TABLE="gone", CHECK_BEFORE_DOING="off")
    assert broken.handle(message({"id": "a"})) is False
    assert status_item(ddb, "a") == {}  # the claim was given back


def test_a_lease_that_follows_the_visibility_ends_with_it_and_is_renewed(ddb: Any) -> None:
    # Given a claim whose lease follows a 5 s visibility, for a message received at t
    h = handler(ddb, "c1", IDEMPOTENCY_LEASE="visibility")
    h.idempotency.lease = VisibilityLease(5)
    received = Received("m", "h", json.dumps({"id": "a"}), "a", 1, received_at=time.time())
    assert h.idempotency.begin(received, h.validate(received)) is None
    until = float(status_item(ddb, "a")["lease_until"]["N"])
    assert until == pytest.approx(received.received_at + 5, abs=0.01)
    # When the heartbeat renews it, the lease moves
    assert h.idempotency.renew(received, until + 10) is True
    assert float(status_item(ddb, "a")["lease_until"]["N"]) == pytest.approx(until + 10)


def test_a_renewal_after_a_takeover_says_the_lease_is_lost(ddb: Any) -> None:
    h = handler(ddb, "c1", IDEMPOTENCY_LEASE="visibility")
    h.idempotency.lease = VisibilityLease(-1)  # already expired
    stale = message({"id": "a"})
    assert h.idempotency.begin(stale, h.validate(stale)) is None
    assert StatusTable(ddb, "status", "c2", 30).claim("a", "x", "r").outcome is Claim.ACQUIRED
    assert h.idempotency.renew(stale, time.time() + 5) is False


def test_a_fixed_lease_is_not_renewed_and_a_finished_claim_is_not_lost(ddb: Any) -> None:
    fixed = handler(ddb, "c1")
    first = message({"id": "a"})
    assert fixed.idempotency.begin(first, fixed.validate(first)) is None
    before = status_item(ddb, "a")["lease_until"]
    assert fixed.idempotency.renew(first, time.time() + 100) is True
    assert status_item(ddb, "a")["lease_until"] == before
    # And once completed, a late heartbeat has nothing to renew (not a lost lease)
    following = handler(ddb, "c2", IDEMPOTENCY_LEASE="visibility")
    second = message({"id": "b"})
    work = following.validate(second)
    assert following.idempotency.begin(second, work) is None
    following.idempotency.complete(second, work)
    assert following.idempotency.renew(second, time.time() + 5) is True


def racing_tables(ddb: Any, kind: type[ClaimTable]) -> list[ClaimResult]:
    """Two consumers claim one key; the first one's write waits until the second claimed."""
    results: list[ClaimResult] = []
    second = kind(ddb, "status", "c2", 30)
    first = kind(
        ddb,
        "status",
        "c1",
        30,
        before_write=lambda key: results.append(second.claim(key, "h", "r")),
    )
    results.insert(0, first.claim("a", "h", "r"))
    return results


def test_a_read_then_write_claim_lets_two_interleaved_consumers_both_in(ddb: Any) -> None:
    outcomes = [r.outcome for r in racing_tables(ddb, ReadThenWriteTable)]
    assert outcomes == [Claim.ACQUIRED, Claim.ACQUIRED]


def test_the_conditional_claim_lets_only_one_of_two_interleaved_consumers_in(ddb: Any) -> None:
    outcomes = sorted(r.outcome for r in racing_tables(ddb, StatusTable))
    assert outcomes == sorted([Claim.ACQUIRED, Claim.IN_PROGRESS])


def test_a_checked_side_effect_asks_and_does_in_one_write(ddb: Any) -> None:
    checked = SideEffects(ddb, "effects", checked=True)
    # Given a request performed once
    assert checked.perform("s", "request-1", "run", {}) is True
    # When the same request comes again, the system refuses it; another request is done
    assert checked.perform("s", "request-1", "run", {}) is False
    assert performances(ddb, "s") == 1
    assert checked.perform("s", "request-2", "run", {}) is True
    assert performances(ddb, "s") == 2


def test_an_unchecked_side_effect_repeats_a_request(ddb: Any) -> None:
    unchecked = SideEffects(ddb, "effects")
    assert unchecked.perform("s", "request-1", "run", {}) is True
    assert unchecked.perform("s", "request-1", "run", {}) is True
    assert performances(ddb, "s") == 2
