"""A client of the collector that behaves like Vector's `http` sink: NDJSON batches, gzip, a bearer
token, one keep-alive connection, and retries (with backoff) on 429, 5xx and dropped connections.
The demo traffic and the benchmarks send through it."""

from __future__ import annotations

import gzip
import http.client
import time
import urllib.parse
from collections.abc import Iterable
from typing import Any

import orjson

from dendro.ingest_lambda.decode import GZIP_MAGIC

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class CollectorRejectedError(RuntimeError):
    """The collector refused a batch for good (4xx other than 429): retrying would not help."""


def ndjson(events: Iterable[Any]) -> bytes:
    return b"".join(
        orjson.dumps(event, option=orjson.OPT_UTC_Z | orjson.OPT_APPEND_NEWLINE) for event in events
    )


class CollectorClient:
    def __init__(self, url: str, token: str | None = None, timeout: float = 60.0) -> None:
        parts = urllib.parse.urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.path = parts.path or "/"
        self.timeout = timeout
        self.headers = {"Content-Type": "application/x-ndjson"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        self._conn: http.client.HTTPConnection | None = None

    def post(self, body: bytes, *, compress: bool = True) -> tuple[int, dict[str, Any]]:
        """One attempt: the status and the collector's JSON answer. `compress=False` sends the body as it
        is; one already gzip-compressed is still labelled `Content-Encoding: gzip`."""
        headers = dict(self.headers)
        if compress:
            body = gzip.compress(body, compresslevel=1)
        if body[:2] == GZIP_MAGIC:  # compressed here or before: say so, as Vector does
            headers["Content-Encoding"] = "gzip"
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            self._conn.request("POST", self.path, body=body, headers=headers)
            response = self._conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        try:
            answer = orjson.loads(data) if data else {}
        except orjson.JSONDecodeError:
            answer = {"error": data[:200].decode(errors="replace")}
        return response.status, answer

    def send(self, body: bytes, *, compress: bool = True, attempts: int = 30) -> dict[str, Any]:
        """Post until the collector commits the batch, backing off as Vector does."""
        delay = 0.05
        for attempt in range(attempts):
            try:
                status, answer = self.post(body, compress=compress)
            except (OSError, http.client.HTTPException) as error:
                status, answer = 0, {"error": str(error)}
            if status == 200:
                return answer
            if status and status not in RETRY_STATUSES:
                raise CollectorRejectedError(f"collector answered {status}: {answer.get('error', answer)}")
            if attempt + 1 < attempts:
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
        raise ConnectionError(f"collector at {self.host}:{self.port} did not take the batch: {answer}")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
