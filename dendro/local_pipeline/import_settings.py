"""The per-source settings `dendro local import` parses with: dendro.toml's, then the flags on top.

The same `settings` table Vector's pipeline is generated from (`[[sources]] settings = {...}`), so a
backfill reads a file exactly as the agent would: PostgreSQL's `log_line_prefix`, the `timezone` of
zone-less times.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from dendro.catalog.model import Source
from dendro.vector_configs.programs import parse_program

# setting -> the `dendro local import` flag that sets it
FLAGS = {"log_line_prefix": "--log-line-prefix", "timezone": "--timezone"}


class ImportSettingsError(ValueError):
    pass


def resolve_settings(
    source: Source, *, config: Path | None = None, flags: Mapping[str, str | None] | None = None
) -> dict[str, str]:
    """The settings for importing `source`'s files: the matching `[[sources]]` entry of `config`
    (a dendro.toml), overridden by the flags that were given. Raises ImportSettingsError naming the
    flag or file at fault."""
    settings: dict[str, str] = {}
    if config is not None:
        settings.update(_from_config(source, config))
    given = {name: value for name, value in (flags or {}).items() if value is not None}
    collector = source.default_collector
    for name in given:
        if name not in collector.settings:
            takes = ", ".join(FLAGS.get(s, s) for s in collector.settings) or "no parser settings"
            raise ImportSettingsError(
                f"{FLAGS.get(name, name)} does not apply to {source.type} (it takes {takes})"
            )
    settings.update(given)
    try:
        parse_program(source, collector, settings=settings)
    except ValueError as error:  # a bad log_line_prefix or timezone, named by its own message
        raise ImportSettingsError(str(error)) from None
    return settings


def _from_config(source: Source, config: Path) -> dict[str, str]:
    from dendro.vector_configs.settings import DendroSettings, SettingsError

    try:
        loaded = DendroSettings.load(config)
    except (OSError, SettingsError) as error:
        raise ImportSettingsError(f"--config {config}: {error}") from None
    entries = [entry for entry in loaded.sources if entry.type == source.type]
    if not entries:
        raise ImportSettingsError(
            f"--config {config} has no [[sources]] entry of type {source.type}; add one or give the flags"
        )
    distinct = {tuple(sorted(entry.settings.items())) for entry in entries}
    if len(distinct) > 1:
        names = ", ".join(entry.component_id for entry in entries)
        raise ImportSettingsError(
            f"--config {config} has {len(entries)} {source.type} sources with different settings ({names}); "
            "give the settings as flags instead"
        )
    return dict(entries[0].settings)
