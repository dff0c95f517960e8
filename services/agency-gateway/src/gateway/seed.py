"""Load the agency registry, the services' pii levels and the demo agency keys (idempotent)."""

from __future__ import annotations

from typing import Any

import asyncpg

from slrt_shared import reference
from slrt_shared.tokens import hash_token


async def load(conn: asyncpg.Connection, credentials: dict[str, Any], regency: str) -> None:
    """Upsert agencies and services; add the key hashes of credentials.json's agencies."""
    await conn.executemany(
        "INSERT INTO agencies (code, name_id, name_en, kind) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (code) DO UPDATE SET name_id = EXCLUDED.name_id,"
        " name_en = EXCLUDED.name_en, kind = EXCLUDED.kind",
        [(a.code, a.name_id, a.name_en, a.kind) for a in reference.agencies().values()],
    )
    await conn.executemany(
        "INSERT INTO services (code, pii_level) VALUES ($1, $2)"
        " ON CONFLICT (code) DO UPDATE SET pii_level = EXCLUDED.pii_level",
        [(s.code, s.pii_level) for s in reference.services().values()],
    )
    await conn.executemany(
        "INSERT INTO agency_keys (key_hash, agency_code) VALUES ($1, $2)"
        " ON CONFLICT (key_hash) DO NOTHING",
        [
            (hash_token(key), code)
            for code, key in credentials.get("agencies", {}).items()
            if code in reference.agencies()
        ],
    )
