"""``queuelab soak``: many randomized runs of the ``soak`` scenario (faults at the endpoint,
crashes, SIGKILL, SIGSTOP/SIGCONT, slow work, poison; every safeguard on), a progress bar,
a table, and one closing line. Every run that does not pass prints how to replay it."""

from __future__ import annotations

import random
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from queuelab import workdir
from queuelab.check.verdict import Status
from queuelab.contract.processes import EXIT_INTERRUPTED
from queuelab.report.console import STYLE, console, fail
from queuelab.run.result import Interrupted, Result
from queuelab.run.runner import run_scenario
from queuelab.targets import session as targets
from scenarios.soak import SOAK, Mix

out = console()


def soak(
    runs: Annotated[int, typer.Option(min=1, max=10_000, help="How many runs.")] = 10,
    seed: Annotated[
        int | None, typer.Option(help="Seed of the whole soak (random if not given).")
    ] = None,
    mix: Annotated[
        int | None, typer.Option(help="Replay one mix (the seed a failing run printed).")
    ] = None,
) -> None:
    """Randomized mixes of faults and chaos with every safeguard on; exit 0 only if every
    run passed (nothing lost, no side effect twice)."""
    seed = random.randrange(2**31) if seed is None else seed
    rng = random.Random(seed)
    mixes = [mix] if mix is not None else [rng.randrange(2**31) for _ in range(runs)]
    results: list[tuple[int, Result]] = []
    interrupted = False
    columns = (TextColumn("soak"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        plan = [SOAK.resources]
        with (
            targets.open_session("local", None, plan) as session,
            Progress(*columns, console=out, transient=True) as progress,
        ):
            task = progress.add_task("soak", total=len(mixes))
            for mix_seed in mixes:
                result = run_scenario(
                    session,
                    SOAK,
                    overrides={"mix": str(mix_seed)},
                    runs_root=workdir.runs(),
                    faults=Mix.draw(mix_seed).faults,
                    seed=mix_seed,
                )
                results.append((mix_seed, result))
                progress.advance(task)
    except Interrupted as stopped:
        results.append((-1, stopped.result))
        interrupted = True
    except KeyboardInterrupt:
        interrupted = True
    except (targets.TargetError, OSError) as err:
        fail(str(err))
    out.print(table(results))
    lost = sum(r.ledger.lost for _, r in results)
    duplicates = sum(r.ledger.duplicate_side_effects for _, r in results)
    errors = sum(r.status is Status.ERROR for _, r in results)
    failed = sum(r.status is Status.FAILED for _, r in results)
    for mix_seed, r in results:
        if r.status is not Status.PASSED and mix_seed >= 0:
            out.print(
                f"[{STYLE[r.status]}]{r.status.value}[/] mix {mix_seed}: {'; '.join(r.reasons)}\n"
                f"  replay: queuelab soak --mix {mix_seed}   journal: {r.run_dir}/journal.json",
                highlight=False,
            )
    out.print(
        f"soak seed {seed}: {len(results)} runs, {lost} lost, {duplicates} duplicate side "
        f"effects, {failed} failed, {errors} errors",
        highlight=False,
    )
    if interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)
    ok = results and all(r.status is Status.PASSED for _, r in results)
    raise typer.Exit(0 if ok else 1)


def table(results: list[tuple[int, Result]]) -> Table:
    shown = Table(title="soak")
    for column in ("mix", "status", "time", "faults", "lost", "dup", "DLQ", "what happened"):
        shown.add_column(
            column,
            justify="right" if column in ("time", "faults", "lost", "dup", "DLQ") else "left",
        )
    for mix_seed, r in results:
        colour = STYLE[r.status]
        shown.add_row(
            str(mix_seed),
            f"[{colour}]{r.status.value}[/{colour}]",
            f"{r.duration_s:.1f}s",
            f"{r.ledger.extra.get('faults_injected', 0):g}",
            str(r.ledger.lost),
            str(r.ledger.duplicate_side_effects),
            str(r.ledger.dead_lettered),
            Mix.draw(mix_seed).describe() if mix_seed >= 0 else "",
        )
    return shown
