"""`dendro configure` and `dendro-node init` end to end through typer's CliRunner: real detection,
real generation, and the written config checked against Vector's schema by the validator."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dendro.cli.main import app
from dendro.cli.node import app as node_app
from dendro.stack import preflight
from dendro.stack.names import parameter_path
from dendro.vector_configs.validate import load_config_file, validate_config
from tests.support.aws import ACCOUNT, REGION, StubbedSession

SAMPLE_SERVER = Path(__file__).parents[1] / "fixtures" / "sample_server"
runner = CliRunner()


def test_configure_scripted_form_writes_both_files(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "configure", "--yes", "--source", "nginx_access", "--source", "host_metrics",
            "--sink", "http", "--endpoint", "http://127.0.0.1:8686", "--out", str(tmp_path),
        ],
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    vector = load_config_file(tmp_path / "vector.toml")
    assert validate_config(vector) == []
    assert {"nginx_access", "host_metrics"} <= {s.split("_parse")[0] for s in vector["transforms"]}
    settings = tomllib.loads((tmp_path / "dendro.toml").read_text())
    assert [s["type"] for s in settings["sources"]] == ["nginx_access", "host_metrics"]
    assert settings["sink"]["endpoint"] == "http://127.0.0.1:8686"


def test_configure_firehose_sink(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "configure", "--yes", "--source", "syslog", "--sink", "firehose",
            "--stream", "dendro-stream", "--region", "eu-west-1", "--out", str(tmp_path),
        ],
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    vector = load_config_file(tmp_path / "vector.toml")
    firehose = [s for s in vector["sinks"].values() if s["type"] == "aws_kinesis_firehose"]
    assert firehose and firehose[0]["stream_name"] == "dendro-stream"
    assert firehose[0]["region"] == "eu-west-1"


def test_configure_reads_stream_and_region_from_saved_outputs(tmp_path: Path) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text('{"Dendro": {"DeliveryStreamName": "from-stack", "Region": "us-west-2"}}')

    result = runner.invoke(
        app,
        ["configure", "--yes", "--source", "syslog", "--outputs", str(outputs),  # implies --sink firehose
         "--out", str(tmp_path)],
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    sink = next(iter(load_config_file(tmp_path / "vector.toml")["sinks"].values()))
    assert (sink["stream_name"], sink["region"]) == ("from-stack", "us-west-2")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "nginx_acces"], "nginx_acces"),
        (["--source", "syslog", "--sink", "firehose", "--stream", "s", "--region", "moon-1"], "region"),
        (["--source", "syslog", "--sink", "http", "--endpoint", "not a url"], "endpoint"),
        (["--source", "syslog", "--sink", "firehose"], "--stream"),
    ],
)
def test_configure_rejects_bad_input_naming_the_field(tmp_path: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["configure", "--yes", *args, "--out", str(tmp_path)])

    assert result.exit_code == 1
    assert message in result.output
    assert not (tmp_path / "vector.toml").exists()


def test_configure_without_terminal_or_yes_says_what_to_do(tmp_path: Path) -> None:
    result = runner.invoke(app, ["configure", "--out", str(tmp_path)])

    assert result.exit_code == 1
    assert "--yes" in result.output


def test_configure_output_is_the_old_spelling_of_out(tmp_path: Path) -> None:
    result = runner.invoke(app, ["configure", "--yes", "--source", "syslog", "--output", str(tmp_path)])

    assert result.exit_code == 0, result.output
    assert (tmp_path / "vector.toml").exists() and (tmp_path / "dendro.toml").exists()
    assert "--output DIR is deprecated and will be removed; use --out DIR" in result.stderr
    assert "deprecated" not in result.stdout


def test_configure_and_init_give_the_same_token_hint(tmp_path: Path) -> None:
    common = ["--yes", "--root", str(tmp_path), "--source", "syslog", "--sink", "http"]
    configured = runner.invoke(app, ["configure", *common, "--out", str(tmp_path / "a")])
    initialised = runner.invoke(node_app, ["init", *common, "--output", str(tmp_path / "b" / "vector.toml")])

    hint = "Vector sends the collector's token from DENDRO_TOKEN: set DENDRO_TOKEN in Vector's environment"
    for result in (configured, initialised):
        assert result.exit_code == 0, result.output
        assert [line for line in result.stdout.splitlines() if "DENDRO_TOKEN" in line][0].startswith(hint)


def test_node_init_uses_detection_and_prints_start_command(tmp_path: Path) -> None:
    target = tmp_path / "etc" / "vector" / "vector.toml"

    result = runner.invoke(
        node_app, ["init", "--yes", "--root", str(SAMPLE_SERVER), "--output", str(target), "--host", "web-1"]
    )

    assert result.exit_code == 0, result.output
    assert "nginx_access" in result.output and "/var/log/nginx/access.log" in result.output
    assert f"vector --config {target}" in result.output
    settings = tomllib.loads((target.parent / "dendro.toml").read_text())
    assert {s["type"] for s in settings["sources"]} == {
        "nginx_access", "nginx_error", "postgres", "syslog",
        "host_metrics", "postgres_metrics", "nginx_metrics",
    }  # fmt: skip
    assert validate_config(load_config_file(target)) == []


def test_node_init_systemd_dropin(tmp_path: Path) -> None:
    target = tmp_path / "vector.toml"

    result = runner.invoke(
        node_app,
        [
            "init",
            "--yes",
            "--root",
            str(tmp_path),
            "--output",
            str(target),
            "--source",
            "syslog",
            "--systemd",
        ],
    )

    assert result.exit_code == 0, result.output
    dropin = (tmp_path / "etc/systemd/system/vector.service.d/dendro.conf").read_text()
    assert f"ExecStart=/usr/bin/vector --config {target}" in dropin
    assert "systemctl enable --now vector" in result.output


def test_node_validate_good_and_bad(tmp_path: Path) -> None:
    runner.invoke(node_app, ["init", "--yes", "--root", str(tmp_path), "--output", str(tmp_path / "v.toml"),
                             "--source", "nginx_access"])  # fmt: skip
    good = runner.invoke(node_app, ["validate", str(tmp_path / "v.toml")])
    bad_file = tmp_path / "bad.toml"
    bad_file.write_text(
        (tmp_path / "v.toml")
        .read_text()
        .replace("[sinks.", "[sinks.x]\ntype = 'http'\nbogus = 1\n\n[sinks.", 1)
    )
    bad = runner.invoke(node_app, ["validate", str(bad_file)])
    missing = runner.invoke(node_app, ["validate", str(tmp_path / "nope.toml")])

    assert good.exit_code == 0, good.output
    assert bad.exit_code == 1
    assert "sinks.x" in bad.output
    assert missing.exit_code == 1 and "cannot read" in missing.output


@pytest.mark.parametrize("name", ["node", "vector.toml", "vector.yaml", "vector.yml", "vector.conf"])
def test_node_validate_accepts_every_file_init_writes(tmp_path: Path, name: str) -> None:
    # Vector reads a name without .toml/.yaml/.json as TOML; init writes it so, validate reads it so.
    target = tmp_path / "out" / name
    init = runner.invoke(node_app, ["init", "--yes", "--root", str(tmp_path), "--output", str(target),
                                    "--source", "syslog"])  # fmt: skip

    validate = runner.invoke(node_app, ["validate", str(target)])

    assert init.exit_code == 0, init.output
    assert validate.exit_code == 0, validate.output
    assert f"{target}: valid" in validate.stdout
    assert target.read_text().startswith("# Generated by Dendro")


def test_node_init_refuses_json_before_writing_anything(tmp_path: Path) -> None:
    result = runner.invoke(node_app, ["init", "--yes", "--root", str(tmp_path), "--output",
                                      str(tmp_path / "vector.json"), "--source", "syslog"])  # fmt: skip

    assert result.exit_code == 1
    assert "name the file .toml or .yaml" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_every_command_has_help_with_an_example() -> None:
    for application, command in [(app, "configure"), (app, "install-vector"), (node_app, "init"),
                                  (node_app, "validate"), (node_app, "install-vector")]:  # fmt: skip
        result = runner.invoke(application, [command, "--help"])
        assert result.exit_code == 0
        assert "Example" in result.output or "dendro" in result.output.split("Options")[0]


def test_node_init_from_aws_reads_the_stacks_ssm_parameters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a stack's outputs published in SSM (botocore's Stubber checks the request shape).
    session = StubbedSession()
    monkeypatch.setattr(preflight, "session_factory", lambda profile, region: session)
    session.stub("sts").add_response(
        "get_caller_identity", {"UserId": "AIDA", "Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/x"}
    )
    path = parameter_path("Dendro")
    values = {"DeliveryStreamName": "dendro-stream", "Region": REGION, "Store": "timestream"}
    session.stub("ssm").add_response(
        "get_parameters_by_path",
        {"Parameters": [{"Name": path + k, "Value": v, "Type": "String"} for k, v in values.items()]},
        {"Path": path},
    )
    target = tmp_path / "vector.toml"

    result = runner.invoke(
        node_app, ["init", "--yes", "--from-aws", "--source", "syslog", "--root", str(tmp_path),
                   "--output", str(target)],
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    sink = load_config_file(target)["sinks"]["firehose"]
    assert (sink["stream_name"], sink["region"]) == ("dendro-stream", REGION)
    assert sink["encoding"]["codec"] == "text"  # the timestream store's packed NDJSON records
    session.assert_done()


def test_node_init_from_aws_without_a_pipeline_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = StubbedSession()
    monkeypatch.setattr(preflight, "session_factory", lambda profile, region: session)
    session.stub("sts").add_response(
        "get_caller_identity", {"UserId": "AIDA", "Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/x"}
    )
    session.stub("ssm").add_response(
        "get_parameters_by_path", {"Parameters": []}, {"Path": "/dendro/Dendro/"}
    )

    result = runner.invoke(node_app, ["init", "--yes", "--from-aws", "--root", str(tmp_path),
                                      "--output", str(tmp_path / "v.toml")])  # fmt: skip

    assert result.exit_code == 1
    assert "run `dendro deploy`" in result.output
    assert not (tmp_path / "v.toml").exists()
