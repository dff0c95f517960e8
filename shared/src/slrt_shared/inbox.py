"""Inbox: remember processed event ids in the consumer's own transaction."""

from __future__ import annotations

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


async def processed(conn: asyncpg.Connection | asyncpg.Pool, event_id: UUID) -> bool:
    """Tell whether an event is recorded as processed."""
    return bool(await conn.fetchval("SELECT true FROM inbox WHERE event_id = $1", event_id))
