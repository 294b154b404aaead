"""Finding and running the AWS CDK CLI on Dendro's packaged CDK app.

No CDK import here: the CLI commands build a command line and run it, and Node does the rest. The
app (`dendro.stack.app`) ships inside the package, so an installed Dendro deploys from any folder.

The CLI is looked up in this order, and the first that works is used:
1. `node_modules/.bin/cdk` of a repository checkout (`npm ci` there installs the pinned version);
2. `cdk` on PATH, if its version is at least the pinned one (`npm install -g aws-cdk`);
3. `npx --yes aws-cdk@<pinned>`, which fetches the pinned version from the npm registry once.
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

# The folder holding the `dendro` package: a checkout (with package.json, node_modules) or site-packages.
SOURCE_ROOT = Path(__file__).resolve().parents[2]
# package.json's aws-cdk pin, repeated here because an installed wheel has no package.json; a test
# keeps the two equal.
PINNED_CDK_CLI = "2.1148.1"
MIN_NODE = 20  # the CDK CLI still runs on it...
SUPPORTED_NODE = 22  # ...but only 22+ is supported (Node 20 reached end-of-life in 2026)
INSTALL_HINT = f"npm install -g aws-cdk@{PINNED_CDK_CLI}"
# Deploy, diff and destroy keep their cloud assembly here, below the folder the user runs Dendro in.
ASSEMBLY_DIR = Path(".dendro") / "cdk.out"


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


@dataclass(frozen=True)
class CdkCli:
    """The command that starts the CDK CLI, and where it was found (said when something fails)."""

    command: tuple[str, ...]
    origin: str

    def __str__(self) -> str:
        return " ".join(self.command)


def check_node() -> Node:
    node = shutil.which("node")
    if node is None:
        raise PreflightError(
            f"node not found: install Node.js {SUPPORTED_NODE} or newer, then run Dendro again"
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
            f"Node.js {version} is too old for the CDK CLI: install Node.js {SUPPORTED_NODE} or newer"
        )
    return Node(version=version, major=major)


def _version_tuple(text: str) -> tuple[int, ...] | None:
    found = re.search(r"(\d+)\.(\d+)\.(\d+)", text)
    return tuple(int(part) for part in found.groups()) if found else None


def _path_cdk_version(binary: str) -> tuple[int, ...] | None:
    try:
        result = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return _version_tuple(result.stdout) if result.returncode == 0 else None


def find_cdk(root: Path = SOURCE_ROOT) -> CdkCli:
    """The first CDK CLI that works, in the order the module docstring gives."""
    local = root / "node_modules" / ".bin" / "cdk"
    if local.exists():
        return CdkCli((str(local),), f"the checkout's node_modules ({root})")
    pinned = _version_tuple(PINNED_CDK_CLI)
    on_path = shutil.which("cdk")
    if on_path is not None:
        found = _path_cdk_version(on_path)
        if found is not None and pinned is not None and found >= pinned:
            return CdkCli((on_path,), "PATH")
    npx = shutil.which("npx")
    if npx is not None:
        return CdkCli((npx, "--yes", f"aws-cdk@{PINNED_CDK_CLI}"), "npx (fetched from the npm registry once)")
    too_old = f" (the `cdk` on PATH, {on_path}, is older than {PINNED_CDK_CLI})" if on_path else ""
    raise PreflightError(f"the AWS CDK CLI was not found{too_old}: run `{INSTALL_HINT}`")


def context_args(context: Mapping[str, str]) -> list[str]:
    args: list[str] = []
    for key, value in context.items():
        args += ["--context", f"{key}={value}"]
    return args


def app_command() -> str:
    # The app runs with this very interpreter, so the environment that has dendro has aws_cdk too.
    return f"{sys.executable} -m dendro.stack.app"


def cdk_command(verb: str, *args: str, context: Mapping[str, str], cli: CdkCli) -> list[str]:
    return [*cli.command, verb, *args, "--app", app_command(), *context_args(context)]


def cdk_environment(*, region: str | None = None, profile: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    if region:
        env["AWS_REGION"] = env["AWS_DEFAULT_REGION"] = region
    if profile:
        env["AWS_PROFILE"] = profile
    # jsii prints a screen-wide banner about Node 20; `dendro` has already said it in one line.
    env.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", str(MIN_NODE))
    return env


def run(command: Sequence[str], *, env: Mapping[str, str]) -> int:
    """Run CDK in the user's folder, its output going straight to the terminal (progress, prompts)."""
    return subprocess.run(list(command), env=dict(env), check=False).returncode
