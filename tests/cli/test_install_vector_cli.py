"""`install-vector --run` against stand-in package managers on PATH: real subprocesses, no network
(the setup script comes from a file:// URL through DENDRO_VECTOR_SCRIPT_URL)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dendro.cli.main import app

runner = CliRunner()


@pytest.fixture
def fake_apt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    apt = bin_dir / "apt-get"
    apt.write_text(f'#!/bin/sh\necho "apt-get $*" >> {log}\n')
    apt.chmod(0o755)
    script = tmp_path / "setup.sh"
    script.write_text(f'#!/bin/sh\n# pretend repository setup\necho "setup-script ran" >> {log}\n')
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setenv("DENDRO_VECTOR_SCRIPT_URL", script.as_uri())
    return log


def test_prints_steps_without_running(fake_apt: Path) -> None:
    result = runner.invoke(app, ["install-vector"])

    assert result.exit_code == 0
    assert "Package manager: apt-get" in result.output
    assert "apt-get install -y vector" in result.output
    assert not fake_apt.exists()


def test_run_shows_the_script_and_stops_when_refused(fake_apt: Path) -> None:
    result = runner.invoke(app, ["install-vector", "--run"], input="n\n")

    assert result.exit_code == 1
    assert "pretend repository setup" in result.output  # the script was shown in full
    assert not fake_apt.exists()


def test_run_with_yes_runs_script_then_package_install(fake_apt: Path) -> None:
    result = runner.invoke(app, ["install-vector", "--run", "--yes"])

    assert result.exit_code == 0, result.output
    assert fake_apt.read_text().splitlines() == ["setup-script ran", "apt-get install -y vector"]


def test_failing_step_exits_non_zero(fake_apt: Path, tmp_path: Path) -> None:
    (tmp_path / "bin" / "apt-get").write_text("#!/bin/sh\nexit 100\n")

    result = runner.invoke(app, ["install-vector", "--run", "--yes"], env={"PATH": os.environ["PATH"]})

    assert result.exit_code == 1
    assert "exited 100" in result.output
