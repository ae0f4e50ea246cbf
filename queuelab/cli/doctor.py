"""``queuelab doctor`` (``make preflight`` / ``make validate``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

import scenarios
from queuelab import workdir
from queuelab.backend.launcher import endpoint_settings
from queuelab.cli import semantics
from queuelab.cli.hints import me
from queuelab.cli.local import read_state
from queuelab.contract import clients
from queuelab.report.console import console as make_console
from queuelab.report.console import fail
from queuelab.targets import doctor
from queuelab.targets.outputs import Outputs, OutputsError, SetOutputs
from queuelab.targets.plan import DEFAULT_REGION, ResourceSet
from queuelab.targets.session import Target

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

console = make_console()


def _by_name(sqs: SQSClient, item: ResourceSet) -> SetOutputs:
    """Where the plan's default names put a set on an endpoint nobody recorded outputs for."""

    def url(name: str) -> str:
        try:
            return str(sqs.get_queue_url(QueueName=name)["QueueUrl"])
        except sqs.exceptions.QueueDoesNotExist:
            return f"missing:{name}"

    return SetOutputs(
        queue_url=url(item.queue_name()),
        queue_arn="",
        dlq_url=url(item.dlq_name()),
        dlq_arn="",
        status_table=item.status_table(),
        side_effects_table=item.side_effects_table(),
        fifo=item.fifo,
        visibility_timeout=item.visibility_timeout,
        receive_wait=item.receive_wait,
        max_receive_count=item.max_receive_count,
        tables={role: item.table_name(role) for role in item.roles},
        bucket=item.bucket_name() if item.bucket else "",
    )


def _target(
    target: str, endpoint_url: str | None
) -> tuple[clients.AwsSettings, dict[str, SetOutputs], str]:
    if endpoint_url:
        try:
            settings = endpoint_settings(endpoint_url, DEFAULT_REGION, given=True)
        except clients.EndpointError as err:
            fail(str(err))
        sqs = clients.sqs(settings)
        return settings, {item.key: _by_name(sqs, item) for item in scenarios.plan()}, "local"
    if target == "aws":
        if not workdir.stack_outputs().exists():
            fail("no stack outputs: run `make infra-up` first")
        outputs = _load(workdir.stack_outputs(), "run `make infra-up` again")
        settings = clients.AwsSettings.from_env().on_aws(outputs.region)
        return settings, outputs.resources, outputs.stack
    state = read_state()
    saved = workdir.local_outputs()
    if state is None or not saved.exists():
        fail(f"no local server is running: start one with `{me()} local up`")
    settings = endpoint_settings(state["url"], state["region"])
    return (
        settings,
        _load(saved, f"run `{me()} local down` then `{me()} local up`").resources,
        "local",
    )


def _load(path: Path, hint: str) -> Outputs:
    try:
        return Outputs.load(path)
    except OutputsError as err:
        fail(f"{err}: {hint}")


def doctor_table(rows: list[doctor.Row]) -> Table:
    """Tools one per row; each resource set on one row, naming what does not match."""
    table = Table(title="queuelab doctor")
    for column in ("subject", "checks", "status"):
        table.add_column(column)
    subjects = dict.fromkeys(row.subject for row in rows)
    for subject in subjects:
        mine = [row for row in rows if row.subject == subject]
        if subject == "tools":
            for row in mine:
                mark = "[green]ok[/green]" if row.ok else f"[red]{row.actual}[/red]"
                table.add_row(subject, f"{row.check} ({row.expected})", mark)
            continue
        bad = [row.check for row in mine if not row.ok]
        status = f"[red]MISMATCH: {', '.join(bad)}[/red]" if bad else "[green]healthy[/green]"
        table.add_row(subject, str(len(mine)), status)
    return table


def run_doctor(
    target: Annotated[
        Target, typer.Option(help="local (the `local up` server) or aws.")
    ] = Target.local,
    endpoint_url: Annotated[
        str | None,
        typer.Option(
            help="Check this endpoint instead; one per service as sqs=URL,dynamodb=URL "
            "(AWS_ENDPOINT_URL_SQS / _DYNAMODB / _S3 are honoured too).",
        ),
    ] = None,
    tools: Annotated[
        bool, typer.Option("--tools", help="Only check the tools (and, for aws, credentials).")
    ] = False,
    probe_semantics: Annotated[
        bool,
        typer.Option(
            "--semantics",
            help="Probe how the target does what SQS does, with short-lived queues (local: "
            "an embedded backend as `run` starts it).",
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="With --semantics: print the rows as JSON.")
    ] = False,
) -> None:
    """Check tools, then every scenario's resources on the target; exit 1 on any mismatch.
    With --semantics, probe the target's SQS behaviours instead."""
    if as_json and not probe_semantics:
        fail("--json goes with --semantics")
    if probe_semantics:
        raise typer.Exit(semantics.report(target.value, endpoint_url, as_json))
    rows = doctor.check_tools(target)
    if target == "aws" and not endpoint_url:
        from_env = clients.AwsSettings.from_env()  # any region answers who the caller is
        real_aws = from_env.on_aws(from_env.region or DEFAULT_REGION)
        rows.append(doctor.check_credentials(lambda: clients.sts(real_aws)))
    if not tools:
        settings, resources, stack = _target(target, endpoint_url)
        rows += doctor.check_resources(
            clients.sqs(settings),
            clients.dynamodb(settings),
            list(scenarios.plan()),
            resources,
            stack,
            clients.s3(settings),
        )
    console.print(doctor_table(rows))
    bad = [row for row in rows if not row.ok]
    console.print(f"{len(rows) - len(bad)} of {len(rows)} checks healthy")
    for row in bad:
        console.print(
            f"[red]mismatch:[/red] {row.subject}: {row.check}: expected {row.expected}, "
            f"found {row.actual}",
            soft_wrap=True,
            highlight=False,
        )
    raise typer.Exit(1 if bad else 0)
