"""The Lambda entry point: environment parsed once, S3 event shapes, URL-encoded keys."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from dendro.ingest_lambda import constants, handler
from dendro.ingest_lambda.env import EnvError, load_env
from dendro.ingest_lambda.validate import DEFAULT_WINDOW, TimeWindow
from tests.events import load_event, s3_event
from tests.ingest_lambda.handler_fakes import BUCKET, gz, harness, ndjson, nginx_event

ENVIRONMENT = {
    constants.STORE: "timestream",
    constants.DATABASE: "Dendro",
    constants.SOURCES: "nginx_access,syslog",
    constants.ERRORS_BUCKET: BUCKET,
    constants.ERRORS_PREFIX: "errors/",
    constants.METRICS_NAMESPACE: "Dendro/Dendro",
}


@pytest.fixture
def fresh_runtime() -> Iterator[None]:
    saved = handler._RUNTIME
    handler._RUNTIME = None
    yield
    handler._RUNTIME = saved


def test_the_environment_is_parsed_into_one_frozen_object() -> None:
    env = load_env({**ENVIRONMENT, constants.WRITE_CONCURRENCY: "4"})
    assert env.sources == {"nginx_access", "syslog"} and env.write_concurrency == 4
    with pytest.raises(AttributeError):
        env.database = "other"  # type: ignore[misc]


def test_a_missing_variable_names_itself_and_the_fix() -> None:
    broken = {k: v for k, v in ENVIRONMENT.items() if k != constants.DATABASE}
    with pytest.raises(EnvError, match="missing DENDRO_DATABASE; redeploy the stack"):
        load_env(broken)


def test_the_event_time_window_is_read_from_the_environment_or_left_at_its_default() -> None:
    env = load_env(
        {**ENVIRONMENT, constants.EVENT_EARLIEST: "2024-02-29", constants.EVENT_AHEAD_SECONDS: "0"}
    )
    assert env.window == TimeWindow(datetime(2024, 2, 29, tzinfo=UTC), timedelta(0))
    assert load_env(ENVIRONMENT).window == DEFAULT_WINDOW
    with pytest.raises(EnvError, match="DENDRO_EVENT_EARLIEST='29/02/2024' is not a date"):
        load_env({**ENVIRONMENT, constants.EVENT_EARLIEST: "29/02/2024"})
    with pytest.raises(EnvError, match="DENDRO_EVENT_AHEAD_SECONDS='-5' is not a number of seconds"):
        load_env({**ENVIRONMENT, constants.EVENT_AHEAD_SECONDS: "-5"})


def test_cold_start_builds_the_runtime_once_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, fresh_runtime: None
) -> None:
    for name, value in {**ENVIRONMENT, "AWS_DEFAULT_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "testing",
                        "AWS_SECRET_ACCESS_KEY": "testing",
                        constants.EVENT_EARLIEST: "2025-01-01"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    first = handler.runtime()
    assert first is handler.runtime()
    assert first.env.database == "Dendro" and first.writer.database == "Dendro"
    # The staged path's router checks event times against the window of the environment.
    assert first.router.builders["syslog"].window.earliest == datetime(2025, 1, 1, tzinfo=UTC)


def test_s3s_test_event_is_acknowledged_without_work(fresh_runtime: None) -> None:
    h = harness()
    handler._RUNTIME = h.runtime
    assert handler.handler(load_event("s3_test_event"), None) == {"objects": []}
    assert h.emitted == []


def test_a_url_encoded_key_is_read_under_its_real_name(fresh_runtime: None) -> None:
    # S3 sends "my file.gz" as "my+file.gz" (aws-notes §5).
    key = "staging/2026/11/27/03/my file (1).gz"
    h = harness()
    handler._RUNTIME = h.runtime
    h.get_object(key, gz(ndjson([nginx_event(1)])))
    h.write_records("nginx_access")

    event = s3_event(key)
    assert "+" in event["Records"][0]["s3"]["object"]["key"]
    result = handler.handler(event, None)

    assert result["objects"][0]["object"].endswith("my file (1).gz")
    h.assert_done()
