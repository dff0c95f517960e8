"""Wiring of the intake service: settings, the unit-of-work factory, routes, consumers, jobs."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from intake.adapters.cache import ReferenceCache
from intake.adapters.repository import IntakeUnitOfWork, idempotency_retention
from intake.domain.rate_limit import RateLimit
from intake.entrypoints import (
    after_closing_http,
    completion_http,
    data_proposals_http,
    desk_http,
    http,
    jobs,
    kafka,
    open311,
    programmes_http,
    subjects_http,
)
from intake.settings import IntakeSettings
from slrt_shared.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def build(settings: IntakeSettings | None = None) -> tuple[ServiceRuntime, FastAPI]:
    """Create the runtime and the HTTP app of intake."""
    settings = settings or IntakeSettings()
    runtime = ServiceRuntime("intake", "intake", settings, MIGRATIONS)
    cache = ReferenceCache(lambda: runtime.pool, runtime.schema, settings.reference_cache_seconds)

    def uow() -> IntakeUnitOfWork:
        """A unit of work on the runtime's pool and topic layout: the one every use case gets."""
        return IntakeUnitOfWork(runtime.pool, runtime.layout, cache)

    limit = RateLimit(settings.rate_limit_per_minute)
    kafka.subscribe(runtime, uow)
    app = runtime.http_app(
        "SLRT intake",
        "Complaint registration at the Puskesos and public tracking of complaints.",
        default_language="id",
        # Registration needs Postgres only: with Kafka away, complaints wait in the outbox.
        ready_requires=("postgres",),
        error_answers={f"{open311.PREFIX}/": open311.ERRORS},
    )
    app.state.reference_cache = cache  # whether it listens, for those who look
    # The body's size is limited by the runtime's request guard, at settings.max_body_bytes.
    http.accept_json_only(app)
    code_key = settings.resident_code_key.get_secret_value().encode()
    app.include_router(http.router(uow, limit, code_key))
    app.include_router(
        after_closing_http.router(uow, limit, code_key, settings.reopen_days_without_calendar)
    )
    app.include_router(desk_http.router(uow, limit))
    app.include_router(completion_http.router(uow, limit))
    app.include_router(open311.router(uow, limit, settings.regency_codes, code_key))
    app.include_router(
        subjects_http.router(uow, limit, settings.subject_hash_key.get_secret_value())
    )
    # Households are known by a keyed hash under the same secret as the residents' NIKs.
    household_key = settings.subject_hash_key.get_secret_value().encode()
    app.include_router(programmes_http.router(uow, limit, household_key))
    app.include_router(data_proposals_http.router(uow, limit))
    runtime.add_job("request-windows", jobs.forget_closed_windows(uow))
    runtime.add_job("programme-registries", jobs.announce_registries(uow))
    runtime.add_job("reference-cache", cache.listen)
    runtime.add_retention(idempotency_retention(settings.idempotency_retention_days))
    runtime.add_retention(
        jobs.personal_data_retention(
            settings.personal_data_retention_days,
            # on the pool the pruner hands in: `prune` runs it while the service does not
            lambda pool: IntakeUnitOfWork(pool, runtime.layout),
        )
    )
    return runtime, app
