from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from queuelab.backend import EmbeddedBackend, Endpoint
from queuelab.contract import clients as aws

# The tests whose items are real runs made in one batch (tests/functional/matrix.py): under
# pytest-xdist they all go to one worker, which makes the batch once. A new test that takes
# ``planned_result`` is listed here, or each worker that gets one of its items makes a batch.
MATRIX_TESTS = frozenset(
    f"tests/functional/{test}"
    for test in (
        "test_scenarios.py::test_scenario_verdict",
        "test_foreign.py::test_the_correct_example_passes_every_black_box_scenario",
        "test_foreign.py::test_correct_consumers_of_other_designs_pass_where_their_design_matters",
        "test_foreign.py::test_the_naive_example_fails_naming_the_anomaly",
        "test_foreign.py::test_the_node_example_passes",
        "test_lambda.py::test_the_correct_handler_passes",
        "test_lambda.py::test_the_naive_handler_fails_naming_its_duplicates",
        "test_lambda.py::test_a_node_handler_passes",
    )
)
MATRIX_SCOPE = "matrix"
# Tests that take minutes on their own (a fresh install of queuelab each): sent to the
# workers first, so that the suite does not end waiting on one of them.
LONGEST = (
    "tests/functional/test_action.py::test_the_actions_steps_pass_run_here_as_a_runner_would",
    "tests/functional/test_newcomer.py::test_a_fresh_clone_runs_the_demo_with_one_command",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest tests first (xdist hands out its units in the collection's order, the
    matrix's, the largest, before all); a matrix item whose test is not in ``MATRIX_TESTS``
    is refused (each worker that got one would make a batch of its own)."""
    stray = [item.nodeid for item in items if item.get_closest_marker("matrix")
             and item.nodeid.split("[", 1)[0] not in MATRIX_TESTS]  # fmt: skip
    if stray:
        raise pytest.UsageError(f"matrix items of tests not in MATRIX_TESTS: {stray[:3]}")
    items.sort(key=lambda item: item.nodeid.split("[", 1)[0] not in LONGEST)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Load scheduling, test by test, but the matrix's items as one unit on one worker, sent
    first (xdist sends the largest unit first). xdist's own ``loadgroup`` does not group
    under pytest 9.2, whose node ids no longer take its ``@group`` suffix."""
    from xdist.scheduler import LoadScopeScheduling

    class MatrixOnOneWorker(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return MATRIX_SCOPE if nodeid.split("[", 1)[0] in MATRIX_TESTS else nodeid

    return MatrixOnOneWorker(config, log)


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
