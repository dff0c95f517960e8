"""Load routing rules from the service catalogue and the staff tokens (idempotent)."""

from __future__ import annotations

from typing import Any

import asyncpg

from slrt_shared import reference
from slrt_shared.tokens import hash_token


async def load(conn: asyncpg.Connection, credentials: dict[str, Any], regency: str) -> None:
    """Add missing routing rules (rules changed since are kept) and district staff tokens."""
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
    await conn.executemany(
        "INSERT INTO staff_tokens (token_hash, kind, regency_code) VALUES ($1, 'district', $2)"
        " ON CONFLICT (token_hash) DO NOTHING",
        [(hash_token(t), code) for code, t in credentials.get("district", {}).items()],
    )
