"""What every service's settings carry, and how the runtime uses them."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic_settings import SettingsConfigDict

from slrt_shared.request_guard import DEFAULT_MAX_BODY
from slrt_shared.runtime import ServiceRuntime
from slrt_shared.settings import ServiceSettings


class DemoSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DEMO_", extra="ignore")


def test_every_service_has_a_body_limit_of_one_mebibyte_unless_it_says_otherwise() -> None:
    assert DemoSettings(database_url="postgresql://x").max_body_bytes == DEFAULT_MAX_BODY == 2**20


def test_a_service_reads_its_body_limit_from_its_own_prefix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEMO_MAX_BODY_BYTES", "2048")
    assert DemoSettings(database_url="postgresql://x").max_body_bytes == 2048


def test_the_runtime_guards_the_app_with_the_settings_body_limit() -> None:
    settings = DemoSettings(database_url="postgresql://x", max_body_bytes=100)
    runtime = ServiceRuntime("demo", "demo", settings, Path("."))
    app = runtime.http_app("demo", "a service of the tests")

    @app.post("/echo")
    async def echo(body: dict[str, str]) -> dict[str, str]:
        return body

    # no lifespan: the guard answers before any route, so nothing needs Postgres or Kafka
    client = TestClient(app)
    refused = client.post("/echo", json={"a": "x" * 200})
    assert refused.status_code == 413 and refused.json()["error"]["code"] == "payload_too_large"
    assert client.post("/echo", json={"a": "b"}).json() == {"a": "b"}


def test_no_setting_names_a_reference_data_folder_nobody_reads() -> None:
    assert "reference_data" not in ServiceSettings.model_fields
