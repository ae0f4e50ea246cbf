"""DynamoDB Scan: a page costs about its own size, not the table's.

Stock moto's ``Table.scan`` sorts every item of the table on every page (``all_items()``,
with ``DynamoType`` comparisons in Python) and then steps, item by item, past everything up
to the ``ExclusiveStartKey``: O(n log n) per page, about a minute for a paginated Scan of
100,000 items (``queuelab.targets.observe`` reads the side-effects table that way, and
``queuelab.targets.reset`` clears it that way).

Here the table keeps its keys in moto's scan order (the same sort: ``DynamoType`` compares
its ``cast_value``), built on the first scan and kept while no new key arrives; a page
bisects to the start key and reads on from there, looking each key up in the live table (a
key deleted since is skipped, as moto's own scan would not find it). A put of a key the
order does not hold drops the order (it is rebuilt on the next scan); overwrites and deletes
keep it. The page's items, their order, ``ScannedCount`` and ``LastEvaluatedKey`` are moto's
(the same limit and 1 MB size rule, then the filter expression and the projection);
index scans, parallel scans (segments) and legacy ``ScanFilter`` conditions go to moto's code.

The answer: moto's response serializer walks every attribute of every item along the API's
shapes (about 0.2 ms an item, most of a large page's cost). The items of a page are already
DynamoDB JSON, and when every value is a string, number, boolean, null, list, map or string /
number set the walk copies them unchanged; so moto serializes the rest of the answer and
the items are copied in as they are (binary values, which the walk base64-encodes, keep
moto's way).
"""

from __future__ import annotations

import bisect
import copy
import json
from dataclasses import dataclass
from typing import Any

_ORDER = "_queuelab_scan_order"


@dataclass
class _Order:
    items: Any  # the table's ``items`` mapping this order was built from
    natives: list[Any]  # sort keys in moto's scan order
    keys: list[tuple[Any, Any]]  # (hash DynamoType, range DynamoType or None), same order
    known: set[Any]  # the sort keys, for a put's O(1) check

    def __deepcopy__(self, memo: dict[int, Any]) -> None:
        """A copied table (moto copies each table a transaction writes, to roll back) starts
        without an order: it builds its own on its first scan."""
        return None


def _native(hash_key: Any, range_key: Any) -> Any:
    return hash_key.cast_value if range_key is None else (hash_key.cast_value, range_key.cast_value)


def _order(table: Any) -> _Order:
    order: _Order | None = getattr(table, _ORDER, None)
    if order is None or order.items is not table.items:
        found: list[tuple[Any, Any, Any]] = []
        for bucket in table.items.values():
            for item in bucket.values() if table.range_key_attr else (bucket,):
                range_key = item.range_key if table.range_key_attr else None
                found.append((_native(item.hash_key, range_key), item.hash_key, range_key))
        found.sort(key=lambda entry: entry[0])
        natives = [entry[0] for entry in found]
        order = _Order(table.items, natives, [(h, r) for _, h, r in found], set(natives))
        setattr(table, _ORDER, order)
    return order


def _live(table: Any, hash_key: Any, range_key: Any) -> Any | None:
    bucket = table.items.get(hash_key)
    if bucket is None or range_key is None:
        return bucket
    return bucket.get(range_key)


def _start(table: Any, order: _Order, exclusive_start_key: dict[str, Any] | None) -> int | None:
    """The index of the first key after ``exclusive_start_key`` (moto skips the keys before
    or equal to it); None for a start key without the table's keys or of another type."""
    if exclusive_start_key is None:
        return 0
    from moto.dynamodb.models.dynamo_type import DynamoType

    try:
        hash_key = DynamoType(exclusive_start_key[table.hash_key_attr])
        range_key = None
        if table.range_key_attr:
            range_key = DynamoType(exclusive_start_key[table.range_key_attr])
        return bisect.bisect_right(order.natives, _native(hash_key, range_key))
    except (KeyError, TypeError):
        return None


