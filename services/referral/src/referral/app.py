"""Wiring of the referral service."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import FastAPI

from referral.domain.sla import parse_holidays
from referral.entrypoints import http, kafka, rules, scheduler
from referral.service_layer.handlers import Calendar, Handlers
from referral.settings import ReferralSettings
from slrt_shared.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def build(settings: ReferralSettings | None = None) -> tuple[ServiceRuntime, FastAPI]:
    """Create the runtime and the HTTP app of referral."""
    settings = settings or ReferralSettings()  # type: ignore[call-arg]
    runtime = ServiceRuntime("referral", "referral", settings, MIGRATIONS)
    calendar = Calendar(
        parse_holidays(settings.holidays_file.read_text()), ZoneInfo(settings.timezone)
    )
    handlers = Handlers(calendar)
    kafka.subscribe(runtime, handlers)
    runtime.add_job(
        "escalation",
        scheduler.escalation_job(runtime, handlers, settings.escalation_interval_seconds),
    )
    app = runtime.http_app(
        "SLRT referral",
        "Routing each need to the right agency, SLA clocks, escalation and closing cases.",
    )
    app.include_router(http.router(runtime))
    app.include_router(rules.router(runtime))
    return runtime, app
