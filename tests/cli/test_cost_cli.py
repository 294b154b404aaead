"""`dendro cost`: options, output, errors, as the user sees them."""

from __future__ import annotations

from typing import Any

import typer
from typer.testing import CliRunner

from dendro.cli.cost import cost


def invoke(*args: str) -> Any:
    app = typer.Typer(pretty_exceptions_show_locals=False)
    app.command()(cost)
    return CliRunner().invoke(app, list(args))


def test_the_default_store_is_iceberg_with_a_line_per_item_and_a_total() -> None:
    result = invoke("--gb-per-day", "10")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "Dendro monthly estimate: iceberg store, 10 GB/day, 30 days retained "
        "(us-east-1, prices read 2026-11-27)"
    )
    for item in ("Firehose", "Lambda", "S3", "Athena", "CloudWatch", "Total"):
        assert any(line.startswith(item) for line in lines), item
    assert "check https://calculator.aws" in result.stdout


def test_timestream_with_retention() -> None:
    result = invoke("--gb-per-day", "1", "--store", "timestream", "--days-retained", "90")
    assert result.exit_code == 0, result.output
    assert "magnetic store (90 days)" in result.stdout
    assert "Athena" not in result.stdout


def test_markdown() -> None:
    result = invoke("--gb-per-day", "100", "--markdown")
    assert "| **Total** | | | **" in result.stdout


def test_errors_name_the_flag_and_a_good_value() -> None:
    result = invoke("--gb-per-day", "-1")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: --gb-per-day -1 is out of range; give the daily volume in GB, e.g. --gb-per-day 10"
    )
    result = invoke("--gb-per-day", "1", "--days-retained", "0")
    assert result.exit_code == 1 and "--days-retained 0 is out of range" in result.stderr
    assert invoke("--gb-per-day", "1", "--store", "dynamo").exit_code == 2
    assert invoke().exit_code == 2  # --gb-per-day is required
