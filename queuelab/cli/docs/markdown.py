"""Small Markdown helpers the generated pages share (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

REGENERATE = "python -m queuelab.cli.docs (make docs-gen)"


def generated(source: str) -> str:
    """The first line of every generated page: where it comes from, how to remake it."""
    return f"<!-- Generated from {source} by {REGENERATE}: do not edit, regenerate. -->"


def cell(text: str) -> str:
    """Text that stays in one table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def code(text: str) -> str:
    return f"`{text}`"


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def bullets(items: Iterable[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def duration(seconds: float) -> str:
    """A typical duration as people read it: ~7 s, ~7 min."""
    return f"~{seconds:.0f} s" if seconds < 120 else f"~{seconds / 60:.0f} min"


def page(*blocks: str) -> str:
    """Blocks separated by one blank line, ending with a newline; empty blocks dropped."""
    return "\n\n".join(b.strip("\n") for b in blocks if b.strip()) + "\n"
