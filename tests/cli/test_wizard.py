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


@pytest.fixture
def keyboard() -> Iterator:  # type: ignore[type-arg]
    with create_pipe_input() as pipe:
        yield pipe


def test_detected_sources_are_preselected_and_toggles_apply(keyboard) -> None:  # type: ignore[no-untyped-def]
    detected = [Detected("nginx_access", "found /var/log/nginx/access.log"), Detected("host_metrics", "")]
    order = list(SOURCES)
    # Move to nginx_error (second entry) and tick it; keep the preselected ones; accept.
    keyboard.send_text(DOWN * order.index("nginx_error") + SPACE + ENTER)
    keyboard.send_text(ENTER)  # sink: default, the local collector
    keyboard.send_text("\x15http://10.0.0.5:8686" + ENTER)  # Ctrl-U clears the default URL

    choices = run_wizard(detected, Choices(sources=[]), input=keyboard, output=DummyOutput())

    assert choices.sources == ["nginx_access", "nginx_error", "host_metrics"]
    assert choices.sink == "http"
    assert choices.endpoint == "http://10.0.0.5:8686"


def test_firehose_branch_asks_for_stream_and_region(keyboard) -> None:  # type: ignore[no-untyped-def]
    keyboard.send_text(ENTER)  # keep preselection
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
