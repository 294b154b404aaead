"""Build the Vector config for one server from dendro.toml and the source catalog.

Per source `<id>` (the catalog type, or the `name` given in dendro.toml):

    sources.<id>                 the collector's Vector source, catalog options + overrides
    transforms.<id>_to_log       metric collectors only: metric_to_log
    transforms.<id>_parse        remap running parse_program(): fields + type/host/timestamp
    transforms.<id>_user         optional remap with the user's VRL snippet
    -> the sink (sinks.py), through the packing transforms for the timestream store
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dendro.catalog.model import Collector, Source
from dendro.vector_configs.models import (
    Api,
    FileSource,
    MetricToLog,
    Multiline,
    Remap,
    SourceComponent,
    Transform,
    VectorConfig,
)
from dendro.vector_configs.programs import parse_program
from dendro.vector_configs.settings import CustomSourceSettings, DendroSettings, SourceSettings
from dendro.vector_configs.sinks import build_sink


class ComponentIdClashError(ValueError):
    pass


def build_config(settings: DendroSettings) -> VectorConfig:
    sources: dict[str, SourceComponent] = {}
    transforms: dict[str, Transform] = {}
    outputs: list[str] = []
    for entry in (*settings.sources, *settings.custom):
        source_id, vector_source, pipeline = source_pipeline(entry, host=settings.host)
        _add(sources, {source_id: vector_source})
        _add(transforms, pipeline)
        outputs.append(list(pipeline)[-1])
    sink_transforms, sinks = build_sink(settings.sink, outputs)
    _add(transforms, sink_transforms)
    _add(dict(sources), transforms)  # Vector has one namespace for all component ids
    _add({**sources, **transforms}, sinks)
    return VectorConfig(
        data_dir=settings.data_dir,
        api=Api() if settings.api else None,
        sources=sources,
        transforms=transforms,
        sinks=sinks,
    )


def source_pipeline(
    entry: SourceSettings | CustomSourceSettings, *, host: str | None = None
) -> tuple[str, SourceComponent, dict[str, Transform]]:
    """The Vector source for one dendro.toml entry and its transforms, the last one feeding the sink."""
    source: Source = entry.source
    component_id = entry.component_id
    if isinstance(entry, CustomSourceSettings):
        collector = source.default_collector
        include, options, service, user_vrl, settings = None, {}, entry.service, None, {}
    else:
        collector = source.collector(entry.collector)
        include, options, service = entry.include, entry.options, entry.service
        user_vrl, settings = entry.transform, entry.settings
    transforms: dict[str, Transform] = {}
    upstream = component_id
    if collector.metrics:
        transforms[f"{component_id}_to_log"] = MetricToLog(inputs=[upstream])
        upstream = f"{component_id}_to_log"
    program = parse_program(source, collector, host=host, service=service, settings=settings)
    transforms[f"{component_id}_parse"] = Remap(inputs=[upstream], source=program, drop_on_error=False)
    upstream = f"{component_id}_parse"
    if user_vrl is not None:
        transforms[f"{component_id}_user"] = Remap(inputs=[upstream], source=user_vrl, drop_on_error=False)
    return component_id, vector_source(collector, include=include, options=options), transforms


def vector_source(
    collector: Collector, *, include: list[str] | None = None, options: Mapping[str, Any] | None = None
) -> SourceComponent:
    """The collector's Vector source: catalog options, then the user's `options` on top.

    File sources start at the end of files that have no checkpoint yet (`read_from = "end"`):
    on first install that skips the history already on disk (possibly gigabytes, all of it billed
    and stale), while files that appear later, such as a freshly rotated log, are read from their
    start, and with acknowledgements on a restart resumes at the last delivered line, so nothing
    written while Vector runs or is down is missed. Set `options = { read_from = "beginning" }` to
    backfill. journald's equivalent is `since_now`.
    """
    merged = {**collector.options, **(options or {})}
    if collector.kind == "file":
        if include is not None:
            merged["include"] = include
        if collector.multiline is not None and "multiline" not in merged:
            rule = collector.multiline
            merged["multiline"] = Multiline(
                start_pattern=rule.start_pattern,
                condition_pattern=rule.condition_pattern,
                mode=rule.mode,
                timeout_ms=rule.timeout_ms,
            )
        return FileSource(**merged)
    if collector.kind == "journald":
        merged.setdefault("since_now", True)
    return SourceComponent(type=collector.kind, **merged)


def _add(into: dict[str, Any], new: Mapping[str, Any]) -> None:
    for component_id, component in new.items():
        if component_id in into:
            raise ComponentIdClashError(
                f"two components would be named {component_id!r}; rename a source with `name`"
            )
        into[component_id] = component
