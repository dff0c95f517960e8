"""/readyz reports every check but answers 503 only for those the service requires."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from slrt_shared.http import add_service_defaults


async def answers() -> None:
    return None


async def refuses() -> None:
    raise ConnectionError("Kafka broker did not answer")


def client(required: list[str] | None, details: dict[str, Any] | None = None) -> TestClient:
    app = FastAPI()
    add_service_defaults(
        app,
        {"postgres": answers, "kafka": refuses},
        required=required,
        details=(lambda: details or {}),
    )
    return TestClient(app)


def test_a_failing_check_that_is_not_required_is_shown_but_keeps_the_service_ready() -> None:
    consumer = {"consumer": {"partitions_waiting": 1, "waiting": [{"partition": 3}]}}
    response = client(["postgres"], consumer).get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"postgres": "ok", "kafka": "unavailable: ConnectionError"},
        "required": ["postgres"],
        **consumer,
    }


def test_a_failing_required_check_makes_the_service_not_ready() -> None:
    response = client(["postgres", "kafka"]).get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "not_ready"


def test_every_check_is_required_unless_the_service_says_otherwise() -> None:
    response = client(None).get("/readyz")
    assert response.status_code == 503
    assert response.json()["required"] == ["postgres", "kafka"]


def test_requiring_a_check_that_does_not_exist_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="redis"):
        client(["postgres", "redis"])
