"""The escalation scheduler: every replica may run it; row locks keep escalations single."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from referral.adapters.repository import ReferralUnitOfWork
from referral.service_layer import handlers
from referral.service_layer.handlers import Context
from slrt_shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)

BATCH = 200


def escalation_job(
    runtime: ServiceRuntime, context: Context, interval: float
) -> Callable[[], Awaitable[None]]:
    """A background job that escalates overdue referrals every `interval` seconds."""

    async def run() -> None:
        while True:
            async with ReferralUnitOfWork(runtime.pool, runtime.layout) as uow:
                escalated = await handlers.escalate_overdue(uow, context=context, limit=BATCH)
                await uow.commit()
            if escalated:
                log.info("escalated %s overdue referrals", escalated)
            if escalated < BATCH:
                await asyncio.sleep(interval)

    return run
