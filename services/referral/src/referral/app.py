"""Wiring of the referral service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from referral.entrypoints import http, kafka, rules, scheduler
from referral.service_layer.handlers import Context
from referral.settings import ReferralSettings
from slrt_shared.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def build(settings: ReferralSettings | None = None) -> tuple[ServiceRuntime, FastAPI]:
    """Create the runtime and the HTTP app of referral."""
    settings = settings or ReferralSettings()  # type: ignore[call-arg]
    runtime = ServiceRuntime("referral", "referral", settings, MIGRATIONS)
    context = Context(settings.calendar())
    kafka.subscribe(runtime, context)
    runtime.add_job(
        "escalation",
        scheduler.escalation_job(runtime, context, settings.escalation_interval_seconds),
    )
    app = runtime.http_app(
        "SLRT referral",
        "Routing each need to the right agency, SLA clocks, escalation and closing cases.",
    )
    app.include_router(http.router(runtime))
    app.include_router(rules.router(runtime))
    return runtime, app
