"""The webhook delivery worker: retries with backoff and jitter, parks what keeps failing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import httpx
from prometheus_client import Counter, Gauge

from gateway.adapters import webhook_sender
from gateway.adapters.repository import GatewayUnitOfWork
from gateway.domain.webhooks import backoff
from gateway.settings import GatewaySettings
from slrt_shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)

ATTEMPTS = Counter("slrt_webhook_attempts_total", "Webhook delivery attempts", ["result"])
PARKED = Gauge("slrt_webhook_parked", "Webhook deliveries parked after their last try", ["agency"])


async def deliver_due(
    runtime: ServiceRuntime, settings: GatewaySettings, client: httpx.AsyncClient, batch: int = 20
) -> int:
    """Try every due delivery once; return how many were tried."""
    async with GatewayUnitOfWork(runtime.pool, runtime.layout) as uow:
        due = await uow.due_deliveries(batch)
        for d in due:
            attempt = await webhook_sender.post(
                client, d["url"], d["secret"], str(d["id"]), d["payload"]
            )
            tries = d["attempts"] + 1
            if attempt.delivered:
                status, wait = "delivered", 0.0
            elif tries >= settings.webhook_max_attempts:
                status, wait = "parked", 0.0
                log.warning(
                    "parked webhook delivery %s to %s after %s tries",
                    d["id"],
                    d["agency_code"],
                    tries,
                )
            else:
                status = "pending"
                wait = backoff(tries, settings.webhook_backoff_seconds).total_seconds()
            ATTEMPTS.labels(status).inc()
            await uow.record_attempt(
                d["id"],
                status=status,
                status_code=attempt.status_code,
                error=attempt.error,
                retry_in_seconds=wait,
            )
        for agency, count in (await uow.parked_counts()).items():
            PARKED.labels(agency).set(count)
        await uow.commit()
    return len(due)


def webhook_job(
    runtime: ServiceRuntime, settings: GatewaySettings
) -> Callable[[], Awaitable[None]]:
    """A background job delivering webhooks for the life of the service."""

    async def run() -> None:
        async with httpx.AsyncClient(timeout=settings.webhook_timeout_seconds) as client:
            while True:
                if not await deliver_due(runtime, settings, client):
                    await asyncio.sleep(settings.webhook_poll_seconds)

    return run
