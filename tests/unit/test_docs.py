"""The README documents every scenario and every consumer knob."""

from __future__ import annotations

from pathlib import Path

import scenarios
from consumer.config import KNOBS

README = (Path(__file__).parents[2] / "README.md").read_text()


def test_every_scenario_is_in_the_readme_table() -> None:
    missing = [s.name for s in scenarios.ALL if f"| `{s.name}` |" not in README]
    assert missing == []


def test_every_consumer_knob_is_documented() -> None:
    missing = [k.name for k in KNOBS if f"`{k.name}`" not in README]
    assert missing == []


def test_the_quick_start_has_the_two_commands() -> None:
    assert "make scenarios" in README and "make test" in README
