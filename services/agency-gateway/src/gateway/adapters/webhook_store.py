"""asyncpg queries of webhooks and their deliveries (gateway schema only).

The API's queries run in a unit of work (`WebhookQueries`). The worker's run in short
transactions of their own on the pool, so no transaction is ever open while a receiver is being
called: a delivery is claimed under a lease, posted, and its outcome recorded if the lease is
still the worker's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from gateway.domain.webhooks import Requeue, Verdict


class WebhookQueries:
    """Webhook queries of a unit of work (mixed into GatewayUnitOfWork)."""

    @property
    def conn(self) -> asyncpg.Connection:
        """The connection of the open transaction (the unit of work's)."""
        raise NotImplementedError

    async def webhook(self, agency_code: str) -> dict[str, Any] | None:
        """An agency's webhook."""
        row = await self.conn.fetchrow("SELECT * FROM webhooks WHERE agency_code = $1", agency_code)
        return dict(row) if row else None

    async def save_webhook(self, agency_code: str, url: str, secret: str) -> None:
        """Register or change an agency's webhook."""
        await self.conn.execute(
            "INSERT INTO webhooks (agency_code, url, secret) VALUES ($1, $2, $3)"
            " ON CONFLICT (agency_code) DO UPDATE SET url = EXCLUDED.url,"
            " secret = EXCLUDED.secret, updated_at = now()",
            agency_code,
            url,
            secret,
        )

    async def delete_webhook(self, agency_code: str) -> bool:
        """Stop deliveries to an agency (pending ones are parked, not dropped)."""
        # Clearing the lease makes an attempt in flight unable to record itself over the park.
        await self.conn.execute(
            "UPDATE webhook_deliveries SET status = 'parked', parked_at = now(),"
            " last_error = 'webhook_removed', leased_until = NULL, lease_token = NULL"
            " WHERE agency_code = $1 AND status = 'pending'",
            agency_code,
        )
        done = await self.conn.execute("DELETE FROM webhooks WHERE agency_code = $1", agency_code)
        return bool(done.endswith(" 1"))

    async def enqueue_delivery(
        self, delivery_id: UUID, agency_code: str, referral_id: UUID, event_type: str, payload: str
    ) -> None:
        """Queue a webhook delivery in the current transaction."""
        await self.conn.execute(
            "INSERT INTO webhook_deliveries (id, agency_code, referral_id, event_type, payload)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
            delivery_id,
            agency_code,
            referral_id,
            event_type,
            payload,
        )

    async def deliveries(
        self, agency_code: str, status: str | None, limit: int
    ) -> list[dict[str, Any]]:
        """An agency's delivery log, newest first (without payloads)."""
        rows = await self.conn.fetch(
            "SELECT id, referral_id, event_type, status, attempts, next_attempt_at,"
            " last_status_code, last_error, created_at, delivered_at, parked_at, purged_at"
            " FROM webhook_deliveries"
            " WHERE agency_code = $1 AND ($2::text IS NULL OR status = $2)"
            " ORDER BY created_at DESC, seq DESC LIMIT $3",
            agency_code,
            status,
            limit,
        )
        return [dict(r) for r in rows]

    async def requeue(self, agency_code: str, delivery_id: UUID) -> Requeue:
        """Send a parked delivery again, if its payload is still kept."""
        row = await self.conn.fetchrow(
            "SELECT status, purged_at FROM webhook_deliveries"
            " WHERE id = $1 AND agency_code = $2 FOR UPDATE",
            delivery_id,
            agency_code,
        )
        if row is None:
            return Requeue.NOT_FOUND
        if row["purged_at"] is not None:
            return Requeue.PURGED
        if row["status"] != "parked":
            return Requeue.NOT_PARKED
        await self.conn.execute(
            "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(),"
            " parked_at = NULL WHERE id = $1",
            delivery_id,
        )
        return Requeue.QUEUED


@dataclass(frozen=True)
class Claimed:
    """A delivery this worker holds under a lease, with where and how to send it."""

    id: UUID
    agency_code: str
    referral_id: UUID
    payload: str
    attempts: int
    lease: UUID
    url: str
    secret: str


# Lanes: agencies with something due, locked (skipping those another replica is claiming for)
# so that two replicas never both fill the same agency's free slots.
_LANES = (
    "SELECT w.agency_code, w.url, w.secret FROM webhooks w WHERE EXISTS ("
    " SELECT 1 FROM webhook_deliveries d WHERE d.agency_code = w.agency_code"
    " AND d.status = 'pending' AND d.next_attempt_at <= now()"
    " AND (d.leased_until IS NULL OR d.leased_until <= now()))"
    " ORDER BY w.agency_code FOR NO KEY UPDATE OF w SKIP LOCKED"
)

# Per lane: as many due deliveries as the agency has free slots (all replicas' leases count),
# none with an earlier pending delivery of the same referral; then the most overdue first.
# A claim counts as a try, so a delivery that kills its worker cannot loop for ever.
_CLAIM = """
WITH lanes AS (
    SELECT l.agency_code,
           greatest($2::int - (SELECT count(*) FROM webhook_deliveries f
                               WHERE f.agency_code = l.agency_code AND f.status = 'pending'
                                 AND f.leased_until IS NOT NULL
                                 AND f.leased_until > now()), 0) AS free
    FROM unnest($1::text[]) AS l(agency_code)
), picked AS (
    SELECT c.id FROM lanes CROSS JOIN LATERAL (
        SELECT d.id, d.next_attempt_at, d.seq FROM webhook_deliveries d
        WHERE d.agency_code = lanes.agency_code AND d.status = 'pending'
          AND d.payload IS NOT NULL AND d.next_attempt_at <= now()
          AND (d.leased_until IS NULL OR d.leased_until <= now())
          AND NOT EXISTS (
              SELECT 1 FROM webhook_deliveries e
              WHERE e.agency_code = d.agency_code AND e.referral_id = d.referral_id
                AND e.status = 'pending' AND e.seq < d.seq)
        ORDER BY d.next_attempt_at, d.seq
        LIMIT lanes.free
        FOR UPDATE OF d SKIP LOCKED
    ) c
    ORDER BY c.next_attempt_at, c.seq
    LIMIT $3
)
UPDATE webhook_deliveries d
SET leased_until = now() + make_interval(secs => $4), lease_token = $5,
    attempts = d.attempts + 1
FROM picked WHERE d.id = picked.id
RETURNING d.id, d.agency_code, d.referral_id, d.payload, d.attempts
"""


async def claim_due(
    pool: asyncpg.Pool, *, per_agency: int, limit: int, lease: timedelta
) -> list[Claimed]:
    """Lease up to `limit` due deliveries in one short transaction, in order and in bounds."""
    token = uuid4()
    async with pool.acquire() as conn, conn.transaction():
        lanes = {r["agency_code"]: r for r in await conn.fetch(_LANES)}
        if not lanes:
            return []
        rows = await conn.fetch(
            _CLAIM, list(lanes), per_agency, limit, lease.total_seconds(), token
        )
    return [
        Claimed(
            id=r["id"],
            agency_code=r["agency_code"],
            referral_id=r["referral_id"],
            payload=r["payload"],
            attempts=r["attempts"],
            lease=token,
            url=lanes[r["agency_code"]]["url"],
            secret=lanes[r["agency_code"]]["secret"],
        )
        for r in rows
    ]


async def record_outcome(
    pool: asyncpg.Pool,
    claimed: Claimed,
    verdict: Verdict,
    *,
    status_code: int | None,
    error: str | None,
) -> bool:
    """Record a try and release the lease; False if the lease was lost (nothing recorded)."""
    done = await pool.fetchval(
        "UPDATE webhook_deliveries SET status = $3, last_status_code = $4, last_error = $5,"
        " next_attempt_at = now() + make_interval(secs => $6),"
        " leased_until = NULL, lease_token = NULL,"
        " delivered_at = CASE WHEN $3 = 'delivered' THEN now() END,"
        " parked_at = CASE WHEN $3 = 'parked' THEN now() END"
        " WHERE id = $1 AND lease_token = $2 AND status = 'pending' RETURNING true",
        claimed.id,
        claimed.lease,
        verdict.status,
        status_code,
        error,
        verdict.retry_in.total_seconds(),
    )
    return bool(done)


async def parked_counts(pool: asyncpg.Pool) -> dict[str, int]:
    """Parked deliveries per agency."""
    rows = await pool.fetch(
        "SELECT agency_code, count(*) AS n FROM webhook_deliveries WHERE status = 'parked'"
        " GROUP BY agency_code"
    )
    return {r["agency_code"]: r["n"] for r in rows}
