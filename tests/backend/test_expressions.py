"""Condition expressions parsed once per request (queuelab.backend.speed.expressions) against
moto's own parsing: the same answers to the same calls, with one parse a conditional put."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb import comparisons, responses
from moto.dynamodb import models as dynamodb_models

from queuelab.backend.speed import expressions

REGION = "us-east-1"
CLAIM = "attribute_not_exists(#k) OR (#s = :busy AND lease_until < :now)"


def table(ddb: Any) -> str:
    ddb.create_table(
        TableName="claims",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return "claims"


def claim(ddb: Any, name: str, key: str, now: float, until: float) -> str:
    try:
        ddb.put_item(
            TableName=name,
            Item={
                "id": {"S": key},
                "status": {"S": "INPROGRESS"},
                "lease_until": {"N": str(until)},
            },
            ConditionExpression=CLAIM,
            ExpressionAttributeNames={"#k": "id", "#s": "status"},
            ExpressionAttributeValues={":busy": {"S": "INPROGRESS"}, ":now": {"N": str(now)}},
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except ClientError as err:
        old = err.response.get("Item", {}).get("lease_until", {}).get("N", "")
        return f"{err.response['Error']['Code']} {old}".strip()
    return "ok"


def refused(ddb: Any, name: str, condition: dict[str, Any]) -> str:
    try:
        ddb.put_item(TableName=name, Item={"id": {"S": "b"}}, **condition)
    except ClientError as err:
        return f"{err.response['Error']['Code']}: {err.response['Error']['Message']}"
    except ValueError as err:  # moto's own error for a malformed expression (a 500 served)
        return f"ValueError: {err}"
    return "accepted"


def answers(ddb: Any) -> list[str]:
    """A claim, a refusal while the lease runs, a take-over once it ran out (the same text
    with other values), then a malformed expression and an unused name, each twice."""
    name = table(ddb)
    seen = [
        claim(ddb, name, "a", now=100, until=110),
        claim(ddb, name, "a", now=105, until=115),
        claim(ddb, name, "a", now=111, until=121),
        claim(ddb, name, "a", now=111, until=121),
    ]
    malformed = {
        "ConditionExpression": "id = = :x",
        "ExpressionAttributeValues": {":x": {"S": "b"}},
    }
    unused = {
        "ConditionExpression": "attribute_not_exists(id)",
        "ExpressionAttributeNames": {"#unused": "status"},
    }
    for _ in range(2):
        for bad in (malformed, unused):
            seen.append(refused(ddb, name, bad))
    return seen


@pytest.fixture
def patched(
    monkeypatch: pytest.MonkeyPatch, patched_by: Callable[[ModuleType], None]
) -> Iterator[None]:
    """A new parser memory installed for this test only."""
    monkeypatch.setattr(expressions, "_shared", None)
    patched_by(expressions)
    yield


def client() -> Any:
    return boto3.client(
        "dynamodb", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )


def test_the_same_calls_get_the_same_answers_as_from_stock_moto(patched: None) -> None:
    with mock_aws():
        ours = answers(client())
    with pytest.MonkeyPatch.context() as stock:
        for module in (comparisons, responses, dynamodb_models):
            stock.setattr(
                module, "create_condition_expression_parser", comparisons.ConditionExpressionParser
            )
        with mock_aws():
            theirs = answers(client())
    assert ours == theirs
    assert ours[:4] == [
        "ok",
        "ConditionalCheckFailedException 110",  # the lease runs until 110
        "ok",  # taken over at 111
        "ConditionalCheckFailedException 121",
    ]
    assert ours[4] == ours[6] and ours[5] == ours[7] and "accepted" not in ours[4:]


def test_a_conditional_put_parses_its_condition_once(
    patched: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = comparisons.ConditionExpressionParser.parse

    def counted(self: Any) -> Any:
        calls.append(self.condition_expression)
        return real(self)

    monkeypatch.setattr(comparisons.ConditionExpressionParser, "parse", counted)
    with mock_aws():
        ddb = client()
        name = table(ddb)
        assert claim(ddb, name, "a", now=100, until=110) == "ok"
        assert claim(ddb, name, "z", now=101, until=111) == "ok"
    assert calls == [CLAIM, CLAIM]  # one parse for each put (its values differ), not two
