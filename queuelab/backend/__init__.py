"""The embedded SQS + DynamoDB backend (moto on loopback). The only package that knows moto.

Here: what the rest of queuelab uses (``launcher``, ``settings``, ``control``: the runner's
side of the control API) and the server process (``server``), which puts the patches of the
registry (``patches``) in place once ``compat`` has checked that the installed moto has every
attribute as they expect it. The patches, by purpose: ``behaviour/`` (moto acting like SQS),
``speed/`` (moto's answers for less work) and ``lab/`` (the witness, the nemesis, the
control API's server side, the AWS-like delivery mode); ``lab`` imports ``behaviour``, which
imports ``speed``, never the other way.
"""

from queuelab.backend.launcher import (
    BackendError,
    EmbeddedBackend,
    Endpoint,
    start_detached,
    stop_detached,
)

__all__ = ["BackendError", "EmbeddedBackend", "Endpoint", "start_detached", "stop_detached"]
