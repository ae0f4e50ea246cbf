"""Showing scenarios and results: rich tables for people."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.table import Table

from queuelab.check.verdict import Status
from queuelab.check.witness import METRICS as WITNESS_METRICS
from queuelab.report.console import STYLE
from queuelab.run.result import Result
from queuelab.run.scenario import Scenario
from queuelab.targets import semantics


def scenario_table(scenarios: Iterable[Scenario]) -> Table:
    table = Table(title="queuelab scenarios")
    table.add_column("name", style="bold")
    table.add_column("category")
    table.add_column("demonstrates")
    table.add_column("typical", justify="right")
    table.add_column("black-box", justify="center")  # runs with --consumer-command
    for s in scenarios:
        box = "yes" if s.black_box.runs else "no"
        table.add_row(s.name, s.category.value, s.summary, f"{s.typical_seconds:.0f} s", box)
    return table


def show(console: Console, scenario: Scenario) -> None:
    heading = f"({scenario.category.value}, ~{scenario.typical_seconds:.0f} s)"
    console.print(f"[bold]{scenario.name}[/bold] {heading}")
    console.print(scenario.summary)
    console.print()
    console.print(scenario.demonstrates)
    if scenario.limits:
        console.print(f"\n[yellow]Embedded backend limit:[/yellow] {scenario.limits}")
    params = Table(title="parameters (override with --set NAME=VALUE)")
    params.add_column("name")
    params.add_column("default", justify="right")
    params.add_column("meaning")
    for name, param in scenario.params.items():
        params.add_row(name, str(param.default), param.help)
    console.print(params)
    console.print("[bold]The verdict checks[/bold]")
    for expect in scenario.expectations:
        console.print(f"  {expect}")
    if scenario.preconditions:
        console.print("[bold]The failure mode must really happen (else: error)[/bold]")
        for expect in scenario.preconditions:
            console.print(f"  {expect}")
    console.print(f"[bold]--unsafe[/bold] {scenario.unsafe}; the checker must then report:")
    for expect in scenario.unsafe_shows:
        console.print(f"  {expect}")
    if scenario.relies_on:
        console.print("[bold]Relies on (a target that differs makes the run an error)[/bold]")
        for name in scenario.relies_on:
            console.print(f"  {name}: {semantics.get(name).behaviour}")
    if scenario.adapts_to:
        console.print("[bold]Adapts to (the journal says where the target differs)[/bold]")
        for name in scenario.adapts_to:
            console.print(f"  {name}: {semantics.get(name).behaviour}")
    box = scenario.black_box
    verdict = "yes" if box.runs else f"no: {box.why_not}"
    console.print(f"[bold]Black-box[/bold] (your consumer, --consumer-command): {verdict}")


def results_table(results: Iterable[Result]) -> Table:
    table = Table(title="verdicts")
    for column in ("scenario", "mode", "status"):
        table.add_column(column, no_wrap=True)
    for column in ("time", "delivered", "lost", "dup", "redeliv", "DLQ", "stuck"):
        table.add_column(column, justify="right", no_wrap=True)
    for r in results:
        ledger = r.ledger
        table.add_row(
            r.scenario,
            "unsafe" if r.unsafe else "safe",
            f"[{STYLE[r.status]}]{r.status.value}[/{STYLE[r.status]}]",
            f"{r.duration_s:.1f}s",
            f"{ledger.delivered}/{ledger.acknowledged}",
            str(ledger.lost),
            str(ledger.duplicate_side_effects),
            str(ledger.redeliveries),
            str(ledger.dead_lettered),
            str(ledger.stuck),
        )
    return table


def print_results(console: Console, results: list[Result]) -> None:
    console.print(results_table(results))
    for r in results:
        shown = {k: v for k, v in r.ledger.extra.items() if v or k not in WITNESS_METRICS}
        if shown:
            measured = ", ".join(f"{k}={v:g}" for k, v in shown.items())
            console.print(f"{r.scenario}: {measured}", style="dim", highlight=False)
    for r in results:
        if r.status is not Status.PASSED:
            colour = STYLE[r.status]
            console.print(
                f"[{colour}]{r.scenario} {r.status.value}:[/{colour}] " + "; ".join(r.reasons)
            )
            console.print(f"  journal: {r.run_dir / 'journal.json'}", style="dim", highlight=False)
