"""The partial batch response table, row by row (services-sqs-errorhandling.html, "Success
and failure conditions"), and the shapes it does not name (pure). Other emulators shipped
each of these wrong: partial responses ignored (everything deleted), malformed ones taken
for a success."""

from __future__ import annotations

import json

import pytest

from queuelab.esm import responses as r

IDS = ["id1", "id2", "id3"]
HANDLES = ["rh1", "rh2", "rh3"]


def judge(payload: object, feature: bool = True) -> r.Verdict:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return r.judge(raw, IDS, HANDLES, feature)


def failures(*ids: object) -> dict[str, object]:
    return {"batchItemFailures": [{"itemIdentifier": i} for i in ids]}


def test_the_documented_shape_returns_what_it_names() -> None:
    verdict = judge(failures("id2"))
    assert (verdict.shape, verdict.deleted, verdict.returned) == (
        r.DOCUMENTED,
        ("id1", "id3"),
        ("id2",),
    )
    assert not verdict.whole_batch_failed


@pytest.mark.parametrize(
    ("payload", "shape"),
    [
        ({"batchItemFailures": []}, r.DOCUMENTED),  # an empty batchItemFailures list
        ({"batchItemFailures": None}, r.DOCUMENTED),  # a null batchItemFailures list
        ({}, r.EMPTY),  # an empty EventResponse
        (None, r.NULL),  # a null EventResponse
        (b"", r.NULL),  # nothing at all
        ({"statusCode": 200, "body": "ok"}, r.HTTP_WRAPPED),  # no list: no failures shown
        ({"statusCode": 200, "body": json.dumps(failures("id2"))}, r.HTTP_WRAPPED),
        ({"result": "fine"}, r.NO_LIST),
    ],
)
def test_complete_success(payload: object, shape: str) -> None:
    verdict = judge(payload)
    assert verdict.shape == shape and verdict.deleted == tuple(IDS) and verdict.returned == ()


@pytest.mark.parametrize(
    ("payload", "shape"),
    [
        (b"{not json", r.INVALID_JSON),  # an invalid JSON response
        (failures(""), r.EMPTY_IDENTIFIER),  # an empty string itemIdentifier
        (failures(None), r.EMPTY_IDENTIFIER),  # a null itemIdentifier
        ({"batchItemFailures": [{"messageId": "id2"}]}, r.WRONG_KEY),  # a bad key name
        (failures("id9"), r.UNKNOWN_ID),  # a message ID that doesn't exist
        (failures("id1", "id9"), r.UNKNOWN_ID),  # one bad id fails all of them
        (failures("rh2"), r.RECEIPT_HANDLES),  # a receipt handle for the message id
        (failures(2), r.UNKNOWN_ID),
        ("id2", r.NOT_AN_OBJECT),
        (["id2"], r.NOT_AN_OBJECT),
        ({"batchItemFailures": "id2"}, r.NOT_A_LIST),
        ({"batchItemFailures": ["id2"]}, r.BARE_IDS),
    ],
)
def test_complete_failure(payload: object, shape: str) -> None:
    verdict = judge(payload)
    assert verdict.shape == shape and verdict.whole_batch_failed
    assert verdict.deleted == () and verdict.returned == tuple(IDS)


@pytest.mark.parametrize("payload", [failures("id2"), b"{not json", failures("id9"), None])
def test_the_response_is_ignored_when_the_feature_is_off(payload: object) -> None:
    verdict = judge(payload, feature=False)
    assert (verdict.shape, verdict.deleted, verdict.returned) == (r.FEATURE_OFF, tuple(IDS), ())


def test_every_record_returned_and_repeats() -> None:
    verdict = judge(failures("id3", "id1", "id1", "id2"))
    assert verdict.returned == tuple(IDS) and verdict.deleted == ()
