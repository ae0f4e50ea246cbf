"""Where a command writes its results (``--json``, ``--junit``, ``--summary-md``): each path
checked before anything runs, so a typo costs nothing (exit 2, one line)."""

from __future__ import annotations

import os
from pathlib import Path


class Unwritable(ValueError):
    """An output path that cannot be written, or two outputs on one path."""


def problem(path: Path) -> str:
    """Why ``path`` cannot be written ("" if it can): a folder, a missing or read-only
    folder, a read-only file."""
    if path.is_dir():
        return "is a folder"
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        return f"its folder {folder} does not exist"
    if path.exists() and not os.access(path, os.W_OK):
        return "is read-only"
    if not path.exists() and not os.access(folder, os.W_OK | os.X_OK):
        return f"its folder {folder} is read-only"
    return ""


def check_writable(**paths: Path | None) -> None:
    """``check_writable(json=..., junit=...)``: each given path writable, no two the same."""
    seen: dict[Path, str] = {}
    for flag, path in paths.items():
        if path is None:
            continue
        option = f"--{flag.replace('_', '-')}"
        why = problem(path)
        if why:
            raise Unwritable(f"{option} {path}: cannot write there: it {why}")
        resolved = path.resolve()
        if resolved in seen:
            raise Unwritable(f"{seen[resolved]} and {option} both write {path}: give two paths")
        seen[resolved] = option
