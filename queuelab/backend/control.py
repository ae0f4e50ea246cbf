"""The runner's side of the gateway's control API: register a run (its witness file, faults,
seed and queues), switch its faults, forget it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from queuelab.backend.lab.gateway import CONTROL


class ControlError(RuntimeError):
    pass


@dataclass(frozen=True)
class Control:
    url: str  # the server's base URL

    def _call(self, method: str, path: str, data: dict[str, Any] | None = None) -> Any:
        body = json.dumps(data).encode() if data is not None else None
        request = urllib.request.Request(
            self.url.rstrip("/") + CONTROL + path,
            data=body,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as err:
            raise ControlError(f"{method} {path}: {err.read().decode(errors='replace')}") from err
        except OSError as err:
            raise ControlError(f"{method} {path}: {err}") from err

    def register(
        self, token: str, witness: Path, faults: str, seed: int, queues: list[str]
    ) -> None:
        self._call(
            "POST",
            "runs",
            {
                "token": token,
                "witness": str(witness),
                "faults": faults,
                "seed": seed,
                "queues": queues,
            },
        )

    def set_faults(self, token: str, faults: str) -> None:
        self._call("PATCH", f"runs/{token}", {"faults": faults})

    def serving(self, token: str) -> list[dict[str, Any]]:
        """The run's requests being served now: caller, op and t0 of each."""
        return list(self._call("GET", f"runs/{token}")["serving"])

    def forget(self, token: str) -> None:
        self._call("DELETE", f"runs/{token}")


def probe(url: str) -> Control | None:
    """The endpoint's control API if it is a queuelab embedded server, else None."""
    control = Control(url)
    try:
        control._call("GET", "ping")
    except ControlError:
        return None
    return control
