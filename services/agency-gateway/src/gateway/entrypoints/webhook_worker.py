"""The webhook worker: agencies in parallel, each within its bound, no HTTP in a transaction.

Only I/O here: what becomes of a delivery after a try, how many may be claimed and when to give
up recording an outcome are decided in `domain.webhooks`.

Each round claims due deliveries under a lease in a short transaction, posts each one in a task
of its own outside any transaction, and records each outcome in a transaction of its own. A
receiver that never answers holds only its own agency's slots, for at most the timeout.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta

import asyncpg
import httpx
from prometheus_client import Counter, Gauge

from gateway.adapters import webhook_sender, webhook_store
from gateway.adapters.webhook_store import Claimed
from gateway.domain.webhooks import (
    RetryPolicy,
    Verdict,
    free_slots,
    keep_trying_to_record,
    parked_gauges,
    verdict_after,
)
from gateway.settings import GatewaySettings
from slrt_shared.runtime import ServiceRuntime
from slrt_shared.waiting import wait_set

log = logging.getLogger(__name__)

ATTEMPTS = Counter("slrt_webhook_attempts_total", "Webhook delivery attempts", ["result"])
PARKED = Gauge("slrt_webhook_parked", "Webhook deliveries parked after their last try", ["agency"])
IN_FLIGHT = Gauge("slrt_webhook_in_flight", "Webhook deliveries being posted by this replica")


class _Refreshes:
    """Numbers each count of the parked deliveries as it begins; the last applied one's, and
    the agencies the gauge has shown (set back to 0 once none of theirs is parked)."""

    def __init__(self) -> None:
        self.begun = 0
        self.applied = 0
        self.agencies: set[str] = set()


# The gauge is the process's: its workers' counts may finish out of order, and only the one that
# began last has read every outcome recorded before it began.
_REFRESHES = _Refreshes()

_DB_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)


class WebhookWorker:
    """Delivers due webhooks from one replica, alongside any number of others."""

    def __init__(
        self, pool: asyncpg.Pool, settings: GatewaySettings, client: httpx.AsyncClient
    ) -> None:
        self._pool = pool
        self._settings = settings
        self._client = client
        self._policy = RetryPolicy(settings.webhook_max_attempts, settings.webhook_backoff_seconds)
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()

    async def run(self) -> None:
        """Claim and deliver until cancelled; deliveries in flight are abandoned to their lease."""
        refreshed = 0.0
        try:
            while True:
                self._wake.clear()
                claimed = await self._claim()
                for delivery in claimed:
                    task = asyncio.create_task(self._deliver(delivery))
                    self._tasks.add(task)
                    task.add_done_callback(self._done)
                IN_FLIGHT.set(len(self._tasks))
                if claimed:
                    continue
                if time.monotonic() - refreshed >= self._settings.webhook_poll_seconds:
                    await self._refresh_parked()
                    refreshed = time.monotonic()
                # A finished delivery frees a slot and may unblock its referral's next one.
                await wait_set(self._wake, self._settings.webhook_poll_seconds)
        finally:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._wake.set()
        if not task.cancelled() and task.exception() is not None:
            log.error("webhook delivery task failed", exc_info=task.exception())

    async def _claim(self) -> list[Claimed]:
        room = free_slots(self._settings.webhook_max_in_flight, len(self._tasks))
        if room == 0:
            return []
        try:
            return await webhook_store.claim_due(
                self._pool,
                per_agency=self._settings.webhook_max_in_flight_per_agency,
                limit=room,
                lease=timedelta(seconds=self._settings.webhook_lease_seconds),
            )
        except _DB_ERRORS as exc:
            log.warning("could not claim webhook deliveries, trying again: %s", exc)
            return []

    async def _deliver(self, delivery: Claimed) -> None:
        attempt = await webhook_sender.post(
            self._client,
            delivery.url,
            delivery.secret,
            str(delivery.id),
            delivery.payload,
            deadline_seconds=self._settings.webhook_timeout_seconds,
            policy=self._settings.webhook_url_policy,
        )
        verdict = verdict_after(delivery.attempts, attempt.status_code, self._policy)
        ATTEMPTS.labels(verdict.status).inc()
        recorded = await self._record(delivery, verdict, attempt)
        if not recorded:
            log.warning(
                "webhook delivery %s: lease lost before its outcome was recorded", delivery.id
            )
        elif verdict.status == "parked":
            log.warning(
                "parked webhook delivery %s to %s after %s tries",
                delivery.id,
                delivery.agency_code,
                delivery.attempts,
            )
            await self._refresh_parked()

    async def _record(
        self, delivery: Claimed, verdict: Verdict, attempt: webhook_sender.Attempt
    ) -> bool:
        lease_ends = time.monotonic() + self._settings.webhook_lease_seconds
        while True:
            try:
                return await webhook_store.record_outcome(
                    self._pool,
                    delivery,
                    verdict,
                    status_code=attempt.status_code,
                    error=attempt.error,
                )
            except _DB_ERRORS as exc:
                if not keep_trying_to_record(time.monotonic(), lease_ends):
                    log.warning("could not record webhook delivery %s: %s", delivery.id, exc)
                    return False
                await asyncio.sleep(1.0)

    async def _refresh_parked(self) -> None:
        _REFRESHES.begun += 1
        ticket = _REFRESHES.begun
        try:
            counts = await webhook_store.parked_counts(self._pool)
        except _DB_ERRORS as exc:
            log.warning("could not count parked webhook deliveries: %s", exc)
            return
        if ticket < _REFRESHES.applied:
            return
        _REFRESHES.applied = ticket
        for agency, count in parked_gauges(_REFRESHES.agencies, counts).items():
            PARKED.labels(agency).set(count)
        _REFRESHES.agencies |= counts.keys()


def webhook_job(
    runtime: ServiceRuntime, settings: GatewaySettings
) -> Callable[[], Awaitable[None]]:
    """A background job delivering webhooks for the life of the service."""

    async def run() -> None:
        # No connection is kept for reuse: requests go to an address with the name in the Host
        # header and as TLS server name, and a pooled connection is keyed by the address alone,
        # so two agencies' names on one address could otherwise share a TLS session. No proxy
        # from the environment either: the vetted address is the one connected to.
        limits = httpx.Limits(
            max_connections=settings.webhook_max_in_flight, max_keepalive_connections=0
        )
        timeout = httpx.Timeout(settings.webhook_timeout_seconds)
        async with httpx.AsyncClient(timeout=timeout, limits=limits, trust_env=False) as client:
            await WebhookWorker(runtime.pool, settings, client).run()

    return run
