"""The consumer's per-message logic against DynamoDB (moto in-process)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from consumer import chaos, wiring
from consumer.handler import Handler
from consumer.idempotency import Claim, StatusTable
from consumer.message import Received
from consumer.middleware import Chain
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.history import History
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
    history = History(None, owner)
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
