"""An installed Dendro works from any folder: the wheel built from this tree, installed into a fresh
venv outside the repository, run from an empty working directory.

The venv is fresh (`python -m venv` in a temporary folder) and the wheel goes in with pip, so what
Dendro adds to site-packages is exactly what a user's `pip install`/`pipx install` adds. Its
dependencies are not downloaded again: a `.pth` line lets the venv import them from this test run's
own environment (the pins are the same); the `dendro` package itself comes from the wheel alone,
which every test below checks. `dendro synth` runs the real pinned CDK CLI as a `cdk` on PATH (the
checkout's node_modules/.bin put first on PATH), the lookup an installed Dendro uses; `dendro deploy`
runs with no AWS credentials anywhere and instance metadata disabled, so it stops at the credential
check without any network traffic.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from dendro.stack.cdk_cli import PINNED_CDK_CLI

REPO = Path(__file__).resolve().parents[1]
NODE_BIN = REPO / "node_modules" / ".bin"
if not (NODE_BIN / "cdk").exists():  # failed, not skipped: `make test` installs it
    raise RuntimeError("the pinned CDK CLI is not installed: run `make install` (npm ci)")


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    site_packages: Path
    added: frozenset[str]  # what installing the wheel added to site-packages

    @property
    def bin(self) -> Path:
        return self.venv / "bin"


def run(args: list[str | Path], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600, **kwargs)  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("install")
    assert REPO not in work.parents, "the install must happen outside the repository"
    # Built from a copy of what a clone holds, so no stale build/ folder of the checkout leaks in.
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(REPO / "dendro", source / "dendro", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    built = run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", work / "dist", source])
    assert built.returncode == 0, built.stderr
    [wheel] = (work / "dist").glob("dendro-*.whl")

    venv = work / "venv"
    made = run([sys.executable, "-m", "venv", "--without-pip", venv])  # as pipx and `uv tool` make them
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip())
    # The dependencies, from this run's environment (see the module docstring).
    (site / "_dendro_test_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    before = set(os.listdir(site))
    added = run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", wheel])
    assert added.returncode == 0, added.stderr
    return Installed(wheel, venv, site, frozenset(set(os.listdir(site)) - before))


@pytest.fixture
def empty_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    return folder


def user_env(installed: Installed, home: Path) -> dict[str, str]:
    """A user's shell with the venv's bin and a `cdk` on PATH, and no AWS credentials at all."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = os.pathsep.join([str(installed.bin), str(NODE_BIN), env.get("PATH", "")])
    env["HOME"] = str(home)
    env["AWS_CONFIG_FILE"] = env["AWS_SHARED_CREDENTIALS_FILE"] = str(home / "no-aws-config")
    env["AWS_EC2_METADATA_DISABLED"] = "true"  # botocore would otherwise ask 169.254.169.254
    return env


def test_only_dendro_names_are_added_to_site_packages(installed: Installed) -> None:
    assert installed.added == {"dendro", f"{installed.wheel.name.split('-')[0]}-0.1.0.dist-info"}


def test_the_wheel_carries_every_data_file_of_the_package(installed: Installed) -> None:
    tracked = run(["git", "ls-files", "dendro"], cwd=REPO).stdout.split()
    data = {name for name in tracked if not name.endswith(".py")}
    assert {"dendro/vector_configs/schema/vector-config.schema.json"} <= data  # the check itself
    with zipfile.ZipFile(installed.wheel) as wheel:
        shipped = set(wheel.namelist())
    assert data - shipped == set()
    assert {name for name in tracked if name.endswith(".py")} - shipped == set()
    assert all(name.startswith(("dendro/", "dendro-")) for name in shipped)


def test_the_package_imports_from_the_install_not_the_checkout(installed: Installed, empty_dir: Path) -> None:
    result = run([installed.bin / "python", "-c", "import dendro; print(dendro.__file__)"], cwd=empty_dir)

    assert Path(result.stdout.strip()).parent == installed.site_packages / "dendro"


def test_help_works_from_an_empty_folder(installed: Installed, empty_dir: Path, tmp_path: Path) -> None:
    result = run([installed.bin / "dendro", "--help"], cwd=empty_dir, env=user_env(installed, tmp_path))

    assert result.returncode == 0, result.stderr
    assert "synth" in result.stdout and "deploy" in result.stdout


def test_synth_from_an_empty_folder_uses_the_cdk_on_path(
    installed: Installed, empty_dir: Path, tmp_path: Path
) -> None:
    env = user_env(installed, tmp_path)
    # The installed package has no node_modules beside it: the pinned CLI on PATH is the one found.
    found = run(
        [installed.bin / "python", "-c", "from dendro.stack.cdk_cli import find_cdk; c = find_cdk(); "
         "print(c.origin); print(*c.command)"],
        cwd=empty_dir,
        env=env,
    )  # fmt: skip
    assert found.stdout.split("\n")[:2] == ["PATH", str(NODE_BIN / "cdk")], found.stderr
    assert PINNED_CDK_CLI in run([NODE_BIN / "cdk", "--version"], env=env).stdout

    out = tmp_path / "templates"
    result = run([installed.bin / "dendro", "synth", "--out", out, "--no-bundle"], cwd=empty_dir, env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert (out / "Dendro.template.json").stat().st_size > 10_000
    assert not (installed.site_packages / "cdk.out").exists()


def test_deploy_from_an_empty_folder_stops_at_the_credential_check(
    installed: Installed, empty_dir: Path, tmp_path: Path
) -> None:
    result = run(
        [installed.bin / "dendro", "deploy", "--alert-email", "ops@example.org", "--region", "eu-west-1"],
        cwd=empty_dir,
        env=user_env(installed, tmp_path),
    )

    *warnings, error = result.stderr.strip().splitlines()
    assert result.returncode == 1
    assert error == (
        "Error: no AWS credentials found: run `aws configure` (or `aws sso login`), or pass --profile"
    )
    assert all(line.startswith("Warning: Node.js") for line in warnings), warnings  # Node 20 here


def test_the_lambda_bundle_builds_from_the_installed_package_without_pip(
    installed: Installed, tmp_path: Path
) -> None:
    # pipx and `uv tool` environments have no pip (this test's imports this run's pip through the
    # .pth line, so it is hidden): the bundle is built with the pip wheel that ships with Python.
    bundle = tmp_path / "bundle"
    code = "import sys; sys.modules['pip'] = None; from pathlib import Path; "
    code += "from dendro.stack.bundling import build_bundle, pip_command; print(pip_command()[-1]); "
    code += "build_bundle(Path(sys.argv[1]))"
    result = run([installed.bin / "python", "-c", code, bundle], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()).parent.name.startswith("pip-")  # .../pip-X.Y-py3-none-any.whl/pip

    source = installed.site_packages / "dendro"
    for package in ("ingest_lambda", "catalog"):
        expected = {p.relative_to(source) for p in (source / package).rglob("*.py")}
        bundled = {p.relative_to(bundle / "dendro") for p in (bundle / "dendro" / package).rglob("*.py")}
        assert bundled == expected
    assert {p.name for p in (bundle / "dendro").iterdir()} == {"__init__.py", "ingest_lambda", "catalog"}
    assert list((bundle / "orjson").glob("orjson.cpython-*-aarch64-linux-gnu.so"))
