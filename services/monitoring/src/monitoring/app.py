"""Wiring of the monitoring service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from monitoring.adapters.unit_of_work import MonitoringUnitOfWork, UnitOfWorkFactory
from monitoring.entrypoints import http, jobs, kafka, programmes_http, publication_http
from monitoring.settings import MonitoringSettings
from slrt_shared.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def unit_of_work_factory(runtime: ServiceRuntime) -> UnitOfWorkFactory:
    """Units of work on the runtime's pool (opened when it runs) and topic layout."""

    def uow() -> MonitoringUnitOfWork:
        return MonitoringUnitOfWork(runtime.pool, runtime.layout)

    return uow


def build(settings: MonitoringSettings | None = None) -> tuple[ServiceRuntime, FastAPI]:
    """Create the runtime and the HTTP app of monitoring."""
    settings = settings or MonitoringSettings()
    runtime = ServiceRuntime("monitoring", "monitoring", settings, MIGRATIONS)
    uow = unit_of_work_factory(runtime)
    kafka.subscribe(runtime, uow)
    runtime.add_job("rankings", jobs.ranking_job(uow, settings))
    runtime.add_job("agency-rankings", jobs.agency_ranking_job(uow, settings))
    if settings.national_ranking:
        runtime.add_job("national-archive", jobs.archive_job(uow, settings))
    app = runtime.http_app(
        "SLRT monitoring",
        "Performance of each Puskesos and agency, the public ranking. No personal data.",
        # The public pages are served from the projections in Postgres.
        ready_requires=("postgres",),
    )
    app.include_router(http.router(uow, settings))
    app.include_router(publication_http.router(uow, settings))
    app.include_router(programmes_http.router(uow, settings))
    return runtime, app
