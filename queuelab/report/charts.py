"""The report's two charts, drawn with matplotlib as inline SVG (no script, no network).

Every drawn lease and mark gets an id (``gid``) and, as in matplotlib's SVG tooltip
example, a ``<title>`` added to the SVG afterwards, so a browser shows what it is on hover.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from typing import Any

import matplotlib
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from queuelab.report.timeline import MessageRow, MessageTimeline, QueueSeries

SVG = "http://www.w3.org/2000/svg"
ET.register_namespace("", SVG)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
STYLE: Any = {"svg.fonttype": "none", "svg.hashsalt": "queuelab", "font.size": 9}
PALETTE = matplotlib.color_sequences["tab10"]
# How each mark is drawn: marker, size, colour (None: the process's colour), label.
MARK_STYLE: dict[str, tuple[str, float, str | None]] = {
    "sent": ("|", 9, "#555555"),
    "side effect": ("*", 11, None),
    "delete": ("P", 7, "#2ca02c"),
    "delete failed": ("P", 7, "#d62728"),
    "reject": ("v", 7, "#d62728"),
    "skip": ("o", 6, "none"),
    "release": ("<", 7, "#9467bd"),
    "extend": (">", 6, "#17becf"),
    "visibility": (">", 6, "#8c564b"),
    "retry later": ("<", 6, "#ff7f0e"),
    "crash": ("X", 10, "#d62728"),
    "signal": ("s", 6, "#7f7f7f"),
    "to the DLQ": ("D", 7, "#9467bd"),
}
ANOMALY_BAND = "#fde0dd"
NOTABLE_BAND = "#fff4d6"


def colours(processes: list[str]) -> dict[str, Any]:
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(processes)}


def _svg(figure: Figure, titles: dict[str, str], element_id: str) -> str:
    buffer = io.StringIO()
    with matplotlib.rc_context(STYLE):
        figure.savefig(buffer, format="svg", bbox_inches="tight")
    root = ET.fromstring(buffer.getvalue())
    root.set("id", element_id)
    root.attrib.pop("width", None)  # scale with the page; the viewBox keeps the shape
    root.attrib.pop("height", None)
    for metadata in root.findall(f"{{{SVG}}}metadata"):  # who drew it and when: not needed
        root.remove(metadata)
    for group in root.iter(f"{{{SVG}}}g"):
        text = titles.get(group.get("id", ""))
        if text:
            title = ET.Element(f"{{{SVG}}}title")
            title.text = text
            group.insert(0, title)
    return ET.tostring(root, encoding="unicode")


def _lease_title(row: MessageRow, i: int) -> str:
    lease = row.leases[i]
    return (
        f"message {row.key}: receive {lease.receive_count} by {lease.process}, "
        f"invisible {lease.start:.2f}-{lease.end:.2f} s, ended by {lease.ended_by}"
    )


def message_chart(timeline: MessageTimeline, redrives: list[float], end: float) -> str:
    """One row per message: each receive a bar across its visibility window, coloured by
    consumer (hatched where the window expired rather than ended by a delete), a thin line
    where its consumer still worked on it after that, and marks."""
    rows = timeline.rows
    colour = colours(timeline.processes)
    height = max(1.6, 0.28 * len(rows) + 1.2)
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(11, height))
        ax = figure.add_subplot()
    titles: dict[str, str] = {}
    for y, row in enumerate(rows):
        if row.anomalous or row.notable:
            ax.axhspan(y - 0.5, y + 0.5, color=ANOMALY_BAND if row.anomalous else NOTABLE_BAND)
        for i, lease in enumerate(row.leases):
            bar = ax.barh(
                y,
                max(lease.end - lease.start, 0.02),
                left=lease.start,
                height=0.6,
                color=colour.get(lease.process, "#999999"),
                alpha=0.85,
                hatch="//" if lease.ended_by == "expired" else None,
                edgecolor="black" if lease.receive_count > 1 else "none",
                linewidth=0.6,
            )
            gid = f"lease-{y}-{i}"
            bar.patches[0].set_gid(gid)
            titles[gid] = _lease_title(row, i)
            if lease.worked_until > lease.end + 0.01:
                (line,) = ax.plot([lease.end, lease.worked_until], [y, y], lw=2.5,
                                  color=colour.get(lease.process, "#999999"))  # fmt: skip
                line.set_gid(f"work-{y}-{i}")
                titles[f"work-{y}-{i}"] = (
                    f"{lease.process} still working on {row.key} after its visibility "
                    f"window, until {lease.worked_until:.2f} s"
                )
        for j, mark in enumerate(row.marks):
            marker, size, fixed = MARK_STYLE[mark.kind]
            face = fixed if fixed is not None else colour.get(mark.process, "#999999")
            (line,) = ax.plot(
                [mark.t], [y], marker=marker, markersize=size, linestyle="none",
                markerfacecolor=face, markeredgecolor="black", markeredgewidth=0.5,
                color="#555555",
            )  # fmt: skip
            gid = f"mark-{y}-{j}"
            line.set_gid(gid)
            detail = f" ({mark.detail})" if mark.detail else ""
            titles[gid] = f"{mark.kind}{detail} by {mark.process} at {mark.t:.2f} s"
    for t in redrives:
        ax.axvline(t, color="#9467bd", linestyle="--", linewidth=1)
        ax.annotate("redrive", (t, 1.0), xycoords=("data", "axes fraction"), fontsize=8,
                    color="#9467bd", ha="left", va="bottom")  # fmt: skip
    ax.set_yticks(range(len(rows)), [r.label for r in rows], fontfamily="monospace")
    for tick, row in zip(ax.get_yticklabels(), rows, strict=True):
        if row.anomalous:
            tick.set_color("#b2182b")
            tick.set_fontweight("bold")
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(0, end)
    ax.set_xlabel("seconds since the run started")
    ax.grid(axis="x", alpha=0.3)
    handles: list[Artist] = [
        Patch(color=colour[name], label=name)
        for name in timeline.processes
        if name in {lease.process for r in rows for lease in r.leases}
    ]
    used = {m.kind for r in rows for m in r.marks}
    for kind, (marker, size, fixed) in MARK_STYLE.items():
        if kind in used:
            face = fixed if fixed is not None else "#cccccc"
            handles.append(Line2D(
                [], [], marker=marker, markersize=size * 0.8, linestyle="none",
                markerfacecolor=face, markeredgecolor="black", markeredgewidth=0.5,
                color="#555555", label=kind,
            ))  # fmt: skip
    if any(lease.ended_by == "expired" for r in rows for lease in r.leases):
        handles.append(Patch(facecolor="white", hatch="//", label="visibility expired"))
    if any(lease.worked_until > lease.end + 0.01 for r in rows for lease in r.leases):
        handles.append(Line2D([], [], lw=2.5, color="#555555", label="worked on after it"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    return _svg(figure, titles, "message-timeline")


def queue_chart(series: QueueSeries, end: float) -> str:
    """The queue's counts over time (sampled), consumers alive, completions and the
    producer's rate, with the run's phases shaded."""
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(11, 4.6))
        top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    shades = {"settle": "#e8f1fb", "stop": "#f2f2f2", "observe": "#fbf3e4", "check": "#f2f2f2"}
    for name, start, stop in series.phases:
        for ax in (top, bottom):
            if name in shades:
                ax.axvspan(start, stop, color=shades[name], zorder=0)
        if stop - start > 0.04 * end:  # a label only where it fits
            top.annotate(name, (start, 1.0), xycoords=("data", "axes fraction"), fontsize=7,
                         color="#666666", ha="left", va="bottom")  # fmt: skip
    if series.sampled:
        for name, values, colour in (
            ("visible", series.visible, "#1f77b4"),
            ("in flight", series.in_flight, "#ff7f0e"),
            ("delayed", series.delayed, "#8c564b"),
            ("DLQ", series.dlq, "#d62728"),
        ):
            if any(values) or name != "delayed":
                top.step(series.t, values, where="post", label=name, color=colour, lw=1.5)
        twin = top.twinx()
        twin.step(series.t, series.consumers, where="post", color="#2ca02c", lw=1, ls="--",
                  label="consumers")  # fmt: skip
        twin.set_ylabel("consumers")
        twin.set_ylim(0, max([*series.consumers, 1]) + 1)
        twin.legend(loc="upper right", frameon=False)
    else:
        top.text(0.5, 0.5, "no queue samples in this run (made before sampling)",
                 transform=top.transAxes, ha="center", color="#666666")  # fmt: skip
    top.set_ylabel("messages")
    top.set_ylim(bottom=0)
    if series.sampled:
        top.legend(loc="upper left", frameon=False)
    for t in series.redrives:
        top.axvline(t, color="#9467bd", linestyle="--", linewidth=1)
    if series.faults:  # each fault the endpoint injected: a tick under the counts
        at = [t for t, _ in series.faults]
        top.plot(at, [0.0] * len(at), marker="|", markersize=12, linestyle="none",
                 color="#d62728", clip_on=False, label=f"injected faults ({len(at)})")  # fmt: skip
        top.legend(loc="upper left", frameon=False)
    done = series.completed_t
    bottom.step([0.0, *done], list(range(len(done) + 1)), where="post", color="#2ca02c",
                label="completed (deleted)")  # fmt: skip
    bottom.set_ylabel("completed")
    bottom.set_xlabel("seconds since the run started")
    if series.sent_per_second:
        rate = bottom.twinx()
        seconds = sorted(series.sent_per_second)
        rate.bar([s + 0.5 for s in seconds], [series.sent_per_second[s] for s in seconds],
                 width=0.9, color="#1f77b4", alpha=0.25, label="sent per second")  # fmt: skip
        rate.set_ylabel("sent / s")
        rate.legend(loc="upper right", frameon=False)
    bottom.legend(loc="upper left", frameon=False)
    for ax in (top, bottom):
        ax.grid(axis="x", alpha=0.3)
    bottom.set_xlim(0, end)
    return _svg(figure, {}, "queue-timeline")
