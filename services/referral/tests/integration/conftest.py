"""A referral schema of a test's own, migrated and seeded, and the steps its use cases take."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest_asyncio
from fastapi import FastAPI

from referral.adapters.repository import ReferralUnitOfWork
from referral.app import MIGRATIONS, build
from referral.domain.sla import JAKARTA, Calendar
from referral.entrypoints import cli_seed as seed
from referral.entrypoints import kafka
from referral.service_layer.context import Context, utcnow
from referral.settings import ReferralSettings
from slrt_devstack import fixtures
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import CaseResolved, ComplaintCreated, EventData, ReferralUpdated
from slrt_shared.contracts.topics import TopicLayout
from slrt_shared.runtime import ServiceRuntime

MONDAY = datetime(2025, 6, 23, 10, 0, tzinfo=JAKARTA)
CALENDAR = Calendar(frozenset(), JAKARTA)


@pytest_asyncio.fixture(loop_scope="session")
async def referral_pool(test_env) -> AsyncIterator[asyncpg.Pool]:  # type: ignore[no-untyped-def]
    """A referral schema of its own (no running service touches it), seeded from the catalogue."""
    async with fixtures.scratch_schema(
        test_env.admin_url, "r", "referral", MIGRATIONS, seed.load
    ) as scratch:
        yield scratch.pool


@dataclass
class ReferralApp:
    """Referral's HTTP app on a database of its own (no Kafka), migrated and seeded."""

    app: FastAPI
    pool: asyncpg.Pool
    dsn: str
    runtime: ServiceRuntime

    def client(self) -> httpx.AsyncClient:
        """A client of the app, in process."""
        transport = httpx.ASGITransport(app=self.app)
        return httpx.AsyncClient(transport=transport, base_url="http://referral")


@contextlib.asynccontextmanager
async def referral_app(
    admin_url: str,
    tag: str,
    credentials: dict[str, Any],
    admin_token: str,
    clock: Callable[[], datetime] = utcnow,
) -> AsyncIterator[ReferralApp]:
    """Build referral on a scratch database, migrate it and seed it with these credentials."""
    async with fixtures.scratch_database(admin_url, tag) as scratch:
        dsn = scratch.dsn("referral")
        settings = ReferralSettings(database_url=dsn, admin_token=admin_token)
        runtime, app = build(settings, clock=clock)
        async with runtime.database() as pool:
            await fixtures.seed(dsn, "referral", seed.load, credentials, fixtures.REGENCY)
            yield ReferralApp(app, pool, dsn, runtime)


async def run(pool: asyncpg.Pool, handler: Any, data: EventData, complaint_id: UUID) -> None:
    """Hand an event about a complaint to a consumer's handler, in one committed unit of work."""
    async with ReferralUnitOfWork(pool, TopicLayout()) as uow:
        await handler(uow, data, new_event(data, source="/slrt/test", subject=complaint_id))
        await uow.commit()


def complaint_created(village: str, needs: list[str]) -> ComplaintCreated:
    """A new complaint of the village with these needs, received on MONDAY."""
    return ComplaintCreated(
        complaint_id=uuid4(),
        ticket=f"SLRT-{uuid4().hex[:4].upper()}",
        village_code=village,
        needs=needs,
        channel="walk_in",
        received_at=MONDAY,
        recorded_at=MONDAY,
    )


async def created(pool: asyncpg.Pool, context: Context, village: str, needs: list[str]) -> UUID:
    """A complaint of the village with these needs, received on MONDAY; its id."""
    data = complaint_created(village, needs)
    await run(pool, kafka.on_complaint_created(context), data, data.complaint_id)
    return data.complaint_id


async def referrals(pool: asyncpg.Pool, complaint_id: UUID) -> list[dict[str, Any]]:
    """The complaint's referrals as stored, by service and attempt."""
    rows = await pool.fetch(
        "SELECT * FROM referrals WHERE complaint_id = $1 ORDER BY service_code, attempt",
        complaint_id,
    )
    return [dict(r) for r in rows]


def about(referral: dict[str, Any]) -> dict[str, Any]:
    """The fields by which an agency's event names a stored referral."""
    return {
        "referral_id": referral["id"],
        "complaint_id": referral["complaint_id"],
        "agency_code": referral["agency_code"],
    }


async def updated(
    pool: asyncpg.Pool, context: Context, referral: dict[str, Any], **change: Any
) -> None:
    """The agency of a stored referral reports a change of it on MONDAY (status, note, reason)."""
    data = ReferralUpdated(**about(referral), at=MONDAY, **change)
    await run(pool, kafka.on_referral_updated(context), data, referral["complaint_id"])


async def resolved(
    pool: asyncpg.Pool, context: Context, referral: dict[str, Any], **outcome: Any
) -> None:
    """The agency of a stored referral reports its outcome on MONDAY."""
    data = CaseResolved(**about(referral), resolved_at=MONDAY, **outcome)
    await run(pool, kafka.on_case_resolved(context), data, referral["complaint_id"])
