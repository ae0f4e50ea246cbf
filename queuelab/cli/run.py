"""``queuelab run``: run scenarios and print checked verdicts.

Exit codes: 0 every scenario passed, 1 one failed or could not be judged, 2 usage or
configuration error, 130 interrupted (Ctrl-C or SIGTERM; the table so far is printed).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from queuelab import workdir
from queuelab.backend import BackendError
from queuelab.cli import api, outputs, request
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.knobs import lookalikes
from queuelab.contract.processes import EXIT_INTERRUPTED
from queuelab.esm.function import PYTHON
from queuelab.report import tables
from queuelab.report.console import STYLE, console, fail
from queuelab.report.junit import write_junit
from queuelab.report.live import watching
from queuelab.report.live_page import LivePage
from queuelab.report.results import write_json
from queuelab.report.summary import write_summary
from queuelab.run.batch import Outcome, jobs_for
from queuelab.run.drivers import Consumer, ConsumerError
from queuelab.run.events import fan_out, ignore
from queuelab.run.scenario import Category
from queuelab.targets import session as targets
from queuelab.targets.outputs import OutputsError

# The scenarios mostly wait (on queues, visibility timeouts, subprocesses), so more of them
# than cores run well side by side: up to this many, more than four only while the CPU has
# idle time (queuelab.run.headroom).
DEFAULT_JOBS = max(api.JOBS, os.cpu_count() or 1)
out = console()
errors = console(stderr=True)


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


@contextmanager
def live_page(serve: bool, port: int, lab: api.Session) -> Iterator[LivePage | None]:
    """``--serve``: the live page, for as long as the runs go."""
    if not serve:
        yield None
        return
    try:
        page = LivePage(port, lab.visibility())
    except OSError as err:
        raise request.RequestError(f"--serve-port {port}: {err.strerror}") from None
    with page:
        yield page


def _line(outcome: Outcome, say: Callable[..., None] = out.print) -> None:
    result = outcome.result
    colour = "green" if outcome.ok and outcome.control else STYLE[result.status]
    mode = "unsafe" if result.unsafe else "safe"
    say(
        f"[{colour}]{outcome.label}[/{colour}] {result.scenario} ({mode}) "
        f"in {result.duration_s:.1f}s"
    )
    if outcome.report is not None:
        say(f"  report: {outcome.report}", style="dim", highlight=False, soft_wrap=True)
    if outcome.note:
        say(f"[yellow]note:[/yellow] {outcome.note}", highlight=False)


def run(
    names: Annotated[list[str] | None, typer.Argument(help="Scenario names (see `list`).")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Run every scenario.")] = False,
    category: Annotated[
        Category | None, typer.Option(help="Only this category (implies --all).")
    ] = None,
    unsafe: Annotated[
        bool,
        typer.Option(
            "--unsafe",
            help="Turn the safeguard off: the negative control, 'caught' when the checker "
            "reports the anomaly the scenario declares.",
        ),
    ] = False,
    controls: Annotated[
        bool,
        typer.Option(
            "--controls",
            help="Each scenario safe, then its negative control: the safe run must pass and "
            "the control must show its anomaly ('caught').",
        ),
    ] = False,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Also write the results here as JSON.")
    ] = None,
    junit_file: Annotated[
        Path | None,
        typer.Option("--junit", help="Also write the results here as JUnit XML (for CI)."),
    ] = None,
    summary_md: Annotated[
        Path | None,
        typer.Option(
            "--summary-md",
            envvar="GITHUB_STEP_SUMMARY",
            show_envvar=True,
            help="Also append the verdicts here as Markdown (a CI job's summary page).",
        ),
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
    serve: Annotated[
        bool,
        typer.Option(
            "--serve",
            help="Serve a live page on loopback while the runs go: the queue and message "
            "timelines, as the report draws them, updated every second.",
        ),
    ] = False,
    serve_port: Annotated[
        int, typer.Option(min=0, max=65535, help="The live page's port (0: any free one).")
    ] = 0,
    jobs: Annotated[
        int,
        typer.Option(
            min=1,
            max=32,
            envvar="QUEUELAB_JOBS",
            show_default=False,  # the machine's: the help says how it is chosen
            help="Most scenarios run side by side (each on its own resources; those that "
            "measure a timing window run alone); beyond four, one more starts only while the "
            "CPU has idle time. Default: the number of cores, at least 8.",
        ),
    ] = DEFAULT_JOBS,
) -> None:
    """Run scenarios and print checked verdicts (exit 0 only if every run passed, was
    skipped or not applicable, and every negative control caught its anomaly)."""
    try:
        selected = request.select(names or [], all_, category)
        overrides = request.parse_sets(sets or [], selected)
        request.check(selected, unsafe, controls, consumer_command=consumer_command,
                  params=overrides, faults=faults)  # fmt: skip
        outputs.check_writable(json=json_file, junit=junit_file, summary_md=summary_md)
        if endpoint_url and target is not targets.Target.local:
            raise request.RequestError("--endpoint-url and --target aws exclude each other")
        if handler and consumer_command:
            raise request.RequestError("give --lambda-handler or --consumer-command, not both")
        lambda_ = Consumer.of((), handler, runtime, unsafe=unsafe or controls) if handler else None
    except (request.RequestError, outputs.Unwritable, ConsumerError) as err:
        fail(str(err))
    warn_about_knobs_in_the_environment()
    planned = [job.key for job in jobs_for(selected, unsafe, controls)]
    results = api.Results()
    try:
        with (
            interruptible(),
            api.Session(target.value, endpoint_url=endpoint_url, provision=selected) as lab,
            live_page(serve, serve_port, lab) as page,
            watching(out, planned) as view,
        ):
            if page is not None:
                view.say(f"live page: {page.url}", highlight=False)
            results = lab.run_all(
                selected, unsafe=unsafe, controls=controls, consumer=lambda_,
                consumer_command=consumer_command,
                params=overrides, faults=faults, seed=seed, jobs=jobs,
                sink=fan_out((view.sink, page or ignore)),
                finished=lambda outcome: _line(outcome, view.say),
            )  # fmt: skip
    except KeyboardInterrupt:
        results.interrupted = True
    except (targets.TargetError, OutputsError, BackendError, request.RequestError) as err:
        fail(str(err))
    if results.interrupted:
        errors.print("interrupted: every process this run started has been stopped")
    tables.print_results(out, results.outcomes)
    if len(results) > 1:
        index = workdir.runs() / "index.html"
        out.print(f"index of the runs: {index}", highlight=False, soft_wrap=True)
    if json_file is not None:
        write_json(json_file, results.outcomes)
    if junit_file is not None:
        write_junit(junit_file, results.outcomes)
    if summary_md is not None:
        write_summary(summary_md, results.outcomes, results.interrupted)
    if results.interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)
    raise typer.Exit(0 if results.ok else 1)
