"""The conformance rows and the scenario declarations (pure)."""

from __future__ import annotations

import dataclasses

import pytest

import scenarios
from queuelab.backend.settings import AWS, LAB, BackendSettings
from queuelab.targets import semantics
from queuelab.targets.conformance import Row, Status, _status, departures
from queuelab.targets.probes import Observed


def row(name: str, status: Status, observed: str = "seen") -> Row:
    return Row(semantics.get(name), status, observed)


def test_a_difference_a_declared_setting_explains_is_a_setting_not_a_difference() -> None:
    purge = semantics.get("purge-cooldown")
    seen = Observed(False, "accepted")

    assert _status(purge, seen, LAB).status is Status.SETTING
    assert "purge_cooldown_seconds=0; AWS: 60" in _status(purge, seen, LAB).observed
    assert _status(purge, seen, AWS).status is Status.DIFFERS
    assert _status(purge, seen, None).status is Status.DIFFERS
    assert _status(semantics.get("fifo-dedup-after-delete"), seen, LAB).status is Status.DIFFERS


def test_only_relied_on_behaviours_that_are_not_ok_stop_a_run() -> None:
    rows = [
        row("purge-cooldown", Status.SETTING),
        row("fifo-dedup-after-delete", Status.DIFFERS, "delivered again"),
        row("fifo-dedup-drops-duplicate", Status.OK),
        row("move-task-to-source", Status.UNKNOWN),
    ]

    reasons = departures(rows, ["fifo-dedup-after-delete", "fifo-dedup-drops-duplicate"])

    assert len(reasons) == 1 and "fifo-dedup-after-delete" in reasons[0]
    assert "delivered again" in reasons[0]
    assert len(departures(rows, ["move-task-to-source", "purge-cooldown"])) == 2


def test_every_scenario_names_known_behaviours_and_a_typo_is_refused() -> None:
    for scenario in scenarios.ALL:
        for name in (*scenario.relies_on, *scenario.adapts_to):
            assert name in semantics.BY_NAME
    with pytest.raises(semantics.UnknownSemantic, match="fifo-dedup-after-delet"):
        dataclasses.replace(scenarios.get("happy"), relies_on=("fifo-dedup-after-delet",))


def test_settings_name_their_departures_from_aws() -> None:
    assert AWS.departures() == {} and AWS.describe() == "AWS's values"
    custom = BackendSettings(purge_cooldown_seconds=60, dedup_window_seconds=2)
    assert custom.departures() == {"dedup_window_seconds": (2.0, 300.0)}
    assert BackendSettings.from_dict(custom.to_dict() | {"unknown": 1}) == custom
