"""``queuelab send | receive | ack | extend | stats`` against a real server: one message's
life by hand, and clear errors for a missing queue, a missing server, a bad receipt handle."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from queuelab.cli import app
from queuelab.contract import clients
from queuelab.targets import reset
from queuelab.targets.session import Session


@pytest.fixture
def by_hand(session: Session, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The environment ``queuelab local up``'s .env would give: the server, the happy queue."""
    resources = session.outputs["happy"]
    reset.reset(clients.sqs(session.settings), clients.dynamodb(session.settings), resources, 0)
    for name, value in (session.settings.env() | resources.env()).items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir("/")  # no .env of the developer's gets read
    return CliRunner()


def test_a_message_walked_through_its_life_by_hand(by_hand: CliRunner) -> None:
    sent = by_hand.invoke(app, ["send", '{"id": "order-1"}'])
    assert sent.exit_code == 0 and sent.output.startswith("sent ")

    stats = by_hand.invoke(app, ["stats"])
    assert re.search(r"visible \(depth\)\s*│ 1", stats.output), stats.output

    got = by_hand.invoke(app, ["receive", "--visibility", "30"])
    assert got.exit_code == 0 and "receive count  1" in got.output and "order-1" in got.output
    handle = re.search(r"receipt handle (\S+)", got.output)
    assert handle is not None
    assert re.search(r"in flight\s*│ 1", by_hand.invoke(app, ["stats"]).output)

    extended = by_hand.invoke(app, ["extend", handle[1], "60"])
    assert extended.exit_code == 0 and "invisible for 60 s more" in extended.output
    acked = by_hand.invoke(app, ["ack", handle[1]])
    assert acked.exit_code == 0 and "deleted" in acked.output
    after = by_hand.invoke(app, ["stats", "--peek"]).output
    assert re.search(r"in flight\s*│ 0", after) and "(no visible message)" in after
    assert "DLQ" in after and "queuelab-happy-dlq" in after


def test_a_second_receive_counts_and_shows_the_age(by_hand: CliRunner) -> None:
    by_hand.invoke(app, ["send"])
    first = by_hand.invoke(app, ["receive", "--visibility", "0"])
    second = by_hand.invoke(app, ["receive", "--visibility", "0"])
    assert "receive count  1" in first.output and "receive count  2" in second.output
    assert re.search(r"age\s+\d+\.\d s", second.output)


def test_a_bad_receipt_handle_is_explained(by_hand: CliRunner) -> None:
    done = by_hand.invoke(app, ["ack", "not-a-handle"])
    assert done.exit_code == 1 and "stale or invalid" in done.output


def test_an_unknown_queue_is_named(by_hand: CliRunner) -> None:
    done = by_hand.invoke(app, ["stats", "--queue", "no-such-queue"])
    assert done.exit_code == 2 and "no such queue" in done.output


def test_no_server_says_how_to_start_one(
    by_hand: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    done = by_hand.invoke(app, ["stats"])
    assert done.exit_code == 2 and "queuelab local up" in done.output


def test_no_queue_says_where_one_comes_from(
    by_hand: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QUEUE_URL")
    done = by_hand.invoke(app, ["receive"])
    assert done.exit_code == 2 and "--queue" in done.output


def test_receive_stats_and_list_print_json_for_scripts(by_hand: CliRunner) -> None:
    by_hand.invoke(app, ["send", '{"id": "order-2"}'])
    stats = json.loads(by_hand.invoke(app, ["stats", "--json"]).output)
    assert stats["visible"] == 1 and stats["in_flight"] == 0 and stats["dlq"] == 0

    got = by_hand.invoke(app, ["receive", "--json", "--visibility", "30"])
    (message,) = json.loads(got.output)["messages"]
    assert message["receive_count"] == 1 and "order-2" in message["body"]
    assert by_hand.invoke(app, ["ack", message["receipt_handle"]]).exit_code == 0  # no awk
    assert json.loads(by_hand.invoke(app, ["receive", "--json"]).output)["messages"] == []

    listed = json.loads(by_hand.invoke(app, ["list", "--json"]).output)["scenarios"]
    dup = next(s for s in listed if s["name"] == "dup")
    assert dup["must_show"] == ["duplicate_side_effects >= 1"] and dup["params"]["messages"]
