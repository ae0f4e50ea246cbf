from __future__ import annotations

from types import SimpleNamespace

import pytest

from queuelab.backend import patches
from queuelab.backend.speed import store


def test_installed_moto_is_the_supported_one() -> None:
    assert patches.check_moto_version().startswith("5.2.")


@pytest.mark.parametrize("other", ["5.1.9", "5.3.0", "6.0.0"])
def test_other_moto_versions_are_refused_with_the_fix(other: str) -> None:
    with pytest.raises(patches.UnsupportedMoto, match=rf"moto {other} is installed.*pip install"):
        patches.check_moto_version(other)


def test_message_store_keeps_send_order_and_removes_in_constant_time() -> None:
    a, b, c = (SimpleNamespace(visible_at=0.0, delayed_until=0.0) for _ in range(3))
    messages = store.MessageStore([a, b])
    messages.append(c)
    messages.remove(b)
    assert list(messages) == [a, c] and messages[-1] is c and b not in messages
    assert len(messages) == 2
