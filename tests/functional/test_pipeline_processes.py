"""The pipeline's processes follow the consumer's shutdown rules: the first SIGTERM lets the
work in hand finish (the poller gives its lock up), the second exits at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from queuelab.backend import Endpoint
from queuelab.contract.history import OK, Fn, Op, read_dir
from queuelab.contract.tables import TABLE_KEYS
from queuelab.run.feed import Feed
from queuelab.targets.session import Session


def wait_for(condition: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def start_poller(
    endpoint: Endpoint, session: Session, feed: Feed, history: Path, name: str
) -> subprocess.Popen[bytes]:
    resources = session.outputs["single-poller"]
    env = os.environ | endpoint.env() | {
        "FEED_URL": feed.url,
        "QUEUE_URL": resources.queue_url,
        "STATE_TABLE": resources.table("state"),
        "FEED_NAME": f"shutdown-{name}-{time.time_ns()}",
        "HISTORY_PATH": str(history / f"{name}.jsonl"),
        "PROCESS_NAME": name,
        "LEASE_SECONDS": "30",
    }  # fmt: skip
    argv = [sys.executable, "-m", "pipeline", "poller"]
    return subprocess.Popen(argv, env=env, stderr=subprocess.DEVNULL)


def outcomes(history: Path, f: Fn) -> list[Op]:
    return [op for op in read_dir(history) if op.f == f] if history.exists() else []


def test_a_poller_stops_at_the_first_sigterm_giving_its_lock_up(
    endpoint: Endpoint, session: Session, dynamodb: Any, tmp_path: Path
) -> None:
    with Feed(tmp_path / "feed.jsonl") as feed:
        feed.publish(range(1, 4))
        poller = start_poller(endpoint, session, feed, tmp_path, "p")
        wait_for(lambda: any(op.value.get("new") == 0 for op in outcomes(tmp_path, Fn.PAGE)))
        poller.send_signal(signal.SIGTERM)
        assert poller.wait(timeout=15) == 0
    locks = [op.value["outcome"] for op in outcomes(tmp_path, Fn.LOCK)]
    assert locks == ["acquired", "released"]
    assert [op.type for op in outcomes(tmp_path, Fn.EXIT)] == [OK]
    name = next(op.value["name"] for op in outcomes(tmp_path, Fn.LOCK))
    table = session.outputs["single-poller"].table("state")
    item = dynamodb.get_item(TableName=table, Key={TABLE_KEYS["state"]: {"S": name}})
    assert "Item" not in item  # a stand-by would take over at once


def test_a_relay_asleep_between_scans_stops_at_the_first_sigterm(
    endpoint: Endpoint, session: Session, tmp_path: Path
) -> None:
    resources = session.outputs["outbox"]
    env = os.environ | endpoint.env() | {
        "OUTBOX_TABLE": resources.table("outbox"),
        "QUEUE_URL": resources.queue_url,
        "HISTORY_PATH": str(tmp_path / "relay.jsonl"),
        "PROCESS_NAME": "relay",
        "POLL_INTERVAL_SECONDS": "30",  # asleep between two scans: the first signal ends it
    }  # fmt: skip
    relay = subprocess.Popen([sys.executable, "-m", "pipeline", "relay"], env=env)
    wait_for(lambda: (tmp_path / "relay.jsonl").exists() or relay.poll() is not None, 20)
    time.sleep(1.0)  # its first scan is done: it sleeps
    relay.send_signal(signal.SIGTERM)
    assert relay.wait(timeout=10) == 0  # the sleep is cut short: a clean exit
    assert [op.f for op in outcomes(tmp_path, Fn.SIGNAL)] == [Fn.SIGNAL]
