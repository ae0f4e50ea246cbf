"""What was provisioned: the shape shared by the local provisioner and the Pulumi stack output.

{"region": "us-east-1", "stack": "local",
 "resources": {"happy": {"queue_url": ..., "queue_arn": ..., "dlq_url": ..., "dlq_arn": ...,
                         "status_table": ..., "side_effects_table": ..., "fifo": false,
                         "visibility_timeout": 2, "receive_wait": 1, "max_receive_count": 2,
                         "tables": {}, "bucket": ""},
               ...}}

``tables`` (role -> name) and ``bucket`` are the pipeline scenarios' extras (optional: an
output written before they existed still reads).
"""

from __future__ import annotations

import json
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from queuelab.contract.external import STATE_TABLE_ENV
from queuelab.contract.tables import CONSUMER

STACK_OUTPUT_NAME = "queuelab"  # the one Pulumi stack output the runner reads


class OutputsError(ValueError):
    pass


@dataclass(frozen=True)
class SetOutputs:
    queue_url: str
    queue_arn: str
    dlq_url: str
    dlq_arn: str
    status_table: str
    side_effects_table: str
    fifo: bool
    visibility_timeout: int
    receive_wait: int
    max_receive_count: int | None
    tables: dict[str, str] = field(default_factory=dict)  # role -> name (the plan's extras)
    bucket: str = ""  # the claim-check bucket, if the set has one

    def table(self, role: str) -> str:
        """The name of this set's table with ``role``; an error naming what it has."""
        if role not in self.tables:
            has = ", ".join(sorted(self.tables)) or "none"
            raise OutputsError(f"this resource set has no {role} table (it has: {has})")
        return self.tables[role]

    def env(self) -> dict[str, str]:
        """The variables ``queuelab produce`` / ``consume`` read for these resources, and a
        consumer's own table (``STATE_TABLE``, the contract's) for one run by hand."""
        return {
            "QUEUE_URL": self.queue_url,
            "DLQ_URL": self.dlq_url,
            "MESSAGE_STATUS_TABLE": self.status_table,
            "MESSAGE_SIDE_EFFECTS_TABLE": self.side_effects_table,
        } | ({STATE_TABLE_ENV: self.tables[CONSUMER]} if CONSUMER in self.tables else {})


@dataclass(frozen=True)
class Outputs:
    region: str
    stack: str
    resources: dict[str, SetOutputs]

    def __getitem__(self, key: str) -> SetOutputs:
        try:
            return self.resources[key]
        except KeyError:
            raise OutputsError(
                f"resource set {key!r} is not provisioned on this target "
                f"(has: {', '.join(sorted(self.resources)) or 'nothing'})"
            ) from None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Outputs:
        """Parse (and check) the stack output; errors name the missing or wrong field."""
        if not isinstance(data, dict):
            raise OutputsError("stack output is not an object")
        for name in ("region", "stack", "resources"):
            if name not in data:
                raise OutputsError(f"stack output lacks {name!r}")
        wanted = {f.name for f in fields(SetOutputs)}
        required = {
            f.name
            for f in fields(SetOutputs)
            if f.default is MISSING and f.default_factory is MISSING
        }
        resources = {}
        for key, values in data["resources"].items():
            missing = required - set(values)
            if missing:
                raise OutputsError(f"resources[{key!r}] lacks {', '.join(sorted(missing))}")
            resources[key] = SetOutputs(**{name: values[name] for name in wanted & set(values)})
        return cls(region=data["region"], stack=data["stack"], resources=resources)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> Outputs:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as err:
            raise OutputsError(f"cannot read {path}: {err}") from None
        return cls.from_dict(data)
