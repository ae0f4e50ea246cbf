from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from queuelab.backend import EmbeddedBackend, Endpoint
from queuelab.contract import clients as aws


@pytest.fixture(autouse=True)
def own_workdir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test keeps queuelab's files (runs, index, local state) out of the checkout."""
    monkeypatch.setenv("QUEUELAB_HOME", str(tmp_path_factory.mktemp("home")))


@pytest.fixture(scope="session")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    """One embedded (patched) moto server for the whole test session."""
    log = tmp_path_factory.mktemp("backend") / "server.log"
    with EmbeddedBackend(log_path=log) as running:
        yield running


@pytest.fixture(scope="session")
def settings(endpoint: Endpoint) -> aws.AwsSettings:
    return aws.AwsSettings.from_env(endpoint.env())


@pytest.fixture(scope="session")
def sqs(settings: aws.AwsSettings) -> Any:
    return aws.sqs(settings)


@pytest.fixture(scope="session")
def dynamodb(settings: aws.AwsSettings) -> Any:
    return aws.dynamodb(settings)


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:10]


@pytest.fixture(scope="session")
def s3(settings: aws.AwsSettings) -> Any:
    return aws.s3(settings)
