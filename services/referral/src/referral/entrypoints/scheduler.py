"""The escalation scheduler: every replica may run it; row locks keep escalations single."""

from __future__ import annotations

import asyncio
import logging

from referral.adapters.repository import ReferralUnitOfWork
from referral.service_layer.handlers import Handlers
from slrt_shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)


def escalation_job(runtime: ServiceRuntime, handlers: Handlers, interval: float):  # type: ignore[no-untyped-def]
    """A background job that escalates overdue referrals every `interval` seconds."""

    async def run() -> None:
        while True:
            async with ReferralUnitOfWork(runtime.pool, runtime.layout) as uow:
                escalated = await handlers.escalate_overdue(uow)
                await uow.commit()
            if escalated:
                log.info("escalated %s overdue referrals", escalated)
            await asyncio.sleep(interval)

    return run
