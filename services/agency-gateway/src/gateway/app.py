"""Wiring of the agency gateway."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from gateway.adapters.retention import retention_rules
from gateway.entrypoints import (
    directory,
    http,
    kafka,
    subjects_http,
    webhook_worker,
    webhooks_http,
)
from gateway.settings import GatewaySettings
from slrt_shared.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def build(settings: GatewaySettings | None = None) -> tuple[ServiceRuntime, FastAPI]:
    """Create the runtime and the HTTP app of the agency gateway."""
    settings = settings or GatewaySettings()  # type: ignore[call-arg]
    runtime = ServiceRuntime("agency-gateway", "gateway", settings, MIGRATIONS)
    kafka.subscribe(runtime)
    runtime.add_job("webhooks", webhook_worker.webhook_job(runtime, settings))
    for rule in retention_rules(settings):
        runtime.add_retention(rule)
    app = runtime.http_app(
        "SLRT agency gateway",
        "The agencies' door: each agency's own referrals, and the actions it takes on them.",
        # Agencies work on what Postgres holds; their actions wait in the outbox.
        ready_requires=("postgres",),
    )
    app.include_router(http.router(runtime))
    app.include_router(webhooks_http.router(runtime, settings.webhook_url_policy))
    app.include_router(directory.router(runtime))
    app.include_router(subjects_http.router(runtime, settings))
    return runtime, app
