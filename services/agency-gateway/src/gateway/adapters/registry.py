"""asyncpg queries of the agency registry and the agencies' keys (gateway schema only).

The admin's command line and the seed run them on a connection of their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

import asyncpg

_UPSERT_AGENCY = (
    "INSERT INTO agencies (code, name_id, name_en, kind) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (code) DO UPDATE SET name_id = EXCLUDED.name_id,"
    " name_en = EXCLUDED.name_en, kind = EXCLUDED.kind"
)


async def save_agencies(
    conn: asyncpg.Connection, agencies: Iterable[tuple[str, str, str, str]]
) -> None:
    """Add or update agencies: (code, Indonesian name, English name, kind) each."""
    await conn.executemany(_UPSERT_AGENCY, list(agencies))


async def save_pii_levels(conn: asyncpg.Connection, levels: Iterable[tuple[str, str]]) -> None:
    """Add or update the catalogue's services: (service code, pii_level) each."""
    await conn.executemany(
        "INSERT INTO services (code, pii_level) VALUES ($1, $2)"
        " ON CONFLICT (code) DO UPDATE SET pii_level = EXCLUDED.pii_level",
        list(levels),
    )


async def add_key_hashes(conn: asyncpg.Connection, keys: Iterable[tuple[str, str]]) -> None:
    """Add agencies' keys by their hash, (key hash, agency code) each; known ones stay."""
    await conn.executemany(
        "INSERT INTO agency_keys (key_hash, agency_code) VALUES ($1, $2)"
        " ON CONFLICT (key_hash) DO NOTHING",
        list(keys),
    )


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
