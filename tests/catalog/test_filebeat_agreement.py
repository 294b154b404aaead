"""Dendro's rows against the documents Filebeat makes of the same sample lines (tests/support/filebeat.py
explains the matching and lists the deliberate differences). Run with `-s` to read every difference."""

from __future__ import annotations

from tests.support.filebeat import DELIBERATE, compare_all, report


def test_dendro_agrees_with_filebeat_on_comparable_fields() -> None:
    results = list(compare_all())
    agreed, compared = report(results)

    assert len(results) >= 24
    assert {r.sample.split("/")[0] for r in results} == {
        "nginx_access",
        "nginx_error",
        "apache_access",
        "apache_error",
        "mysql",
        "postgres",
        "mongodb",
        "syslog",
    }
    assert compared >= 1100
    assert agreed / compared >= 0.97


def test_each_deliberate_difference_is_met() -> None:
    # A deliberate difference that no longer occurs is stale documentation.
    results = {r.sample: r for r in compare_all()}

    for sample, _name in DELIBERATE:
        assert results[sample].deliberate > 0, sample
