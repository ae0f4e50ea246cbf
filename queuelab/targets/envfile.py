"""The ``.env`` file that ``queuelab produce`` / ``consume`` read (gitignored)."""

from __future__ import annotations

from pathlib import Path

from queuelab.targets.outputs import Outputs

ENV_RESOURCES = "happy"  # the resources .env points at, as in the seed

HEADER = "# Written by {writer}; rewritten or removed by it. Keys: see .env.example.\n"


def write(path: Path, values: dict[str, str], writer: str) -> None:
    lines = [HEADER.format(writer=writer)]
    lines += [f"{key}={value}\n" for key, value in values.items()]
    path.write_text("".join(lines))


def write_for(outputs: Outputs, values: dict[str, str], writer: str) -> None:
    """``.env`` in the current directory: ``values`` plus the happy-path resources."""
    write(Path.cwd() / ".env", values | outputs[ENV_RESOURCES].env(), writer)


def written_by(path: Path, writer: str) -> bool:
    return path.exists() and path.read_text().startswith(HEADER.format(writer=writer))


def remove_if_written_by(path: Path, writer: str) -> bool:
    """Remove ``path`` only if ``writer`` wrote it (a user's own .env stays)."""
    if written_by(path, writer):
        path.unlink()
        return True
    return False
