"""The ingest Lambda's code asset, built without Docker.

pip fetches orjson's manylinux aarch64 wheel for the Lambda's Python (whatever machine runs the
synth), then the two pure packages the handler imports are copied beside it: `dendro/ingest_lambda/`
and `dendro/catalog/`, under the import-free `dendro/__init__.py`. Nothing of pydantic, typer or CDK
goes in; boto3 comes with the Lambda runtime.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import BundlingOptions, ILocalBundling
from aws_cdk import aws_lambda as lambda_

# The folder that holds the `dendro` package: the repository checkout, or site-packages when installed.
SOURCE_ROOT = Path(__file__).resolve().parents[2]
LAMBDA_PYTHON = "3.13"
LAMBDA_RUNTIME = lambda_.Runtime.PYTHON_3_13
PLATFORM = "manylinux2014_aarch64"  # Graviton (arm64) Lambda
PACKAGES = ("dendro/ingest_lambda", "dendro/catalog")
PACKAGE_ROOT = "dendro/__init__.py"
# The pin in pyproject.toml is the one source of the version: the bundle gets what the tests ran.
REQUIREMENTS = (f"orjson=={version('orjson')}",)
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo")


class BundleError(RuntimeError):
    pass


def pip_command() -> list[str]:
    """pip, to fetch the Lambda's wheels: this environment's own, else the copy of pip that ships with
    Python (ensurepip's wheel, which runs as it is). pipx and `uv tool` environments have no pip."""
    try:
        import pip  # noqa: F401
    except ImportError:
        pass
    else:
        return [sys.executable, "-m", "pip"]
    folders = [Path("/usr/share/python-wheels")]  # Debian's python3-pip-whl
    try:
        import ensurepip

        folders.insert(0, Path(ensurepip.__file__).parent / "_bundled")
    except ImportError:  # Debian strips ensurepip from its python3
        pass
    for folder in folders:
        for wheel in sorted(folder.glob("pip-*.whl")):
            return [sys.executable, str(wheel / "pip")]
    raise BundleError(
        "pip is needed to build the Lambda bundle and Dendro's environment has none: reinstall Dendro "
        "with `pipx install --preinstall pip .` or `uv tool install --with pip .`"
    )


def build_bundle(output_dir: Path, *, root: Path = SOURCE_ROOT) -> None:
    """Fill `output_dir` with the Lambda's code: wheels for the Lambda's platform, then the packages."""
    command = [
        *pip_command(), "install", "--quiet", "--disable-pip-version-check", "--no-compile",
        "--platform", PLATFORM, "--implementation", "cp", "--python-version", LAMBDA_PYTHON,
        "--only-binary=:all:", "--target", str(output_dir), *REQUIREMENTS,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BundleError(
            f"pip could not fetch {', '.join(REQUIREMENTS)} for {PLATFORM}: {result.stderr.strip()[-500:]}"
            " - check that PyPI is reachable, or synth with --no-bundle"
        )
    for package in PACKAGES:
        shutil.copytree(root / package, output_dir / package, ignore=_SKIP, dirs_exist_ok=True)
    shutil.copyfile(root / PACKAGE_ROOT, output_dir / PACKAGE_ROOT)
    # pip leaves console scripts and caches that the Lambda never runs.
    shutil.rmtree(output_dir / "bin", ignore_errors=True)


def source_hash(root: Path = SOURCE_ROOT) -> str:
    """A hash of everything that goes into the bundle, so CDK rebuilds it only when one changes."""
    digest = hashlib.sha256("\n".join((PLATFORM, LAMBDA_PYTHON, *REQUIREMENTS)).encode())
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo"):
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    digest.update((root / PACKAGE_ROOT).read_bytes())
    return digest.hexdigest()


@jsii.implements(ILocalBundling)
class LocalBundling:
    """CDK calls `try_bundle` before it would fall back to Docker; returning True means done."""

    def try_bundle(self, output_dir: str, *, image: Any = None, **_: Any) -> bool:
        build_bundle(Path(output_dir))
        return True


def ingest_code(*, bundle: bool) -> lambda_.Code:
    if not bundle:
        # Synth-only placeholder (`dendro synth --no-bundle`): the template is complete, the asset is
        # not deployable. `dendro deploy` always bundles.
        return lambda_.Code.from_asset(
            str(SOURCE_ROOT / "dendro" / "ingest_lambda"), exclude=["__pycache__", "*.pyc"]
        )
    return lambda_.Code.from_asset(
        str(SOURCE_ROOT / "dendro" / "ingest_lambda"),
        asset_hash=source_hash(),
        bundling=BundlingOptions(
            image=LAMBDA_RUNTIME.bundling_image,
            local=LocalBundling(),
            # Only reached if local bundling were refused; never here, but CDK requires a command.
            command=["bash", "-c", "echo local bundling only && exit 1"],
        ),
    )
