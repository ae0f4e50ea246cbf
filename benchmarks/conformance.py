"""How far each server behaves like SQS: the conformance probes of ``queuelab doctor
--semantics`` run on the embedded backend (with AWS's settings, and as ``queuelab run``
starts it: its two lab settings), on stock moto, and, optionally, on LocalStack.

    .venv/bin/python benchmarks/conformance.py [--localstack] [--endpoint-url URL]... [--markdown]

``--localstack`` installs LocalStack's open-source core into its own virtualenv (Python
3.13, ``benchmarks/localstack.py``; minutes the first time, never in CI) and starts it on
loopback for the probes. ``--endpoint-url`` adds any other SQS-compatible endpoint
(ElasticMQ...). Prints one row per behaviour and a score per server; ``--markdown`` prints
the table as the docs carry it.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from rich.console import Console
from rich.table import Table

from queuelab.backend import EmbeddedBackend
from queuelab.backend.compat import installed_moto
from queuelab.backend.launcher import endpoint_settings, server_argv
from queuelab.backend.settings import AWS, LAB
from queuelab.targets import semantics
from queuelab.targets.conformance import Conformance, Row, Status
from queuelab.targets.plan import DEFAULT_REGION

sys.path.insert(0, str(Path(__file__).parent))
import localstack  # benchmarks/localstack.py

MARK = {Status.OK: "ok", Status.SETTING: "setting", Status.DIFFERS: "DIFFERS", Status.UNKNOWN: "?"}
Probe = Callable[[], list[Row]]


def embedded(argv: list[str]) -> Probe:
    def probe() -> list[Row]:
        with tempfile.TemporaryDirectory() as logs:  # stock moto logs a traceback per 500
            log = Path(logs) / "server.log"
            with EmbeddedBackend(argv=argv, log_path=log) as endpoint:
                return Conformance(endpoint.settings(), endpoint.backend).all()

    return probe


def remote(url: str) -> Probe:
    return lambda: Conformance(endpoint_settings(url, DEFAULT_REGION)).all()


@contextlib.contextmanager
def with_localstack(wanted: bool) -> Iterator[dict[str, Probe]]:
    if not wanted:
        yield {}
        return
    python = localstack.install()
    name = f"LocalStack {localstack.version(python)}"
    with localstack.running(python) as url:
        yield {name: remote(url)}


def markdown(servers: list[str], results: dict[str, dict[str, Row]]) -> str:
    lines = ["| behaviour | " + " | ".join(servers) + " |", "|---" * (len(servers) + 1) + "|"]
    for semantic in semantics.CATALOGUE:
        marks = [MARK[results[n][semantic.name].status] for n in servers]
        lines.append(f"| `{semantic.name}` | " + " | ".join(marks) + " |")
    total = len(semantics.CATALOGUE)
    scores = [f"{sum(r.status is Status.OK for r in results[n].values())}/{total}" for n in servers]
    lines.append("| **as SQS (ok)** | " + " | ".join(f"**{s}**" for s in scores) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--endpoint-url", action="append", default=[], help="another endpoint")
    parser.add_argument("--localstack", action="store_true", help="LocalStack, own venv")
    parser.add_argument("--markdown", action="store_true", help="the table as the docs carry it")
    args = parser.parse_args()
    servers: dict[str, Probe] = {
        "embedded (AWS settings)": embedded(server_argv(settings=AWS)),
        "embedded (lab settings)": embedded(server_argv(settings=LAB)),
        f"stock moto {installed_moto()}": embedded(server_argv(stock=True)),
    }
    servers |= {url: remote(url) for url in args.endpoint_url}
    console = Console()
    results: dict[str, dict[str, Row]] = {}
    with with_localstack(args.localstack) as others:
        servers |= others
        for name, probe in servers.items():
            console.print(f"[dim]probing {name}...[/dim]")
            results[name] = {row.name: row for row in probe()}

    names = list(servers)
    table = Table(title="SQS behaviours as each server does them")
    table.add_column("behaviour", no_wrap=True)
    for name in names:
        table.add_column(name, justify="center")
    for semantic in semantics.CATALOGUE:
        table.add_row(semantic.name, *(MARK[results[n][semantic.name].status] for n in names))
    total = len(semantics.CATALOGUE)
    table.add_row(
        "as SQS (ok)",
        *(f"{sum(r.status is Status.OK for r in results[n].values())}/{total}" for n in names),
    )
    console.print(table)
    for name in names:
        for row in results[name].values():
            if row.status is not Status.OK:
                console.print(f"{name}: {row.name}: {row.observed}", highlight=False)
    if args.markdown:
        print(f"\nmeasured {datetime.date.today().isoformat()}\n")
        print(markdown(names, results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
