"""Which staged objects an S3 event names, and reading one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

# GetObject errors that no retry will fix: the object is dead-lettered and the others go on.
PERMANENT_ERRORS = frozenset({"NoSuchKey", "AccessDenied", "InvalidObjectState", "NoSuchBucket"})


class S3EventError(ValueError):
    """The event is not an S3 notification; a wiring bug, so the invocation fails loudly."""


class UnreadableObjectError(Exception):
    """The object cannot be read and never will be (deleted, archived, not ours)."""


@dataclass(frozen=True, slots=True)
class StagedObject:
    bucket: str
    key: str
    size: int

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def staged_objects(event: Mapping[str, Any]) -> list[StagedObject]:
    """Objects created, in event order. S3's one-off `s3:TestEvent` (sent when the notification is
    configured) names none."""
    if event.get("Event") == "s3:TestEvent":
        return []
    records = event.get("Records")
    if not isinstance(records, list):
        raise S3EventError(f"not an S3 event notification (keys: {sorted(event)[:5]})")
    objects = []
    for record in records:
        if record.get("eventSource") != "aws:s3" or not str(record.get("eventName", "")).startswith(
            "ObjectCreated:"
        ):
            continue
        s3 = record["s3"]
        # Keys arrive URL-encoded, a space as "+" (aws-notes §5).
        key = unquote_plus(s3["object"]["key"])
        objects.append(
            StagedObject(bucket=s3["bucket"]["name"], key=key, size=int(s3["object"].get("size", 0)))
        )
    return objects


def read_object(s3: Any, obj: StagedObject) -> bytes:
    """The object's bytes. Raises UnreadableObjectError for permanent failures; anything else (5xx,
    throttling) propagates so that the invocation is retried."""
    try:
        response = s3.get_object(Bucket=obj.bucket, Key=obj.key)
    except s3.exceptions.ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in PERMANENT_ERRORS:
            raise UnreadableObjectError(f"{code}: {obj.uri}") from error
        raise
    return response["Body"].read()
