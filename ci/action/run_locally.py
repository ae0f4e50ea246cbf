"""Run action.yml's steps here, as a GitHub runner would, without GitHub (which cannot be
reached from every machine): each ``run`` step in bash with its ``env`` (``${{ inputs.X }}``,
``${{ runner.temp }}`` and ``${{ steps.ID.outputs.X }}`` filled in), ``GITHUB_ACTION_PATH``,
``GITHUB_PATH`` (prepended to PATH for the next steps), ``GITHUB_OUTPUT`` and
``GITHUB_STEP_SUMMARY`` files. The two ``uses`` steps are stood in for: setup-python by the
Python running this script, upload-artifact by a copy of its ``path`` into ARTIFACTS/NAME.

    python ci/action/run_locally.py --input scenarios=happy --input controls=true --work /tmp/a

Exit code: the first failing step's (later steps run only if they say ``if: always()``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


def fill(text: str, context: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match[1]
        if name not in context:
            raise SystemExit(f"run_locally: no value for ${{{{ {name} }}}}")
        return context[name]

    return EXPRESSION.sub(value, text)


def read_lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", action="append", default=[], help="NAME=VALUE")
    parser.add_argument("--work", type=Path, required=True, help="the runner's folders go here")
    args = parser.parse_args(argv)
    action: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text())
    given = dict(item.split("=", 1) for item in args.input)
    unknown = set(given) - set(action["inputs"])
    if unknown:
        raise SystemExit(f"run_locally: action.yml has no input {', '.join(sorted(unknown))}")
    inputs = {n: given.get(n, str(spec.get("default", ""))) for n, spec in action["inputs"].items()}

    work = args.work.resolve()
    temp, workspace, artifacts = work / "temp", work / "workspace", work / "artifacts"
    for folder in (temp, workspace, artifacts):
        folder.mkdir(parents=True, exist_ok=True)
    files = {name: work / f"{name.lower()}.txt" for name in ("GITHUB_PATH", "GITHUB_OUTPUT")}
    summary = work / "step-summary.md"
    context = {f"inputs.{name}": value for name, value in inputs.items()}
    context["runner.temp"] = str(temp)
    failed = 0
    for step in action["runs"]["steps"]:
        name = step.get("name", step.get("uses", step.get("id", "step")))
        if failed and "always()" not in str(step.get("if", "")):
            print(f"run_locally: skipped: {name}")
            continue
        if "uses" in step:
            code = stand_in(step, context, artifacts)
        else:
            env = dict(os.environ)
            added = read_lines(files["GITHUB_PATH"])
            env["PATH"] = os.pathsep.join([*reversed(added), env["PATH"]])
            env |= {k: str(v) for k, v in files.items()}
            env |= {"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_ACTION_PATH": str(ROOT)}
            env |= {"RUNNER_TEMP": str(temp), "GITHUB_WORKSPACE": str(workspace), "CI": "true"}
            env |= {k: fill(str(v), context) for k, v in step.get("env", {}).items()}
            files["GITHUB_OUTPUT"].write_text("")
            print(f"run_locally: {name}", flush=True)
            code = subprocess.run(
                [step.get("shell", "bash"), "-c", step["run"]], cwd=workspace, env=env
            ).returncode
            for line in read_lines(files["GITHUB_OUTPUT"]):
                key, _, value = line.partition("=")
                context[f"steps.{step.get('id', '')}.outputs.{key}"] = value
        if code and not failed:
            failed = code
            print(f"run_locally: {name} failed (exit {code})", file=sys.stderr)
    return failed


def stand_in(step: dict[str, Any], context: dict[str, str], artifacts: Path) -> int:
    """The two actions this one uses, as far as a local run can be them."""
    action = step["uses"].split("@")[0]
    with_ = {k: fill(str(v), context) for k, v in step.get("with", {}).items()}
    if action == "actions/setup-python":
        wanted = tuple(int(p) for p in with_["python-version"].split(".")[:2])
        print(f"run_locally: setup-python {with_['python-version']}: using {sys.executable}")
        return 0 if sys.version_info[:2] >= (3, 11) and wanted >= (3, 11) else 1
    if action == "actions/upload-artifact":
        source = Path(with_["path"])
        if not source.exists():
            return 0 if with_.get("if-no-files-found") == "ignore" else 1
        shutil.copytree(source, artifacts / with_["name"], dirs_exist_ok=True)
        print(f"run_locally: upload-artifact {with_['name']}: {source}")
        return 0
    print(f"run_locally: no stand-in for {action}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
