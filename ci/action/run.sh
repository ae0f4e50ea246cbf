#!/usr/bin/env bash
# The action's run step: queuelab run with the action's inputs (given as environment
# variables, never pasted into the script), the verdicts to the job's summary page
# ($GITHUB_STEP_SUMMARY, read by --summary-md), JUnit and JSON beside the run folders.
set -euo pipefail
export QUEUELAB_HOME="$RUNNER_TEMP/queuelab"
mkdir -p "$QUEUELAB_HOME"
args=()
read -r -a names <<< "${QUEUELAB_SCENARIOS:-all}"
case "${names[*]}" in
  all) args+=(--all) ;;
  fast | slow) args+=(--category "${names[0]}") ;;
  *) args+=("${names[@]}") ;;
esac
case "${QUEUELAB_CONTROLS:-false}" in
  true) args+=(--controls) ;;
  false) ;;
  *) echo "controls: expected true or false, got '$QUEUELAB_CONTROLS'" >&2; exit 2 ;;
esac
case "${QUEUELAB_ACTION_TARGET:-local}" in
  http://* | https://*) args+=(--endpoint-url "$QUEUELAB_ACTION_TARGET") ;;
  *) args+=(--target "$QUEUELAB_ACTION_TARGET") ;;
esac
junit="$QUEUELAB_HOME/junit.xml"
json="$QUEUELAB_HOME/results.json"
echo "junit=$junit" >> "$GITHUB_OUTPUT"
echo "json=$json" >> "$GITHUB_OUTPUT"
# QUEUELAB_CONSUMER_COMMAND is read by queuelab run itself (empty: queuelab's consumer).
queuelab run "${args[@]}" --junit "$junit" --json "$json"
