"""Knob validation is pure: it runs before any AWS call and names the bad variable."""

from __future__ import annotations

import dataclasses

import pytest

from consumer.config import KNOBS, ConfigError, ConsumerConfig, parse

VALID = {"QUEUE_URL": "http://q"}


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
    ],
)
def test_a_bad_value_names_the_variable_the_option_and_the_value(
    name: str, value: str, why: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(VALID | {name: value})
    message = str(caught.value)
    option = "--" + name.lower().replace("_", "-")
    assert name in message and option in message and repr(value) in message and why in message


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        parse({"CRASH_RATE": "abc", "LOG_LEVEL": "x"})
    lines = str(caught.value).splitlines()
    assert len(lines) == 3
    assert [
        name in line
        for name, line in zip(("QUEUE_URL", "CRASH_RATE", "LOG_LEVEL"), lines, strict=True)
    ] == [True] * 3


def test_choices_are_case_insensitive() -> None:
    assert parse(VALID | {"LOG_LEVEL": "debug", "IDEMPOTENCY": "OFF"}).log_level == "DEBUG"


def test_the_knob_table_and_the_config_have_the_same_fields() -> None:
    assert {f.name for f in dataclasses.fields(ConsumerConfig)} == {k.field for k in KNOBS}


def test_the_consumer_id_defaults_to_the_pid() -> None:
    assert parse(VALID).consumer_id.startswith("consumer-")


def test_a_business_key_without_idempotency_is_refused() -> None:
    with pytest.raises(ConfigError, match="BUSINESS_IDEMPOTENCY_FIELD='order_id' needs"):
        parse(VALID | {"BUSINESS_IDEMPOTENCY_FIELD": "order_id", "IDEMPOTENCY": "off"})
