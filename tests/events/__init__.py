"""Raw AWS events as the services send them, read by one helper (as in Powertools' tests)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

EVENTS = Path(__file__).parent


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


def s3_event(*keys: str, bucket: str | None = None) -> dict[str, Any]:
    """The real object-created event, one record per key; keys are URL-encoded as S3 sends them."""
    template = load_event("s3_object_created")
    record = template["Records"][0]
    records = []
    for key in keys or (record["s3"]["object"]["key"],):
        item = copy.deepcopy(record)
        item["s3"]["object"]["key"] = quote_plus(key, safe="/")
        if bucket:
            item["s3"]["bucket"]["name"] = bucket
        records.append(item)
    return {"Records": records}


def s3_event_object(event: dict[str, Any], index: int = 0) -> tuple[str, str]:
    s3 = event["Records"][index]["s3"]
    return s3["bucket"]["name"], s3["object"]["key"]
