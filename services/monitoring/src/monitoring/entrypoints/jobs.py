"""Background jobs: publish rankings when they change, debounced, one replica at a time."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from prometheus_client import Histogram

from monitoring.adapters.unit_of_work import UnitOfWorkFactory
from monitoring.service_layer.archive import ArchiveMonths, archive_next
from monitoring.service_layer.publishing import (
    PublishRankings,
    RankingMemory,
    publish_agencies,
    publish_changed,
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


def ranking_job(
    uow_factory: UnitOfWorkFactory, settings: MonitoringSettings
) -> Callable[[], Awaitable[None]]:
    """Every interval, bring the village and kecamatan rankings up to date; announce changes."""

    async def run() -> None:
        memory = RankingMemory()
        while True:
            try:
                async with uow_factory() as uow:
                    if await uow.lock_publisher():
                        started = time.perf_counter()
                        count = await publish_changed(
                            PublishRankings(
                                settings.regency_codes,
                                settings.national_ranking,
                                national_months=settings.national_months,
                            ),
                            uow,
                            memory,
                            policy=settings.policy(),
                            now=clock.now(),
                        )
                        await uow.commit()
                        took = time.perf_counter() - started
                        RECOMPUTE_SECONDS.observe(took)
                        if count:
                            log.info("published %s changed rankings in %.2fs", count, took)
                    else:
                        # Another replica reads the changes meanwhile: what is kept goes stale.
                        memory.forget()
            except BaseException:
                memory.forget()
                raise
            await asyncio.sleep(settings.ranking_interval_seconds)

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
