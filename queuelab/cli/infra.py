"""``queuelab infra up | down`` (``make infra-up`` / ``make infra-down``): run Pulumi in
``infra/``, cache the stack's outputs for ``--target aws``, write ``.env``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Annotated

import typer

from queuelab import workdir
from queuelab.report.console import console as make_console
from queuelab.report.console import fail
from queuelab.targets import envfile
from queuelab.targets.outputs import STACK_OUTPUT_NAME, Outputs, OutputsError

infra_app = typer.Typer(help="Real AWS resources with Pulumi.", no_args_is_help=True)
console = make_console()
INFRA_DIR = Path(__file__).resolve().parents[1] / "infra"  # the Pulumi project, in the clone
WRITER = "make infra-up"
INSTALL_HINT = (
    "the Pulumi CLI is not on PATH. Install it (https://www.pulumi.com/docs/install/, e.g. "
    "`curl -fsSL https://get.pulumi.com | sh` or `brew install pulumi/tap/pulumi`), log in "
    "(`pulumi login`, or `pulumi login --local` for state on this machine), then run this again."
)
StackOption = Annotated[
    str, typer.Option(envvar="PULUMI_STACK", help="Pulumi stack name (e.g. dev).")
]


def _pulumi(*args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("pulumi") is None:
        fail(INSTALL_HINT)
    return subprocess.run(["pulumi", *args], cwd=INFRA_DIR, text=True, check=False)


def _check(done: subprocess.CompletedProcess[str], what: str) -> None:
    if done.returncode != 0:
        fail(f"{what} failed (exit {done.returncode}); see above", code=1)


def save_outputs(data: object) -> Outputs:
    """Validate the stack output, cache it for --target aws, and write .env."""
    outputs = Outputs.from_dict(data)
    outputs.save(workdir.stack_outputs())
    values = {"AWS_REGION": outputs.region}
    if os.environ.get("AWS_PROFILE"):
        values["AWS_PROFILE"] = os.environ["AWS_PROFILE"]
    envfile.write_for(outputs, values, WRITER)
    return outputs


@infra_app.command()
def up(stack: StackOption = "dev") -> None:
    """pulumi up, then cache the outputs and write .env (happy-path resources)."""
    _check(_pulumi("stack", "select", "--create", stack), "pulumi stack select")
    _check(_pulumi("up", "--yes", "--stack", stack), "pulumi up")
    shown = subprocess.run(
        ["pulumi", "stack", "output", "--json", "--stack", stack, STACK_OUTPUT_NAME],
        cwd=INFRA_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    _check(shown, "pulumi stack output")
    try:
        outputs = save_outputs(json.loads(shown.stdout))
    except (ValueError, OutputsError) as err:
        fail(f"unexpected stack output: {err}", code=1)
    console.print(
        f"stack {outputs.stack}: {len(outputs.resources)} resource sets in {outputs.region}"
    )
    console.print("run the scenarios there: make scenarios ARGS='--target aws'")


@infra_app.command()
def down(stack: StackOption = "dev") -> None:
    """pulumi destroy, then forget the cached outputs and the .env it wrote."""
    _check(_pulumi("destroy", "--yes", "--stack", stack), "pulumi destroy")
    workdir.stack_outputs().unlink(missing_ok=True)
    envfile.remove_if_written_by(Path.cwd() / ".env", WRITER)
    console.print(f"stack {stack} destroyed")
