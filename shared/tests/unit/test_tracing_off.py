"""Without a collector to export to, a service builds no span for a request or a record."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

from slrt_shared.runtime import ServiceRuntime
from slrt_shared.settings import ServiceSettings


def layers(app: Any) -> list[type]:
    """The classes of an ASGI stack, outermost first."""
    found: list[type] = []
    while app is not None:
        found.append(type(app))
        app = getattr(app, "app", None)
    return found


def test_a_service_without_a_collector_traces_neither_requests_nor_records() -> None:
    settings = ServiceSettings(database_url="postgresql://127.0.0.1/none", otlp_endpoint=None)
    runtime = ServiceRuntime("untraced", "untraced", settings, Path("."))
    app = runtime.http_app("untraced", "A service without a collector.")

    assert runtime.tracer_provider is None
    assert list(runtime.broker.middlewares) == []  # no Kafka telemetry middleware
    assert OpenTelemetryMiddleware not in layers(app.build_middleware_stack())
    # and it serves all the same
    assert TestClient(app).get("/healthz").json() == {"status": "ok"}
