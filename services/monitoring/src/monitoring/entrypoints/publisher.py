"""Publishes rankings when they change: debounced, one replica at a time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from monitoring.adapters.repository import MonitoringUnitOfWork
from monitoring.service_layer.reports import publish_changed
from monitoring.settings import MonitoringSettings
from slrt_shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)


def ranking_job(
    runtime: ServiceRuntime, settings: MonitoringSettings
) -> Callable[[], Awaitable[None]]:
    """Every interval, recompute the rankings and announce the ones that changed."""

    async def run() -> None:
        while True:
            async with MonitoringUnitOfWork(runtime.pool, runtime.layout) as uow:
                locked = await uow.conn.fetchval(
                    "SELECT pg_try_advisory_xact_lock(hashtext('monitoring:publisher'))"
                )
                if locked:
                    count = await publish_changed(
                        uow, settings.regency_codes, settings.policy(), datetime.now(UTC)
                    )
                    await uow.commit()
                    if count:
                        log.info("published %s changed rankings", count)
            await asyncio.sleep(settings.ranking_interval_seconds)

    return run
