from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from queuelab.backend import EmbeddedBackend
from queuelab.backend.settings import BackendSettings
from queuelab.contract import clients as aws

# Short enough to watch a cooldown or a deduplication window end inside a test.
SHORT = BackendSettings(purge_cooldown_seconds=1.0, dedup_window_seconds=1.0)


@pytest.fixture(scope="session")
def short_sqs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A second embedded server whose purge cooldown and deduplication window last 1 s."""
    log = tmp_path_factory.mktemp("short-backend") / "server.log"
    with EmbeddedBackend(log_path=log, settings=SHORT) as endpoint:
        yield aws.sqs(endpoint.settings())
