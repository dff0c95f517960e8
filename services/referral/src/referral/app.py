"""Wiring of the referral service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI

from referral.entrypoints import calendar, http, kafka, rules, scheduler
from referral.service_layer.calendar import StoredCalendar
from referral.service_layer.handlers import Context, utcnow
from referral.settings import ReferralSettings
from slrt_shared.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def build(
    settings: ReferralSettings | None = None, clock: Callable[[], datetime] = utcnow
) -> tuple[ServiceRuntime, FastAPI]:
    """Create the runtime and the HTTP app of referral (the clock is the real one but in tests)."""
    settings = settings or ReferralSettings()  # type: ignore[call-arg]
    runtime = ServiceRuntime("referral", "referral", settings, MIGRATIONS)
    calendars = StoredCalendar(
        settings.tz, cuti_bersama_are_days_off=settings.cuti_bersama_are_days_off
    )
    context = Context(calendars, clock)
    kafka.subscribe(runtime, context)
    runtime.add_job(
        "escalation",
        scheduler.escalation_job(runtime, context, settings.escalation_interval_seconds),
    )
    runtime.add_job(
        "calendar-watch",
        scheduler.calendar_watch_job(
            runtime,
            calendars,
            context,
            interval=settings.calendar_check_interval_seconds,
            warn_days=settings.calendar_warning_days,
        ),
    )
    app = runtime.http_app(
        "SLRT referral",
        "Routing each need to the right agency, SLA clocks, escalation and closing cases.",
        default_language="id",
        # Cases, rules and the calendar are read and written in Postgres; events wait in the outbox.
        ready_requires=("postgres",),
    )
    app.include_router(http.router(runtime))
    app.include_router(rules.router(runtime))
    app.include_router(
        calendar.router(
            runtime, calendars, warn_days=settings.calendar_warning_days, clock=context.clock
        )
    )
    return runtime, app
