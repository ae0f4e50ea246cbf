"""``python -m queuelab.esm``: create the mapping (read the queue, validate as Lambda does),
run it until SIGTERM / SIGINT (or its parent dies: the lab's lifeline), then stop in order.

Its SQS calls use its own credentials (the standard variables: the lab gives each process
its own key, ``ql-<token>-<process>``, so the witness knows the caller). The function's
environments get the same endpoint and region and credentials of their own: with a lab key,
``ql-<token>-<function name>``, so the function's calls are the function's; else the
mapping's (``--env AWS_ACCESS_KEY_ID=...`` overrides either).

Exit codes: 0 after a stop; 2 when the configuration is refused (the AWS error on stderr,
nothing read from the queue) or the runtime's interface client is missing (Node: no
aws-lambda-ric beside the code); 1 when the queue cannot be read at start.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from botocore.exceptions import BotoCoreError, ClientError

from queuelab.contract import clients, faults, lifeline, witness
from queuelab.contract.history import History
from queuelab.contract.processes import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from queuelab.esm import environment, source
from queuelab.esm.command import Command
from queuelab.esm.errors import ValidationError
from queuelab.esm.service import Service, Settings
from queuelab.system import spawn

log = logging.getLogger("queuelab.esm")
# Of the mapping's own variables, only these reach the function's processes.
PASSED_THROUGH = (
    "PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_", "TMPDIR", "VIRTUAL_ENV", "SSL_CERT_",
    "REQUESTS_CA_BUNDLE", "AWS_CA_BUNDLE", "NODE_PATH",
)  # fmt: skip


def caller_of(settings: clients.AwsSettings) -> tuple[str | None, str]:
    """(the lab's run token, this process's name) from a per-process key; else (None, esm)."""
    parsed = witness.parse_access_key(settings.access_key_id or "")
    return (parsed[0], parsed[1]) if parsed else (None, "esm")


def function_env(settings: clients.AwsSettings, token: str | None, name: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.startswith(PASSED_THROUGH)}
    env |= settings.env() | {"PYTHONUNBUFFERED": "1"}
    if token is not None:
        env["AWS_ACCESS_KEY_ID"] = witness.access_key(token, name)
        env["AWS_SECRET_ACCESS_KEY"] = witness.SECRET
    return env


def start(
    command: Command, env: dict[str, str], log_path: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start the ESM process (tied to this one by a lifeline): the one call a driver makes."""
    return spawn.spawn(command.argv(), env=env, log_path=log_path, tied=True)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s esm %(levelname)s %(message)s")
    command = Command.parse(sys.argv[1:] if argv is None else argv, os.environ)
    settings = clients.AwsSettings.from_env()
    token, caller = caller_of(settings)
    caller = command.process_name or caller
    try:
        spec = faults.parse(command.faults)
        sqs = clients.sqs(settings)
        queue = source.describe(sqs, command.queue_url)
        command.mapping.validate(queue, command.function)
        environment.command(command.function)  # its runtime interface client is there
    except (ValidationError, faults.FaultSpecError, FileNotFoundError) as err:
        print(f"queuelab.esm: {err}", file=sys.stderr)
        return EXIT_USAGE
    except (ClientError, BotoCoreError) as err:
        print(f"queuelab.esm: cannot read the queue {command.queue_url}: {err}", file=sys.stderr)
        return EXIT_FAILED
    history = History(command.history or None, caller)
    service = Service(
        command.function, command.mapping, queue, sqs, history,
        Settings(
            base_env=function_env(settings, token, command.function.name), caller=caller,
            run_id=command.run_id, receive_wait=command.receive_wait, log_dir=command.log_path,
            account_concurrency=command.account_concurrency,
            decider=faults.Decider(spec, command.seed) if spec else None,
        ),
    )  # fmt: skip
    if command.log_path:
        command.log_path.mkdir(parents=True, exist_ok=True)

    def stop(signum: int, frame: FrameType | None) -> None:
        log.info("signal %d: stopping after the batches in hand", signum)
        service.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    lifeline.watch()
    log.info("polling %s for %s (%s)", queue.url, command.function.name, command.function.runtime)
    try:
        service.run()
    finally:
        history.close()
    return EXIT_OK
