"""Where queuelab keeps its files: ``.queuelab/`` in the current directory (gitignored), or
``$QUEUELAB_HOME``."""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    return Path(os.environ.get("QUEUELAB_HOME") or ".queuelab").resolve()


def runs() -> Path:
    return home() / "runs"


def local_state() -> Path:
    """The background server of ``queuelab local up``."""
    return home() / "local.json"


def local_outputs() -> Path:
    """What ``queuelab local up`` provisioned on its server."""
    return home() / "local-outputs.json"


def stack_outputs() -> Path:
    """The Pulumi stack's outputs, cached by ``make infra-up`` for ``--target aws``."""
    return home() / "stack-outputs.json"
