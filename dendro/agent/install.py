"""How to install Vector on this machine, following Vector's official instructions per package manager.

The plan is data (steps of argv lists) so it can be printed, reviewed and tested; running it is the
CLI's job, and any downloaded script is shown in full before it runs.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass

# Vector's official repository setup script (packages.timber.io / apt.vector.dev / yum.vector.dev).
SETUP_SCRIPT_URL = "https://setup.vector.dev"
# Vector's official generic installer, for machines without a supported package manager.
INSTALLER_URL = "https://sh.vector.dev"


@dataclass(frozen=True)
class Step:
    describe: str
    # For a script step, the script's own arguments: it runs as `bash SCRIPT ARGS...` once the
    # CLI has downloaded it, shown it and asked.
    argv: tuple[str, ...]
    script_url: str | None = None


@dataclass(frozen=True)
class InstallPlan:
    manager: str
    steps: tuple[Step, ...]


def _script_url(default: str) -> str:
    # Overridable for mirrors and air-gapped hosts (and file:// URLs in tests).
    return os.environ.get("DENDRO_VECTOR_SCRIPT_URL", default)


def _repo_then(install: tuple[str, ...]) -> tuple[Step, ...]:
    return (
        Step("add Vector's package repository (official setup script)", (), _script_url(SETUP_SCRIPT_URL)),
        Step("install the vector package", install),
    )


def _steps(manager: str) -> tuple[Step, ...]:
    if manager in ("apt-get", "dnf", "yum"):
        return _repo_then((manager, "install", "-y", "vector"))
    if manager == "apk":
        return (Step("install vector from Alpine's community repository", ("apk", "add", "vector")),)
    return (
        Step("add Vector's Homebrew tap", ("brew", "tap", "vectordotdev/brew")),
        Step("install vector", ("brew", "install", "vector")),
    )


# Preference order when several are present (a Linux box with Homebrew installed, say).
MANAGERS = ("apt-get", "dnf", "yum", "apk", "brew")


def plan_install(which: Callable[[str], str | None] = shutil.which) -> InstallPlan:
    for manager in MANAGERS:
        if which(manager):
            return InstallPlan(manager, _steps(manager))
    return InstallPlan(
        "none",
        (Step("run Vector's official installer into ~/.vector", ("-y",), _script_url(INSTALLER_URL)),),
    )


def render_plan(plan: InstallPlan) -> list[str]:
    lines = []
    for number, step in enumerate(plan.steps, 1):
        command = " ".join(step.argv)
        if step.script_url:
            args = f" -s -- {command}" if command else ""
            command = f"curl --proto '=https' --tlsv1.2 -sSfL {step.script_url} | bash{args}"
        lines.append(f"{number}. {step.describe}:\n   {command}")
    return lines
