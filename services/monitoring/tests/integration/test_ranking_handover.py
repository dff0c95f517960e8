"""The ranking job's two steps: a replica that loses the lock between them loses no announcement.

A cycle commits the country-wide ranking, then builds and announces the regencies' rankings in
a second transaction. If another replica takes the publisher's lock in between, the first one
forgets what it kept and the other, starting afresh, announces what differs from the stored
digests. Run on real Postgres, each step committed.
"""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest

from monitoring.adapters.unit_of_work import MonitoringUnitOfWork
from monitoring.domain.periods import current_month
from monitoring.domain.ranking import digest
from monitoring.entrypoints.jobs import ranking_cycle
from monitoring.service_layer import publishing, reports
from slrt_shared.contracts.topics import TopicLayout

from .test_village_months import (
    NOW,
    OTHER,
    POLICY,
    REGIONS,
    SERVED,
    VILLAGE,
    apply,
    assert_national_as_computed,
    assert_published_as_computed,
    case_events,
)

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

LAYOUT = TopicLayout("handover.")
COMMAND = publishing.PublishRankings(SERVED, national=True)
LOCK = "SELECT pg_try_advisory_xact_lock(hashtext('monitoring:' || 'publisher'))"


class RivalTakesTheLockBeforeTheSecondStep:
    """Units of work on the pool; before the second one asks for the lock, a rival takes it."""

    def __init__(self, pool: asyncpg.Pool, rival: asyncpg.Connection) -> None:
        self.pool = pool
        self.rival = rival
        self.opened = 0

    def __call__(self) -> MonitoringUnitOfWork:
        self.opened += 1
        if self.opened == 2:
            return LockTakenFirst(self.pool, LAYOUT, self.rival)
        return MonitoringUnitOfWork(self.pool, LAYOUT)


class LockTakenFirst(MonitoringUnitOfWork):
    """A unit of work whose publisher's lock a rival's open transaction takes just before."""

    def __init__(self, pool: asyncpg.Pool, layout: TopicLayout, rival: asyncpg.Connection):
        super().__init__(pool, layout)
        self.rival = rival

    async def lock_publisher(self, name: str = "publisher") -> bool:
        """Let the rival take the lock, then ask for it."""
        await self.rival.execute("BEGIN")
        assert await self.rival.fetchval(LOCK)
        return await super().lock_publisher(name)


async def announced(pool: asyncpg.Pool) -> list[str]:
    """The regencies of the ranking.updated events in the outbox, in order."""
    rows = await pool.fetch(
        "SELECT key FROM outbox WHERE topic = $1 ORDER BY id", LAYOUT.name("ranking.updated")
    )
    return [bytes(r["key"]).decode() for r in rows]


async def test_a_replica_losing_the_lock_between_the_steps_leaves_nothing_unannounced(
    scratch_pool: asyncpg.Pool,
) -> None:
    pool = scratch_pool
    await pool.executemany(
        "INSERT INTO regions (code, name, level, parent_code) VALUES ($1, $2, $3, $4)", REGIONS
    )

    def uow() -> MonitoringUnitOfWork:
        return MonitoringUnitOfWork(pool, LAYOUT)

    async def apply_committed(events: list[object]) -> None:
        async with uow() as work:
            for event in events:
                await apply(work, event)
            await work.commit()

    # No referral falls due between the two moments: only the new case changes a ranking.
    for village, days in ((VILLAGE, 1), (OTHER, 2), ("33.24.01.2001", 5)):
        await apply_committed(case_events(village, NOW - timedelta(days=days), rejected=False))
    kept = publishing.RankingMemory()
    assert await ranking_cycle(uow, COMMAND, kept, POLICY, NOW)
    async with uow() as work:
        await assert_published_as_computed(work, NOW)
    before = await announced(pool)
    assert set(before) == set(SERVED)

    # Karawang changes; a rival takes the lock once the first step has committed.
    await apply_committed(case_events(VILLAGE, NOW - timedelta(hours=3), rejected=True))
    later = NOW + timedelta(minutes=1)
    async with pool.acquire() as rival:
        steps = RivalTakesTheLockBeforeTheSecondStep(pool, rival)
        assert await ranking_cycle(steps, COMMAND, kept, POLICY, later) is None
        assert steps.opened == 2
        await rival.execute("ROLLBACK")
    # The country-wide ranking was committed; Karawang's ranking was neither stored nor told.
    assert not kept.periods
    async with uow() as work:
        await assert_national_as_computed(work, later)
        month = current_month(later)
        ranked = await reports.ranking(
            reports.Ranking("32.15", month, "village"), work, policy=POLICY, now=later
        )
        assert (await work.digests(month))[("32.15", "village")] != digest(ranked)
    assert await announced(pool) == before

    # The replica that took over starts afresh and announces Karawang's change, and only it.
    taken_over = publishing.RankingMemory()
    assert await ranking_cycle(uow, COMMAND, taken_over, POLICY, later)
    async with uow() as work:
        await assert_published_as_computed(work, later)
    told = (await announced(pool))[len(before) :]
    assert told and set(told) == {"32.15"}
    # The first replica, having forgotten, finds nothing left to tell when it leads again.
    assert await ranking_cycle(uow, COMMAND, kept, POLICY, later) == 0
    assert await announced(pool) == before + told
