"""Dead letters: each staged object's rejects as one NDJSON object under the bucket's errors/ prefix.

The key is derived from the staged object's key, so processing the same object twice overwrites the
same dead-letter object instead of adding a second copy.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any

import orjson

from dendro.ingest_lambda.batch import Reject


def dead_letter_key(errors_prefix: str, staged_key: str) -> str:
    # staging/2026/11/27/03/Dendro-1-...gz -> errors/staging/2026/11/27/03/Dendro-1-...gz.ndjson
    return f"{errors_prefix}{staged_key}.ndjson"


def reject_line(reject: Reject, source_uri: str) -> bytes:
    line: dict[str, Any] = {
        "reason": reject.reason,
        "detail": reject.detail,
        "type": reject.type,
        "source": source_uri,
    }
    try:
        line["raw"] = reject.raw.decode("utf-8")
    except UnicodeDecodeError:
        # Not text: kept byte for byte so it can be inspected and replayed.
        line["raw_base64"] = base64.b64encode(reject.raw).decode("ascii")
    return orjson.dumps(line)


def dead_letter_body(rejects: Iterable[Reject], source_uri: str) -> bytes:
    return b"".join(reject_line(r, source_uri) + b"\n" for r in rejects)


def write_dead_letters(s3: Any, *, bucket: str, key: str, rejects: list[Reject], source_uri: str) -> None:
    if not rejects:
        return
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=dead_letter_body(rejects, source_uri),
        ContentType="application/x-ndjson",
    )
