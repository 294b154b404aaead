"""AWS at the boundary, offline: botocore's Stubber (it validates every request against the service
model) behind a boto3-session look-alike, and an environment where boto3 finds no credentials."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

ACCOUNT, REGION = "123456789012", "eu-west-1"


def without_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No AWS_* variables, no config files, no instance metadata: boto3 finds nothing anywhere."""
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


class StubbedSession:
    """A boto3 session with credentials whose clients answer from Stubber queues."""

    def __init__(self, region: str = REGION) -> None:
        self.region_name = region
        self.stubs: dict[str, Stubber] = {}
        self.clients: dict[str, Any] = {}

    def get_credentials(self) -> object:
        return object()

    def stub(self, service: str) -> Stubber:
        if service not in self.stubs:
            client = boto3.client(
                service,
                region_name=self.region_name,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
            self.clients[service], self.stubs[service] = client, Stubber(client)
            self.stubs[service].activate()
        return self.stubs[service]

    def client(self, service: str) -> Any:
        self.stub(service)
        return self.clients[service]

    def assert_done(self) -> None:
        for stub in self.stubs.values():
            stub.assert_no_pending_responses()
