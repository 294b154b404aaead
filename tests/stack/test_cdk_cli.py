"""Where `dendro synth/deploy` find the CDK CLI, in the documented order: the checkout's node_modules,
then a `cdk` on PATH of at least the pinned version, then `npx aws-cdk@<pin>`, else one command to run.

The `cdk` and `npx` on PATH here are real executables (small shell scripts that print a version), so
find_cdk runs them as it would run the real ones; the real pinned CLI is exercised by the synth
tests and by tests/test_install.py."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from dendro.stack import cdk_cli
from dendro.stack.cdk_cli import PINNED_CDK_CLI, PreflightError, find_cdk

REPO = Path(__file__).resolve().parents[2]


def script(folder: Path, name: str, prints: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"#!/bin/sh\necho '{prints}'\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def path_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An otherwise empty PATH: only what a test puts in this folder is found."""
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(folder))
    return folder


@pytest.fixture
def empty_root(tmp_path: Path) -> Path:
    """Where an installed Dendro lives (site-packages): no node_modules beside the package."""
    root = tmp_path / "site-packages"
    root.mkdir()
    return root


def test_the_pin_is_package_jsons() -> None:
    package = json.loads((REPO / "package.json").read_text())

    assert package["devDependencies"]["aws-cdk"] == PINNED_CDK_CLI
    assert cdk_cli.INSTALL_HINT == f"npm install -g aws-cdk@{PINNED_CDK_CLI}"
    # The README's lookup order names the pinned version too.
    readme = (REPO / "README.md").read_text()
    assert f"`{cdk_cli.INSTALL_HINT}`" in readme
    assert f"`npx --yes aws-cdk@{PINNED_CDK_CLI}`" in readme


def test_a_checkouts_node_modules_comes_first(tmp_path: Path, path_dir: Path) -> None:
    local = script(tmp_path / "checkout" / "node_modules" / ".bin", "cdk", PINNED_CDK_CLI)
    script(path_dir, "cdk", f"{PINNED_CDK_CLI} (build 1)")
    script(path_dir, "npx", "10.0.0")

    found = find_cdk(tmp_path / "checkout")

    assert found.command == (str(local),)
    assert "node_modules" in found.origin


@pytest.mark.parametrize("version", [f"{PINNED_CDK_CLI} (build 4a5b6c7)", "2.9999.0 (build 1)", "3.0.0"])
def test_then_a_cdk_on_path_of_the_pinned_version_or_newer(
    empty_root: Path, path_dir: Path, version: str
) -> None:
    on_path = script(path_dir, "cdk", version)
    script(path_dir, "npx", "10.0.0")

    found = find_cdk(empty_root)

    assert found.command == (str(on_path),)
    assert found.origin == "PATH"


def test_an_older_cdk_on_path_is_passed_over_for_npx_with_the_pin(empty_root: Path, path_dir: Path) -> None:
    script(path_dir, "cdk", "2.1000.0 (build 1)")
    npx = script(path_dir, "npx", "10.0.0")

    found = find_cdk(empty_root)

    assert found.command == (str(npx), "--yes", f"aws-cdk@{PINNED_CDK_CLI}")
    assert "npx" in found.origin


def test_a_cdk_on_path_that_fails_or_prints_no_version_is_passed_over(
    empty_root: Path, path_dir: Path
) -> None:
    broken = path_dir / "cdk"
    broken.write_text("#!/bin/sh\necho 'Error: Cannot find module' >&2\nexit 1\n")
    broken.chmod(0o755)
    npx = script(path_dir, "npx", "10.0.0")

    assert find_cdk(empty_root).command[0] == str(npx)


def test_without_any_the_error_names_the_one_command_to_run(empty_root: Path, path_dir: Path) -> None:
    with pytest.raises(PreflightError) as raised:
        find_cdk(empty_root)

    assert f"`npm install -g aws-cdk@{PINNED_CDK_CLI}`" in str(raised.value)


def test_an_old_cdk_and_no_npx_says_which_cdk_is_too_old(empty_root: Path, path_dir: Path) -> None:
    old = script(path_dir, "cdk", "2.100.0 (build 1)")

    with pytest.raises(PreflightError) as raised:
        find_cdk(empty_root)

    assert f"{old}, is older than {PINNED_CDK_CLI}" in str(raised.value)
    assert f"npm install -g aws-cdk@{PINNED_CDK_CLI}" in str(raised.value)
