"""The embedded backend's Scan pages (queuelab.backend.speed.scan) against moto's own
Table.scan: the same items, in the same order, with the same ScannedCount and
LastEvaluatedKey."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler

from queuelab.backend.speed import scan

REGION = "us-east-1"
STOCK_SCAN, STOCK_ANSWER = Table.scan, DynamoHandler.scan


@pytest.fixture
def ddb(patched_by: Callable[[ModuleType], None]) -> Iterator[Any]:
    """moto in-process, its Table patched with queuelab's scan for this test only."""
    patched_by(scan)
    with mock_aws():
        yield boto3.client("dynamodb", region_name=REGION)


def make_table(ddb: Any, name: str, range_key: bool) -> Any:
    schema = [{"AttributeName": "h", "KeyType": "HASH"}]
    attributes = [{"AttributeName": "h", "AttributeType": "S"}]
    if range_key:
        schema.append({"AttributeName": "r", "KeyType": "RANGE"})
        attributes.append({"AttributeName": "r", "AttributeType": "N"})
    ddb.create_table(
        TableName=name,
        KeySchema=schema,
        AttributeDefinitions=attributes,
        BillingMode="PAY_PER_REQUEST",
    )
    return dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].get_table(name)


def fill(table: Any, range_key: bool, count: int) -> None:
    for i in range(count):
        item = {
            "h": {"S": f"k{(i * 7919) % count}"},
            "v": {"S": "x" * (200_000 if i % 50 == 0 else 10)},
        }
        if range_key:
            item["h"] = {"S": f"k{i % 13}"}
            item["r"] = {"N": str((i * 31) % 97 - 40)}
        table.put_item(item)


def as_json(page: tuple[list[Any], int, dict[str, Any] | None]) -> Any:
    items, scanned, last = page
    return [i.to_json() for i in items], scanned, last and {k: v.to_json() for k, v in last.items()}


def both_pages(table: Any, limit: int | None, start: dict[str, Any] | None) -> tuple[Any, Any]:
    stock = STOCK_SCAN(table, {}, limit, start)
    ours = scan.page(table, limit, start, None, None)
    assert ours is not None
    return as_json(stock), as_json(ours)


def walk(table: Any, limit: int | None, between: Any = None) -> int:
    """Page through the whole table both ways, asserting every page equal; pages seen."""
    start, pages = None, 0
    while True:
        stock, ours = both_pages(table, limit, start)
        assert ours == stock
        pages += 1
        if between is not None:
            between(pages)
        start = stock[2]
        if not start:
            return pages


def test_the_comparison_is_with_moto_and_the_patch_is_ours(ddb: Any) -> None:
    assert STOCK_SCAN.__module__.startswith("moto")
    assert Table.scan.__module__ == scan.__name__


@pytest.mark.parametrize("range_key", [False, True], ids=["hash", "hash+range"])
@pytest.mark.parametrize(
    "limit",
    [None, pytest.param(1, marks=pytest.mark.slow), 7, 1000],  # 1: a page an item
)
def test_pages_equal_moto_scan(ddb: Any, range_key: bool, limit: int | None) -> None:
    table = make_table(ddb, "t", range_key)
    fill(table, range_key, 300)
    assert walk(table, limit) > 1


@pytest.mark.parametrize("range_key", [False, True], ids=["hash", "hash+range"])
def test_pages_stay_equal_while_items_come_and_go_between_pages(ddb: Any, range_key: bool) -> None:
    table = make_table(ddb, "t", range_key)
    fill(table, range_key, 200)
    keys = [(i.hash_key, i.range_key) for i in table.all_items()]

    def change(page: int) -> None:  # what reset does (deletes), and a writer that adds keys
        hash_key, range_key_value = keys[(page * 17) % len(keys)]
        table.delete_item(hash_key, range_key_value)
        item = {"h": {"S": f"new{page}"}, "v": {"S": "y"}}
        if range_key:
            item["r"] = {"N": str(page)}
        table.put_item(item)
        table.put_item(table.all_items()[0].to_json()["Attributes"])  # an overwrite

    assert walk(table, 9, change) > 1


