from __future__ import annotations

import pytest

import scenarios
from queuelab.backend import Endpoint
from queuelab.backend.control import Control
from queuelab.contract import clients as aws
from queuelab.targets import provision
from queuelab.targets.session import Session


@pytest.fixture(scope="session")
def session(endpoint: Endpoint, settings: aws.AwsSettings) -> Session:
    """The whole plan provisioned on the session's embedded server."""
    outputs = provision.provision(
        aws.sqs(settings),
        aws.dynamodb(settings),
        region=endpoint.region,
        stack="local",
        resources=scenarios.plan(),
        s3=aws.s3(settings),
    )
    return Session(
        "local", settings, outputs, control=Control(endpoint.url), backend=endpoint.backend
    )