def page(
    table: Any,
    limit: int | None,
    exclusive_start_key: dict[str, Any] | None,
    filter_expression: Any,
    projection_expression: list[list[str]] | None,
) -> tuple[list[Any], int, dict[str, Any] | None] | None:
    """One page of a whole-table scan, as moto's ``Table.scan`` answers it (None: a start
    key this does not handle, left to moto)."""
    from moto.dynamodb.models.table import RESULT_SIZE_LIMIT

    order = _order(table)
    start = _start(table, order, exclusive_start_key)
    if start is None:
        return None
    results: list[Any] = []
    result_size = scanned_count = 0
    last_evaluated_key = None
    for index in range(start, len(order.keys)):
        item = _live(table, *order.keys[index])
        if item is None:
            continue  # deleted since the order was built
        if len(results) == limit or result_size + item.size() > RESULT_SIZE_LIMIT:
            last_evaluated_key = table._get_last_evaluated_key(results[-1], None)
            break
        results.append(copy.deepcopy(item))
        result_size += item.size()
        scanned_count += 1
    if filter_expression is not None:
        results = [item for item in results if filter_expression.expr(item)]
    if projection_expression:
        results = [r.project(projection_expression) for r in results]
    return results, scanned_count, last_evaluated_key


# The patches: each takes moto's attribute and returns ours (``queuelab.backend.patches``).


def scan(original: Any) -> Any:
    def scan(
        self: Any,
        filters: dict[str, Any],
        limit: int,
        exclusive_start_key: dict[str, Any],
        filter_expression: Any = None,
        index_name: str | None = None,
        consistent_read: bool = False,
        projection_expression: list[list[str]] | None = None,
        segments: tuple[None, None] | tuple[int, int] = (None, None),
    ) -> tuple[list[Any], int, dict[str, Any] | None]:
        if not (index_name or filters or segments != (None, None)):
            answer = page(
                self, limit, exclusive_start_key, filter_expression, projection_expression
            )
            if answer is not None:
                return answer
        return original(  # type: ignore[no-any-return]
            self,
            filters,
            limit,
            exclusive_start_key,
            filter_expression,
            index_name,
            consistent_read,
            projection_expression,
            segments,
        )

    return scan


def put_item(original: Any) -> Any:
    def put_item(self: Any, *args: Any, **kwargs: Any) -> Any:
        item = original(self, *args, **kwargs)
        order: _Order | None = getattr(self, _ORDER, None)
        if order is not None:
            range_key = item.range_key if self.range_key_attr else None
            if _native(item.hash_key, range_key) not in order.known:
                setattr(self, _ORDER, None)  # a new key: rebuilt on the next scan
        return item

    return put_item


def _plain(value: Any) -> bool:
    """An AttributeValue moto's serializer would copy unchanged."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    ((kind, inner),) = value.items()
    if kind in ("S", "N"):
        return type(inner) is str
    if kind in ("BOOL", "NULL"):
        return type(inner) is bool
    if kind in ("SS", "NS"):
        return isinstance(inner, list) and all(type(v) is str for v in inner)
    if kind == "L":
        return isinstance(inner, list) and all(_plain(v) for v in inner)
    if kind == "M":
        return isinstance(inner, dict) and all(_plain(v) for v in inner.values())
    return False


def _items_as_they_are(action_result_cls: Any) -> Any:
    class ItemsAsTheyAre(action_result_cls):  # type: ignore[misc]
        """A Scan answer whose items are copied into the body, not walked."""

        def execute_result(self, context: Any) -> Any:
            from moto import settings

            result = self.result
            items = result.get("Items") if isinstance(result, dict) else None
            plain = isinstance(items, list) and all(
                isinstance(item, dict) and all(_plain(v) for v in item.values()) for item in items
            )
            if not plain:
                return super().execute_result(context)
            rest = action_result_cls({k: v for k, v in result.items() if k != "Items"})
            status, headers, body = rest.execute_result(context)
            answer = {"Items": items, **json.loads(body)}
            indent = 4 if settings.PRETTIFY_RESPONSES else None
            return status, headers, json.dumps(answer, indent=indent)

    return ItemsAsTheyAre


def scan_response(original: Any) -> Any:
    """The patch of ``DynamoHandler.scan``: the answer's items copied in, not walked."""
    from moto.core.responses import ActionResult

    answer_cls = _items_as_they_are(ActionResult)

    def scan(self: Any) -> Any:
        return answer_cls(original(self).result)

    return scan
