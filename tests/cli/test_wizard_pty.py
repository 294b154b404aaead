"""`dendro configure` and `dendro-node init` asked through a real pseudo-terminal (pexpect), as a
person at a terminal runs them: the installed console scripts, questionary reading the tty.

Each wrong answer must be asked again with its reason shown, never end the run."""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

import pexpect
import pytest

from dendro.vector_configs.validate import load_config_file, validate_config

SAMPLE_SERVER = Path(__file__).parents[1] / "fixtures" / "sample_server"
BIN = Path(sys.executable).parent
ENTER, CLEAR, SPACE = "\r", "\x15", " "  # Ctrl-U clears the proposed answer
CURSOR_POSITION_REQUEST = "\x1b[6n"


@pytest.fixture
def spawn(tmp_path: Path):  # type: ignore[no-untyped-def]
    children: list[pexpect.spawn] = []

    def start(program: str, *args: str) -> pexpect.spawn:
        env = {**os.environ, "TERM": "xterm", "COLUMNS": "160"}
        env.pop("PROMPT_TOOLKIT_NO_CPR", None)
        child = pexpect.spawn(
            str(BIN / program), list(args), cwd=str(tmp_path), env=env, encoding="utf-8",
            dimensions=(50, 160), timeout=30,
        )  # fmt: skip
        children.append(child)
        return child

    yield start
    for child in children:
        child.close(force=True)


def expect(child: pexpect.spawn, text: str | type[pexpect.EOF]) -> None:
    """Wait for `text`, answering prompt_toolkit's cursor position requests as a terminal does: it
    shows the line under a prompt (where a refused answer's reason goes) only once it knows the
    terminal's height."""
    while child.expect_exact([text, CURSOR_POSITION_REQUEST]) == 1:
        child.send("\x1b[1;1R")


def answer(child: pexpect.spawn, question: str, keys: str) -> None:
    expect(child, question)
    child.send(keys)


def test_configure_asks_again_and_asks_for_paths_and_connection_strings(spawn, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "conf"
    child = spawn("dendro", "configure", "--root", str(SAMPLE_SERVER), "--out", str(out))

    # No source picked: `a` selects all, `a` again none; Enter is refused until one is ticked.
    answer(child, "Which sources should Vector collect?", "aa" + ENTER)
    expect(child, "pick at least one source")
    child.send(SPACE + ENTER)  # nginx_access, the first entry
    # The detected patterns are proposed; a relative path is refused with the reason.
    expect(child, "Log files of nginx_access")
    expect(child, "/var/log/nginx/access.log, /var/log/nginx/*access*.log")
    child.send(CLEAR + "var/log/nginx/shop.log" + ENTER)
    expect(child, "is not absolute")
    child.send(CLEAR + "/var/log/nginx/shop.log" + ENTER)
    answer(child, "Where should events go?", ENTER)
    answer(child, "Collector URL:", CLEAR + "10.0.0.5:8686" + ENTER)
    expect(child, "is not an http(s) URL")
    child.send(CLEAR + "http://10.0.0.5:8686" + ENTER)
    expect(child, "Vector sends the collector's token from DENDRO_TOKEN")
    expect(child, pexpect.EOF)
    child.close()

    assert child.exitstatus == 0, child.before
    settings = tomllib.loads((out / "dendro.toml").read_text())
    assert settings["sources"] == [{"type": "nginx_access", "include": ["/var/log/nginx/shop.log"]}]
    assert settings["sink"]["endpoint"] == "http://10.0.0.5:8686"
    vector = load_config_file(out / "vector.toml")
    assert vector["sources"]["nginx_access"]["include"] == ["/var/log/nginx/shop.log"]
    assert validate_config(vector) == []


def test_node_init_asks_for_the_connection_string_and_the_stream(spawn, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "vector.yaml"
    child = spawn(
        "dendro-node", "init", "--root", str(SAMPLE_SERVER), "--output", str(target),
        "--source", "postgres_metrics",
    )  # fmt: skip

    answer(child, "Which sources should Vector collect?", ENTER)
    expect(child, "PostgreSQL connection string for postgres_metrics:")
    expect(child, "postgresql:///postgres?host=/var/run/postgresql&user=vector")  # the proposal
    child.send(CLEAR + "localhost:5432" + ENTER)
    expect(child, "is not a PostgreSQL connection string")
    child.send(CLEAR + "postgresql://vector@127.0.0.1:5432/postgres" + ENTER)
    answer(child, "Where should events go?", "\x1b[B" + ENTER)  # Firehose
    answer(child, "Firehose stream name:", ENTER)  # empty: asked again
    expect(child, "is not a Firehose stream name")
    child.send("dendro-stream" + ENTER)
    answer(child, "AWS region:", "moon-1" + ENTER)
    expect(child, "is not an AWS region")
    child.send(CLEAR + "eu-west-1" + ENTER)
    expect(child, "Start Vector: vector --config")
    expect(child, pexpect.EOF)
    child.close()

    assert child.exitstatus == 0, child.before
    assert "DENDRO_TOKEN" not in child.before  # no token for Firehose
    settings = tomllib.loads((tmp_path / "dendro.toml").read_text())
    assert settings["sources"] == [
        {
            "type": "postgres_metrics",
            "options": {"endpoints": ["postgresql://vector@127.0.0.1:5432/postgres"]},
        }
    ]
    vector = load_config_file(target)
    assert vector["sources"]["postgres_metrics"]["endpoints"] == [
        "postgresql://vector@127.0.0.1:5432/postgres"
    ]
    assert vector["sinks"]["firehose"]["stream_name"] == "dendro-stream"


def test_ctrl_c_writes_nothing(spawn, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    child = spawn("dendro", "configure", "--root", str(tmp_path), "--out", str(tmp_path / "conf"))

    answer(child, "Which sources should Vector collect?", "\x03")
    expect(child, pexpect.EOF)
    child.close()

    assert child.exitstatus == 130
    assert "cancelled; nothing was written" in child.before
    assert not (tmp_path / "conf").exists()
