"""Wiring of the monitoring service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from monitoring.entrypoints import http, kafka, publisher
from monitoring.settings import MonitoringSettings
from slrt_shared.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def build(settings: MonitoringSettings | None = None) -> tuple[ServiceRuntime, FastAPI]:
    """Create the runtime and the HTTP app of monitoring."""
    settings = settings or MonitoringSettings()  # type: ignore[call-arg]
    runtime = ServiceRuntime("monitoring", "monitoring", settings, MIGRATIONS)
    kafka.subscribe(runtime)
    runtime.add_job("rankings", publisher.ranking_job(runtime, settings))
    app = runtime.http_app(
        "SLRT monitoring",
        "Performance of each Puskesos and agency, the public ranking. No personal data.",
        # The public pages are served from the projections in Postgres.
        ready_requires=("postgres",),
    )
    app.include_router(http.router(runtime, settings))
    return runtime, app
