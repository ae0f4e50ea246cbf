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
    ):
        assert f"\n{key}=" in env

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
