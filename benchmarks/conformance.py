"""How far each server behaves like SQS: the conformance probes of ``queuelab doctor
--semantics`` run on stock moto, on the embedded backend with AWS's settings, and on the
embedded backend as ``queuelab run`` starts it (its two lab settings).

    .venv/bin/python benchmarks/conformance.py [--endpoint-url URL]...

``--endpoint-url`` adds any other SQS-compatible endpoint (LocalStack, ElasticMQ...) as a
column. Prints one row per behaviour and a score per server.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

from queuelab.backend import EmbeddedBackend
from queuelab.backend.launcher import endpoint_settings, server_argv
from queuelab.backend.settings import AWS, LAB
from queuelab.targets import semantics
from queuelab.targets.conformance import Conformance, Row, Status
from queuelab.targets.plan import DEFAULT_REGION

MARK = {Status.OK: "ok", Status.SETTING: "setting", Status.DIFFERS: "DIFFERS", Status.UNKNOWN: "?"}


def embedded(argv: list[str]) -> Callable[[], list[Row]]:
    def probe() -> list[Row]:
        with tempfile.TemporaryDirectory() as logs:  # stock moto logs a traceback per 500
            log = Path(logs) / "server.log"
            with EmbeddedBackend(argv=argv, log_path=log) as endpoint:
                return Conformance(endpoint.settings(), endpoint.backend).all()

    return probe


def remote(url: str) -> Callable[[], list[Row]]:
    return lambda: Conformance(endpoint_settings(url, DEFAULT_REGION)).all()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--endpoint-url", action="append", default=[], help="another endpoint")
    args = parser.parse_args()
    servers: dict[str, Callable[[], list[Row]]] = {
        "stock moto": embedded(server_argv(stock=True)),
        "embedded (AWS settings)": embedded(server_argv(settings=AWS)),
        "embedded (lab settings)": embedded(server_argv(settings=LAB)),
    }
    servers |= {url: remote(url) for url in args.endpoint_url}
    console = Console()
    results: dict[str, dict[str, Row]] = {}
    for name, probe in servers.items():
        console.print(f"[dim]probing {name}...[/dim]")
        results[name] = {row.name: row for row in probe()}

    table = Table(title="SQS behaviours as each server does them")
    table.add_column("behaviour", no_wrap=True)
    for name in servers:
        table.add_column(name, justify="center")
    for semantic in semantics.CATALOGUE:
        table.add_row(semantic.name, *(MARK[results[n][semantic.name].status] for n in servers))
    total = len(semantics.CATALOGUE)
    table.add_row(
        "as SQS (ok)",
        *(f"{sum(r.status is Status.OK for r in results[n].values())}/{total}" for n in servers),
    )
    console.print(table)
    for name in servers:
        for row in results[name].values():
            if row.status is not Status.OK:
                console.print(f"{name}: {row.name}: {row.observed}", highlight=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
