"""One way to wait: poll a condition until it holds or a deadline passes, and retry a call
with capped exponential backoff (tenacity underneath)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from tenacity import (
    Retrying,
    retry_if_exception_type,
    retry_if_result,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential,
    wait_fixed,
    wait_random,
)

T = TypeVar("T")
POLL_SECONDS = 0.2


class WaitTimeout(TimeoutError):
    """What was waited for did not happen in time."""


def poll(check: Callable[[], T], timeout: float, interval: float = POLL_SECONDS) -> T:
    """Call ``check`` until it returns something truthy, and return that; after ``timeout``
    seconds return its last (falsy) answer. ``check`` runs at least once."""
    retrying = Retrying(
        stop=stop_after_delay(max(timeout, 0)),
        wait=wait_fixed(interval),
        retry=retry_if_result(lambda answer: not answer),
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
        reraise=True,
    )
    return retrying(check)


def wait_until(
    check: Callable[[], T], timeout: float, what: str, interval: float = POLL_SECONDS
) -> T:
    """``poll``, raising ``WaitTimeout`` naming ``what`` when the time is up."""
    answer = poll(check, timeout, interval)
    if not answer:
        raise WaitTimeout(f"{what} did not happen within {timeout:.0f} s")
    return answer


def retry_on(
    errors: type[BaseException] | tuple[type[BaseException], ...],
    call: Callable[[], T],
    timeout: float,
    interval: float = 0.05,
) -> T:
    """Call until it stops raising ``errors``; after ``timeout`` the last error propagates."""
    retrying = Retrying(
        stop=stop_after_delay(timeout),
        wait=wait_fixed(interval),
        retry=retry_if_exception_type(errors),
        reraise=True,
    )
    return retrying(call)


def with_backoff(call: Callable[[], T], unfinished: Callable[[T], bool], attempts: int = 8) -> T:
    """Repeat ``call`` while ``unfinished(answer)`` (e.g. a batch write that left items
    unprocessed), waiting 50 ms, 100 ms, ... up to 2 s with jitter; after ``attempts`` the
    last answer is returned for the caller to judge."""
    retrying = Retrying(
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=0.05, max=2.0) + wait_random(0, 0.05),
        retry=retry_if_result(unfinished),
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
        reraise=True,
    )
    return retrying(call)
