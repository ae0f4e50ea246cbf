"""A function's configuration, as Lambda holds it, and the environment its execution
environments start with (pure).

Bounds are those of CreateFunction (API_CreateFunction.html): ``Timeout`` 1-900 seconds,
default 3; ``MemorySize`` 128-10240 MB, default 128; ``ReservedConcurrentExecutions`` >= 0
(API_PutFunctionConcurrency.html). The variables are the defined runtime environment
variables of configuration-envvars.html ("Defined runtime environment variables").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from queuelab.esm.errors import ValidationError, out_of_range

PYTHON, NODE = "python", "node"
RUNTIMES = (PYTHON, NODE)
# What AWS_EXECUTION_ENV says in each (configuration-envvars.html: "AWS_Lambda_nodejs20.x").
EXECUTION_ENV = {PYTHON: "AWS_Lambda_python3.11", NODE: "AWS_Lambda_nodejs20.x"}
DEFAULT_TIMEOUT, MIN_TIMEOUT, MAX_TIMEOUT = 3, 1, 900
DEFAULT_MEMORY, MIN_MEMORY, MAX_MEMORY = 128, 128, 10240
DEFAULT_NAME = "queuelab-function"
# The default concurrency quota of an account, per Region (lambda-concurrency.html): what
# an invocation of a function without reserved concurrency may use.
ACCOUNT_CONCURRENCY = 1000
VERSION = "$LATEST"


@dataclass(frozen=True)
class Function:
    """``code``: the function's folder (LAMBDA_TASK_ROOT); ``handler``: ``module.function``
    (Python) or ``file.function`` (Node), as the console spells it."""

    code: Path
    handler: str
    runtime: str = PYTHON
    name: str = DEFAULT_NAME
    timeout: int = DEFAULT_TIMEOUT
    memory: int = DEFAULT_MEMORY
    reserved_concurrency: int | None = None
    environment: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_spec(cls, spec: str, **kwargs: object) -> Function:
        """``PATH:module.function``, the lab's one-string spelling of code and handler."""
        path, colon, handler = spec.rpartition(":")
        if not colon or not path or not handler:
            raise ValidationError(f"handler {spec!r}: expected PATH:module.function")
        return cls(code=Path(path), handler=handler, **kwargs)  # type: ignore[arg-type]

    def validate(self) -> None:
        """Raise ``ValidationError`` with AWS's message for the first bad value."""
        if self.runtime not in RUNTIMES:
            raise ValidationError(f"runtime {self.runtime!r}: expected one of {RUNTIMES}")
        module, dot, function = self.handler.rpartition(".")
        if not dot or not module or not function:
            raise ValidationError(f"handler {self.handler!r}: expected module.function")
        out_of_range("timeout", self.timeout, MIN_TIMEOUT, MAX_TIMEOUT)
        out_of_range("memorySize", self.memory, MIN_MEMORY, MAX_MEMORY)
        if self.reserved_concurrency is not None:
            out_of_range("reservedConcurrentExecutions", self.reserved_concurrency, 0, None)

    def arn(self, region: str, account: str) -> str:
        return f"arn:aws:lambda:{region}:{account}:function:{self.name}"

    def variables(self, region: str, runtime_api: str, log_stream: str) -> dict[str, str]:
        """The variables Lambda defines in an execution environment (configuration-envvars.html),
        under the function's own ``environment`` (which may not replace the reserved ones;
        like Lambda, the lab's values win)."""
        return {
            **self.environment,
            "AWS_LAMBDA_FUNCTION_NAME": self.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory),
            "AWS_LAMBDA_FUNCTION_VERSION": VERSION,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
            "AWS_LAMBDA_RUNTIME_API": runtime_api,
            "AWS_EXECUTION_ENV": EXECUTION_ENV[self.runtime],
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "LAMBDA_TASK_ROOT": str(self.code.resolve()),
            "_HANDLER": self.handler,
            "TZ": ":UTC",
        }
