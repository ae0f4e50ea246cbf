"""``queuelab doctor --semantics``: does the target behave like SQS? Probes every behaviour of
``queuelab.targets.semantics`` with short-lived queues and prints what it observed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

from rich.table import Table

from queuelab.backend import BackendError, EmbeddedBackend
from queuelab.backend.launcher import endpoint_settings
from queuelab.backend.settings import LAB, BackendSettings
from queuelab.contract import clients
from queuelab.report.console import console as make_console
from queuelab.report.console import fail
from queuelab.targets.conformance import Conformance, Row, Status
from queuelab.targets.plan import DEFAULT_REGION
from queuelab.targets.session import declared_backend

STYLE = {
    Status.OK: "green",
    Status.SETTING: "cyan",
    Status.DIFFERS: "red",
    Status.UNKNOWN: "yellow",
}
console = make_console()


@contextmanager
def _target(target: str, endpoint_url: str | None) -> Iterator[tuple[str, Conformance]]:
    if endpoint_url:
        region = clients.AwsSettings.from_env().region or DEFAULT_REGION
        try:
            settings = endpoint_settings(endpoint_url, region, given=True)
        except clients.EndpointError as err:
            fail(str(err))
        sqs_url = settings.endpoint_for("sqs") or endpoint_url
        yield sqs_url, Conformance(settings, declared_backend(sqs_url))
    elif target == "aws":
        from_env = clients.AwsSettings.from_env()
        settings = from_env.on_aws(from_env.region or DEFAULT_REGION)
        yield f"AWS ({settings.region})", Conformance(settings)
    else:
        try:
            with EmbeddedBackend(settings=LAB) as endpoint:
                what = "the embedded backend, as `queuelab run` starts it"
                yield what, Conformance(endpoint.settings(), endpoint.backend)
        except BackendError as err:
            fail(str(err), code=1)


def table(rows: list[Row], title: str) -> Table:
    made = Table(title=title, show_lines=True)
    for column in ("behaviour", "expected (AWS documentation)", "observed", "status"):
        made.add_column(column, overflow="fold")
    for row in rows:
        colour = STYLE[row.status]
        made.add_row(
            row.semantic.behaviour,
            f"{row.semantic.expected}\n[dim]{row.semantic.reference}[/dim]",
            row.observed,
            f"[{colour}]{row.status.value}[/{colour}]",
        )
    return made


def report(target: str, endpoint_url: str | None, as_json: bool) -> int:
    """Probe, print, and return the exit code (1 when anything differs or is unknown)."""
    with _target(target, endpoint_url) as (where, conformance):
        if not as_json:
            console.print(f"probing {where}...", highlight=False)
        rows = conformance.all()
        backend: BackendSettings | None = conformance.backend
    bad = [row for row in rows if row.status in (Status.DIFFERS, Status.UNKNOWN)]
    if as_json:
        document = {
            "target": where,
            "backend": backend.to_dict() if backend else None,
            "rows": [row.to_dict() for row in rows],
        }
        print(json.dumps(document, indent=2))
        return 1 if bad else 0
    console.print(table(rows, f"SQS semantics on {where}"))
    counts = {s: sum(1 for r in rows if r.status is s) for s in Status}
    console.print(
        f"{counts[Status.OK]} ok, {counts[Status.SETTING]} by a declared backend setting, "
        f"{counts[Status.DIFFERS]} differ, {counts[Status.UNKNOWN]} unknown",
        highlight=False,
    )
    if backend and backend.departures():
        console.print(f"backend settings: {backend.describe()}", highlight=False)
    return 1 if bad else 0
