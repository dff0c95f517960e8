"""Background jobs: publish rankings when they change, every interval, one replica at a time."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime

from prometheus_client import Histogram

from monitoring.adapters.unit_of_work import UnitOfWorkFactory
from monitoring.domain.ranking import Policy
from monitoring.service_layer.archive import ArchiveMonths, archive_next
from monitoring.service_layer.publishing import (
    PublishRankings,
    RankingMemory,
    announce_rankings,
    publish_agencies,
    refresh_rankings,
)
from monitoring.settings import MonitoringSettings
from slrt_shared import clock

log = logging.getLogger(__name__)

RECOMPUTE_SECONDS = Histogram(
    "slrt_monitoring_ranking_recompute_seconds",
    "Time to bring the current village and kecamatan rankings (and the country's) up to date",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 40, 80),
)
ARCHIVE_SECONDS = Histogram(
    "slrt_monitoring_archive_build_seconds",
    "Time to build and store one older month's country-wide ranking",
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 40, 80),
)
AGENCY_RECOMPUTE_SECONDS = Histogram(
    "slrt_monitoring_agency_ranking_recompute_seconds",
    "Time to recompute every current agency ranking",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 40, 80),
)


async def ranking_cycle(
    uow_factory: UnitOfWorkFactory,
    command: PublishRankings,
    memory: RankingMemory,
    policy: Policy,
    now: datetime,
) -> int | None:
    """One cycle of the ranking job; the rankings announced, or None without the lock.

    The country-wide ranking is committed before the regencies' rankings are built and
    announced, in a second transaction: a reader of the country sees a change a step sooner.
    """
    async with uow_factory() as uow:
        if not await uow.lock_publisher():
            # Another replica reads the changes meanwhile: what is kept goes stale.
            memory.forget()
            return None
        moved = await refresh_rankings(command, uow, memory, policy=policy, now=now)
        await uow.commit()
    if not moved.periods:
        return 0
    async with uow_factory() as uow:
        if not await uow.lock_publisher():
            # Another replica took over between the steps: starting afresh, it announces
            # whatever differs from the stored digests, these regencies' rankings included.
            memory.forget()
            return None
        count = await announce_rankings(moved, uow, memory, policy=policy, now=now)
        await uow.commit()
    return count


def ranking_job(
    uow_factory: UnitOfWorkFactory, settings: MonitoringSettings
) -> Callable[[], Awaitable[None]]:
    """Every interval, bring the village and kecamatan rankings up to date; announce changes.

    A cycle starts every `ranking_interval_seconds` (one that ran longer is followed after a
    tenth of it), so a change waits half an interval on average, not a whole one and a cycle.
    """
    command = PublishRankings(
        settings.regency_codes,
        settings.national_ranking,
        national_months=settings.national_months,
    )

    async def run() -> None:
        memory = RankingMemory()
        interval = settings.ranking_interval_seconds
        while True:
            started = time.perf_counter()
            try:
                count = await ranking_cycle(
                    uow_factory, command, memory, settings.policy(), clock.now()
                )
            except BaseException:
                memory.forget()
                raise
            took = time.perf_counter() - started
            if count is not None:
                RECOMPUTE_SECONDS.observe(took)
            if count:
                log.info("published %s changed rankings in %.2fs", count, took)
            await asyncio.sleep(max(interval - took, interval / 10))

    return run


def archive_job(
    uow_factory: UnitOfWorkFactory, settings: MonitoringSettings
) -> Callable[[], Awaitable[None]]:
    """Every interval, build the older month of the country-wide ranking that most needs it."""
    command = ArchiveMonths(
        settings.regency_codes,
        settings.national_months,
        settings.national_archive_refresh_seconds,
        settings.national_archive_settle_seconds,
    )

    async def run() -> None:
        started = clock.now()
        while True:
            async with uow_factory() as uow:
                if await uow.lock_publisher("publisher:archive"):
                    began = time.perf_counter()
                    month = await archive_next(
                        command, uow, policy=settings.policy(), now=clock.now(), started=started
                    )
                    await uow.commit()
                    if month is not None:
                        took = time.perf_counter() - began
                        ARCHIVE_SECONDS.observe(took)
                        log.info("stored the country-wide ranking of %s in %.2fs", month, took)
            await asyncio.sleep(settings.ranking_interval_seconds)

    return run


def agency_ranking_job(
    uow_factory: UnitOfWorkFactory, settings: MonitoringSettings
) -> Callable[[], Awaitable[None]]:
    """Every interval, recompute the agency rankings and announce the ones that changed."""

    async def run() -> None:
        while True:
            async with uow_factory() as uow:
                if await uow.lock_publisher("publisher:agencies"):
                    started = time.perf_counter()
                    count = await publish_agencies(
                        PublishRankings(settings.regency_codes),
                        uow,
                        policy=settings.policy(),
                        now=clock.now(),
                    )
                    await uow.commit()
                    took = time.perf_counter() - started
                    AGENCY_RECOMPUTE_SECONDS.observe(took)
                    if count:
                        log.info("published %s changed agency rankings in %.2fs", count, took)
            await asyncio.sleep(settings.ranking_interval_seconds)

    return run
