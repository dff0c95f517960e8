"""Wiring of the agency gateway: settings, one unit-of-work factory, and what runs on it."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from gateway.adapters.agency_keys import AgencyKeys
from gateway.adapters.repository import GatewayUnitOfWork, UnitOfWorkFactory
from gateway.entrypoints import (
    desk_page,
    directory,
    http,
    jobs,
    kafka,
    staff_http,
    subjects_http,
    webhooks_http,
)
from gateway.settings import GatewaySettings
from slrt_shared.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def unit_of_work_factory(runtime: ServiceRuntime) -> UnitOfWorkFactory:
    """The one way the gateway opens a unit of work: on the runtime's pool and topic layout."""

    def uow() -> GatewayUnitOfWork:
        return GatewayUnitOfWork(runtime.pool, runtime.layout)

    return uow


def build(settings: GatewaySettings | None = None) -> tuple[ServiceRuntime, FastAPI]:
    """Create the runtime and the HTTP app of the agency gateway."""
    settings = settings or GatewaySettings()
    runtime = ServiceRuntime("agency-gateway", "gateway", settings, MIGRATIONS)
    uow = unit_of_work_factory(runtime)
    keys = AgencyKeys(lambda: runtime.pool, runtime.schema, settings.agency_key_cache_seconds)
    kafka.subscribe(runtime, uow)
    jobs.schedule(runtime, settings)
    runtime.add_job("agency-keys", keys.listen)
    app = runtime.http_app(
        "SLRT agency gateway",
        "The agencies' door: each agency's own referrals, and the actions it takes on them.",
        # Agencies work on what Postgres holds; their actions wait in the outbox.
        ready_requires=("postgres",),
    )
    app.state.agency_keys = keys
    app.include_router(http.router(uow, keys))
    app.include_router(webhooks_http.router(uow, keys, settings.webhook_url_policy))
    app.include_router(directory.router(uow, settings.admin_token))
    app.include_router(subjects_http.router(uow, settings))
    app.include_router(staff_http.router(uow, settings.admin_token))
    app.include_router(desk_page.router())
    return runtime, app
