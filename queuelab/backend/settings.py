"""The embedded backend's settings: where it may depart from SQS on purpose, and by how much.

By default the backend keeps AWS's numbers. The runner and the tests start it with ``LAB``:
purges are not rate-limited (the runner purges between runs) and the FIFO deduplication
window is a few seconds (``fifo-dedup-window`` shows its end). A setting is never a silent
difference: the server announces its settings on start-up, every journal records them and
``queuelab doctor --semantics`` lists each one that differs from AWS.

This module must not import moto: the runner reads it too.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass, fields


@dataclass(frozen=True)
class BackendSettings:
    # How long after a purge another purge of the same queue is refused (AWS: 60 s).
    purge_cooldown_seconds: float = 60.0
    # How long a FIFO queue remembers a deduplication id, deleted messages included (AWS: 300 s).
    dedup_window_seconds: float = 300.0

    def to_argv(self) -> list[str]:
        return [
            arg
            for field in fields(self)
            for arg in (f"--{field.name.replace('_', '-')}", f"{getattr(self, field.name):g}")
        ]

    def to_dict(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, object]) -> BackendSettings:
        known = {f.name for f in fields(cls)}
        return cls(**{k: float(v) for k, v in values.items() if k in known})  # type: ignore[arg-type]

    def departures(self) -> dict[str, tuple[float, float]]:
        """Each setting that is not AWS's: name -> (this value, AWS's value)."""
        return {
            name: (value, aws)
            for (name, value), aws in zip(
                self.to_dict().items(), AWS.to_dict().values(), strict=True
            )
            if value != aws
        }

    def describe(self) -> str:
        changed = self.departures()
        if not changed:
            return "AWS's values"
        return ", ".join(f"{name}={new:g} (AWS: {aws:g})" for name, (new, aws) in changed.items())


AWS = BackendSettings()
LAB = BackendSettings(purge_cooldown_seconds=0.0, dedup_window_seconds=4.0)

# The settings of this process's backend (set by the server before it serves).
current: BackendSettings = AWS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    for field in fields(BackendSettings):
        parser.add_argument(
            f"--{field.name.replace('_', '-')}",
            type=float,
            default=getattr(AWS, field.name),
            help=f"default: AWS's {getattr(AWS, field.name):g}",
        )


def from_arguments(args: argparse.Namespace) -> BackendSettings:
    values = {field.name: getattr(args, field.name) for field in fields(BackendSettings)}
    for name, value in values.items():
        if value < 0:
            raise ValueError(f"--{name.replace('_', '-')} must be >= 0 (got {value:g})")
    return BackendSettings(**values)
