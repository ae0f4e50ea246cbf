"""``queuelab local up | down | status``: one embedded server in the background for ad-hoc
use, with every scenario's resources, and a ``.env`` for ``produce`` / ``consume`` by hand.
The server behaves as AWS does (its settings are AWS's, the purge cooldown included) unless
started with ``--lab-settings``, the departures ``queuelab run`` starts its own server with."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Annotated, Any

import typer

import scenarios
from queuelab import workdir
from queuelab.backend import BackendError, start_detached, stop_detached
from queuelab.backend.launcher import endpoint_settings, is_server
from queuelab.backend.settings import AWS, LAB, BackendSettings
from queuelab.cli.hints import me
from queuelab.contract import clients
from queuelab.report.console import console as make_console
from queuelab.report.console import fail
from queuelab.targets import envfile, provision
from queuelab.targets.plan import DEFAULT_REGION

WRITER = "queuelab local up"
local_app = typer.Typer(help="A background embedded server for ad-hoc use.", no_args_is_help=True)
console = make_console()
errors = make_console(stderr=True)


def read_state() -> dict[str, Any] | None:
    """The running server's state, or None (a stale state file is removed)."""
    path = workdir.local_state()
    if not path.exists():
        return None
    state: dict[str, Any] = json.loads(path.read_text())
    if is_server(int(state["pid"])):
        return state
    path.unlink()
    return None


def by_hand_preflight(argv: list[str]) -> None:
    """Before produce / consume / send ... read ``.env``: say how to start the local server
    when the .env it wrote points at a server that is gone, or when there is no .env and no
    queue given (the command's own error then follows)."""
    env = Path.cwd() / ".env"
    if envfile.written_by(env, WRITER) and read_state() is None:
        fail(f"the local server that wrote .env is not running: start it with `{me()} local up`")
    queue_given = any(a.startswith(("--queue", "--queue-url")) for a in argv)
    if not env.exists() and not os.environ.get("QUEUE_URL") and not queue_given:
        errors.print(
            f"no .env here: `{me()} local up` starts a local server and writes one",
            highlight=False,
        )


def _provision_and_write_env(url: str, region: str) -> None:
    settings = endpoint_settings(url, region)
    outputs = provision.provision(
        clients.sqs(settings),
        clients.dynamodb(settings),
        region=region,
        stack="local",
        resources=scenarios.plan(),
        s3=clients.s3(settings),
    )
    outputs.save(workdir.local_outputs())
    envfile.write_for(outputs, settings.env(), WRITER)


def describe_settings(settings: BackendSettings) -> str:
    """What a `local up` server departs from AWS in, and what `queuelab run` would change."""
    if not settings.departures():
        return (
            "backend settings: AWS's (a second PurgeQueue within "
            f"{AWS.purge_cooldown_seconds:g} s refused, FIFO deduplication for "
            f"{AWS.dedup_window_seconds:g} s); `{me()} run` starts its own server with the "
            f"lab's: {LAB.describe()} (`{me()} local up --lab-settings` for those here)"
        )
    return f"backend settings: {settings.describe()}, the lab's, as `{me()} run` starts its own"


@local_app.command()
def up(
    lab_settings: Annotated[
        bool,
        typer.Option(
            "--lab-settings",
            help="Start the server with the lab's settings (what `run` uses: purges not "
            "rate-limited, a short FIFO deduplication window) instead of AWS's.",
        ),
    ] = False,
) -> None:
    """Start the server (once), provision every scenario's resources, write .env. The server
    keeps AWS's numbers (the purge cooldown too) unless --lab-settings."""
    state = read_state()
    if state is not None:
        console.print(f"already running at {state['url']} (pid {state['pid']})")
        if state.get("settings"):
            running = BackendSettings.from_dict(state["settings"])
            console.print(describe_settings(running), highlight=False, soft_wrap=True)
        _provision_and_write_env(state["url"], state["region"])
        return
    workdir.home().mkdir(parents=True, exist_ok=True)
    wanted = LAB if lab_settings else AWS
    try:
        endpoint = start_detached(DEFAULT_REGION, workdir.home() / "local-server.log", wanted)
    except BackendError as err:
        fail(str(err), code=1)
    state = {
        "pid": endpoint.pid,
        "url": endpoint.url,
        "region": endpoint.region,
        "started": time.time(),
        "settings": endpoint.backend.to_dict() if endpoint.backend else None,
    }
    workdir.local_state().write_text(json.dumps(state) + "\n")
    _provision_and_write_env(endpoint.url, endpoint.region)
    console.print(f"embedded server running at {endpoint.url} (pid {endpoint.pid})")
    if endpoint.backend is not None:
        console.print(describe_settings(endpoint.backend), highlight=False, soft_wrap=True)
    console.print(
        f"wrote .env; try: {me()} produce --n 5 && IDLE_TIMEOUT_SECONDS=3 {me()} consume\n"
        "the AWS CLI v1 ignores AWS_ENDPOINT_URL for `aws sqs`: after `set -a; . ./.env`, "
        'run `aws sqs ... --endpoint-url "$AWS_ENDPOINT_URL"`',
        highlight=False,
        soft_wrap=True,
    )


@local_app.command()
def down() -> None:
    """Stop the background server (saying so if none is running) and remove its .env."""
    state = read_state()
    if state is None:
        console.print("no embedded server is running")
        return
    stop_detached(int(state["pid"]))
    workdir.local_state().unlink(missing_ok=True)
    removed = envfile.remove_if_written_by(Path.cwd() / ".env", WRITER)
    console.print(
        f"stopped the embedded server at {state['url']}" + (" and removed .env" if removed else "")
    )


@local_app.command()
def status() -> None:
    """Say whether the background server is running, and where."""
    state = read_state()
    console.print(f"running at {state['url']} (pid {state['pid']})" if state else "not running")
