"""Load intake's reference data and the demo operator tokens (idempotent)."""

from __future__ import annotations

from typing import Any

import asyncpg

from slrt_shared import reference, regions
from slrt_shared.tokens import hash_token


async def load(conn: asyncpg.Connection, credentials: dict[str, Any], regency: str) -> None:
    """Upsert the regency's villages, the service catalogue and the operators' token hashes."""
    await conn.executemany(
        "INSERT INTO villages (code, name, kecamatan_code, regency_code) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name",
        [(v.code, v.name, v.kecamatan_code, v.regency_code) for v in reference.villages(regency)],
    )
    await conn.executemany(
        "INSERT INTO services (code, name_id, name_en, sla_working_days, pii_level)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO UPDATE SET"
        " name_id = EXCLUDED.name_id, name_en = EXCLUDED.name_en,"
        " sla_working_days = EXCLUDED.sla_working_days, pii_level = EXCLUDED.pii_level",
        [
            (s.code, s.name_id, s.name_en, s.sla_working_days, s.pii_level)
            for s in reference.services().values()
        ],
    )
    operators = [
        (hash_token(token), "operator", village, regency, f"operator {village}")
        for village, token in credentials.get("operators", {}).items()
        if _strictly_inside(village, regency)
    ]
    staff = [
        (hash_token(token), "district", None, code, f"district staff {code}")
        for code, token in credentials.get("district", {}).items()
        if code == regency
    ]
    await conn.executemany(
        "INSERT INTO operators (token_hash, kind, village_code, regency_code, label)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (token_hash) DO NOTHING",
        operators + staff,
    )


def _strictly_inside(code: str, area: str) -> bool:
    """Tell whether `code` lies inside `area` (not `area` itself); malformed codes lie nowhere."""
    return (
        regions.is_valid(code)
        and regions.is_valid(area)
        and code != area
        and regions.within(code, area)
    )
