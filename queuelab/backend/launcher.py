"""Start and stop the embedded backend server (a child process on 127.0.0.1, free port)."""

from __future__ import annotations

import http.client
import json
import os
import selectors
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from urllib.parse import urlparse

import psutil

from queuelab.backend.settings import LAB, BackendSettings
from queuelab.contract.clients import AwsSettings
from queuelab.system import spawn
from queuelab.system.waiting import retry_on

SERVER_MODULE = "queuelab.backend.server"
START_TIMEOUT_SECONDS = 30.0
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


class BackendError(RuntimeError):
    pass


@dataclass(frozen=True)
class Endpoint:
    """What a boto3 client or a subprocess needs to reach the backend."""

    url: str
    region: str
    pid: int
    backend: BackendSettings | None = None  # what the server announced it runs with

    def settings(self) -> AwsSettings:
        return endpoint_settings(self.url, self.region)

    def env(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.url,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            **DUMMY_CREDENTIALS,
        }


def endpoint_settings(url: str, region: str, *, given: bool = False) -> AwsSettings:
    """Client settings for the embedded server or another compatible endpoint: the caller's
    credentials if it has some, else dummy ones (moto accepts any). ``given``: an endpoint
    the user named (``--endpoint-url``), which may name one per service
    (``clients.parse_endpoints``) and keeps the environment's per-service variables
    (``AWS_ENDPOINT_URL_SQS``...) for the services it does not name."""
    from_env = AwsSettings.from_env()
    settings = AwsSettings(
        region=region,
        access_key_id=from_env.access_key_id or DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        secret_access_key=from_env.secret_access_key or DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        service_endpoints=from_env.service_endpoints if given else (),
    )
    return settings.with_endpoints(url) if given else replace(settings, endpoint_url=url)


def server_argv(stock: bool = False, settings: BackendSettings = LAB) -> list[str]:
    """The server command: the lab's settings unless told otherwise (``stock``: moto as is)."""
    argv = [sys.executable, "-m", SERVER_MODULE, "--port", "0"]
    return argv + (["--stock"] if stock else settings.to_argv())


def _read_ready_line(popen: subprocess.Popen[bytes], timeout: float) -> dict[str, object]:
    assert popen.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(popen.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise BackendError(f"embedded backend did not start within {timeout:.0f} s")
    line = popen.stdout.readline()
    if not line:
        raise BackendError(f"embedded backend exited during start-up (code {popen.wait()})")
    ready: dict[str, object] = json.loads(line)
    if "error" in ready:  # the server refused to start (another moto than the patches')
        raise BackendError(str(ready["error"]))
    return ready


def wait_until_answering(url: str, timeout: float = START_TIMEOUT_SECONDS) -> None:
    """Return once an HTTP request to ``url`` gets any answer."""
    parsed = urlparse(url)

    def ask() -> None:
        conn = http.client.HTTPConnection(parsed.hostname or "", parsed.port, timeout=2)
        try:
            conn.request("GET", "/moto-api/")
            conn.getresponse().read()
        finally:
            conn.close()

    try:
        retry_on(OSError, ask, timeout)
    except OSError as err:
        raise BackendError(f"embedded backend at {url} does not answer: {err}") from err


def _start(
    argv: list[str], tied: bool, region: str, log_path: Path | None
) -> tuple[subprocess.Popen[bytes], Endpoint]:
    popen = spawn.spawn(
        argv, env=_server_env(), log_path=log_path, tied=tied, stdout=subprocess.PIPE
    )
    try:
        ready = _read_ready_line(popen, START_TIMEOUT_SECONDS)
        announced = ready.get("settings")
        backend = BackendSettings.from_dict(announced) if isinstance(announced, dict) else None
        endpoint = Endpoint(str(ready["url"]), region, popen.pid, backend)
        wait_until_answering(endpoint.url)
    except BaseException:
        spawn.stop(popen)
        raise
    return popen, endpoint


def _server_env() -> dict[str, str]:
    """The caller's environment without AWS and moto settings, which are not the server's."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTO_"))}


class EmbeddedBackend:
    """A moto server owned by this process: stopped on exit, on Ctrl-C, and (through its
    stdin lifeline) when this process dies in any other way."""

    def __init__(
        self,
        region: str = "us-east-1",
        *,
        log_path: Path | None = None,
        argv: list[str] | None = None,
        settings: BackendSettings = LAB,
    ) -> None:
        """``argv`` replaces the server command (benchmarks start stock moto this way)."""
        self.region = region
        self.log_path = log_path
        self.argv = argv or server_argv(settings=settings)
        self._popen: subprocess.Popen[bytes] | None = None
        self.endpoint: Endpoint | None = None

    def start(self) -> Endpoint:
        if self.endpoint is None:
            self._popen, self.endpoint = _start(self.argv, True, self.region, self.log_path)
        return self.endpoint

    def stop(self) -> None:
        if self._popen is not None:
            spawn.stop(self._popen)
        self._popen, self.endpoint = None, None

    def __enter__(self) -> Endpoint:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_detached(region: str, log_path: Path, settings: BackendSettings) -> Endpoint:
    """Start a server that outlives this process (``queuelab local up``: AWS's settings
    unless asked for the lab's)."""
    popen, endpoint = _start(server_argv(settings=settings), False, region, log_path)
    assert popen.stdout is not None
    popen.stdout.close()
    return endpoint


def is_server(pid: int) -> bool:
    try:
        return SERVER_MODULE in " ".join(psutil.Process(pid).cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def stop_detached(pid: int) -> bool:
    """Stop a server started by ``start_detached``; False if none was running at ``pid``."""
    if not is_server(pid):
        return False
    spawn.stop_tree(pid)
    return True
