"""asyncpg queries of the seed: the catalogue's services and rules, the demo agency keys."""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg


async def save_services(
    conn: asyncpg.Connection, services: Iterable[tuple[str, str, str, str]]
) -> None:
    """Add or update the catalogue's services: (code, pii_level, name_id, name_en) each."""
    await conn.executemany(
        "INSERT INTO services (code, pii_level, name_id, name_en) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (code) DO UPDATE SET pii_level = EXCLUDED.pii_level,"
        " name_id = EXCLUDED.name_id, name_en = EXCLUDED.name_en",
        list(services),
    )


async def add_missing_rules(
    conn: asyncpg.Connection, rules: Iterable[tuple[str, list[str], int]]
) -> None:
    """Keep the catalogue's district rule (service, agencies, SLA) of each service without one,
    as version 0: the first version referral announces replaces it."""
    await conn.executemany(
        "INSERT INTO routing_rules (service_code, scope, agencies, sla_working_days, version,"
        " changed_at) VALUES ($1, '', $2, $3, 0, now()) ON CONFLICT DO NOTHING",
        list(rules),
    )


async def add_key_hashes(conn: asyncpg.Connection, keys: Iterable[tuple[str, str]]) -> None:
    """Add agencies' keys by their hash, (key hash, agency code) each; known ones stay."""
    await conn.executemany(
        "INSERT INTO agency_keys (key_hash, agency_code) VALUES ($1, $2)"
        " ON CONFLICT (key_hash) DO NOTHING",
        list(keys),
    )
