from __future__ import annotations

import pytest
from matrix import Matrix

import scenarios
from queuelab.backend import Endpoint
from queuelab.backend.control import Control
from queuelab.contract import clients as aws
from queuelab.run.result import Result
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


@pytest.fixture(scope="session")
def matrix(
    request: pytest.FixtureRequest, session: Session, tmp_path_factory: pytest.TempPathFactory
) -> Matrix:
    """The session's batch of real runs (``tests/functional/matrix.py``), made when the first
    matrix item asks for its result."""
    return Matrix(session, request.session.items, tmp_path_factory.mktemp("matrix"))


@pytest.fixture
def planned_result(request: pytest.FixtureRequest, matrix: Matrix) -> Result:
    """This matrix item's run, made in the session's batch."""
    return matrix.result(request.node)
