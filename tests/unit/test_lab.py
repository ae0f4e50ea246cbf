from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from queuelab.contract.clients import AwsSettings
from queuelab.run.drivers.base import LabTimeout
from queuelab.run.lab import Lab
from queuelab.targets.outputs import Outputs, SetOutputs

RESOURCES = SetOutputs("q", "arn:q", "d", "arn:d", "s", "e", False, 2, 1, 2)


def lab(tmp_path: Path, **kwargs: Any) -> Lab:
    outputs = Outputs("us-east-1", "local", {"happy": RESOURCES})
    return Lab("run", tmp_path, AwsSettings(), outputs, RESOURCES, sqs=None, **kwargs)  # type: ignore[arg-type]


def test_no_wait_goes_past_the_scenarios_time_limit(tmp_path: Path) -> None:
    with pytest.raises(LabTimeout, match="time limit"):
        lab(tmp_path, time_limit=0).wait_for(lambda: False, timeout=60, what="never")


def test_a_condition_that_never_holds_times_out_with_its_name(tmp_path: Path) -> None:
    with pytest.raises(LabTimeout, match="the thing did not happen within 0 s"):
        lab(tmp_path).wait_for(lambda: False, timeout=0.3, what="the thing")
