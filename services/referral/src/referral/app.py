"""Wiring of the referral service: settings, one unit-of-work factory, routers, consumers, jobs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI

from referral.adapters.repository import ReferralUnitOfWork, UnitOfWorkFactory
from referral.adapters.rule_cache import RoutingRules
from referral.entrypoints import calendar, console_page, http, jobs, kafka, rules, staff_http
from referral.entrypoints.auth import Authentication
from referral.service_layer.calendar import StoredCalendar
from referral.service_layer.context import Context, utcnow
from referral.settings import ReferralSettings
from slrt_shared.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def unit_of_work_factory(
    runtime: ServiceRuntime, rules: RoutingRules | None = None
) -> UnitOfWorkFactory:
    """Open units of work on the runtime's pool (once it is open), topic layout and rules."""

    def uow() -> ReferralUnitOfWork:
        return ReferralUnitOfWork(runtime.pool, runtime.layout, rules)

    return uow


def build(
    settings: ReferralSettings | None = None, clock: Callable[[], datetime] = utcnow
) -> tuple[ServiceRuntime, FastAPI]:
    """Create the runtime and the HTTP app of referral (the clock is the real one but in tests)."""
    settings = settings or ReferralSettings()
    runtime = ServiceRuntime("referral", "referral", settings, MIGRATIONS)
    routing_rules = RoutingRules(lambda: runtime.pool, runtime.schema)
    runtime.add_job("routing-rules", routing_rules.listen)
    uow = unit_of_work_factory(runtime, routing_rules)
    calendars = StoredCalendar(
        settings.tz, cuti_bersama_are_days_off=settings.cuti_bersama_are_days_off
    )
    context = Context(calendars, clock, settings.reopen_working_days)
    kafka.subscribe(runtime, uow, context)
    runtime.add_job(
        "escalation", jobs.escalation_job(uow, context, settings.escalation_interval_seconds)
    )
    runtime.add_job(
        "calendar-watch",
        jobs.calendar_watch_job(
            uow,
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
    app.state.routing_rules = routing_rules
    auth = Authentication(uow, settings.admin_token)
    app.include_router(http.router(uow, auth, context))
    app.include_router(rules.router(uow, auth))
    app.include_router(staff_http.router(uow, auth))
    app.include_router(console_page.router(uow))
    app.include_router(
        calendar.router(
            uow, auth, calendars, warn_days=settings.calendar_warning_days, clock=context.clock
        )
    )
    return runtime, app
