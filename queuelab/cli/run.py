"""``queuelab run``: run scenarios and print checked verdicts.

Exit codes: 0 every scenario passed, 1 one failed or could not be judged, 2 usage or
configuration error, 130 interrupted (Ctrl-C or SIGTERM; the table so far is printed).
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

import scenarios
from queuelab import workdir
from queuelab.backend import BackendError
from queuelab.check.verdict import Status
from queuelab.contract import faults as fault_spec
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.knobs import lookalikes
from queuelab.contract.processes import EXIT_INTERRUPTED
from queuelab.esm.function import PYTHON
from queuelab.report import tables
from queuelab.report.console import STYLE, console, fail
from queuelab.report.junit import write_junit
from queuelab.report.live import watching
from queuelab.report.results import write_json
from queuelab.run.batch import run_many
from queuelab.run.drivers import Consumer, ConsumerError
from queuelab.run.params import ParamError
from queuelab.run.result import Result
from queuelab.run.runner import run_scenario
from queuelab.run.scenario import Category, Scenario, resolve_params
from queuelab.targets import session as targets
from queuelab.targets.outputs import OutputsError

# The scenarios mostly wait (on queues, visibility timeouts, subprocesses), so more of them
# than cores run well side by side; the embedded server, one process, is the limit.
DEFAULT_JOBS = max(4, os.cpu_count() or 1)
out = console()
errors = console(stderr=True)


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


def consumer_argv(command: str, unsafe: bool) -> list[str]:
    """``--consumer-command``, split as a shell would (it is not run by one)."""
    if not command:
        return []
    if unsafe:
        raise typer.BadParameter(
            "--unsafe turns off queuelab's own consumer's safeguards; a consumer given with "
            "--consumer-command is judged on the safe expectations (its negative control is a "
            "consumer without them, e.g. examples/naive_consumer.py)"
        )
    try:
        argv = shlex.split(command)
    except ValueError as err:
        raise typer.BadParameter(f"--consumer-command {command!r}: {err}") from None
    if not argv or shutil.which(argv[0]) is None:
        raise typer.BadParameter(f"--consumer-command {command!r}: no such command")
    return argv


def warn_about_knobs_in_the_environment() -> None:
    """Scenarios set their consumers' knobs themselves: one exported in the shell (or
    something that looks like one) changes nothing, so say so."""
    knobs = {k.env for k in ConsumerKnobs.declarations() if k.env and k.env != "AWS_REGION"}
    ignored = sorted(name for name in os.environ if name in knobs)
    for name in ignored:
        errors.print(
            f"[yellow]note:[/yellow] {name} is set in your environment; scenarios "
            "set their own consumer knobs, so it is ignored",
            highlight=False,
        )
    for name, meant in lookalikes(os.environ, ConsumerKnobs):
        errors.print(f"[yellow]note:[/yellow] {name} looks like the consumer knob {meant} "
                     "(it is none, and ignored)", highlight=False)  # fmt: skip


@contextmanager
def interruptible() -> Iterator[None]:
    """SIGTERM behaves like Ctrl-C: unwind, stopping every process on the way out."""

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _line(result: Result) -> None:
    colour = STYLE[result.status]
    mode = "unsafe" if result.unsafe else "safe"
    out.print(
        f"[{colour}]{result.status.value}[/{colour}] {result.scenario} ({mode}) "
        f"in {result.duration_s:.1f}s"
    )


def write_report(result: Result) -> None:
    """``report.html`` next to the journal; a report that cannot be made is a warning."""
    from queuelab.report import html  # matplotlib: imported when a report is drawn

    try:
        about = scenarios.get(result.scenario).summary
        path = html.write_report(result.run_dir, about)
    except Exception as err:  # the verdict stands without its picture
        errors.print(f"[yellow]note:[/yellow] no report for {result.run_dir}: {err}")
        return
    out.print(f"  report: {path}", style="dim", highlight=False, soft_wrap=True)


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
    junit_file: Annotated[
        Path | None,
        typer.Option("--junit", help="Also write the results here as JUnit XML (for CI)."),
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
    faults: Annotated[
        str,
        typer.Option(
            envvar="QUEUELAB_FAULTS",
            help='Endpoint faults for every run, e.g. "throttle=0.1,error=0.05" (docs: the '
            "nemesis). Scenarios that cannot take them are skipped, saying why.",
        ),
    ] = "",
    seed: Annotated[
        int | None, typer.Option(help="Seed of the faults (the same seed replays them).")
    ] = None,
    consumer_command: Annotated[
        str,
        typer.Option(
            envvar="QUEUELAB_CONSUMER_COMMAND",
            help='Your consumer instead of queuelab\'s, e.g. "python my_worker.py", judged '
            'black-box (docs: "Test your own consumer").',
        ),
    ] = "",
    handler: Annotated[
        str,
        typer.Option(
            "--lambda-handler",
            envvar="QUEUELAB_LAMBDA_HANDLER",
            help="Your Lambda handler instead of queuelab's consumer, PATH:module.function "
            "(e.g. examples/lambda/python:correct.handler), behind an SQS event source "
            'mapping, judged black-box (docs: "Lambda consumers").',
        ),
    ] = "",
    runtime: Annotated[
        str,
        typer.Option(
            "--lambda-runtime",
            envvar="QUEUELAB_LAMBDA_RUNTIME",
            help="The handler's runtime: python (awslambdaric) or node (aws-lambda-ric "
            "installed beside the handler).",
        ),
    ] = PYTHON,
    jobs: Annotated[
        int,
        typer.Option(
            min=1,
            max=32,
            envvar="QUEUELAB_JOBS",
            show_default=False,  # the machine's: the help says how it is chosen
            help="Scenarios run side by side (each on its own resources; those that measure "
            "a timing window run alone). Default: the number of cores, at least 4.",
        ),
    ] = DEFAULT_JOBS,
) -> None:
    """Run scenarios and print checked verdicts (exit 0 only if all passed or were skipped)."""
    try:
        selected = select(names or [], all_, category)
        overrides = parse_sets(sets or [], selected)
        for scenario in selected:  # a value out of bounds is refused before anything runs
            resolve_params(scenario, overrides[scenario.name])
        fault_spec.parse(faults)
        foreign = consumer_argv(consumer_command, unsafe)
        consumer = Consumer.of(foreign, handler, runtime, unsafe=unsafe)
    except (typer.BadParameter, ParamError, fault_spec.FaultSpecError, ConsumerError) as err:
        fail(str(err) if not isinstance(err, fault_spec.FaultSpecError) else f"--faults {err}")
    warn_about_knobs_in_the_environment()
    plan = sorted({s.resource_set(unsafe) for s in selected}, key=lambda r: r.key)
    results: list[Result] = []
    interrupted = False
    try:
        with (
            interruptible(),
            targets.open_session(target.value, endpoint_url, plan) as session,
            watching(out, [s.name for s in selected]) as sink,
        ):

            def start(scenario: Scenario, cancel: threading.Event) -> Result:
                return run_scenario(
                    session,
                    scenario,
                    unsafe=unsafe,
                    overrides=overrides[scenario.name],
                    runs_root=workdir.runs(),
                    faults=faults,
                    seed=seed,
                    sink=sink,
                    cancel=cancel,
                    consumer=consumer,
                )

            def finished(result: Result) -> None:
                _line(result)
                write_report(result)

            # The SQS behaviours the selection relies on, probed side by side before any run
            # starts: the runs then find their rows instead of queueing for each other's.
            session.conformance.rows({n for s in selected for n in (*s.relies_on, *s.adapts_to)})
            batch = run_many(selected, jobs, start, finished)
            results, interrupted = batch.ordered(), batch.interrupted
    except KeyboardInterrupt:
        interrupted = True
    except (ParamError, targets.TargetError, OutputsError, BackendError) as err:
        fail(str(err))
    if interrupted:
        errors.print("interrupted: every process this run started has been stopped")
    tables.print_results(out, results)
    if results:
        from queuelab.report import html

        index = html.write_index(workdir.runs())
        if len(results) > 1:
            out.print(f"index of the runs: {index}", highlight=False, soft_wrap=True)
    if json_file is not None:
        write_json(json_file, results)
    if junit_file is not None:
        write_junit(junit_file, results)
    if interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)
    raise typer.Exit(0 if all_passed(results) else 1)


def all_passed(results: list[Result]) -> bool:
    """Every run passed, was skipped or was not applicable (with its reason), and at least
    one ran."""
    ran = [r for r in results if r.status is not Status.SKIPPED]
    return bool(ran) and all(r.status.ok for r in ran)
