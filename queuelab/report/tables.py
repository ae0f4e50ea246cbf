"""Showing scenarios and results: rich tables for people."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence

from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

from queuelab.check.verdict import Status
from queuelab.check.witness import METRICS as WITNESS_METRICS
from queuelab.report.console import STYLE
from queuelab.run.batch import MISSED, Outcome, as_outcome
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


def black_box_count(scenarios: Sequence[Scenario]) -> str:
    """How many scenarios judge a consumer you give, of how many (``Scenario.black_box``)."""
    judged = sum(1 for s in scenarios if s.black_box.runs)
    return (
        f"{judged} of {len(scenarios)} scenarios judge your consumer (--consumer-command); "
        "the others say why in `queuelab show NAME`"
    )


def scenario_row(s: Scenario) -> dict[str, object]:
    """A scenario for ``list --json``."""
    return {
        "name": s.name,
        "category": s.category.value,
        "topic": s.topic.value,
        "summary": s.summary,
        "typical_seconds": s.typical_seconds,
        "black_box": s.black_box.runs,
        "not_black_box_because": None if s.black_box.runs else s.black_box.why_not,
        "negative_control": s.unsafe if s.has_negative_control else None,
        "must_show": [str(e) for e in s.unsafe_shows],
        "on_demand": s.on_demand,
        "params": {
            name: {"default": p.default, "allowed": p.bounds(), "help": p.help}
            for name, p in s.params.items()
        },
    }


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
    params.add_column("allowed")
    params.add_column("meaning")
    for name, param in scenario.params.items():
        params.add_row(name, str(param.default), param.bounds(), param.help)
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


# The results table's columns: name, header, the value of an outcome; dropped from the end of
# DROPPABLE first when the terminal is too narrow, so every cell stays whole at 80 columns.
Column = tuple[str, Callable[[Outcome], str]]
COLUMNS: tuple[Column, ...] = (
    ("time", lambda o: f"{o.result.duration_s:.1f}s"),
    ("delivered", lambda o: f"{o.result.ledger.delivered}/{o.result.ledger.acknowledged}"),
    ("lost", lambda o: str(o.result.ledger.lost)),
    ("dup", lambda o: str(o.result.ledger.duplicate_side_effects)),
    ("redeliv", lambda o: str(o.result.ledger.redeliveries)),
    ("DLQ", lambda o: str(o.result.ledger.dead_lettered)),
    ("stuck", lambda o: str(o.result.ledger.stuck)),
)
DROPPABLE = ("stuck", "redeliv", "delivered", "DLQ", "time")


def styled(outcome: Outcome) -> str:
    """The outcome's word in its colour: a caught control is green, a missed one red."""
    colour = "green" if outcome.colour_ok else STYLE[outcome.result.status]
    if outcome.label == MISSED:
        colour = "red"
    return f"[{colour}]{outcome.label}[/{colour}]"


def _needed(table: Table) -> int:
    """The columns a table takes unwrapped, measured by rich itself."""
    wide = Console(file=io.StringIO(), width=10_000)
    return Measurement.get(wide, wide.options, table).maximum


def results_table(results: Iterable[Outcome | Result], width: int = 120) -> Table:
    """The verdicts, one row per run; on a narrow terminal the least telling counts are left
    out (stuck, redeliveries, delivered, DLQ, time) rather than any cell cut short."""
    outcomes = [as_outcome(r) for r in results]
    columns = list(COLUMNS)
    table = _table(outcomes, columns)
    for name in DROPPABLE:
        if _needed(table) <= width:
            break
        columns = [c for c in columns if c[0] != name]
        table = _table(outcomes, columns)
    return table


def _table(outcomes: list[Outcome], columns: list[Column]) -> Table:
    table = Table(title="verdicts", box=box.SIMPLE_HEAD)
    for column in ("scenario", "mode", "status"):
        table.add_column(column, no_wrap=True)
    for name, _ in columns:
        table.add_column(name, justify="right", no_wrap=True)
    for o in outcomes:
        mode = "unsafe" if o.result.unsafe else "safe"
        table.add_row(o.result.scenario, mode, styled(o), *(value(o) for _, value in columns))
    return table


def print_results(console: Console, results: list[Outcome] | list[Result]) -> None:
    outcomes = [as_outcome(r) for r in results]
    console.print(results_table(outcomes, console.width))
    for o in outcomes:
        shown = {k: v for k, v in o.result.ledger.extra.items() if v or k not in WITNESS_METRICS}
        if shown:
            measured = ", ".join(f"{k}={v:g}" for k, v in shown.items())
            console.print(f"{o.result.scenario}: {measured}", style="dim", highlight=False)
    for o in outcomes:
        r = o.result
        mode = " (unsafe)" if r.unsafe else ""
        if o.control and o.ok:
            console.print(
                f"[green]{r.scenario}{mode} caught:[/green] the negative control "
                f"({o.turned_off}) showed what the checker must report: " + "; ".join(r.reasons),
                highlight=False,
            )
        elif not o.ok or r.status is not Status.PASSED:
            colour = "red" if o.label == MISSED else STYLE[r.status]
            console.print(
                f"[{colour}]{r.scenario}{mode} {o.label}:[/{colour}] "
                + "; ".join(o.problems or r.reasons),
                highlight=False,
            )
            console.print(f"  journal: {r.run_dir / 'journal.json'}", style="dim", highlight=False)
