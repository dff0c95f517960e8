"""The synthetic country loaded in SQL straight into monitoring's projection tables.

Postgres generates the cases itself from a per-village plan (generate_cases.sql): complaints,
their needs, referrals (some rejected and sent on, some escalated, some still open) with the
timing a village's quality implies. Indexes are dropped first and built once after the insert.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg

from monitoring.adapters.seed import save_agencies
from slrt_bench.national.country import catalogue, village_plan
from slrt_shared import reference
from slrt_shared.reference import Region

GENERATE_CASES = Path(__file__).with_name("generate_cases.sql")
# Room for a bulk load of millions of rows in one session.
LOAD_SETTINGS = {
    "search_path": "monitoring",
    "temp_buffers": "2GB",
    "work_mem": "256MB",
    "maintenance_work_mem": "1GB",
    "synchronous_commit": "off",
}


async def load_country(
    dsn: str, regions: Sequence[Region], complaints: int, now: datetime, seed: int
) -> dict[str, float]:
    """Fill monitoring's tables with the synthetic country; return the seconds of each step."""
    timings: dict[str, float] = {}
    conn = await asyncpg.connect(dsn, server_settings=LOAD_SETTINGS)
    try:
        started = time.perf_counter()
        bounds = await _plan(conn, regions, complaints, seed)
        # The agencies' names, as monitoring's seed gives them.
        await save_agencies(
            conn, [(a.code, a.name_id, a.name_en, a.kind) for a in reference.agencies().values()]
        )
        timings["plan_s"] = time.perf_counter() - started
        indexes = await _drop_indexes(conn)
        started = time.perf_counter()
        # The village-months are built once after the insert, not a row at a time by the
        # triggers that keep them as events arrive.
        for table in ("complaint_facts", "referral_facts"):
            await conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        await conn.execute(generate_cases_sql(now, bounds))
        for table in ("complaint_facts", "referral_facts"):
            await conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        timings["generate_and_insert_s"] = time.perf_counter() - started
        started = time.perf_counter()
        await conn.execute("ALTER TABLE complaint_facts ADD PRIMARY KEY (complaint_id)")
        await conn.execute("ALTER TABLE referral_facts ADD PRIMARY KEY (referral_id)")
        for index in indexes:
            await conn.execute(index)
        timings["index_s"] = time.perf_counter() - started
        started = time.perf_counter()
        await conn.execute("SELECT rebuild_village_months()")
        timings["village_months_s"] = time.perf_counter() - started
        started = time.perf_counter()
        await conn.execute(
            "ANALYZE regions; ANALYZE complaint_facts; ANALYZE referral_facts;"
            " ANALYZE village_months"
        )
        timings["analyze_s"] = time.perf_counter() - started
    finally:
        await conn.close()
    return timings


async def _plan(
    conn: asyncpg.Connection, regions: Sequence[Region], complaints: int, seed: int
) -> list[float]:
    """The regions, the villages' plan and the catalogue in tables; the services' weight bounds."""
    await conn.copy_records_to_table(
        "regions",
        records=[(r.code, r.name, r.level, r.parent_code) for r in regions],
        columns=["code", "name", "level", "parent_code"],
    )
    await conn.execute(
        "CREATE TEMP TABLE syn_villages (code text, kec text, reg text, n int,"
        " first bigint, q float8);"
        " CREATE TEMP TABLE syn_services (idx int, code text, sla float8, agencies text[])"
    )
    plan = [p for p in village_plan(regions, complaints, seed) if p.complaints > 0]
    await conn.copy_records_to_table("syn_villages", records=plan)
    services = catalogue()
    await conn.copy_records_to_table(
        "syn_services",
        records=[(i, code, sla, agencies) for i, (code, sla, agencies, _) in enumerate(services)],
    )
    total = sum(w for *_, w in services)
    bounds, running = [], 0.0
    for *_, weight in services[:-1]:
        running += weight / total
        bounds.append(running)
    return bounds


async def _drop_indexes(conn: asyncpg.Connection) -> list[str]:
    """Drop the fact tables' indexes and keys; return the statements that build the indexes."""
    indexes = await conn.fetch(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'monitoring'"
        " AND tablename IN ('complaint_facts', 'referral_facts')"
        " AND indexname NOT LIKE '%_pkey'"
    )
    for index in indexes:
        await conn.execute(f"DROP INDEX {index['indexname']}")
    for table in ("complaint_facts", "referral_facts"):
        await conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT {table}_pkey")
    return [index["indexdef"] for index in indexes]


def generate_cases_sql(now: datetime, bounds: list[float]) -> str:
    """The generating script with the load's moment and the services' bounds written in."""
    return (
        GENERATE_CASES.read_text()
        .replace(":now", f"'{now.isoformat()}'::timestamptz")
        .replace(":bounds", "ARRAY[" + ",".join(repr(b) for b in bounds) + "]::float8[]")
    )


async def database_size(dsn: str) -> dict[str, Any]:
    """The database's size and its largest tables and indexes."""
    conn = await asyncpg.connect(dsn)
    try:
        total = await conn.fetchval("SELECT pg_database_size(current_database())")
        tables = await conn.fetch(
            "SELECT c.relname, pg_total_relation_size(c.oid) AS bytes, c.reltuples::bigint AS rows"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'monitoring' AND c.relkind = 'r' ORDER BY 2 DESC LIMIT 6"
        )
    finally:
        await conn.close()
    return {
        "total_mb": round(total / 2**20),
        "tables": {
            t["relname"]: {"mb": round(t["bytes"] / 2**20), "rows": t["rows"]} for t in tables
        },
    }
