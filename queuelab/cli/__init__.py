"""The front door: the ``queuelab`` command (Typer)."""

from queuelab.cli.main import app, main

__all__ = ["app", "main"]
