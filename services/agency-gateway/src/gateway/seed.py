"""Load the agency registry, the services' pii levels and the demo agency keys (idempotent)."""

from __future__ import annotations

from typing import Any

import asyncpg

from gateway.adapters import registry
from slrt_shared import reference
from slrt_shared.tokens import hash_token


async def load(conn: asyncpg.Connection, credentials: dict[str, Any], regency: str) -> None:
    """Upsert agencies and services; add the key hashes of credentials.json's agencies."""
    await registry.save_agencies(
        conn, [(a.code, a.name_id, a.name_en, a.kind) for a in reference.agencies().values()]
    )
    await registry.save_pii_levels(
        conn, [(s.code, s.pii_level) for s in reference.services().values()]
    )
    await registry.add_key_hashes(
        conn,
        [
            (hash_token(key), code)
            for code, key in credentials.get("agencies", {}).items()
            if code in reference.agencies()
        ],
    )
