"""Children die with their parent, however the parent dies (even SIGKILL).

The parent starts a child with a pipe on its stdin and ``QUEUELAB_LIFELINE=1`` in its
environment; the child calls ``watch()``, whose thread reads stdin until EOF. The kernel
closes the parent's end when the parent exits, so EOF means: the parent is gone.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable

ENV = "QUEUELAB_LIFELINE"


def terminate_self() -> None:
    """Stop gracefully, as if the parent had sent SIGTERM."""
    os.kill(os.getpid(), signal.SIGTERM)


def watch(on_parent_gone: Callable[[], None] = terminate_self) -> bool:
    """Start watching if this process was started with a lifeline; True if so."""
    if os.environ.get(ENV) != "1":
        return False

    def wait_for_eof() -> None:
        try:
            while os.read(0, 1024):  # unbuffered: no lock held at interpreter shutdown
                pass
        except OSError:
            pass
        on_parent_gone()

    threading.Thread(target=wait_for_eof, name="lifeline", daemon=True).start()
    return True
