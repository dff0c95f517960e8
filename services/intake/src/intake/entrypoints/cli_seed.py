"""`python -m intake seed`: the regency's villages, the service catalogue and the demo tokens.

Idempotent. The catalogue (CSV) is read here only: intake then reads its own tables.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from intake.adapters import seed as store
from intake.app import build
from slrt_shared import reference, regions
from slrt_shared.runtime import run_seed
from slrt_shared.tokens import hash_token


async def load(conn: asyncpg.Connection, credentials: dict[str, Any], regency: str) -> None:
    """Upsert the regency's villages, the service catalogue and the operators' token hashes."""
    await store.save_villages(
        conn,
        [(v.code, v.name, v.kecamatan_code, v.regency_code) for v in reference.villages(regency)],
    )
    await store.save_services(
        conn,
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
    await store.add_operators(conn, operators + staff)


def _strictly_inside(code: str, area: str) -> bool:
    """Tell whether `code` lies inside `area` (not `area` itself); malformed codes lie nowhere."""
    return (
        regions.is_valid(code)
        and regions.is_valid(area)
        and code != area
        and regions.within(code, area)
    )


def main(argv: list[str]) -> None:
    """`seed --credentials FILE --regency CODE`: migrate, then load."""
    run_seed(build()[0], argv, load)
