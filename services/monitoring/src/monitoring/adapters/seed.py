"""asyncpg queries of the seed: the served regions, their maps and the agencies' names."""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg

from monitoring.adapters.agencies import UPSERT_AGENCY
from monitoring.domain.geometry import Drawing


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


async def save_map(conn: asyncpg.Connection, regency: str, drawing: Drawing) -> None:
    """Replace a regency's map with a new drawing of it."""
    async with conn.transaction():
        await conn.execute("DELETE FROM region_maps WHERE regency_code = $1", regency)
        await conn.execute(
            "INSERT INTO region_maps (regency_code, width, height) VALUES ($1, $2, $3)",
            regency,
            drawing.width,
            drawing.height,
        )
        await conn.executemany(
            "INSERT INTO region_shapes (code, regency_code, level, path) VALUES ($1, $2, $3, $4)",
            [(code, regency, "village", path) for code, path in drawing.villages.items()]
            + [(code, regency, "district", path) for code, path in drawing.kecamatan.items()],
        )
