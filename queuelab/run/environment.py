"""The environment every process the lab starts gets: a few of the caller's variables, the
standard AWS ones for the target, and its own credentials (the witness knows the caller by
its access key)."""

from __future__ import annotations

import os

from queuelab.contract import clients, witness

# Only these of the caller's variables reach children: a consumer knob exported in the
# user's shell must not change a scenario.
PASSED_THROUGH = (
    "PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_", "TZ", "TMPDIR", "SYSTEMROOT",
    "VIRTUAL_ENV", "SSL_CERT_", "REQUESTS_CA_BUNDLE", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",
    "http_proxy", "https_proxy", "no_proxy", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CA_BUNDLE",
)  # fmt: skip


def process_env(settings: clients.AwsSettings, token: str | None, name: str) -> dict[str, str]:
    """``token``: the run's, when the target has a witness (each process signs as itself)."""
    env = {k: v for k, v in os.environ.items() if k.startswith(PASSED_THROUGH)}
    env |= settings.env() | {"PYTHONUNBUFFERED": "1"}
    if token is not None:
        env["AWS_ACCESS_KEY_ID"] = witness.access_key(token, name)
        env["AWS_SECRET_ACCESS_KEY"] = witness.SECRET
    return env
