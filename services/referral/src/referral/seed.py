"""Load routing rules from the service catalogue and the staff tokens (idempotent)."""

from __future__ import annotations

from typing import Any

import asyncpg

from slrt_shared import reference
from slrt_shared.tokens import hash_token


async def load(conn: asyncpg.Connection, credentials: dict[str, Any], regency: str) -> None:
    """Add missing routing rules (rules changed since are kept) and the staff tokens."""
    await load_rules(conn)
    await load_tokens(conn, credentials)


async def load_rules(conn: asyncpg.Connection) -> None:
    """Insert the catalogue's rule of every service that has none; never overwrite one."""
    await conn.executemany(
        "INSERT INTO routing_rules (service_code, agencies, sla_working_days)"
        " VALUES ($1, $2, $3) ON CONFLICT (service_code, scope) DO NOTHING",
        [(s.code, list(s.agencies), s.sla_working_days) for s in reference.services().values()],
    )
    await conn.execute(
        "INSERT INTO routing_rule_history (service_code, scope, version, agencies,"
        " sla_working_days, changed_by) SELECT service_code, scope, version, agencies,"
        " sla_working_days, updated_by FROM routing_rules ON CONFLICT DO NOTHING"
    )


async def load_tokens(conn: asyncpg.Connection, credentials: dict[str, Any]) -> None:
    """Store the hashes of the district staff tokens and the admin token.

    The credentials are the whole truth for the regencies and the admin they name: a token
    replaced there stops working here, so rotating a token is editing the file and seeding.
    """
    district = {hash_token(t): code for code, t in credentials.get("district", {}).items()}
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
    admin = credentials.get("admin")
    if admin:
        await conn.execute("DELETE FROM staff_tokens WHERE kind = 'admin'")
        await conn.execute(
            "INSERT INTO staff_tokens (token_hash, kind, regency_code) VALUES ($1, 'admin', NULL)"
            " ON CONFLICT (token_hash) DO UPDATE SET kind = 'admin', regency_code = NULL",
            hash_token(admin),
        )
