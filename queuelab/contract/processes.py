"""How the runner starts a process and reads its end: the commands, the variables it sets,
and the exit codes."""

from __future__ import annotations

CONSUMER_MODULE = "consumer"  # python -m consumer
PRODUCER_MODULE = "producer"  # python -m producer
PIPELINE_MODULE = "pipeline"  # python -m pipeline orders | relay | poller

# Variables the runner sets for every process it starts (besides the standard AWS ones).
RUN_ID_ENV = "RUN_ID"  # the run's id, stamped on messages and records
HISTORY_PATH_ENV = "HISTORY_PATH"  # append the history here (JSON lines)

EXIT_OK = 0
EXIT_FAILED = 1  # the process could not do all it was asked (e.g. sends that failed)
EXIT_USAGE = 2  # bad knob or option: nothing was touched
EXIT_CRASH = 3  # a chaos crash point fired (os._exit): expected when a scenario asks for it
EXIT_INTERRUPTED = 130  # the runner was interrupted (Ctrl-C / SIGTERM)


def signal_exit(code: int | None) -> bool:
    """A signal ended the process: Popen's negative codes, or a shell's 128 + N."""
    return code is not None and (code < 0 or code >= 128)
