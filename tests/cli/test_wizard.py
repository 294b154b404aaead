"""The interactive wizard driven through a prompt_toolkit pipe, keystroke by keystroke."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from dendro.agent.configure import Choices
from dendro.agent.detect import Detected
from dendro.catalog import SOURCES
from dendro.cli.wizard import WizardCancelled, run_wizard

DOWN, SPACE, ENTER, CTRL_C = "\x1b[B", " ", "\r", "\x03"
CLEAR = "\x15"  # Ctrl-U: clears the proposed answer


@pytest.fixture
def keyboard() -> Iterator:  # type: ignore[type-arg]
    with create_pipe_input() as pipe:
        yield pipe


def test_detected_sources_are_preselected_and_toggles_apply(keyboard) -> None:  # type: ignore[no-untyped-def]
    detected = [Detected("nginx_access", "found /var/log/nginx/access.log"), Detected("host_metrics", "")]
    order = list(SOURCES)
    # Move to nginx_error (second entry) and tick it; keep the preselected ones; accept.
    keyboard.send_text(DOWN * order.index("nginx_error") + SPACE + ENTER)
    keyboard.send_text(ENTER)  # nginx_access's log files: the catalog's, as nothing matched a pattern
    keyboard.send_text(CLEAR + "/srv/www/logs/error.log" + ENTER)  # nginx_error's
    keyboard.send_text(ENTER)  # sink: default, the local collector
    keyboard.send_text(CLEAR + "http://10.0.0.5:8686" + ENTER)

    choices = run_wizard(detected, Choices(sources=[]), input=keyboard, output=DummyOutput())

    assert choices.sources == ["nginx_access", "nginx_error", "host_metrics"]
    assert choices.sink == "http"
    assert choices.endpoint == "http://10.0.0.5:8686"
    assert choices.include == {"nginx_error": ["/srv/www/logs/error.log"]}  # the catalog's is not copied


def test_firehose_branch_asks_for_stream_and_region(keyboard) -> None:  # type: ignore[no-untyped-def]
    keyboard.send_text(ENTER)  # keep preselection
    keyboard.send_text(ENTER)  # syslog's log files
    keyboard.send_text(DOWN + ENTER)  # AWS Firehose
    keyboard.send_text("dendro-stream" + ENTER)
    keyboard.send_text("eu-west-1" + ENTER)

    choices = run_wizard([], Choices(sources=["syslog"]), input=keyboard, output=DummyOutput())

    assert (choices.sources, choices.sink, choices.stream, choices.region) == (
        ["syslog"],
        "firehose",
        "dendro-stream",
        "eu-west-1",
    )


def test_ctrl_c_cancels(keyboard) -> None:  # type: ignore[no-untyped-def]
    keyboard.send_text(CTRL_C)

    with pytest.raises(WizardCancelled):
        run_wizard([], Choices(sources=[]), input=keyboard, output=DummyOutput())


def test_detected_log_patterns_are_proposed_and_written(keyboard) -> None:  # type: ignore[no-untyped-def]
    # Only the Debian pattern matched on this machine: that is the proposal, and accepting it writes it.
    detected = [Detected("postgres", "found ...", ("/var/log/postgresql/postgresql-15-main.log",),
                         ("/var/log/postgresql/postgresql-*.log",))]  # fmt: skip
    keyboard.send_text(ENTER + ENTER + ENTER + ENTER)  # sources, log files, sink, URL: all proposals

    choices = run_wizard(detected, Choices(sources=[]), input=keyboard, output=DummyOutput())

    assert choices.sources == ["postgres"]
    assert choices.include == {"postgres": ["/var/log/postgresql/postgresql-*.log"]}


def test_metrics_connection_string_is_asked_and_checked(keyboard) -> None:  # type: ignore[no-untyped-def]
    keyboard.send_text(ENTER)  # postgres_metrics, given
    keyboard.send_text(CLEAR + "localhost:5432" + ENTER)  # no scheme: asked again
    keyboard.send_text(CLEAR + "postgresql://vector@db.internal:5432/postgres" + ENTER)
    keyboard.send_text(ENTER + ENTER)

    choices = run_wizard([], Choices(sources=["postgres_metrics"]), input=keyboard, output=DummyOutput())

    assert choices.endpoints == {"postgres_metrics": ["postgresql://vector@db.internal:5432/postgres"]}


def test_invalid_answers_are_asked_again(keyboard) -> None:  # type: ignore[no-untyped-def]
    keyboard.send_text(ENTER)  # host_metrics, given: nothing more to ask about it
    keyboard.send_text(ENTER)  # the local collector
    keyboard.send_text(CLEAR + "10.0.0.5:8686" + ENTER)  # no scheme: refused, asked again
    keyboard.send_text(CLEAR + "http://10.0.0.5:8686" + ENTER)

    choices = run_wizard([], Choices(sources=["host_metrics"]), input=keyboard, output=DummyOutput())

    assert choices.endpoint == "http://10.0.0.5:8686"
