"""asyncpg queries of the seed: villages, the service catalogue, the operators' token hashes."""

from __future__ import annotations

import asyncpg


async def save_villages(
    conn: asyncpg.Connection, villages: list[tuple[str, str, str | None, str]]
) -> None:
    """Upsert villages: (code, name, kecamatan code, regency code) each."""
    await conn.executemany(
        "INSERT INTO villages (code, name, kecamatan_code, regency_code) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name",
        villages,
    )


async def save_services(
    conn: asyncpg.Connection, services: list[tuple[str, str, str, int, str]]
) -> None:
    """Upsert the catalogue: (code, name_id, name_en, sla_working_days, pii_level) each."""
    await conn.executemany(
        "INSERT INTO services (code, name_id, name_en, sla_working_days, pii_level)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO UPDATE SET"
        " name_id = EXCLUDED.name_id, name_en = EXCLUDED.name_en,"
        " sla_working_days = EXCLUDED.sla_working_days, pii_level = EXCLUDED.pii_level",
        services,
    )


async def add_operators(
    conn: asyncpg.Connection, tokens: list[tuple[str, str, str | None, str, str]]
) -> None:
    """Add token hashes: (hash, kind, village code, regency code, label) each; known ones stay."""
    await conn.executemany(
        "INSERT INTO operators (token_hash, kind, village_code, regency_code, label)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (token_hash) DO NOTHING",
        tokens,
    )
