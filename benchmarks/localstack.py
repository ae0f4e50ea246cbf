"""LocalStack's open-source core beside queuelab, for comparisons only (not a dependency of
queuelab, never in CI): installed into its own virtualenv, started in host mode (no Docker),
SQS only, on a free loopback port, stopped afterwards.

    .venv/bin/python benchmarks/localstack.py [--install-only]    # prints its endpoint

It needs Python 3.13 (``QUEUELAB_LOCALSTACK_PYTHON``, else ``python3.13`` if it runs, else a
pyenv 3.13 found under ``~/.pyenv/versions``: pyenv's ``python3.13`` shim fails when 3.13 is
installed but not in ``pyenv global``, which is why the Makefile's detection falls back to an
older Python for ``.venv``). The virtualenv is ``.queuelab/localstack-venv``: localstack-core
with its host runtime, and the pins that run there (cbor2<6; pyopenssl<24.3 with
cryptography<44; service_identity). ``GATEWAY_SERVER=hypercorn`` binds the given loopback
address only; AWS's own behaviours are asked for where LocalStack leaves them off by
default (the purge cooldown, the 60 s before a deleted queue's name is free, retention).
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

VENV = Path(__file__).resolve().parent.parent / ".queuelab" / "localstack-venv"
PACKAGES = [
    "localstack-core[base-runtime]",
    "cbor2<6",
    "pyopenssl<24.3",
    "cryptography<44",
    "service_identity",
]
AWS_LIKE = {
    "SQS_DELAY_PURGE_RETRY": "1",  # a second PurgeQueue within 60 s refused, as on AWS
    "SQS_DELAY_RECENTLY_DELETED": "1",  # a deleted queue's name waits 60 s, as on AWS
    "SQS_ENABLE_MESSAGE_RETENTION_PERIOD": "1",
}
START_SECONDS = 120


def python313() -> str:
    """A Python 3.13 that runs."""
    candidates = [os.environ.get("QUEUELAB_LOCALSTACK_PYTHON", ""), "python3.13"]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.13*/bin/python3.13")))
    candidates += ["/usr/bin/python3.13", "/usr/local/bin/python3.13"]
    for candidate in filter(None, candidates):
        check = "import sys; sys.exit(sys.version_info[:2] != (3, 13))"
        with contextlib.suppress(OSError):
            if subprocess.run([candidate, "-c", check], capture_output=True).returncode == 0:
                return candidate
    raise SystemExit("LocalStack's comparison needs Python 3.13 (QUEUELAB_LOCALSTACK_PYTHON)")


def install(venv: Path = VENV) -> Path:
    """The virtualenv's python, made and filled once."""
    python = venv / "bin" / "python"
    if python.exists() and (venv / ".installed").exists():
        return python
    print(f"installing LocalStack into {venv} (a few minutes the first time)", file=sys.stderr)
    subprocess.run([python313(), "-m", "venv", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, *PACKAGES], check=True)
    (venv / ".installed").touch()
    return python


def version(python: Path) -> str:
    found = subprocess.run(
        [str(python), "-c", "import localstack.version as v; print(v.__version__)"],
        capture_output=True,
        text=True,
    )
    return found.stdout.strip() or "?"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def healthy(url: str) -> bool:
    """Whether LocalStack answers with SQS available."""
    try:
        with urllib.request.urlopen(f"{url}/_localstack/health", timeout=2) as answer:
            return b'"sqs"' in answer.read()
    except OSError:
        return False


@contextlib.contextmanager
def running(python: Path, log: Path | None = None) -> Iterator[str]:
    """LocalStack (SQS only) on loopback for the block; its endpoint URL."""
    port = free_port()
    root = Path(tempfile.mkdtemp(prefix="queuelab-localstack-"))
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(root),
        "GATEWAY_SERVER": "hypercorn",
        "GATEWAY_LISTEN": f"127.0.0.1:{port}",
        "LOCALSTACK_HOST": f"127.0.0.1:{port}",
        "SERVICES": "sqs",
        "EAGER_SERVICE_LOADING": "1",
        "SKIP_SSL_CERT_DOWNLOAD": "1",
        "DNS_ADDRESS": "0",
        "DISABLE_EVENTS": "1",
        "FILESYSTEM_ROOT": str(root / "fs"),
        **AWS_LIKE,
    }
    out = open(log or root / "localstack.log", "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [str(python), "-m", "localstack.runtime.main"],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"LocalStack exited at start (log: {out.name})")
            if healthy(url):
                break
            time.sleep(0.5)
        else:
            raise SystemExit(f"LocalStack did not answer within {START_SECONDS} s ({out.name})")
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        out.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--install-only", action="store_true")
    args = parser.parse_args()
    python = install()
    print(f"LocalStack {version(python)} in {VENV}")
    if args.install_only:
        return 0
    with running(python) as url:
        print(f"LocalStack (SQS) at {url}; Ctrl-C stops it")
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
