"""What the processes a run starts get from the lab: their environment (a clean one, the
target's settings, their own credentials for the witness, their history file), a loopback
port for a consumer's metrics, and the SDK's retry count."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from pathlib import Path

from queuelab.contract import clients, witness
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.processes import HISTORY_PATH_ENV, RUN_ID_ENV
from queuelab.run.children import Child, Ending
from queuelab.run.sampler import scrape as scrape_metrics
from queuelab.targets.outputs import SetOutputs

# Only these of the caller's variables reach children: a consumer knob exported in the
# user's shell must not change a scenario.
PASSED_THROUGH = (
    "PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_", "TZ", "TMPDIR", "SYSTEMROOT",
    "VIRTUAL_ENV", "SSL_CERT_", "REQUESTS_CA_BUNDLE", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",
    "http_proxy", "https_proxy", "no_proxy", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CA_BUNDLE",
)  # fmt: skip


def free_port(taken: set[int]) -> int:
    """A loopback port free right now and not handed out yet (for a consumer's metrics)."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port not in taken:
            taken.add(port)
            return port


def environment(
    name: str, settings: clients.AwsSettings, run_id: str, run_dir: Path, token: str | None
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.startswith(PASSED_THROUGH)}
    env |= settings.env() | {"PYTHONUNBUFFERED": "1", RUN_ID_ENV: run_id}
    if token is not None:  # the witness knows the caller from its key
        env["AWS_ACCESS_KEY_ID"] = witness.access_key(token, name)
        env["AWS_SECRET_ACCESS_KEY"] = witness.SECRET
    env[HISTORY_PATH_ENV] = str(run_dir / "history" / f"{name}.jsonl")
    return env


def attempts(retries: int) -> dict[str, str]:
    """AWS_MAX_ATTEMPTS for a process (botocore's own retries), if the scenario sets it."""
    return {"AWS_MAX_ATTEMPTS": str(retries)} if retries else {}


def consumer_wiring(resources: SetOutputs, name: str, metrics_port: int) -> ConsumerKnobs:
    """The knobs the lab sets for every consumer: its resources, its name, a metrics port
    (scraped just before it is stopped: the report shows it)."""
    return ConsumerKnobs(
        queue_url=resources.queue_url,
        message_status_table=resources.status_table,
        message_side_effects_table=resources.side_effects_table,
        wait_time_seconds=resources.receive_wait,
        consumer_id=name,
        metrics_port=metrics_port,
    )


def scrape(child: Child) -> dict[str, float] | None:
    """A consumer's last metrics, or None (not serving, or not a consumer)."""
    if not child.metrics_url:
        return None
    try:
        return scrape_metrics(child.metrics_url)
    except (OSError, ValueError):  # not serving (yet): the report goes without
        return None


def endings(children: list[Child], note: Callable[[str], None]) -> list[str]:
    """How our processes ended: a signal is noted, an unexpected exit is a problem (a
    foreign consumer's are told in words by its watch)."""
    problems = []
    for child in children:
        if child.foreign:
            continue
        ending = child.ending()
        if child.slow_shutdown:
            note(
                f"{child.name} was still running {child.grace:g} s after SIGTERM (a slow "
                "shutdown): the lab killed it"
            )
        elif ending is Ending.KILLED:
            note(f"{child.name} was killed (SIGKILL)")
        elif ending is Ending.STOPPED:
            note(f"{child.name} ended by a signal (exit code {child.code()})")
        elif ending is Ending.UNEXPECTED:
            problems.append(f"{child.name} exited with code {child.code()} (see {child.log_path})")
    return problems
