"""`queuelab local up/down`: one background server, .env for produce/consume by hand."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest


def queuelab(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "queuelab", *args],
        cwd=cwd,
        # the default workdir, .queuelab/ in the current directory
        env={k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "QUEUELAB_"))}
        | (env or {}),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def workdir(tmp_path: Path):  # type: ignore[no-untyped-def]
    yield tmp_path
    queuelab("local", "down", cwd=tmp_path)  # whatever the test did


@pytest.mark.slow  # two servers started and stopped, the whole plan provisioned (~20 s)
def test_up_twice_then_down_twice(workdir: Path) -> None:
    first = queuelab("local", "up", cwd=workdir)
    second = queuelab("local", "up", cwd=workdir)
    state = json.loads((workdir / ".queuelab" / "local.json").read_text())

    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert "already running" in second.stdout
    servers = [
        p
        for p in psutil.process_iter(["cmdline"])
        if "queuelab.backend.server" in " ".join(p.info["cmdline"] or [])
    ]
    assert [p.pid for p in servers if p.pid == state["pid"]] == [state["pid"]]
    env = (workdir / ".env").read_text()
    for key in (
        "AWS_ENDPOINT_URL",
        "AWS_REGION",
        "QUEUE_URL",
        "DLQ_URL",
        "MESSAGE_STATUS_TABLE",
        "MESSAGE_SIDE_EFFECTS_TABLE",
        "STATE_TABLE",  # a consumer's own table (contract v2), for one run by hand
    ):
        assert f"\n{key}=" in env
    assert "\nSTATE_TABLE=queuelab-happy-consumer\n" in env

    down = queuelab("local", "down", cwd=workdir)
    again = queuelab("local", "down", cwd=workdir)

    assert down.returncode == 0 and "stopped" in down.stdout
    assert again.returncode == 0 and "no embedded server is running" in again.stdout
    assert (
        not psutil.pid_exists(state["pid"])
        or psutil.Process(state["pid"]).status() == psutil.STATUS_ZOMBIE
    )
    assert not (workdir / ".env").exists()


@pytest.mark.slow  # a whole local server, a producer and a consumer (~10 s)
def test_produce_and_consume_by_hand_with_the_env_file(workdir: Path) -> None:
    assert queuelab("local", "up", cwd=workdir).returncode == 0

    produced = queuelab("produce", "--n", "5", cwd=workdir)
    consumed = queuelab(
        "consume", cwd=workdir, env={"IDLE_TIMEOUT_SECONDS": "2", "WAIT_TIME_SECONDS": "1"}
    )

    assert produced.returncode == 0 and "sent 5" in produced.stdout, produced.stderr
    assert consumed.returncode == 0, consumed.stderr
    assert "after 5 messages" in consumed.stderr


@pytest.mark.slow  # a whole local server and a scenario run against it (~12 s)
def test_endpoint_target_runs_against_the_local_server(workdir: Path) -> None:
    assert queuelab("local", "up", cwd=workdir).returncode == 0
    url = json.loads((workdir / ".queuelab" / "local.json").read_text())["url"]

    done = queuelab("run", "happy", "--endpoint-url", url, "--json", "r.json", cwd=workdir)

    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads((workdir / "r.json").read_text())["results"][0]["status"] == "passed"


@pytest.mark.slow  # a whole local server, the plan provisioned (~10 s)
def test_the_local_server_behaves_as_aws_and_says_what_the_lab_would_change(
    workdir: Path,
) -> None:
    """`local up` keeps AWS's settings (a second purge within 60 s is refused, as on AWS);
    it says which departures `queuelab run` starts its own server with."""
    import boto3

    up = queuelab("local", "up", cwd=workdir)
    state = json.loads((workdir / ".queuelab" / "local.json").read_text())
    env = dict(
        line.split("=", 1) for line in (workdir / ".env").read_text().splitlines() if "=" in line
    )
    sqs = boto3.client(
        "sqs",
        endpoint_url=state["url"],
        region_name=state["region"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    sqs.purge_queue(QueueUrl=env["QUEUE_URL"])
    with pytest.raises(sqs.exceptions.PurgeQueueInProgress):
        sqs.purge_queue(QueueUrl=env["QUEUE_URL"])

    assert up.returncode == 0, up.stderr
    assert state["settings"] == {"purge_cooldown_seconds": 60.0, "dedup_window_seconds": 300.0}
    said = " ".join(up.stdout.split())
    assert "backend settings: AWS's" in said
    assert "purge_cooldown_seconds=0 (AWS: 60), dedup_window_seconds=4 (AWS: 300)" in said
    assert "--lab-settings" in said


@pytest.mark.slow  # a whole local server, the plan provisioned (~10 s)
def test_the_local_server_takes_the_lab_settings_when_asked(workdir: Path) -> None:
    up = queuelab("local", "up", "--lab-settings", cwd=workdir)
    state = json.loads((workdir / ".queuelab" / "local.json").read_text())

    assert up.returncode == 0, up.stderr
    assert state["settings"] == {"purge_cooldown_seconds": 0.0, "dedup_window_seconds": 4.0}
    assert "the lab's, as" in " ".join(up.stdout.split())


@pytest.mark.slow  # a whole local server, the plan provisioned and checked twice (~30 s)
def test_doctor_finds_the_same_on_the_local_server_by_its_outputs_and_by_its_url(
    workdir: Path,
) -> None:
    """`doctor` reads what `local up` provisioned (its saved outputs); `doctor --endpoint-url`
    finds the same resources by the plan's names (the pipeline scenarios' tables and bucket
    too): both check the same rows, all healthy."""
    assert queuelab("local", "up", cwd=workdir).returncode == 0
    url = json.loads((workdir / ".queuelab" / "local.json").read_text())["url"]
    wide = {"COLUMNS": "240"}

    by_outputs = queuelab("doctor", cwd=workdir, env=wide)
    by_url = queuelab("doctor", "--endpoint-url", url, cwd=workdir, env=wide)

    assert by_outputs.returncode == 0, by_outputs.stdout
    assert by_url.returncode == 0, by_url.stdout
    healthy = [line for line in by_outputs.stdout.splitlines() if "checks healthy" in line]
    assert healthy and healthy == [
        line for line in by_url.stdout.splitlines() if "checks healthy" in line
    ]
    total = int(healthy[0].split()[0])
    assert healthy[0].startswith(f"{total} of {total} ")
    assert total > 100  # every scenario's set, the pipeline's tables and bucket included
