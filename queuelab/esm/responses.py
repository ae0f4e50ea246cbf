"""What a successful invocation's response means for its batch: which messages are deleted,
which return to the queue, and the shape the response had (pure).

The rules are services-sqs-errorhandling.html's ("Implementing partial batch responses",
"Success and failure conditions"):

- the response counts only when the mapping's ``FunctionResponseTypes`` has
  ``ReportBatchItemFailures``; otherwise it is ignored and the batch is a success
  (``feature-off``);
- "Lambda treats a batch as a complete success if your function returns": an empty or null
  ``batchItemFailures`` list (``documented``, nothing returned), an empty or null
  ``EventResponse`` (``empty``, ``null``);
- "Lambda treats a batch as a complete failure if your function returns": an invalid JSON
  response (``invalid-json``), an empty string or null ``itemIdentifier``
  (``empty-identifier``), an ``itemIdentifier`` with a bad key name (``wrong-key``), an
  ``itemIdentifier`` value with a message ID that doesn't exist (``unknown-id``; a receipt
  handle given for the message id is named on its own, ``receipt-handles``).

Shapes the page does not name, and how they are read here: an object without the list, such
as an API Gateway reply ``{"statusCode": 200, "body": "..."}`` (``http-wrapped``) or any
other object (``no-list``), shows no failures, so the whole batch is deleted; a valid JSON
value that is not an object (``not-an-object``), a ``batchItemFailures`` that is not a list
(``not-a-list``) and list items that are not objects, such as bare message ids
(``bare-ids``), are not a response of the documented form, so they fail the batch as
invalid JSON does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

DOCUMENTED = "documented"
FEATURE_OFF = "feature-off"
EMPTY, NULL = "empty", "null"
HTTP_WRAPPED, NO_LIST = "http-wrapped", "no-list"
INVALID_JSON, NOT_AN_OBJECT, NOT_A_LIST = "invalid-json", "not-an-object", "not-a-list"
BARE_IDS, WRONG_KEY, EMPTY_IDENTIFIER = "bare-ids", "wrong-key", "empty-identifier"
UNKNOWN_ID, RECEIPT_HANDLES = "unknown-id", "receipt-handles"
WHOLE_BATCH_FAILURES = (
    INVALID_JSON, NOT_AN_OBJECT, NOT_A_LIST, BARE_IDS, WRONG_KEY, EMPTY_IDENTIFIER,
    UNKNOWN_ID, RECEIPT_HANDLES,
)  # fmt: skip
LIST_KEY, ITEM_KEY = "batchItemFailures", "itemIdentifier"
HTTP_KEYS = ("statusCode", "body")


@dataclass(frozen=True)
class Verdict:
    shape: str
    deleted: tuple[str, ...]  # message ids
    returned: tuple[str, ...]  # message ids, left to come back after the visibility timeout

    @property
    def whole_batch_failed(self) -> bool:
        return self.shape in WHOLE_BATCH_FAILURES


def _split(shape: str, ids: Sequence[str], returned: set[str]) -> Verdict:
    if shape in WHOLE_BATCH_FAILURES:
        returned = set(ids)
    return Verdict(
        shape,
        deleted=tuple(i for i in ids if i not in returned),
        returned=tuple(i for i in ids if i in returned),
    )


def _failures(items: list[Any], ids: Sequence[str], handles: Sequence[str]) -> str | set[str]:
    """The ids an item list returns, or the shape that fails the whole batch."""
    known, receipt_handles = set(ids), set(handles)
    returned: set[str] = set()
    for item in items:
        if not isinstance(item, dict):
            return BARE_IDS
        if ITEM_KEY not in item:
            return WRONG_KEY
        value = item[ITEM_KEY]
        if value is None or value == "":
            return EMPTY_IDENTIFIER
        if value in receipt_handles:
            return RECEIPT_HANDLES
        if not isinstance(value, str) or value not in known:
            return UNKNOWN_ID
        returned.add(value)
    return returned


def judge(
    payload: bytes, ids: Sequence[str], handles: Sequence[str], report_batch_item_failures: bool
) -> Verdict:
    """``ids`` and ``handles``: the batch's message ids and receipt handles, in order."""
    if not report_batch_item_failures:
        return _split(FEATURE_OFF, ids, set())
    if not payload.strip():
        return _split(NULL, ids, set())
    try:
        response = json.loads(payload)
    except ValueError:
        return _split(INVALID_JSON, ids, set())
    if response is None:
        return _split(NULL, ids, set())
    if not isinstance(response, dict):
        return _split(NOT_AN_OBJECT, ids, set())
    if LIST_KEY not in response:
        if not response:
            return _split(EMPTY, ids, set())
        wrapped = any(key in response for key in HTTP_KEYS)
        return _split(HTTP_WRAPPED if wrapped else NO_LIST, ids, set())
    items = response[LIST_KEY]
    if items is None:
        return _split(DOCUMENTED, ids, set())
    if not isinstance(items, list):
        return _split(NOT_A_LIST, ids, set())
    found = _failures(items, ids, handles)
    if isinstance(found, str):
        return _split(found, ids, set())
    return _split(DOCUMENTED, ids, found)
