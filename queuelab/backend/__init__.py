"""The embedded SQS + DynamoDB backend (moto on loopback). The only package that knows moto."""

from queuelab.backend.launcher import (
    BackendError,
    EmbeddedBackend,
    Endpoint,
    start_detached,
    stop_detached,
)

__all__ = ["BackendError", "EmbeddedBackend", "Endpoint", "start_detached", "stop_detached"]
