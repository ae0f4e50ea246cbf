"""Hints the commands print are runnable as printed: ``me()`` is queuelab as the user can
run it from where they are (``queuelab`` when that is on PATH, else the venv's script, else
``python -m queuelab``)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path


def near(path: Path) -> str:
    """``path`` relative to here when it is below, else absolute."""
    relative = os.path.relpath(path)
    return relative if not relative.startswith("..") else str(path)


def me() -> str:
    script = Path(sys.argv[0])
    if script.name == "queuelab":
        on_path = shutil.which("queuelab")
        if on_path and Path(on_path).resolve() == script.resolve():
            return "queuelab"
        return near(script.absolute())
    venv_script = Path(sys.executable).parent / "queuelab"
    if venv_script.exists():
        return near(venv_script)
    return f"{near(Path(sys.executable))} -m queuelab"
