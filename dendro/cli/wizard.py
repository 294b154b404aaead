"""The interactive part of `dendro configure`: checkbox of sources, then the sink.

Prompts take optional prompt_toolkit input/output so tests can drive them through a pipe.
"""

from __future__ import annotations

from typing import Any

from dendro.agent.configure import DEFAULT_ENDPOINT, Choices
from dendro.agent.detect import Detected
from dendro.catalog import SOURCES


class WizardCancelled(Exception):
    pass


def _ask(question: Any) -> Any:
    answer = question.ask()
    if answer is None:  # questionary returns None on Ctrl-C
        raise WizardCancelled
    return answer


def run_wizard(detected: list[Detected], choices: Choices, **io: Any) -> Choices:
    import questionary

    found = {d.type: d.reason for d in detected}
    preselected = set(choices.sources) or set(found)
    options = [
        questionary.Choice(
            title=f"{s.type:<17} {s.title}" + (f"  [detected: {found[s.type]}]" if s.type in found else ""),
            value=s.type,
            checked=s.type in preselected,
        )
        for s in SOURCES.values()
    ]
    choices.sources = _ask(
        questionary.checkbox("Which sources should Vector collect? (space to toggle)", choices=options, **io)
    )
    choices.sink = _ask(
        questionary.select(
            "Where should events go?",
            choices=[
                questionary.Choice("the local collector (dendro local up)", value="http"),
                questionary.Choice("AWS Kinesis Data Firehose (dendro deploy)", value="firehose"),
            ],
            default="firehose" if choices.sink == "firehose" else "http",
            **io,
        )
    )
    if choices.sink == "http":
        choices.endpoint = _ask(
            questionary.text("Collector URL:", default=choices.endpoint or DEFAULT_ENDPOINT, **io)
        )
    elif choices.outputs is None:
        choices.stream = _ask(questionary.text("Firehose stream name:", default=choices.stream or "", **io))
        choices.region = _ask(questionary.text("AWS region:", default=choices.region or "", **io))
    return choices
