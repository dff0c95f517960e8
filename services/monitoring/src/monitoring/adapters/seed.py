"""asyncpg queries of the seed: the served regions and the agencies' names."""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg

from monitoring.adapters.agencies import UPSERT_AGENCY


async def save_regions(
    conn: asyncpg.Connection, rows: list[tuple[str, str, str, str | None]]
) -> None:
    """Upsert regions given as (code, name, level, parent_code)."""
    await conn.executemany(
        "INSERT INTO regions (code, name, level, parent_code) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, level = EXCLUDED.level,"
        " parent_code = EXCLUDED.parent_code",
        rows,
    )


async def save_agencies(
    conn: asyncpg.Connection, rows: Iterable[tuple[str, str, str, str]]
) -> None:
    """Upsert agencies given as (code, name_id, name_en, kind)."""
    await conn.executemany(UPSERT_AGENCY, [(*row, None) for row in rows])
