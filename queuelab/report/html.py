"""``report.html`` of a run and ``index.html`` of the runs: one self-contained file each
(inline CSS and SVG, no script, nothing fetched), rendered with Jinja2 templates."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2

from queuelab.report import charts, explain, outcome_file
from queuelab.report.rundir import RunDir
from queuelab.report.timeline import message_timeline, queue_series
from queuelab.run import journal
from queuelab.run.events import Kind
from queuelab.run.sampler import INTERVAL_SECONDS

REPORT = "report.html"
INDEX = "index.html"
FLAGGED_LISTED = 30


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:.0f}"
    return str(value)


ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("queuelab.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENVIRONMENT.filters["fmt"] = _fmt


def scraped_metrics(run: RunDir) -> dict[str, dict[str, float]]:
    """Each consumer's last scrape of its /metrics, by consumer, in short names (the
    processing-time histogram as its mean)."""
    scraped = {}
    for event in run.of_kind(Kind.METRICS):
        values = {k.removeprefix("messages_"): v for k, v in event.values["values"].items()}
        count = values.pop("processing_seconds_count", 0)
        total = values.pop("processing_seconds_sum", 0)
        if count:
            values["mean processing s"] = round(total / count, 3)
        scraped[str(event.values.get("name"))] = values
    return scraped


def render_report(run: RunDir, about: str = "") -> str:
    messages = message_timeline(run)
    series = queue_series(run)
    flagged = [row for row in messages.rows if row.notable]
    verdict = run.journal.get("verdict", {})
    ledger = run.journal.get("ledger", {})
    metrics = {k: v for k, v in ledger.items() if isinstance(v, int | float)}
    metrics |= ledger.get("extra", {})
    end = max([messages.end, *series.t, *(stop for _, _, stop in series.phases)]) * 1.02
    scraped = scraped_metrics(run)
    columns = sorted({name for values in scraped.values() for name in values})
    outcome = outcome_file.read(run.path)
    return ENVIRONMENT.get_template("report.html.j2").render(
        run=run,
        outcome=outcome,
        story=explain.story(run.journal, outcome),
        notes=explain.notes(run.journal),
        shown_status=outcome.get("outcome") if outcome.get("control") else run.status,
        journal=run.journal,
        mode="unsafe" if run.journal.get("unsafe") else "safe",
        about=about,
        checks=verdict.get("checks", []),
        reasons=verdict.get("reasons", []),
        params=run.journal.get("params", {}),
        metrics=metrics,
        messages=messages,
        message_svg=charts.message_chart(messages, series.redrives, end) if messages.rows else "",
        flagged=flagged[:FLAGGED_LISTED],
        flagged_more=max(0, len(flagged) - FLAGGED_LISTED),
        queue_svg=charts.queue_chart(series, end),
        interval=INTERVAL_SECONDS,
        scraped=scraped,
        scraped_columns=columns,
    )


def write_report(run_dir: Path, about: str = "") -> Path:
    """Write ``report.html`` in the run directory; its path."""
    run = RunDir.load(run_dir)
    path = run_dir / REPORT
    path.write_text(render_report(run, about))
    return path


def _summary(run_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((run_dir / journal.FILE).read_text())
    except (OSError, ValueError):
        return None
    verdict = data.get("verdict", {})
    started = _started(run_dir, data)
    outcome = outcome_file.read(run_dir)
    status = verdict.get("status", "unknown")
    why = verdict.get("reasons", [])
    if outcome.get("control"):  # a negative control: caught or missed, saying what it had to show
        status = outcome.get("outcome", status)
        shown = ", ".join(outcome.get("must_show", []))
        why = outcome.get("problems") or [f"negative control: the checker had to report {shown}"]
    return {
        "started": started.strftime("%Y-%m-%d %H:%M:%S"),
        "mtime": started.timestamp(),
        "scenario": data.get("scenario", run_dir.name),
        "mode": "unsafe" if data.get("unsafe") else "safe",
        "status": status,
        "duration": data.get("duration_s", ""),
        "why": "; ".join(why)[:300],
        "report": f"{run_dir.name}/{REPORT}" if (run_dir / REPORT).exists() else "",
        "journal": f"{run_dir.name}/{journal.FILE}",
    }


def _started(run_dir: Path, data: dict[str, Any]) -> datetime:
    """When the run started: its first event, else its journal's time less its duration
    (the journal is written at the end)."""
    first = run_dir / "events.jsonl"
    try:
        with first.open() as lines:
            return datetime.fromtimestamp(float(json.loads(lines.readline())["time"]), UTC)
    except (OSError, ValueError, KeyError, TypeError):
        ended = (run_dir / journal.FILE).stat().st_mtime
        return datetime.fromtimestamp(ended - float(data.get("duration_s") or 0), UTC)


def write_index(runs_root: Path) -> Path:
    """Write ``index.html`` in the runs directory: every run there, newest first, with its
    verdict and a link to its report. A runs directory that does not exist yet is created
    (an interrupted first run may have written nothing)."""
    runs_root.mkdir(parents=True, exist_ok=True)
    runs = [s for d in runs_root.iterdir() if d.is_dir() and (s := _summary(d)) is not None]
    runs.sort(key=lambda s: s["mtime"], reverse=True)
    path = runs_root / INDEX
    page = ENVIRONMENT.get_template("index.html.j2").render(runs=runs, root=runs_root)
    path.write_text(page)
    return path
