"""dendro.toml: valid files load and round-trip; every kind of mistake names its field."""

from __future__ import annotations

from pathlib import Path

import pytest

from dendro.catalog import SOURCES
from dendro.vector_configs.settings import DendroSettings, SettingsError
from tests.support.vrl import as_reported
from tests.vector_configs.conftest import CUSTOM_REGEX, CUSTOM_VRL, FIREHOSE_ROLE, HTTP, every_source


def problems_of(data: dict) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        DendroSettings.parse(data)
    return caught.value.problems


def test_toml_round_trip(tmp_path: Path) -> None:
    settings = DendroSettings.parse(
        {
            "host": "web-1",
            "api": True,
            "sources": [
                *every_source(),
                {"type": "postgres", "name": "pg_main", "settings": {"log_line_prefix": "%m [%p] "}},
                {
                    "type": "nginx_access",
                    "name": "shop",
                    "include": ["/srv/shop/access.log"],
                    "service": "shop",
                },
                {"type": "syslog", "name": "journal", "collector": "journald", "transform": "del(.procid)"},
            ],
            "custom": [CUSTOM_REGEX, CUSTOM_VRL],
            "sink": FIREHOSE_ROLE,
        }
    )
    path = tmp_path / "dendro.toml"

    settings.dump(path)

    assert DendroSettings.load(path) == settings
    assert 'log_line_prefix = "%m [%p] "' in path.read_text()


@pytest.mark.parametrize(
    ("source", "field", "says"),
    [
        ({"type": "nginx_acess"}, "sources[0].type", "choose one of: nginx_access, nginx_error"),
        ({"type": "nginx_access", "include": ["logs/access.log"]}, "sources[0].include", "is not absolute"),
        ({"type": "host_metrics", "include": ["/var/log/x.log"]}, "sources[0].include", "reads no files"),
        ({"type": "syslog", "collector": "rsyslog"}, "sources[0].collector", "'file', 'journald'"),
        (
            {"type": "nginx_access", "transform": ".x = parse_json(.y)"},
            "sources[0].transform",
            "nginx_access",
        ),
        ({"type": "nginx_access", "options": {"type": "stdin"}}, "sources[0].options", "Dendro sets it"),
        ({"type": "nginx_access", "settings": {"a": "b"}}, "sources[0].settings", "it takes: timezone"),
        ({"type": "host_metrics", "settings": {"a": "b"}}, "sources[0].settings", "takes no settings"),
        (
            {"type": "nginx_error", "settings": {"timezone": "Mars/Olympus"}},
            "sources[0].settings",
            "neither an IANA zone name",
        ),
        (
            {"type": "postgres", "settings": {"log_line_prefix": "[%p] "}},
            "sources[0].settings",
            "no %t, %m or %n",
        ),
        ({"type": "nginx_access", "name": "Shop Logs"}, "sources[0].name", "lower-case identifier"),
        ({"type": "nginx_access", "colector": "file"}, "sources[0].colector", "Extra inputs"),
    ],
)
def test_bad_source_names_the_field(source: dict, field: str, says: str) -> None:
    [problem] = problems_of({"sources": [source], "sink": HTTP})

    assert problem.startswith(f"{field}: ")
    assert says in problem


def test_user_vrl_error_names_the_source_and_the_fault() -> None:
    [problem] = problems_of(
        {"sources": [{"type": "syslog"}, {"type": "mongodb", "transform": ".a = nosuch(.b)"}], "sink": HTTP}
    )

    assert problem.startswith("sources[1].transform: VRL for source mongodb")
    assert as_reported("error[E105] call to undefined function at line 1, column 6") in problem


