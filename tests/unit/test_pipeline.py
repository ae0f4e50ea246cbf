"""The pipeline's pieces on in-process moto: the lease lock, the poller's cursor and the
order of send and cursor, the feed's pages."""

from __future__ import annotations

import json
import signal
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from pipeline.lease import LeaseLock
from pipeline.poller import AdvanceThenSend, Cursor, Poller, SendThenAdvance
from pipeline.sender import Event
from pipeline.shutdown import Shutdown
from queuelab.contract.history import Fn, History, read
from queuelab.contract.tables import TABLE_KEYS
from queuelab.run.feed import Feed, ids_with_gaps


@pytest.fixture
def ddb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="state",
            AttributeDefinitions=[{"AttributeName": TABLE_KEYS["state"], "AttributeType": "S"}],
            KeySchema=[{"AttributeName": TABLE_KEYS["state"], "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_one_holder_at_a_time_and_the_stand_by_takes_over_when_the_lease_ends(
    ddb: Any,
) -> None:
    clock = Clock()
    a = LeaseLock(ddb, "state", "lock", "a", 3.0, History(None, "a"), clock)
    b = LeaseLock(ddb, "state", "lock", "b", 3.0, History(None, "b"), clock)
    assert a.hold() and not b.hold()
    clock.now += 1.5  # a renews while it works (every third of the lease)
    assert a.hold() and not b.hold()
    clock.now += 2.5  # renewed at 1001.5: still a's
    assert not b.hold()
    clock.now += 5  # a died: its lease ran out
    assert b.hold()
    assert not a.valid() and not a.hold()  # a, back, finds it taken


def test_a_holder_stops_working_before_its_lease_really_ends(ddb: Any) -> None:
    clock = Clock()
    a = LeaseLock(ddb, "state", "lock", "a", 10.0, History(None, "a"), clock)
    assert a.hold()
    clock.now += 9.5  # within the margin: no longer safe to act on
    assert not a.valid()


def test_a_graceful_release_lets_the_stand_by_in_at_once(ddb: Any) -> None:
    clock = Clock()
    a = LeaseLock(ddb, "state", "lock", "a", 30.0, History(None, "a"), clock)
    b = LeaseLock(ddb, "state", "lock", "b", 30.0, History(None, "b"), clock)
    assert a.hold()
    a.release()
    assert b.hold()


def test_feed_ids_increase_with_gaps() -> None:
    assert ids_with_gaps(7, 3) == [1, 2, 3, 5, 6, 7, 9]


def test_the_feed_pages_from_an_id_inclusive_and_ends_empty(tmp_path: Path) -> None:
    with Feed(tmp_path / "feed.jsonl") as feed:
        feed.publish([1, 2, 4, 5])

        def page(start: int) -> list[int]:
            with urllib.request.urlopen(f"{feed.url}?from={start}&limit=2") as answer:
                return [e["id"] for e in json.load(answer)["events"]]

        assert (page(0), page(2), page(5), page(6)) == ([1, 2], [2, 4], [5], [])
    commits = [op.key for op in read([tmp_path / "feed.jsonl"]) if op.f == Fn.COMMIT]
    assert commits == ["events-1", "events-2", "events-4", "events-5"]


class FailingSender:
    """Sends the first ``good`` events, then refuses."""

    def __init__(self, good: int) -> None:
        self.good = good
        self.sent: list[str] = []

    def send(self, events: list[Event]) -> list[Event]:
        room = max(0, self.good - len(self.sent))
        self.sent += [e.key for e in events[:room]]
        return events[:room]


class NoLock:
    def hold(self) -> bool:
        return True

    def valid(self) -> bool:
        return True

    def release(self) -> None:
        pass


@pytest.mark.parametrize(
    ("advance", "cursor_after"), [(SendThenAdvance(), 0), (AdvanceThenSend(), 6)]
)
def test_a_page_that_fails_mid_way_moves_the_cursor_only_if_it_is_stored_first(
    ddb: Any, tmp_path: Path, advance: Any, cursor_after: int
) -> None:
    history = History(None, "p")
    cursor = Cursor(ddb, "state", "events", history)
    sender = FailingSender(good=3)
    with Feed(tmp_path / "feed.jsonl") as feed:
        feed.publish([1, 2, 3, 5, 6])
        poller = Poller(
            feed.url, "events", sender, cursor, NoLock(), history, Shutdown(history),  # type: ignore[arg-type]
            advance=advance, page_size=10, batch_size=2,
        )  # fmt: skip
        assert poller.poll_once()
    assert sender.sent == ["events-1", "events-2", "events-3"]
    assert cursor.load() == cursor_after  # after the send: the page is read again


def test_the_first_signal_lets_the_work_finish_the_second_exits_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    exits: list[int] = []
    monkeypatch.setattr("pipeline.shutdown.os._exit", exits.append)
    shutdown = Shutdown(History(None, "p"))
    shutdown.on_signal(signal.SIGTERM, None)
    assert (shutdown.running, exits) == (False, [])
    shutdown.on_signal(signal.SIGTERM, None)
    assert exits == [128 + signal.SIGTERM]
