"""``--summary-md PATH``: the verdicts as Markdown, for a CI job's summary page (GitHub
Actions shows ``$GITHUB_STEP_SUMMARY``, the default when it is set). A negative control
reads as what it is: ``caught`` when the checker showed the anomaly it must."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from queuelab.run.batch import CAUGHT, MISSED, Outcome, as_outcome
from queuelab.run.result import Result

MARK = {"passed": "✅", CAUGHT: "✅", "not applicable": "⚪", "skipped": "⏭️", MISSED: "❌"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(results: Iterable[Outcome | Result], interrupted: bool = False) -> str:
    outcomes = [as_outcome(r) for r in results]
    fine = sum(o.ok for o in outcomes)
    verdict = (
        "all as expected"
        if fine == len(outcomes) and not interrupted
        else (f"{len(outcomes) - fine} to look at")
    )
    if interrupted:
        verdict += " (interrupted)"
    lines = [
        f"## queuelab: {len(outcomes)} runs, {verdict}",
        "",
        "| scenario | mode | outcome | time | delivered | lost | dup | DLQ |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for o in outcomes:
        r, ledger = o.result, o.result.ledger
        mode = "negative control" if o.control else ("unsafe" if r.unsafe else "safe")
        mark = MARK.get(o.label, "❌" if r.status.value == "failed" else "⚠️")
        lines.append(
            f"| {r.scenario} | {mode} | {mark} {o.label} | {r.duration_s:.1f}s "
            f"| {ledger.delivered}/{ledger.acknowledged} | {ledger.lost} "
            f"| {ledger.duplicate_side_effects} | {ledger.dead_lettered} |"
        )
    told = [o for o in outcomes if o.control or not o.ok]
    if told:
        lines.append("")
    for o in told:
        r = o.result
        if o.control and o.ok:
            must = ", ".join(f"`{e}`" for e in o.must_show)
            lines.append(
                f"- **{r.scenario}** (negative control: {_cell(o.turned_off)}): caught, the "
                f"checker reported {must} as it must"
            )
        else:
            why = "; ".join(o.problems or r.reasons) or r.status.value
            lines.append(f"- **{r.scenario}** ({o.label}): {_cell(why)}")
    return "\n".join(lines) + "\n"


def write_summary(
    path: Path, results: Iterable[Outcome | Result], interrupted: bool = False
) -> None:
    """Appends: a job's summary file gathers every step's."""
    with path.open("a") as out:
        out.write(markdown(results, interrupted))
