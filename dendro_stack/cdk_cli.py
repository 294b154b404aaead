"""Running the pinned AWS CDK CLI (`node_modules/.bin/cdk`, from package.json) on this repo's app.

No CDK import here: the CLI commands build a command line and run it, and Node does the rest.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # where app.py, cdk.json and package.json are
MIN_NODE = 20  # the CDK CLI still runs on it...
SUPPORTED_NODE = 22  # ...but only 22+ is supported (Node 20 reached end-of-life in 2026)


class PreflightError(RuntimeError):
    """Something to fix before CDK or AWS can be called; the message says what to run."""


@dataclass(frozen=True)
class Node:
    version: str
    major: int

    @property
    def warning(self) -> str | None:
        if self.major < SUPPORTED_NODE:
            return (
                f"Node.js {self.version} is past end-of-life; CDK still runs on it, but install Node.js "
                f"{SUPPORTED_NODE} or newer when you can"
            )
        return None


def check_node() -> Node:
    node = shutil.which("node")
    if node is None:
        raise PreflightError(
            f"node not found: install Node.js {SUPPORTED_NODE} or newer, then run `npm ci` in {ROOT}"
        )
    result = subprocess.run([node, "--version"], capture_output=True, text=True, check=False)
    found = re.match(r"v?(\d+)\.\d+", result.stdout.strip())
    if result.returncode != 0 or found is None:
        raise PreflightError(
            f"`node --version` failed ({result.stdout or result.stderr!r}); reinstall Node.js"
        )
    version, major = result.stdout.strip(), int(found.group(1))
    if major < MIN_NODE:
        raise PreflightError(
            f"Node.js {version} is too old for the CDK CLI: install Node.js {SUPPORTED_NODE} or newer, "
            f"then run `npm ci` in {ROOT}"
        )
    return Node(version=version, major=major)


def cdk_binary(root: Path = ROOT) -> Path:
    binary = root / "node_modules" / ".bin" / "cdk"
    if not binary.exists():
        raise PreflightError(f"the AWS CDK CLI is not installed: run `npm ci` in {root}")
    return binary


def context_args(context: Mapping[str, str]) -> list[str]:
    args: list[str] = []
    for key, value in context.items():
        args += ["--context", f"{key}={value}"]
    return args


def cdk_command(verb: str, *args: str, context: Mapping[str, str], root: Path = ROOT) -> list[str]:
    # The app runs with this very interpreter, so the venv that has dendro has aws_cdk too.
    app = f"{sys.executable} {root / 'app.py'}"
    return [str(cdk_binary(root)), verb, *args, "--app", app, *context_args(context)]


def cdk_environment(*, region: str | None = None, profile: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    if region:
        env["AWS_REGION"] = env["AWS_DEFAULT_REGION"] = region
    if profile:
        env["AWS_PROFILE"] = profile
    # jsii prints a screen-wide banner about Node 20; `dendro` has already said it in one line.
    env.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", str(MIN_NODE))
    return env


def run(command: Sequence[str], *, env: Mapping[str, str], root: Path = ROOT) -> int:
    """Run CDK with its output going straight to the terminal (progress, approval prompts)."""
    return subprocess.run(list(command), cwd=root, env=dict(env), check=False).returncode
