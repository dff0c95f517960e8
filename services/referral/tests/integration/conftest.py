"""A referral schema of a test's own, migrated and seeded, and the steps its use cases take."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest_asyncio

from referral import seed
from referral.adapters.repository import ReferralUnitOfWork
from referral.app import MIGRATIONS
from referral.domain.sla import JAKARTA, Calendar
from referral.entrypoints import kafka
from referral.service_layer.context import Context
from slrt_devstack import fixtures
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import ComplaintCreated, EventData
from slrt_shared.contracts.topics import TopicLayout

MONDAY = datetime(2025, 6, 23, 10, 0, tzinfo=JAKARTA)
CALENDAR = Calendar(frozenset(), JAKARTA)


@pytest_asyncio.fixture(loop_scope="session")
async def referral_pool(test_env) -> AsyncIterator[asyncpg.Pool]:  # type: ignore[no-untyped-def]
    """A referral schema of its own (no running service touches it), seeded from the catalogue."""
    async with fixtures.scratch_schema(
        test_env.admin_url, "r", "referral", MIGRATIONS, seed.load
    ) as scratch:
        yield scratch.pool


async def run(pool: asyncpg.Pool, handler: Any, data: EventData, complaint_id: UUID) -> None:
    """Hand an event about a complaint to a consumer's handler, in one committed unit of work."""
    async with ReferralUnitOfWork(pool, TopicLayout()) as uow:
        await handler(uow, data, new_event(data, source="/slrt/test", subject=complaint_id))
        await uow.commit()


async def created(pool: asyncpg.Pool, context: Context, village: str, needs: list[str]) -> UUID:
    """A complaint of the village with these needs, received on MONDAY; its id."""
    complaint_id = uuid4()
    data = ComplaintCreated(
        complaint_id=complaint_id,
        ticket=f"SLRT-{uuid4().hex[:4].upper()}",
        village_code=village,
        needs=needs,
        channel="walk_in",
        received_at=MONDAY,
        recorded_at=MONDAY,
    )
    await run(pool, kafka.on_complaint_created(context), data, complaint_id)
    return complaint_id


async def referrals(pool: asyncpg.Pool, complaint_id: UUID) -> list[dict[str, Any]]:
    """The complaint's referrals as stored, by service and attempt."""
    rows = await pool.fetch(
        "SELECT * FROM referrals WHERE complaint_id = $1 ORDER BY service_code, attempt",
        complaint_id,
    )
    return [dict(r) for r in rows]
