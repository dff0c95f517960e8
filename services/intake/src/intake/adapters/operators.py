"""asyncpg queries of operator and district staff tokens (only their hashes are stored)."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from slrt_shared.tokens import hash_token, new_token


async def issue(
    conn: asyncpg.Connection, *, village: str | None, regency: str | None, label: str
) -> tuple[UUID, str]:
    """Issue a token bound to a village (operator) or a regency (district staff)."""
    token = new_token("op_" if village else "ds_")
    if village:
        row = await conn.fetchrow("SELECT regency_code FROM villages WHERE code = $1", village)
        if row is None:
            raise SystemExit(f"unknown village {village}: run `seed` for its regency first")
        kind, regency = "operator", row["regency_code"]
    else:
        kind = "district"
    token_id = await conn.fetchval(
        "INSERT INTO operators (token_hash, kind, village_code, regency_code, label)"
        " VALUES ($1, $2, $3, $4, $5) RETURNING id",
        hash_token(token),
        kind,
        village,
        regency,
        label,
    )
    return token_id, token


async def listing(conn: asyncpg.Connection, village: str | None) -> list[asyncpg.Record]:
    """Every token (never the secret), newest first."""
    rows: list[asyncpg.Record] = await conn.fetch(
        "SELECT id, kind, COALESCE(village_code, regency_code) AS scope, label, created_at,"
        " revoked_at FROM operators WHERE $1::text IS NULL OR village_code = $1"
        " ORDER BY created_at DESC",
        village,
    )
    return rows


async def revoke(conn: asyncpg.Connection, token_id: UUID) -> bool:
    """Revoke a token at once; False if there is no such active token."""
    done = await conn.execute(
        "UPDATE operators SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", token_id
    )
    return bool(done.endswith(" 1"))
