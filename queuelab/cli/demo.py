"""``queuelab demo``: one failure mode end to end, for a first look. It runs ``dup`` with
its safeguard on, then off (the negative control), on the embedded backend, and tells what
happened in each and where to look next. Exit 0 when the safe run passed and the unsafe one
showed its anomaly."""

from __future__ import annotations

import typer

import scenarios
from queuelab.backend import BackendError
from queuelab.cli import api
from queuelab.cli.hints import me, near
from queuelab.cli.run import interruptible
from queuelab.contract.processes import EXIT_INTERRUPTED
from queuelab.report import story
from queuelab.report.console import console, fail
from queuelab.run.result import Result
from queuelab.targets import session as targets

out = console()
REPORT = "report.html"

SCENARIO = "dup"


def demo() -> None:
    """Run `dup` safe then unsafe and explain the difference (under a minute)."""
    scenario = scenarios.get(SCENARIO)
    out.print(
        f"[bold]{scenario.name}[/bold]: {scenario.demonstrates}\n"
        "Starting the embedded SQS/DynamoDB server (moto, on loopback) ...",
        highlight=False,
    )
    results: list[Result] = []
    try:  # the API's path, as queuelab run's: each run's report, a control judged as one
        with interruptible(), api.Session("local", provision=[scenario]) as lab:
            for off, what in ((False, "with its safeguard on"), (True, "with it off")):
                with out.status(f"running {scenario.name} {what} (about 10 s) ..."):
                    outcome = lab.run(scenario, unsafe=off)
                out.print(f"ran {scenario.name} {what}: {outcome.label}")
                results.append(outcome.result)
    except KeyboardInterrupt:
        out.print("interrupted: every process has been stopped")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except (targets.TargetError, BackendError) as err:
        fail(str(err))
    safe, unsafe = results
    out.print(story.side_by_side(safe, unsafe))
    for sentence in story.sentences(safe, unsafe):
        out.print(sentence, highlight=False)
    out.print(
        "\n[bold]Where to look next[/bold]\n"
        f"  the two runs as timelines, in a browser: {near(safe.run_dir / REPORT)}\n"
        f"                                     and {near(unsafe.run_dir / REPORT)}\n"
        f"  the scenario, its checks and knobs: {me()} show dup\n"
        f"  the next failure mode: {me()} run dup-side-effects  (a crash after the side "
        "effect; add --unsafe for its negative control)\n"
        f"  every scenario: make scenarios  (or {me()} run --all)",
        highlight=False,
        soft_wrap=True,
    )
    raise typer.Exit(0 if story.told_the_story(safe, unsafe) else 1)
