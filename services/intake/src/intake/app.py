"""Wiring of the intake service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from intake.adapters.repository import idempotency_retention
from intake.entrypoints import http, kafka, open311, subjects_http
from intake.service_layer.erasure import personal_data_retention
from intake.settings import IntakeSettings
from slrt_shared.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def build(settings: IntakeSettings | None = None) -> tuple[ServiceRuntime, FastAPI]:
    """Create the runtime and the HTTP app of intake."""
    settings = settings or IntakeSettings()  # type: ignore[call-arg]
    runtime = ServiceRuntime("intake", "intake", settings, MIGRATIONS)
    kafka.subscribe(runtime)
    app = runtime.http_app(
        "SLRT intake",
        "Complaint registration at the Puskesos and public tracking of complaints.",
        default_language="id",
        # Registration needs Postgres only: with Kafka away, complaints wait in the outbox.
        ready_requires=("postgres",),
    )
    http.limit_body_size(app, settings.max_body_bytes)
    app.include_router(http.router(runtime))
    app.include_router(open311.router(runtime, settings.regency_codes))
    app.include_router(subjects_http.router(runtime, settings))
    runtime.add_job("request-windows", http.forget_closed_windows(runtime))
    runtime.add_retention(idempotency_retention(settings.idempotency_retention_days))
    runtime.add_retention(
        personal_data_retention(settings.personal_data_retention_days, runtime.layout)
    )
    return runtime, app
