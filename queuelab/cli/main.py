"""``queuelab``: list, show and run scenarios and their reports; produce, consume, send,
receive, ack, extend and stats by hand; the local server.

Exit codes: 0 every scenario passed, 1 one failed or errored, 2 usage or configuration error,
130 interrupted.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from dotenv import load_dotenv

import scenarios
from consumer.cli import consume
from producer.cli import produce
from queuelab.cli import by_hand, local
from queuelab.cli.demo import demo
from queuelab.cli.doctor import run_doctor
from queuelab.cli.infra import infra_app
from queuelab.cli.local import local_app
from queuelab.cli.report import report
from queuelab.cli.run import run
from queuelab.cli.soak import soak
from queuelab.report import tables
from queuelab.report.console import console as make_console
from queuelab.report.console import fail

app = typer.Typer(
    help="A laboratory for message-queue failure modes on SQS, with checked verdicts.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
app.add_typer(local_app, name="local")
app.add_typer(infra_app, name="infra")
console = make_console()


@app.callback()
def _main(ctx: typer.Context) -> None:
    # `produce` and `consume` by hand read .env (written by `local up` / `make infra-up`),
    # like `source .env` in the seed's README; variables already set win.
    if ctx.invoked_subcommand in ("produce", "consume", *by_hand.COMMANDS):
        local.by_hand_preflight(sys.argv[2:])
        load_dotenv(Path.cwd() / ".env", override=False)


app.command(help="Send synthetic messages (reads .env in the current directory).")(produce)
app.command(help="Run a consumer with chaos knobs (reads .env in the current directory).")(consume)


app.command("demo")(demo)
app.command("doctor")(run_doctor)
app.command("run")(run)
app.command("soak")(soak)
app.command("report")(report)
by_hand.register(app)


@app.command("list")
def list_scenarios(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (for scripts).")] = False,
) -> None:
    """Every scenario: name, category, what it demonstrates, typical duration, and whether
    it judges a consumer you give (black-box); under the table, how many do."""
    if as_json:
        rows = [tables.scenario_row(s) for s in scenarios.ALL]
        judged = sum(1 for s in scenarios.ALL if s.black_box.runs)
        black_box = {"judge_your_consumer": judged, "scenarios": len(scenarios.ALL)}
        print(json.dumps({"scenarios": rows, "black_box": black_box}, indent=2))
        return
    console.print(tables.scenario_table(scenarios.ALL))
    console.print(tables.black_box_count(scenarios.ALL), markup=False)


@app.command()
def show(name: Annotated[str, typer.Argument(help="Scenario name.")]) -> None:
    """What a scenario demonstrates, its parameters, and what its verdict checks."""
    try:
        scenario = scenarios.get(name)
    except scenarios.UnknownScenario as err:
        fail(err.args[0])
    tables.show(console, scenario)


def main() -> None:
    app()
