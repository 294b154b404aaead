"""Validate one decoded event against the catalog and normalize it into a typed row.

Pure: no I/O, no AWS. Coercion is lossless only ("200" -> 200, 3.0 -> 3); anything else is a reject
with a stable reason code, so a bad record is dead-lettered and never stored half-right. Nothing here
raises on a value: an integer outside 64 bits, a float too large to be an exact integer, or a time that
cannot be represented (year 0001 at +01:00) or lies outside the `TimeWindow` is a reject too.

`RowBuilder` is the hot path of every store's ingest. Nearly every event arrives exactly as the
catalog's VRL program shaped it, so a generated fast path checks that case in one expression, and
only events that need coercion (or are rejected) take the general path, which decides alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from dendro.catalog.model import PARSE_ERROR_FIELD, Field, FieldType, Source

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# Beyond this a float no longer holds every integer exactly: orjson reads an integer literal outside
# 64 bits (-9223372036854775809) as a float, which must not come back as a clamped integer.
FLOAT_EXACT_INT = 2**53


@dataclass(frozen=True)
class TimeWindow:
    """Event times a store accepts: from `earliest` to `ahead` past the moment of ingest. A year 0001 or
    9999 timestamp is a bug or an attack, and would also pin a chart's axis for ever."""

    earliest: datetime = datetime(1970, 1, 1, tzinfo=UTC)
    ahead: timedelta = timedelta(days=1)

    def describe(self) -> str:
        return f"{self.earliest:%Y-%m-%d} to now + {self.ahead}"


DEFAULT_WINDOW = TimeWindow()

# A row holds the values of `Source.columns`, in that order: the layout every store writes.
Row = tuple[Any, ...]


@dataclass(frozen=True)
class Invalid:
    """Why an event cannot be stored. `reason` is a stable short code; `detail` is for humans."""

    reason: str
    detail: str
    type: str | None = None


class _CoercionError(ValueError):
    pass


def _string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # e.g. a numeric procid where text was declared: lossless
    raise _CoercionError


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise _CoercionError
    if isinstance(value, int):
        result = value
    elif isinstance(value, float) and value.is_integer() and abs(value) <= FLOAT_EXACT_INT:
        result = int(value)
    elif isinstance(value, str) and len(value) <= 40 and value.isascii() and "_" not in value:
        try:  # int() decides: "+-5" or "²" would pass a digit test, and "1_000" int() itself
            result = int(value)
        except ValueError:
            raise _CoercionError from None
    else:
        raise _CoercionError
    if not INT64_MIN <= result <= INT64_MAX:
        raise _CoercionError
    return result


def _float(value: Any) -> float:
    if isinstance(value, bool):
        raise _CoercionError
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(value)
        except ValueError:
            raise _CoercionError from None
    else:
        raise _CoercionError
    if not math.isfinite(result):
        raise _CoercionError
    return result


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise _CoercionError


class _OutsideWindowError(_CoercionError):
    pass


