"""Inbox: remember processed event ids in the consumer's own transaction."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import asyncpg


async def claim(conn: asyncpg.Connection, event_id: UUID, topic: str) -> bool:
    """Record an event as processed; False when it already was (a redelivery)."""
    row = await conn.fetchval(
        "INSERT INTO inbox (event_id, topic) VALUES ($1, $2)"
        " ON CONFLICT (event_id) DO NOTHING RETURNING true",
        event_id,
        topic,
    )
    return bool(row)


async def claim_all(conn: asyncpg.Connection, claims: Sequence[tuple[UUID, str]]) -> set[UUID]:
    """Record many events as processed in one statement; the ids not processed before."""
    if not claims:
        return set()
    rows = await conn.fetch(
        "INSERT INTO inbox (event_id, topic)"
        " SELECT * FROM unnest($1::uuid[], $2::text[]) ON CONFLICT (event_id) DO NOTHING"
        " RETURNING event_id",
        [event_id for event_id, _ in claims],
        [topic for _, topic in claims],
    )
    return {row["event_id"] for row in rows}


async def processed(conn: asyncpg.Connection | asyncpg.Pool, event_id: UUID) -> bool:
    """Tell whether an event is recorded as processed."""
    return bool(await conn.fetchval("SELECT true FROM inbox WHERE event_id = $1", event_id))
