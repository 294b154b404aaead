"""The interactive part of `dendro configure` and `dendro-node init`: the sources, where each reads
from (log files, a connection string), then the sink.

Every answer is checked as it is typed, by the rules dendro.toml itself is checked with, and a wrong
one is asked again with the reason below the prompt: a typo never ends the run with advice about
flags the user never typed.

Prompts take optional prompt_toolkit input/output so tests can drive them through a pipe.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from dendro.agent.configure import DEFAULT_ENDPOINT, Choices
from dendro.agent.detect import Detected
from dendro.catalog import SOURCES
from dendro.catalog.model import Source

# What a metrics endpoint is called, and the schemes it may have, by its catalog default's scheme.
_ENDPOINT_KINDS = {
    "postgresql": ("PostgreSQL connection string", ("postgresql", "postgres")),
    "mongodb": ("MongoDB connection string", ("mongodb", "mongodb+srv")),
    "http": ("status page URL", ("http", "https")),
}


class WizardCancelled(Exception):
    pass


def _ask(question: Any) -> Any:
    answer = question.ask()
    if answer is None:  # questionary returns None on Ctrl-C
        raise WizardCancelled
    return answer


def run_wizard(detected: list[Detected], choices: Choices, **io: Any) -> Choices:
    import questionary

    found = {d.type: d for d in detected}
    preselected = set(choices.sources) or set(found)
    options = [
        questionary.Choice(
            title=f"{s.type:<17} {s.title}"
            + (f"  [detected: {found[s.type].reason}]" if s.type in found else ""),
            value=s.type,
            checked=s.type in preselected,
        )
        for s in SOURCES.values()
    ]
    choices.sources = _ask(
        questionary.checkbox(
            "Which sources should Vector collect? (space to toggle)",
            choices=options,
            validate=lambda picked: bool(picked) or "pick at least one source: move to it and press space",
            **io,
        )
    )
    for source_type in choices.sources:
        source = SOURCES[source_type]
        paths = _ask_paths(source, found.get(source_type), io)
        if paths is not None:
            choices.include[source_type] = paths
        endpoint = _ask_endpoint(source, io)
        if endpoint is not None:
            choices.endpoints[source_type] = [endpoint]
    _ask_sink(choices, io)
    return choices


def _ask_paths(source: Source, detected: Detected | None, io: dict[str, Any]) -> list[str] | None:
    """The files a file source reads, proposing the catalog's patterns that matched here (all of
    them when none did); None when the answer is the catalog's own list."""
    import questionary

    collector = source.default_collector
    if collector.kind != "file":
        return None
    catalog = list(collector.options.get("include", ()))
    proposal = list(detected.patterns) if detected is not None and detected.patterns else catalog
    answer = _ask(
        questionary.text(
            f"Log files of {source.type} (comma-separated, globs allowed):",
            default=", ".join(proposal),
            validate=lambda text: _paths_problem(source.type, _split(text)) or True,
            **io,
        )
    )
    paths = _split(answer)
    return None if paths == catalog else paths


def _ask_endpoint(source: Source, io: dict[str, Any]) -> str | None:
    """What a metrics source connects to, proposing the catalog's default; None when kept."""
    import questionary

    defaults = source.default_collector.options.get("endpoints")
    if not defaults:
        return None
    label, schemes = _ENDPOINT_KINDS.get(urlsplit(defaults[0]).scheme, ("endpoint URL", ()))

    def problem(text: str) -> str | bool:
        scheme = urlsplit(text.strip()).scheme
        if schemes and scheme not in schemes:
            return f"{text.strip()!r} is not a {label}; write it like {defaults[0]}"
        return True

    answer = _ask(
        questionary.text(
            f"{label[0].upper()}{label[1:]} for {source.type}:", default=defaults[0], validate=problem, **io
        )
    ).strip()
    return None if answer == defaults[0] else answer


def _ask_sink(choices: Choices, io: dict[str, Any]) -> None:
    import questionary

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
        choices.endpoint = _ask_sink_field(
            "Collector URL:", choices.endpoint or DEFAULT_ENDPOINT, "endpoint", io
        )
    elif choices.outputs is None:
        choices.stream = _ask_sink_field("Firehose stream name:", choices.stream or "", "stream", io)
        choices.region = _ask_sink_field("AWS region:", choices.region or "", "region", io)


def _ask_sink_field(question: str, default: str, field: str, io: dict[str, Any]) -> str:
    import questionary

    kind = "http" if field == "endpoint" else "firehose"
    check = questionary.text(
        question, default=default, validate=lambda text: _sink_problem(kind, field, text) or True, **io
    )
    return str(_ask(check)).strip()


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _paths_problem(source_type: str, paths: list[str]) -> str | None:
    from pydantic import ValidationError

    from dendro.vector_configs.settings import SourceSettings, describe

    if not paths:
        return "give at least one path, e.g. /var/log/app/*.log"
    try:
        SourceSettings.model_validate({"type": source_type, "include": paths})
    except ValidationError as error:
        return describe(error)[0].removeprefix("include: ")
    return None


# A valid value for every other field, so a check reports only on the field being asked.
_SINK_BASE = {
    "http": {"kind": "http", "endpoint": DEFAULT_ENDPOINT},
    "firehose": {"kind": "firehose", "stream": "dendro", "region": "us-east-1"},
}


def _sink_problem(kind: str, field: str, text: str) -> str | None:
    from pydantic import ValidationError

    from dendro.vector_configs.settings import FirehoseSinkSettings, HttpSinkSettings, describe

    model = HttpSinkSettings if kind == "http" else FirehoseSinkSettings
    try:
        model.model_validate({**_SINK_BASE[kind], field: text.strip()})
    except ValidationError as error:
        return describe(error)[0].removeprefix(f"{field}: ")
    return None