def _timestamp_text(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
        zone = parsed.tzinfo
        if zone is UTC:  # what Vector sends ("...Z"): nothing to convert
            return parsed
        if zone is None:
            raise _CoercionError  # RFC 3339 requires an offset; guessing one would shift the event
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: 0001-01-01T00:00:00+01:00 is before year 1
        raise _CoercionError from None


class _Timestamps:
    """Timestamp text -> UTC datetime inside the window, with a cache: events of one second share
    their text (logs are written at second resolution, and a batch is a few seconds of them), so each
    distinct text is parsed once. Only times inside the window are cached; the window's end only
    moves later, so a time accepted once stays acceptable."""

    def __init__(self, window: TimeWindow) -> None:
        self.window = window
        self.seen: dict[str, datetime] = {}

    def __call__(self, value: Any) -> datetime:
        if not isinstance(value, str):
            raise _CoercionError
        parsed = self.seen.get(value)
        if parsed is not None:
            return parsed
        parsed = _timestamp_text(value)
        if not self.window.earliest <= parsed <= datetime.now(UTC) + self.window.ahead:
            raise _OutsideWindowError
        if len(self.seen) >= 4096:
            self.seen.clear()
        self.seen[value] = parsed
        return parsed


COERCE: Mapping[FieldType, Callable[[Any], Any]] = {
    FieldType.STRING: _string,
    FieldType.INT: _int,
    FieldType.FLOAT: _float,
    FieldType.BOOL: _bool,
}

# The JSON type each field type arrives as when the sender did everything right (Vector, after the
# catalog's VRL program): the fast path accepts exactly these and leaves every other case to COERCE.
_JSON_TYPE: Mapping[FieldType, str] = {
    FieldType.STRING: "str",
    FieldType.INT: "int",
    FieldType.FLOAT: "float",
    FieldType.BOOL: "bool",
    FieldType.TIMESTAMP: "str",
}


def _fast_check(index: int, field: Field) -> str:
    value = f"v{index}"
    check = f"type({value}) is {_JSON_TYPE[field.type]}"
    if field.type is FieldType.INT:
        # orjson decodes integers up to 2**64 - 1; every store's integer column is signed 64-bit.
        check += f" and {INT64_MIN} <= {value} <= {INT64_MAX}"
    elif field.type is FieldType.FLOAT:
        check += f" and isfinite({value})"
    return check if field.required else f"({value} is None or {check})"


def _fast_value(index: int, field: Field) -> str:
    if field.type is FieldType.TIMESTAMP:
        # The cache lookup is inlined: a C-level dict.get per record instead of a Python call.
        return f"v{index} if v{index} is None else (seen_utc(v{index}) or to_utc(v{index}))"
    return f"v{index}"


FastPath = Callable[[Mapping[str, Any]], Row | None]


def _fast_path(fields: tuple[Field, ...], timestamps: _Timestamps) -> FastPath:
    """Compile `build(event) -> row`, or None unless every value is present-if-required and exactly of
    its JSON type (and the event is no parse failure). Generated, as dataclasses generates __init__,
    because one plain expression per column runs about twice as fast as a loop over the columns, and
    this runs once per stored record. Field names enter the code only as repr() literals."""
    lines = ["def build(event):", f"    if {PARSE_ERROR_FIELD!r} in event:", "        return None"]
    lines += ["    get = event.get"]
    lines += [f"    v{i} = get({field.name!r})" for i, field in enumerate(fields)]
    lines.append("    if not (")
    lines += [f"        {_fast_check(i, field)} and" for i, field in enumerate(fields)]
    lines += ["        True", "    ):", "        return None", "    try:"]
    lines.append(
        "        return (" + ", ".join(_fast_value(i, field) for i, field in enumerate(fields)) + ",)"
    )
    lines += ["    except CoercionError:", "        return None"]
    namespace: dict[str, Any] = {
        "isfinite": math.isfinite,
        "to_utc": timestamps,
        "seen_utc": timestamps.seen.get,
        "CoercionError": _CoercionError,
    }
    exec("\n".join(lines), namespace)  # the text is built above, from catalog names as literals only
    return namespace["build"]


class RowBuilder:
    """Turns events of one source into rows of its table, or says why one cannot be stored."""

    def __init__(self, source: Source, window: TimeWindow = DEFAULT_WINDOW) -> None:
        self.source = source
        self.window = window
        self.fields: tuple[Field, ...] = source.columns
        self.names: tuple[str, ...] = tuple(f.name for f in self.fields)
        self.timestamps = _Timestamps(window)
        self.coercions = [
            self.timestamps if f.type is FieldType.TIMESTAMP else COERCE[f.type] for f in self.fields
        ]
        # The common case alone: a row, or None for "take the general path". Router calls it directly.
        self.fast: FastPath = _fast_path(self.fields, self.timestamps)

    def __call__(self, event: Mapping[str, Any]) -> Row | Invalid:
        row = self.fast(event)
        return self.coerce(event) if row is None else row

    def coerce(self, event: Mapping[str, Any]) -> Row | Invalid:
        """The general path: lossless coercion of each value, and the first problem as the reason."""
        if PARSE_ERROR_FIELD in event:
            error = event[PARSE_ERROR_FIELD]
            detail = error if isinstance(error, str) else _shown(error)
            return Invalid("unparsed", detail[:500], self.source.type)
        values: list[Any] = []
        for field, coerce in zip(self.fields, self.coercions, strict=True):
            value = event.get(field.name)
            if value is None:
                if field.required:
                    return Invalid("missing_field", f"{field.name!r} is required", self.source.type)
                values.append(None)
                continue
            try:
                values.append(coerce(value))
            except _OutsideWindowError:
                detail = f"{field.name!r} is {_shown(value)}, outside {self.window.describe()}"
                return Invalid("bad_timestamp", detail, self.source.type)
            except _CoercionError:
                return _bad_value(field, value, self.source)
        return tuple(values)


_BUILDERS: dict[tuple[str, TimeWindow], RowBuilder] = {}


def row_builder(source: Source, window: TimeWindow = DEFAULT_WINDOW) -> RowBuilder:
    """The cached builder for `source` (keyed by type and window, rebuilt if the catalog entry changed)."""
    builder = _BUILDERS.get((source.type, window))
    if builder is None or builder.source is not source:
        builder = _BUILDERS[(source.type, window)] = RowBuilder(source, window)
    return builder


def normalize(event: Mapping[str, Any], source: Source) -> dict[str, Any] | Invalid:
    """Return the row for `source`'s table as a dict of column -> value, or why it cannot be stored.

    Fields the catalog does not declare are not columns in any store, so they are left out here;
    a null or absent optional field is stored as NULL.
    """
    builder = row_builder(source)
    row = builder(event)
    if isinstance(row, Invalid):
        return row
    return dict(zip(builder.names, row, strict=True))


def _bad_value(field: Field, value: Any, source: Source) -> Invalid:
    reason = "bad_timestamp" if field.type is FieldType.TIMESTAMP else "bad_type"
    detail = f"{field.name!r} must be {field.type.value}, got {_shown(value)}"
    if field.type is FieldType.INT and isinstance(value, int | float) and not isinstance(value, bool):
        detail += " (outside the signed 64-bit range, or not an exact integer)"
    return Invalid(reason, detail, source.type)


def _shown(value: Any) -> str:
    """The value for a reject's detail, at most 80 characters. Containers are not repr'd whole: a
    deeply nested one (orjson reads 1,024 levels) would exhaust the stack."""
    if isinstance(value, dict | list):
        return f"a JSON {'object' if isinstance(value, dict) else 'array'} of {len(value)} item(s)"
    shown = repr(value)
    return shown if len(shown) <= 80 else shown[:77] + "..."
