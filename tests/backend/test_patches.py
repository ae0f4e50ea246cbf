"""The registry of patches and the start-up check: the installed moto has every attribute as
the patches expect it, and a moto that does not is refused, naming the attribute."""

from __future__ import annotations

import ast
import sys
import types
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace

import pytest

from queuelab.backend import BackendError, EmbeddedBackend, compat, patches
from queuelab.backend.speed import store

BACKEND = Path(patches.__file__).parent
PURPOSES = ("behaviour", "speed", "lab")


def test_the_installed_moto_is_the_pinned_one_and_has_what_every_patch_expects() -> None:
    assert compat.pinned_moto() == f"moto=={version('moto')}"
    assert patches.check() == version("moto")


def test_every_patch_names_its_purpose_and_the_moto_it_was_written_for() -> None:
    for patch in patches.PATCHES:
        assert patch.target.startswith("moto."), patch
        assert patch.purpose in PURPOSES, patch
        assert (BACKEND / patch.purpose / f"{patch.module.rsplit('.', 1)[1]}.py").is_file()
        assert patch.written_for.count(".") == 2, patch
    assert [p.purpose for p in patches.PATCHES] == sorted(
        (p.purpose for p in patches.PATCHES), key=["speed", "behaviour", "lab"].index
    )


def fake_moto(monkeypatch: pytest.MonkeyPatch, queue: type) -> None:
    """A module ``fakemoto.models`` whose ``Queue`` is ``queue``."""
    package, models = types.ModuleType("fakemoto"), types.ModuleType("fakemoto.models")
    package.models = models  # type: ignore[attr-defined]
    models.Queue = queue  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fakemoto", package)
    monkeypatch.setitem(sys.modules, "fakemoto.models", models)


class Queue:
    """moto's Queue as a patch was written for."""

    def __init__(self) -> None:
        self._messages: list[object] = []

    def receive_message(self, queue_name: str, count: int, wait_seconds: int) -> None:
        pass


ENTRIES = compat.on(
    "fakemoto.models.Queue",
    "5.2.6",
    compat.reads("_messages", compat.INSTANCE, store),
    compat.wraps("receive_message", "(self, queue_name, count, wait_seconds)", store.queue_init),
    compat.adds("start_message_move_task", store.add_message),
)


def mismatch(monkeypatch: pytest.MonkeyPatch, queue: type) -> str:
    fake_moto(monkeypatch, queue)
    with pytest.raises(compat.MotoMismatch) as raised:
        compat.check(ENTRIES, installed="5.3.0")
    return str(raised.value)


def test_the_faked_moto_as_written_for_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_moto(monkeypatch, Queue)
    assert compat.check(ENTRIES, installed="5.2.6") == "5.2.6"


def test_a_removed_attribute_is_named_with_both_versions_and_what_to_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Removed:
        def __init__(self) -> None:
            self._messages: list[object] = []

    message = mismatch(monkeypatch, Removed)

    assert message.startswith("moto 5.3.0 (installed) does not match the embedded backend's")
    assert "fakemoto.models.Queue.receive_message, which queuelab.backend.speed.store wraps" in (
        message
    )
    assert "a speed patch written against moto 5.2.6" in message
    assert "expected: (self, queue_name, count, wait_seconds)  (moto 5.2.6)" in message
    assert "found:    absent  (moto 5.3.0, installed)" in message
    assert "make upgrade-deps" in message and "constraints.txt" in message


def test_a_changed_signature_is_named_with_what_was_found(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Changed(Queue):
        def receive_message(self, queue_name: str, count: int) -> None:  # type: ignore[override]
            pass

    message = mismatch(monkeypatch, Changed)
    assert "fakemoto.models.Queue.receive_message" in message
    assert "found:    (self, queue_name, count)  (moto 5.3.0, installed)" in message


def test_a_private_member_no_longer_set_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    class Renamed:
        def __init__(self) -> None:
            self._message_list: list[object] = []

        def receive_message(self, queue_name: str, count: int, wait_seconds: int) -> None:
            pass

    message = mismatch(monkeypatch, Renamed)
    assert "fakemoto.models.Queue._messages, which queuelab.backend.speed.store reads" in message
    assert "expected: instance attribute" in message and "found:    absent" in message


def test_what_queuelab_adds_and_moto_now_has_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    class Grown(Queue):
        def start_message_move_task(self) -> None:
            pass

    message = mismatch(monkeypatch, Grown)
    assert "fakemoto.models.Queue.start_message_move_task, which" in message
    assert "expected: absent" in message and "found:    (self)" in message


def test_a_patched_attribute_removed_from_the_real_moto_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from moto.sqs import models

    monkeypatch.delattr(models.SQSBackend, "purge_queue")
    with pytest.raises(compat.MotoMismatch, match=r"moto\.sqs\.models\.SQSBackend\.purge_queue"):
        patches.check()


def test_the_server_refuses_to_start_on_a_moto_without_a_patched_attribute() -> None:
    """At start-up, before anything is patched: the launcher raises what the server found."""
    script = (
        "import moto.sqs.models as m; del m.SQSBackend.purge_queue; "
        "from queuelab.backend.server import main; main(['--port', '0'])"
    )
    server = EmbeddedBackend(argv=[sys.executable, "-c", script])
    with pytest.raises(BackendError) as raised:
        server.start()
    assert "moto.sqs.models.SQSBackend.purge_queue, which queuelab.backend.behaviour.purge" in (
        str(raised.value)
    )
    assert "found:    absent" in str(raised.value)


def imports_of(purpose: str) -> set[str]:
    found = set()
    for path in (BACKEND / purpose).glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize(
    ("purpose", "not_imported"),
    [("speed", ("behaviour", "lab")), ("behaviour", ("lab",)), ("lab", ())],
)
def test_purposes_import_one_way_lab_behaviour_speed(
    purpose: str, not_imported: tuple[str, ...]
) -> None:
    names = imports_of(purpose)
    for other in not_imported:
        assert not any(name.startswith(f"queuelab.backend.{other}") for name in names)
    assert not any(name == "queuelab.backend.patches" for name in names)


def test_message_store_keeps_send_order_and_removes_in_constant_time() -> None:
    a, b, c = (SimpleNamespace(visible_at=0.0, delayed_until=0.0) for _ in range(3))
    messages = store.MessageStore([a, b])
    messages.append(c)
    messages.remove(b)
    assert list(messages) == [a, c] and messages[-1] is c and b not in messages
    assert len(messages) == 2
