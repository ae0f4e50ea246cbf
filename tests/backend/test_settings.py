"""The embedded backend's settings: AWS's numbers unless told otherwise, announced and
applied."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

from sqs_helpers import error_of, make_queue

from queuelab.backend import EmbeddedBackend
from queuelab.backend.settings import AWS, LAB, BackendSettings


def test_a_server_started_without_settings_announces_aws_values() -> None:
    argv = [sys.executable, "-m", "queuelab.backend.server", "--port", "0"]
    with EmbeddedBackend(argv=argv) as endpoint:
        assert endpoint.backend == AWS


def test_the_launcher_starts_the_lab_settings_and_says_so() -> None:
    with EmbeddedBackend() as endpoint:
        assert endpoint.backend == LAB
    assert LAB.departures() == {
        "purge_cooldown_seconds": (0.0, 60.0),
        "dedup_window_seconds": (4.0, 300.0),
    }


def test_a_negative_setting_is_refused_before_serving() -> None:
    argv = [sys.executable, "-m", "queuelab.backend.server", "--purge-cooldown-seconds", "-1"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)

    assert done.returncode != 0 and "purge-cooldown-seconds must be >= 0" in done.stderr


def test_settings_round_trip_through_the_command_line() -> None:
    settings = BackendSettings(purge_cooldown_seconds=2.5, dedup_window_seconds=7)
    assert settings.to_argv() == [
        "--purge-cooldown-seconds",
        "2.5",
        "--dedup-window-seconds",
        "7",
    ]


def test_a_second_purge_inside_the_cooldown_is_refused(short_sqs: Any, unique: str) -> None:
    """PurgeQueue API: only one purge per queue every 60 s (this server: 1 s), then
    PurgeQueueInProgress; afterwards purging works again."""
    url = make_queue(short_sqs, f"purge-{unique}")
    short_sqs.purge_queue(QueueUrl=url)

    error = error_of(lambda: short_sqs.purge_queue(QueueUrl=url))
    time.sleep(1.1)
    short_sqs.purge_queue(QueueUrl=url)

    assert "PurgeQueueInProgress" in error["Code"]


def test_the_lab_purges_as_often_as_the_runner_asks(sqs: Any, unique: str) -> None:
    """The fast path the runner's reset needs: purge_cooldown_seconds=0 (recorded in every
    journal as a departure from AWS)."""
    url = make_queue(sqs, f"lab-purge-{unique}")
    for _ in range(3):
        sqs.purge_queue(QueueUrl=url)
