"""Knobs are declared once and validated before anything runs: a process's parser names the
bad variable, the runner's Python side refuses a misspelled or ill-typed knob."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.knobs import KnobError, lookalikes, markdown_table
from queuelab.contract.producer_knobs import ProducerKnobs

VALID = {"QUEUE_URL": "http://q"}


def parse(env: dict[str, str]) -> ConsumerKnobs:
    return ConsumerKnobs.from_env(env)


def test_defaults_match_the_seed() -> None:
    config = parse(VALID)
    assert (config.wait_time_seconds, config.max_messages, config.crash_rate) == (10, 1, 0.0)
    assert (config.idempotency_cache_size, config.log_level) == (1000, "INFO")
    assert config.idempotent and config.delete_mode == "after"


@pytest.mark.parametrize(
    ("name", "value", "why"),
    [
        ("CRASH_RATE", "abc", "is not a number"),
        ("CRASH_RATE", "1.5", "between 0 and 1"),
        ("CRASH_RATE", "nan", "between 0 and 1"),
        ("MAX_MESSAGES", "11", "between 1 and 10"),
        ("WAIT_TIME_SECONDS", "2.5", "whole number"),
        ("MESSAGE_LIMIT", "-1", ">= 0"),
        ("LOG_LEVEL", "LOUD", "one of DEBUG"),
        ("IDEMPOTENCY", "maybe", "one of on, off"),
        ("SIDE_EFFECT_DELAY_SECONDS", "-2", "between 0 and 900"),
        ("VERSION_KEY", "", "must name a payload field"),
        ("SIDE_EFFECT_LOG_PATH", "/no/such/dir/log", "'/no/such/dir' does not exist"),
        ("VERSIONING_ENABLED", "maybe", "must be 0 or 1"),
    ],
)
def test_a_bad_value_names_the_variable_the_option_and_the_value(
    name: str, value: str, why: str
) -> None:
    with pytest.raises(KnobError) as caught:
        parse(VALID | {name: value})
    message = str(caught.value)
    option = "--" + name.lower().replace("_", "-")
    assert name in message and option in message and repr(value) in message and why in message


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(KnobError) as caught:
        parse({"CRASH_RATE": "abc", "LOG_LEVEL": "x"})
    lines = str(caught.value).splitlines()
    assert len(lines) == 3
    assert [
        name in line
        for name, line in zip(("QUEUE_URL", "LOG_LEVEL", "CRASH_RATE"), lines, strict=True)
    ] == [True] * 3


def test_choices_are_case_insensitive() -> None:
    parsed = parse(VALID | {"LOG_LEVEL": "debug", "IDEMPOTENCY": "OFF"})
    assert (parsed.log_level, parsed.idempotency) == ("DEBUG", "off")


def test_an_empty_switch_is_off() -> None:
    assert parse(VALID | {"VERSIONING_ENABLED": ""}).versioning_enabled is False


def test_every_knob_has_a_variable_an_option_and_help() -> None:
    for knob in ConsumerKnobs.declarations():
        assert knob.env == knob.field.upper() and knob.option.startswith("--") and knob.help


def test_a_business_key_without_idempotency_is_refused() -> None:
    with pytest.raises(KnobError, match="BUSINESS_IDEMPOTENCY_FIELD='order_id' needs"):
        parse(VALID | {"BUSINESS_IDEMPOTENCY_FIELD": "order_id", "IDEMPOTENCY": "off"})


def test_versioning_needs_its_files() -> None:
    with pytest.raises(KnobError, match="VERSION_STATE_PATH is required"):
        parse(VALID | {"VERSIONING_ENABLED": "1"})


def test_a_misspelled_knob_in_python_is_an_error_naming_it() -> None:
    with pytest.raises(ValidationError, match="crash_after_sideeffect"):
        ConsumerKnobs(crash_after_sideeffect=2)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="poison_evry"):
        ProducerKnobs(poison_evry=2)  # type: ignore[call-arg]


def test_an_ill_typed_or_out_of_range_knob_in_python_is_an_error() -> None:
    with pytest.raises(ValidationError, match="crash_rate"):
        ConsumerKnobs(crash_rate="often")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="max_messages"):
        ConsumerKnobs(max_messages=11)
    with pytest.raises(ValidationError, match="delete_mode"):
        ConsumerKnobs(delete_mode="later")  # type: ignore[arg-type]


def test_but_validates_the_changes_too() -> None:
    knobs = ConsumerKnobs(max_messages=10)
    assert knobs.but(crash_after_receive=2).to_env() == {
        "MAX_MESSAGES": "10",
        "CRASH_AFTER_RECEIVE": "2",
    }
    with pytest.raises(ValidationError, match="crash_afterreceive"):
        knobs.but(crash_afterreceive=2)


def test_only_the_knobs_set_reach_the_process() -> None:
    knobs = ConsumerKnobs(
        side_effect_delay_seconds=1.5, idempotency="off", versioning_enabled=False
    )
    assert knobs.to_env() == {
        "SIDE_EFFECT_DELAY_SECONDS": "1.5",
        "IDEMPOTENCY": "off",
        "VERSIONING_ENABLED": "0",
    }
    assert ConsumerKnobs.from_env(VALID | knobs.to_env()).side_effect_delay_seconds == 1.5


def test_producer_options_become_command_line_flags() -> None:
    knobs = ProducerKnobs(n=5, continuous=True, rate=2.5, versions="ascending")
    assert knobs.to_argv() == [
        "--n",
        "5",
        "--rate",
        "2.5",
        "--versions",
        "ascending",
        "--continuous",
    ]


def test_a_variable_that_looks_like_a_knob_is_found_with_what_it_probably_means() -> None:
    env = ["CRASH_AFTER_SIDEEFFECT", "PATH", "AWS_DEFAULT_REGION", "CRASH_AFTER_SIDE_EFFECT"]
    assert lookalikes(env, ConsumerKnobs) == [("CRASH_AFTER_SIDEEFFECT", "CRASH_AFTER_SIDE_EFFECT")]


def test_a_pipe_in_a_knob_table_cell_is_escaped() -> None:
    row = next(r for r in markdown_table(ConsumerKnobs).splitlines() if "VERSION_LOG_PATH" in r)
    assert "applied\\|stale" in row
    assert len(row.replace("\\|", "").split("|")) == 6  # four cells between five pipes
