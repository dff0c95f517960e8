"""asyncpg queries of the agency registry and the agencies' keys (gateway schema only).

The admin's command line runs them on a connection of its own.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg


async def agency_exists(conn: asyncpg.Connection, agency_code: str) -> bool:
    """Whether the registry has the agency."""
    return bool(await conn.fetchval("SELECT 1 FROM agencies WHERE code = $1", agency_code))


async def add_key(conn: asyncpg.Connection, key_hash: str, agency_code: str) -> UUID:
    """Keep a new key's hash for an agency; its id."""
    key_id: UUID = await conn.fetchval(
        "INSERT INTO agency_keys (key_hash, agency_code) VALUES ($1, $2) RETURNING id",
        key_hash,
        agency_code,
    )
    return key_id


async def revoke_other_keys(conn: asyncpg.Connection, agency_code: str, key_id: UUID) -> None:
    """Revoke every active key of an agency but one."""
    await conn.execute(
        "UPDATE agency_keys SET revoked_at = now() WHERE agency_code = $1 AND id <> $2"
        " AND revoked_at IS NULL",
        agency_code,
        key_id,
    )


async def revoke_key(conn: asyncpg.Connection, key_id: UUID) -> bool:
    """Revoke one key; False when no active key has the id."""
    done = await conn.execute(
        "UPDATE agency_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", key_id
    )
    return bool(done.endswith(" 1"))


async def keys(conn: asyncpg.Connection, agency_code: str | None) -> list[dict[str, Any]]:
    """The keys (without hashes), of one agency or all, newest first."""
    rows = await conn.fetch(
        "SELECT id, agency_code, created_at, revoked_at FROM agency_keys"
        " WHERE $1::text IS NULL OR agency_code = $1 ORDER BY created_at DESC",
        agency_code,
    )
    return [dict(r) for r in rows]
