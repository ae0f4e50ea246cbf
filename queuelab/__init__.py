"""queuelab: a laboratory for message-queue failure modes on AWS SQS, with checked verdicts.

From code, ``queuelab.run("dup")`` runs a scenario and returns its outcome, and
``queuelab.Session()`` owns one backend for several runs (``queuelab.api``; typed code
imports them from there). ``queuelab.run`` is also the package of the runner: calling it
calls the API, reading its attributes reads the package.
"""

from __future__ import annotations

import types
from typing import Any

import queuelab.run as _runner_package  # its __init__ only: nothing is loaded by this


class _CallableRun(types.ModuleType):
    """``queuelab.run(...)`` is ``queuelab.api.run(...)``."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from queuelab.api import run

        return run(*args, **kwargs)


_runner_package.__class__ = _CallableRun


def __getattr__(name: str) -> Any:
    """``queuelab.Session``, ``queuelab.run_all``... from ``queuelab.api``, loaded on use."""
    if name in ("Session", "run_all", "Outcome", "Results", "RequestError"):
        from queuelab import api

        return getattr(api, name)
    raise AttributeError(f"module 'queuelab' has no attribute {name!r}")
