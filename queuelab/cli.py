"""``queuelab``: list, show and run scenarios; produce and consume by hand; the local server.

Exit codes: 0 every scenario passed, 1 one failed or errored, 2 usage or configuration error.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from dotenv import load_dotenv

import scenarios
from consumer.cli import consume
from producer.cli import produce
from queuelab import report, targets, workdir
from queuelab.backend import BackendError
from queuelab.cli_doctor import run_doctor
from queuelab.cli_infra import infra_app
from queuelab.cli_local import local_app
from queuelab.outputs import OutputsError
from queuelab.plan import resource_set
from queuelab.runner import Result, run_scenario
from queuelab.scenario import Category, ParamError, Scenario
from queuelab.verdict import Status

app = typer.Typer(
    help="A laboratory for message-queue failure modes on SQS, with checked verdicts.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
app.add_typer(local_app, name="local")
app.add_typer(infra_app, name="infra")
console = report.console()
errors = report.console(stderr=True)


@app.callback()
def _main(ctx: typer.Context) -> None:
    # `produce` and `consume` by hand read .env (written by `local up` / `make infra-up`),
    # like `source .env` in the seed's README; variables already set win.
    if ctx.invoked_subcommand in ("produce", "consume"):
        load_dotenv(Path.cwd() / ".env", override=False)


app.command(help="Send synthetic messages (reads .env in the current directory).")(produce)
app.command(help="Run a consumer with chaos knobs (reads .env in the current directory).")(consume)


app.command("doctor")(run_doctor)


@app.command("list")
def list_scenarios() -> None:
    """Every scenario: name, category, what it demonstrates, typical duration."""
    console.print(report.scenario_table(scenarios.ALL))


@app.command()
def show(name: Annotated[str, typer.Argument(help="Scenario name.")]) -> None:
    """What a scenario demonstrates, its parameters, and what its verdict checks."""
    try:
        scenario = scenarios.get(name)
    except scenarios.UnknownScenario as err:
        report.fail(err.args[0])
    report.show(console, scenario)


def select(names: Sequence[str], all_: bool, category: Category | None) -> list[Scenario]:
    if names and all_:
        raise typer.BadParameter("give scenario names or --all, not both")
    if names:
        try:
            return [scenarios.get(name) for name in names]
        except scenarios.UnknownScenario as err:
            raise typer.BadParameter(err.args[0]) from None
    if all_ or category is not None:
        return list(scenarios.in_category(category))
    raise typer.BadParameter("name at least one scenario, or use --all / --category")


def parse_sets(sets: Sequence[str], selected: Sequence[Scenario]) -> dict[str, dict[str, str]]:
    """``KEY=VALUE`` (every selected scenario with that parameter) or ``NAME.KEY=VALUE``."""
    per_scenario: dict[str, dict[str, str]] = {s.name: {} for s in selected}
    for item in sets:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ParamError(f"--set {item!r}: expected KEY=VALUE or SCENARIO.KEY=VALUE")
        name, dot, param = key.rpartition(".")
        chosen = [s for s in selected if not dot or s.name == name]
        if dot and not chosen:
            raise ParamError(f"--set {item!r}: {name!r} is not among the scenarios run")
        takers = [s for s in chosen if param in s.params]
        if not takers:
            raise ParamError(f"--set {item!r}: no selected scenario has a parameter {param!r}")
        for s in takers:
            per_scenario[s.name][param] = value
    return per_scenario


@contextmanager
def _interruptible() -> Iterator[None]:
    """SIGTERM behaves like Ctrl-C: unwind, stopping every process on the way out."""

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@app.command()
def run(
    names: Annotated[list[str] | None, typer.Argument(help="Scenario names (see `list`).")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Run every scenario.")] = False,
    category: Annotated[
        Category | None, typer.Option(help="Only this category (implies --all).")
    ] = None,
    unsafe: Annotated[
        bool, typer.Option("--unsafe", help="Turn the safeguard off (negative control).")
    ] = False,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Also write the results here as JSON.")
    ] = None,
    sets: Annotated[
        list[str] | None,
        typer.Option("--set", help="Parameter override KEY=VALUE or SCENARIO.KEY=VALUE."),
    ] = None,
    target: Annotated[
        targets.Target, typer.Option(envvar="QUEUELAB_TARGET", help="Where to run.")
    ] = targets.Target.local,
    endpoint_url: Annotated[
        str | None,
        typer.Option(help="Any SQS/DynamoDB-compatible endpoint (provisioned there first)."),
    ] = None,
) -> None:
    """Run scenarios and print checked verdicts (exit 0 only if all passed)."""
    try:
        selected = select(names or [], all_, category)
        overrides = parse_sets(sets or [], selected)
    except (typer.BadParameter, ParamError) as err:
        report.fail(str(err))
    plan = {resource_set(s.resource_key(unsafe)) for s in selected}
    results: list[Result] = []
    try:
        with (
            _interruptible(),
            targets.open_session(
                target.value, endpoint_url, sorted(plan, key=lambda r: r.key)
            ) as session,
        ):
            for scenario in selected:
                mode = "unsafe" if unsafe else "safe"
                with console.status(f"{scenario.name} ({mode}) on {session.name}..."):
                    result = run_scenario(
                        session,
                        scenario,
                        unsafe=unsafe,
                        overrides=overrides[scenario.name],
                        runs_root=workdir.runs(),
                    )
                results.append(result)
                colour = report.STYLE[result.status]
                console.print(
                    f"[{colour}]{result.status.value}[/{colour}] {scenario.name} ({mode}) "
                    f"in {result.duration_s:.1f}s"
                )
    except KeyboardInterrupt:
        errors.print("interrupted: every process this run started has been stopped")
        raise typer.Exit(130) from None
    except (ParamError, targets.TargetError, OutputsError, BackendError) as err:
        report.fail(str(err))
    report.print_results(console, results)
    if json_file is not None:
        report.write_json(json_file, results)
    raise typer.Exit(0 if all(r.status is Status.PASSED for r in results) else 1)


def main() -> None:
    app()
