"""`install-vector`: Vector's official install steps for this machine's package manager."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from dendro.cli.console import fail


def install_vector(
    run: Annotated[
        bool, typer.Option("--run", help="Run the steps (shows any script first and asks).")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="With --run: do not ask before running.")] = False,
) -> None:
    """Print (or with --run, run) Vector's official install steps for apt, dnf, yum, apk or brew.

    \b
    Examples:
      dendro install-vector             # prints the steps
      sudo dendro install-vector --run  # runs them; shows the script first
    """
    from dendro.agent.install import plan_install, render_plan

    plan = plan_install()
    typer.echo(f"Package manager: {plan.manager}")
    for line in render_plan(plan):
        typer.echo(line)
    if not run:
        typer.echo("Run them yourself, or again with --run.")
        return
    for step in plan.steps:
        argv = list(step.argv)
        if step.script_url:
            script = _download(step.script_url)
            typer.echo(f"--- {step.script_url} ---\n{script.read_text()}\n--- end of script ---")
            if not yes and not typer.confirm("Run this script?"):
                fail("not run; nothing changed")
            argv = ["bash", str(script), *argv]
        typer.echo(f"$ {' '.join(argv)}")
        result = subprocess.run(argv, check=False)
        if result.returncode != 0:
            fail(f"`{' '.join(argv)}` exited {result.returncode}; fix the cause above and run again")
    typer.echo("Vector is installed. Check with: vector --version")


def _download(url: str) -> Path:
    import urllib.request

    target = Path(tempfile.mkdtemp(prefix="dendro-")) / "install.sh"
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - fixed https URL
            target.write_bytes(response.read())
    except OSError as exc:
        fail(f"cannot download {url}: {exc}; check the network or follow https://vector.dev/docs/setup/")
    return target
