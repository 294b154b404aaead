"""Vector's environment-variable interpolation, applied as Vector applies it: to the raw config text.

Forms (Vector >= 0.38): `$NAME`, `${NAME}`, `${NAME:-default}` (unset or empty), `${NAME-default}`
(unset), `${NAME:?message}`, `${NAME?message}`, and `$$` for a literal `$`. An unset variable with
no default stops Vector; `strict=True` raises the same way, otherwise it becomes "" so a config
written on one machine can be checked on another that lacks the server's secrets.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

_VARIABLE = re.compile(r"\$\$|\$([\w.]+)|\$\{([\w.]+)(?:(:?-|:?\?)([^}]*))?\}")


class InterpolationError(ValueError):
    pass


def interpolate_text(text: str, env: Mapping[str, str] | None = None, *, strict: bool = False) -> str:
    env = os.environ if env is None else env
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1) or match.group(2)
        operator, argument = match.group(3), match.group(4) or ""
        value = env.get(name)
        # With the colon forms an empty value counts as unset, as in the shell.
        if value is None or (value == "" and (operator or "").startswith(":")):
            if operator in ("-", ":-"):
                return argument
            missing.append(f"{name} ({argument})" if argument else name)
            return ""
        if "\n" in value or "\r" in value:
            raise InterpolationError(f"environment variable {name} holds a newline; Vector rejects that")
        return value

    result = _VARIABLE.sub(replace, text)
    if strict and missing:
        raise InterpolationError(f"environment variables not set: {', '.join(missing)}")
    return result


def interpolate(doc: Any, env: Mapping[str, str] | None = None, *, strict: bool = False) -> Any:
    """The same substitution over every string of an already parsed document, e.g. `to_dict(config)`."""
    if isinstance(doc, str):
        return interpolate_text(doc, env, strict=strict)
    if isinstance(doc, dict):
        return {key: interpolate(value, env, strict=strict) for key, value in doc.items()}
    if isinstance(doc, list):
        return [interpolate(value, env, strict=strict) for value in doc]
    return doc