def test_an_empty_table_scans_to_nothing(ddb: Any) -> None:
    table = make_table(ddb, "t", False)
    assert both_pages(table, None, None) == (([], 0, None), ([], 0, None))


def test_a_projected_filtered_scan_pages_as_moto_over_the_api(
    ddb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What reset (ProjectionExpression) and observe (ConsistentRead) send, through boto3."""
    table = make_table(ddb, "t", True)
    fill(table, True, 120)
    ask = {
        "TableName": "t",
        "Limit": 11,
        "ConsistentRead": True,
        "ProjectionExpression": "#h, #r",
        "FilterExpression": "#r > :zero",
        "ExpressionAttributeNames": {"#h": "h", "#r": "r"},
        "ExpressionAttributeValues": {":zero": {"N": "0"}},
    }

    def pages() -> list[Any]:
        return list(ddb.get_paginator("scan").paginate(**ask))

    assert len(api_pages(ddb, monkeypatch, ask)) > 2


def api_pages(ddb: Any, monkeypatch: pytest.MonkeyPatch, ask: dict[str, Any]) -> list[Any]:
    """A whole paginated Scan through boto3, ours and then stock moto's, asserted equal."""

    def pages() -> list[Any]:
        found = ddb.get_paginator("scan").paginate(**ask)
        return [{k: v for k, v in p.items() if k != "ResponseMetadata"} for p in found]

    patched = Table.scan, DynamoHandler.scan
    assert patched != (STOCK_SCAN, STOCK_ANSWER)
    ours = pages()
    monkeypatch.setattr(Table, "scan", STOCK_SCAN)
    monkeypatch.setattr(DynamoHandler, "scan", STOCK_ANSWER)
    stock = pages()
    monkeypatch.setattr(Table, "scan", patched[0])
    monkeypatch.setattr(DynamoHandler, "scan", patched[1])
    assert ours == stock
    return ours


def test_every_attribute_type_answers_as_moto_does(
    ddb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Plain values are copied into the answer; binary ones take moto's serializer."""
    make_table(ddb, "t", False)
    values: list[dict[str, Any]] = [
        {"S": "é \"quoted\" \u2603"}, {"N": "-1.50"}, {"BOOL": False}, {"NULL": True},
        {"SS": ["a", "b"]}, {"NS": ["1", "2.5"]}, {"L": [{"S": "x"}, {"N": "3"}]},
        {"M": {"in": {"L": [{"BOOL": True}]}}}, {"B": b"\x00\xff"}, {"BS": [b"a", b"b"]},
    ]  # fmt: skip
    for i, value in enumerate(values):
        ddb.put_item(TableName="t", Item={"h": {"S": f"k{i}"}, "v": value})
    ddb.put_item(TableName="t", Item={"h": {"S": "plain"}, "v": {"S": "only"}})
    ask = {"TableName": "t", "Limit": 3, "ReturnConsumedCapacity": "TOTAL"}
    assert len(api_pages(ddb, monkeypatch, ask)) > 3
    assert len(api_pages(ddb, monkeypatch, {"TableName": "t", "Select": "COUNT"})) == 1


def test_a_table_rolled_back_by_a_transaction_still_scans_as_moto(
    ddb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """moto rolls a cancelled transaction back by restoring a copy of the table."""
    make_table(ddb, "t", False)
    for i in range(30):
        ddb.put_item(TableName="t", Item={"h": {"S": f"k{i}"}})
    ask = {"TableName": "t", "Limit": 7}
    api_pages(ddb, monkeypatch, ask)  # the order is built
    refused = {
        "TableName": "t",
        "Item": {"h": {"S": "k1"}},
        "ConditionExpression": "attribute_not_exists(h)",
    }
    with pytest.raises(ddb.exceptions.TransactionCanceledException):
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "t", "Item": {"h": {"S": "new"}}}},
                {"Put": refused},
            ]
        )
    ddb.put_item(TableName="t", Item={"h": {"S": "k15b"}})
    found = api_pages(ddb, monkeypatch, ask)
    assert sum(len(p["Items"]) for p in found) == 31
