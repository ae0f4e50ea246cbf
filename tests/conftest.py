from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from queuelab.backend import EmbeddedBackend, Endpoint
from queuelab.contract import clients as aws


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
