"""The Lambda bundle, built as CDK builds it (pip for the Lambda's platform, no Docker).

Needs PyPI for orjson's aarch64 wheel (pip's cache serves it after the first run).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import orjson
import pytest

from dendro.stack.bundling import LAMBDA_PYTHON, build_bundle, source_hash

FORBIDDEN = (
    "pydantic",
    "typer",
    "aws_cdk",
    "constructs",
    "jsii",
    "duckdb",
    "yaml",
    "boto3",
    "botocore",
    "rich",
)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundle")
    build_bundle(out)
    return out


def test_orjson_is_the_manylinux_aarch64_build_for_the_lambdas_python(bundle: Path) -> None:
    tag = LAMBDA_PYTHON.replace(".", "")
    assert list((bundle / "orjson").glob(f"orjson.cpython-{tag}-aarch64-linux-gnu.so"))
    assert (bundle / "dendro" / "ingest_lambda" / "handler.py").exists()
    assert (bundle / "dendro" / "catalog" / "model.py").exists()
    assert not list(bundle.rglob("__pycache__"))


def test_nothing_heavy_is_bundled(bundle: Path) -> None:
    top = {p.name.split("-")[0].split(".")[0].lower() for p in bundle.iterdir()}
    assert top <= {"orjson", "dendro"}, top
    # Of Dendro, only the import-free package root and the two packages the handler imports.
    assert {p.name for p in (bundle / "dendro").iterdir()} == {"__init__.py", "ingest_lambda", "catalog"}


def test_the_handler_imports_from_the_bundle_and_the_standard_library_alone(
    bundle: Path, tmp_path: Path
) -> None:
    # The bundle's orjson is built for aarch64; this machine's orjson stands in for it, alone in a
    # directory. `-S` keeps the venv's site-packages (pydantic, CDK...) off the path.
    (tmp_path / "orjson").symlink_to(Path(orjson.__file__).parent)
    code = (
        "import sys; sys.path[:0] = sys.argv[1:3]; import dendro.ingest_lambda.handler; "
        f"loaded = sorted(m for m in {FORBIDDEN!r} if m in sys.modules); print(loaded)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    result = subprocess.run(
        [sys.executable, "-S", "-c", code, str(tmp_path), str(bundle)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_zipped_bundle_is_far_below_lambdas_limits(bundle: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in bundle.rglob("*"):
            archive.write(path, path.relative_to(bundle))
    assert buffer.tell() < 5 * 1024 * 1024  # the target; Lambda allows 50 MB


def test_the_asset_hash_follows_the_sources() -> None:
    # CDK reuses a bundle whose hash it has seen: the hash must change whenever a bundled file does.
    assert source_hash() == source_hash()
    assert len(source_hash()) == 64
