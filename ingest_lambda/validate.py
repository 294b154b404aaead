"""Validate one decoded event against the catalog and normalize it into a typed row.

Pure: no I/O, no AWS. Coercion is lossless only ("200" -> 200, 3.0 -> 3); anything else is a reject
with a stable reason code, so a bad record is dead-lettered and never stored half-right.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from catalog.model import PARSE_ERROR_FIELD, Field, FieldType, Source

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


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
    elif isinstance(value, float) and value.is_integer():
        result = int(value)
    elif isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        result = int(value)
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


def _timestamp(value: Any) -> datetime:
    if not isinstance(value, str):
        raise _CoercionError
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _CoercionError from None
    if parsed.tzinfo is None:
        raise _CoercionError  # RFC 3339 requires an offset; guessing one would shift the event
    return parsed.astimezone(UTC)


COERCE: Mapping[FieldType, Callable[[Any], Any]] = {
    FieldType.STRING: _string,
    FieldType.INT: _int,
    FieldType.FLOAT: _float,
    FieldType.BOOL: _bool,
    FieldType.TIMESTAMP: _timestamp,
}


def normalize(event: Mapping[str, Any], source: Source) -> dict[str, Any] | Invalid:
    """Return the row for `source`'s table, or why the event cannot be stored.

    Fields the catalog does not declare are not columns in any store, so they are left out here;
    a null or absent optional field is stored as NULL.
    """
    if PARSE_ERROR_FIELD in event:
        return Invalid("unparsed", str(event[PARSE_ERROR_FIELD])[:500], source.type)
    row: dict[str, Any] = {}
    for field in source.columns:
        value = event.get(field.name)
        if value is None:
            if field.required:
                return Invalid("missing_field", f"{field.name!r} is required", source.type)
            row[field.name] = None
            continue
        try:
            row[field.name] = COERCE[field.type](value)
        except _CoercionError:
            return _bad_value(field, value, source)
    return row


def _bad_value(field: Field, value: Any, source: Source) -> Invalid:
    reason = "bad_timestamp" if field.type is FieldType.TIMESTAMP else "bad_type"
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return Invalid(reason, f"{field.name!r} must be {field.type.value}, got {shown}", source.type)
