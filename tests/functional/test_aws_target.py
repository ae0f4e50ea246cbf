"""Real-AWS plumbing that can be checked offline: missing stack, guard rails, outputs cache,
a missing Pulumi CLI, and `queuelab doctor`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from queuelab.cli.infra import save_outputs
from queuelab.cli.main import app
from queuelab.contract.tables import CONSUMER
from queuelab.targets import guard
from queuelab.targets.outputs import Outputs
from queuelab.targets.session import Session

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QUEUELAB_HOME", str(tmp_path / ".queuelab"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_target_aws_without_a_stack_exits_2_and_says_to_run_infra_up(home: Path) -> None:
    result = runner.invoke(app, ["run", "happy", "--target", "aws"])
    assert result.exit_code == 2
    assert "make infra-up" in result.output


def test_a_corrupt_outputs_cache_exits_2_and_says_to_run_infra_up_again(home: Path) -> None:
    cache = home / ".queuelab" / "stack-outputs.json"
    cache.parent.mkdir(parents=True)
    cache.write_text("{not json")
    result = runner.invoke(app, ["run", "happy", "--target", "aws"])
    assert result.exit_code == 2
    assert "stack-outputs.json" in result.output and "make infra-up" in result.output


def test_infra_up_without_the_pulumi_cli_explains_how_to_install_it(home: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "queuelab", "infra", "up"],
        env={**os.environ, "PATH": os.path.dirname(sys.executable)},  # no pulumi here
        capture_output=True,
        text=True,
        cwd=home,
    )
    assert done.returncode == 2
    assert "Pulumi CLI is not on PATH" in done.stderr and "Traceback" not in done.stderr


def test_stack_outputs_are_cached_for_the_runner_and_env_written(
    home: Path, session: Session
) -> None:
    data = session.outputs.to_dict()

    outputs = save_outputs(data)

    assert Outputs.load(home / ".queuelab" / "stack-outputs.json") == outputs
    env = (home / ".env").read_text()
    assert f"QUEUE_URL={outputs['happy'].queue_url}" in env and "AWS_ENDPOINT_URL" not in env


def test_guard_accepts_the_stacks_own_tagged_resources(
    session: Session, sqs: Any, dynamodb: Any
) -> None:
    guard.check_owned(sqs, dynamodb, session.outputs, session.outputs["happy"])


def test_guard_refuses_a_resource_outside_the_stack_outputs(
    session: Session, sqs: Any, dynamodb: Any
) -> None:
    foreign = session.outputs["happy"].__class__(
        **{**session.outputs["happy"].__dict__, "queue_url": "x"}
    )
    with pytest.raises(guard.NotOurs, match="not in the stack outputs"):
        guard.check_owned(sqs, dynamodb, session.outputs, foreign)


def test_guard_refuses_a_queue_without_the_labs_tags(
    session: Session, sqs: Any, dynamodb: Any
) -> None:
    resources = session.outputs["purge-timing"]
    sqs.untag_queue(QueueUrl=resources.dlq_url, TagKeys=["project"])
    try:
        with pytest.raises(guard.NotOurs, match="lacks the tag"):
            guard.check_owned(sqs, dynamodb, session.outputs, resources)
    finally:
        sqs.tag_queue(QueueUrl=resources.dlq_url, Tags={"project": "queuelab"})


def test_guard_refuses_a_consumer_table_without_the_labs_tags(
    session: Session, sqs: Any, dynamodb: Any
) -> None:
    resources = session.outputs["purge-timing"]
    arn = dynamodb.describe_table(TableName=resources.table(CONSUMER))["Table"]["TableArn"]
    dynamodb.untag_resource(ResourceArn=arn, TagKeys=["project"])
    try:
        with pytest.raises(guard.NotOurs, match=r"-consumer: it lacks the tag"):
            guard.check_owned(sqs, dynamodb, session.outputs, resources)
    finally:
        dynamodb.tag_resource(ResourceArn=arn, Tags=[{"Key": "project", "Value": "queuelab"}])


def test_guard_refuses_a_queue_whose_tags_cannot_be_read(
    session: Session, sqs: Any, dynamodb: Any
) -> None:
    happy = session.outputs["happy"]
    gone = happy.__class__(**{**happy.__dict__, "dlq_url": happy.dlq_url + "-deleted"})
    outputs = Outputs(session.outputs.region, session.outputs.stack, {"happy": gone})
    with pytest.raises(guard.NotOurs, match="tags cannot be read"):
        guard.check_owned(sqs, dynamodb, outputs, gone)


def queuelab(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "QUEUELAB_"))}
    return subprocess.run(
        [sys.executable, "-m", "queuelab", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_doctor_without_a_local_server_says_how_to_start_one(tmp_path: Path) -> None:
    done = queuelab("doctor", cwd=tmp_path)
    assert done.returncode == 2 and "queuelab local up" in done.stderr


@pytest.mark.slow  # a local server with the whole plan, then the doctor twice (~30 s)
def test_doctor_finds_the_local_server_healthy_then_names_a_removed_redrive_policy(
    tmp_path: Path,
) -> None:
    assert queuelab("local", "up", cwd=tmp_path).returncode == 0
    try:
        healthy = queuelab("doctor", cwd=tmp_path)
        assert healthy.returncode == 0, healthy.stdout
        assert "MISMATCH" not in healthy.stdout

        state = json.loads((tmp_path / ".queuelab" / "local.json").read_text())
        from queuelab.contract import clients as aws

        sqs = aws.sqs(
            aws.AwsSettings(
                region="us-east-1",
                endpoint_url=state["url"],
                access_key_id="x",
                secret_access_key="x",
            )
        )
        url = sqs.get_queue_url(QueueName="queuelab-poison")["QueueUrl"]
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": ""})

        broken = queuelab("doctor", cwd=tmp_path)
        assert broken.returncode == 1
        dlq_arn = "arn:aws:sqs:us-east-1:123456789012:queuelab-poison-dlq"
        expected = f"poison: redrive policy: expected to {dlq_arn} after 2, found none"
        assert expected in broken.stdout
    finally:
        queuelab("local", "down", cwd=tmp_path)
