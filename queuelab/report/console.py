"""Where output goes: a console for people (stdout), errors to stderr then an exit code."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console

from queuelab.check.verdict import Status

STYLE = {
    Status.PASSED: "green",
    Status.FAILED: "red",
    Status.ERROR: "yellow",
    Status.INTERRUPTED: "magenta",
    Status.SKIPPED: "blue",
    Status.NOT_APPLICABLE: "cyan",
}


def console(stderr: bool = False) -> Console:
    """A console; when output is not a terminal (CI logs, pipes), 120 columns wide."""
    made = Console(stderr=stderr)
    if not made.is_terminal:
        made.width = 120
    return made


def fail(message: str, code: int = 2) -> NoReturn:
    """An error for the user on stderr, then exit (2: usage or configuration)."""
    console(stderr=True).print(f"[red]error:[/red] {message}", soft_wrap=True, highlight=False)
    raise typer.Exit(code)
