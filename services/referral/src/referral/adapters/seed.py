"""asyncpg queries of the seed: the catalogue's routing rules and the staff tokens."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import asyncpg

from referral.adapters.rule_cache import stages_of


async def add_missing_rules(
    conn: asyncpg.Connection, rules: Iterable[tuple[str, list[str], int]]
) -> None:
    """Insert the district rule (service, agencies, SLA) of each service that has none, with its
    first history row; a rule already stored is never overwritten."""
    await conn.executemany(
        "INSERT INTO routing_rules (service_code, agencies, sla_working_days)"
        " VALUES ($1, $2, $3) ON CONFLICT (service_code, scope) DO NOTHING",
        list(rules),
    )
    await conn.execute(
        "INSERT INTO routing_rule_history (service_code, scope, version, agencies,"
        " sla_working_days, changed_by) SELECT service_code, scope, version, agencies,"
        " sla_working_days, updated_by FROM routing_rules ON CONFLICT DO NOTHING"
    )


async def add_reference_stages(conn: asyncpg.Connection, stages: Iterable[tuple[str, str]]) -> None:
    """Give the catalogue's own rule of a service (service, stages as JSON) its reference stages
    while it has none: a rule an admin saved since is never touched."""
    rows = list(stages)
    await conn.executemany(
        "UPDATE routing_rules SET stages = $2::jsonb WHERE service_code = $1 AND scope = ''"
        " AND version = 1 AND updated_by = 'catalogue' AND stages = '[]'::jsonb",
        rows,
    )
    await conn.executemany(
        "UPDATE routing_rule_history SET stages = $2::jsonb WHERE service_code = $1"
        " AND scope = '' AND version = 1 AND changed_by = 'catalogue' AND stages = '[]'::jsonb",
        rows,
    )


async def save_agencies(
    conn: asyncpg.Connection, agencies: Iterable[tuple[str, str, str, str]]
) -> None:
    """Add or update the agencies a rule may name: (code, name_id, name_en, kind) each."""
    await conn.executemany(
        "INSERT INTO agencies (code, name_id, name_en, kind) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (code) DO UPDATE SET name_id = EXCLUDED.name_id,"
        " name_en = EXCLUDED.name_en, kind = EXCLUDED.kind",
        list(agencies),
    )


async def rules_in_force(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    """Every current rule (district rules and overrides), by service and scope."""
    rows = await conn.fetch(
        "SELECT service_code, scope, agencies, sla_working_days, version, updated_at, stages"
        " FROM routing_rules ORDER BY service_code, scope"
    )
    return [{**dict(r), "stages": stages_of(r["stages"])} for r in rows]


async def replace_district_tokens(conn: asyncpg.Connection, district: dict[str, str]) -> None:
    """Make these token hashes (hash -> regency) the only ones of the regencies they name."""
    await conn.execute(
        "DELETE FROM staff_tokens WHERE kind = 'district' AND regency_code = ANY($1::text[])"
        " AND NOT token_hash = ANY($2::text[])",
        list(set(district.values())),
        list(district),
    )
    await conn.executemany(
        "INSERT INTO staff_tokens (token_hash, kind, regency_code) VALUES ($1, 'district', $2)"
        " ON CONFLICT (token_hash) DO UPDATE SET kind = 'district',"
        " regency_code = EXCLUDED.regency_code",
        list(district.items()),
    )


async def replace_admin_token(conn: asyncpg.Connection, token_hash: str) -> None:
    """Make this token hash the admin's only one."""
    await conn.execute("DELETE FROM staff_tokens WHERE kind = 'admin'")
    await conn.execute(
        "INSERT INTO staff_tokens (token_hash, kind, regency_code) VALUES ($1, 'admin', NULL)"
        " ON CONFLICT (token_hash) DO UPDATE SET kind = 'admin', regency_code = NULL",
        token_hash,
    )
