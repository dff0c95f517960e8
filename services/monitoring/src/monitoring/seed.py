"""Load the regions of the served regency (idempotent)."""

from __future__ import annotations

from typing import Any

import asyncpg

from slrt_shared import reference


async def load(conn: asyncpg.Connection, credentials: dict[str, Any], regency: str) -> None:
    """Upsert the regency, its kecamatan and villages."""
    regions = [
        r
        for r in reference.regions().values()
        if r.code == regency or r.code.startswith(regency + ".")
    ]
    await conn.executemany(
        "INSERT INTO regions (code, name, level, parent_code) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name",
        [(r.code, r.name, r.level, r.parent_code) for r in regions],
    )
