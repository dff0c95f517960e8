"""Intake's background work: the jobs that run for the life of the service, and retention."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import asyncpg

from intake.service_layer import authentication, erasure, programmes
from intake.service_layer.unit_of_work import UnitOfWork, UnitOfWorkFactory
from slrt_shared.retention import RetentionRule
from slrt_shared.runtime import BackgroundJob

log = logging.getLogger(__name__)


def forget_closed_windows(uow: UnitOfWorkFactory, every: float = 300) -> BackgroundJob:
    """A job that drops request counts of windows closed a while ago."""

    async def job() -> None:
        while True:
            await asyncio.sleep(every)
            await authentication.forget_closed_windows(datetime.now(UTC), uow())

    return job


def announce_registries(uow: UnitOfWorkFactory, every: float = 300) -> BackgroundJob:
    """A job that announces, at start and then every `every` seconds, the facilitators and
    targets whose last change is not on its topic yet (an upgrade's catch-up)."""

    async def job() -> None:
        while True:
            try:
                await programmes.announce_registries(uow())
            except (OSError, asyncpg.PostgresError):
                # Postgres away: the next round catches up.
                log.warning("the programmes' registries were not announced", exc_info=True)
            await asyncio.sleep(every)

    return job


def personal_data_retention(
    days: float, uow_on: Callable[[asyncpg.Pool], UnitOfWork]
) -> RetentionRule:
    """Personal data of complaints whose case closed more than `days` ago, erased in batches.

    `uow_on` opens a unit of work on the pool the pruner hands in (the runtime's, or that of a
    one-off `prune` command run while the service is not).
    """

    async def run(pool: asyncpg.Pool, cutoff: datetime, limit: int) -> int:
        return await erasure.erase_closed_before(cutoff, limit, uow_on(pool))

    return RetentionRule(name="personal_data", sql="", max_age=timedelta(days=days), run=run)
