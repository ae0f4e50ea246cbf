from __future__ import annotations

from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest

from queuelab.backend import EmbeddedBackend, compat, patches
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


@pytest.fixture
def patched_by(monkeypatch: pytest.MonkeyPatch) -> Callable[[ModuleType], None]:
    """Put the registry's patches of one module of ours in place, in this process, for this
    test only (moto in-process, ``mock_aws``)."""

    def install(module: ModuleType) -> None:
        for patch in patches.PATCHES:
            if patch.make is not None and patch.module == module.__name__:
                monkeypatch.setattr(*compat.replacement(patch))

    return install
