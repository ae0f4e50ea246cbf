"""The README documents every scenario, and its knob tables are the declarations."""

from __future__ import annotations

from pathlib import Path

import pytest

import scenarios
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.knobs import KnobModel, markdown_table
from queuelab.contract.pipeline_knobs import OrdersKnobs, PollerKnobs, RelayKnobs
from queuelab.contract.producer_knobs import ProducerKnobs

README = (Path(__file__).parents[2] / "README.md").read_text()


def test_every_scenario_is_in_the_readme_table() -> None:
    missing = [s.name for s in scenarios.ALL if f"| `{s.name}` |" not in README]
    assert missing == []


@pytest.mark.parametrize(
    "model",
    [ConsumerKnobs, ProducerKnobs, OrdersKnobs, RelayKnobs, PollerKnobs],
    ids=lambda m: m.__name__,
)
def test_the_readme_knob_table_is_the_declarations(model: type[KnobModel]) -> None:
    table = markdown_table(model)
    assert table in README, f"paste this table into the README:\n{table}"


def test_the_quick_start_has_the_two_commands() -> None:
    assert "make scenarios" in README and "make test" in README
