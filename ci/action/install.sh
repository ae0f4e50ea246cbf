#!/usr/bin/env bash
# The action's install step: queuelab from the action's own checkout, into a virtualenv of
# its own under $RUNNER_TEMP, at the versions of constraints.txt; its bin/ goes on PATH for
# the next steps ($GITHUB_PATH). --no-compile: Python compiles a module when it is first
# imported, so the install does not compile the thousands no run uses (as the Makefile does).
set -euo pipefail
venv="$RUNNER_TEMP/queuelab/venv"
python -m venv "$venv"
"$venv/bin/python" -m pip install -qq --disable-pip-version-check --no-compile \
  -c "$GITHUB_ACTION_PATH/constraints.txt" "$GITHUB_ACTION_PATH"
echo "$venv/bin" >> "$GITHUB_PATH"
"$venv/bin/queuelab" --help > /dev/null
echo "queuelab installed in $venv"