@pytest.mark.parametrize(
    ("custom", "field", "says"),
    [
        ({**CUSTOM_VRL, "regex": "(?P<job>\\w+)"}, "custom[0].vrl", "exactly one of `vrl` or `regex`"),
        ({**CUSTOM_VRL, "vrl": None}, "custom[0].vrl", "give one of"),
        (
            {**CUSTOM_VRL, "vrl": ".job = parse_json(.message)"},
            "custom[0].vrl",
            as_reported("error[E103] unhandled fallible assignment"),
        ),
        (
            {**CUSTOM_REGEX, "regex": CUSTOM_REGEX["regex"].replace("[A-Z]", "[A-Z")},
            "custom[0].regex",
            "invalid regular expression",
        ),
        ({**CUSTOM_REGEX, "regex": "^\\w+ (.*)$", "fields": {}}, "custom[0].regex", "named captures"),
        ({**CUSTOM_REGEX, "fields": {"latency": "float"}}, "custom[0].fields.latency", "not a named capture"),
        ({**CUSTOM_REGEX, "fields": {"duration_ms": "double"}}, "custom[0].fields.duration_ms", "'float'"),
        ({**CUSTOM_REGEX, "fields": {"timestamp": "string"}}, "custom[0].fields.timestamp", "type timestamp"),
        ({**CUSTOM_REGEX, "dimensions": ["duration_ms"]}, "custom[0].dimensions", "string field"),
        ({**CUSTOM_REGEX, "include": ["billing.log"]}, "custom[0].include", "is not absolute"),
        ({**CUSTOM_REGEX, "name": "syslog"}, "custom[0].name", "is a catalog source"),
        ({**CUSTOM_REGEX, "name": "_rejects"}, "custom[0].name", "lower-case identifier"),
        ({**CUSTOM_VRL, "fields": {"host": "string"}}, "custom[0].fields.host", "other than type or host"),
    ],
)
def test_bad_custom_source_names_the_field(custom: dict, field: str, says: str) -> None:
    [problem] = problems_of({"sources": [], "custom": [custom], "sink": HTTP})

    assert problem.startswith(f"{field}: ")
    assert says in problem


@pytest.mark.parametrize(
    ("sink", "field", "says"),
    [
        ({**FIREHOSE_ROLE, "region": "US-East-1"}, "sink.region", "like us-east-1"),
        ({**FIREHOSE_ROLE, "region": "useast1"}, "sink.region", "like us-east-1"),
        ({**FIREHOSE_ROLE, "stream": "my stream"}, "sink.stream", "stream name"),
        ({**FIREHOSE_ROLE, "role_arn": "dendro-agent"}, "sink.role_arn", "IAM role ARN"),
        ({**FIREHOSE_ROLE, "store": "s3"}, "sink.store", "'iceberg' or 'timestream'"),
        ({**FIREHOSE_ROLE, "buffer_max_bytes": 1_000_000}, "sink.buffer_max_bytes", "268435488"),
        ({**HTTP, "endpoint": "127.0.0.1:8080"}, "sink.endpoint", "http(s) URL"),
        ({**HTTP, "endpoint": "ftp://collector/ingest"}, "sink.endpoint", "http(s) URL"),
        ({**HTTP, "token_env": "dendro-token"}, "sink.token_env", "environment variable name"),
    ],
)
def test_bad_sink_names_the_field(sink: dict, field: str, says: str) -> None:
    [problem] = problems_of({"sources": [{"type": "syslog"}], "sink": sink})

    assert problem.startswith(f"{field}: ")
    assert says in problem


def test_whole_file_mistakes() -> None:
    assert problems_of({"sources": [], "sink": HTTP}) == [
        "sources: add at least one source (or a [[custom]] one)"
    ]
    [twice] = problems_of({"sources": [{"type": "syslog"}, {"type": "syslog"}], "sink": HTTP})
    assert "'syslog' appears twice" in twice
    [relative] = problems_of({"sources": [{"type": "syslog"}], "sink": HTTP, "data_dir": "vector"})
    assert relative.startswith("data_dir: ")


def test_load_reports_the_file_and_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "dendro.toml"
    path.write_text('[[sources]]\ntype = "ngnix"\n[sink]\nkind = "firehose"\nstream = "s"\nregion = "mars"\n')

    with pytest.raises(SettingsError) as caught:
        DendroSettings.load(path)

    assert str(caught.value).startswith(f"{path} is not valid:")
    assert [p.split(":")[0] for p in caught.value.problems] == ["sources[0].type", "sink.region"]


def test_every_catalog_source_is_accepted() -> None:
    settings = DendroSettings.parse({"sources": every_source(), "sink": HTTP})

    assert [s.type for s in settings.sources] == list(SOURCES)
